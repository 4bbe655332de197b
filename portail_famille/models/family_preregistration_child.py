from odoo import fields, models

from .family_child import CLASS_LEVELS


class FamilyPreregistrationChild(models.Model):
    _name = "family.preregistration.child"
    _description = "Pre-registered Child"
    _order = "preregistration_id, birth_date, id"

    preregistration_id = fields.Many2one(
        "family.preregistration", required=True, ondelete="cascade", index=True
    )
    first_name = fields.Char(required=True)
    last_name = fields.Char(required=True)
    birth_date = fields.Date(required=True)
    class_level = fields.Selection(CLASS_LEVELS)
