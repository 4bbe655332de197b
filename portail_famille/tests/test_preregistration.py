import re
from datetime import timedelta
from html import unescape

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FamilyCommon

VALID_FORM = {
    "first_name": "Nina",
    "last_name": "Nouvelle",
    "email": "nina.nouvelle@example.com",
    "phone": "06 11 22 33 44",
    "street": "3 place de la Mairie",
    "zip": "31000",
    "city": "Toulouse",
    "child_0_first_name": "Léo",
    "child_0_last_name": "Nouvelle",
    "child_0_birth_date": "2019-05-04",
    "child_0_class_level": "cp",
    "child_1_first_name": "Lou",
    "child_1_last_name": "Nouvelle",
    "child_1_birth_date": "2024-02-01",
}


@tagged("post_install", "-at_install")
class TestPreregistration(HttpCase, FamilyCommon, MockEmail):
    """The fiche de préinscription: a public form for a new family, reviewed by
    staff."""

    def _counts(self):
        return {
            model: self.env[model].search_count([])
            for model in ("family.household", "family.child", "res.users")
        } | {
            "partners": self.env["res.partner"]
            .with_context(active_test=False)
            .search_count([])
        }

    def _post(self, form, **headers):
        page = self.url_open("/pre-registration")
        self.assertEqual(page.status_code, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/pre-registration", data={**form, "csrf_token": token}, headers=headers
        )

    def _prereg(self):
        return self.env["family.preregistration"].search([])

    def test_valid_submission_creates_the_request_and_nothing_else(self):
        before = self._counts()
        response = self._post(VALID_FORM)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/pre-registration/thanks"))
        self.assertIn("<title>Votre préinscription est envoyée", response.text)
        prereg = self._prereg()
        self.assertEqual(len(prereg), 1)
        self.assertEqual(
            (prereg.state, prereg.email, prereg.zip, prereg.name),
            ("pending", "nina.nouvelle@example.com", "31000", "Nina NOUVELLE"),
        )
        self.assertEqual(
            prereg.child_ids.mapped("first_name"), ["Léo", "Lou"], "by birth date"
        )
        self.assertEqual(prereg.child_ids[0].class_level, "cp")
        self.assertEqual(self._counts(), before, "no family, partner or user yet")

    def test_invalid_input_is_told_in_french_and_kept(self):
        form = dict(
            VALID_FORM,
            email="nina@",
            phone="12",
            zip="ABCDE",
            city="",
            child_0_birth_date="2999-01-01",
            child_1_first_name="",
        )
        response = self._post(form)
        self.assertEqual(response.status_code, 400)
        text = unescape(response.text)
        for message in (
            "L'adresse e-mail nina@ n'est pas valide",
            "Ce champ est obligatoire.",
            "Le code postal ABCDE n'est pas valide",
            "de moins de 25 ans",
        ):
            self.assertIn(message, text)
        # the input is kept
        self.assertIn('value="Nouvelle"', response.text)
        self.assertIn('value="3 place de la Mairie"', response.text)
        self.assertIn('aria-invalid="true"', response.text)
        # no child at all
        no_child = {
            key: value
            for key, value in VALID_FORM.items()
            if not key.startswith("child")
        }
        response = self._post(no_child)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Indiquez au moins un enfant.", response.text)
        self.assertFalse(self._prereg())

    def test_robots_and_floods_are_turned_away(self):
        response = self._post(dict(VALID_FORM, pf_homepage="http://spam.example.com"))
        self.assertTrue(response.url.endswith("/pre-registration/thanks"))
        self.assertFalse(self._prereg(), "the honeypot stores nothing")
        for _n in range(5):
            self.assertTrue(self._post(VALID_FORM).url.endswith("/thanks"))
        response = self._post(VALID_FORM)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Trop de préinscriptions", response.text)
        self.assertEqual(len(self._prereg()), 5)

    def test_the_limit_is_per_address_and_per_hour(self):
        Prereg = self.env["family.preregistration"].with_user(
            self.env.ref("base.public_user")
        )
        for _n in range(5):
            Prereg._submit_public(VALID_FORM, "192.0.2.1")
        with self.assertRaises(UserError):
            Prereg._submit_public(VALID_FORM, "192.0.2.1")
        # another connection is not limited
        Prereg._submit_public(VALID_FORM, "192.0.2.2")
        # an hour later the first one may send again
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE family_preregistration SET create_date = %s",
            [fields.Datetime.now() - timedelta(minutes=61)],
        )
        Prereg._submit_public(VALID_FORM, "192.0.2.1")
        self.assertEqual(len(self._prereg()), 7)

    def test_an_address_with_an_account_is_not_created_twice(self):
        self._post(dict(VALID_FORM, email=self.parent_a.login))
        with self.assertRaises(UserError):
            self._prereg().with_user(self.agent).action_validate()
        self.assertEqual(self._prereg().state, "pending")

    def test_staff_validation_creates_the_family_and_invites_the_parent(self):
        self._post(VALID_FORM)
        prereg = self._prereg()
        with self.mock_mail_gateway():
            prereg.with_user(self.agent).action_validate()
        household = prereg.household_id
        self.assertEqual(prereg.state, "validated")
        self.assertEqual(household.name, "Famille NOUVELLE")
        self.assertEqual(household.child_ids.mapped("first_name"), ["Léo", "Lou"])
        partner = household.responsible_partner_id
        self.assertEqual(
            (partner.email, partner.zip, partner.parent_id),
            ("nina.nouvelle@example.com", "31000", household.partner_id),
        )
        user = partner.user_ids
        self.assertEqual(user.login, "nina.nouvelle@example.com")
        self.assertTrue(user._is_portal())
        invitation = [
            mail
            for mail in self._mails
            if "nina.nouvelle@example.com" in " ".join(mail["email_to"])
        ]
        self.assertEqual(len(invitation), 1, "the portal invitation is e-mailed")
        # the new parent's portal finds their family
        self.assertEqual(user.commercial_partner_id, household.partner_id)

    def test_staff_refusal_emails_the_reason(self):
        self._post(VALID_FORM)
        prereg = self._prereg()
        prereg.with_user(self.agent).action_refuse(reason="Adresse hors commune")
        self.assertEqual(prereg.state, "refused")
        self.assertFalse(prereg.household_id)
        mail = self.env["mail.mail"].search(
            [("email_to", "=", "nina.nouvelle@example.com")]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Adresse hors commune", mail.body_html)
