import random
from collections import Counter
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, mute_logger

from odoo.addons.portail_famille.models.family_activity_place import PLACE_STATES

from .test_reservation import ReservationCommon

DAY = "2025-11-19"  # a Wednesday, bookable on 2025-11-03
NEXT_DAY = "2025-11-26"


class PlaceCounterCommon(ReservationCommon):
    """The Wednesdays leisure centre has 2 places a day (ReservationCommon); every test
    checks that the counter of places of each day is the live count of the bookings
    holding one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Day = cls.env["family.activity.place"]
        cls.reg_b2_wed = cls._create_registration(cls.child_b2, cls.act_wednesday)
        cls.reg_b2_wed.action_validate()

    def _count(self, day=DAY, unit=None, activity=None):
        activity = activity or self.act_wednesday
        day = date.fromisoformat(day)
        return self.Day._get_counts(activity.ids, day, day).get(
            self.Day._place_key(activity, unit, day), 0
        )

    def assertCountersExact(self, activities=None):
        self.assertEqual(
            self.Day._check_place_counters(activities or self.act_wednesday), []
        )


@freeze_time("2025-11-03")
class TestPlaceCounterDrift(PlaceCounterCommon):
    """Each way the counter used to drift from the bookings, now kept exact."""

    def _fill_day_and_wait(self):
        first = self._book(self.reg_a1_wed, DAY)["reservation"]
        second = self._book(self.reg_a2_wed, DAY)["reservation"]
        waiting = self._book(self.reg_b1_wed, DAY, waiting_list=True)["reservation"]
        self.assertEqual(waiting.state, "waiting")
        self.assertEqual(self._count(), 2)
        return first, second, waiting

    def test_manager_deletes_a_booking_its_place_goes_to_the_waiting_list(self):
        first, _second, waiting = self._fill_day_and_wait()
        first.with_user(self.manager).unlink()
        self.assertEqual(waiting.state, "reserved")
        self.assertEqual(self._count(), 2)
        self.assertCountersExact()
        # deleting a waiting booking gives back no place
        self.assertEqual(
            self._book(self.reg_b2_wed, DAY, waiting_list=True)["state"], "waiting"
        )
        self.Reservation.search([("state", "=", "waiting")]).with_user(
            self.manager
        ).unlink()
        self.assertEqual(self._count(), 2)
        self.assertCountersExact()

    def test_staff_cannot_revive_a_cancelled_booking_on_a_full_day(self):
        first = self._book(self.reg_a1_wed, DAY)["reservation"]
        first.action_cancel()
        self._book(self.reg_a2_wed, DAY)
        self._book(self.reg_b1_wed, DAY)
        self.assertEqual(self._count(), 2)
        with self.assertRaises(ValidationError) as refused, self.cr.savepoint():
            first.with_user(self.agent).write({"state": "reserved"})
        self.assertIn("mer. 19/11/2025", str(refused.exception))
        self.assertIn("CL Mercredis est complet (2 places)", str(refused.exception))
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(self._count(), 2)
        self.assertEqual(
            self.Reservation.search_count(
                [("date", "=", DAY), ("state", "in", PLACE_STATES)]
            ),
            2,
        )
        self.assertCountersExact()

    def test_staff_state_writes_take_and_give_back_places(self):
        first, second, waiting = self._fill_day_and_wait()
        # attendance keeps the place, a staff cancellation gives it to the waiting list
        first.with_user(self.agent).write({"state": "attended"})
        self.assertEqual(self._count(), 2)
        second.with_user(self.agent).write({"state": "cancelled"})
        self.assertEqual(waiting.state, "reserved")
        self.assertEqual(self._count(), 2)
        self.assertCountersExact()
        # a staff write back to a place state counts again, on a day with room
        waiting.with_user(self.agent).write({"state": "cancelled"})
        self.assertEqual(self._count(), 1)
        second.with_user(self.agent).write({"state": "reserved"})
        self.assertEqual(self._count(), 2)
        self.assertCountersExact()

    def test_staff_moves_a_booking_to_another_day_or_unit(self):
        unit_morning = self.env["family.activity.unit"].create(
            {
                "name": "Matin",
                "activity_id": self.act_wednesday.id,
                "capacity": 1,
                "tariff_ids": [Command.create({"name": "CL MATIN", "price": 3.0})],
            }
        )
        first, _second, waiting = self._fill_day_and_wait()
        # to another day: the place of the first day goes to the waiting list, the new
        # day counts it
        first.with_user(self.agent).write({"date": NEXT_DAY})
        self.assertEqual(waiting.state, "reserved")
        self.assertEqual(self._count(NEXT_DAY), 1)
        self.assertEqual(self._count(DAY), 2)
        # to a unit with its own limit: its row counts it, and a second child there is
        # refused
        first.with_user(self.agent).write({"unit_id": unit_morning.id})
        self.assertEqual(self._count(NEXT_DAY, unit_morning), 1)
        second_next = self._book(self.reg_a2_wed, NEXT_DAY)["reservation"]
        with (
            self.assertRaisesRegex(ValidationError, "Matin est complet"),
            self.cr.savepoint(),
        ):
            second_next.with_user(self.agent).write({"unit_id": unit_morning.id})
        # back to a full day: refused
        with self.assertRaisesRegex(ValidationError, "complet"), self.cr.savepoint():
            first.with_user(self.agent).write(
                {"date": DAY, "unit_id": self.unit_wed.id}
            )
        self.assertEqual(first.date, date.fromisoformat(NEXT_DAY))
        self.assertCountersExact()

    def test_deleting_a_child_gives_its_places_back(self):
        self._fill_day_and_wait()
        self._book(self.reg_a1_wed, NEXT_DAY)
        self.child_a1.with_user(self.agent).unlink()
        self.assertEqual(self._count(NEXT_DAY), 0)
        self.assertEqual(self._count(), 2)  # the waiting child took the freed place
        self.assertEqual(
            self.Reservation.search([("child_id", "=", self.child_b1.id)]).state,
            "reserved",
        )
        self.assertCountersExact()

    def test_deleting_a_household_gives_its_places_back(self):
        self._book(self.reg_b1_wed, DAY)
        self._book(self.reg_b2_wed, DAY)
        self._book(self.reg_b1_wed, NEXT_DAY)
        waiting = self._book(self.reg_a1_wed, DAY, waiting_list=True)["reservation"]
        self.household_b.with_user(self.manager).unlink()
        self.assertEqual(self._count(NEXT_DAY), 0)
        self.assertEqual(waiting.state, "reserved")
        self.assertEqual(self._count(), 1)
        self.assertCountersExact()

    def test_ending_an_absence_does_not_revive_a_day_cancelled_since(self):
        first = self._book(self.reg_a1_wed, DAY)["reservation"]
        absence = (
            self.env["family.absence"]
            .with_user(self.agent)
            .create(
                {
                    "child_id": self.child_a1.id,
                    "date_from": DAY,
                    "date_to": DAY,
                }
            )
        )
        self.assertEqual(first.state, "absent_unjustified")
        first.with_user(self.agent).write({"state": "cancelled"})
        self._book(self.reg_a2_wed, DAY)
        self._book(self.reg_b1_wed, DAY)
        absence.with_user(self.agent).unlink()
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(self._count(), 2)
        self.assertCountersExact()

    def test_limit_set_after_bookings_counts_them(self):
        self.act_wednesday.capacity = 0
        for registration in (self.reg_a1_wed, self.reg_a2_wed, self.reg_b1_wed):
            self.assertFalse(self._book(registration, DAY)["error"])
        # the town sets 2 places a day: the 3 children already booked keep their day,
        # nobody else gets one
        self.act_wednesday.capacity = 2
        self.assertEqual(self._count(), 3)
        self.assertCountersExact()
        self.assertIn("complet", self._book(self.reg_b2_wed, DAY)["error"])
        self.assertEqual(
            self._book(self.reg_b2_wed, DAY, waiting_list=True)["state"], "waiting"
        )
        # one cancellation leaves the day at its limit: the waiting child still waits
        self.Reservation.search([("child_id", "=", self.child_a1.id)]).action_cancel()
        self.assertEqual(self._count(), 2)
        self.assertEqual(
            self.Reservation.search([("child_id", "=", self.child_b2.id)]).state,
            "waiting",
        )
        self.assertCountersExact()

    def test_unit_limit_set_after_bookings_counts_them(self):
        self.act_wednesday.capacity = 0
        self._book(self.reg_a1_wed, DAY)
        self.unit_wed.capacity = 1
        self.assertEqual(self._count(unit=self.unit_wed), 1)
        self.assertIn("complet", self._book(self.reg_a2_wed, DAY)["error"])
        # back to no limit: the rows go, the bookings are accepted again
        self.unit_wed.capacity = 0
        self.assertFalse(self.Day.search([("activity_id", "=", self.act_wednesday.id)]))
        self.assertFalse(self._book(self.reg_a2_wed, DAY)["error"])
        self.assertCountersExact()

    def test_a_missing_or_stray_place_is_seen_and_recounted(self):
        first = self._book(self.reg_a1_wed, DAY)["reservation"]
        self._book(self.reg_a1_wed, NEXT_DAY)
        key = self.Day._place_key(self.act_wednesday, None, first.date)
        next_key = self.Day._place_key(
            self.act_wednesday, None, date.fromisoformat(NEXT_DAY)
        )
        self.env.flush_all()
        # a place lost on DAY, three places nobody holds on NEXT_DAY
        self.env.cr.execute(
            SQL(
                "DELETE FROM family_activity_place WHERE reservation_id = %s",
                first.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO family_activity_place (activity_id, date, slot) "
                "VALUES (%s, %s, 7), (%s, %s, 8), (%s, %s, 9)",
                *(self.act_wednesday.id, NEXT_DAY) * 3,
            )
        )
        drift = [(*key, 0, 1), (*next_key, 4, 1)]
        self.assertEqual(self.Day._check_place_counters(self.act_wednesday), drift)
        with self.assertLogs(
            "odoo.addons.portail_famille.models.family_activity_place", "ERROR"
        ) as logs:
            self.assertEqual(self.Day._cron_check_place_counters(), drift)
        self.assertIn("out of step", logs.output[0])
        # agents do not set capacities, nor recount them
        with self.assertRaises(AccessError):
            self.act_wednesday.with_user(self.agent).action_recount_places()
        with self.assertLogs(
            "odoo.addons.portail_famille.models.family_activity", "WARNING"
        ) as logs:
            action = self.act_wednesday.with_user(self.manager).action_recount_places()
        self.assertIn("recounted by pf_manager", logs.output[0])
        self.assertEqual(
            action["params"]["message"], "Compteurs de places corrigés : 2 jour(s)."
        )
        self.assertEqual(self._count(), 1)
        self.assertEqual(self._count(NEXT_DAY), 1)
        self.assertCountersExact()
        action = self.act_wednesday.with_user(self.manager).action_recount_places()
        self.assertEqual(
            action["params"]["message"], "Le compteur de chaque jour était juste."
        )


class TestPlaceCounterProperty(PlaceCounterCommon):
    """Random sequences of everything that books, cancels, changes or deletes a day, on
    limited and unlimited activities and units: after each step the counters are the
    live counts, no day went over its capacity (a day over a lowered capacity gets no
    new place), and no waiting child could have a place that is free."""

    STEPS = 300
    DAYS = ("2025-11-19", "2025-11-26", "2025-12-03", "2025-12-10")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit_wed_morning = cls.env["family.activity.unit"].create(
            {
                "name": "Matin",
                "activity_id": cls.act_wednesday.id,
                "capacity": 1,
                "tariff_ids": [Command.create({"name": "CL MATIN", "price": 3.0})],
            }
        )
        cls.act_units = cls.env["family.activity"].create(
            {
                "name": "Ateliers du mercredi",
                "kind": "wednesday_care",
                "school_year_id": cls.year.id,
                "capacity": 0,
                "monday": False,
                "tuesday": False,
                "thursday": False,
                "friday": False,
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Poterie",
                            "capacity": 2,
                            "tariff_ids": [
                                Command.create({"name": "POTERIE", "price": 5.0})
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "name": "Jeux",
                            "tariff_ids": [
                                Command.create({"name": "JEUX", "price": 2.0})
                            ],
                        }
                    ),
                ],
            }
        )
        cls.activities = cls.act_wednesday | cls.act_units
        cls.units = cls.activities.unit_ids
        cls.children = (
            cls.child_a1 | cls.child_a2 | cls.child_a3 | cls.child_b1 | cls.child_b2
        )
        registrations = cls.env["family.registration"]
        for child in cls.children:
            for activity in cls.activities:
                registration = child.registration_ids.filtered(
                    lambda r, a=activity: r.activity_id == a
                )
                if not registration:
                    registration = cls._create_registration(child, activity)
                    registration.action_validate()
                registrations |= registration
        cls.registrations = registrations

    # ------------------------------------------------------------------ the oracle
    def _limits(self):
        limits = {}
        for activity in self.activities:
            limits[activity.id, 0] = activity.capacity
            for unit in activity.unit_ids:
                limits[activity.id, unit.id] = unit.capacity
        return limits

    def _keys(self, reservation_vals, limits):
        activity_id, unit_id, day = reservation_vals
        return [(activity_id, u, day) for u in (0, unit_id) if limits[activity_id, u]]

    def _live(self):
        live = Counter()
        for vals in self.Reservation.search_read(
            [("activity_id", "in", self.activities.ids), ("state", "in", PLACE_STATES)],
            ["activity_id", "unit_id", "date"],
        ):
            live[vals["activity_id"][0], 0, vals["date"]] += 1
            live[vals["activity_id"][0], vals["unit_id"][0], vals["date"]] += 1
        return live

    def _check(self, step, previous, stale):
        limits = self._limits()
        live = self._live()
        days = [date.fromisoformat(d) for d in self.DAYS]
        counts = self.Day._get_counts(self.activities.ids, days[0], days[-1])
        for (activity_id, unit_id, day), count in counts.items():
            self.assertTrue(
                limits[activity_id, unit_id],
                f"{step}: a row without a limit {activity_id, unit_id, day}",
            )
            self.assertEqual(
                count,
                live[activity_id, unit_id, day],
                f"{step}: counter of {activity_id, unit_id, day}",
            )
        for (activity_id, unit_id, day), count in live.items():
            capacity = limits[activity_id, unit_id]
            if not capacity:
                continue
            self.assertEqual(
                counts.get((activity_id, unit_id, day), 0),
                count,
                f"{step}: no row {activity_id, unit_id, day}",
            )
            self.assertTrue(
                count <= capacity or count <= previous[activity_id, unit_id, day],
                f"{step}: {activity_id, unit_id, day} got a place over its capacity "
                f"{capacity}: {count}",
            )
        if not stale:
            waiting_list = self.Reservation.search(
                [
                    ("activity_id", "in", self.activities.ids),
                    ("state", "=", "waiting"),
                ]
            )
            for waiting in waiting_list:
                keys = self._keys(
                    (waiting.activity_id.id, waiting.unit_id.id, waiting.date), limits
                )
                self.assertTrue(
                    any(live[key] >= limits[key[:2]] for key in keys),
                    f"{step}: {waiting.display_name} waits while a place is free",
                )
        return live

    # ------------------------------------------------------------------ the steps
    def _staff_write(self, reservation, vals, live):
        """Write as staff; the write must be refused exactly when it gives a full day
        one place too many."""
        limits = self._limits()
        old = (reservation.activity_id.id, reservation.unit_id.id, reservation.date)
        new = (
            old[0],
            vals.get("unit_id", old[1]),
            date.fromisoformat(vals["date"]) if "date" in vals else old[2],
        )
        state = vals.get("state", reservation.state)
        if state != "cancelled" and self.Reservation.search_count(
            [
                ("child_id", "=", reservation.child_id.id),
                ("activity_id", "=", new[0]),
                ("date", "=", new[2]),
                ("state", "!=", "cancelled"),
                ("id", "!=", reservation.id),
            ]
        ):
            return "duplicate"
        old_keys = (
            set(self._keys(old, limits)) if reservation.state in PLACE_STATES else set()
        )
        new_keys = set(self._keys(new, limits)) if state in PLACE_STATES else set()
        overbooks = any(live[key] + 1 > limits[key[:2]] for key in new_keys - old_keys)
        try:
            with self.cr.savepoint():
                reservation.with_user(self.manager).write(vals)
            refused = False
        except ValidationError as error:
            self.assertIn("complet", str(error))
            refused = True
        self.assertEqual(
            refused, overbooks, f"write {vals} on {old} ({reservation.state})"
        )
        return "refused" if refused else "written"

    def _run_step(self, rng, live):
        kind = rng.choice(
            [
                "book",
                "book",
                "book",
                "book_bulk",
                "cancel",
                "absence",
                "absence_end",
                "state",
                "move",
                "delete",
                "capacity",
                "promote",
            ]
        )
        registration = rng.choice(self.registrations)
        unit = rng.choice(registration.activity_id.unit_ids)
        day = rng.choice(self.DAYS)
        reservations = self.Reservation.search(
            [("activity_id", "in", self.activities.ids)]
        )
        reservation = rng.choice(reservations) if reservations else None
        if kind == "book":
            self.Reservation._book(
                [
                    {
                        "registration_id": registration.id,
                        "unit_id": unit.id,
                        "date": day,
                        "waiting_list": rng.random() < 0.5,
                    }
                ]
            )
        elif kind == "book_bulk":
            self.Reservation._book_bulk(
                [
                    {"registration_id": registration.id, "unit_id": unit.id, "date": d}
                    for d in rng.sample(self.DAYS, 2)
                ]
            )
        elif kind == "cancel" and reservation:
            reservation._cancel()
        elif kind == "absence":
            self.env["family.absence"].with_user(self.agent).create(
                {
                    "child_id": rng.choice(self.children).id,
                    "date_from": day,
                    "date_to": day,
                    "justified": rng.random() < 0.5,
                }
            )
        elif kind == "absence_end":
            absences = self.env["family.absence"].search(
                [("child_id", "in", self.children.ids)]
            )
            if absences:
                rng.choice(absences).with_user(self.agent).unlink()
        elif kind == "state" and reservation:
            state = rng.choice(
                [
                    "reserved",
                    "cancelled",
                    "attended",
                    "absent_justified",
                    "absent_unjustified",
                ]
            )
            return self._staff_write(reservation, {"state": state}, live)
        elif kind == "move" and reservation and reservation.state != "waiting":
            vals = (
                {"date": day}
                if rng.random() < 0.5
                else {"unit_id": rng.choice(reservation.activity_id.unit_ids).id}
            )
            return self._staff_write(reservation, vals, live)
        elif kind == "delete" and reservation:
            reservation.with_user(self.manager).unlink()
        elif kind == "capacity":
            target = rng.choice([*self.activities, *self.units])
            target.with_user(self.manager).capacity = rng.choice([0, 1, 2, 3])
            return "capacity"
        elif kind == "promote":
            waiting = self.Reservation.search(
                [("activity_id", "in", self.activities.ids), ("state", "=", "waiting")]
            )
            self.Reservation._promote_waiting_list_on(
                [(r.activity_id.id, r.date) for r in waiting]
            )
            return "promote"
        return kind

    @freeze_time("2025-11-03")
    @mute_logger("odoo.addons.portail_famille.models.family_activity_place")
    def test_random_sequences_keep_the_counters_exact(self):
        rng = random.Random(20251103)
        outcomes = Counter()
        live, stale = self._live(), False
        for step in range(self.STEPS):
            outcome = self._run_step(rng, live)
            outcomes[outcome] += 1
            if outcome == "capacity":
                stale = True  # more places do not promote anybody until staff do it
            elif outcome == "promote":
                stale = False
            live = self._check(f"step {step} ({outcome})", live, stale)
            if step % 50 == 0:
                self.assertCountersExact(self.activities)
        self.assertCountersExact(self.activities)
        # the sequence really went through every path, refusals included
        for outcome in (
            "book",
            "book_bulk",
            "cancel",
            "absence",
            "absence_end",
            "written",
            "refused",
            "delete",
            "capacity",
            "promote",
        ):
            self.assertTrue(outcomes[outcome], f"no {outcome} in {outcomes}")
        self.assertTrue(
            self.Reservation.search_count(
                [("activity_id", "in", self.activities.ids), ("state", "=", "waiting")]
            )
            or outcomes["promote"]
        )
