from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .family_activity import WEEKDAY_FIELDS


class FamilyWeeklyTemplateLine(models.Model):
    _name = "family.weekly.template.line"
    _description = "Weekly Template Day"
    _order = "template_id, weekday, id"

    template_id = fields.Many2one(
        "family.weekly.template", required=True, ondelete="cascade", index=True
    )
    weekday = fields.Selection(
        [
            (str(i), label)
            for i, label in enumerate(
                [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday",
                ]
            )
        ],
        required=True,
    )
    unit_id = fields.Many2one("family.activity.unit", required=True, ondelete="cascade")

    @api.constrains("unit_id", "template_id", "weekday")
    def _check_unit(self):
        for line in self:
            activity = line.template_id.registration_id.activity_id
            if line.unit_id.activity_id != activity:
                raise ValidationError(
                    _(
                        "%(unit)s is not a unit of %(activity)s.",
                        unit=line.unit_id.display_name,
                        activity=activity.name,
                    )
                )
            if not activity[WEEKDAY_FIELDS[int(line.weekday)]]:
                raise ValidationError(
                    _(
                        "%(activity)s does not run on that weekday.",
                        activity=activity.name,
                    )
                )
