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
