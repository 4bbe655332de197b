import re

from odoo.tests import HttpCase, tagged

from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestLoginRememberMe(HttpCase, FamilyCommon):
    """ "Se souvenir de moi" on the login page (seed 004): unticked, the session cookie
    has no expiry and the browser forgets it when it is closed; ticked, it keeps Odoo's
    lifetime (7 days of inactivity). Either way the parent is logged in."""

    def _login_page(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        return response.text

    def _log_in(self, password=None, **extra):
        """Post the login form as a browser does (its CSRF token first); returns the
        response, not followed."""
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', self._login_page()
        ).group(1)
        return self.url_open(
            "/web/login",
            data={
                "login": self.parent_a.login,
                "password": password or self.parent_a.login,
                "csrf_token": token,
                "redirect": "/my",
                **extra,
            },
            allow_redirects=False,
        )

    def _session_cookie(self, response):
        """The Set-Cookie header of ``response`` for the session, or None."""
        cookies = [
            value
            for value in response.raw.headers.getlist("Set-Cookie")
            if value.startswith("session_id=")
        ]
        self.assertLessEqual(len(cookies), 1)
        return cookies[0] if cookies else None

    def assertBrowserSession(self, cookie):
        self.assertTrue(cookie)
        self.assertNotRegex(cookie.lower(), r"expires=|max-age=")
        self.assertIn("httponly", cookie.lower())

    def test_login_page_has_the_box_unticked(self):
        html = self._login_page()
        box = re.search(r"<input[^>]*name=\"remember_me\"[^>]*>", html)
        self.assertTrue(box, "the login form has the box")
        self.assertIn('type="checkbox"', box.group(0))
        self.assertNotIn("checked", box.group(0))
        self.assertIn('for="remember_me"', html, "with its label")

    def test_unticked_the_session_ends_with_the_browser(self):
        response = self._log_in()
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        cookie = self._session_cookie(response)
        self.assertBrowserSession(cookie)
        # the session works: the parent's space opens
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertNotIn("/web/login", home.url)
        self.assertIn(self.parent_a.name, home.text)
        # a later response that sends the cookie again (here: the session changed by
        # ?debug) still sends it without expiry
        again = self.url_open("/my?debug=1")
        self.assertEqual(again.status_code, 200)
        self.assertBrowserSession(self._session_cookie(again))

    def test_ticked_the_session_keeps_odoo_lifetime(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sessions.max_inactivity_seconds", 3 * 86400
        )
        response = self._log_in(remember_me="1")
        self.assertEqual(response.status_code, 303)
        cookie = self._session_cookie(response)
        self.assertTrue(cookie)
        self.assertIn("max-age=%s" % (3 * 86400), cookie.lower())
        self.assertIn("expires=", cookie.lower())
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertNotIn("/web/login", home.url)

    def test_a_refused_login_keeps_the_box_as_it_was(self):
        response = self._log_in(password="not-the-password", remember_me="1")
        self.assertEqual(response.status_code, 200)
        box = re.search(r"<input[^>]*name=\"remember_me\"[^>]*>", response.text)
        self.assertIn('checked="checked"', box.group(0))
        # and not logged in
        self.assertIn("/web/login", self.url_open("/my").url)
