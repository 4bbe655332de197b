from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError

from .test_reservation import ReservationCommon


class TestBookingCart(ReservationCommon):
    """The parent's récapitulatif: pending additions and cancellations, "Terminer",
    "Tout supprimer"."""

    def _cart(self, user=None, household=None):
        Cart = self.env["family.booking.cart"].with_user(user or self.parent_a)
        return Cart._get_for_household(
            (household or self.household_a).with_user(user or self.parent_a)
        )

    def _req(self, registration, day, waiting_list=False, unit=None):
        return {
            "registration_id": registration.id,
            "unit_id": (unit or registration.activity_id.unit_ids[:1]).id,
            "date": day,
            "waiting_list": waiting_list,
        }

    def _reserved(self, child, day):
        return self.Reservation.search(
            [
                ("child_id", "=", child.id),
                ("date", "=", day),
                ("state", "!=", "cancelled"),
            ]
        )

    @freeze_time("2025-11-03")
    def test_recap_prices_each_line_and_survives_a_logout(self):
        cart = self._cart()
        results = cart.add_bookings(
            [
                self._req(self.reg_a1_wed, "2025-11-19"),
                self._req(self.reg_a2_wed, "2025-11-19"),
                self._req(self.reg_a1_resto, "2025-12-01"),
            ]
        )
        self.assertEqual([r["error"] for r in results], [None, None, None])
        self.assertEqual(cart.line_count, 3)
        # QF 500 -> first bracket of each grid: 4.00 for the Wednesday, the meal's first
        # bracket for the canteen
        meal_price = self.unit_meal._get_tariff(
            self.household_a, self._date("2025-12-01")
        ).price
        self.assertEqual(
            sorted(cart.line_ids.mapped("price_unit")), sorted([4.0, 4.0, meal_price])
        )
        self.assertAlmostEqual(cart.amount_total, 8.0 + meal_price)
        self.assertEqual(
            set(cart.line_ids.mapped("tariff_name")) >= {"CL DEMI-JOURNEE T1"}, True
        )
        # nothing is booked before "Terminer"
        self.assertFalse(self._reserved(self.child_a1, "2025-11-19"))
        # a new session of the same parent (or the other parent of the family) finds the
        # same recap
        self.env.invalidate_all()
        again = (
            self.env["family.booking.cart"]
            .with_user(self.parent_a)
            ._get_for_household(self.household_a.with_user(self.parent_a))
        )
        self.assertEqual(again, cart)
        self.assertEqual(again.line_count, 3)

    @freeze_time("2025-11-03")
    def test_bad_requests_are_reported_one_by_one_and_the_rest_is_kept(self):
        cart = self._cart()
        cart.add_bookings([self._req(self.reg_a1_wed, "2025-11-19")])
        self._book(self.reg_a2_wed, "2025-11-26", user=self.parent_a)
        results = cart.add_bookings(
            [
                self._req(self.reg_a1_resto, "2025-11-11"),  # Armistice day: closed
                # Wednesday inside the 6-day deadline
                self._req(self.reg_a1_wed, "2025-11-05"),
                self._req(self.reg_a2_wed, "2025-11-26"),  # already booked
                self._req(self.reg_a1_wed, "2026-09-09"),  # outside the school year
                self._req(self.reg_b1_wed, "2025-11-19"),  # another family's child
                self._req(self.reg_a1_wed, "2025-11-19"),  # already in the recap
                self._req(self.reg_a2_wed, "2025-12-03"),  # fine
            ]
        )
        errors = [r["error"] for r in results]
        self.assertIn("11/11/2025", errors[0])
        self.assertIn("fermé ce jour-là", errors[0])
        self.assertIn("05/11/2025", errors[1])
        self.assertIn("6 jours avant", errors[1])
        self.assertIn("déjà réservé", errors[2])
        self.assertIn("en dehors de l'année scolaire", errors[3])
        self.assertIn("n'est pas inscrit", errors[4])
        # nothing leaks about the other family
        self.assertNotIn(self.child_b1.name, errors[4])
        self.assertIn("déjà dans votre récapitulatif", errors[5])
        self.assertIsNone(errors[6])
        # a full day is said at once, and a garbled date too
        self._book(self.reg_b1_wed, "2025-12-10", user=self.parent_b)
        self._book(self.reg_a2_wed, "2025-12-10", user=self.parent_a)
        full, garbled = cart.add_bookings(
            [
                self._req(self.reg_a1_wed, "2025-12-10"),
                self._req(self.reg_a1_wed, "2025-13-45"),
            ]
        )
        self.assertIn("10/12/2025", full["error"])
        self.assertIn("liste d'attente", full["error"])
        self.assertIn("2025-13-45", garbled["error"])
        waiting = cart.add_bookings(
            [self._req(self.reg_a1_wed, "2025-12-10", waiting_list=True)]
        )[0]
        self.assertIsNone(waiting["error"])
        cart._remove_lines(waiting["line"])
        # the day already in the recap and the good new one are there, nothing else
        self.assertEqual(
            sorted(str(d) for d in cart.line_ids.mapped("date")),
            ["2025-11-19", "2025-12-03"],
        )

        # one refused day raises when asked to (the portal's single tick), and the recap
        # loses nothing
        with self.assertRaisesRegex(ValidationError, "fermé ce jour-là"):
            cart.add_bookings(
                [self._req(self.reg_a1_resto, "2025-11-11")], raise_on_error=True
            )
        self.assertEqual(cart.line_count, 2)

    @freeze_time("2025-11-03")
    def test_terminer_applies_lines_and_reports_those_that_became_impossible(self):
        cart = self._cart()
        cart.add_bookings(
            [
                self._req(self.reg_a1_wed, "2025-11-26"),
                self._req(self.reg_a2_wed, "2025-11-26"),
                self._req(self.reg_a1_wed, "2025-12-03"),
            ]
        )
        # meanwhile the other family takes one of the two places of the 26th
        self._book(self.reg_b1_wed, "2025-11-26", user=self.parent_b)
        results = cart.action_confirm()
        self.assertEqual(len(results), 3)
        ok = {(str(r["date"]), r["child"]): r for r in results}
        self.assertTrue(ok[("2025-11-26", self.child_a1.name)]["ok"])
        self.assertTrue(ok[("2025-12-03", self.child_a1.name)]["ok"])
        full = ok[("2025-11-26", self.child_a2.name)]
        self.assertFalse(full["ok"])
        self.assertIn("26/11/2025", full["message"])
        self.assertIn("complet", full["message"])
        self.assertEqual(full["amount"], 0.0)
        self.assertEqual(len(self._reserved(self.child_a1, "2025-11-26")), 1)
        self.assertFalse(self._reserved(self.child_a2, "2025-11-26"))
        # the day never holds more children than its places
        self.assertEqual(
            self.Reservation.search_count(
                [
                    ("activity_id", "=", self.act_wednesday.id),
                    ("date", "=", "2025-11-26"),
                    ("state", "=", "reserved"),
                ]
            ),
            2,
        )
        # the recap is empty afterwards, and an empty recap cannot be finished
        self.assertFalse(cart.line_ids)
        with self.assertRaisesRegex(UserError, "vide"):
            cart.action_confirm()

    def test_a_deadline_passed_between_the_recap_and_terminer_is_reported(self):
        with freeze_time("2025-11-03"):
            cart = self._cart()
            cart.add_bookings(
                [
                    self._req(self.reg_a1_wed, "2025-11-12"),
                    self._req(self.reg_a1_wed, "2025-11-26"),
                ]
            )
        with freeze_time("2025-11-07"):  # the 12th closed on the 6th
            results = cart.action_confirm()
        by_day = {str(r["date"]): r for r in results}
        self.assertFalse(by_day["2025-11-12"]["ok"])
        self.assertIn("6 jours avant", by_day["2025-11-12"]["message"])
        self.assertTrue(by_day["2025-11-26"]["ok"])
        self.assertTrue(self._reserved(self.child_a1, "2025-11-26"))

    @freeze_time("2025-11-03")
    def test_waiting_list_through_the_recap(self):
        self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_b)
        self._book(self.reg_a2_wed, "2025-11-19", user=self.parent_a)
        cart = self._cart()
        cart.add_bookings([self._req(self.reg_a1_wed, "2025-11-19", waiting_list=True)])
        result = cart.action_confirm()[0]
        self.assertTrue(result["ok"])
        self.assertEqual(result["state"], "waiting")
        self.assertEqual(result["amount"], 0.0)
        self.assertEqual(self._reserved(self.child_a1, "2025-11-19").state, "waiting")

    @freeze_time("2025-11-03")
    def test_waiting_list_line_costs_nothing_until_a_place_is_given(self):
        """A day asked on the waiting list is not priced in the recap (nor in its
        total), as on the result page; if a place has freed up by "Terminer", the day
        is booked and priced."""
        self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_b)
        other = self._book(self.reg_a2_wed, "2025-11-19", user=self.parent_a)
        cart = self._cart()
        cart.add_bookings(
            [
                self._req(self.reg_a1_wed, "2025-11-19", waiting_list=True),
                self._req(self.reg_a1_wed, "2025-11-26"),
            ]
        )
        waiting = cart.line_ids.filtered("waiting_list")
        self.assertEqual(waiting.price_unit, 4.0, "the day's price is known")
        self.assertEqual(waiting.amount, 0.0)
        self.assertEqual(cart.amount_total, 4.0, "only the day booked for sure")
        # a place frees up before Terminer: the day is booked, and costs its price
        other["reservation"].sudo()._cancel()
        results = {r["date"].isoformat(): r for r in cart.action_confirm()}
        self.assertEqual(results["2025-11-19"]["state"], "done")
        self.assertEqual(results["2025-11-19"]["amount"], 4.0)

    @freeze_time("2025-11-03")
    def test_cancellations_in_the_recap(self):
        reservation = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)[
            "reservation"
        ]
        cart = self._cart()
        errors = cart.add_cancellations(reservation.with_user(self.parent_a))
        self.assertEqual(errors, {reservation.id: None})
        self.assertEqual(cart.amount_total, -4.0)
        # ticking the day again takes the cancellation back
        cart.add_bookings([self._req(self.reg_a1_wed, "2025-11-19")])
        self.assertFalse(cart.line_ids)
        # cancel one day and book another unit... here: cancel and finish
        cart.add_cancellations(reservation.with_user(self.parent_a))
        cart.add_bookings([self._req(self.reg_a2_wed, "2025-11-19")])
        results = cart.action_confirm()
        self.assertEqual([r["ok"] for r in results], [True, True])
        # cancellations first: the place is freed
        self.assertEqual(results[0]["operation"], "cancel")
        self.assertEqual(reservation.state, "cancelled")
        self.assertEqual(self._reserved(self.child_a2, "2025-11-19").price_unit, 4.0)

    @freeze_time("2025-11-03")
    def test_invoiced_or_late_cancellations_are_refused(self):
        invoiced = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)[
            "reservation"
        ]
        invoiced.sudo().invoiced = True
        with freeze_time("2025-10-20"):
            late = self._book(self.reg_a2_wed, "2025-11-05", user=self.parent_a)[
                "reservation"
            ]
        cart = self._cart()
        errors = cart.add_cancellations((invoiced | late).with_user(self.parent_a))
        self.assertIn("déjà facturé", errors[invoiced.id])
        self.assertIn("19/11/2025", errors[invoiced.id])
        self.assertIn("6 jours avant", errors[late.id])
        self.assertFalse(cart.line_ids)

    @freeze_time("2025-11-03")
    def test_tout_supprimer_discards_everything_and_books_nothing(self):
        cart = self._cart()
        cart.add_bookings(
            [
                self._req(self.reg_a1_wed, "2025-11-19"),
                self._req(self.reg_a2_wed, "2025-11-19"),
            ]
        )
        cart.action_clear()
        self.assertFalse(cart.line_ids)
        self.assertFalse(self._reserved(self.child_a1, "2025-11-19"))

    @freeze_time("2025-11-03")
    def test_another_family_cannot_reach_the_recap(self):
        cart = self._cart()
        cart.add_bookings([self._req(self.reg_a1_wed, "2025-11-19")])
        reservation = self._book(self.reg_a2_wed, "2025-11-26", user=self.parent_a)[
            "reservation"
        ]
        Cart = self.env["family.booking.cart"].with_user(self.parent_b)
        self.assertFalse(Cart.search([("household_id", "=", self.household_a.id)]))
        self.assertFalse(
            self.env["family.booking.cart.line"].with_user(self.parent_b).search([])
        )
        with self.assertRaises(AccessError):
            Cart._get_for_household(self.household_a.with_user(self.parent_b))
        with self.assertRaises(AccessError):
            cart.with_user(self.parent_b).action_confirm()
        with self.assertRaises(AccessError):
            cart.with_user(self.parent_b).action_clear()
        # nor put the other family's reservation in one's own recap: refused as unknown,
        # its day not named
        own = self._cart(user=self.parent_b, household=self.household_b)
        errors = own.add_cancellations(reservation.with_user(self.parent_b))
        self.assertEqual(
            errors,
            {reservation.id: "Cette réservation n'appartient pas à votre famille."},
        )
        self.assertFalse(own.line_ids)
        self.assertEqual(cart.line_count, 1)

    @freeze_time("2025-11-03 09:00:00")
    def test_terminer_queues_an_email_recap_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.household_a.lang = "fr_FR"
        cart = self._cart()
        reservation = self._book(self.reg_a2_wed, "2025-11-26", user=self.parent_a)[
            "reservation"
        ]
        cart.add_bookings(
            [
                self._req(self.reg_a1_wed, "2025-11-19"),
                self._req(self.reg_a1_wed, "2025-11-12"),
            ]
        )
        cart.add_cancellations(reservation.with_user(self.parent_a))
        with freeze_time("2025-11-07 09:00:00"):  # the 12th is now past its deadline
            # the portal runs in the parent's language
            cart.with_context(lang="fr_FR").action_confirm()
        mail = self.env["mail.mail"].search(
            [("model", "=", "family.booking.cart"), ("res_id", "=", cart.id)]
        )
        self.assertEqual(len(mail), 1)
        # in Odoo's mail queue, sent by its cron
        self.assertEqual(mail.state, "outgoing")
        self.assertIn(self.parent_a.partner_id, mail.recipient_ids)
        self.assertIn(self.spouse_a, mail.recipient_ids)
        self.assertIn("Récapitulatif de vos réservations", mail.subject)
        body = mail.body_html
        # like seed 002: day, child, activity/unit, booking or cancellation, amount,
        # tariff
        # when "Terminer" was clicked, Paris time
        for expected in (
            "mer. 19/11/2025",
            "mer. 26/11/2025",
            self.child_a1.first_name,
            self.child_a2.first_name,
            "CL DEMI-JOURNEE T1",
            "Réservation",
            "Annulation",
            "Après-midi AVEC repas",
            "4,00",
            "07/11/2025 10:00",
        ):
            self.assertIn(expected, body)
        # the refused day is listed apart, with its reason, in French too
        self.assertIn("mer. 12/11/2025", body)
        self.assertIn("6 jours avant", body)

    @freeze_time("2025-11-03")
    def test_a_recap_with_nothing_applied_sends_no_email(self):
        cart = self._cart()
        cart.add_bookings([self._req(self.reg_a1_wed, "2025-11-26")])
        self.act_wednesday.capacity = 0  # keep the rule simple: no place limit...
        # ...but booked meanwhile elsewhere
        self._book(self.reg_a1_wed, "2025-11-26", user=self.parent_a)
        results = cart.action_confirm()
        self.assertFalse(results[0]["ok"])
        self.assertIn("déjà réservé", results[0]["message"])
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "family.booking.cart"), ("res_id", "=", cart.id)]
            )
        )
