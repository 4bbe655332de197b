from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.family_activity import WEEKDAY_FIELDS


class FamilyCounterBooking(models.TransientModel):
    """Staff book days at the counter for a family (a parent without internet, a
    phone call): the same engine, rules and places as the portal; a manager may book
    past the deadline, which is recorded as an override."""

    _name = "family.counter.booking"
    _description = "Booking at the Counter"

    registration_id = fields.Many2one(
        "family.registration",
        required=True,
        domain=[("state", "=", "validated")],
    )
    activity_id = fields.Many2one(related="registration_id.activity_id")
    unit_id = fields.Many2one(
        "family.activity.unit",
        required=True,
        domain="[('activity_id', '=', activity_id)]",
    )
    date_from = fields.Date(
        string="From", required=True, default=fields.Date.context_today
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    monday = fields.Boolean(default=True)
    tuesday = fields.Boolean(default=True)
    wednesday = fields.Boolean(default=True)
    thursday = fields.Boolean(default=True)
    friday = fields.Boolean(default=True)
    saturday = fields.Boolean(default=True)
    sunday = fields.Boolean(default=True)
    waiting_list = fields.Boolean(
        string="Waiting list when full",
        help="A full day puts the child on its waiting list instead of refusing it.",
    )
    override = fields.Boolean(
        string="Past the deadline",
        help="Managers only: book even if the family's deadline is past. Recorded on "
        "each reservation.",
    )
    result = fields.Text(readonly=True)

    @api.onchange("registration_id")
    def _onchange_registration_id(self):
        registration = self.registration_id
        self.unit_id = registration.unit_id or registration.activity_id.unit_ids[:1]

    def _requests(self):
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(_("The end date is before the start date."))
        weekdays = {i for i, fname in enumerate(WEEKDAY_FIELDS) if self[fname]}
        days = [
            day
            for day in self.activity_id._get_open_dates(self.date_from, self.date_to)
            if day.weekday() in weekdays
        ]
        if not days:
            raise UserError(
                _(
                    "%(activity)s does not run on the chosen days between %(start)s "
                    "and %(end)s.",
                    activity=self.activity_id.display_name,
                    start=self.env["family.reservation"]._day_label(self.date_from),
                    end=self.env["family.reservation"]._day_label(self.date_to),
                )
            )
        return [
            {
                "registration_id": self.registration_id.id,
                "unit_id": self.unit_id.id,
                "date": day,
                "waiting_list": self.waiting_list,
            }
            for day in days
        ]

    def action_book(self):
        self.ensure_one()
        self.registration_id.check_access("write")
        if self.override and not self.env.user.has_group(
            "portail_famille.group_family_manager"
        ):
            raise UserError(_("Only a manager may book past the deadline."))
        requests = self._requests()
        Reservation = self.env["family.reservation"].with_context(
            booking_override=self.override
        )
        results = Reservation._book(requests)
        booked = [r["reservation"] for r in results if r["state"] == "reserved"]
        waiting = [r["reservation"] for r in results if r["state"] == "waiting"]
        errors = [r["error"] for r in results if r["error"]]
        lines = [
            _(
                "Booked at the counter for %(child)s, %(unit)s: %(booked)s day(s), "
                "%(waiting)s on the waiting list, %(refused)s refused.",
                child=self.registration_id.child_id.name,
                unit=self.unit_id.display_name,
                booked=len(booked),
                waiting=len(waiting),
                refused=len(errors),
            )
        ]
        lines += errors
        self.result = "\n".join(lines)
        if booked or waiting:
            days = ", ".join(Reservation._day_label(r.date) for r in booked + waiting)
            self.registration_id.message_post(
                body=_(
                    "Booked at the counter by %(user)s: %(days)s.",
                    user=self.env.user.name,
                    days=days,
                ),
                subtype_xmlid="mail.mt_comment",
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Book at the counter"),
        }
