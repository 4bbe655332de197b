import re
from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import TINY_PDF, FamilyCommon


@tagged("post_install", "-at_install")
class TestPortalFamilyFile(HttpCase, FamilyCommon):
    """Mon dossier and the children's health sheets on the portal: what a parent may change, what
    becomes a request to staff, every bad input refused next to its field, nothing of another family."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child_b1.health_sheet_id.write({"allergies": "Arachide (famille B)"})
        cls.person_b = cls.env["family.authorized.person"].create({
            "household_id": cls.household_b.id, "name": "Mamie DURAND", "phone": "06 00 00 00 01",
        })

    def _post(self, url, data, files=None):
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        return self.url_open(url, data={**data, "csrf_token": token}, files=files)

    def test_contact_change_and_address_request(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.assertEqual(self.url_open("/my/family").status_code, 200)
        partner = self.parent_a.partner_id
        response = self._post("/my/family/contact", {
            "partner_id": partner.id, "mobile": "06 12 34 56 78", "street": "3 rue des Lilas", "zip": "31000",
            "city": "Toulouse", "family_profession": "Infirmière",
        })
        self.assertEqual(response.status_code, 200)
        self.assertEqual(partner.mobile, "06 12 34 56 78")  # applied at once
        self.assertEqual(partner.family_profession, "Infirmière")
        self.assertNotEqual(partner.street, "3 rue des Lilas")  # waits for the town
        request = self.env["family.change.request"].search([("household_id", "=", self.household_a.id)])
        self.assertEqual(request.state, "pending")
        self.assertTrue(request.activity_ids)
        self.assertIn("3 rue des Lilas", request.summary)
        request.with_user(self.agent).action_validate()
        self.assertEqual(partner.street, "3 rue des Lilas")
        self.assertEqual(partner.city, "Toulouse")

        # bad input: refused next to the field, the rest of the form kept, nothing written
        response = self._post("/my/family/contact", {"partner_id": partner.id, "zip": "3100A", "city": "Muret",
                                                     "mobile": "not a phone"})
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="pf-contact-%s-zip-error"' % partner.id, response.text)
        self.assertIn('id="pf-contact-%s-mobile-error"' % partner.id, response.text)
        self.assertIn('value="Muret"', response.text)
        self.assertEqual(partner.city, "Toulouse")
        # the e-mail cannot be changed from here
        self._post("/my/family/contact", {"partner_id": partner.id, "email": "pirate@example.com"})
        self.assertEqual(partner.email, "alice.martin@example.com")
        # another family's responsable
        response = self._post("/my/family/contact", {"partner_id": self.parent_b.partner_id.id, "mobile": "0600000000"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.parent_b.partner_id.mobile)

    def test_authorized_persons(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self._post("/my/family/authorized", {"name": "Papi MARTIN", "phone": "06 11 11 11 11",
                                              "relationship": "grand-père"})
        person = self.household_a.authorized_person_ids.filtered(lambda p: p.name == "Papi MARTIN")
        self.assertTrue(person)
        response = self._post("/my/family/authorized", {"name": "", "phone": "abc", "relationship": "voisin"})
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="pf-authorized-name-error"', response.text)
        self.assertIn('id="pf-authorized-phone-error"', response.text)
        self.assertIn('value="voisin"', response.text)
        # another family's person cannot be removed
        self.assertEqual(self._post("/my/family/authorized/remove", {"person_id": self.person_b.id}).status_code, 404)
        self.assertTrue(self.person_b.exists())
        self._post("/my/family/authorized/remove", {"person_id": person.id})
        self.assertFalse(person.exists())
        self.assertNotIn("Mamie DURAND", self.url_open("/my/family").text)

    def test_quotient_declaration(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        good = {"value": "742,50", "date_from": "2026-01-01", "date_to": "2026-12-31"}
        pdf = {"proof": ("attestation_caf.pdf", TINY_PDF, "application/pdf")}
        cases = [
            ({**good, "value": "-5"}, pdf, "value"),
            ({**good, "value": "beaucoup"}, pdf, "value"),
            ({**good, "date_to": "2025-12-31"}, pdf, "date_to"),
            ({**good, "date_from": "31/01/2026"}, pdf, "date_from"),
            (good, None, "proof"),
            (good, {"proof": ("caf.pdf", b"GIF89a not a pdf", "application/pdf")}, "proof"),
            (good, {"proof": ("caf.pdf", TINY_PDF + b" " * (6 * 1024 * 1024), "application/pdf")}, "proof"),
        ]
        before = self.household_a.quotient_ids
        for data, files, field in cases:
            response = self._post("/my/family/quotient", data, files)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn('id="pf-quotient-%s-error"' % field, response.text, data)
            self.assertIn('value="%s"' % data["value"], response.text)
        self.assertEqual(self.household_a.quotient_ids, before)
        response = self._post("/my/family/quotient", good, pdf)
        self.assertEqual(response.status_code, 200)
        quotient = self.household_a.quotient_ids - before
        self.assertEqual(quotient.value, 742.5)
        self.assertEqual(quotient.state, "declared")

    def test_documents(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._post("/my/family/document", {"document_type": "proof_of_address", "name": "EDF"},
                              {"file": ("facture.pdf", TINY_PDF, "application/pdf")})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.household_a.document_ids.name, "EDF")
        for data, files in [
            ({"document_type": "proof_of_address", "name": "Trop gros"},
             {"file": ("gros.pdf", TINY_PDF + b"0" * (6 * 1024 * 1024 + 1), "application/pdf")}),
            ({"document_type": "proof_of_address", "name": "Faux PDF"},
             {"file": ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")}),
            ({"document_type": "passport", "name": "Type inconnu"}, {"file": ("a.pdf", TINY_PDF, "application/pdf")}),
            ({"document_type": "medical", "name": "Enfant B", "child_id": self.child_b1.id},
             {"file": ("a.pdf", TINY_PDF, "application/pdf")}),
        ]:
            response = self._post("/my/family/document", data, files)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn('value="%s"' % data["name"], response.text)
        self.assertEqual(len(self.household_a.document_ids), 1)
        self.assertFalse(self.household_b.document_ids)

    def test_health_sheet_only_for_the_family(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        url = "/my/children/%s" % self.child_a1.id
        self.assertEqual(self.url_open(url).status_code, 200)
        response = self._post(url + "/health", {"doctor_name": "Dr Roux", "allergies": "Kiwi", "has_pai": "1",
                                                "pai_details": "Trousse d'urgence", "doctor_phone": "05 61 00 00 00"})
        self.assertEqual(response.status_code, 200)
        sheet = self.child_a1.health_sheet_id
        self.assertEqual((sheet.doctor_name, sheet.allergies, sheet.has_pai), ("Dr Roux", "Kiwi", True))
        response = self._post(url + "/health", {"doctor_name": "Dr Roux", "has_pai": "1", "pai_details": "",
                                                "allergies": "Kiwi et lait"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Kiwi et lait", response.text)
        self.assertEqual(sheet.allergies, "Kiwi")
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        response = self._post(url + "/vaccine", {"vaccine": "mmr", "date": tomorrow})
        self.assertEqual(response.status_code, 400)
        self.assertIn(tomorrow[8:10] + "/" + tomorrow[5:7], response.text)  # the refused date is named
        self.assertFalse(sheet.vaccine_ids)
        response = self._post(url + "/vaccine", {"vaccine": "mmr", "date": "2019-05-01"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(sheet.vaccine_ids.vaccine, "mmr")

        # another family's child: not found, and nothing of its health sheet in the body
        other = "/my/children/%s" % self.child_b1.id
        for response in (self.url_open(other), self._post(other + "/health", {"allergies": "rien"}),
                         self._post(other + "/vaccine", {"vaccine": "mmr", "date": "2019-05-01"})):
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("Arachide", response.text)
        self.assertEqual(self.child_b1.health_sheet_id.allergies, "Arachide (famille B)")
        self.assertFalse(self.child_b1.health_sheet_id.vaccine_ids)
        self.authenticate(None, None)
        self.assertIn("/web/login", self.url_open(url).url)
