from odoo import fields, models


class FamilySite(models.Model):
    _name = "family.site"
    _description = "Site (school, leisure centre, nursery)"
    _order = "kind, name"

    name = fields.Char(required=True)
    kind = fields.Selection(
        [
            ("school", "School"),
            ("leisure_centre", "Leisure centre"),
            ("nursery", "Nursery"),
            ("other", "Other"),
        ],
        required=True,
        default="school",
    )
    school_type = fields.Selection(
        [
            ("maternelle", "Nursery school (maternelle)"),
            ("elementaire", "Primary school (élémentaire)"),
            ("primaire", "Nursery and primary (groupe scolaire)"),
        ],
    )
    street = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    phone = fields.Char()
    active = fields.Boolean(default=True)
