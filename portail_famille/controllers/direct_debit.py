from odoo import _, http
from odoo.http import request

from .portal import FamilyPortal


class FamilyDirectDebitPortal(FamilyPortal):
    """Mes prélèvements (/my/direct-debit): the household's SEPA mandate (masked IBAN,
    signature date, state) and the invoices to be debited with their due dates, read
    by the household model (parents read no mandate themselves); a household without
    a mandate asks the billing service for one."""

    def _prepare_direct_debit_values(self, household, **extra):
        return self._prepare_form_page_values(
            household,
            "family_direct_debit",
            direct_debit=household._get_direct_debit_values(),
            **extra,
        )

    @http.route(
        "/my/direct-debit", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_direct_debit(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_direct_debit",
            self._prepare_direct_debit_values(household),
        )

    @http.route(
        "/my/direct-debit/request",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_direct_debit_request(self, note=None, **kw):
        household = self._family_household()
        form = {"note": (note or "")[:2000]}
        errors = {}

        def apply():
            household._portal_request_direct_debit(form["note"])

        redirect = self._apply_form(
            errors,
            apply,
            "family_direct_debit",
            _(
                "Your request is sent to the billing service: it will send you the "
                "mandate to sign."
            ),
            "/my/direct-debit",
            form,
        )
        if redirect:
            return redirect
        return request.render(
            "portail_famille.portal_my_direct_debit",
            self._prepare_direct_debit_values(household, form=form, form_errors=errors),
            status=400,
        )
