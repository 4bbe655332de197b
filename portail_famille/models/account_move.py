from odoo import _, api, fields, models
from odoo.tools import format_date

FAMILY_INVOICE_REPORT = "portail_famille.report_invoice_document"


class AccountMove(models.Model):
    """A family's invoice: its detail per child for the PDF, its previous balance,
    and the disputes its family raised from the portal (the Règlement–Facture
    service's conversations linked to it)."""

    _inherit = "account.move"

    family_billed = fields.Boolean(
        string="Billed by the Family Portal",
        compute="_compute_family_billed",
        store=True,
        help="Invoice or credit note written by a billing run of the family portal.",
    )

    @api.depends("invoice_line_ids.family_child_id")
    def _compute_family_billed(self):
        for move in self:
            move.family_billed = bool(move.invoice_line_ids.family_child_id)

    def _get_name_invoice_report(self):
        """The family portal's invoice (detail per child, previous balance, the town's
        payment instructions) for the moves of the billing runs; Odoo's for the
        others."""
        if self.family_billed and self.env.ref(
            FAMILY_INVOICE_REPORT, raise_if_not_found=False
        ):
            return FAMILY_INVOICE_REPORT
        return super()._get_name_invoice_report()

    # ------------------------------------------------------------------ direct debit
    def _family_direct_debited(self):
        """True for a customer invoice the town collects by SEPA direct debit: it
        carries a payment mode that needs a mandate and a mandate still valid. The
        portal does not ask its family to pay it by card."""
        self.ensure_one()
        # sudo: parents read neither mandates nor payment modes
        move = self.sudo()
        return bool(
            move.move_type == "out_invoice"
            and move.state == "posted"
            and move.mandate_id.state == "valid"
            and move.payment_mode_id.payment_method_id.mandate_required
        )

    def _family_direct_debit_note(self):
        """What the portal says instead of "Pay now" for an invoice to be debited
        (False for the others): the date of the debit once the invoice is in a debit
        order (or its due date, with a payment term), else the next debit order."""
        self.ensure_one()
        if not self._family_direct_debited() or self.currency_id.is_zero(
            self.amount_residual
        ):
            return False
        move = self.sudo()
        scheduled = move.line_ids.payment_line_ids.filtered(
            lambda line: line.state in ("open", "generated", "uploaded") and line.date
        )
        debit_date = max(scheduled.mapped("date"), default=False)
        if not debit_date and move.invoice_payment_term_id:
            debit_date = move.invoice_date_due
        if debit_date and debit_date >= fields.Date.context_today(self):
            return _(
                "This invoice will be paid by direct debit on %(date)s: you have "
                "nothing to do.",
                date=format_date(self.env, debit_date),
            )
        return _(
            "This invoice will be paid by direct debit with the next debit order: "
            "you have nothing to do."
        )

    def _family_direct_debit_refusal(self):
        """Why an invoice collected by direct debit is not paid online."""
        self.ensure_one()
        return _(
            "Invoice %(name)s will be paid by direct debit: there is nothing to pay "
            "online.",
            name=self.name,
        )

    def _has_to_be_paid(self):
        """Odoo's "Pay now" (account_payment): not for an invoice collected by direct
        debit."""
        return super()._has_to_be_paid() and not self._family_direct_debited()

    def _get_online_payment_error(self):
        return self._family_direct_debit_note() or super()._get_online_payment_error()

    def _family_child_sections(self):
        """[(child, lines)] of the move's lines billed per child, in the order of the
        invoice."""
        self.ensure_one()
        lines = self.invoice_line_ids.filtered("family_child_id").sorted(
            lambda line: (line.family_child_id.name, line.sequence, line.id)
        )
        return list(lines.grouped("family_child_id").items())

    def _family_previous_moves(self):
        """The household's posted invoices and credit notes before this one (by date,
        then number) still open: the previous balance of the invoice."""
        self.ensure_one()
        if not self.invoice_date:
            return self.browse()
        # sudo: the balance is the household's whole account, whoever prints
        return (
            self.sudo()
            .search(
                [
                    ("id", "!=", self.id),
                    ("company_id", "=", self.company_id.id),
                    ("commercial_partner_id", "=", self.commercial_partner_id.id),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("amount_residual", "!=", 0),
                    "|",
                    ("invoice_date", "<", self.invoice_date),
                    "&",
                    ("invoice_date", "=", self.invoice_date),
                    ("id", "<", self.id),
                ],
                order="invoice_date, id",
            )
            .with_env(self.env)
        )

    def _family_previous_balance(self):
        """The amount still due on the household's earlier invoices (less its open
        credit notes), in the company's currency."""
        return sum(
            self._family_previous_moves().sudo().mapped("amount_residual_signed")
        )

    # ------------------------------------------------------------------ disputes
    family_dispute_ids = fields.One2many(
        "family.message", "invoice_id", string="Family Disputes"
    )
    family_dispute_count = fields.Integer(
        string="Disputes", compute="_compute_family_dispute_count"
    )

    def _compute_family_dispute_count(self):
        Message = self.env["family.message"]
        if not Message.has_access("read"):
            self.family_dispute_count = 0
            return
        counts = dict(
            Message._read_group(
                [("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"]
            )
        )
        for move in self:
            move.family_dispute_count = counts.get(move, 0)

    def action_view_family_disputes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Disputes"),
            "res_model": "family.message",
            "view_mode": "list,form",
            "domain": [("invoice_id", "=", self.id)],
            "context": {"create": False},
        }
