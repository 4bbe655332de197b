from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import check_field_errors, phone_error


class FamilyAuthorizedPerson(models.Model):
    _name = "family.authorized.person"
    _description = "Person Authorised to Pick Up"
    _order = "household_id, name"

    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(string="Full Name", required=True)
    phone = fields.Char(required=True)
    relationship = fields.Char(help="e.g. grandmother, neighbour")
    child_ids = fields.Many2many(
        "family.child",
        string="Children",
        domain="[('household_id', '=', household_id)]",
        help="Leave empty for all the children of the family.",
    )

    @api.model
    def _portal_add(self, household, vals):
        """A parent adds a person allowed to pick up the children of their own
        ``household``."""
        household.ensure_one()
        household.check_access("read")
        values = {
            fname: (vals.get(fname) or "").strip()[:size]
            for fname, size in (("name", 200), ("phone", 40), ("relationship", 100))
        }
        check_field_errors(self._get_field_errors(values))
        # sudo: parents have no create right
        return (
            self.sudo()
            .create({**values, "household_id": household.id})
            .with_env(self.env)
        )

    def _portal_remove(self):
        """A parent removes persons of their own family's list."""
        self.check_access("read")
        self.sudo().unlink()
        return True

    @api.model
    def _get_field_errors(self, vals):
        """{field: message} for the values of ``vals`` a person cannot have: a name, and
        a phone number (the family file's phone rule) are required."""
        errors = {}
        if "name" in vals and not (vals["name"] or "").strip():
            errors["name"] = _("Give the person's full name.")
        if "phone" in vals:
            message = phone_error(self.env, vals["phone"], required=True)
            if message:
                errors["phone"] = message
        return errors

    @api.constrains("phone")
    def _check_phone(self):
        for person in self:
            check_field_errors(self._get_field_errors({"phone": person.phone}))

    @api.constrains("child_ids", "household_id")
    def _check_children(self):
        for person in self:
            if person.child_ids.household_id - person.household_id:
                raise ValidationError(
                    _(
                        "A person authorised to pick up can only be linked to the "
                        "family's children."
                    )
                )
