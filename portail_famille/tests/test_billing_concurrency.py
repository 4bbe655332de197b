import threading

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase

from .test_reservation_concurrency import PLACES, CommittedTownMixin

MONTH = "2095-11-01"
WEDNESDAYS = ["2095-11-09", "2095-11-16", "2095-11-23"]


class TestBillingRunsRacing(CommittedTownMixin, TransactionCase):
    """Two accountants bill the same month at the same moment, each run in its own
    database transaction: the first locks the days it bills, the second is refused
    on them at once (it would bill them twice) and says so on its result lines. Both
    transactions are rolled back at the end: no invoice is left behind."""

    def _book(self, ids):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
            env["family.reservation"].with_context(booking_override=True)._book(
                [
                    {
                        "registration_id": registration_id,
                        "unit_id": ids["unit"],
                        "date": day,
                    }
                    for registration_id in ids["registrations"][:PLACES]
                    for day in WEDNESDAYS
                ],
                raise_on_error=True,
            )

    def _new_run(self, env, ids):
        return env["family.billing.run"].create(
            {
                "month": MONTH,
                "invoice_date": "2095-12-01",
                "activity_ids": [Command.set([ids["activity"]])],
            }
        )

    def _read(self, env, ids, run):
        days = env["family.reservation"].search([("activity_id", "=", ids["activity"])])
        moves = run.line_ids.move_ids
        return {
            "state": run.state,
            "invoices": len(moves),
            "billed_days": len(days.filtered("invoice_line_id")),
            "quantity": sum(moves.invoice_line_ids.mapped("quantity")),
            "errors": run.line_ids.filtered(lambda line: line.result == "error").mapped(
                "message"
            ),
            "summary": run.summary,
        }

    def _bill_in_own_transaction(self, ids, outcome, key, hold=None):
        """Bill the month in a transaction of its own, record what the run did,
        ``hold()`` with the transaction still open, then roll it back."""
        try:
            with self._cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
                run = self._new_run(env, ids)
                run._run()
                outcome[key] = self._read(env, ids, run)
                if hold:
                    hold()
                cr.rollback()
        except Exception as error:  # reported by the test's assertions
            outcome[key] = f"failed: {error!r}"

    def test_two_runs_of_the_same_month_bill_each_day_once(self):
        ids = self._setup_committed_data()
        self.addCleanup(self._cleanup, ids)
        self._book(ids)
        first_billed, second_done = threading.Event(), threading.Event()
        outcome = {}

        def hold_the_days():
            # the first run's transaction stays open (its days locked) while the
            # second runs
            first_billed.set()
            second_done.wait(120)

        def first():
            try:
                self._bill_in_own_transaction(ids, outcome, "first", hold_the_days)
            finally:
                first_billed.set()

        def second():
            first_billed.wait(120)
            try:
                self._bill_in_own_transaction(ids, outcome, "second")
            finally:
                second_done.set()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)

        first, second = outcome.get("first"), outcome.get("second")
        self.assertIsInstance(first, dict, outcome)
        self.assertIsInstance(second, dict, outcome)
        days = PLACES * len(WEDNESDAYS)
        # the first run bills every day, once
        self.assertEqual(first["state"], "done", first)
        self.assertEqual(
            (first["invoices"], first["billed_days"], first["quantity"]),
            (PLACES, days, days),
        )
        # the second bills nothing and says why, household by household
        self.assertEqual(second["state"], "error", second)
        self.assertEqual((second["invoices"], second["billed_days"]), (0, 0))
        self.assertEqual(len(second["errors"]), PLACES, second)
        for message in second["errors"]:
            self.assertIn(
                "ces jours sont en cours de facturation par une autre facturation",
                message,
            )
        self.assertIn(
            "%s foyer(s) n'ont pas pu être facturés" % PLACES, second["summary"]
        )
        # both rolled back: nothing billed is left
        with self._cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM family_reservation WHERE activity_id = %s "
                "AND invoiced",
                [ids["activity"]],
            )
            self.assertEqual(cr.fetchone()[0], 0)
