from odoo import _, api, fields, models


class FamilyBookingCartLine(models.Model):
    """One pending change of a family's booking recap: a day to book or a reservation to
    cancel."""

    _name = "family.booking.cart.line"
    _description = "Booking Recap Line"
    _order = "date, id"

    cart_id = fields.Many2one(
        "family.booking.cart", required=True, ondelete="cascade", index=True
    )
    household_id = fields.Many2one(related="cart_id.household_id", store=True)
    operation = fields.Selection(
        [("book", "Booking"), ("cancel", "Cancellation")], required=True, default="book"
    )
    registration_id = fields.Many2one(
        "family.registration", required=True, ondelete="cascade"
    )
    child_id = fields.Many2one(related="registration_id.child_id", store=True)
    activity_id = fields.Many2one(related="registration_id.activity_id", store=True)
    unit_id = fields.Many2one("family.activity.unit", required=True, ondelete="cascade")
    date = fields.Date(required=True)
    waiting_list = fields.Boolean(
        help="Put the child on the waiting list if the day is full."
    )
    reservation_id = fields.Many2one(
        "family.reservation",
        ondelete="cascade",
        help="The reservation to cancel, or the one booked.",
    )
    tariff_name = fields.Char(string="Tariff")
    currency_id = fields.Many2one(related="cart_id.currency_id")
    price_unit = fields.Monetary(
        string="Price", help="Price of the day with today's quotient familial."
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        help="Negative for a cancellation; nothing for a waiting-list request until "
        "it gets a place.",
    )
    result = fields.Selection(
        [
            ("done", "Done"),
            ("waiting", "On the waiting list"),
            ("payment", "Awaiting payment"),
            ("failed", "Not applied"),
        ],
        readonly=True,
    )
    result_message = fields.Char(readonly=True)

    @api.depends("operation", "price_unit", "waiting_list", "result")
    def _compute_amount(self):
        for line in self:
            if line.operation == "cancel":
                line.amount = -line.price_unit
            elif line.waiting_list and line.result not in ("done", "payment"):
                # a day asked on the waiting list costs nothing until a place is
                # given (booked at once by Terminer when one has freed up meanwhile)
                line.amount = 0.0
            else:
                line.amount = line.price_unit

    @api.depends("date", "child_id", "unit_id", "operation")
    def _compute_display_name(self):
        operations = dict(self._fields["operation"]._description_selection(self.env))
        for line in self:
            line.display_name = "%s – %s – %s – %s" % (
                operations.get(line.operation, ""),
                self.env["family.reservation"]._day_label(line.date)
                if line.date
                else "",
                line.child_id.first_name or "",
                line.unit_id.display_name or "",
            )

    def _key(self):
        self.ensure_one()
        return (self.operation, self.child_id.id, self.activity_id.id, self.date)

    def _get_deadline_label(self):
        """Until when this change can still be made: "modifiable until Thursday 20
        November at 23:59" (the activity's booking or cancellation deadline), or
        None."""
        self.ensure_one()
        # the town's calendar is public; the line is the family's own
        return self.sudo().activity_id._get_deadline_label(
            self.date, "cancel" if self.operation == "cancel" else "book"
        )

    def _get_result(self):
        """What "Terminer" did with this line, as plain values for the confirmation
        page."""
        self.ensure_one()
        messages = {
            "done": _("Booked") if self.operation == "book" else _("Cancelled"),
            "waiting": _(
                "On the waiting list: you will be told by e-mail if a place frees up."
            ),
            "payment": _(
                "Held for you: booked once paid online, freed if not paid in time."
            ),
        }
        return {
            "line": self.display_name,
            "operation": self.operation,
            "date": self.date,
            "child": self.child_id.name,
            "unit": self.unit_id.display_name,
            "ok": self.result != "failed",
            "state": self.result,
            "message": self.result_message or messages.get(self.result, ""),
            "amount": 0.0 if self.result in ("failed", "waiting") else self.amount,
            "reservation_id": self.reservation_id.id,
        }
