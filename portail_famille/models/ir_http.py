import re

from odoo import models
from odoo.http import request

# the session key saying that its cookie must end with the browser session (the login
# page's "Remember me" left unticked)
BROWSER_SESSION_KEY = "family_browser_session"
_SESSION_COOKIE = "session_id="
_EXPIRY_ATTRIBUTES = re.compile(r";\s*(?:expires|max-age)=[^;]*", re.IGNORECASE)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _post_dispatch(cls, response):
        """Odoo sends the session cookie with the session's inactivity lifetime
        (``sessions.max_inactivity_seconds``, 7 days), so that it outlives the browser.
        A session opened without "Remember me" gets it without Expires nor Max-Age
        instead: a session cookie, which the browser forgets when it is closed."""
        result = super()._post_dispatch(response)
        if request.session.get(BROWSER_SESSION_KEY):
            cls._family_browser_session_cookie(response)
        return result

    @staticmethod
    def _family_browser_session_cookie(response):
        """Take the expiry out of the session cookie ``response`` sets, if any."""
        headers = getattr(response, "headers", None)
        cookies = headers.getlist("Set-Cookie") if headers is not None else []
        if not any(cookie.startswith(_SESSION_COOKIE) for cookie in cookies):
            return
        headers.remove("Set-Cookie")
        for cookie in cookies:
            if cookie.startswith(_SESSION_COOKIE):
                cookie = _EXPIRY_ATTRIBUTES.sub("", cookie)
            headers.add("Set-Cookie", cookie)
