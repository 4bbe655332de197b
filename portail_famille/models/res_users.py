from odoo import models
from odoo.exceptions import UserError

from .res_partner import EMAIL_CHANGE_MESSAGE


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        if "login" in vals and not self.env.user._is_internal():
            if any(user.login != vals["login"] for user in self):
                raise UserError(str(EMAIL_CHANGE_MESSAGE))
        return super().write(vals)
