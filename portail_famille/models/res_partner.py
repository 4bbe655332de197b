from odoo import _lt, api, fields, models
from odoo.exceptions import UserError

from ..tools import check_field_errors, phone_error, postcode_error

EMAIL_CHANGE_MESSAGE = _lt(
    "Your e-mail address is your login: only the town's staff can change it. "
    'Please send a message to the "Family file" service.'
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    family_profession = fields.Char(string="Profession")
    family_employer = fields.Char(string="Employer")
    family_work_phone = fields.Char(string="Work Phone")
    family_household_ids = fields.One2many(
        "family.household", "partner_id", string="Households"
    )

    # a responsable's contact details the family file checks: the phone rule, a French
    # postcode
    FAMILY_PHONE_FIELDS = ("phone", "mobile", "family_work_phone")

    @api.model
    def _get_family_field_errors(self, vals):
        """{field: message} for the contact details of ``vals`` a family's responsable
        cannot have: phones that break the family file's phone rule, a postcode that is
        not French."""
        errors = {
            fname: phone_error(self.env, vals[fname])
            for fname in self.FAMILY_PHONE_FIELDS
            if fname in vals
        }
        if "zip" in vals:
            errors["zip"] = postcode_error(self.env, vals["zip"])
        return {fname: message for fname, message in errors.items() if message}

    @api.constrains("phone", "mobile", "family_work_phone", "zip")
    def _check_family_contact(self):
        """The responsables of a family file (not every contact of the database) follow
        its rules."""
        responsables = (
            self.env["family.household"]
            .sudo()
            .search(
                [
                    "|",
                    ("responsible_partner_id", "in", self.ids),
                    ("spouse_partner_id", "in", self.ids),
                ]
            )
        )
        for partner in self & (
            responsables.responsible_partner_id | responsables.spouse_partner_id
        ):
            check_field_errors(
                partner._get_family_field_errors(
                    {
                        fname: partner[fname]
                        for fname in (*self.FAMILY_PHONE_FIELDS, "zip")
                    }
                )
            )

    def write(self, vals):
        if "email" in vals and not self.env.user._is_internal():
            new = (vals["email"] or "").strip().lower()
            changed = self.filtered(lambda p: (p.email or "").strip().lower() != new)
            if changed.sudo().commercial_partner_id.family_household_ids:
                raise UserError(str(EMAIL_CHANGE_MESSAGE))
        return super().write(vals)
