from datetime import date

from freezegun import freeze_time
from markupsafe import escape

from odoo.exceptions import UserError, ValidationError

from odoo.addons.portail_famille.controllers.planning_renderer import PlanningRenderer

from .test_reservation import ReservationCommon

# freeze_time takes UTC: Paris is UTC+1 in winter (CET), UTC+2 in summer (CEST)


class TestDeadlineForms(ReservationCommon):
    """Each form of deadline one minute before and one minute after its limit, in the
    town's time (Europe/Paris), across weekends, public holidays and DST changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year_2027 = cls.env["family.school.year"].create(
            {
                "name": "2026/2027 (deadlines)",
                "date_start": "2026-09-01",
                "date_end": "2027-08-31",
                "zone": "C",
            }
        )
        # a year opens its bookings once its school holidays are known
        cls.env["family.period"].create(
            {
                "name": "Été 2027",
                "school_year_id": cls.year_2027.id,
                "kind": "summer",
                "date_start": "2027-07-03",
                "date_end": "2027-08-31",
            }
        )
        cls.activity = cls.env["family.activity"].create(
            {
                "name": "Garderie (deadlines)",
                "kind": "wednesday_care",
                "school_year_id": cls.year_2027.id,
            }
        )

    def _rule(self, **vals):
        self.activity.write(vals)

    def _verdict(self, day, action="book"):
        return self.Reservation._check_deadline(
            self.activity, date.fromisoformat(day), action=action
        )

    def _assert_limit(self, day, before, after, limit, action="book"):
        """Open at ``before`` (UTC), closed at ``after`` (UTC) with ``limit`` named in
        the message."""
        with freeze_time(before):
            self.assertIsNone(self._verdict(day, action), f"{day} open at {before}")
        with freeze_time(after):
            error = self._verdict(day, action)
            self.assertTrue(error, f"{day} closed at {after}")
            self.assertIn(limit, error)
        return error

    def test_calendar_days_the_day_before_at_ten(self):
        self._rule(booking_rule="days_before", booking_days_before=1, booking_time=10)
        # Thursday 12/11/2026: until Wednesday 11/11 10:00 (09:00 UTC), holiday or not
        error = self._assert_limit(
            "2026-11-12", "2026-11-11 08:59", "2026-11-11 09:01", "11/11/2026 à 10:00"
        )
        self.assertIn("les réservations ferment 1 jours avant, à 10:00", error)
        # the minute shown is still open
        with freeze_time("2026-11-11 09:00:59"):
            self.assertIsNone(self._verdict("2026-11-12"))

    def test_calendar_days_default_is_the_whole_last_day(self):
        # an activity set up with days only (before deadlines had hours): the last
        # day counts until 23:59, town time
        self._rule(booking_rule="days_before", booking_days_before=6)
        self.assertEqual(self.activity.booking_time, 23 + 59 / 60)
        self._assert_limit(
            "2026-11-19", "2026-11-13 22:58", "2026-11-13 23:00:30", "13/11/2026"
        )

    def test_working_days_skip_the_weekend(self):
        self._rule(
            booking_rule="working_days_before", booking_days_before=2, booking_time=12
        )
        # Tuesday 17/11/2026: Monday 16 (1), Friday 13 (2), not Sunday 15
        error = self._assert_limit(
            "2026-11-17", "2026-11-13 10:59", "2026-11-13 11:01", "13/11/2026 à 12:00"
        )
        self.assertIn("2 jours ouvrés avant", error)

    def test_working_days_skip_a_public_holiday(self):
        self._rule(
            booking_rule="working_days_before", booking_days_before=1, booking_time=12
        )
        # Thursday 12/11/2026: Wednesday 11 is Armistice day, so Tuesday 10 at noon
        self._assert_limit(
            "2026-11-12", "2026-11-10 10:59", "2026-11-10 11:01", "10/11/2026 à 12:00"
        )
        with freeze_time("2026-11-11 08:00"):
            self.assertTrue(self._verdict("2026-11-12"))

    def test_working_days_across_ascension_and_a_weekend(self):
        self._rule(
            booking_rule="working_days_before", booking_days_before=3, booking_time=12
        )
        # Monday 10/05/2027: Friday 7 (1), Ascension Thursday 6 skipped, Wednesday 5
        # (2), Tuesday 4 (3) at noon, summer time (10:00 UTC)
        self._assert_limit(
            "2027-05-10", "2027-05-04 09:59", "2027-05-04 10:01", "04/05/2027 à 12:00"
        )

    def test_weekday_for_the_following_week(self):
        # until Thursday noon for the following week, Monday to Sunday
        self._rule(booking_rule="weekly", booking_weekday="3", booking_time=12)
        for day in ("2026-11-16", "2026-11-22"):
            error = self._assert_limit(
                day, "2026-11-12 10:59", "2026-11-12 11:01", "12/11/2026 à 12:00"
            )
            self.assertIn("les réservations de cette semaine ont fermé", error)
        # the week after is still open
        with freeze_time("2026-11-12 11:01"):
            self.assertIsNone(self._verdict("2026-11-23"))

    def test_monthly_day_at_a_time(self):
        self._rule(booking_rule="monthly", booking_monthly_day=20, booking_time=18)
        self._assert_limit(
            "2026-12-03", "2026-11-20 16:59", "2026-11-20 17:01", "20/11/2026 à 18:00"
        )

    def test_holiday_window_opens_and_closes_at_its_times(self):
        activity = self.act_alsh_holiday  # window 01/09/2025 – 01/10/2025
        activity.booking_time = 12

        def verdict():
            return self.Reservation._check_deadline(activity, date(2025, 10, 20))

        # opens at midnight town time on 01/09 (22:00 UTC the day before)
        with freeze_time("2025-08-31 21:59"):
            self.assertIn("01/09/2025", verdict())
        with freeze_time("2025-08-31 22:01"):
            self.assertIsNone(verdict())
        with freeze_time("2025-10-01 09:59"):
            self.assertIsNone(verdict())
        with freeze_time("2025-10-01 10:01"):
            self.assertIn("01/10/2025 à 12:00", verdict())

    def test_spring_dst_change(self):
        # Sunday 28/03/2027 clocks go from 02:00 to 03:00: 10:00 is 08:00 UTC, no
        # longer 09:00
        self._rule(booking_rule="days_before", booking_days_before=1, booking_time=10)
        self._assert_limit(
            "2027-03-29", "2027-03-28 07:59", "2027-03-28 08:01", "28/03/2027 à 10:00"
        )
        # the Saturday before (winter time) the same rule is 09:00 UTC
        self._assert_limit(
            "2027-03-28", "2027-03-27 08:59", "2027-03-27 09:01", "27/03/2027 à 10:00"
        )

    def test_autumn_dst_change(self):
        # Sunday 25/10/2026 clocks go back from 03:00 to 02:00: 10:00 is 09:00 UTC
        self._rule(
            booking_rule="working_days_before", booking_days_before=0, booking_time=10
        )
        self._assert_limit(
            "2026-10-25", "2026-10-25 08:59", "2026-10-25 09:01", "25/10/2026 à 10:00"
        )
        # the weekly rule of the week after the change: Thursday 22/10 noon, summer
        # time (10:00 UTC)
        self._rule(booking_rule="weekly", booking_weekday="3", booking_time=12)
        self._assert_limit(
            "2026-10-26", "2026-10-22 09:59", "2026-10-22 10:01", "22/10/2026 à 12:00"
        )

    def test_cancellation_rule_defaults_to_the_booking_one(self):
        self._rule(booking_rule="weekly", booking_weekday="3", booking_time=12)
        self.assertEqual(self.activity.cancel_rule, "same")
        error = self._assert_limit(
            "2026-11-16",
            "2026-11-12 10:59",
            "2026-11-12 11:01",
            "12/11/2026 à 12:00",
            action="cancel",
        )
        self.assertIn("les annulations de cette semaine ont fermé", error)

    def test_settings_are_checked_in_french(self):
        Activity = self.env["family.activity"]
        wrong = [
            ({"cancel_rule": "days_before", "cancel_days_before": -1}, "négatif"),
            ({"booking_time": 24}, "entre 00:00 et 23:59"),
            ({"cancel_rule": "weekly", "cancel_weekday": False}, "jour de la semaine"),
            ({"booking_monthly_day": 31}, "entre 1 et 28"),
        ]
        for vals, message in wrong:
            with self.assertRaisesRegex(ValidationError, message):
                Activity.create(
                    {
                        "name": "Réglage faux",
                        "kind": "wednesday_care",
                        "school_year_id": self.year_2027.id,
                        **vals,
                    }
                )


class TestDeadlineBookingAndCancelling(ReservationCommon):
    """Booking and cancelling with their own rules, and the limit shown to the
    parent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # book until 2 days before at 18:00, cancel until 7 days before at noon
        cls.act_wednesday.write(
            {
                "booking_rule": "days_before",
                "booking_days_before": 2,
                "booking_time": 18,
                "cancel_rule": "days_before",
                "cancel_days_before": 7,
                "cancel_time": 12,
            }
        )

    def test_booking_open_while_cancellation_closed(self):
        # Wednesday 19/11/2025: cancellations closed on Wednesday 12 at noon,
        # bookings close on Monday 17 at 18:00 (17:00 UTC)
        with freeze_time("2025-11-12 10:59"):
            early = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)
            self.assertFalse(early["error"])
        with freeze_time("2025-11-17 16:59"):
            late = self._book(self.reg_a2_wed, "2025-11-19", user=self.parent_a)
            self.assertFalse(late["error"])
            reservation = late["reservation"].with_user(self.parent_a)
            with self.assertRaisesRegex(
                UserError,
                "les annulations ferment 7 jours avant, à 12:00 "
                r"\(la limite était le 12/11/2025 à 12:00\)",
            ):
                reservation._cancel(raise_on_error=True)
        with freeze_time("2025-11-17 17:01"):
            refused = self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_b)
            self.assertIn("17/11/2025 à 18:00", refused["error"])
        with freeze_time("2025-11-12 10:59"):
            early["reservation"].with_user(self.parent_a)._cancel(raise_on_error=True)
        self.assertEqual(early["reservation"].state, "cancelled")

    def test_planning_and_recap_show_the_exact_limit(self):
        Cart = self.env["family.booking.cart"].with_user(self.parent_a)
        with freeze_time("2025-11-10 09:00"):
            booked = self._book(self.reg_a1_wed, "2025-11-26", user=self.parent_a)
            planning = Cart._get_planning(
                self.child_a1, date(2025, 11, 17), date(2025, 11, 30)
            )
            row = next(row for row in planning["rows"] if row["unit"] == self.unit_wed)
            cells = {cell["date"]: cell for cell in row["cells"]}
            # a free day: the booking limit; a booked day: the cancellation limit
            self.assertEqual(
                cells[date(2025, 11, 19)]["limit"],
                "modifiable jusqu'au lundi 17 novembre à 18:00",
            )
            self.assertEqual(
                cells[date(2025, 11, 26)]["limit"],
                "modifiable jusqu'au mercredi 19 novembre à 12:00",
            )
            PlanningRenderer(Cart.env).render(planning)
            shown = escape("modifiable jusqu'au lundi 17 novembre à 18:00")
            self.assertIn(shown, cells[date(2025, 11, 19)]["list_html"])
            self.assertIn(shown, cells[date(2025, 11, 19)]["grid_html"])
            cart = Cart._get_for_household(self.household_a)
            cart.add_bookings(
                [
                    {
                        "registration_id": self.reg_a1_wed.id,
                        "unit_id": self.unit_wed.id,
                        "date": "2025-11-19",
                    }
                ]
            )
            cart.add_cancellations(booked["reservation"])
            labels = {
                line.operation: line._get_deadline_label() for line in cart.line_ids
            }
            self.assertEqual(
                labels,
                {
                    "book": "modifiable jusqu'au lundi 17 novembre à 18:00",
                    "cancel": "modifiable jusqu'au mercredi 19 novembre à 12:00",
                },
            )
        with freeze_time("2025-11-19 11:01"):
            planning = Cart._get_planning(
                self.child_a1, date(2025, 11, 17), date(2025, 11, 30)
            )
            row = next(row for row in planning["rows"] if row["unit"] == self.unit_wed)
            cell = next(
                cell for cell in row["cells"] if cell["date"] == date(2025, 11, 26)
            )
            self.assertFalse(cell["editable"])
            self.assertIn("19/11/2025 à 12:00", cell["reason"])
