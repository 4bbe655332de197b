from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import check_field_errors, to_date, to_record_id
from .family_activity import WEEKDAY_FIELDS

# the statuses of a day in a parent's preview: the days to add, then why each other
# one is left out
PREVIEW_STATUSES = ("new", "booked", "in_recap", "closed", "full", "locked")


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
            requests += self._get_pattern_requests(
                template.registration_id,
                units_by_weekday,
                template.date_from,
                template.date_to,
                open_dates[activity.id],
            )
        return requests

    @api.model
    def _get_pattern_requests(
        self, registration, units_by_weekday, date_from, date_to, days
    ):
        """The booking requests of a weekly pattern: one per day of ``days`` (sorted
        dates: the activity's open days, or every day to show the closed ones too)
        between ``date_from`` and ``date_to`` whose weekday has units in
        ``units_by_weekday`` ({weekday (0 = Monday): [unit id]})."""
        return [
            {"registration_id": registration.id, "unit_id": unit_id, "date": day}
            for day in days
            if date_from <= day <= date_to
            for unit_id in units_by_weekday.get(day.weekday(), ())
        ]

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

    # ------------------------------------------------------ the parents' semaine type
    @api.model
    def _portal_registrations(self, household):
        """The registrations a parent may apply a weekly pattern to: the household's
        validated ones that have not ended."""
        household.check_access("read")
        today = fields.Date.context_today(self)
        return household.registration_ids.filtered(
            lambda r: r.state == "validated" and r.date_end >= today
        ).sorted(lambda r: (r.child_id.first_name or "", r.activity_id.name or ""))

    @api.model
    def _portal_read_pattern(self, household, form):
        """Read a parent's weekly pattern, ``form`` as posted: registration_id, day_0 …
        day_6 (a unit id per weekday, or empty) and date_from, date_to. Returns
        (registration, units_by_weekday, date_from, date_to); raises one
        FieldValidationError naming each wrong field. Another family's registration
        reads as unknown."""
        errors = {}
        registration_id = to_record_id(form.get("registration_id"))
        registration = self._portal_registrations(household).filtered(
            lambda r: r.id == registration_id
        )
        if not registration:
            errors["registration_id"] = _(
                "Choose one of your children's validated registrations."
            )
            check_field_errors(errors)
        # the town's calendar and units are public; the registration is the parent's
        activity = registration.activity_id.sudo()
        units_by_weekday = {}
        for weekday, fname in enumerate(WEEKDAY_FIELDS):
            value = form.get("day_%s" % weekday)
            if not value:
                continue
            unit_id = to_record_id(value)
            if not activity[fname] or unit_id not in activity.unit_ids.ids:
                errors["day_%s" % weekday] = _("Choose a unit of the list.")
            else:
                units_by_weekday[weekday] = [unit_id]
        if not units_by_weekday and not errors:
            errors["day_0"] = _("Choose a unit for at least one weekday.")
        year = activity.school_year_id
        start = max(registration.date_start, year.date_start)
        end = min(registration.date_end, year.date_end)
        dates = {}
        for fname in ("date_from", "date_to"):
            value = form.get(fname)
            dates[fname] = to_date(value)
            if not value:
                errors[fname] = _("Give a date.")
            elif not dates[fname]:
                errors[fname] = _("Give a valid date.")
            elif not start <= dates[fname] <= end:
                errors[fname] = _(
                    "Choose a day from %(start)s to %(end)s (the registration of "
                    "%(child)s to %(activity)s).",
                    start=format_date(self.env, start),
                    end=format_date(self.env, end),
                    child=registration.child_id.first_name,
                    activity=activity.name,
                )
        if (
            "date_from" not in errors
            and "date_to" not in errors
            and dates["date_to"] < dates["date_from"]
        ):
            errors["date_to"] = _("The period must end after it starts.")
        check_field_errors(errors)
        return registration, units_by_weekday, dates["date_from"], dates["date_to"]

    @api.model
    def _portal_preview(self, household, form):
        """The days a parent's weekly pattern would book (see
        :meth:`_portal_read_pattern` for ``form``), checked by the booking engine
        without booking anything. Returns {"registration", "days": [{"date", "unit",
        "status", "reason", "request"}], "requests": the requests of the days to add,
        "waiting": the requests of the full days on the waiting list, "counts":
        {status: number of days}}; ``status`` is one of PREVIEW_STATUSES."""
        registration, units_by_weekday, date_from, date_to = self._portal_read_pattern(
            household, form
        )
        Reservation = self.env["family.reservation"]
        activity = registration.activity_id.sudo()
        every_day = [
            date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)
        ]
        requests = self._get_pattern_requests(
            registration, units_by_weekday, date_from, date_to, every_day
        )
        open_days = set(activity._get_open_dates(date_from, date_to))
        booked = Reservation._get_active_days(registration)
        cart = self.env["family.booking.cart"].search(
            [("household_id", "=", household.id)], limit=1
        )
        pending = {line._key() for line in cart.line_ids}
        verdicts = Reservation._check_bookings(requests)
        units = {unit.id: unit for unit in activity.unit_ids}
        days, to_add, waiting = [], [], []
        counts = dict.fromkeys(PREVIEW_STATUSES, 0)
        for request, verdict in zip(requests, verdicts, strict=True):
            key = (registration.child_id.id, activity.id, request["date"])
            if request["date"] not in open_days:
                status = "closed"
            elif key in booked:
                status = "booked"
            elif ("book", *key) in pending:
                status = "in_recap"
            elif verdict["full"]:
                # as on the planning, a full day may be asked on the waiting list
                status = "full"
                waiting.append(dict(request, waiting_list=True))
            elif verdict["error"]:
                status = "locked"
            else:
                status = "new"
                to_add.append(request)
            counts[status] += 1
            days.append(
                {
                    "date": request["date"],
                    "unit": units[request["unit_id"]],
                    "status": status,
                    "reason": verdict["error"] if status != "new" else None,
                    "request": request,
                }
            )
        return {
            "registration": registration,
            "date_from": date_from,
            "date_to": date_to,
            "days": days,
            "requests": to_add,
            "waiting": waiting,
            "counts": counts,
        }

    @api.model
    def _portal_add_to_recap(self, household, form):
        """Put the days of a parent's weekly pattern that can be booked into the
        family's recap ("Terminer" books them), and its full days as waiting-list
        requests when ``form`` asks for it (``waiting_list``), as ticking a full day of
        the planning does. The preview is computed again here: a day locked or booked
        since it was shown is left out. Returns (number of days added, [error of each
        day refused by the recap])."""
        preview = self._portal_preview(household, form)
        requests = preview["requests"]
        if form.get("waiting_list"):
            requests = requests + preview["waiting"]
        if not requests:
            if preview["waiting"]:
                raise UserError(
                    _(
                        "Every day left is full: tick the waiting list's box to be "
                        "put on it for these days."
                    )
                )
            raise UserError(
                _("None of these days can be booked: nothing was added to your recap.")
            )
        cart = self.env["family.booking.cart"]._get_for_household(household)
        results = cart.add_bookings(sorted(requests, key=lambda r: r["date"]))
        errors = [result["error"] for result in results if result["error"]]
        return len(results) - len(errors), errors
