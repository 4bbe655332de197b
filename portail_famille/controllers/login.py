from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.home import Home

from ..models.ir_http import BROWSER_SESSION_KEY


class FamilyLogin(Home):
    """The login page's "Remember me" (seed 004, "Se rappeler de moi"): unticked, the
    session ends when the browser is closed (a session cookie, see ir.http); ticked,
    it lasts Odoo's usual inactivity time. Unticked by default: parents log in on the
    town hall's computer or a shared family one too."""

    @http.route()
    def web_login(self, redirect=None, **kw):
        response = super().web_login(redirect=redirect, **kw)
        remember = bool(kw.get("remember_me"))
        if request.httprequest.method == "POST" and request.params.get("login_success"):
            # kept in the session (through the two-factor step too): every later
            # response that sends its cookie sends it without an expiry
            request.session[BROWSER_SESSION_KEY] = not remember
        elif getattr(response, "is_qweb", False):
            # a refused login: the box stays as the parent left it
            response.qcontext["remember_me"] = remember
        return response
