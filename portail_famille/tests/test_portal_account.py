import re

from odoo.exceptions import AccessDenied
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
