from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers.payment import (
    PaymentPortal as InvoicePaymentPortal,
)
from odoo.addons.account_payment.controllers.portal import (
    PortalAccount as InvoicePortal,
)

from ..models.family_message import MAX_ATTACHMENTS
from .message import FamilyMessagePortal


class FamilyBillingPortal(FamilyMessagePortal, InvoicePortal, InvoicePaymentPortal):
    """The family's billing: Odoo's invoice pages (/my/invoices, the invoice, its PDF
    and online payment) narrowed to the household, several invoices paid at once
    (/my/invoices/pay), the account statement (/my/statement) and an invoice's
    dispute (/my/invoices/<id>/dispute). The household's rules (which invoices, what
    is due) are family.household's."""

    # ------------------------------------------------- Odoo's invoice pages, narrowed
    def _get_overdue_invoices_domain(self, partner_id=None):
        # the invoices are the household's (the parent's commercial partner), not the
        # parent's own contact
        domain = super()._get_overdue_invoices_domain(
            partner_id=partner_id or request.env.user.commercial_partner_id.id
        )
        household = self._find_family_household()
        if household:
            # the invoices collected by direct debit are not the family's to pay
            domain.append(("id", "not in", household._direct_debit_invoices().ids))
        return domain

    def _get_account_searchbar_filters(self):
        filters = super()._get_account_searchbar_filters()
        if self._find_family_household():
            # a family receives invoices only: no vendor bills, no "customer
            # invoices" filter that would be the same as "all"
            filters.pop("bills", None)
            filters.pop("invoices", None)
        return filters

    @http.route()
    def invoice_transaction(self, invoice_id, access_token, **kwargs):
        """Odoo's payment of one invoice: refused for an invoice collected by
        direct debit (its page offers no payment form)."""
        try:
            invoice_sudo = self._document_check_access(
                "account.move", invoice_id, access_token
            )
        except (AccessError, MissingError):
            invoice_sudo = None  # Odoo's own answer below
        if invoice_sudo and invoice_sudo._family_direct_debited():
            raise ValidationError(invoice_sudo._family_direct_debit_refusal())
        return super().invoice_transaction(invoice_id, access_token, **kwargs)

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        household = self._find_family_household()
        if household and not access_token:
            # the page opened without the link's token (typed, or from a bookmark):
            # Odoo's payment form needs it to pay the invoice, which the parent may
            # read (checked by the route)
            access_token = invoice._portal_ensure_token()
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values["family_household"] = household
        return values

    # ------------------------------------------------------------- values of the pages
    def _prepare_statement_values(self, household):
        values = self._prepare_form_page_values(household, "family_statement")
        values["statement"] = household._get_account_statement()
        return values

    def _prepare_invoices_pay_values(self, household, invoices_sudo=None, error=None):
        """The open invoices to choose from and, once chosen, Odoo's payment form for
        their total (one transaction for them all)."""
        open_invoices_sudo = (
            request.env["account.move"]
            .sudo()
            .search(
                [
                    *household._family_invoice_domain(),
                    ("move_type", "=", "out_invoice"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                order="invoice_date, id",
            )
        )
        debited_sudo = household._direct_debit_invoices()
        values = self._prepare_form_page_values(
            household,
            "family_invoices_pay",
            open_invoices=open_invoices_sudo - debited_sudo,
            debited_invoices=debited_sudo,
            chosen=invoices_sudo or open_invoices_sudo.browse(),
            error=error,
        )
        if invoices_sudo:
            values.update(
                self._family_payment_form_values(invoices_sudo, "/my/invoices")
            )
        return values

    def _family_payment_form_values(self, invoices_sudo, landing_route):
        """The values of Odoo's payment form (``payment.form``) paying these invoices
        of the household at once, through /my/invoices/pay/transaction; the payer
        lands on ``landing_route`` once done. Also used by the immediate payment of
        the recap (planning.py)."""
        amount = sum(invoices_sudo.mapped("amount_residual"))
        currency = invoices_sudo.currency_id[:1]
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": invoices_sudo.partner_id[:1],
                "company": invoices_sudo.company_id[:1],
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "landing_route": landing_route,
                "transaction_route": "/my/invoices/pay/transaction/%s"
                % "-".join(str(i) for i in invoices_sudo.ids),
            }
        )
        values.update({"amount": amount, "currency": currency})
        return values

    # ------------------------------------------------------------------------- routes
    @http.route(
        "/my/statement", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_statement(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_statement",
            self._prepare_statement_values(household),
        )

    @http.route(
        "/my/invoices/pay", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_invoices_pay(self, **kw):
        """Without ``invoice_ids``: the open invoices to tick; with them (one per
        ticked box): the payment form for their total."""
        household = self._family_household()
        invoice_ids = request.httprequest.args.getlist("invoice_ids")
        invoices_sudo, error = None, None
        if "invoice_ids" in request.httprequest.args:
            try:
                invoices_sudo = household._portal_invoices_to_pay(invoice_ids)
            except UserError as exc:
                error = exc.args[0]
        return request.render(
            "portail_famille.portal_my_invoices_pay",
            self._prepare_invoices_pay_values(household, invoices_sudo, error),
        )

    @http.route(
        "/my/invoices/pay/transaction/<string:invoice_ids>", type="json", auth="user"
    )
    def family_invoices_transaction(self, invoice_ids, access_token=None, **kwargs):
        """One payment transaction for the chosen invoices of the household, for the
        sum of what remains due on them (whatever amount the browser sends)."""
        household = self._family_household()
        try:
            invoices_sudo = household._portal_invoices_to_pay(invoice_ids.split("-"))
        except UserError as exc:
            raise ValidationError(exc.args[0]) from exc
        self._validate_transaction_kwargs(kwargs)
        kwargs["amount"] = sum(invoices_sudo.mapped("amount_residual"))
        return self._process_transaction(
            request.env.user.partner_id.id,
            invoices_sudo.currency_id[:1].id,
            invoices_sudo.ids,
            False,
            **kwargs,
        )

    def _family_invoice(self, household, invoice_id):
        try:
            return household._portal_invoices_to_dispute([invoice_id])
        except UserError as exc:
            raise NotFound() from exc

    @http.route(
        "/my/invoices/<string:invoice_id>/dispute",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def family_invoice_dispute(self, invoice_id, reason=None, **kw):
        household = self._family_household()
        invoice_sudo = self._family_invoice(household, invoice_id)
        form = {"reason": (reason or "")[:10000]}
        errors = {}
        if request.httprequest.method == "POST":
            if not form["reason"].strip():
                errors["reason"] = _("Say why you contest this invoice.")
            uploads = self._read_message_uploads(errors)

            def apply():
                request.env["family.message"]._portal_dispute(
                    household, invoice_sudo.id, form["reason"], uploads
                )

            redirect = self._apply_form(
                errors,
                apply,
                "family_messages",
                _(
                    "Your dispute is sent to the Payments – Invoices service: you "
                    "will receive an e-mail confirmation."
                ),
                "/my/messages",
                form=form,
                error_field="reason",
            )
            if redirect:
                return redirect
        values = self._prepare_form_page_values(
            household,
            "family_invoice_dispute",
            dispute_invoice=invoice_sudo,
            form=form,
            form_errors=errors,
            max_attachments=MAX_ATTACHMENTS,
        )
        return request.render("portail_famille.portal_my_invoice_dispute", values)
