import base64
import binascii
import csv
import io
from datetime import date, datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.family_activity import TOWN_TZ
from ..models.family_school_year import HOLIDAY_KINDS

# the columns read from the Ministry's dataset fr-en-calendrier-scolaire (CSV export
# of data.education.gouv.fr, separator ";")
COLUMNS = ("Description", "Population", "Date de début", "Date de fin", "Zones")
MAX_SIZE = 5 * 1024 * 1024


class FamilyPeriodImportWizard(models.TransientModel):
    """Staff import a school year's holiday periods from the Ministry's official
    calendar, for a year the holiday library does not know (its data stop in summer
    2028)."""

    _name = "family.period.import.wizard"
    _description = "Import of the Official School Holidays"

    school_year_id = fields.Many2one(
        "family.school.year", required=True, ondelete="cascade"
    )
    file = fields.Binary(
        string="Calendar File",
        required=True,
        help="The CSV export (separator ;) of the dataset fr-en-calendrier-scolaire "
        "of data.education.gouv.fr.",
    )
    filename = fields.Char()

    @api.model
    def _open_for(self, year):
        return {
            "type": "ir.actions.act_window",
            "name": _("Import official holidays"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_school_year_id": year.id},
        }

    def action_import(self):
        self.ensure_one()
        year = self.school_year_id
        year.check_access("write")
        try:
            content = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError):
            content = b""
        periods = self._read_periods(content, year)
        if not periods:
            raise UserError(
                _(
                    "The file has no school holidays of zone %(zone)s for %(year)s: "
                    "check that it is the calendar of that school year and the zone "
                    "of the year.",
                    zone=year.zone,
                    year=year.name,
                )
            )
        year._create_holiday_periods(periods)
        return {"type": "ir.actions.act_window_close"}

    @api.model
    def _read_periods(self, content, year):
        """The holiday periods of ``year``'s zone in the calendar file ``content``:
        [(kind, name, start, end)], each inside the year. The file gives the day
        school starts again as the end: the period ends the day before."""
        if not content or len(content) > MAX_SIZE:
            raise UserError(_("Choose the calendar file (a CSV file of at most 5 MB)."))
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
        reader = csv.DictReader(io.StringIO(text), delimiter=";")
        missing = [
            column for column in COLUMNS if column not in (reader.fieldnames or [])
        ]
        if missing:
            raise UserError(
                _(
                    "This file is not the calendar fr-en-calendrier-scolaire (CSV with "
                    "separator ;): the columns %(columns)s are missing.",
                    columns=", ".join(missing),
                )
            )
        zone = ("zone %s" % year.zone).casefold()
        periods = set()
        for row in reader:
            name = (row["Description"] or "").replace("\u2019", "'").strip()
            kind = HOLIDAY_KINDS.get(name.casefold())
            if (
                not kind
                or (row["Zones"] or "").strip().casefold() != zone
                # the teachers' dates differ from the pupils' on some years
                or (row["Population"] or "").strip().casefold() == "enseignants"
            ):
                continue
            start = self._read_date(row["Date de début"])
            end = self._read_date(row["Date de fin"])
            if not (start and end):
                raise UserError(
                    _(
                        "%(name)s: the dates %(start)s and %(end)s cannot be read.",
                        name=name,
                        start=row["Date de début"],
                        end=row["Date de fin"],
                    )
                )
            start = max(start, year.date_start)
            end = min(end - timedelta(days=1), year.date_end)
            if start <= end:
                periods.add((kind, name, start, end))
        return sorted(periods, key=lambda period: period[2])

    @api.model
    def _read_date(self, value):
        """A date of the file: "2028-10-21", or a date and time with its offset
        ("2028-10-20T22:00:00+00:00" is the 21st in France). None if unreadable."""
        value = (value or "").strip()
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo:
            moment = moment.astimezone(TOWN_TZ)
        return moment.date()
