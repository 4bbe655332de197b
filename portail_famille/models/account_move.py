from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, format_amount, format_date

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

    # ------------------------------------------------------- immediate payment holds
    family_hold_state = fields.Selection(
        [
            ("held", "Awaiting payment"),
            ("paid", "Paid: days confirmed"),
            ("released", "Not paid: days freed"),
        ],
        string="Immediate Payment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="An invoice of days of activities paid immediately: they are held for "
        "the family until the invoice is paid or the payment delay passes.",
    )
    family_hold_deadline = fields.Datetime(
        string="Payment Due Before",
        readonly=True,
        copy=False,
        help="Unpaid by then, the held days are freed and the invoice credited.",
    )
    family_household_id = fields.Many2one(
        "family.household",
        string="Family",
        readonly=True,
        copy=False,
        index="btree_not_null",
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

    # ------------------------------------------------------- immediate payment holds
    @api.model
    def _family_hold_create(self, household, reservations):
        """Hold ``reservations`` (just booked, of activities paid immediately) for
        ``household`` until paid: an invoice posted for exactly these days (the lines
        of the monthly billing, the days linked to it: no run bills them again), due
        within the company's payment delay. Returns the invoice."""
        # sudo: parents may not read journals nor write invoices; the days are the
        # ones the family's recap just booked
        invoice = (
            self.env["family.billing.run"]
            .sudo()
            ._bill_reservations(
                household.sudo(),
                reservations.sudo(),
                "out_invoice",
                _("Immediate payment"),
            )
        )
        reservations.sudo().write({"payment_pending": True})
        minutes = self.env.company.family_payment_hold_minutes or 30
        invoice.write(
            {
                "family_hold_state": "held",
                "family_household_id": household.id,
                "family_hold_deadline": fields.Datetime.now()
                + timedelta(minutes=minutes),
            }
        )
        return invoice.with_env(self.env)

    def _family_held_days(self):
        """The days these invoices hold, still awaiting payment."""
        return (
            self.env["family.reservation"]
            .sudo()
            .search(
                [
                    ("invoice_line_id", "in", self.line_ids.ids),
                    ("payment_pending", "=", True),
                ],
                order="date, id",
            )
        )

    def _family_hold_days_for_mail(self):
        """The days of this hold invoice, as its e-mails list them."""
        self.ensure_one()
        return (
            self.env["family.reservation"]
            .sudo()
            .search([("invoice_line_id", "in", self.line_ids.ids)], order="date, id")
        )

    def _family_lock_holds(self):
        """Lock these invoices' rows: the payment and the release of a hold never run
        at once (the later one waits, then sees what the first did)."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) FOR UPDATE",
                self.ids,
            )
        )
        self.invalidate_recordset(["family_hold_state"])

    def _invoice_paid_hook(self):
        """An invoice holding days is paid (online, or at the counter): the days are
        confirmed and the family gets the recap of its bookings."""
        result = super()._invoice_paid_hook()
        holds = self.filtered(lambda move: move.family_hold_state == "held")
        if holds:
            holds.sudo()._family_hold_confirm()
        return result

    def _family_hold_confirm(self):
        self._family_lock_holds()
        template = self.env.ref("portail_famille.mail_template_payment_hold_confirmed")
        for invoice in self.filtered(lambda move: move.family_hold_state == "held"):
            days = invoice._family_held_days()
            days.write({"payment_pending": False})
            invoice.family_hold_state = "paid"
            template.send_mail(
                invoice.id, email_layout_xmlid="mail.mail_notification_light"
            )

    @api.model
    def _cron_family_release_holds(self):
        """Scheduled action: free the days of the holds whose payment delay has passed
        unpaid."""
        expired = self.sudo().search(
            [
                ("family_hold_state", "=", "held"),
                ("family_hold_deadline", "<=", fields.Datetime.now()),
            ],
            order="family_hold_deadline, id",
        )
        for invoice in expired:
            invoice._family_hold_release()
        return expired

    def _family_hold_release(self):
        """The payment delay passed unpaid: cancel the held days (their places go to
        the waiting list or to other families), credit what they are billed with a
        credit note reconciled with the invoice, and tell the family."""
        self.ensure_one()
        self._family_lock_holds()
        if self.family_hold_state != "held":
            return False
        if self.payment_state in ("paid", "in_payment"):
            # paid at the last moment: the payment's own hook confirms the days
            self._family_hold_confirm()
            return False
        days = self._family_held_days()
        # sudo: the freed places may go to other families' children
        days.write({"state": "cancelled", "payment_pending": False})
        if days:
            self.env["family.billing.run"]._bill_reservations(
                self.family_household_id,
                days,
                "out_refund",
                _("Immediate payment not made"),
                reversed_move_id=self.id,
            )
        self.family_hold_state = "released"
        self.env.ref("portail_famille.mail_template_payment_hold_released").send_mail(
            self.id, email_layout_xmlid="mail.mail_notification_light"
        )
        return True

    def _family_hold_late_payment(self, transaction):
        """A payment of an invoice whose days were already freed: nothing is booked
        again; the money stays on the family's account as a credit, and the billing
        service is told, in the family's messages."""
        for invoice in self.filtered(lambda move: move.family_hold_state == "released"):
            household = invoice.family_household_id
            body = _(
                "A payment of %(amount)s (transaction %(reference)s) arrived for "
                "invoice %(invoice)s after its payment delay: the days it held had "
                "been freed, so nothing was booked again. The amount stays on the "
                "family's account as a credit for its next invoices, or to be "
                "refunded.",
                amount=format_amount(
                    self.env, transaction.amount, transaction.currency_id
                ),
                reference=transaction.reference,
                invoice=invoice.name,
            )
            message = (
                self.env["family.message"]
                .sudo()
                .create(
                    {
                        "household_id": household.id,
                        "author_partner_id": self.env.company.partner_id.id,
                        "service": "billing",
                        "theme": "information",
                        "subject": _(
                            "Late payment of invoice %(invoice)s kept as a credit",
                            invoice=invoice.name,
                        ),
                        "invoice_id": invoice.id,
                        "staff_unread": True,
                    }
                )
            )
            # a comment: the family reads it in its messages too; the billing service
            # has it to handle
            message.message_post(
                body=body,
                author_id=self.env.company.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            message.staff_unread = True
            invoice.message_post(body=body)
