from odoo import _, api, fields, models
from odoo.exceptions import UserError


class FamilyRefusalWizard(models.TransientModel):
    """Asks the reason before refusing a registration, a quotient or a file change: the
    family reads it."""

    _name = "family.refusal.wizard"
    _description = "Refusal Reason"

    res_model = fields.Selection(
        [
            ("family.registration", "Registration"),
            ("family.quotient", "Quotient"),
            ("family.change.request", "File change"),
        ],
        required=True,
    )
    res_ids = fields.Json(required=True)
    reason = fields.Text(required=True)

    @api.model
    def _open_for(self, records):
        return {
            "type": "ir.actions.act_window",
            "name": _("Reason for refusal"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": records._name,
                "default_res_ids": records.ids,
            },
        }

    def action_confirm(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(
                _("Please give the reason for the refusal: the family will read it.")
            )
        records = self.env[self.res_model].browse(self.res_ids).exists()
        records.action_refuse(reason=self.reason.strip())
        return {"type": "ir.actions.act_window_close"}
