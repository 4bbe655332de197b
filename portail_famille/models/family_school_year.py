import functools
import logging
from collections import defaultdict
from datetime import timedelta

import holidays

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

# Official names in the Ministry's open data (casefolded: the capitalisation varies
# between versions of the data, "Vacances d'hiver" / "Vacances d'Hiver") -> our period
# kinds
HOLIDAY_KINDS = {
    "vacances de la toussaint": "autumn",
    "vacances de noël": "christmas",
    "vacances d'hiver": "winter",
    "vacances de printemps": "spring",
    "vacances d'été": "summer",
}


@functools.lru_cache(maxsize=64)
def _french_holidays(first_year, last_year, lang, alsace_moselle):
    """French public holidays of whole years, sorted: ((date, name), ...). Pure
    computation of the ``holidays`` library, cached: every booking grid and every
    generated week asks for it."""
    kwargs = {"years": range(first_year, last_year + 1), "language": lang}
    if alsace_moselle:
        kwargs["subdiv"] = "57"
    return tuple(sorted(holidays.France(**kwargs).items()))


class FamilySchoolYear(models.Model):
    _name = "family.school.year"
    _description = "School Year"
    _order = "date_start desc"

    name = fields.Char(required=True, help="e.g. 2025/2026")
    date_start = fields.Date(string="Start", required=True)
    date_end = fields.Date(string="End", required=True)
    zone = fields.Selection(
        [("A", "Zone A"), ("B", "Zone B"), ("C", "Zone C")],
        string="Holiday Zone",
        required=True,
        default="C",
        help="School holiday zone of the town (Toulouse is in zone C).",
    )
    alsace_moselle = fields.Boolean(
        string="Alsace-Moselle",
        help="Adds Good Friday and St Stephen's Day to the public holidays.",
    )
    period_ids = fields.One2many("family.period", "school_year_id", string="Periods")
    closure_ids = fields.One2many("family.closure", "school_year_id", string="Closures")
    activity_ids = fields.One2many(
        "family.activity", "school_year_id", string="Activities"
    )
    activity_count = fields.Integer(compute="_compute_activity_count")
    holiday_warning = fields.Char(
        compute="_compute_holiday_warning",
        help="Why the year's bookings stay closed: its school holidays are missing.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A school year with this name already exists."),
    ]

    def _compute_activity_count(self):
        counts = {
            year.id: count
            for year, count in self.env["family.activity"]._read_group(
                [("school_year_id", "in", self.ids)], ["school_year_id"], ["__count"]
            )
        }
        for year in self:
            year.activity_count = counts.get(year.id, 0)

    @api.depends("period_ids.kind", "zone", "date_start", "date_end")
    def _compute_holiday_warning(self):
        for year in self:
            if (
                not (year.date_start and year.date_end)
                or year.date_end <= year.date_start
                or year.period_ids.filtered("is_holiday")
            ):
                year.holiday_warning = False
            elif year._get_official_holiday_periods():
                year.holiday_warning = _(
                    "No school holidays yet: the bookings of this year's activities "
                    "stay closed until they are entered. Generate them from the "
                    "official calendar (button Generate official holidays)."
                )
            else:
                year.holiday_warning = _(
                    "No school holidays: the bookings of this year's activities stay "
                    "closed until they are entered. The holiday library "
                    "(vacances-scolaires-france) has no dates for %(year)s: its data "
                    "stop in summer 2028. Import the Ministry's calendar (the CSV "
                    "export of the dataset fr-en-calendrier-scolaire on "
                    "data.education.gouv.fr, button Import official holidays), or "
                    "enter the holiday periods by hand in the tab Periods.",
                    year=year.name,
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for year in self:
            if year.date_end <= year.date_start:
                raise ValidationError(
                    _(
                        "The school year %(year)s must end after it starts.",
                        year=year.name,
                    )
                )
            if (year.date_end - year.date_start).days > 400:
                raise ValidationError(
                    _(
                        "The school year %(year)s cannot last more than 400 days.",
                        year=year.name,
                    )
                )

    # ------------------------------------------------------------------ calendar
    def _get_public_holidays(self):
        """French public holidays (Easter-based ones included) over the school year:
        {date: name}."""
        self.ensure_one()
        lang = "fr" if (self.env.lang or "").startswith("fr") else "en_US"
        calendar = _french_holidays(
            self.date_start.year, self.date_end.year, lang, self.alsace_moselle
        )
        return {
            day: name
            for day, name in calendar
            if self.date_start <= day <= self.date_end
        }

    def _get_official_holiday_periods(self):
        """The Ministry's holiday dates for this year's zone:
        [(kind, name, start, end)]."""
        self.ensure_one()
        from vacances_scolaires_france import SchoolHolidayDates

        dates = SchoolHolidayDates()
        days = defaultdict(list)
        for year in range(self.date_start.year, self.date_end.year + 1):
            try:
                data = dates.holidays_for_year_and_zone(year, self.zone)
            except (
                Exception
            ) as error:  # the library raises its own errors for unknown years
                _logger.info(
                    "No official holiday dates for %s zone %s: %s",
                    year,
                    self.zone,
                    error,
                )
                continue
            for day, info in data.items():
                if (
                    self.date_start <= day <= self.date_end
                    and info["nom_vacances"].casefold() in HOLIDAY_KINDS
                ):
                    days[info["nom_vacances"]].append(day)
        periods = []
        for name, holiday_days in days.items():
            holiday_days.sort()
            # split a name into runs of consecutive days (Christmas may appear twice)
            start = prev = holiday_days[0]
            for day in holiday_days[1:] + [None]:
                if day is None or day - prev > timedelta(days=1):
                    periods.append((HOLIDAY_KINDS[name.casefold()], name, start, prev))
                    start = day
                prev = day
        return sorted(periods, key=lambda p: p[2])

    def action_generate_holiday_periods(self):
        """Create the five holiday periods of the year from the official calendar."""
        for year in self:
            periods = year._get_official_holiday_periods()
            if not periods:
                raise UserError(
                    _(
                        "No official school holiday dates are known for %(year)s (zone "
                        "%(zone)s).",
                        year=year.name,
                        zone=year.zone,
                    )
                )
            year._create_holiday_periods(periods)
        return True

    def _create_holiday_periods(self, periods):
        """Create the holiday periods ``periods`` = [(kind, name, start, end)] of the
        official calendar, but those of a kind the year already has. Returns them."""
        self.ensure_one()
        existing = set(self.period_ids.mapped("kind"))
        kind_labels = dict(
            self.env["family.period"]._fields["kind"]._description_selection(self.env)
        )
        return self.env["family.period"].create(
            [
                {
                    "school_year_id": self.id,
                    "kind": kind,
                    "name": "%s %s" % (kind_labels[kind], start.year),
                    # the official data include the weekend before school starts
                    # again
                    "date_start": start,
                    "date_end": end,
                }
                for kind, _name, start, end in periods
                if kind not in existing
            ]
        )

    def action_import_holiday_periods(self):
        """Staff import the holiday periods from the Ministry's calendar file, for a
        year the holiday library does not know."""
        self.ensure_one()
        self.check_access("write")
        return self.env["family.period.import.wizard"]._open_for(self)

    def _are_bookings_open(self):
        """Whether the days of this year may be booked: not before its school holidays
        are entered (without them school-time activities would book through the
        holidays)."""
        self.ensure_one()
        return bool(self.period_ids.filtered("is_holiday"))

    def _get_holiday_period_on(self, day):
        self.ensure_one()
        return self.period_ids.filtered(
            lambda p: p.kind != "term" and p.date_start <= day <= p.date_end
        )[:1]

    def action_view_activities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "portail_famille.family_activity_action"
        )
        action["domain"] = [("school_year_id", "=", self.id)]
        action["context"] = {"default_school_year_id": self.id}
        return action
