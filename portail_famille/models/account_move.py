from odoo import _, fields, models


class AccountMove(models.Model):
    """A family's invoice: the disputes its family raised from the portal (the
    Règlement–Facture service's conversations linked to it)."""

    _inherit = "account.move"

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
