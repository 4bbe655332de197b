import threading
import uuid

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.service.model import retrying
from odoo.tests import TransactionCase

PLACES = 3
FAMILIES = 8
DAY = "2095-11-16"  # a Wednesday, far from any deadline


class CommittedTownMixin:
    """A Wednesday activity of 2095 (PLACES places, a unit at 9.00) and FAMILIES
    households with a child registered, committed so that threads, each in its own
    transaction, see them; removed by ``_cleanup``."""

    def _cursor(self):
        return sql_db.db_connect(self.env.cr.dbname).cursor()

    def _setup_committed_data(self):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
            tag = uuid.uuid4().hex[:8]
            year = env["family.school.year"].create(
                {
                    "name": f"2095/2096 concurrency {tag}",
                    "date_start": "2095-09-01",
                    "date_end": "2096-08-31",
                    # bookings open once the school holidays are entered
                    "period_ids": [
                        Command.create(
                            {
                                "name": "Été 2096",
                                "kind": "summer",
                                "date_start": "2096-07-04",
                                "date_end": "2096-08-31",
                            }
                        )
                    ],
                }
            )
            activity = env["family.activity"].create(
                {
                    "name": f"CL Mercredis {tag}",
                    "kind": "alsh_wednesday",
                    "school_year_id": year.id,
                    "capacity": PLACES,
                    "booking_rule": "days_before",
                    "booking_days_before": 6,
                    "monday": False,
                    "tuesday": False,
                    "thursday": False,
                    "friday": False,
                    "unit_ids": [
                        Command.create(
                            {
                                "name": "Journée",
                                "tariff_ids": [
                                    Command.create({"name": "JOURNEE", "price": 9.0})
                                ],
                            }
                        )
                    ],
                }
            )
            households = env["family.household"].create(
                [{"name": f"Famille CONCUR{i} {tag}"} for i in range(FAMILIES)]
            )
            children = env["family.child"].create(
                [
                    {
                        "first_name": f"Enfant{i}",
                        "last_name": "Concur",
                        "birth_date": "2019-01-01",
                        "class_level": "ce1",
                        "household_id": household.id,
                    }
                    for i, household in enumerate(households)
                ]
            )
            registrations = env["family.registration"].create(
                [
                    {
                        "child_id": child.id,
                        "activity_id": activity.id,
                        "state": "validated",
                    }
                    for child in children
                ]
            )
            ids = {
                "year": year.id,
                "activity": activity.id,
                "unit": activity.unit_ids.id,
                "households": households.ids,
                "registrations": registrations.ids,
            }
        return ids

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

    def test_last_places_are_never_overbooked(self):
        ids = self._setup_committed_data()
        self.addCleanup(self._cleanup, ids)
        barrier = threading.Barrier(FAMILIES)
        outcomes, lock = [], threading.Lock()

        def book(registration_id):
            barrier.wait()
            try:
                with self._cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})

                    def attempt():
                        return env["family.reservation"]._book(
                            [
                                {
                                    "registration_id": registration_id,
                                    "unit_id": ids["unit"],
                                    "date": DAY,
                                },
                            ]
                        )[0]

                    result = retrying(attempt, env)
                    outcome = result["error"] or result["state"]
            except Exception as error:
                outcome = f"failed: {error}"
            with lock:
                outcomes.append(outcome)

        threads = [
            threading.Thread(target=book, args=(rid,)) for rid in ids["registrations"]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        with self._cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM family_reservation "
                "WHERE activity_id = %s AND date = %s AND state = 'reserved'",
                [ids["activity"], DAY],
            )
            booked = cr.fetchone()[0]
            cr.execute(
                "SELECT reserved_count FROM family_activity_day "
                "WHERE activity_id = %s AND unit_id IS NULL "
                "AND date = %s",
                [ids["activity"], DAY],
            )
            counter = cr.fetchone()[0]
        self.assertEqual(len(outcomes), FAMILIES, outcomes)
        self.assertEqual(booked, PLACES, outcomes)
        self.assertEqual(counter, PLACES, outcomes)
        self.assertEqual(outcomes.count("reserved"), PLACES, outcomes)
        full = [o for o in outcomes if o != "reserved"]
        self.assertTrue(all("complet" in o for o in full), full)
