import base64
import json
import re
from datetime import date, timedelta

from markupsafe import escape

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.portail_famille.tools import FieldValidationError

from .common import TINY_PDF, FamilyCommon, assert_error_summary


@tagged("post_install", "-at_install")
class TestPortalFamilyFile(HttpCase, FamilyCommon):
    """Mon dossier and the children's health sheets on the portal: what a parent may
    change, what becomes a request to staff, every bad input refused next to its field,
    nothing of another family."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child_b1.health_sheet_id.write({"allergies": "Arachide (famille B)"})
        cls.person_b = cls.env["family.authorized.person"].create(
            {
                "household_id": cls.household_b.id,
                "name": "Mamie DURAND",
                "phone": "06 00 00 00 01",
            }
        )

    def _post(self, url, data, files=None):
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        return self.url_open(url, data={**data, "csrf_token": token}, files=files)

    def test_contact_change_and_address_request(self):
        self.env.company.family_file_user_id = self.agent
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.assertEqual(self.url_open("/my/family").status_code, 200)
        partner = self.parent_a.partner_id
        response = self._post(
            "/my/family/contact",
            {
                "partner_id": partner.id,
                "mobile": "06 12 34 56 78",
                "street": "3 rue des Lilas",
                "zip": "31000",
                "city": "Toulouse",
                "family_profession": "Infirmière",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(partner.mobile, "06 12 34 56 78")  # applied at once
        self.assertEqual(partner.family_profession, "Infirmière")
        self.assertNotEqual(partner.street, "3 rue des Lilas")  # waits for the town
        request = self.env["family.change.request"].search(
            [("household_id", "=", self.household_a.id)]
        )
        self.assertEqual(request.state, "pending")
        self.assertEqual(
            request.activity_ids.user_id,
            self.agent,
            "the town's family files responsible gets it, not the administrator",
        )
        self.assertIn("3 rue des Lilas", request.summary)
        request.with_user(self.agent).action_validate()
        self.assertEqual(partner.street, "3 rue des Lilas")
        self.assertEqual(partner.city, "Toulouse")
        # the household's own address (where its invoices go) follows the responsable
        self.assertEqual(self.household_a.partner_id.street, "3 rue des Lilas")
        self.assertEqual(self.household_a.partner_id.city, "Toulouse")

        # bad input: refused next to the field, the rest of the form kept, nothing
        # written
        response = self._post(
            "/my/family/contact",
            {
                "partner_id": partner.id,
                "zip": "3100A",
                "city": "Muret",
                "mobile": "not a phone",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="pf-contact-%s-zip-error"' % partner.id, response.text)
        self.assertIn('id="pf-contact-%s-mobile-error"' % partner.id, response.text)
        self.assertIn('value="Muret"', response.text)
        self.assertEqual(partner.city, "Toulouse")
        # the e-mail cannot be changed from here
        self._post(
            "/my/family/contact",
            {"partner_id": partner.id, "email": "pirate@example.com"},
        )
        self.assertEqual(partner.email, "alice.martin@example.com")
        # another family's responsable
        response = self._post(
            "/my/family/contact",
            {"partner_id": self.parent_b.partner_id.id, "mobile": "0600000000"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.parent_b.partner_id.mobile)

    def test_authorized_persons(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self._post(
            "/my/family/authorized",
            {
                "name": "Papi MARTIN",
                "phone": "06 11 11 11 11",
                "relationship": "grand-père",
            },
        )
        person = self.household_a.authorized_person_ids.filtered(
            lambda p: p.name == "Papi MARTIN"
        )
        self.assertTrue(person)
        response = self._post(
            "/my/family/authorized",
            {"name": "", "phone": "abc", "relationship": "voisin"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="pf-authorized-name-error"', response.text)
        self.assertIn('id="pf-authorized-phone-error"', response.text)
        self.assertIn('value="voisin"', response.text)
        # another family's person cannot be removed
        self.assertEqual(
            self._post(
                "/my/family/authorized/remove", {"person_id": self.person_b.id}
            ).status_code,
            404,
        )
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
            (
                good,
                {"proof": ("caf.pdf", b"GIF89a not a pdf", "application/pdf")},
                "proof",
            ),
            (
                good,
                {
                    "proof": (
                        "caf.pdf",
                        TINY_PDF + b" " * (6 * 1024 * 1024),
                        "application/pdf",
                    )
                },
                "proof",
            ),
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
        # shown the French way, an integral quotient without decimals
        quotient.sudo().value = 612
        page = self.url_open("/my/family").text
        self.assertIn("<td>612</td>", page)
        self.assertNotIn("612.0", page)
        quotient.sudo().value = 742.5
        self.assertIn("<td>742,5</td>", self.url_open("/my/family").text)

    def test_documents(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._post(
            "/my/family/document",
            {"document_type": "proof_of_address", "name": "EDF"},
            {"file": ("facture.pdf", TINY_PDF, "application/pdf")},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.household_a.document_ids.name, "EDF")
        for data, files in [
            (
                {"document_type": "proof_of_address", "name": "Trop gros"},
                {
                    "file": (
                        "gros.pdf",
                        TINY_PDF + b"0" * (6 * 1024 * 1024 + 1),
                        "application/pdf",
                    )
                },
            ),
            (
                {"document_type": "proof_of_address", "name": "Faux PDF"},
                {"file": ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")},
            ),
            (
                {"document_type": "passport", "name": "Type inconnu"},
                {"file": ("a.pdf", TINY_PDF, "application/pdf")},
            ),
            (
                {
                    "document_type": "medical",
                    "name": "Enfant B",
                    "child_id": self.child_b1.id,
                },
                {"file": ("a.pdf", TINY_PDF, "application/pdf")},
            ),
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
        response = self._post(
            url + "/health",
            {
                "doctor_name": "Dr Roux",
                "allergies": "Kiwi",
                "has_pai": "1",
                "pai_details": "Trousse d'urgence",
                "doctor_phone": "05 61 00 00 00",
            },
        )
        self.assertEqual(response.status_code, 200)
        sheet = self.child_a1.health_sheet_id
        self.assertEqual(
            (sheet.doctor_name, sheet.allergies, sheet.has_pai),
            ("Dr Roux", "Kiwi", True),
        )
        response = self._post(
            url + "/health",
            {
                "doctor_name": "Dr Roux",
                "has_pai": "1",
                "pai_details": "",
                "allergies": "Kiwi et lait",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Kiwi et lait", response.text)
        self.assertEqual(sheet.allergies, "Kiwi")
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        response = self._post(url + "/vaccine", {"vaccine": "mmr", "date": tomorrow})
        self.assertEqual(response.status_code, 400)
        # the refused date is named
        self.assertIn(tomorrow[8:10] + "/" + tomorrow[5:7], response.text)
        self.assertFalse(sheet.vaccine_ids)
        response = self._post(
            url + "/vaccine", {"vaccine": "mmr", "date": "2019-05-01"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(sheet.vaccine_ids.vaccine, "mmr")

        # another family's child: not found, and nothing of its health sheet in the body
        other = "/my/children/%s" % self.child_b1.id
        for response in (
            self.url_open(other),
            self._post(other + "/health", {"allergies": "rien"}),
            self._post(other + "/vaccine", {"vaccine": "mmr", "date": "2019-05-01"}),
        ):
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("Arachide", response.text)
        self.assertEqual(
            self.child_b1.health_sheet_id.allergies, "Arachide (famille B)"
        )
        self.assertFalse(self.child_b1.health_sheet_id.vaccine_ids)
        self.authenticate(None, None)
        self.assertIn("/web/login", self.url_open(url).url)

    def _family_mail(self, change):
        """The e-mail sent to the family about ``change`` (the agent's activity mail
        aside)."""
        mails = self.env["mail.mail"].search(
            [("model", "=", "family.change.request"), ("res_id", "=", change.id)]
        )
        mail = mails.filtered(lambda m: self.parent_a.partner_id in m.recipient_ids)
        self.assertEqual(len(mail), 1, mails.mapped("subject"))
        return mail

    def test_child_identity_is_a_request_consent_and_photo_are_direct(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        child = self.child_a1
        first_name, birth_date = child.first_name, child.birth_date
        school = self.env["family.site"].create(
            {"name": "École Jules Ferry", "kind": "school"}
        )
        png = base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        )
        url = "/my/children/%s/identity" % child.id
        page = self.url_open("/my/children/%s" % child.id).text
        self.assertRegex(
            page,
            r'<option value="cp" selected',
            "the child's class is the one selected",
        )
        self.assertIn('value="%s"' % birth_date.isoformat(), page)
        form = {
            "first_name": "Léonie",
            "last_name": child.last_name,
            "birth_date": birth_date.isoformat(),
            "school_id": school.id,
            "class_level": child.class_level or "",
            "image_rights_consent": "1",
        }
        response = self._post(
            url, form, files={"photo": ("photo.png", png, "image/png")}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("vérifie", response.text)  # "… sent to the town, which checks it"
        # consent and photo at once, identity and school wait for the town
        self.assertTrue(child.image_rights_consent)
        self.assertEqual(child.image_rights_date, date.today())
        self.assertTrue(child.image_128)
        self.assertEqual(child.first_name, first_name)
        self.assertFalse(child.school_id)
        change = self.env["family.change.request"].search([("child_id", "=", child.id)])
        self.assertEqual(change.state, "pending")
        self.assertIn("Léonie", change.summary)
        self.assertIn("École Jules Ferry", change.summary)
        # "waiting for the town's check"
        self.assertIn("attente", self.url_open("/my/children/%s" % child.id).text)

        # staff refuse: the reason is asked, then told to the family by e-mail
        action = change.with_user(self.agent).action_refuse()
        self.assertEqual(action["res_model"], "family.refusal.wizard")
        wizard = (
            self.env["family.refusal.wizard"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"reason": "Merci de joindre l'acte de naissance."})
        )
        wizard.action_confirm()
        self.assertEqual(change.state, "refused")
        self.assertEqual(child.first_name, first_name)
        mail = self._family_mail(change)
        self.assertIn("acte de naissance", mail.body_html)
        self.assertIn("n'est pas appliquée", mail.subject)

        # a second request, validated: applied, and the family is told
        self._post(url, dict(form, class_level="cm1"))
        change = self.env["family.change.request"].search(
            [("child_id", "=", child.id), ("state", "=", "pending")]
        )
        change.with_user(self.agent).action_validate()
        self.assertEqual(child.first_name, "Léonie")
        self.assertEqual(child.school_id, school)
        self.assertEqual(child.class_level, "cm1")
        page = self.url_open("/my/children/%s" % child.id).text
        self.assertRegex(page, r'<option value="%s" selected' % school.id)
        self.assertRegex(page, r'<option value="cm1" selected')
        self.assertIn("mis à jour", self._family_mail(change).subject)

    def test_child_identity_bad_input(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        child = self.child_a1
        url = "/my/children/%s/identity" % child.id
        future = (date.today() + timedelta(days=3)).isoformat()
        response = self._post(
            url,
            {
                "first_name": "",
                "last_name": "MARTIN",
                "birth_date": "31/02/2020",
                "class_level": "cp",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="pf-identity-first_name-error"', response.text)
        self.assertIn('id="pf-identity-birth_date-error"', response.text)
        self.assertIn('value="31/02/2020"', response.text)  # the input is kept
        response = self._post(
            url, {"first_name": "Léo", "last_name": "MARTIN", "birth_date": future}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("date passée", response.text)
        response = self._post(
            url,
            {
                "first_name": "Léo",
                "last_name": "MARTIN",
                "birth_date": child.birth_date.isoformat(),
                "class_level": "6eme",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("niveau de classe", response.text)
        response = self._post(
            url,
            {
                "first_name": child.first_name,
                "last_name": child.last_name,
                "birth_date": child.birth_date.isoformat(),
            },
            files={"photo": ("photo.png", TINY_PDF, "image/png")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="pf-identity-photo-error"', response.text)
        self.assertFalse(
            self.env["family.change.request"].search([("child_id", "=", child.id)])
        )
        self.assertFalse(child.image_128)
        # another family's child: 404, nothing asked
        response = self._post(
            "/my/children/%s/identity" % self.child_b1.id,
            {"first_name": "Pirate", "last_name": "X", "birth_date": "2018-01-01"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(
            self.env["family.change.request"].search(
                [("child_id", "=", self.child_b1.id)]
            )
        )

    def test_parent_cannot_write_a_child_identity_directly(self):
        with self.assertRaises(AccessError):
            self.child_a1.with_user(self.parent_a).write({"first_name": "Pirate"})
        with self.assertRaises(AccessError):
            self.child_a1.with_user(self.parent_a).write({"image_rights_consent": True})
        self.assertFalse(self.child_a1.image_rights_consent)

    def _field_error(self, response, form_id, field):
        """The message shown beside the field ``field`` of the form ``form_id``, as
        plain text."""
        match = re.search(
            r'id="pf-%s-%s-error"[^>]*>([^<]*)<' % (form_id, field), response.text
        )
        self.assertTrue(match, "no message beside %s" % field)
        return match.group(1)

    def test_phone_rule_shown_beside_its_field(self):
        """The models' one phone rule: its message beside the phone field of each form,
        the rest kept."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._post(
            "/my/family/authorized",
            {"name": "Papi MARTIN", "phone": "06 12 34", "relationship": "grand-père"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            self._field_error(response, "authorized", "phone"),
            str(
                escape(
                    "Le numéro de téléphone 06 12 34 n'est pas valide : "
                    "indiquez 10 chiffres, par ex. 06 12 34 56 78."
                )
            ),
        )
        self.assertNotIn('id="pf-authorized-name-error"', response.text)
        self.assertIn('value="Papi MARTIN"', response.text)
        self.assertFalse(
            self.household_a.authorized_person_ids.filtered(
                lambda p: p.name == "Papi MARTIN"
            )
        )
        # the doctor's phone and a responsable's work phone follow the same rule, beside
        # their own field
        response = self._post(
            "/my/children/%s/health" % self.child_a1.id,
            {"doctor_name": "Dr Roux", "doctor_phone": "05 61"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "Le numéro de téléphone 05 61 n",
            self._field_error(response, "health", "doctor_phone"),
        )
        self.assertFalse(self.child_a1.health_sheet_id.doctor_name)
        partner = self.parent_a.partner_id
        response = self._post(
            "/my/family/contact",
            {"partner_id": partner.id, "family_work_phone": "poste 12", "zip": "31000"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "poste 12",
            self._field_error(response, "contact-%s" % partner.id, "family_work_phone"),
        )
        self.assertFalse(partner.family_work_phone)

    def test_phone_rule_refused_by_rpc_and_orm(self):
        """The rule is the models', whatever the route: an agent's RPC call gets it with
        the field named, the ORM refuses it for a responsable and a doctor; a contact
        who is no family's responsable is free."""
        self.authenticate(self.agent.login, self.agent.login)
        response = self.url_open(
            "/web/dataset/call_kw/family.authorized.person/create",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": "family.authorized.person",
                        "method": "create",
                        "args": [
                            {
                                "household_id": self.household_a.id,
                                "name": "Voisin",
                                "phone": "12345",
                            }
                        ],
                        "kwargs": {"context": {"lang": "fr_FR"}},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        error = response.json()["error"]["data"]
        self.assertEqual(
            error["context"]["exception_class"], "odoo.exceptions.ValidationError"
        )
        self.assertEqual(list(error["context"]["field_errors"]), ["phone"])
        self.assertIn("Le numéro de téléphone 12345 n'est pas valide", error["message"])
        self.assertFalse(
            self.household_a.authorized_person_ids.filtered(
                lambda p: p.name == "Voisin"
            )
        )

        with self.assertRaises(FieldValidationError) as caught:
            self.parent_a.partner_id.write({"mobile": "06 12", "zip": "3100A"})
        self.assertEqual(set(caught.exception.field_errors), {"mobile", "zip"})
        with self.assertRaises(ValidationError):
            self.child_a1.health_sheet_id.write({"doctor_phone": "pas de numéro"})
        stranger = self.env["res.partner"].create(
            {"name": "Fournisseur", "phone": "poste 12", "zip": "B-1000"}
        )
        self.assertEqual(stranger.phone, "poste 12")
        self.parent_a.partner_id.write({"mobile": "+33 6 12 34 56 78", "zip": "31000"})

    def test_dashboard_offers_a_tile_per_service(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my").text
        home = page[
            page.index("o_pf_home") : page.index("pf_history_title")
            if "pf_history_title" in page
            else None
        ]
        self.assertIn("<title>Mon espace |", page)
        for url, title in (
            ("/my/family", "Mon dossier famille"),
            ("/my/registrations", "Inscriptions"),
            ("/my/planning", "Planning"),
            ("/my/invoices", "Factures"),
            ("/my/messages", "Messages"),
            ("/my/absences", "Absences"),
            ("/my/news", "Actualités"),
            ("/my/documents", "Documents"),
            ("/my/recap", "Récapitulatif"),
        ):
            with self.subTest(url=url):
                self.assertIn(f'href="{url}"', home)
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                # each page has its own French title
                self.assertIn(f"<title>{title} |", response.text)

    def test_dashboard_lists_the_requests_with_their_state(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        self._create_registration(self.child_b1, self.act_restaurant)
        self.env["family.message"].with_user(self.parent_a)._portal_create(
            self.household_a, "alae", "information", "Question cantine", "Bonjour", []
        )
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my").text
        history = page[page.index("pf-history") :]
        self.assertIn("Question cantine", history)
        self.assertIn("En attente d&#39;une réponse", history)
        self.assertIn(self.act_restaurant.name, history)
        self.assertIn(
            dict(
                registration._fields["state"]._description_selection(registration.env)
            )["pending"],
            history,
        )
        # another family's registration
        self.assertNotIn(self.child_b1.first_name, history)

    def test_refused_family_file_form_puts_the_focus_on_an_error_summary(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._post(
            "/my/family/quotient",
            {"value": "beaucoup", "date_from": "", "date_to": "2026-12-31"},
        )
        self.assertEqual(response.status_code, 400)
        assert_error_summary(
            self,
            response.text,
            ["pf-quotient-value", "pf-quotient-date_from", "pf-quotient-proof"],
        )
        partner = self.parent_a.partner_id
        response = self._post(
            "/my/family/contact", {"partner_id": partner.id, "zip": "ABCDE"}
        )
        self.assertEqual(response.status_code, 400)
        assert_error_summary(self, response.text, ["pf-contact-%s-zip" % partner.id])
        # a child's page
        response = self._post(
            "/my/children/%s/identity" % self.child_a1.id,
            {"first_name": "", "last_name": "MARTIN", "birth_date": "31/02/2020"},
        )
        self.assertEqual(response.status_code, 400)
        assert_error_summary(
            self, response.text, ["pf-identity-first_name", "pf-identity-birth_date"]
        )
