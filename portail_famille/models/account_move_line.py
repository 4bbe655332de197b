from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # set by the billing run on each line it writes (a child's days of a unit): what the
    # invoice PDF groups per child and the childcare attestation sums
    family_child_id = fields.Many2one(
        "family.child",
        string="Child",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    family_unit_id = fields.Many2one(
        "family.activity.unit", string="Activity Unit", readonly=True
    )
    family_activity_id = fields.Many2one(
        "family.activity", string="Activity", readonly=True, index="btree_not_null"
    )
    family_days = fields.Char(string="Billed Days", readonly=True)
