from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .portal import FamilyPortal


class FamilyAttestationPortal(FamilyPortal):
    """The family's yearly attestations (/my/attestations): the childcare costs
    attestation of each child under 6 (tax credit) and the payment attestation, as
    PDF."""

    def _prepare_attestations_values(self, household):
        return self._prepare_form_page_values(
            household,
            "family_attestations",
            overview=household._attestation_overview(),
        )

    @http.route(
        "/my/attestations", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_attestations(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_attestations",
            self._prepare_attestations_values(household),
        )

    @http.route(
        "/my/attestations/childcare/<int:child_id>/<int:year>.pdf",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_childcare_attestation(self, child_id, year, **kw):
        household = self._family_household()
        child = self._family_child(household, child_id)
        try:
            pdf, filename = child._portal_childcare_attestation(year)
        except UserError:
            # a year not begun, or a child over 6 then: no such attestation
            raise NotFound() from None
        return self._family_pdf_response(pdf, filename)

    @http.route(
        "/my/attestations/payments/<int:year>.pdf",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_payment_attestation(self, year, **kw):
        household = self._family_household()
        try:
            pdf, filename = household._portal_payment_attestation(year)
        except UserError:
            raise NotFound() from None
        return self._family_pdf_response(pdf, filename)
