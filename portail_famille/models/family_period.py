from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

PERIOD_KINDS = [
    ("term", "School term"),
    ("autumn", "Autumn holidays"),
    ("christmas", "Christmas holidays"),
    ("winter", "Winter holidays"),
    ("spring", "Spring holidays"),
    ("summer", "Summer holidays"),
]


class FamilyPeriod(models.Model):
    _name = "family.period"
    _description = "School Calendar Period"
    _order = "date_start"

    name = fields.Char(required=True)
    school_year_id = fields.Many2one(
        "family.school.year", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(PERIOD_KINDS, required=True, default="term")
    is_holiday = fields.Boolean(compute="_compute_is_holiday", store=True)
    date_start = fields.Date(string="Start", required=True)
    date_end = fields.Date(string="End", required=True)
    window_date_start = fields.Date(
        string="Window Opens",
        help=(
            "Holiday periods: first day families may register and book for this period."
        ),
    )
    window_date_end = fields.Date(
        string="Window Closes",
        help=(
            "Holiday periods: last day families may register, book or cancel for this "
            "period."
        ),
    )

    @api.depends("kind")
    def _compute_is_holiday(self):
        for period in self:
            period.is_holiday = period.kind != "term"

    @api.constrains(
        "date_start",
        "date_end",
        "school_year_id",
        "window_date_start",
        "window_date_end",
    )
    def _check_dates(self):
        for period in self:
            year = period.school_year_id
            if period.date_end < period.date_start:
                raise ValidationError(
                    _(
                        "The period %(period)s must end after it starts.",
                        period=period.name,
                    )
                )
            if period.date_start < year.date_start or period.date_end > year.date_end:
                raise ValidationError(
                    _(
                        "The period %(period)s (%(start)s – %(end)s) is outside the "
                        "school year %(year)s (%(year_start)s – %(year_end)s).",
                        period=period.name,
                        start=period.date_start,
                        end=period.date_end,
                        year=year.name,
                        year_start=year.date_start,
                        year_end=year.date_end,
                    )
                )
            if (
                period.window_date_start
                and period.window_date_end
                and period.window_date_end < period.window_date_start
            ):
                raise ValidationError(
                    _(
                        "The booking window of %(period)s must close after it opens.",
                        period=period.name,
                    )
                )
        overlapping = (
            self.search(
                [
                    ("id", "not in", self.ids),
                    ("school_year_id", "in", self.school_year_id.ids),
                ]
            )
            | self
        )
        for period in self:
            for other in overlapping:
                if (
                    other != period
                    and other.school_year_id == period.school_year_id
                    and other.date_start <= period.date_end
                    and period.date_start <= other.date_end
                ):
                    raise ValidationError(
                        _(
                            "The periods %(period)s and %(other)s overlap.",
                            period=period.name,
                            other=other.name,
                        )
                    )

    def _window_contains(self, day):
        """True when ``day`` is inside this period's booking/registration window (open
        if unset)."""
        self.ensure_one()
        return (not self.window_date_start or self.window_date_start <= day) and (
            not self.window_date_end or day <= self.window_date_end
        )
