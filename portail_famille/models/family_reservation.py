import io
from collections import Counter, defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date, mute_logger

from ..tools import to_date, to_record_id
from .family_activity_place import PLACE_STATES

RESERVATION_STATES = [
    ("reserved", "Reserved"),
    ("waiting", "Waiting list"),
    ("cancelled", "Cancelled"),
    ("attended", "Attended"),
    ("absent_justified", "Absent (justified)"),
    ("absent_unjustified", "Absent (unjustified)"),
]
# the fields that decide which places of which day a reservation holds
PLACE_FIELDS = {"state", "date", "unit_id", "activity_id"}


class FamilyReservation(models.Model):
    """One child booked for one unit of an activity on one day, on a validated
    registration.

    The unit price is frozen at booking from the tariff grid (the QF in force that day),
    so a later change of tariffs does not rewrite history. Whatever the path (the
    engine, a staff write, a deletion), the day's places stay exact: see
    family.activity.place.

    The booking rules are written here only. What the rest of the module (the recap, the
    planning, the weekly templates, the registrations) calls:

    - :meth:`_check_bookings`: may these days be booked now? One verdict per request,
      nothing written;
    - :meth:`_book` / :meth:`_book_bulk`: book them (the same rules, then the places);
    - :meth:`_check_cancellations`: may these reservations be cancelled now? One verdict
      per reservation;
    - :meth:`_cancel` (:meth:`action_cancel` for staff): cancel them, the freed places
      go to the waiting list;
    - :meth:`_get_deadline_errors`: which days of an activity are past their booking
      deadline;
    - :meth:`_get_active_days`: the days already booked (or waited for) of some
      registrations;
    - :meth:`_day_label`: how a day is named in every booking message."""

    _name = "family.reservation"
    _description = "Reservation"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "date"

    registration_id = fields.Many2one(
        "family.registration", required=True, ondelete="restrict", index=True
    )
    child_id = fields.Many2one(
        "family.child", required=True, ondelete="cascade", index=True
    )
    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    # indexed with the date (family_reservation_activity_date, see init)
    activity_id = fields.Many2one("family.activity", required=True, ondelete="restrict")
    unit_id = fields.Many2one(
        "family.activity.unit", required=True, ondelete="restrict"
    )
    date = fields.Date(required=True)
    state = fields.Selection(
        RESERVATION_STATES, required=True, default="reserved", tracking=True
    )
    tariff_id = fields.Many2one("family.tariff", ondelete="set null")
    tariff_name = fields.Char(
        help="Name of the tariff line when booked, as printed on the e-mail recap."
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    price_unit = fields.Monetary(string="Price", help="Frozen when booked.")
    is_override = fields.Boolean(
        string="Staff Override",
        readonly=True,
        help="Booked or cancelled by staff past the deadline.",
    )
    override_user_id = fields.Many2one("res.users", readonly=True)
    # the audit of a day without a chatter message per day: who booked it (create_uid,
    # create_date), who changed it last (write_uid, write_date), staff overrides (above)
    # and who recorded the attendance; staff's other edits in the backend are tracked
    attendance_user_id = fields.Many2one(
        "res.users", string="Attendance Recorded By", readonly=True, copy=False
    )
    attendance_date = fields.Datetime(
        string="Attendance Recorded On", readonly=True, copy=False
    )
    invoiced = fields.Boolean(
        readonly=True,
        copy=False,
        help="Set by billing: an invoiced day cannot be cancelled.",
    )
    absence_id = fields.Many2one(
        "family.absence", ondelete="set null", index="btree_not_null", readonly=True
    )
    waiting_rank = fields.Integer(
        compute="_compute_waiting_rank",
        help="Position on the waiting list of the activity's day (1 = next to get a "
        "freed place).",
    )
    # for the staff's day sheet (grouped by site and school)
    site_id = fields.Many2one(related="activity_id.site_id", string="Site")
    school_id = fields.Many2one(related="child_id.school_id", string="School")
    health_flags = fields.Char(
        string="Health",
        compute="_compute_health_flags",
        groups="portail_famille.group_family_health",
        help="PAI, allergies and diet from the child's health sheet.",
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The invoice line that billed this day (set by the monthly billing).",
    )
    billed_amount = fields.Monetary(
        readonly=True,
        copy=False,
        help="What the invoices and credit notes bill for this day so far; a change "
        "of state or price after invoicing is corrected by the next billing run.",
    )
    payment_pending = fields.Boolean(
        string="Awaiting Payment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="An activity paid immediately: the day is held for the family while "
        "its online payment is pending (see the invoice linked to the day); it is "
        "confirmed when the invoice is paid, freed when the payment delay passes.",
    )

    def init(self):
        # one active reservation per child, activity and day, enforced by the database
        # itself
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS family_reservation_active_uniq "
                "ON family_reservation (child_id, activity_id, date) "
                "WHERE state != 'cancelled'"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS family_reservation_household_date "
                "ON family_reservation (household_id, date)"
            )
        )
        # the bookings of one activity's day: what the place counters count and the
        # waiting list searches
        # (it serves the searches by activity alone as well)
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS family_reservation_activity_date "
                "ON family_reservation (activity_id, date)"
            )
        )

    @api.depends("child_id", "unit_id", "date")
    def _compute_display_name(self):
        for reservation in self:
            reservation.display_name = "%s – %s – %s" % (
                format_date(self.env, reservation.date),
                reservation.child_id.name,
                reservation.unit_id.display_name,
            )

    # ---------------------------------------------- CRUD: every change keeps the places
    @api.model_create_multi
    def create(self, vals_list):
        reservations = super().create(vals_list)
        reservations._sync_places({}, reservations._held_places())
        return reservations

    def write(self, vals):
        if not PLACE_FIELDS & vals.keys():
            return super().write(vals)
        before = self._places_before()
        result = super().write(vals)
        self._sync_places(before, self._held_places())
        return result

    def unlink(self):
        before = self._places_before()
        result = super().unlink()
        self.browse()._sync_places(before, {})
        return result

    # ------------------------------------------------------------------ booking rules
    @api.model
    def _today(self):
        return fields.Date.context_today(self)

    def _day_label(self, day):
        return format_date(self.env, day, date_format="EEE dd/MM/yyyy")

    @api.model
    def _check_deadline(self, activity, day, today=None, action="book", now=None):
        """None when ``day`` of ``activity`` may still be booked (``action`` "book") or
        cancelled ("cancel") now, else the reason, naming the limit with its time.
        The rule is the activity's (:meth:`family.activity._get_deadline`), in the
        town's time; a day before ``today`` or the town's today is past."""
        Activity = self.env["family.activity"]
        now = now or Activity._town_now()
        if day < now.date() or (today and day < today):
            return _("%(day)s is past.", day=self._day_label(day))
        year = activity.school_year_id
        if action == "book" and not year._are_bookings_open():
            return _(
                "%(day)s: bookings for the school year %(year)s are not open yet, its "
                "school holidays are not entered. Please come back later or write to "
                "the service.",
                day=self._day_label(day),
                year=year.name,
            )
        deadline = activity._get_deadline(day, action)
        state = Activity._deadline_state(deadline, now)
        if state == "open":
            return None
        label = self._day_label(day)
        cancel = action == "cancel"
        if deadline["rule"] == "period_window":
            period = deadline["period"]
            start = (
                format_date(self.env, period.window_date_start)
                if period.window_date_start
                else "–"
            )
            end = (
                Activity._format_deadline(deadline["closes"])
                if deadline["closes"]
                else "–"
            )
            if cancel:
                return _(
                    "%(day)s: cancellations are only possible from %(start)s to "
                    "%(end)s.",
                    day=label,
                    start=start,
                    end=end,
                )
            return _(
                "%(day)s: bookings are only possible from %(start)s to %(end)s.",
                day=label,
                start=start,
                end=end,
            )
        values = {
            "day": label,
            "n": deadline["days"],
            "time": "%02d:%02d" % (deadline["hour"], deadline["minute"]),
            "limit": Activity._format_deadline(deadline["closes"]),
        }
        if deadline["rule"] == "days_before":
            if cancel:
                return _(
                    "%(day)s: cancellations close %(n)s days before, at %(time)s "
                    "(the limit was %(limit)s).",
                    **values,
                )
            return _(
                "%(day)s: bookings close %(n)s days before, at %(time)s (the limit "
                "was %(limit)s).",
                **values,
            )
        if deadline["rule"] == "working_days_before":
            if cancel:
                return _(
                    "%(day)s: cancellations close %(n)s working days before, at "
                    "%(time)s (the limit was %(limit)s).",
                    **values,
                )
            return _(
                "%(day)s: bookings close %(n)s working days before, at %(time)s (the "
                "limit was %(limit)s).",
                **values,
            )
        if deadline["rule"] == "weekly":
            if cancel:
                return _(
                    "%(day)s: cancellations for this week closed on %(limit)s.",
                    **values,
                )
            return _("%(day)s: bookings for this week closed on %(limit)s.", **values)
        if cancel:
            return _(
                "%(day)s: cancellations for this month closed on %(limit)s.", **values
            )
        return _("%(day)s: bookings for this month closed on %(limit)s.", **values)

    def _is_staff_override(self):
        return self.env.user._is_internal() and self.env.context.get("booking_override")

    @api.model
    def _get_deadline_errors(self, activity, days, action="book"):
        """{day: why ``day`` of ``activity`` can no longer be booked (``action``
        "book") or cancelled ("cancel") now, or None}: None for every day when staff
        override the deadlines."""
        if self._is_staff_override():
            return dict.fromkeys(days)
        today = self._today()
        now = self.env["family.activity"]._town_now()
        return {
            day: self._check_deadline(activity, day, today, action=action, now=now)
            for day in days
        }

    @api.model
    def _full_error(self, unit, day):
        """The message of a day with no place left for ``unit``."""
        return _(
            "%(day)s: %(unit)s is full. You can ask for the waiting list.",
            day=self._day_label(day),
            unit=unit.display_name,
        )

    @api.model
    def _get_active_days(self, registrations):
        """{(child_id, activity_id, date)} booked or on the waiting list, for the
        children and activities of ``registrations``: a child has one active reservation
        per activity and day."""
        if not registrations:
            return set()
        self.flush_model(["child_id", "activity_id", "date", "state"])
        self.env.cr.execute(
            SQL(
                """SELECT child_id, activity_id, date FROM family_reservation
                WHERE state != 'cancelled' AND child_id = ANY(%s)
                  AND activity_id = ANY(%s)""",
                registrations.child_id.ids,
                registrations.activity_id.ids,
            )
        )
        return set(self.env.cr.fetchall())

    @api.model
    def _read_requests(self, requests):
        """Booking requests as a caller sent them (the portal, an RPC call, an
        import), read one by one: {registration_id, unit_id (a valid id or None), date
        (a date or None), waiting_list (bool), released (bool), error (None, or why the
        request cannot be read: not a request, no date, a date that is not one)}. An id
        that is not one reads as None: the booking rules then say the child is not
        registered or the unit is not the activity's, naming the day."""
        if not isinstance(requests, list | tuple):
            raise UserError(_("The days to book must be sent as a list."))
        read = []
        for request in requests:
            request = request if isinstance(request, dict) else {}
            value = request.get("date")
            day = to_date(value)
            error = None
            if not day:
                error = (
                    _("A day to book has no date.")
                    if value in (None, False, "")
                    else _("%(value)s is not a valid date.", value=str(value)[:30])
                )
            read.append(
                {
                    "registration_id": to_record_id(request.get("registration_id")),
                    "unit_id": to_record_id(request.get("unit_id")),
                    "date": day,
                    "waiting_list": bool(request.get("waiting_list")),
                    "released": bool(request.get("released")),
                    "error": error,
                }
            )
        return read

    @api.model
    def _requested_records(self, requests):
        """The registrations (those the caller may read, in sudo) and the units
        (sudo) that ``requests`` name, and each by id: (registrations, units,
        {id: registration}, {id: unit}). An id that is not one of them (unknown,
        another family's) is simply not in the dicts."""
        registrations = (
            self.env["family.registration"]
            .browse({r["registration_id"] for r in requests if r["registration_id"]})
            .exists()
            ._filtered_access("read")
            .sudo()
        )
        units = (
            self.env["family.activity.unit"]
            .sudo()
            .browse({r["unit_id"] for r in requests if r["unit_id"]})
            .exists()
        )
        return (
            registrations,
            units,
            {registration.id: registration for registration in registrations},
            {unit.id: unit for unit in units},
        )

    @api.model
    def _check_bookings(self, requests, count_places=True):
        """Whether days may be booked now, without booking them: the recap checks a day
        when the parent adds it, :meth:`_book` checks it again when it is booked.
        ``requests``: list of dicts {registration_id, unit_id, date, waiting_list,
        released}; a registration the caller may not read counts as unknown;
        ``released`` (optional): the child's reservation of that activity and day is
        being cancelled alongside, so the day is free for another unit. A day asked
        twice is refused the second time.

        Returns one verdict per request, in order: {"error": why the day cannot be
        booked, or None; "full": True when no place is left that day (then "error" says
        so, unless the request asks for the waiting list)}. With ``count_places`` False
        the places are not looked at ("full" stays False)."""
        today = self._today()
        override = self._is_staff_override()
        registrations, units, by_registration, by_unit = self._requested_records(
            requests
        )
        open_dates = self._open_dates_getter()
        existing = self._get_active_days(registrations)
        verdicts, passed = [], []
        for request in requests:
            day = fields.Date.to_date(request["date"])
            registration = by_registration.get(
                request["registration_id"], registrations.browse()
            )
            unit = by_unit.get(request["unit_id"], units.browse())
            verdict = {"error": None, "full": False}
            verdicts.append(verdict)
            key = (registration.child_id.id, registration.activity_id.id, day)
            verdict["error"] = self._check_request(
                registration,
                unit,
                day,
                today,
                override,
                open_dates,
                existing - {key} if request.get("released") else existing,
            )
            if not verdict["error"]:
                existing.add(key)
                passed.append(
                    (
                        verdict,
                        registration.activity_id,
                        unit,
                        day,
                        request.get("waiting_list"),
                    )
                )
        if count_places and passed:
            Place = self.env["family.activity.place"].sudo()
            days = [day for _verdict, _activity, _unit, day, _waiting in passed]
            counts = Place._get_counts(
                {activity.id for _v, activity, _u, _d, _w in passed},
                min(days),
                max(days),
            )
            for verdict, activity, unit, day, waiting in passed:
                verdict["full"] = Place._is_full(activity, unit, day, counts)
                if verdict["full"] and not waiting:
                    verdict["error"] = self._full_error(unit, day)
        return verdicts

    # ------------------------------------------------------------------ booking API
    @api.model
    def _book(self, requests, raise_on_error=False):
        """Book days. ``requests``: list of dicts {registration_id, unit_id, date,
        waiting_list (bool)}.

        Returns one result per request, in order: {"reservation": record or empty,
        "error": str or None, "state": "reserved" / "waiting" / None}. A request that
        cannot be booked (closed day, deadline passed, full without waiting list, not
        registered, duplicate…) is reported and the others still apply. With
        ``raise_on_error`` the first error raises a ValidationError instead. Runs as the
        calling user: record rules stop a parent from booking another family's child
        (that line reads as "not registered"). A request that is not one (a key
        missing, a date that is no date, an id that is not one) is reported the same
        way (:meth:`_read_requests`)."""
        override = self._is_staff_override()
        requests = self._read_requests(requests)
        valid = [request for request in requests if not request["error"]]
        _registrations, _units, by_registration, by_unit = self._requested_records(
            valid
        )
        verdicts = iter(self._check_bookings(valid, count_places=False))

        results, to_create = [], []
        for request in requests:
            result = {"reservation": self.browse(), "error": None, "state": None}
            results.append(result)
            error = request["error"] or next(verdicts)["error"]
            if error:
                if raise_on_error:
                    raise ValidationError(error)
                result["error"] = error
                continue
            to_create.append(
                (
                    result,
                    by_registration[request["registration_id"]],
                    by_unit[request["unit_id"]],
                    request["date"],
                    request["waiting_list"],
                )
            )

        # places: take them activity by activity, day by day (a stable order: no
        # deadlock between families)
        to_create.sort(key=lambda item: (item[1].activity_id.id, item[3]))
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                booked = self._book_lines(to_create, override, raise_on_error)
        except UniqueViolation:
            # a concurrent transaction (another tab, an agent, a weekly template)
            # booked one of these days meanwhile: book line by line, to tell which
            booked = []
            for line in to_create:
                try:
                    with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                        booked += self._book_lines([line], override, raise_on_error)
                except UniqueViolation:
                    result, registration, _unit, day, _waiting = line
                    error = _(
                        "%(day)s: %(child)s is already booked for %(activity)s.",
                        day=self._day_label(day),
                        child=registration.child_id.name,
                        activity=registration.activity_id.name,
                    )
                    if raise_on_error:
                        raise ValidationError(error) from None
                    result["error"] = error
        for result, reservation, state, error in booked:
            result.update(reservation=reservation, state=state, error=error)
        return results

    @api.model
    def _book_lines(self, lines, override, raise_on_error):
        """Take the places of ``lines`` (checked requests: (result, registration,
        unit, day, waiting list)) and write their bookings; returns [(result,
        reservation, state, error)]. Nothing is written into the results here: a
        caller rolling back (a concurrent duplicate) starts again from them."""
        outcomes, created, vals_list = [], [], []
        for result, registration, unit, day, waiting in lines:
            activity = registration.activity_id
            state = "reserved"
            try:
                tariff = unit._get_tariff(registration.household_id, day)
            except UserError as error:
                # a unit without a tariff for this family: that day only
                message = _(
                    "%(day)s: %(error)s", day=self._day_label(day), error=error.args[0]
                )
                if raise_on_error:
                    raise ValidationError(message) from None
                outcomes.append((result, self.browse(), None, message))
                continue
            if not self._take_places(activity, unit, day):
                if not waiting:
                    error = self._full_error(unit, day)
                    if raise_on_error:
                        raise ValidationError(error)
                    outcomes.append((result, self.browse(), None, error))
                    continue
                state = "waiting"
            created.append((result, state))
            vals_list.append(
                {
                    "registration_id": registration.id,
                    "child_id": registration.child_id.id,
                    "household_id": registration.household_id.id,
                    "activity_id": activity.id,
                    "unit_id": unit.id,
                    "date": day,
                    "state": state,
                    "tariff_id": tariff.id,
                    "tariff_name": tariff.name,
                    "price_unit": tariff.price,
                    "is_override": bool(override),
                    "override_user_id": self.env.uid if override else False,
                }
            )
        # no chatter message nor follower per booked day (millions a year): who booked
        # it is its create_uid
        reservations = (
            self.sudo()
            .with_context(
                mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True
            )
            .create(vals_list)
            .with_env(self.env)
        )
        for (result, state), reservation in zip(created, reservations, strict=True):
            outcomes.append((result, reservation, state, None))
        return outcomes

    @api.model
    def _book_bulk(self, requests):
        """Book many days at once (weekly templates, whole-year registrations,
        start-of-year imports).

        Same rules and messages as :meth:`_book`, but built for volume: lookups in
        memory, one price computation per family, unit and quotient, and rows written
        with PostgreSQL ``COPY``. Days of activities with limited places still take
        their place one by one on the capacity rows. Returns {"booked": number,
        "errors": [error or None, one per request]}."""
        today = self._today()
        override = self._is_staff_override()
        requests = self._read_requests(requests)
        registrations, units, by_registration, by_unit = self._requested_records(
            requests
        )
        households = registrations.household_id
        pricing = _BulkPricing(self.env, households, units)
        existing = self._get_active_days(registrations)
        deadline_ok = {}
        get_open_dates = self._open_dates_getter()

        # plain tuples for the hot loop: ORM field access costs microseconds per read,
        # millions of times
        reg_info = {
            r.id: (
                r.state == "validated",
                r.child_id.id,
                r.activity_id.id,
                r.date_start,
                r.date_end,
            )
            for r in registrations
        }
        Place = self.env["family.activity.place"].sudo()
        # a unit is limited when its bookings hold a place of some day
        unit_info = {
            u.id: (u.activity_id.id, bool(Place._place_keys(u.activity_id, u, None)))
            for u in units
        }
        errors, accepted, limited = [], [], []
        for index, request in enumerate(requests):
            if request["error"]:
                errors.append(request["error"])
                continue
            day = request["date"]
            info = reg_info.get(request["registration_id"])
            unit_id = request["unit_id"]
            unit_activity, unit_limited = unit_info.get(unit_id, (None, False))
            fast_ok = False
            if info:
                validated, child_id, activity_id, date_start, date_end = info
                key = (child_id, activity_id, day)
                fast_ok = (
                    validated
                    and unit_activity == activity_id
                    and date_start <= day <= date_end
                    and key not in existing
                )
                if fast_ok:
                    registration = by_registration[request["registration_id"]]
                    fast_ok = day in get_open_dates(registration.activity_id)
                if fast_ok and not override:
                    if (activity_id, day) not in deadline_ok:
                        deadline_ok[activity_id, day] = not self._check_deadline(
                            by_registration[request["registration_id"]].activity_id,
                            day,
                            today,
                        )
                    fast_ok = deadline_ok[activity_id, day]
            if not fast_ok:
                registration = by_registration.get(
                    request["registration_id"], self.env["family.registration"]
                )
                unit = by_unit.get(unit_id, self.env["family.activity.unit"])
                errors.append(
                    self._check_request(
                        registration,
                        unit,
                        day,
                        today,
                        override,
                        get_open_dates,
                        existing,
                    )
                    or _("%(day)s could not be booked.", day=self._day_label(day))
                )
                continue
            errors.append(None)
            existing.add(key)
            (limited if unit_limited else accepted).append(
                (index, request["registration_id"], unit_id, day)
            )

        if limited:
            for index, registration_id, unit_id, day in sorted(
                limited, key=lambda i: (reg_info[i[1]][2], i[3], i[0])
            ):
                unit = by_unit[unit_id]
                if self._take_places(
                    by_registration[registration_id].activity_id, unit, day
                ):
                    accepted.append((index, registration_id, unit_id, day))
                else:
                    errors[index] = self._full_error(unit, day)

        household_of = {r.id: r.household_id.id for r in registrations}
        rows, written = [], []
        accepted.sort()
        for item in accepted:
            index, registration_id, unit_id, day = item
            _validated, child_id, activity_id, _start, _end = reg_info[registration_id]
            household_id = household_of[registration_id]
            try:
                tariff_id, tariff_name, price = pricing.get(household_id, unit_id, day)
            except UserError as error:
                # a unit without a tariff for this family: that day only (a place
                # taken for it goes back below)
                errors[index] = _(
                    "%(day)s: %(error)s", day=self._day_label(day), error=error.args[0]
                )
                continue
            written.append(item)
            rows.append(
                (
                    registration_id,
                    child_id,
                    household_id,
                    activity_id,
                    unit_id,
                    day,
                    tariff_id,
                    tariff_name,
                    price,
                )
            )
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM family_reservation"))
        (last_id,) = self.env.cr.fetchone()
        for position in self._copy_rows_per_line(rows, override):
            index, registration_id, _unit_id, day = written[position]
            registration = by_registration[registration_id]
            errors[index] = _(
                "%(day)s: %(child)s is already booked for %(activity)s.",
                day=self._day_label(day),
                child=registration.child_id.name,
                activity=registration.activity_id.name,
            )
        if limited:
            # the new bookings claim the places taken for them; a place taken for a
            # day refused meanwhile goes back
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM family_reservation WHERE id > %s "
                    "AND registration_id = ANY(%s) AND state = 'reserved'",
                    last_id,
                    registrations.ids,
                )
            )
            Place._sync([row[0] for row in self.env.cr.fetchall()])
            Place._free_unclaimed(
                {
                    reg_info[registration_id][2]
                    for _i, registration_id, _u, _d in limited
                }
            )
        return {
            "booked": sum(not errors[item[0]] for item in accepted),
            "errors": errors,
        }

    @api.model
    def _copy_rows_per_line(self, rows, override=False):
        """:meth:`_copy_rows`, and when a concurrent transaction booked one of these
        days meanwhile (a unique violation), the same in halves until the refused
        rows are found. Returns their positions in ``rows``."""
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self._copy_rows(rows, override)
            return []
        except UniqueViolation:
            if len(rows) == 1:
                return [0]
        middle = len(rows) // 2
        return self._copy_rows_per_line(rows[:middle], override) + [
            middle + position
            for position in self._copy_rows_per_line(rows[middle:], override)
        ]

    @api.model
    def _copy_rows(self, rows, override=False):
        """Insert reserved rows with COPY (the ORM's INSERT is the bottleneck at a
        school year's volume)."""
        if not rows:
            return
        self.env.flush_all()
        now = fields.Datetime.to_string(fields.Datetime.now())
        uid = self.env.uid
        currency_id = self.env.company.currency_id.id
        null = "\\N"
        override_user = str(uid) if override else null
        is_override = "t" if override else "f"

        def escape(text):
            return (
                (text or "")
                .replace("\\", "\\\\")
                .replace("\t", " ")
                .replace("\n", " ")
                .replace("\r", " ")
            )

        columns = (
            "registration_id, child_id, household_id, activity_id, unit_id, date, "
            "state, tariff_id, tariff_name, currency_id, price_unit, is_override, "
            "override_user_id, invoiced, create_uid, create_date, write_uid, write_date"
        )
        chunk = 100_000
        for start in range(0, len(rows), chunk):
            buffer = io.StringIO()
            for (
                reg,
                child,
                household,
                activity,
                unit,
                day,
                tariff_id,
                tariff_name,
                price,
            ) in rows[start : start + chunk]:
                buffer.write(
                    f"{reg}\t{child}\t{household}\t{activity}\t{unit}\t{day}\t"
                    f"reserved\t{tariff_id or null}\t{escape(tariff_name)}\t"
                    f"{currency_id}\t{price}\t{is_override}\t"
                    f"{override_user}\tf\t{uid}\t{now}\t{uid}\t{now}\n"
                )
            buffer.seek(0)
            self.env.cr.copy_expert(
                f"COPY family_reservation ({columns}) FROM STDIN", buffer
            )
        self.invalidate_model()

    @api.model
    def _open_dates_getter(self):
        """A function activity -> set of its open dates, computed once per activity."""
        cache = {}

        def open_dates(activity):
            if activity.id not in cache:
                cache[activity.id] = set(activity._get_open_dates())
            return cache[activity.id]

        return open_dates

    def _check_request(
        self, registration, unit, day, today, override, open_dates, existing
    ):
        """The reason why this request cannot be booked, or None."""
        label = self._day_label(day) if day else "?"
        if not registration:
            return _(
                "%(day)s: the child is not registered to this activity.", day=label
            )
        activity = registration.activity_id
        child = registration.child_id
        if registration.state != "validated":
            return _(
                "%(day)s: the registration of %(child)s to %(activity)s is not "
                "validated yet.",
                day=label,
                child=child.name,
                activity=activity.name,
            )
        if not unit or unit.activity_id != activity:
            return _(
                "%(day)s: this unit does not belong to %(activity)s.",
                day=label,
                activity=activity.name,
            )
        year = activity.school_year_id
        if not year.date_start <= day <= year.date_end:
            return _(
                "%(day)s is outside the school year %(year)s.",
                day=label,
                year=year.name,
            )
        if not registration.date_start <= day <= registration.date_end:
            return _(
                "%(day)s is outside the registration of %(child)s "
                "(%(start)s – %(end)s).",
                day=label,
                child=child.name,
                start=format_date(self.env, registration.date_start),
                end=format_date(self.env, registration.date_end),
            )
        if day not in open_dates(activity):
            return _(
                "%(day)s: %(activity)s is closed that day.",
                day=label,
                activity=activity.name,
            )
        if (child.id, activity.id, day) in existing:
            return _(
                "%(day)s: %(child)s is already booked for %(activity)s.",
                day=label,
                child=child.name,
                activity=activity.name,
            )
        if not override:
            deadline_error = self._check_deadline(activity, day, today)
            if deadline_error:
                return deadline_error
        return None

    # ----------------------------------------------- places (see family.activity.place)
    @api.model
    def _take_places(self, activity, unit, day):
        """The engine's fast path: take a place of the activity's and of the unit's day
        before the booking is written, which claims them; False (and nothing taken) if
        full."""
        Place = self.env["family.activity.place"].sudo()
        return Place._take(Place._place_keys(activity, unit, day))

    def _held_places(self):
        """{reservation_id: the capacity rows it holds a place on} (none outside
        PLACE_STATES)."""
        Place = self.env["family.activity.place"].sudo()
        return {
            reservation.id: set(
                Place._place_keys(
                    reservation.activity_id, reservation.unit_id, reservation.date
                )
            )
            if reservation.state in PLACE_STATES
            else set()
            for reservation in self.sudo()
        }

    def _sync_places(self, before, after):
        """After a create, write or unlink: give the reservations the places they now
        hold (refusing a change that overbooks a day) and no other (an unlinked
        reservation's places go with it), and give each freed place to the first child
        of the waiting list. ``before`` is :meth:`_places_before` of the changed
        reservations (empty for a create), ``after`` their :meth:`_held_places` (empty
        for an unlink)."""
        changed = [
            reservation_id
            for reservation_id, new in after.items()
            if new != before.get(reservation_id, (set(),))[0]
        ]
        self.env["family.activity.place"].sudo()._sync(changed)
        freed = [
            activity_day
            for reservation_id, (old, activity_day) in before.items()
            if old - after.get(reservation_id, set())
        ]
        self.sudo()._promote_waiting_list_on(freed)

    def _places_before(self):
        """{reservation_id: (the capacity rows it holds a place on, (activity_id,
        date))}."""
        held = self._held_places()
        return {
            reservation.id: (
                held[reservation.id],
                (reservation.activity_id.id, reservation.date),
            )
            for reservation in self.sudo()
        }

    # ------------------------------------------------------------------ cancellation
    def _check_cancel(self, today, override):
        """The reason why this reservation cannot be cancelled, or None."""
        self.ensure_one()
        label = self._day_label(self.date)
        if self.state == "cancelled":
            return _("%(day)s: this reservation is already cancelled.", day=label)
        if self.invoiced and not override:
            return _(
                "%(day)s: this day is already invoiced and cannot be cancelled.",
                day=label,
            )
        if self.state not in ("reserved", "waiting"):
            return _("%(day)s: attendance is already recorded.", day=label)
        if not override and self.state == "reserved":
            return self._check_deadline(
                self.activity_id, self.date, today, action="cancel"
            )
        return None

    def _check_cancellations(self):
        """Whether these reservations may be cancelled now, without cancelling them:
        {reservation_id: why it cannot be cancelled, or None}. Staff may override the
        deadline, not the other rules."""
        today = self._today()
        override = self._is_staff_override()
        return {
            reservation.id: reservation._check_cancel(today, override)
            for reservation in self
        }

    def _cancel(self, raise_on_error=False):
        """Cancel these reservations; returns {reservation_id: error or None}. A freed
        place goes to the first child of the waiting list, whose family is told by
        e-mail."""
        override = self._is_staff_override()
        # parents cancel their own family's days (record rules), through the recap;
        # staff need the write right
        self.check_access("write" if self.env.user._is_internal() else "read")
        # sudo: the freed place may go to another family's child on the waiting list
        results, to_cancel = {}, self.sudo().browse()
        errors = self.sudo()._check_cancellations()
        for reservation in self.sudo():
            error = errors[reservation.id]
            if error and raise_on_error:
                raise UserError(error)
            results[reservation.id] = error
            if not error:
                to_cancel |= reservation
        # the write gives the places back and promotes the waiting list
        to_cancel.with_context(mail_notrack=True).write(
            {
                "state": "cancelled",
                "is_override": bool(override),
                "override_user_id": self.env.uid if override else False,
            }
        )
        return results

    def _compute_health_flags(self):
        sheets = self.env["family.health.sheet"].search(
            [("child_id", "in", self.child_id.ids)]
        )
        flags_by_child = {}
        for sheet in sheets:
            flags = []
            if sheet.has_pai:
                flags.append(_("PAI"))
            if sheet.allergies:
                flags.append(_("Allergies: %(allergies)s", allergies=sheet.allergies))
            if sheet.dietary_requirements:
                flags.append(_("Diet: %(diet)s", diet=sheet.dietary_requirements))
            flags_by_child[sheet.child_id.id] = " · ".join(flags)
        for reservation in self:
            reservation.health_flags = flags_by_child.get(reservation.child_id.id, "")

    def _set_attendance(self, state):
        """Staff record attendance: only booked days (or a recorded attendance being
        corrected)."""
        if not self.env.user._is_internal():
            raise UserError(_("Only the town's staff can record attendance."))
        wrong = self.filtered(lambda r: r.state not in PLACE_STATES)
        if wrong:
            raise UserError(
                _(
                    "%(day)s: attendance can only be recorded on a booked day, "
                    "not on a %(state)s one.",
                    day=self._day_label(wrong[0].date),
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        wrong[0].state
                    ],
                )
            )
        if state != "absent_justified":
            future = self.filtered(lambda r: r.date > self._today())
            if future:
                raise UserError(
                    _(
                        "%(day)s is still to come: presence and unjustified absence "
                        "are recorded on the day itself or later. An absence known "
                        "in advance can be marked as justified.",
                        day=self._day_label(future[0].date),
                    )
                )
        self.with_context(mail_notrack=True).write(
            {
                "state": state,
                "attendance_user_id": self.env.uid,
                "attendance_date": fields.Datetime.now(),
            }
        )
        return True

    def action_mark_attended(self):
        return self._set_attendance("attended")

    def action_mark_absent(self):
        return self._set_attendance("absent_unjustified")

    def action_mark_absent_justified(self):
        return self._set_attendance("absent_justified")

    def action_cancel(self):
        """Staff cancel from the backend (a family cancels through its recap)."""
        self.check_access("write")
        self._cancel(raise_on_error=True)
        return True

    def _promote_waiting_list(self):
        """Give the place each of these reservations freed to the first child waiting
        for that activity and day."""
        self._promote_waiting_list_on(
            [(reservation.activity_id.id, reservation.date) for reservation in self]
        )

    @api.model
    def _promote_waiting_list_on(self, freed):
        """Give each freed place, ``freed`` = [(activity_id, date)] (one item per
        place), to the first child waiting for that activity and day whose unit has a
        place; the family is told by e-mail. A place freed on a day already gone goes to
        nobody."""
        today = self._today()
        freed = [(activity_id, day) for activity_id, day in freed if day >= today]
        if not freed:
            return
        waiting = defaultdict(list)
        for candidate in self.search(
            [
                (
                    "activity_id",
                    "in",
                    list({activity_id for activity_id, _day in freed}),
                ),
                ("date", "in", list({day for _activity_id, day in freed})),
                ("state", "=", "waiting"),
            ],
            order="create_date, id",
        ):
            waiting[candidate.activity_id.id, candidate.date].append(candidate)
        promoted = self.browse()
        for activity_day in freed:
            for candidate in waiting[activity_day]:
                if candidate not in promoted and self._take_places(
                    candidate.activity_id, candidate.unit_id, candidate.date
                ):
                    promoted |= candidate
                    break
        if promoted:
            promoted.write({"state": "reserved"})
            promoted._notify_promoted()

    def _notify_promoted(self):
        """Tell each family that its child got the place it was waiting for."""
        for reservation in self:
            reservation.message_post_with_source(
                "portail_famille.mail_template_reservation_promoted",
                subtype_xmlid="mail.mt_comment",
                partner_ids=(
                    reservation.household_id.responsible_partner_id
                    | reservation.household_id.spouse_partner_id
                ).ids,
            )

    def action_promote(self):
        """Staff give a free place to a child of the waiting list, whatever its rank
        (after raising a capacity, or a choice of the service)."""
        self.check_access("write")
        not_waiting = self.filtered(lambda r: r.state != "waiting")
        if not_waiting:
            raise UserError(
                _(
                    "%(day)s: only a child on the waiting list can be given a place.",
                    day=self._day_label(not_waiting[0].date),
                )
            )
        for reservation in self:
            if not self._take_places(
                reservation.activity_id, reservation.unit_id, reservation.date
            ):
                raise UserError(
                    _(
                        "%(day)s: %(unit)s has no free place. Raise its capacity or "
                        "cancel a booking first.",
                        day=self._day_label(reservation.date),
                        unit=reservation.unit_id.display_name,
                    )
                )
            reservation.sudo().write({"state": "reserved"})
        self.sudo()._notify_promoted()
        return True

    @api.depends("state", "activity_id", "date")
    def _compute_waiting_rank(self):
        waiting = self.filtered(lambda r: r.state == "waiting" and r.id)
        ranks = {}
        if waiting:
            queue = self.sudo().search(
                [
                    ("activity_id", "in", waiting.activity_id.ids),
                    ("date", "in", list(set(waiting.mapped("date")))),
                    ("state", "=", "waiting"),
                ],
                order="create_date, id",
            )
            position = Counter()
            for candidate in queue:
                position[candidate.activity_id.id, candidate.date] += 1
                ranks[candidate.id] = position[candidate.activity_id.id, candidate.date]
        for reservation in self:
            reservation.waiting_rank = ranks.get(reservation.id, 0)

    # ------------------------------------------------------------------ costs
    @api.model
    def _get_monthly_cost(self, household, month_start, child=None):
        """Cost of a family's (or one child's) reservations in the month: {child_id:
        amount, 'total': amount}. Cancelled and waiting-list days cost nothing; absences
        cost what the activity's billing says."""
        month_end = month_start + relativedelta(months=1, days=-1)
        self.env["family.reservation"].flush_model(
            ["household_id", "child_id", "date", "state", "price_unit"]
        )
        self.env["family.activity"].flush_model(["absence_billing"])
        query = SQL(
            """
            SELECT r.child_id, SUM(r.price_unit)
              FROM family_reservation r
              JOIN family_activity a ON a.id = r.activity_id
             WHERE r.household_id = %s AND r.date BETWEEN %s AND %s
               AND %s
               %s
             GROUP BY r.child_id
            """,
            household.id,
            month_start,
            month_end,
            self._billable_sql(),
            SQL("AND r.child_id = %s", child.id) if child else SQL(""),
        )
        self.env.cr.execute(query)
        costs = defaultdict(float, dict(self.env.cr.fetchall()))
        costs["total"] = sum(costs.values())
        return costs

    # ------------------------------------------------ billing (see family.billing.run)
    @api.model
    def _billable_sql(self, reservation="r", activity="a"):
        """The SQL condition "this day is billed", on a reservation row aliased
        ``reservation`` joined to its activity aliased ``activity``: booked and attended
        days; absences as the activity's ``absence_billing`` says. The one place this
        rule is written (costs shown to families, invoices)."""
        r, a = SQL.identifier(reservation), SQL.identifier(activity)
        return SQL(
            """(%(r)s.state IN ('reserved', 'attended')
                OR (%(r)s.state = 'absent_unjustified'
                    AND %(a)s.absence_billing IN ('all', 'unjustified'))
                OR (%(r)s.state = 'absent_justified'
                    AND %(a)s.absence_billing = 'all'))""",
            r=r,
            a=a,
        )

    @api.model
    def _demo_book_coming_days(self):
        """Demo: the families have already booked the rest of this month and the next
        one (what they did on their portal before the deadlines), so the planning of
        a newcomer is not empty."""
        today = self._today()
        last = today.replace(day=1) + relativedelta(months=2, days=-1)
        Reservation = self.with_context(booking_override=True)
        registrations = self.env["family.registration"].search(
            [
                ("state", "=", "validated"),
                ("date_start", "<=", last),
                ("date_end", ">=", today),
                ("activity_id.unit_ids", "!=", False),
            ]
        )
        open_dates = Reservation._open_dates_getter()
        requests = [
            {
                "registration_id": registration.id,
                "unit_id": (
                    registration.unit_id or registration.activity_id.unit_ids[0]
                ).id,
                "date": day,
            }
            for registration in registrations
            for day in sorted(open_dates(registration.activity_id))
            if today <= day <= last
            and registration.date_start <= day <= registration.date_end
            # a few days left free, as real families do
            and (day.toordinal() + registration.id) % 7
        ]
        return Reservation._book_bulk(requests)


class _BulkPricing:
    """Prices of many (family, unit, day) at once: each family's validated quotients and
    each unit's tariff grid are read once, and the tariff of a (unit, residence, QF) is
    looked up once."""

    def __init__(self, env, households, units):
        self.env = env
        self.residence = {
            h.id: "resident" if h.is_resident else "non_resident" for h in households
        }
        self.quotients = defaultdict(list)
        for quotient in (
            env["family.quotient"]
            .sudo()
            .search(
                [("household_id", "in", households.ids), ("state", "=", "validated")],
                order="date_from desc, id desc",
            )
        ):
            self.quotients[quotient.household_id.id].append(
                (quotient.date_from, quotient.date_to, quotient.value)
            )
        self.units = {unit.id: unit for unit in units}
        self.memo = {}

    def _qf(self, household_id, day):
        for date_from, date_to, value in self.quotients.get(household_id, ()):
            if date_from <= day <= date_to:
                return value
        return None

    def get(self, household_id, unit_id, day):
        qf = self._qf(household_id, day)
        key = (unit_id, self.residence[household_id], qf)
        if key not in self.memo:
            household = self.env["family.household"].browse(household_id)
            tariff = self.units[unit_id]._get_tariff_for(household.is_resident, qf)
            self.memo[key] = (tariff.id, tariff.name, tariff.price)
        return self.memo[key]
