from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date


class FamilyWeeklyTemplate(models.Model):
    """Semaine type: the units a child attends on each weekday, applied over a chosen
    period to generate the reservations at once (closed days skipped, refused days
    reported)."""

    _name = "family.weekly.template"
    _description = "Weekly Template"
    _order = "id desc"

    registration_id = fields.Many2one(
        "family.registration",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("state", "=", "validated")],
    )
    child_id = fields.Many2one(related="registration_id.child_id", store=True)
    household_id = fields.Many2one(
        related="registration_id.household_id", store=True, index=True
    )
    activity_id = fields.Many2one(related="registration_id.activity_id", store=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    line_ids = fields.One2many(
        "family.weekly.template.line", "template_id", string="Days", copy=True
    )
    last_result = fields.Text(
        readonly=True, help="Days refused when the template was last applied."
    )

    @api.constrains("date_from", "date_to", "registration_id")
    def _check_dates(self):
        for template in self:
            registration = template.registration_id
            if template.date_to < template.date_from:
                raise ValidationError(
                    _("The weekly template must end after it starts.")
                )
            if (
                template.date_from < registration.date_start
                or template.date_to > registration.date_end
            ):
                raise ValidationError(
                    _(
                        "The weekly template (%(start)s – %(end)s) must stay inside "
                        "the registration (%(reg_start)s – %(reg_end)s).",
                        start=format_date(self.env, template.date_from),
                        end=format_date(self.env, template.date_to),
                        reg_start=format_date(self.env, registration.date_start),
                        reg_end=format_date(self.env, registration.date_end),
                    )
                )

    def _get_requests(self):
        """The booking requests of these templates: one per open day of the activity
        whose weekday has a unit."""
        requests = []
        open_dates = {}
        for template in self:
            activity = template.registration_id.activity_id
            if activity.id not in open_dates:
                open_dates[activity.id] = activity._get_open_dates()
            units_by_weekday = {}
            for line in template.line_ids:
                units_by_weekday.setdefault(int(line.weekday), []).append(
                    line.unit_id.id
                )
            for day in open_dates[activity.id]:
                if template.date_from <= day <= template.date_to:
                    for unit_id in units_by_weekday.get(day.weekday(), ()):
                        requests.append(
                            {
                                "registration_id": template.registration_id.id,
                                "unit_id": unit_id,
                                "date": day,
                            }
                        )
        return requests

    def action_apply(self):
        """Book every day of the templates; returns the refused days (also kept in
        ``last_result``). Staff only: a family's own days go through its recap."""
        self.check_access("write")
        if self.registration_id.filtered(lambda r: r.state != "validated"):
            raise UserError(
                _("A weekly template can only be applied to a validated registration.")
            )
        results = {}
        for template in self:
            requests = template._get_requests()
            outcome = self.env["family.reservation"]._book_bulk(requests)
            refused = [error for error in outcome["errors"] if error]
            template.sudo().last_result = "\n".join(refused) or _(
                "%(count)s days booked.", count=outcome["booked"]
            )
            results[template.id] = outcome
        return results
