from odoo import http
from odoo.http import request

from .portal import FamilyPortal


class FamilyAccessibilityPortal(FamilyPortal):
    """The accessibility statement (RGAA), public: /accessibilite."""

    @http.route(
        "/accessibilite",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=True,
    )
    def family_accessibility_statement(self, **kw):
        # sudo: a visitor may not read the company; the statement names the town and its
        # contact
        company_sudo = request.env.company.sudo()
        return request.render(
            "portail_famille.accessibility_statement", {"company": company_sudo}
        )
