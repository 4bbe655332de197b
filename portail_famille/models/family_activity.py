import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .family_child import AGE_GROUPS

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
    # -- booking rules (applied by the reservation engine)
    booking_rule = fields.Selection(
        [
            ("days_before", "Until N days before the day"),
            ("monthly", "Until day D of the month for the next month"),
            ("period_window", "Only inside the holiday period's window"),
        ],
        required=True,
        default="days_before",
    )
    booking_days_before = fields.Integer(string="Days Before", default=6)
    booking_monthly_day = fields.Integer(string="Day of Month", default=20)
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
        "booking_days_before",
        "booking_monthly_day",
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
            if activity.booking_days_before < 0:
                raise ValidationError(
                    _("The booking deadline cannot be a negative number of days.")
                )
            if not 1 <= activity.booking_monthly_day <= 28:
                raise ValidationError(
                    _("The monthly booking deadline must be a day between 1 and 28.")
                )
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

    def action_view_registrations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "portail_famille.family_registration_action"
        )
        action["domain"] = [("activity_id", "=", self.id)]
        action["context"] = {"default_activity_id": self.id}
        return action
