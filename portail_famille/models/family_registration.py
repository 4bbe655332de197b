from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import check_field_errors

STATES = [
    ("pending", "Pending (?)"),
    ("preregistered", "Pre-registration not validated (!)"),
    ("validated", "Validated (V)"),
    ("refused", "Refused"),
    ("cancelled", "Cancelled"),
]
STATE_SYMBOLS = {
    "pending": "?",
    "preregistered": "!",
    "validated": "V",
    "refused": "✗",
    "cancelled": "–",
}
ACTIVE_STATES = ("pending", "preregistered", "validated")


class FamilyRegistration(models.Model):
    """Registration (inscription) of a child to an activity over a period: the "activity
    line" a family books days on once it is validated."""

    _name = "family.registration"
    _description = "Registration"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(
        string="Reference", readonly=True, copy=False, default=lambda self: _("New")
    )
    child_id = fields.Many2one(
        "family.child", required=True, ondelete="cascade", index=True, tracking=True
    )
    household_id = fields.Many2one(
        related="child_id.household_id", store=True, index=True
    )
    activity_id = fields.Many2one(
        "family.activity", required=True, ondelete="restrict", index=True, tracking=True
    )
    school_year_id = fields.Many2one(
        related="activity_id.school_year_id", store=True, index=True
    )
    date_start = fields.Date(string="From", required=True, tracking=True)
    date_end = fields.Date(string="To", required=True, tracking=True)
    state = fields.Selection(
        STATES, required=True, default="pending", tracking=True, index=True
    )
    state_symbol = fields.Char(compute="_compute_state_symbol", string="Status")
    refusal_reason = fields.Text(tracking=True)
    validated_by_id = fields.Many2one("res.users", readonly=True)
    validation_date = fields.Datetime(readonly=True)
    note = fields.Text(string="Family's Note")
    cancelled_booking_count = fields.Integer(
        string="Days Cancelled",
        readonly=True,
        copy=False,
        help="Booked days still to come that were cancelled, and their places freed, "
        "when the registration was cancelled or refused.",
    )
    unit_id = fields.Many2one(
        "family.activity.unit",
        string="Unit Booked All Year",
        domain="[('activity_id', '=', activity_id)]",
        help="For activities whose registration books the whole year: "
        "the unit booked on every open day "
        "(the activity's first unit if empty).",
    )

    @api.depends("state")
    def _compute_state_symbol(self):
        for registration in self:
            registration.state_symbol = STATE_SYMBOLS.get(registration.state, "")

    @api.depends("child_id.name", "activity_id.name")
    def _compute_display_name(self):
        for registration in self:
            registration.display_name = "%s – %s" % (
                registration.child_id.name,
                registration.activity_id.name,
            )

    @api.onchange("activity_id")
    def _onchange_activity_id(self):
        year = self.activity_id.school_year_id
        if year:
            self.date_start, self.date_end = self._default_dates(self.activity_id)

    @api.model
    def _default_dates(self, activity):
        """Registration spans the activity's school year, or its holiday periods for a
        holiday activity."""
        year = activity.school_year_id
        today = fields.Date.context_today(self)
        if activity.runs_on == "holidays" and activity.period_ids:
            return min(activity.period_ids.mapped("date_start")), max(
                activity.period_ids.mapped("date_end")
            )
        return max(year.date_start, min(today, year.date_end)), year.date_end

    # ------------------------------------------------------------------ constraints
    @api.constrains("date_start", "date_end", "activity_id")
    def _check_dates(self):
        for registration in self:
            year = registration.activity_id.school_year_id
            if registration.date_end < registration.date_start:
                raise ValidationError(_("The registration must end after it starts."))
            if (
                registration.date_start < year.date_start
                or registration.date_end > year.date_end
            ):
                raise ValidationError(
                    _(
                        "The registration of %(child)s to %(activity)s "
                        "(%(start)s – %(end)s) is outside the school year "
                        "%(year)s.",
                        child=registration.child_id.name,
                        activity=registration.activity_id.name,
                        start=format_date(self.env, registration.date_start),
                        end=format_date(self.env, registration.date_end),
                        year=year.name,
                    )
                )

    @api.constrains("child_id", "activity_id")
    def _check_age_group(self):
        groups = dict(
            self.env["family.activity"]
            ._fields["age_group"]
            ._description_selection(self.env)
        )
        for registration in self:
            activity = registration.activity_id
            if not activity._accepts_child(registration.child_id):
                raise ValidationError(
                    _(
                        "%(activity)s is for %(group)s children: "
                        "%(child)s cannot be registered.",
                        activity=activity.name,
                        group=groups[activity.age_group],
                        child=registration.child_id.name,
                    )
                )

    @api.constrains("child_id", "activity_id", "date_start", "date_end", "state")
    def _check_overlap(self):
        active = self.filtered(lambda r: r.state in ACTIVE_STATES)
        if not active:
            return
        others = self.search(
            [
                ("child_id", "in", active.child_id.ids),
                ("activity_id", "in", active.activity_id.ids),
                ("state", "in", ACTIVE_STATES),
            ]
        )
        by_key = defaultdict(list)
        for other in others | active:
            by_key[other.child_id.id, other.activity_id.id].append(other)
        for registration in active:
            for other in by_key[registration.child_id.id, registration.activity_id.id]:
                if (
                    other != registration
                    and other.date_start <= registration.date_end
                    and registration.date_start <= other.date_end
                ):
                    raise ValidationError(
                        _(
                            "%(child)s is already registered to %(activity)s "
                            "from %(start)s to %(end)s.",
                            child=other.child_id.name,
                            activity=other.activity_id.name,
                            start=format_date(self.env, other.date_start),
                            end=format_date(self.env, other.date_end),
                        )
                    )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        is_staff = self.env.user._is_internal()
        today = fields.Date.context_today(self)
        activities = self.env["family.activity"].browse(
            [vals.get("activity_id") for vals in vals_list]
        )
        for vals, activity in zip(vals_list, activities, strict=False):
            if not is_staff:
                # families never choose the state: the activity's settings do
                for fname in (
                    "state",
                    "validated_by_id",
                    "validation_date",
                    "refusal_reason",
                ):
                    vals.pop(fname, None)
                if not activity.sudo()._is_registration_open(today):
                    raise ValidationError(
                        _(
                            "Registration to %(activity)s is closed "
                            "(open from %(start)s to %(end)s).",
                            activity=activity.name,
                            start=format_date(
                                self.env, activity.registration_date_start
                            )
                            or "–",
                            end=format_date(self.env, activity.registration_date_end)
                            or "–",
                        )
                    )
            if "state" not in vals:
                vals["state"] = (
                    "preregistered" if activity.preregistration else "pending"
                )
            if not vals.get("date_start") or not vals.get("date_end"):
                start, end = self._default_dates(activity)
                vals.setdefault("date_start", start)
                vals.setdefault("date_end", end)
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code(
                    "family.registration"
                ) or _("New")
        registrations = super().create(vals_list)
        # tracking_disable: bulk imports (start of year, benchmark) skip the chatter
        # subscriptions
        for registration in (
            registrations if not self.env.context.get("tracking_disable") else ()
        ):
            household = registration.household_id
            responsables = (
                household.responsible_partner_id | household.spouse_partner_id
            )
            # sudo: a portal parent may not subscribe other partners (the spouse) nor
            # schedule staff activities
            registration.sudo().message_subscribe(partner_ids=responsables.ids)
        auto = registrations.filtered(
            lambda r: r.state == "pending" and r.activity_id.auto_validate
        )
        if auto:
            auto.sudo()._do_validate()
        (registrations - auto).filtered(
            lambda r: r.state in ("pending", "preregistered")
        ).sudo()._schedule_validation()
        return registrations

    def write(self, vals):
        # self.env.su: the module's own sudo() writes (auto-validation of a family's
        # registration) are allowed
        protected = {
            "state",
            "validated_by_id",
            "validation_date",
            "refusal_reason",
            "child_id",
            "activity_id",
        }
        if (
            not self.env.su
            and not self.env.user._is_internal()
            and protected & set(vals)
        ):
            raise UserError(
                _("Only the town's staff can change the state of a registration.")
            )
        return super().write(vals)

    @api.model
    def _portal_request(self, child, activity, note="", date_start=None, date_end=None):
        """A parent asks to register ``child`` (of their own family) to ``activity``,
        one of the activities offered to the child today, from the wished
        ``date_start`` to ``date_end`` (seed 001, "les dates d'inscription souhaitées";
        each optional, see :meth:`_portal_dates`). They are the registration's period,
        which staff may change before validating it. Families never choose the state:
        the activity's settings do."""
        child.ensure_one()
        child.check_access("read")
        if activity not in child._get_offered_activities():
            raise UserError(
                _("Choose an activity open to %(child)s.", child=child.first_name)
            )
        # the town's calendar is public
        start, end = self._portal_dates(activity.sudo(), date_start, date_end)
        # sudo: parents have no create right; the create still applies the family rules
        # (self.env.user)
        registration = self.sudo().create(
            {
                "child_id": child.id,
                "activity_id": activity.id,
                "date_start": start,
                "date_end": end,
                "note": (note or "").strip()[:2000],
            }
        )
        if date_start or date_end:
            # the family's wish stays in the chatter if staff change the period
            registration.message_post(
                body=_(
                    "Dates wished by the family: from %(start)s to %(end)s.",
                    start=format_date(self.env, start),
                    end=format_date(self.env, end),
                ),
                message_type="notification",
            )
        return registration.with_env(self.env)

    @api.model
    def _portal_dates(self, activity, date_start=None, date_end=None):
        """The period of a registration a parent asks for, from the wished
        ``date_start`` and ``date_end`` (dates, each optional): without either, the
        activity's default period (:meth:`_default_dates`); a missing start is today
        at the earliest, a missing end the activity's last day. Each date given must be
        from today on and inside the days the activity runs (its school year, or its
        holiday periods), the end on or after the start: otherwise one
        FieldValidationError names each wrong field. Returns (start, end)."""
        default_start, default_end = self._default_dates(activity)
        if not date_start and not date_end:
            return default_start, default_end
        year = activity.school_year_id
        if activity.runs_on == "holidays" and activity.period_ids:
            first, last = default_start, default_end
        else:
            first, last = year.date_start, year.date_end
        today = fields.Date.context_today(self)
        first = max(first, today)
        errors = {}
        for fname, day in (("date_start", date_start), ("date_end", date_end)):
            if not day:
                continue
            if day < today:
                errors[fname] = _(
                    "%(day)s is past: choose a day from %(today)s on.",
                    day=format_date(self.env, day),
                    today=format_date(self.env, today),
                )
            elif not first <= day <= last:
                errors[fname] = _(
                    "Choose a day from %(start)s to %(end)s, when %(activity)s runs.",
                    start=format_date(self.env, first),
                    end=format_date(self.env, last),
                    activity=activity.name,
                )
        start = date_start or max(default_start, today)
        end = date_end or default_end
        if not errors and end < start:
            errors["date_end"] = _(
                "The end (%(end)s) must not come before the start (%(start)s).",
                start=format_date(self.env, start),
                end=format_date(self.env, end),
            )
        check_field_errors(errors)
        return start, end

    def _schedule_validation(self):
        for registration in self:
            user = registration.activity_id.responsible_user_id or self.env.ref(
                "base.user_admin", False
            )
            registration.activity_schedule(
                "portail_famille.mail_activity_type_registration_validation",
                user_id=user.id if user else self.env.uid,
            )

    # ------------------------------------------------------------------ actions
    def _check_state(self, allowed, action):
        """Refuse ``action`` ("validate", "refuse", "cancel" or "reset") unless every
        registration is in one of the ``allowed`` states; each action has its own whole
        sentence, for the translators."""
        wrong = self.filtered(lambda registration: registration.state not in allowed)[
            :1
        ]
        if not wrong:
            return
        values = {
            "registration": wrong.display_name,
            "state": dict(self._fields["state"]._description_selection(self.env))[
                wrong.state
            ],
        }
        if action == "validate":
            message = _(
                "%(registration)s cannot be validated: it is %(state)s.", **values
            )
        elif action == "refuse":
            message = _(
                "%(registration)s cannot be refused: it is %(state)s.", **values
            )
        elif action == "cancel":
            message = _(
                "%(registration)s cannot be cancelled: it is %(state)s.", **values
            )
        else:
            message = _(
                "%(registration)s cannot be put back to pending: it is %(state)s.",
                **values,
            )
        raise UserError(message)

    def action_validate(self):
        self._check_state(("pending", "preregistered"), "validate")
        self._do_validate()
        return True

    def _do_validate(self):
        self.write(
            {
                "state": "validated",
                "validated_by_id": self.env.uid,
                "validation_date": fields.Datetime.now(),
            }
        )
        self.activity_feedback(
            ["portail_famille.mail_activity_type_registration_validation"]
        )
        self.filtered("activity_id.book_whole_year")._book_whole_year()
        for registration in self:
            registration.message_post_with_source(
                "portail_famille.mail_template_registration_validated",
                subtype_xmlid="mail.mt_comment",
            )

    def _book_whole_year(self):
        """Book every open day of the registration, from today on, on its unit: days
        whose deadline is already past are skipped and reported in the chatter."""
        today = fields.Date.context_today(self)
        requests = []
        for registration in self:
            unit = registration.unit_id or registration.activity_id.unit_ids[:1]
            if not unit:
                continue
            requests += [
                {"registration_id": registration.id, "unit_id": unit.id, "date": day}
                for day in registration.activity_id._get_open_dates(
                    max(registration.date_start, today), registration.date_end
                )
            ]
        outcome = self.env["family.reservation"].sudo()._book_bulk(requests)
        refused = defaultdict(list)
        for request, error in zip(requests, outcome["errors"], strict=True):
            if error:
                refused[request["registration_id"]].append(error)
        booked = defaultdict(int)
        for request, error in zip(requests, outcome["errors"], strict=True):
            if not error:
                booked[request["registration_id"]] += 1
        for registration in self:
            body = _(
                "%(count)s days booked for the whole year.",
                count=booked[registration.id],
            )
            if refused[registration.id]:
                body += "\n" + "\n".join(refused[registration.id])
            registration.message_post(body=body, message_type="notification")
        return outcome

    def action_refuse(self, reason=None):
        self._check_state(("pending", "preregistered", "validated"), "refuse")
        if not reason:
            return self.env["family.refusal.wizard"]._open_for(self)
        validated = self.filtered(lambda r: r.state == "validated")
        self.write({"state": "refused", "refusal_reason": reason})
        validated._cancel_future_bookings()
        self.activity_unlink(
            ["portail_famille.mail_activity_type_registration_validation"]
        )
        for registration in self:
            registration.message_post_with_source(
                "portail_famille.mail_template_registration_refused",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_cancel(self):
        self._check_state(("pending", "preregistered", "validated"), "cancel")
        validated = self.filtered(lambda r: r.state == "validated")
        self.write({"state": "cancelled"})
        validated._cancel_future_bookings()
        self.activity_unlink(
            ["portail_famille.mail_activity_type_registration_validation"]
        )
        for registration in validated:
            registration.message_post_with_source(
                "portail_famille.mail_template_registration_cancelled",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _cancel_future_bookings(self):
        """The registration ends: cancel its days still to come (booked or on the
        waiting list, from today, not invoiced) the way staff cancel a day, past the
        deadlines, so that their places are freed and given to the waiting list.
        Past, attended and invoiced days are kept. The chatter says how many days were
        cancelled; :attr:`cancelled_booking_count` keeps the number for the family's
        e-mail."""
        Reservation = self.env["family.reservation"]
        reservations = Reservation.sudo().search(
            [
                ("registration_id", "in", self.ids),
                ("state", "in", ("reserved", "waiting")),
                ("invoiced", "=", False),
                ("date", ">=", Reservation._today()),
            ],
            order="date",
        )
        # the staff's own cancellation path (places, waiting list, traced override)
        errors = reservations.with_context(booking_override=True)._cancel()
        cancelled = reservations.filtered(lambda r: not errors[r.id])
        for registration in self:
            days = cancelled.filtered(
                lambda r, reg=registration: r.registration_id == reg
            )
            registration.cancelled_booking_count = len(days)
            if not days:
                continue
            registration.message_post(
                body=_(
                    "%(count)s booked days to come cancelled with the registration "
                    "(%(first)s – %(last)s); their places are freed.",
                    count=len(days),
                    first=format_date(self.env, days[0].date),
                    last=format_date(self.env, days[-1].date),
                ),
                message_type="notification",
            )
        return cancelled

    def _check_attestation_allowed(self):
        """A registration certificate is only issued for a validated registration."""
        not_validated = self.filtered(lambda r: r.state != "validated")
        if not_validated:
            raise UserError(
                _(
                    "No registration certificate for %(registration)s: "
                    "the registration is not validated.",
                    registration=not_validated[0].display_name,
                )
            )
        return True

    def action_reset_to_pending(self):
        self._check_state(("refused", "cancelled"), "reset")
        self.write({"state": "pending", "refusal_reason": False})
        self._schedule_validation()
        return True
