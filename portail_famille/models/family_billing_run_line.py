from odoo import fields, models

RESULTS = [
    ("invoice", "Invoice"),
    ("refund", "Credit note"),
    ("invoice_refund", "Invoice and credit note"),
    ("nothing", "Nothing to bill"),
    ("error", "Error"),
]


class FamilyBillingRunLine(models.Model):
    """What a billing run did for one household: its invoice and credit notes, or why
    nothing was billed."""

    _name = "family.billing.run.line"
    _description = "Billing Run Result"
    _order = "run_id, id"

    run_id = fields.Many2one(
        "family.billing.run", required=True, ondelete="cascade", index=True
    )
    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    result = fields.Selection(RESULTS, required=True)
    move_ids = fields.Many2many("account.move", string="Invoices and Credit Notes")
    currency_id = fields.Many2one(related="run_id.currency_id")
    amount = fields.Monetary(help="Invoiced minus credited.")
    sent = fields.Boolean(
        string="Sent by E-mail",
        help="Queued for sending to the household's e-mail address.",
    )
    message = fields.Text()
