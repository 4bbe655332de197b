import functools
import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .family_child import AGE_GROUPS
from .family_school_year import _french_holidays

_logger = logging.getLogger(__name__)

ACTIVITY_KINDS = [
    ("restaurant", "School restaurant"),
    ("alae_morning", "ALAE morning"),
    ("alae_noon", "ALAE noon"),
    ("alae_evening_1", "ALAE evening 1 (17:30)"),
    ("alae_evening_2", "ALAE evening 2 (18:30)"),
    ("wednesday_care", "Wednesday school care"),
    ("alsh_wednesday", "Leisure centre – Wednesdays"),
    ("alsh_holiday", "Leisure centre – holidays"),
    ("bus", "Leisure centre bus"),
    ("early_childhood", "Early childhood"),
]
# the deadline rules of bookings and cancellations (see FamilyActivity._get_deadline)
DEADLINE_RULES = [
    ("days_before", "N calendar days before, at a time of day"),
    ("working_days_before", "N working days before, at a time of day"),
    ("weekly", "By a weekday, at a time of day, for the following week"),
    ("monthly", "Until day D of the month, for the next month"),
    ("period_window", "Only inside the holiday period's window"),
]
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
# the town's time zone: deadlines are hours of the town's clock
TOWN_TZ = ZoneInfo("Europe/Paris")
DEADLINE_TIME_HELP = (
    "Time of day of the deadline, in the town's time (Europe/Paris); the minute shown "
    "is still open."
)
# 23:59, the default time of a deadline: the whole last day, as when deadlines were
# days
END_OF_DAY = 23 + 59 / 60


@functools.lru_cache(maxsize=32)
def _public_holiday_dates(year, alsace_moselle):
    """The dates of the French public holidays of one calendar year."""
    return frozenset(
        day for day, _name in _french_holidays(year, year, "en_US", alsace_moselle)
    )


def _hour_minute(value):
    """(hour, minute) of a time of day stored as hours (9.5 = 09:30)."""
    minutes = min(max(round((value or 0.0) * 60), 0), 24 * 60 - 1)
    return divmod(minutes, 60)


WEEKDAY_FIELDS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]


class FamilyActivity(models.Model):
    _name = "family.activity"
    _description = "Activity"
    _inherit = ["mail.thread"]
    _order = "school_year_id desc, sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(ACTIVITY_KINDS, required=True, tracking=True)
    school_year_id = fields.Many2one(
        "family.school.year", required=True, ondelete="restrict", index=True
    )
    site_id = fields.Many2one("family.site")
    age_group = fields.Selection(
        [
            ("all", "All ages"),
            ("school", "School children (maternelle and élémentaire)"),
            *AGE_GROUPS,
        ],
        required=True,
        default="all",
        tracking=True,
        help="Only children of this age group can be registered.",
    )
    description = fields.Html()
    responsible_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=[("share", "=", False)],
        help="Staff member who receives the registrations to validate.",
    )
    # -- when it runs
    monday = fields.Boolean(default=True)
    tuesday = fields.Boolean(default=True)
    wednesday = fields.Boolean(default=True)
    thursday = fields.Boolean(default=True)
    friday = fields.Boolean(default=True)
    saturday = fields.Boolean()
    sunday = fields.Boolean()
    runs_on = fields.Selection(
        [
            ("school_days", "School days"),
            ("holidays", "School holidays"),
            ("both", "School days and holidays"),
        ],
        string="Runs During",
        required=True,
        default="school_days",
    )
    period_ids = fields.Many2many(
        "family.period",
        string="Holiday Periods",
        domain="[('school_year_id', '=', school_year_id), ('kind', '!=', 'term')]",
        help=(
            "For holiday activities: the holiday periods it runs in (all of them if "
            "empty)."
        ),
    )
    # -- units and places
    unit_ids = fields.One2many(
        "family.activity.unit", "activity_id", string="Units", copy=True
    )
    capacity = fields.Integer(string="Places per Day", help="0 means no limit.")
    # -- registration
    registration_date_start = fields.Date(string="Registration Opens")
    registration_date_end = fields.Date(string="Registration Closes")
    auto_validate = fields.Boolean(
        string="Auto-validate Registrations",
        help="A family's registration is validated as soon as it is saved.",
    )
    preregistration = fields.Boolean(
        string="Pre-registration",
        help=(
            "Early childhood: a registration is a pre-registration (!) until staff "
            "accept it."
        ),
    )
    book_whole_year = fields.Boolean(
        string="Registration Books the Whole Year",
        help="Validating a registration books every open day of its period.",
    )
    # -- deadlines (applied by the reservation engine, see _get_deadline): one rule
    # for booking, one for cancelling (by default the booking's), in the town's time
    booking_rule = fields.Selection(
        DEADLINE_RULES,
        string="Booking Deadline",
        required=True,
        default="days_before",
        help="Until when families may book a day of this activity on their portal "
        "(staff may override it).",
    )
    booking_days_before = fields.Integer(
        string="Days Before",
        default=6,
        help="Calendar days, or working days (without weekends and French public "
        "holidays), before the booked day.",
    )
    booking_time = fields.Float(
        string="At",
        default=END_OF_DAY,
        help=DEADLINE_TIME_HELP,
    )
    booking_weekday = fields.Selection(
        WEEKDAYS,
        string="Weekday",
        default="3",
        help="The day of the week before (e.g. Thursday) until which the following "
        "week, Monday to Sunday, can be booked.",
    )
    booking_monthly_day = fields.Integer(
        string="Day of Month",
        default=20,
        help="The days of a month can be booked until this day of the month before.",
    )
    cancel_rule = fields.Selection(
        [("same", "Same as booking"), *DEADLINE_RULES],
        string="Cancellation Deadline",
        required=True,
        default="same",
        help="Until when families may cancel a booked day on their portal.",
    )
    cancel_days_before = fields.Integer(
        string="Cancellation Days Before",
        default=6,
        help="Calendar days, or working days (without weekends and French public "
        "holidays), before the cancelled day.",
    )
    cancel_time = fields.Float(
        string="Cancellation At",
        default=END_OF_DAY,
        help=DEADLINE_TIME_HELP,
    )
    cancel_weekday = fields.Selection(
        WEEKDAYS,
        string="Cancellation Weekday",
        default="3",
        help="The day of the week before (e.g. Thursday) until which the following "
        "week, Monday to Sunday, can be cancelled.",
    )
    cancel_monthly_day = fields.Integer(
        string="Cancellation Day of Month",
        default=20,
        help="The days of a month can be cancelled until this day of the month "
        "before.",
    )
    absence_billing = fields.Selection(
        [
            ("unjustified", "Bill unjustified absences only"),
            ("all", "Bill every absence"),
            ("none", "Never bill absences"),
        ],
        required=True,
        default="unjustified",
        help=(
            "Which absent days are still invoiced (e.g. an absence justified by a "
            "medical certificate is not)."
        ),
    )
    childcare_tax_credit = fields.Boolean(
        string="Childcare (Tax Credit)",
        compute="_compute_childcare_tax_credit",
        store=True,
        readonly=False,
        help=(
            "Childcare of children under 6, counted in the yearly attestation of "
            "childcare costs for the tax credit (leisure centres, ALAE, early "
            "childhood). Meals and transport are not childcare costs."
        ),
    )
    immediate_payment = fields.Boolean(
        help=(
            "Families pay their bookings of this activity online when they finish "
            "their recap: the days are held while the payment is pending, confirmed "
            "once it is done, and freed if it is not done within the town's delay "
            "(company settings, tab Family portal)."
        ),
    )
    registration_ids = fields.One2many(
        "family.registration", "activity_id", string="Registrations"
    )
    registration_count = fields.Integer(compute="_compute_registration_count")
    pending_count = fields.Integer(compute="_compute_registration_count")
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "capacity_positive",
            "CHECK(capacity >= 0)",
            "The number of places cannot be negative.",
        ),
    ]

    @api.depends("kind")
    def _compute_childcare_tax_credit(self):
        for activity in self:
            activity.childcare_tax_credit = activity.kind not in (
                "restaurant",
                "bus",
                False,
            )

    def _compute_registration_count(self):
        groups = self.env["family.registration"]._read_group(
            [("activity_id", "in", self.ids)], ["activity_id", "state"], ["__count"]
        )
        total, pending = {}, {}
        for activity, state, count in groups:
            total[activity.id] = total.get(activity.id, 0) + count
            if state in ("pending", "preregistered"):
                pending[activity.id] = pending.get(activity.id, 0) + count
        for activity in self:
            activity.registration_count = total.get(activity.id, 0)
            activity.pending_count = pending.get(activity.id, 0)

    @api.constrains(
        "registration_date_start",
        "registration_date_end",
        "booking_rule",
        "booking_days_before",
        "booking_monthly_day",
        "booking_time",
        "booking_weekday",
        "cancel_rule",
        "cancel_days_before",
        "cancel_monthly_day",
        "cancel_time",
        "cancel_weekday",
        "capacity",
        "period_ids",
        "school_year_id",
    )
    def _check_settings(self):
        for activity in self:
            if (
                activity.registration_date_start
                and activity.registration_date_end
                and activity.registration_date_end < activity.registration_date_start
            ):
                raise ValidationError(
                    _(
                        "The registration window of %(activity)s must close after it "
                        "opens.",
                        activity=activity.name,
                    )
                )
            activity._check_deadline_settings()
            if activity.capacity < 0:
                raise ValidationError(_("The number of places cannot be negative."))
            if activity.period_ids.school_year_id - activity.school_year_id:
                raise ValidationError(
                    _(
                        "The holiday periods of %(activity)s must belong to its school "
                        "year.",
                        activity=activity.name,
                    )
                )

    def _check_deadline_settings(self):
        """The deadline rules of booking and cancelling: numbers of days not negative,
        a time of day, a day of month, a weekday."""
        self.ensure_one()
        messages = {
            "booking": {
                "days": _("The booking deadline cannot be a negative number of days."),
                "time": _(
                    "The time of the booking deadline must be between 00:00 and 23:59."
                ),
                "monthly": _(
                    "The monthly booking deadline must be a day between 1 and 28."
                ),
                "weekly": _("Choose the weekday of the booking deadline."),
            },
            "cancel": {
                "days": _(
                    "The cancellation deadline cannot be a negative number of days."
                ),
                "time": _(
                    "The time of the cancellation deadline must be between 00:00 and "
                    "23:59."
                ),
                "monthly": _(
                    "The monthly cancellation deadline must be a day between 1 and 28."
                ),
                "weekly": _("Choose the weekday of the cancellation deadline."),
            },
        }
        for prefix, message in messages.items():
            rule = self[f"{prefix}_rule"]
            if self[f"{prefix}_days_before"] < 0:
                raise ValidationError(message["days"])
            if not 0 <= self[f"{prefix}_time"] < 24:
                raise ValidationError(message["time"])
            if (prefix == "booking" or rule == "monthly") and not (
                1 <= self[f"{prefix}_monthly_day"] <= 28
            ):
                raise ValidationError(message["monthly"])
            if rule == "weekly" and not self[f"{prefix}_weekday"]:
                raise ValidationError(message["weekly"])

    def write(self, vals):
        result = super().write(vals)
        if "capacity" in vals:
            # bookings made while there was no limit count from now on: the limit
            # applies to them too
            self.env["family.activity.place"].sudo()._recount_activities(self)
        return result

    def action_recount_places(self):
        """Staff: recount the places of every day from the bookings (managers only, as
        they set capacities)."""
        self.check_access("write")
        wrong = self.env["family.activity.place"].sudo()._recount_activities(self)
        if wrong:
            _logger.warning(
                "Place counters out of step, recounted by %s: %s",
                self.env.user.login,
                wrong[:20],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Places recounted"),
                "message": _(
                    "Place counters corrected: %(count)s day(s).", count=len(wrong)
                )
                if wrong
                else _("Every day counter was right."),
                "type": "warning" if wrong else "success",
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------ calendar
    def _accepts_child(self, child):
        """Whether the child's age group may be registered to this activity."""
        self.ensure_one()
        if self.age_group == "school":
            return child.age_group in ("maternelle", "elementaire")
        return self.age_group in ("all", child.age_group)

    def _is_registration_open(self, day):
        self.ensure_one()
        return (
            not self.registration_date_start or self.registration_date_start <= day
        ) and (not self.registration_date_end or day <= self.registration_date_end)

    def _get_open_dates(self, date_from=None, date_to=None):
        """Days this activity runs between the two dates (school year bounds by
        default): its weekdays, in the periods it runs in, without public holidays and
        closures. Returns a sorted list."""
        self.ensure_one()
        year = self.school_year_id
        date_from = max(date_from or year.date_start, year.date_start)
        date_to = min(date_to or year.date_end, year.date_end)
        weekdays = {i for i, fname in enumerate(WEEKDAY_FIELDS) if self[fname]}
        public_holidays = year._get_public_holidays()
        closed = set()
        for closure in year.closure_ids:
            if not closure.activity_ids or self in closure.activity_ids:
                day = closure.date_start
                while day <= closure.date_end:
                    closed.add(day)
                    day += timedelta(days=1)
        holiday_periods = year.period_ids.filtered("is_holiday")
        allowed_periods = self.period_ids or holiday_periods

        def in_periods(day, periods):
            return any(p.date_start <= day <= p.date_end for p in periods)

        dates = []
        day = date_from
        while day <= date_to:
            if (
                day.weekday() in weekdays
                and day not in public_holidays
                and day not in closed
            ):
                is_holiday = in_periods(day, holiday_periods)
                if (
                    (self.runs_on == "school_days" and not is_holiday)
                    or (
                        self.runs_on == "holidays"
                        and is_holiday
                        and in_periods(day, allowed_periods)
                    )
                    or (
                        self.runs_on == "both"
                        and (not is_holiday or in_periods(day, allowed_periods))
                    )
                ):
                    dates.append(day)
            day += timedelta(days=1)
        return dates

    # ------------------------------------------------------------------ deadlines
    def _get_deadline_rule(self, action):
        """The deadline rule of ``action``, "book" or "cancel" (whose rule may be the
        booking's): {"rule", "days", "hour", "minute", "weekday", "monthly_day"}."""
        self.ensure_one()
        prefix = (
            "cancel" if action == "cancel" and self.cancel_rule != "same" else "booking"
        )
        hour, minute = _hour_minute(self[f"{prefix}_time"])
        return {
            "rule": self[f"{prefix}_rule"],
            "days": self[f"{prefix}_days_before"],
            "hour": hour,
            "minute": minute,
            "weekday": int(self[f"{prefix}_weekday"] or 3),
            "monthly_day": self[f"{prefix}_monthly_day"],
        }

    def _get_deadline(self, day, action="book"):
        """When families may book (``action`` "book") or cancel ("cancel") ``day`` of
        this activity: the one place the deadline rules are computed.

        Returns the rule (:meth:`_get_deadline_rule`) with "opens" and "closes", aware
        datetimes in the town's time zone, or None: "opens", the moment it opens (a
        holiday period's window, else None); "closes", the last minute it is still
        open (None: no limit but the day itself); "period", the holiday period of a
        window rule (empty when the day is in none: it cannot be changed)."""
        self.ensure_one()
        rule = self._get_deadline_rule(action)
        rule.update(opens=None, closes=None, period=self.env["family.period"])
        kind = rule["rule"]
        if kind == "days_before":
            last_day = day - timedelta(days=rule["days"])
        elif kind == "working_days_before":
            last_day = self._get_working_day_before(day, rule["days"])
        elif kind == "weekly":
            # the Monday of the week before, plus the weekday
            last_day = day - timedelta(days=day.weekday() + 7 - rule["weekday"])
        elif kind == "monthly":
            last_day = (day.replace(day=1) - relativedelta(months=1)).replace(
                day=rule["monthly_day"]
            )
        else:
            period = rule["period"] = self.school_year_id._get_holiday_period_on(day)
            if period.window_date_start:
                rule["opens"] = datetime.combine(
                    period.window_date_start, time(0, 0), tzinfo=TOWN_TZ
                )
            last_day = period.window_date_end
        if last_day:
            rule["closes"] = datetime.combine(
                last_day, time(rule["hour"], rule["minute"]), tzinfo=TOWN_TZ
            )
        return rule

    def _get_working_day_before(self, day, count):
        """The working day ``count`` working days before ``day`` (weekends and French
        public holidays do not count); ``day`` itself for 0."""
        alsace_moselle = self.school_year_id.alsace_moselle
        while count > 0:
            day -= timedelta(days=1)
            if day.weekday() < 5 and day not in _public_holiday_dates(
                day.year, alsace_moselle
            ):
                count -= 1
        return day

    @api.model
    def _town_now(self):
        """Now, in the town's time zone."""
        return fields.Datetime.now().replace(tzinfo=UTC).astimezone(TOWN_TZ)

    @api.model
    def _deadline_state(self, deadline, now):
        """Where ``now`` stands against a :meth:`_get_deadline`: "open", "not_open"
        (a window not open yet, or no window), or "closed" (the minute of "closes"
        is still open)."""
        if deadline["rule"] == "period_window" and not deadline["period"]:
            return "not_open"
        if deadline["opens"] and now < deadline["opens"]:
            return "not_open"
        if deadline["closes"] and now >= deadline["closes"] + timedelta(minutes=1):
            return "closed"
        return "open"

    @api.model
    def _format_deadline(self, moment, long=False):
        """A deadline as families read it, in the town's time: "20/11/2025 at 23:59",
        or with ``long``, "Thursday 20 November at 23:59"."""
        moment = moment.astimezone(TOWN_TZ)
        return _(
            "%(date)s at %(time)s",
            date=format_date(
                self.env, moment.date(), date_format="EEEE d MMMM" if long else False
            ),
            time="%02d:%02d" % (moment.hour, moment.minute),
        )

    def _get_deadline_label(self, day, action="book"):
        """What the planning and the recap show on a day: "modifiable until Thursday
        20 November at 23:59", or None when no limit applies before the day."""
        self.ensure_one()
        deadline = self._get_deadline(day, action)
        if not deadline["closes"]:
            return None
        return _(
            "modifiable until %(limit)s",
            limit=self._format_deadline(deadline["closes"], long=True),
        )

    def action_view_registrations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "portail_famille.family_registration_action"
        )
        action["domain"] = [("activity_id", "=", self.id)]
        action["context"] = {"default_activity_id": self.id}
        return action
