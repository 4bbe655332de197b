import threading
import uuid

from odoo import SUPERUSER_ID, api, sql_db
from odoo.service.model import retrying
from odoo.tests import TransactionCase

from .common import create_race_town

PLACES = 3
FAMILIES = 8
DAY = "2095-11-16"  # a Wednesday, far from any deadline


class CommittedTownMixin:
    """A Wednesday activity of 2095 (PLACES places, a unit at 9.00) and FAMILIES
    households with a child registered, committed so that threads, each in its own
    transaction, see them; removed by ``_cleanup``."""

    def _cursor(self):
        return sql_db.db_connect(self.env.cr.dbname).cursor()

    def _setup_committed_data(self, capacity=PLACES):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
            return create_race_town(
                env, FAMILIES, capacity, f"concurrency {uuid.uuid4().hex[:8]}"
            )

    def _cleanup(self, ids):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
            activity = env["family.activity"].browse(ids["activity"])
            env["family.reservation"].search(
                [("activity_id", "=", activity.id)]
            ).unlink()
            registrations = env["family.registration"].browse(ids["registrations"])
            registrations.unlink()
            households = env["family.household"].browse(ids["households"])
            partners = households.partner_id
            households.unlink()
            partners.unlink()
            products = activity.unit_ids.product_id
            activity.unlink()
            products.unlink()
            env["family.school.year"].browse(ids["year"]).unlink()


class TestCapacityUnderConcurrency(CommittedTownMixin, TransactionCase):
    """Many parents book the last places of a day at the same moment, each in its own
    database transaction (REPEATABLE READ, as Odoo's requests), with Odoo's retry on
    serialization failures. The day must never be overbooked. The data is committed
    (threads cannot see the test's transaction) and removed at the end."""

    def _race(self, calls):
        """Run each of ``calls`` (lists of booking requests, booked through ``_book``,
        or functions of an environment) in its own thread and transaction, all at once
        behind a barrier, with Odoo's retries. Returns ([per call: its results' error
        or state (a function's result), or "failed: ..."], the number of retries after
        a serialization failure)."""
        barrier = threading.Barrier(len(calls))
        outcomes, retries, lock = [None] * len(calls), [0], threading.Lock()

        def book(index):
            barrier.wait()
            attempts = 0
            try:
                with self._cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})

                    def attempt():
                        nonlocal attempts
                        attempts += 1
                        if callable(calls[index]):
                            return calls[index](env)
                        results = env["family.reservation"]._book(calls[index])
                        return [
                            result["error"] or result["state"] for result in results
                        ]

                    outcome = retrying(attempt, env)
            except Exception as error:  # a parent would get a 500
                outcome = f"failed: {error}"
            with lock:
                outcomes[index] = outcome
                retries[0] += attempts - 1

        threads = [threading.Thread(target=book, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return outcomes, retries[0]

    def _count_day(self, ids, day=DAY):
        with self._cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM family_reservation "
                "WHERE activity_id = %s AND date = %s AND state = 'reserved'",
                [ids["activity"], day],
            )
            booked = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM family_activity_place "
                "WHERE activity_id = %s AND unit_id IS NULL "
                "AND date = %s AND reservation_id IS NOT NULL",
                [ids["activity"], day],
            )
            return booked, cr.fetchone()[0]

    def _request(self, ids, registration_id, day=DAY):
        return {"registration_id": registration_id, "unit_id": ids["unit"], "date": day}

    def test_last_places_are_never_overbooked(self):
        ids = self._setup_committed_data()
        self.addCleanup(self._cleanup, ids)
        outcomes, retries = self._race(
            [[self._request(ids, rid)] for rid in ids["registrations"]]
        )
        outcomes = [outcome[0] for outcome in outcomes]
        self.assertEqual(self._count_day(ids), (PLACES, PLACES), outcomes)
        self.assertEqual(outcomes.count("reserved"), PLACES, outcomes)
        full = [o for o in outcomes if o != "reserved"]
        self.assertTrue(all("complet" in o for o in full), full)
        # the losers were told at once: no serialization failure, no retry
        self.assertEqual(retries, 0)

    def test_a_day_with_free_places_gives_every_one_at_once(self):
        ids = self._setup_committed_data(capacity=FAMILIES)
        self.addCleanup(self._cleanup, ids)
        outcomes, retries = self._race(
            [[self._request(ids, rid)] for rid in ids["registrations"]]
        )
        self.assertEqual(outcomes, [["reserved"]] * FAMILIES)
        self.assertEqual(self._count_day(ids), (FAMILIES, FAMILIES))
        self.assertEqual(retries, 0)

    def test_two_tabs_booking_the_same_unlimited_day(self):
        """A parent in two tabs, an agent, a weekly template: four calls book the same
        child's same day of an activity without a limit, each with another day of its
        own. One books the shared day, the three others are told it is already booked
        and still book their own day."""
        ids = self._setup_committed_data(capacity=0)
        self.addCleanup(self._cleanup, ids)
        child = ids["registrations"][0]
        own_days = ["2095-11-23", "2095-11-30", "2095-12-07", "2095-12-14"]
        outcomes, _retries = self._race(
            [
                [self._request(ids, child), self._request(ids, child, own_day)]
                for own_day in own_days
            ]
        )
        shared = [outcome[0] for outcome in outcomes]
        self.assertEqual(shared.count("reserved"), 1, outcomes)
        refused = [o for o in shared if o != "reserved"]
        self.assertEqual(len(refused), 3, outcomes)
        for message in refused:
            self.assertIn("16/11/2095", message)
            self.assertIn("déjà réservé(e) pour " + ids["name"], message)
        self.assertEqual([outcome[1] for outcome in outcomes], ["reserved"] * 4)
        self.assertEqual(self._count_day(ids)[0], 1)
        for own_day in own_days:
            self.assertEqual(self._count_day(ids, own_day)[0], 1)

    def test_cancellations_promotions_and_templates_racing_bookings(self):
        """A full day: while two families cancel (their places go to the waiting
        list), others book it one by one, a weekly template books it in bulk, and two
        more families join the waiting list. Nobody gets a server error, the day ends
        exactly full, every place is held by a booking."""
        ids = self._setup_committed_data()
        self.addCleanup(self._cleanup, ids)
        registrations = ids["registrations"]
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
            booked = env["family.reservation"]._book(
                [self._request(ids, rid) for rid in registrations[:PLACES]]
                + [
                    dict(self._request(ids, rid), waiting_list=True)
                    for rid in registrations[PLACES : PLACES + 2]
                ]
            )
            self.assertEqual(
                [result["state"] for result in booked],
                ["reserved"] * PLACES + ["waiting"] * 2,
            )
            leaving = [result["reservation"].id for result in booked[:2]]

        def cancel(reservation_id):
            def call(env):
                return list(
                    env["family.reservation"].browse(reservation_id)._cancel().values()
                )

            return call

        def bulk(registration_id):
            def call(env):
                return env["family.reservation"]._book_bulk(
                    [self._request(ids, registration_id)]
                )["errors"]

            return call

        others = registrations[PLACES + 2 :]
        outcomes, _retries = self._race(
            [cancel(reservation_id) for reservation_id in leaving]
            + [[self._request(ids, others[0])], [self._request(ids, others[1])]]
            + [bulk(others[2])]
        )
        self.assertFalse([o for o in outcomes if isinstance(o, str)], outcomes)
        self.assertEqual(outcomes[:2], [[None], [None]])
        self.assertEqual(self._count_day(ids), (PLACES, PLACES), outcomes)
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            activity = env["family.activity"].browse(ids["activity"])
            self.assertEqual(
                env["family.activity.place"]._check_place_counters(activity), []
            )
