from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError

from .test_billing_run import BillingCommon

NOW = datetime(2025, 11, 3, 10, 0)


class ImmediatePaymentCommon(BillingCommon):
    """The Wednesday leisure centre (2 places a day, 4.00 for MARTIN, 10.40 for DURAND)
    is paid immediately; the restaurant is billed at the month's end. The town holds
    unpaid days 30 minutes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.act_wednesday.immediate_payment = True
        cls.env.company.family_payment_hold_minutes = 30
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})
        cls.Cart = cls.env["family.booking.cart"]

    def _finish(self, parent, household, requests):
        """The parent adds days to the recap and presses "Terminer"."""
        cart = self.Cart.with_user(parent)._get_for_household(
            household.with_user(parent)
        )
        added = cart.add_bookings(
            [
                {
                    "registration_id": registration.id,
                    "unit_id": registration.activity_id.unit_ids[:1].id,
                    "date": day,
                    "waiting_list": waiting,
                }
                for registration, day, waiting in requests
            ]
        )
        self.assertFalse([r["error"] for r in added if r["error"]])
        return cart.action_confirm()

    def _hold(self):
        """MARTIN books Léa on two Wednesdays (paid now) and a meal (billed later)."""
        results = self._finish(
            self.parent_a,
            self.household_a,
            [
                (self.reg_a1_wed, "2025-11-19", False),
                (self.reg_a1_wed, "2025-11-26", False),
                (self.reg_a1_resto, "2025-12-01", False),
            ],
        )
        invoice = self.env["account.move"].browse(
            {r["payment_invoice_id"] for r in results if r["payment_invoice_id"]}
        )
        return results, invoice

    def _pay(self, invoice, state="done"):
        """A payment of ``invoice`` with Odoo's demo provider, as its payment form
        makes it, then post-processed as the payment status page does."""
        return self._end_payment(self._start_payment(invoice), state)

    def _start_payment(self, invoice):
        """The transaction the payment form creates for ``invoice``."""
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.provider.payment_method_ids[:1].id,
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": self.parent_a.partner_id.id,
                    "operation": "online_direct",
                    "invoice_ids": [(6, 0, invoice.ids)],
                }
            )
        )

    def _end_payment(self, tx, state="done"):
        """The provider's answer, then the post-processing."""
        tx._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": state}
        )
        tx._post_process()
        return tx

    def _fill_the_19th(self):
        """MARTIN holds both places of Wednesday 19 November (Léa and Tom); returns
        the invoice to pay."""
        results = self._finish(
            self.parent_a,
            self.household_a,
            [
                (self.reg_a1_wed, "2025-11-19", False),
                (self.reg_a2_wed, "2025-11-19", False),
            ],
        )
        return self.env["account.move"].browse(results[0]["payment_invoice_id"])

    def _days(self, invoice):
        return self.Reservation.search(
            [("invoice_line_id", "in", invoice.line_ids.ids)], order="date"
        )

    def _places_taken(self, day):
        counts = self.env["family.activity.place"]._get_counts(
            self.act_wednesday.ids, day, day
        )
        return sum(
            count
            for key, count in counts.items()
            if key[0] == self.act_wednesday.id and not key[1]
        )


class TestImmediatePayment(ImmediatePaymentCommon):
    @freeze_time(NOW)
    def test_finish_holds_the_days_and_posts_their_invoice(self):
        results, invoice = self._hold()
        by_day = {r["date"].isoformat(): r for r in results}
        self.assertEqual(by_day["2025-11-19"]["state"], "payment")
        self.assertIn("payé", by_day["2025-11-19"]["message"])
        self.assertEqual(by_day["2025-12-01"]["state"], "done")
        self.assertFalse(by_day["2025-12-01"]["payment_invoice_id"])

        # the invoice: posted, exactly the two Wednesdays, due within 30 minutes
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.household_a.partner_id)
        self.assertEqual(invoice.family_hold_state, "held")
        self.assertEqual(invoice.family_hold_deadline, NOW + timedelta(minutes=30))
        self.assertEqual(invoice.amount_total, 8.00)
        self.assertEqual(
            invoice.invoice_line_ids.mapped("name"),
            ["Léa MARTIN – Après-midi AVEC repas – CL DEMI-JOURNEE T1 : 19, 26 nov."],
        )
        # the days: booked (their places taken), held, linked to the invoice as a
        # billing run links them
        days = self._days(invoice)
        self.assertEqual(
            [d.isoformat() for d in days.mapped("date")], ["2025-11-19", "2025-11-26"]
        )
        self.assertEqual(set(days.mapped("state")), {"reserved"})
        self.assertEqual(set(days.mapped("payment_pending")), {True})
        self.assertEqual(set(days.mapped("invoiced")), {True})
        self.assertEqual(set(days.mapped("billed_amount")), {4.00})
        self.assertEqual(self._places_taken(days[0].date), 1)
        # the meal is booked as usual, billed at the month's end
        meal = self.Reservation.search([("registration_id", "=", self.reg_a1_resto.id)])
        self.assertEqual(
            (meal.state, meal.payment_pending, meal.invoiced),
            ("reserved", False, False),
        )
        # the recap e-mail lists the meal; the held days wait for their payment
        self.assertTrue(
            self.env["mail.mail"].search([("model", "=", "family.booking.cart")])
        )

    @freeze_time(NOW)
    def test_a_held_day_is_shown_awaiting_payment_and_cannot_be_cancelled(self):
        self._hold()
        planning = self.Cart.with_user(self.parent_a)._get_planning(
            self.child_a1.with_user(self.parent_a),
            self._date("2025-11-17"),
            self._date("2025-11-23"),
        )
        (cell,) = [
            cell
            for row in planning["rows"]
            for cell in row["cells"]
            if row["activity"] == self.act_wednesday
            and cell["date"].isoformat() == "2025-11-19"
        ]
        self.assertEqual(cell["status"], "payment_pending")
        self.assertTrue(cell["checked"])
        self.assertFalse(cell["editable"])
        self.assertIn("paiement", cell["reason"])

    @freeze_time(NOW)
    def test_payment_done_confirms_the_days(self):
        _results, invoice = self._hold()
        with freeze_time(NOW + timedelta(minutes=5)):
            tx = self._pay(invoice)
        self.assertEqual(tx.state, "done")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.family_hold_state, "paid")
        days = self._days(invoice)
        self.assertEqual(set(days.mapped("payment_pending")), {False})
        self.assertEqual(set(days.mapped("state")), {"reserved"})
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertIn("Paiement reçu", mail.subject)
        self.assertIn("mer. 19/11/2025", mail.body_html)
        # long after the delay, nothing is freed
        with freeze_time(NOW + timedelta(hours=2)):
            self.env["account.move"]._cron_family_release_holds()
        self.assertEqual(set(days.mapped("state")), {"reserved"})

    @freeze_time(NOW)
    def test_abandoned_payment_frees_the_places_after_the_delay(self):
        # Léa and Tom take both places of 19 November; Hugo (DURAND) waits
        invoice = self._fill_the_19th()
        self.assertEqual(self._places_taken(self._date("2025-11-19")), 2)
        refused = self.Reservation.with_user(self.parent_b)._book(
            [
                {
                    "registration_id": self.reg_b1_wed.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-19",
                }
            ]
        )[0]
        self.assertIn("complet", refused["error"])

        # 29 minutes later: still held
        with freeze_time(NOW + timedelta(minutes=29)):
            self.assertFalse(self.env["account.move"]._cron_family_release_holds())
        self.assertEqual(invoice.family_hold_state, "held")
        days = self._days(invoice)
        self.assertEqual(set(days.mapped("state")), {"reserved"})

        # 31 minutes: the days are freed, the invoice is credited, the family told
        with freeze_time(NOW + timedelta(minutes=31)):
            released = self.env["account.move"]._cron_family_release_holds()
        self.assertEqual(released, invoice)
        self.assertEqual(invoice.family_hold_state, "released")
        self.assertEqual(set(days.mapped("state")), {"cancelled"})
        self.assertEqual(set(days.mapped("payment_pending")), {False})
        self.assertEqual(set(days.mapped("billed_amount")), {0.0})
        self.assertEqual(self._places_taken(self._date("2025-11-19")), 0)
        refund = invoice.reversal_move_ids
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.amount_total, 8.00)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(invoice.amount_residual, 0.0)
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertIn("pas été payées à temps", mail.subject)
        # the planning shows the days free again; another family books the place
        booked = self.Reservation.with_user(self.parent_b)._book(
            [
                {
                    "registration_id": self.reg_b1_wed.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-19",
                }
            ]
        )[0]
        self.assertFalse(booked["error"])
        self.assertEqual(booked["reservation"].state, "reserved")
        # the released invoice cannot be paid from the portal any more
        with self.assertRaisesRegex(Exception, "déjà payée"):
            self.household_a.with_user(self.parent_a)._portal_invoices_to_pay(
                invoice.ids
            )

    @freeze_time(NOW)
    def test_release_gives_the_place_to_the_waiting_list(self):
        invoice = self._fill_the_19th()
        waiting = self._finish(
            self.parent_b, self.household_b, [(self.reg_b1_wed, "2025-11-19", True)]
        )
        self.assertEqual(waiting[0]["state"], "waiting")
        hugo = self.Reservation.search([("registration_id", "=", self.reg_b1_wed.id)])
        self.assertEqual(hugo.state, "waiting")
        self.assertFalse(hugo.payment_pending)
        with freeze_time(NOW + timedelta(minutes=31)):
            self.env["account.move"]._cron_family_release_holds()
        self.assertEqual(invoice.family_hold_state, "released")
        self.assertEqual(hugo.state, "reserved")

    @freeze_time(NOW)
    def test_failed_payment_keeps_the_hold_until_the_delay(self):
        _results, invoice = self._hold()
        with freeze_time(NOW + timedelta(minutes=2)):
            tx = self._pay(invoice, state="error")
        self.assertEqual(tx.state, "error")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.family_hold_state, "held")
        days = self._days(invoice)
        self.assertEqual(set(days.mapped("payment_pending")), {True})
        # the family may try again within the delay: a cancelled attempt, then a
        # successful one
        with freeze_time(NOW + timedelta(minutes=4)):
            self.assertEqual(self._pay(invoice, state="cancel").state, "cancel")
            self.assertEqual(invoice.family_hold_state, "held")
        with freeze_time(NOW + timedelta(minutes=31)):
            self.env["account.move"]._cron_family_release_holds()
        self.assertEqual(invoice.family_hold_state, "released")
        self.assertEqual(set(days.mapped("state")), {"cancelled"})

    @freeze_time(NOW)
    def test_payment_after_the_release_is_kept_as_credit(self):
        _results, invoice = self._hold()
        # the parent opened the payment form in time, and paid too late
        with freeze_time(NOW + timedelta(minutes=25)):
            tx = self._start_payment(invoice)
        with freeze_time(NOW + timedelta(minutes=31)):
            self.env["account.move"]._cron_family_release_holds()
        with freeze_time(NOW + timedelta(minutes=35)):
            self._end_payment(tx)
        self.assertEqual(tx.state, "done")
        days = self._days(invoice)
        self.assertEqual(set(days.mapped("state")), {"cancelled"}, "not booked again")
        self.assertEqual(invoice.family_hold_state, "released")
        # the money is recorded as the family's payment, paying nothing: a credit
        payment = tx.payment_id
        self.assertEqual(
            (payment.amount, payment.partner_id),
            (8.00, self.household_a.partner_id),
        )
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(payment.reconciled_invoice_ids - invoice)
        self.assertEqual(self.household_a._get_amount_due(), 0.0)
        message = self.env["family.message"].search(
            [("household_id", "=", self.household_a.id), ("service", "=", "billing")]
        )
        self.assertEqual(message.invoice_id, invoice)
        self.assertTrue(message.staff_unread)
        self.assertIn("crédit", message.message_ids[:1].body)

    @freeze_time(NOW)
    def test_billing_run_bills_held_paid_and_freed_days_once(self):
        _results, paid = self._hold()
        self._pay(paid)
        released_results = self._finish(
            self.parent_a, self.household_a, [(self.reg_a2_wed, "2025-11-26", False)]
        )
        released = self.env["account.move"].browse(
            released_results[0]["payment_invoice_id"]
        )
        with freeze_time(NOW + timedelta(minutes=31)):
            self.env["account.move"]._cron_family_release_holds()
        self.assertEqual(released.family_hold_state, "released")
        with freeze_time("2025-12-01"):
            run = self._run("2025-11-15")
        # November: only the Wednesdays, paid or freed: nothing to bill, nothing to
        # credit
        line = run.line_ids.filtered(lambda line: line.household_id == self.household_a)
        self.assertEqual(line.result, "nothing")
        self.assertEqual(
            self._invoices(self.household_a), paid | released, "no new invoice"
        )
        self.assertEqual(
            self._invoices(self.household_a, "out_refund"), released.reversal_move_ids
        )


class TestImmediatePaymentAccess(ImmediatePaymentCommon):
    @freeze_time(NOW)
    def test_parent_cannot_confirm_a_hold_through_the_data(self):
        _results, invoice = self._hold()
        days = self._days(invoice)
        with self.assertRaises(AccessError):
            days.with_user(self.parent_a).write({"payment_pending": False})
        with self.assertRaises(AccessError):
            invoice.with_user(self.parent_a).write({"family_hold_state": "paid"})
        self.assertEqual(invoice.family_hold_state, "held")
        self.assertEqual(set(days.mapped("payment_pending")), {True})
