from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class FamilyClosure(models.Model):
    _name = "family.closure"
    _description = "Closure Day(s)"
    _order = "date_start"

    name = fields.Char(string="Reason", required=True)
    school_year_id = fields.Many2one(
        "family.school.year", required=True, ondelete="cascade", index=True
    )
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="To", required=True)
    activity_ids = fields.Many2many(
        "family.activity",
        string="Activities",
        help="Leave empty to close every activity of the school year.",
    )

    @api.constrains("date_start", "date_end", "school_year_id")
    def _check_dates(self):
        for closure in self:
            year = closure.school_year_id
            if closure.date_end < closure.date_start:
                raise ValidationError(
                    _(
                        "The closure %(name)s must end after it starts.",
                        name=closure.name,
                    )
                )
            if closure.date_start < year.date_start or closure.date_end > year.date_end:
                raise ValidationError(
                    _(
                        "The closure %(name)s is outside the school year %(year)s.",
                        name=closure.name,
                        year=year.name,
                    )
                )
