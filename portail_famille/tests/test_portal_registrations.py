import re
from datetime import date, timedelta

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import FamilyCommon, assert_error_summary


@tagged("post_install", "-at_install")
class TestPortalRegistrations(HttpCase, FamilyCommon):
    """The Inscriptions page: registrations per child with their state, a registration
    form filtered by age group and window, and the registration certificate of a
    validated registration."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        year = cls._create_live_year()
        Activity = cls.env["family.activity"]
        cls.act_open = Activity.create(
            {
                "name": "Atelier théâtre (open)",
                "kind": "alsh_wednesday",
                "school_year_id": year.id,
                "age_group": "all",
                "unit_ids": [Command.create({"name": "Séance"})],
            }
        )
        cls.act_nursery = Activity.create(
            {
                "name": "Crèche (early childhood only)",
                "kind": "early_childhood",
                "school_year_id": year.id,
                "age_group": "early_childhood",
                "unit_ids": [Command.create({"name": "Heure"})],
            }
        )
        cls.act_closed = Activity.create(
            {
                "name": "Séjour ski (window closed)",
                "kind": "alsh_holiday",
                "school_year_id": year.id,
                "age_group": "all",
                "registration_date_start": today - timedelta(days=40),
                "registration_date_end": today - timedelta(days=10),
                "unit_ids": [Command.create({"name": "Séjour"})],
            }
        )
        cls.reg_validated = cls._create_registration(cls.child_a1, cls.act_restaurant)
        cls.reg_validated.action_validate()
        cls.reg_b = cls._create_registration(cls.child_b1, cls.act_restaurant)
        cls.reg_b.action_validate()

    def _post(self, url, data):
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        return self.url_open(url, data={**data, "csrf_token": token})

    def test_registrations_page_lists_states_and_offers_only_open_activities(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/registrations")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.child_a1.name, page.text)
        self.assertIn("Restauration scolaire", page.text)
        self.assertIn(
            "/my/registrations/%s/attestation" % self.reg_validated.id, page.text
        )
        select_a1 = re.search(
            r'id="pf-activity-%s".*?</select>' % self.child_a1.id, page.text, re.S
        ).group(0)
        self.assertIn('value="%s"' % self.act_open.id, select_a1)
        self.assertNotIn("Crèche (early childhood only)", select_a1)  # wrong age group
        self.assertNotIn("Séjour ski", page.text)  # window closed
        self.assertNotIn(self.child_b1.first_name, page.text)

        response = self._post(
            "/my/registrations",
            {
                "child_id": self.child_a1.id,
                "activity_id": self.act_open.id,
                "note": "Le mercredi seulement",
            },
        )
        self.assertEqual(response.status_code, 200)
        registration = self.env["family.registration"].search(
            [
                ("child_id", "=", self.child_a1.id),
                ("activity_id", "=", self.act_open.id),
            ]
        )
        self.assertEqual(registration.state, "pending")
        self.assertEqual(registration.note, "Le mercredi seulement")
        # no longer offered once registered
        page = self.url_open("/my/registrations").text
        select_a1 = re.search(
            r'id="pf-activity-%s".*?</select>' % self.child_a1.id, page, re.S
        ).group(0)
        self.assertNotIn('value="%s"' % self.act_open.id, select_a1)
        # listed among Léa's registrations, still offered to Tom
        self.assertIn("Atelier théâtre (open)", page)

    def test_bad_registration_forms_are_refused_next_to_the_field(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        cases = [
            {"child_id": self.child_a1.id, "activity_id": ""},  # empty
            {"child_id": self.child_a1.id, "activity_id": "abc"},  # wrong type
            {
                "child_id": self.child_a1.id,
                "activity_id": self.act_closed.id,
            },  # window closed (tampered)
            {
                "child_id": self.child_a1.id,
                "activity_id": self.act_nursery.id,
            },  # wrong age group (tampered)
            {
                "child_id": self.child_b1.id,
                "activity_id": self.act_open.id,
            },  # another family's child
        ]
        for data in cases:
            response = self._post("/my/registrations", {**data, "note": "gardez-moi"})
            self.assertEqual(response.status_code, 400, data)
            if data["child_id"] == self.child_a1.id:
                self.assertIn("gardez-moi", response.text, "the parent's note is kept")
                self.assertIn("invalid-feedback", response.text)
            else:
                self.assertIn('class="alert alert-danger"', response.text)
            self.assertNotIn(self.child_b1.first_name, response.text)
        self.assertFalse(
            self.env["family.registration"].search(
                [
                    (
                        "activity_id",
                        "in",
                        (self.act_open | self.act_closed | self.act_nursery).ids,
                    )
                ]
            )
        )

    def test_certificate_only_for_own_validated_registrations(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self.url_open(
            "/my/registrations/%s/attestation" % self.reg_validated.id
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        year = self.act_open.school_year_id
        pending = self._create_registration(
            self.child_a2,
            self.act_open,
            date_start=year.date_start,
            date_end=year.date_end,
        )
        self.assertEqual(
            self.url_open("/my/registrations/%s/attestation" % pending.id).status_code,
            404,
        )
        other = self.url_open("/my/registrations/%s/attestation" % self.reg_b.id)
        self.assertEqual(other.status_code, 404)
        self.assertNotIn(self.child_b1.first_name, other.text)
        self.authenticate(None, None)
        anonymous = self.url_open(
            "/my/registrations/%s/attestation" % self.reg_validated.id
        )
        self.assertIn("/web/login", anonymous.url)

    def test_refused_registration_puts_the_focus_on_an_error_summary(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._post(
            "/my/registrations",
            {"child_id": self.child_a1.id, "activity_id": self.act_closed.id},
        )
        self.assertEqual(response.status_code, 400)
        assert_error_summary(self, response.text, ["pf-activity-%s" % self.child_a1.id])
        # another family's child: no field of its own, said in the summary
        response = self._post(
            "/my/registrations",
            {"child_id": self.child_b1.id, "activity_id": self.act_open.id},
        )
        self.assertEqual(response.status_code, 400)
        assert_error_summary(
            self, response.text, [], form_error="Choisissez l'un de vos enfants."
        )
