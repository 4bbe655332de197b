from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import to_record_id


class FamilyBookingCart(models.Model):
    """Récapitulatif: a family's pending booking changes (days to book, reservations to
    cancel, for all its children), priced line by line, kept in the database so that it
    survives a logout.

    The portal adds lines with :meth:`add_bookings` / :meth:`add_cancellations`;
    "Terminer" is :meth:`action_confirm`, which applies every line in one transaction,
    reports each line's result (a line that became impossible is reported, the others
    still apply) and e-mails the recap; "Tout supprimer" is :meth:`action_clear`."""

    _name = "family.booking.cart"
    _description = "Booking Recap"
    _order = "write_date desc, id desc"
    _rec_name = "household_id"

    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    line_ids = fields.One2many("family.booking.cart.line", "cart_id", string="Changes")
    line_count = fields.Integer(string="Number of Changes", compute="_compute_amounts")
    currency_id = fields.Many2one("res.currency", compute="_compute_amounts")
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_amounts",
        help="Bookings minus cancellations of the pending changes.",
    )
    last_confirm_date = fields.Datetime(string="Last Finished", readonly=True)

    _sql_constraints = [
        ("household_uniq", "UNIQUE(household_id)", "A family has one booking recap."),
    ]

    @api.depends("line_ids.amount")
    def _compute_amounts(self):
        for cart in self:
            cart.line_count = len(cart.line_ids)
            cart.currency_id = cart.env.company.currency_id
            cart.amount_total = sum(cart.line_ids.mapped("amount"))

    @api.model
    def _get_for_household(self, household):
        """The recap of ``household`` (created on first use), as the calling user:
        record rules keep a parent on their own family."""
        household.ensure_one()
        household.check_access("read")
        cart = self.search([("household_id", "=", household.id)], limit=1)
        # sudo: parents have no create right; the household is theirs (checked above)
        return cart or self.sudo().create({"household_id": household.id}).with_env(
            self.env
        )

    def _check_household_access(self):
        """Parents change their own family's recap only (record rules); staff need the
        write right. The recap's lines are then written with sudo: parents have no write
        right on them."""
        self.check_access("write" if self.env.user._is_internal() else "read")

    # -------------------------------------------------------------- adding and removing
    def add_bookings(self, requests, raise_on_error=False):
        """Add days to book: ``requests`` as for :meth:`family.reservation._book`
        ({registration_id, unit_id, date, waiting_list}). Returns one {"line", "error"}
        per request; a day that cannot be booked (closed, deadline passed, already
        booked, another family's child…) is reported and the others are still added. A
        request that is not one (a key missing, a date that is no date, an id that is
        not one) is reported the same way. Asking again for a day whose cancellation is
        in the recap takes the cancellation back instead."""
        self.ensure_one()
        self._check_household_access()
        Reservation = self.env["family.reservation"]
        Line = self.env["family.booking.cart.line"]
        requests = Reservation._read_requests(requests)
        # another family's registration reads as unknown: its child is not named in the
        # message
        _registrations, units, by_registration, by_unit = (
            Reservation._requested_records(requests)
        )
        by_registration = {
            registration_id: registration
            for registration_id, registration in by_registration.items()
            if registration.household_id == self.household_id
        }
        for request in requests:
            if request["registration_id"] not in by_registration:
                request["registration_id"] = None

        pending = {line._key(): line for line in self.line_ids}
        results, to_check, to_unlink = [], [], Line
        for request in requests:
            result = {"line": Line, "error": request["error"]}
            results.append(result)
            if request["error"]:
                if raise_on_error:
                    raise ValidationError(request["error"])
                continue
            registration = by_registration.get(
                request["registration_id"], Line.registration_id.browse()
            )
            unit = by_unit.get(request["unit_id"], units.browse())
            key = (
                registration.child_id.id,
                registration.activity_id.id,
                request["date"],
            )
            cancel_line = pending.get(("cancel", *key))
            if cancel_line and cancel_line.unit_id == unit:
                # the parent ticks again a day they were cancelling: keep the
                # reservation
                pending.pop(("cancel", *key))
                to_unlink |= cancel_line
                continue
            # a day being cancelled in this recap is free again for another unit
            request["released"] = ("cancel", *key) in pending
            to_check.append((result, request, registration, unit, key))
        verdicts = Reservation._check_bookings(
            [request for _r, request, _g, _u, _k in to_check]
        )
        vals_list, created = [], []
        for (result, request, registration, unit, key), verdict in zip(
            to_check, verdicts, strict=True
        ):
            day = request["date"]
            if ("book", *key) in pending:
                result["error"] = _(
                    "%(day)s: %(child)s is already in your recap for %(activity)s.",
                    day=Reservation._day_label(day),
                    child=registration.child_id.name,
                    activity=registration.activity_id.name,
                )
            elif not verdict["full"]:
                result["error"] = verdict["error"]
            if result["error"]:
                if raise_on_error:
                    raise ValidationError(result["error"])
                continue
            tariff = unit._get_tariff(registration.household_id, day)
            pending[("book", *key)] = True
            created.append((result, verdict))
            vals_list.append(
                {
                    "cart_id": self.id,
                    "operation": "book",
                    "registration_id": registration.id,
                    "unit_id": unit.id,
                    "date": day,
                    "waiting_list": request["waiting_list"],
                    "tariff_name": tariff.name,
                    "price_unit": tariff.price,
                }
            )
        # a full day is said at once, so that the parent can ask for the waiting list
        # instead
        kept = []
        for (result, verdict), vals in zip(created, vals_list, strict=True):
            if verdict["error"]:
                result["error"] = verdict["error"]
                if raise_on_error:
                    raise ValidationError(result["error"])
            else:
                kept.append((result, vals))
        to_unlink.sudo().unlink()
        lines = Line.sudo().create([vals for _result, vals in kept]).with_env(self.env)
        for (result, _vals), line in zip(kept, lines, strict=True):
            result["line"] = line
        return results

    def add_cancellations(self, reservations, raise_on_error=False):
        """Add reservations to cancel: ``reservations`` is a recordset, or a list of ids
        (an RPC call). Returns {reservation_id: error or None}; a reservation that
        cannot be cancelled (deadline passed, invoiced, attendance recorded…), or that
        is not one of the family's (another family's, an id that does not exist or is
        not one), is reported and the others are still added. Cancelling a day booked in
        this same recap just removes that line."""
        self.ensure_one()
        self._check_household_access()
        Reservation = self.env["family.reservation"]
        if isinstance(reservations, models.BaseModel):
            if reservations._name != Reservation._name:
                raise UserError(_("Only reservations can be cancelled."))
            reservations = reservations.ids
        elif not isinstance(reservations, list | tuple):
            reservations = [reservations]
        read = [(to_record_id(value), value) for value in reservations]
        # another family's reservation reads as unknown: its day is not named in the
        # message
        found = Reservation.browse(
            {record_id for record_id, _value in read if record_id}
        ).exists()
        by_id = {
            reservation.id: reservation
            for reservation in found._filtered_access("read")
            if reservation.household_id == self.household_id
        }
        pending = {line._key(): line for line in self.line_ids}
        verdicts = Reservation.browse(by_id)._check_cancellations()
        results, vals_list = {}, []
        for record_id, value in read:
            reservation = by_id.get(record_id)
            if not reservation:
                error = _("This reservation is not one of your family's.")
                results[record_id or str(value)] = error
                if raise_on_error:
                    raise ValidationError(error)
                continue
            key = (
                "cancel",
                reservation.child_id.id,
                reservation.activity_id.id,
                reservation.date,
            )
            error = verdicts[reservation.id]
            if not error and key in pending:
                error = _(
                    "%(day)s: the cancellation is already in your recap.",
                    day=Reservation._day_label(reservation.date),
                )
            results[reservation.id] = error
            if error:
                if raise_on_error:
                    raise ValidationError(error)
                continue
            pending[key] = True
            vals_list.append(
                {
                    "cart_id": self.id,
                    "operation": "cancel",
                    "reservation_id": reservation.id,
                    "registration_id": reservation.registration_id.id,
                    "unit_id": reservation.unit_id.id,
                    "date": reservation.date,
                    "tariff_name": reservation.tariff_name,
                    "price_unit": reservation.price_unit
                    if reservation.state == "reserved"
                    else 0.0,
                }
            )
        self.env["family.booking.cart.line"].sudo().create(vals_list)
        return results

    def action_clear(self):
        """Tout supprimer: forget every pending change."""
        self._check_household_access()
        self.line_ids.sudo().unlink()
        return True

    def _remove_lines(self, lines):
        """Retirer: forget some pending changes of this recap (lines of another recap
        are ignored)."""
        self.ensure_one()
        self._check_household_access()
        (lines & self.line_ids).sudo().unlink()
        return True

    # ------------------------------------------------------------------ Terminer
    def action_confirm(self):
        """Terminer: apply the pending changes in one transaction, cancellations first
        (a freed day can then be booked again). Returns one result per line, in the
        recap's order: {"line": description, "operation", "date", "child", "unit", "ok":
        bool, "message", "amount", "state"}. The applied lines are e-mailed to the
        family; the recap is then empty."""
        self.ensure_one()
        self._check_household_access()
        # one "Terminer" at a time per family: a double click waits, then finds the
        # recap empty
        self.env.cr.execute(
            SQL("SELECT id FROM family_booking_cart WHERE id = %s FOR UPDATE", self.id)
        )
        self.invalidate_recordset(["line_ids"])
        lines = self.line_ids.sorted(
            lambda line: (
                line.operation != "cancel",
                line.date,
                line.child_id.name or "",
                line.id,
            )
        )
        if not lines:
            raise UserError(_("Your recap is empty: there is nothing to finish."))
        # one savepoint: if anything fails (an invoice that cannot be written), nothing
        # is applied and the recap stays as it was, even when the caller goes on
        with self.env.cr.savepoint():
            return self._apply_lines(lines)

    def _apply_lines(self, lines):
        Reservation = self.env["family.reservation"]

        cancel_lines = lines.filtered(lambda line: line.operation == "cancel")
        cancel_errors = cancel_lines.reservation_id._cancel() if cancel_lines else {}
        for line in cancel_lines:
            error = (
                cancel_errors.get(line.reservation_id.id)
                if line.reservation_id
                else _(
                    "%(day)s: this reservation no longer exists.",
                    day=Reservation._day_label(line.date),
                )
            )
            line.sudo().write(
                {
                    "result": "failed" if error else "done",
                    "result_message": error or False,
                }
            )

        book_lines = lines - cancel_lines
        book_results = Reservation._book(
            [
                {
                    "registration_id": line.registration_id.id,
                    "unit_id": line.unit_id.id,
                    "date": line.date,
                    "waiting_list": line.waiting_list,
                }
                for line in book_lines
            ]
        )
        for line, result in zip(book_lines, book_results, strict=True):
            reservation = result["reservation"]
            line.sudo().write(
                {
                    "result": "failed"
                    if result["error"]
                    else ("waiting" if result["state"] == "waiting" else "done"),
                    "result_message": result["error"] or False,
                    "reservation_id": reservation.id or line.reservation_id.id,
                    # the price actually frozen on the reservation (the QF may have
                    # changed since the line was added)
                    "price_unit": reservation.price_unit
                    if reservation
                    else line.price_unit,
                }
            )

        invoice = self._hold_for_payment(book_lines)
        results = [line._get_result() for line in lines]
        for result in results:
            result["payment_invoice_id"] = (
                invoice.id if result["state"] == "payment" else False
            )
        self.sudo().last_confirm_date = fields.Datetime.now()
        if lines.filtered(lambda line: line.result in ("done", "waiting")):
            self._send_recap()
        lines.sudo().unlink()
        return results

    def _hold_for_payment(self, book_lines):
        """The days just booked of activities paid immediately (seed 004 "Paiement
        immédiat") are held for the family: one invoice for them, to pay online before
        the company's delay (account.move._family_hold_create). Returns the invoice (or
        an empty recordset)."""
        held = book_lines.filtered(
            lambda line: line.result == "done"
            and line.sudo().activity_id.immediate_payment
        )
        if not held:
            return self.env["account.move"]
        invoice = self.env["account.move"]._family_hold_create(
            self.household_id, held.reservation_id
        )
        held.sudo().write({"result": "payment"})
        return invoice

    def _send_recap(self):
        """E-mail the family the changes just applied, through the mail queue."""
        template = self.env.ref("portail_famille.mail_template_booking_recap")
        # sudo: the parent may not read mail templates; the rendering stays on this
        # recap only
        template.sudo().send_mail(
            self.id, email_layout_xmlid="mail.mail_notification_light"
        )

    # ------------------------------------------------------------------ planning
    @api.model
    def _get_planning(self, child, date_from, date_to):
        """The booking grid of ``child`` between two dates, as the calling parent sees
        it: one row per unit of each validated registration running then, one cell per
        day. A cell says whether the day can be ticked and why not (closed, deadline
        passed, attendance recorded), whether it is booked, on the waiting list or full,
        and what the recap changes about it.

        Returns {"days": [date], "bookable_days": [date], "rows": [{"registration",
        "activity", "unit", "activity_name", "unit_name", "price", "cells": [cell]}]},
        with cell {"date", "key", "status", "checked", "editable", "full", "pending",
        "reason", "reservation"}; ``status`` is one of closed, free, booked, waiting,
        attended, absent, other_unit, payment_pending (held until its immediate payment
        is done); ``pending`` is "add", "remove" or False."""
        child.ensure_one()
        child.check_access("read")
        Reservation = self.env["family.reservation"]
        household = child.household_id
        registrations = child.registration_ids.filtered(
            lambda r: r.state == "validated"
            and r.date_start <= date_to
            and r.date_end >= date_from
        ).sorted(lambda r: (r.activity_id.kind or "", r.activity_id.name))
        days = [
            date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)
        ]
        activities = registrations.activity_id
        reservations = Reservation.search(
            [
                ("child_id", "=", child.id),
                ("activity_id", "in", activities.ids),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("state", "!=", "cancelled"),
            ]
        )
        by_day = {(r.activity_id.id, r.date): r for r in reservations}
        counts = (
            self.env["family.activity.place"]
            .sudo()
            ._get_counts(activities.ids, date_from, date_to)
        )
        cart = self.search([("household_id", "=", household.id)], limit=1)
        pending = {line._key(): line for line in cart.line_ids}
        rows = []
        # the QF in force, per first open day (one query per distinct day, not per unit)
        quotients = {}
        for registration in registrations:
            # the town's calendar, units and tariffs are public: read them without the
            # record rules, once
            # the child (hence the registration) is known to be the caller's
            activity = registration.activity_id.sudo()
            open_days = set(activity._get_open_dates(date_from, date_to))
            deadlines = {
                action: Reservation._get_deadline_errors(activity, open_days, action)
                for action in ("book", "cancel")
            }
            price_day = min(
                (
                    d
                    for d in open_days
                    if registration.date_start <= d <= registration.date_end
                ),
                default=None,
            )
            if price_day and price_day not in quotients:
                quotients[price_day] = household._get_quotient_value(price_day)
            for unit in activity.unit_ids:
                cells = []
                for day in days:
                    cells.append(
                        self._get_planning_cell(
                            registration,
                            unit,
                            day,
                            open_days,
                            deadlines,
                            by_day.get((activity.id, day)),
                            counts,
                            pending,
                        )
                    )
                if all(cell["status"] == "closed" for cell in cells):
                    continue
                rows.append(
                    {
                        "key": self._planning_row_key(registration, unit),
                        "registration": registration,
                        "activity": activity,
                        "unit": unit,
                        "cells": cells,
                        "activity_name": activity.name,
                        "unit_name": unit.name,
                        "price": unit._get_tariff_for(
                            household.is_resident, quotients[price_day]
                        ).price
                        if price_day and unit.tariff_ids
                        else None,
                    }
                )
        open_days = {
            cell["date"]
            for row in rows
            for cell in row["cells"]
            if cell["status"] != "closed"
        }
        return {
            "days": days,
            "rows": rows,
            "bookable_days": [day for day in days if day in open_days],
        }

    @api.model
    def _get_planning_cell(
        self,
        registration,
        unit,
        day,
        open_days,
        deadlines,
        reservation,
        counts,
        pending,
    ):
        """One day of a planning row; ``deadlines`` = {"book"|"cancel": {day: why the
        day can no longer be booked or cancelled, or None}}. A booked day follows the
        cancellation deadline, a free one the booking deadline; "limit" says until when
        the parent may still change it."""
        activity = registration.activity_id
        cell = {
            "date": day,
            "key": self._planning_cell_key(registration, unit, day),
            "status": "free",
            "checked": False,
            "editable": False,
            "full": False,
            "pending": False,
            "reason": None,
            "limit": None,
            "reservation": reservation,
        }
        if (
            day not in open_days
            or not registration.date_start <= day <= registration.date_end
        ):
            cell["status"] = "closed"
            return cell
        child_key = (registration.child_id.id, activity.id, day)
        if reservation and reservation.unit_id != unit:
            cell.update(
                status="other_unit",
                reason=_("Already booked for %(unit)s.", unit=reservation.unit_id.name),
            )
        elif reservation:
            cell["status"] = {
                "reserved": "booked",
                "waiting": "waiting",
                "attended": "attended",
            }.get(reservation.state, "absent")
            if reservation.payment_pending:
                cell["status"] = "payment_pending"
            cell["checked"] = True
            if ("cancel", *child_key) in pending:
                cell.update(checked=False, pending="remove")
        if ("book", *child_key) in pending and pending[
            ("book", *child_key)
        ].unit_id == unit:
            cell.update(checked=True, pending="add")
        if cell["status"] in ("attended", "absent"):
            cell["reason"] = _("Attendance is already recorded.")
        elif cell["status"] == "payment_pending":
            cell["reason"] = _(
                "Awaiting payment: the day is held for you until your online payment "
                "is done, and freed if it is not done in time."
            )
        else:
            # a booked day is changed by cancelling it; a day booked for another unit
            # by both
            action = "cancel" if reservation else "book"
            deadline_error = deadlines[action].get(day)
            if cell["status"] == "other_unit":
                deadline_error = deadline_error or deadlines["book"].get(day)
            if deadline_error:
                cell["reason"] = deadline_error
            else:
                cell["editable"] = (
                    cell["status"] != "other_unit" or ("cancel", *child_key) in pending
                )
                # the town's calendar is public (see _get_planning)
                cell["limit"] = activity.sudo()._get_deadline_label(day, action)
        if cell["status"] == "free" and not cell["pending"]:
            cell["full"] = self.env["family.activity.place"]._is_full(
                activity, unit, day, counts
            )
        return cell

    def _apply_planning(self, child, date_from, date_to, checked_keys, fill_keys=()):
        """Turn the ticks of the planning form into recap lines. ``checked_keys``: the
        cell keys ticked; ``fill_keys``: "registration-unit" rows to tick on every day
        that can be (the whole month). Only the cells the parent could edit are looked
        at: any other key (a tampered form) is refused. Returns the list of error
        messages; the rest of the changes are kept."""
        self.ensure_one()
        planning = self._get_planning(child, date_from, date_to)
        checked = set(checked_keys)
        cells = {
            cell["key"]: (row, cell)
            for row in planning["rows"]
            for cell in row["cells"]
        }
        errors = []
        unknown = checked - {
            key for key, (_row, cell) in cells.items() if cell["editable"]
        }
        # a day that is ticked and cannot be edited is fine if it already was (a locked
        # booked day)
        unknown = {
            key for key in unknown if not (key in cells and cells[key][1]["checked"])
        }
        if unknown:
            errors.append(
                _(
                    "Some of the days sent cannot be changed here; "
                    "they were left as they were."
                )
            )
        fill_keys = set(fill_keys)
        for row in planning["rows"]:
            if row["key"] in fill_keys:
                checked.update(
                    cell["key"]
                    for cell in row["cells"]
                    if cell["editable"]
                    and not cell["full"]
                    and cell["status"] == "free"
                )
        to_book, to_cancel, to_forget = (
            [],
            self.env["family.reservation"],
            self.env["family.booking.cart.line"],
        )
        pending = {line._key(): line for line in self.line_ids}
        for key, (row, cell) in cells.items():
            if not cell["editable"]:
                continue
            wanted = key in checked
            if wanted == cell["checked"]:
                continue
            child_key = (child.id, row["activity"].id, cell["date"])
            if wanted:
                to_book.append(
                    {
                        "registration_id": row["registration"].id,
                        "unit_id": row["unit"].id,
                        "date": cell["date"],
                        "waiting_list": cell["full"],
                    }
                )
            elif cell["pending"] == "add":
                to_forget |= pending[("book", *child_key)]
            else:
                to_cancel |= cell["reservation"]
        to_forget.sudo().unlink()
        if to_cancel:
            errors += [
                error for error in self.add_cancellations(to_cancel).values() if error
            ]
        if to_book:
            errors += [
                result["error"]
                for result in self.add_bookings(to_book)
                if result["error"]
            ]
        return errors

    @api.model
    def _planning_row_key(self, registration, unit):
        """The key of a planning row (a unit of a registration), as the form sends it to
        fill a whole row."""
        return "%s-%s" % (registration.id, unit.id)

    @api.model
    def _planning_cell_key(self, registration, unit, day):
        """The key of a planning cell, as the form sends it when the day is ticked: the
        row's key and the day."""
        return "%s-%s" % (self._planning_row_key(registration, unit), day.isoformat())

    # ------------------------------------------------------------------ helpers
    def _get_recap_lines(self):
        """Lines of the e-mail recap: the applied ones, then those that failed."""
        return self.line_ids.filtered(
            lambda line: line.result in ("done", "waiting")
        ).sorted(lambda line: (line.date, line.child_id.name or "", line.id))

    def _get_immediate_payment_lines(self):
        """The days of the recap to pay online on "Terminer" (activities paid
        immediately; a waiting-list request is not paid before it gets a place)."""
        return self.line_ids.filtered(
            lambda line: line.operation == "book"
            and not line.waiting_list
            and line.sudo().activity_id.immediate_payment
        ).sorted(lambda line: (line.date, line.child_id.first_name or "", line.id))

    def _get_failed_lines(self):
        return self.line_ids.filtered(lambda line: line.result == "failed")
