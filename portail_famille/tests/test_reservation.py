from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .common import FamilyCommon


class ReservationCommon(FamilyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Activity = cls.env["family.activity"]
        # Wednesdays leisure centre: 6-day deadline (seed 000), 2 places a day
        cls.act_wednesday = Activity.create(
            {
                "name": "CL Mercredis",
                "kind": "alsh_wednesday",
                "school_year_id": cls.year.id,
                "age_group": "all",
                "runs_on": "school_days",
                "capacity": 2,
                "monday": False,
                "tuesday": False,
                "thursday": False,
                "friday": False,
                "booking_rule": "days_before",
                "booking_days_before": 6,
                "unit_ids": [Command.create({"name": "Après-midi AVEC repas"})],
            }
        )
        cls.unit_wed = cls.act_wednesday.unit_ids
        cls.unit_wed.write(
            {
                "tariff_ids": [
                    Command.create(
                        {
                            "name": "CL DEMI-JOURNEE T1",
                            "qf_min": 0,
                            "qf_max": 800,
                            "price": 4.00,
                        }
                    ),
                    Command.create(
                        {
                            "name": "CL DEMI-JOURNEE T2",
                            "qf_min": 800,
                            "qf_max": 0,
                            "price": 10.40,
                        }
                    ),
                ]
            }
        )
        cls.act_restaurant.write({"booking_rule": "monthly", "booking_monthly_day": 20})
        cls.unit_holiday = cls.act_alsh_holiday.unit_ids
        cls.unit_holiday.write(
            {"tariff_ids": [Command.create({"name": "CLV JOURNEE", "price": 12.0})]}
        )
        cls.act_alsh_holiday.write({"booking_rule": "period_window"})
        cls.child_b2 = cls.env["family.child"].create(
            {
                "first_name": "Inès",
                "last_name": "Durand",
                "birth_date": "2019-02-02",
                "household_id": cls.household_b.id,
                "class_level": "ce1",
            }
        )
        cls._create_quotient(cls.household_a, 500, "2025-01-01", "2026-12-31")

        def validated(child, activity, **kw):
            registration = cls._create_registration(child, activity, **kw)
            registration.action_validate()
            return registration

        cls.reg_a1_wed = validated(cls.child_a1, cls.act_wednesday)
        cls.reg_a2_wed = validated(cls.child_a2, cls.act_wednesday)
        cls.reg_b1_wed = validated(cls.child_b1, cls.act_wednesday)
        cls.reg_a1_resto = validated(cls.child_a1, cls.act_restaurant)
        cls.reg_a2_holiday = validated(
            cls.child_a2,
            cls.act_alsh_holiday,
            date_start="2025-10-18",
            date_end="2025-11-02",
        )
        cls.Reservation = cls.env["family.reservation"]

    def _book(self, registration, day, unit=None, user=None, waiting_list=False, **ctx):
        Reservation = self.Reservation.with_user(user) if user else self.Reservation
        unit = unit or registration.activity_id.unit_ids[:1]
        return Reservation.with_context(**ctx)._book(
            [
                {
                    "registration_id": registration.id,
                    "unit_id": unit.id,
                    "date": day,
                    "waiting_list": waiting_list,
                }
            ]
        )[0]


class TestReservationBooking(ReservationCommon):
    @freeze_time("2025-11-03")
    def test_book_freezes_price_from_qf(self):
        result = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)
        self.assertFalse(result["error"])
        reservation = result["reservation"]
        self.assertEqual(reservation.state, "reserved")
        self.assertEqual(reservation.price_unit, 4.00)  # QF 500 -> first bracket
        self.assertEqual(reservation.tariff_name, "CL DEMI-JOURNEE T1")
        # a later tariff change does not rewrite the booked price
        self.unit_wed.tariff_ids.filtered(lambda t: t.qf_min == 0).price = 6.00
        self.assertEqual(reservation.price_unit, 4.00)
        # a family without validated QF pays the top bracket
        other = self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_b)[
            "reservation"
        ]
        self.assertEqual(other.price_unit, 10.40)

    @freeze_time("2025-11-03")
    def test_closed_days_refused_with_the_day_named(self):
        # 2025-11-11 is Armistice day (a Tuesday): ask the restaurant on that day
        result = self._book(self.reg_a1_resto, "2025-11-11", user=self.parent_a)
        self.assertIn("11/11/2025", result["error"])
        self.assertFalse(result["reservation"])
        # a Thursday for the Wednesday activity
        self.assertIn(
            "fermé ce jour-là", self._book(self.reg_a1_wed, "2025-11-20")["error"]
        )
        # during the autumn holidays for a school-days activity
        self.assertIn(
            "fermé ce jour-là", self._book(self.reg_a1_wed, "2025-10-22")["error"]
        )

    @freeze_time("2025-11-03")
    def test_closure_refused(self):
        self.env["family.closure"].create(
            {
                "name": "Journée pédagogique",
                "school_year_id": self.year.id,
                "date_start": "2025-11-26",
                "date_end": "2025-11-26",
            }
        )
        self.assertIn("26/11/2025", self._book(self.reg_a1_wed, "2025-11-26")["error"])

    @freeze_time("2025-11-03")
    def test_registration_must_be_validated(self):
        pending = self._create_registration(self.child_b2, self.act_wednesday)
        self.assertEqual(pending.state, "pending")
        result = self._book(pending, "2025-11-19", user=self.parent_b)
        self.assertIn("pas encore validée", result["error"])

    @freeze_time("2025-11-03")
    def test_outside_school_year_refused(self):
        self.assertIn("en dehors", self._book(self.reg_a1_wed, "2026-09-02")["error"])

    @freeze_time("2025-11-03")
    def test_another_familys_child_refused(self):
        result = self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_a)
        # the other family's child is not even named
        self.assertEqual(
            result["error"],
            "mer. 19/11/2025 : l'enfant n'est pas inscrit à cette " "activité.",
        )
        self.assertFalse(self.Reservation.search([("child_id", "=", self.child_b1.id)]))

    @freeze_time("2025-11-03")
    def test_bad_lines_are_answered_one_by_one(self):
        """Whatever a caller sends (a portal page, an RPC call, an import), each bad
        line gets its French answer and the good ones are booked, by both paths."""
        unpriced = self.env["family.activity.unit"].create(
            {"name": "Sans tarif", "activity_id": self.act_wednesday.id}
        )
        good = {"registration_id": self.reg_a1_wed.id, "unit_id": self.unit_wed.id}
        requests = [
            {**good, "date": "2025-11-19"},
            {**good, "date": "2027-13-45"},
            {**good, "date": None},
            {**good, "date": 20251126},
            {"registration_id": self.reg_a1_wed.id, "unit_id": self.unit_wed.id},
            {**good, "unit_id": "abc", "date": "2025-11-26"},
            {**good, "registration_id": self.reg_b1_wed.id, "date": "2025-11-26"},
            {**good, "unit_id": unpriced.id, "date": "2025-12-03"},
            "not a request",
            {**good, "date": "2025-12-10"},
        ]
        expected = [
            None,
            "2027-13-45 n'est pas une date valide.",
            "Un jour à réserver n'a pas de date.",
            "20251126 n'est pas une date valide.",
            "Un jour à réserver n'a pas de date.",
            "mer. 26/11/2025 : cette prestation n'appartient pas à %s."
            % self.act_wednesday.name,
            "mer. 26/11/2025 : l'enfant n'est pas inscrit à cette activité.",
            "mer. 03/12/2025 : Aucun tarif n'est défini pour %s : veuillez contacter "
            "la mairie." % unpriced.display_name,
            "Un jour à réserver n'a pas de date.",
            None,
        ]
        results = self.Reservation.with_user(self.parent_a)._book(requests)
        self.assertEqual([result["error"] for result in results], expected)
        booked = self.Reservation.search([("child_id", "=", self.child_a1.id)])
        self.assertEqual(
            sorted(booked.mapped("date")),
            [date(2025, 11, 19), date(2025, 12, 10)],
        )
        # the bulk path (weekly templates, imports), for another child
        good["registration_id"] = self.reg_a2_wed.id
        requests = [
            {**request, "registration_id": self.reg_a2_wed.id}
            if isinstance(request, dict)
            and request.get("registration_id") == self.reg_a1_wed.id
            else request
            for request in requests
        ]
        bulk = self.Reservation.with_user(self.agent)._book_bulk(requests)
        # staff book for every family: the other family's line is booked
        self.assertEqual(bulk["booked"], 3)
        self.assertEqual(bulk["errors"], [*expected[:6], None, *expected[7:]])

    @freeze_time("2025-11-03")
    def test_duplicate_refused_and_enforced_by_database(self):
        self._book(self.reg_a1_wed, "2025-11-19")
        self.assertIn(
            "déjà réservé", self._book(self.reg_a1_wed, "2025-11-19")["error"]
        )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.Reservation.create(
                {
                    "registration_id": self.reg_a1_wed.id,
                    "child_id": self.child_a1.id,
                    "household_id": self.household_a.id,
                    "activity_id": self.act_wednesday.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-19",
                }
            )

    @freeze_time("2025-11-03")
    def test_rejected_line_leaves_the_others(self):
        results = self.Reservation.with_user(self.parent_a)._book(
            [
                {
                    "registration_id": self.reg_a1_wed.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-19",
                },
                {
                    "registration_id": self.reg_a1_wed.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-05",
                },  # late
                {
                    "registration_id": self.reg_a1_wed.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-26",
                },
            ]
        )
        self.assertFalse(results[0]["error"])
        self.assertIn("05/11/2025", results[1]["error"])
        self.assertFalse(results[2]["error"])
        self.assertEqual(
            len(self.Reservation.search([("child_id", "=", self.child_a1.id)])), 2
        )


class TestReservationDeadlines(ReservationCommon):
    """Each rule on both sides of its limit, for booking and for cancelling."""

    def test_days_before_rule(self):
        # Wednesday 2025-11-19, 6 days before = Thursday 2025-11-13 (last day)
        with freeze_time("2025-11-13"):
            ok = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)
            self.assertFalse(ok["error"])
        with freeze_time("2025-11-14"):
            late = self._book(self.reg_a2_wed, "2025-11-19", user=self.parent_a)
            self.assertIn("6 jours avant", late["error"])
            with self.assertRaisesRegex(UserError, "19/11/2025"):
                ok["reservation"].with_user(self.parent_a)._cancel(raise_on_error=True)
        with freeze_time("2025-11-13"):
            ok["reservation"].with_user(self.parent_a)._cancel(raise_on_error=True)
            self.assertEqual(ok["reservation"].state, "cancelled")

    def test_monthly_rule(self):
        # December days are booked until November 20th, 23:59 in Paris (22:59 UTC)
        with freeze_time("2025-11-20 22:58"):
            ok = self._book(self.reg_a1_resto, "2025-12-02", user=self.parent_a)
            self.assertFalse(ok["error"])
        with freeze_time("2025-11-21"):
            late = self._book(self.reg_a1_resto, "2025-12-04", user=self.parent_a)
            self.assertIn("20/11/2025", late["error"])
            # January is still open
            self.assertFalse(
                self._book(self.reg_a1_resto, "2026-01-06", user=self.parent_a)["error"]
            )

    def test_monthly_rule_governs_cancellation(self):
        with freeze_time("2025-11-10"):
            reservation = self._book(
                self.reg_a1_resto, "2025-12-02", user=self.parent_a
            )["reservation"]
        with freeze_time("2025-11-21"):
            with self.assertRaisesRegex(UserError, "20/11/2025"):
                reservation.with_user(self.parent_a)._cancel(raise_on_error=True)
        with freeze_time("2025-11-20"):
            reservation.with_user(self.parent_a)._cancel(raise_on_error=True)
        self.assertEqual(reservation.state, "cancelled")

    def test_period_window_rule_governs_cancellation(self):
        with freeze_time("2025-09-15"):
            reservation = self._book(
                self.reg_a2_holiday, "2025-10-20", user=self.parent_a
            )["reservation"]
        with freeze_time("2025-10-02"):
            with self.assertRaisesRegex(UserError, "01/10/2025"):
                reservation.with_user(self.parent_a)._cancel(raise_on_error=True)
        with freeze_time("2025-10-01"):
            reservation.with_user(self.parent_a)._cancel(raise_on_error=True)
        self.assertEqual(reservation.state, "cancelled")

    def test_period_window_rule(self):
        # autumn holidays 18/10 - 02/11, window 01/09 - 01/10
        with freeze_time("2025-10-01"):
            self.assertFalse(
                self._book(self.reg_a2_holiday, "2025-10-20", user=self.parent_a)[
                    "error"
                ]
            )
        with freeze_time("2025-10-02"):
            late = self._book(self.reg_a2_holiday, "2025-10-21", user=self.parent_a)
            self.assertIn("01/10/2025", late["error"])

    @freeze_time("2025-11-17")
    def test_staff_override_is_traced(self):
        refused = self._book(self.reg_a1_wed, "2025-11-19", user=self.agent)
        self.assertIn("6 jours avant", refused["error"])
        forced = self._book(
            self.reg_a1_wed, "2025-11-19", user=self.agent, booking_override=True
        )
        self.assertFalse(forced["error"])
        self.assertTrue(forced["reservation"].is_override)
        self.assertEqual(forced["reservation"].override_user_id, self.agent)
        # a parent cannot use the override
        late = self._book(
            self.reg_a2_wed, "2025-11-19", user=self.parent_a, booking_override=True
        )
        self.assertIn("6 jours avant", late["error"])

    def test_a_booked_day_is_audited_without_a_chatter_message(self):
        messages = self.env["mail.message"].search_count([])
        followers = self.env["mail.followers"].search_count([])
        with freeze_time("2025-11-03"):
            reservation = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)[
                "reservation"
            ]
            reservation.with_user(self.parent_a)._cancel(raise_on_error=True)
            again = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)[
                "reservation"
            ]
        with freeze_time("2025-11-19 17:30"):
            again.with_user(self.agent).action_mark_attended()
        # a town's ~3 million days a year write no message, tracking nor follower
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertEqual(self.env["mail.followers"].search_count([]), followers)
        # and still say who did what, when
        self.assertEqual(
            (reservation.create_uid, reservation.write_uid, reservation.state),
            (self.parent_a, self.parent_a, "cancelled"),
        )
        self.assertEqual(
            (again.create_uid, again.attendance_user_id, again.state),
            (self.parent_a, self.agent, "attended"),
        )
        self.assertEqual(again.attendance_date.isoformat(), "2025-11-19T17:30:00")

    @freeze_time("2025-11-03")
    def test_invoiced_day_cannot_be_cancelled(self):
        reservation = self._book(self.reg_a1_wed, "2025-11-19")["reservation"]
        reservation.invoiced = True
        with self.assertRaisesRegex(UserError, "facturé"):
            reservation.with_user(self.parent_a)._cancel(raise_on_error=True)
        self.assertEqual(reservation.state, "reserved")


class TestReservationCapacity(ReservationCommon):
    @freeze_time("2025-11-03")
    def test_full_day_offers_waiting_list_and_cancel_promotes(self):
        day = "2025-11-19"
        first = self._book(self.reg_a1_wed, day)["reservation"]
        self._book(self.reg_a2_wed, day)
        full = self._book(self.reg_b1_wed, day, user=self.parent_b)
        self.assertIn("complet", full["error"])
        self.assertIn("liste d'attente", full["error"])
        waiting = self._book(
            self.reg_b1_wed, day, user=self.parent_b, waiting_list=True
        )
        self.assertEqual(waiting["state"], "waiting")
        reservation_b = waiting["reservation"]
        self.assertEqual(reservation_b.state, "waiting")

        first.with_user(self.parent_a)._cancel(raise_on_error=True)
        self.assertEqual(reservation_b.state, "reserved")
        message = reservation_b.message_ids.filtered(
            lambda m: "place" in (m.subject or "").lower()
        )
        self.assertTrue(message)
        self.assertIn(self.parent_b.partner_id, message.notified_partner_ids)
        self.assertTrue(
            self.env["mail.mail"].search(
                [
                    ("mail_message_id", "=", message.id),
                    ("recipient_ids", "in", self.parent_b.partner_id.ids),
                ]
            )
        )
        Day = self.env["family.activity.place"]
        counts = Day._get_counts(self.act_wednesday.ids, first.date, first.date)
        self.assertEqual(
            counts[Day._place_key(self.act_wednesday, None, first.date)], 2
        )

    @freeze_time("2025-11-03")
    def test_waiting_rank_and_staff_give_the_place(self):
        day = "2025-11-19"
        self._book(self.reg_a1_wed, day)
        self._book(self.reg_a2_wed, day)
        reg_b2 = self._create_registration(self.child_b2, self.act_wednesday)
        reg_b2.action_validate()
        first = self._book(self.reg_b1_wed, day, waiting_list=True)["reservation"]
        second = self._book(reg_b2, day, waiting_list=True)["reservation"]
        self.assertEqual((first.waiting_rank, second.waiting_rank), (1, 2))
        # still full: staff cannot give a place that does not exist
        with self.assertRaisesRegex(UserError, "aucune place libre"):
            second.with_user(self.agent).action_promote()
        self.assertEqual(second.state, "waiting")
        # the service raises the capacity and chooses the second child
        self.act_wednesday.capacity = 3
        second.with_user(self.agent).action_promote()
        self.assertEqual(second.state, "reserved")
        self.assertTrue(
            second.message_ids.filtered(lambda m: "place" in (m.subject or "").lower()),
            "the family is told",
        )
        first.invalidate_recordset(["waiting_rank"])
        self.assertEqual(first.waiting_rank, 1)
        with self.assertRaisesRegex(UserError, "liste d'attente"):
            second.with_user(self.agent).action_promote()
        with self.assertRaises(AccessError):
            first.with_user(self.parent_b).action_promote()
        Day = self.env["family.activity.place"]
        counts = Day._get_counts(self.act_wednesday.ids, second.date, second.date)
        self.assertEqual(
            counts[Day._place_key(self.act_wednesday, None, second.date)], 3
        )

    @freeze_time("2025-11-03")
    def test_unit_capacity(self):
        self.unit_wed.capacity = 1
        self.act_wednesday.capacity = 0
        self.assertFalse(self._book(self.reg_a1_wed, "2025-11-19")["error"])
        self.assertIn("complet", self._book(self.reg_a2_wed, "2025-11-19")["error"])

    @freeze_time("2025-11-03")
    def test_monthly_cost(self):
        for day in ("2025-11-19", "2025-11-26"):
            self._book(self.reg_a1_wed, day)
        self._book(self.reg_a2_wed, "2025-11-19")
        self._book(self.reg_a1_wed, "2025-12-03")  # next month: not counted
        costs = self.Reservation._get_monthly_cost(
            self.household_a, self._date("2025-11-01")
        )
        self.assertAlmostEqual(costs[self.child_a1.id], 8.00)
        self.assertAlmostEqual(costs[self.child_a2.id], 4.00)
        self.assertAlmostEqual(costs["total"], 12.00)
        # a justified absence is not billed by default, an unjustified one is
        reservations = self.Reservation.search(
            [("child_id", "=", self.child_a1.id), ("date", "<", "2025-12-01")]
        )
        reservations[0].state = "absent_justified"
        reservations[1].state = "absent_unjustified"
        costs = self.Reservation._get_monthly_cost(
            self.household_a, self._date("2025-11-01")
        )
        self.assertAlmostEqual(costs["total"], 8.00)
