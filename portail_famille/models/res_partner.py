from odoo import _lt, fields, models
from odoo.exceptions import UserError

EMAIL_CHANGE_MESSAGE = _lt(
    "Your e-mail address is your login: only the town's staff can change it. "
    "Please send a message to the \"Family file\" service."
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    family_profession = fields.Char(string="Profession")
    family_employer = fields.Char(string="Employer")
    family_work_phone = fields.Char(string="Work Phone")
    family_household_ids = fields.One2many(
        "family.household", "partner_id", string="Households"
    )

    def write(self, vals):
        if "email" in vals and not self.env.user._is_internal():
            new = (vals["email"] or "").strip().lower()
            changed = self.filtered(lambda p: (p.email or "").strip().lower() != new)
            if changed.sudo().commercial_partner_id.family_household_ids:
                raise UserError(str(EMAIL_CHANGE_MESSAGE))
        return super().write(vals)
