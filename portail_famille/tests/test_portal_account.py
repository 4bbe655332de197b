import re

from odoo.exceptions import AccessDenied, UserError
from odoo.tests import HttpCase, tagged

from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestPortalAccount(HttpCase, FamilyCommon):
    """A parent changes or resets the password through Odoo's own pages, in French."""

    def _password_works(self, password):
        self.env.invalidate_all()
        try:
            self.parent_a.with_user(self.parent_a)._check_credentials(
                {
                    "login": self.parent_a.login,
                    "password": password,
                    "type": "password",
                },
                {"interactive": False},
            )
        except AccessDenied:
            return False
        return True

    def test_password_change(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/security")
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="new1"', page.text)
        token = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        # a confirmation that differs: refused, in French, nothing changed
        response = self.url_open(
            "/my/security",
            data={
                "old": self.parent_a.login,
                "new1": "Ecole-2026-soleil",
                "new2": "Ecole-2026-lune",
                "csrf_token": token,
            },
        )
        self.assertIn("identiques", response.text)
        self.assertTrue(self._password_works(self.parent_a.login))
        self.url_open(
            "/my/security",
            data={
                "old": self.parent_a.login,
                "new1": "Ecole-2026-soleil",
                "new2": "Ecole-2026-soleil",
                "csrf_token": token,
            },
        )
        self.assertTrue(self._password_works("Ecole-2026-soleil"))
        self.assertFalse(self._password_works(self.parent_a.login))

    def test_password_reset_request(self):
        self.authenticate(None, None)
        page = self.url_open("/web/reset_password")
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="login"', page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/web/reset_password",
            data={"login": self.parent_a.login, "csrf_token": token},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.parent_a.partner_id.signup_type,
            "reset",
            "a reset link was prepared and e-mailed",
        )

    def test_close_account_keeps_the_family_file(self):
        """Odoo's "Delete Account" works for a parent (the addon's login rule let it
        fail) and says what becomes of the family file, which the town keeps."""
        user = self.parent_a
        self.authenticate(user.login, user.login)
        page = self.url_open("/my/security")
        self.assertTrue(
            "durée légale de conservation" in page.text,
            "the security page says what becomes of the family file",
        )
        token = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        login = user.login
        response = self.url_open(
            "/my/deactivate_account",
            data={
                "validation": login,
                "password": login,
                "csrf_token": token,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("/web/login", response.url)
        self.env.invalidate_all()
        self.assertFalse(user.active)
        self.assertNotEqual(user.login, login)
        self.assertFalse(self._password_works(login))
        household = self.household_a
        self.assertTrue(household.exists() and household.active)
        self.assertTrue(household.child_ids)
        self.assertIn(
            "a fermé son compte portail",
            household.message_ids[0].body,
        )

    def test_parent_still_cannot_change_login(self):
        """The closing path does not open a way to change one's login."""
        with self.assertRaises(UserError):
            self.parent_a.with_user(self.parent_a).sudo().write(
                {"login": "autre@example.com"}
            )

    def test_edit_information_opens_the_family_file(self):
        """A parent's "Edit information" is Mon dossier, not Odoo's /my/account (company
        name, VAT number, a required phone, the e-mail that is the login)."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertRegex(home.text, r'href="/my/family"[^>]*>\s*<i class="fa fa-pencil')
        self.assertNotIn('href="/my/account"', home.text)
        response = self.url_open("/my/account", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my/family"))
        page = self.url_open("/my/account")
        self.assertTrue(page.url.endswith("/my/family"))
        self.assertIn('action="/my/family/contact"', page.text)
        self.assertNotIn('name="vat"', page.text)
        # Odoo's form posted anyway changes nothing
        partner = self.parent_a.partner_id
        token = re.search(r'csrf_token: "([^"]+)"', home.text).group(1)
        response = self.url_open(
            "/my/account",
            data={
                "name": "Autre Nom",
                "email": "autre@example.com",
                "phone": "0600000000",
                "street": "1 rue X",
                "city": "Ailleurs",
                "country_id": "abc",
                "csrf_token": token,
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        self.assertNotEqual(partner.name, "Autre Nom")
        self.assertNotEqual(partner.email, "autre@example.com")

    def test_account_page_kept_without_family_file(self):
        """A portal user with no family file (a supplier, a former parent) keeps Odoo's
        own page."""
        user = self.env["res.users"].create(
            {
                "name": "Sans Dossier",
                "login": "sans.dossier@example.com",
                "password": "sans.dossier@example.com",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate(user.login, user.login)
        page = self.url_open("/my/account")
        self.assertEqual(page.status_code, 200)
        self.assertTrue(page.url.endswith("/my/account"))
        self.assertIn('name="vat"', page.text)

    def test_closing_context_does_not_open_a_login_change(self):
        """The closing's exemption cannot be sent by RPC: a context key claiming an
        account closing changes nothing."""
        with self.assertRaises(UserError):
            self.parent_a.with_user(self.parent_a).with_context(
                family_account_closing=True
            ).sudo().write({"login": "autre@example.com"})
        self.assertEqual(self.parent_a.login, "alice.martin@example.com")
