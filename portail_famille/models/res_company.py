from odoo import _, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    family_payment_instructions = fields.Text(
        string="Payment Instructions",
        translate=True,
        help=(
            "How families pay their invoices, printed at the bottom of each invoice "
            "of the family portal. Leave empty for the standard text (online payment "
            "on the portal, direct debit, cheque to the order of the Trésor public, "
            "cash at the counter)."
        ),
    )

    family_file_user_id = fields.Many2one(
        "res.users",
        string="Family Files Responsible",
        domain=[("share", "=", False)],
        help="Receives the parents' file changes to validate (address, a child's "
        "identity or school). Empty: the administrator.",
    )

    family_direct_debit_mode_id = fields.Many2one(
        "account.payment.mode",
        string="Direct Debit Payment Mode",
        domain="[('company_id', '=', id), ('payment_type', '=', 'inbound'), "
        "('payment_method_id.mandate_required', '=', True)]",
        help=(
            "The payment mode a household is put on when its SEPA mandate is "
            "validated (its invoices are then collected by the debit orders). Empty: "
            "the company's first direct-debit mode."
        ),
    )

    def _family_direct_debit_mode(self):
        """The customer payment mode of the households paying by direct debit."""
        self.ensure_one()
        return self.family_direct_debit_mode_id or self.env[
            "account.payment.mode"
        ].sudo().search(
            [
                ("company_id", "=", self.id),
                ("payment_type", "=", "inbound"),
                ("payment_method_id.mandate_required", "=", True),
            ],
            order="id",
            limit=1,
        )

    family_payment_hold_minutes = fields.Integer(
        string="Payment Delay (minutes)",
        default=30,
        help=(
            "Activities paid immediately: how long the days a family booked are held "
            "for it while its online payment is pending. Past this delay, the unpaid "
            "days are freed for other families and the invoice is cancelled by a "
            "credit note."
        ),
    )

    _sql_constraints = [
        (
            "family_payment_hold_minutes_positive",
            "CHECK(family_payment_hold_minutes > 0)",
            "The payment delay must be at least one minute.",
        ),
    ]

    def _family_payment_instructions(self):
        """The town's payment instructions, or the standard text in the current
        language."""
        self.ensure_one()
        return self.family_payment_instructions or _(
            "Pay online on the family portal (My invoices), by card, at any time.\n"
            "Direct debit: ask the billing service for a SEPA mandate; your invoices "
            "are then collected automatically.\n"
            "By cheque to the order of the Trésor public, with the invoice number on "
            "the back, handed in or sent to the town hall.\n"
            "In cash at the town hall's family services counter, during opening "
            "hours."
        )
