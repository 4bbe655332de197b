from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError

from odoo.addons.queue_job.job import Job

from .test_reservation import ReservationCommon


class BillingCommon(ReservationCommon):
    """MARTIN (QF 500: meal REPAS T2 at 2.80, Wednesday CL DEMI-JOURNEE T1 at 4.00) and
    DURAND (no QF: the highest brackets, 4.80 and 10.40) booked in December 2025, billed
    in January 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reg_b1_resto = cls._create_registration(cls.child_b1, cls.act_restaurant)
        cls.reg_b1_resto.action_validate()
        cls.household_a.email = "famille.martin@example.com"
        cls.household_b.email = False
        cls.Run = cls.env["family.billing.run"].with_user(cls.accountant)

    def _book_days(self, registration, days, unit=None):
        """Staff book past days (an override): what attendance sheets leave behind."""
        unit = unit or registration.activity_id.unit_ids[:1]
        results = self.Reservation.with_context(booking_override=True)._book(
            [
                {"registration_id": registration.id, "unit_id": unit.id, "date": day}
                for day in days
            ],
            raise_on_error=True,
        )
        return self.Reservation.union(*(result["reservation"] for result in results))

    def _run(self, month, **vals):
        # not the demo town's activities
        activities = self.act_restaurant | self.act_wednesday
        run = self.Run.create(
            {"month": month, "activity_ids": [Command.set(activities.ids)], **vals}
        )
        self._bill(run)
        return run

    def _bill(self, run):
        """Bill the month as the button does, then run its queue jobs."""
        run.action_run()
        self._run_jobs(run)

    def _run_jobs(self, run, limit=None):
        """What queue_job's runner does with the run's jobs, in this transaction: run
        each pending job as its user, mark it done, and let the jobs waiting for it
        go (``limit``: stop after that many jobs)."""
        performed = 0
        while limit is None or performed < limit:
            pending = run._jobs().filtered(lambda record: record.state == "pending")
            if not pending:
                break
            job = Job.load(self.env, pending.sorted("id")[0].uuid)
            job.set_started()
            job.perform()
            job.set_done()
            job.store()
            self.env.flush_all()
            job.enqueue_waiting()
            performed += 1
        run.invalidate_recordset()
        return performed

    def _invoices(self, household, move_type="out_invoice"):
        return self.env["account.move"].search(
            [
                ("partner_id", "=", household.partner_id.id),
                ("move_type", "=", move_type),
            ],
            order="id",
        )


class TestBillingRun(BillingCommon):
    def test_demo_town_keeps_french_books_in_euros(self):
        company = self.env.ref("base.main_company")
        self.assertEqual(company.currency_id.name, "EUR")
        self.assertEqual(company.chart_template, "fr")
        self.assertEqual(company.account_fiscal_country_id.code, "FR")

    def test_demo_town_has_a_living_account(self):
        """The demo's last months are billed: invoices paid by card, direct debit,
        cheque or cash, one unpaid, a credit note against an invoice, all in euros."""
        runs = self.env["family.billing.run"].search(
            [("state", "in", ("done", "error"))]
        )
        self.assertTrue(runs, "the demo town has no billing history")
        moves = runs.line_ids.move_ids
        invoices = moves.filtered(lambda move: move.move_type == "out_invoice")
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(set(moves.currency_id.mapped("name")), {"EUR"})
        self.assertIn("paid", invoices.mapped("payment_state"))
        self.assertIn("not_paid", invoices.mapped("payment_state"))
        refunds = moves.filtered(lambda move: move.move_type == "out_refund")
        self.assertTrue(refunds.reversed_entry_id)
        billed_days = self.env["family.reservation"].search_count(
            [("invoice_line_id", "in", invoices.line_ids.ids)]
        )
        self.assertEqual(
            billed_days, int(sum(invoices.invoice_line_ids.mapped("quantity")))
        )

    @freeze_time("2026-01-05")
    def test_one_invoice_per_household_with_a_line_per_child_and_unit(self):
        meals = self._book_days(
            self.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04"]
        )
        self._book_days(self.reg_a1_wed, ["2025-12-03", "2025-12-10"])
        self._book_days(self.reg_a2_wed, ["2025-12-03"])
        self._book_days(self.reg_b1_wed, ["2025-12-10"])
        run = self._run("2025-12-15")

        self.assertEqual(run.state, "done")
        self.assertEqual(
            (run.household_total, run.invoice_count, run.error_count), (2, 2, 0)
        )
        invoice_a = self._invoices(self.household_a)
        self.assertEqual(len(invoice_a), 1)
        self.assertEqual(invoice_a.state, "posted")
        self.assertEqual(invoice_a.currency_id.name, "EUR")
        self.assertEqual(invoice_a.invoice_date.isoformat(), "2026-01-05")
        lines = {line.name: line for line in invoice_a.invoice_line_ids}
        self.assertEqual(
            sorted(lines),
            [
                "Léa MARTIN – Après-midi AVEC repas – CL DEMI-JOURNEE T1 : 3, 10 déc.",
                "Léa MARTIN – Repas – REPAS T2 : 1, 2, 4 déc.",
                "Tom MARTIN – Après-midi AVEC repas – CL DEMI-JOURNEE T1 : 3 déc.",
            ],
        )
        meal_line = lines["Léa MARTIN – Repas – REPAS T2 : 1, 2, 4 déc."]
        self.assertEqual((meal_line.quantity, meal_line.price_unit), (3, 2.80))
        self.assertEqual(meal_line.product_id, self.unit_meal.product_id)
        self.assertEqual(
            meal_line.account_id,
            self.unit_meal.product_id._get_product_accounts()["income"],
        )
        self.assertTrue(
            meal_line.account_id.code.startswith("70"), meal_line.account_id.code
        )
        self.assertFalse(meal_line.tax_ids)
        self.assertAlmostEqual(invoice_a.amount_total, 3 * 2.80 + 3 * 4.00)
        analytic = self.env["account.analytic.account"].browse(
            int(next(iter(meal_line.analytic_distribution)))
        )
        self.assertEqual(
            analytic.plan_id, self.env.ref("portail_famille.analytic_plan_services")
        )
        self.assertEqual(analytic.name, "Restauration scolaire")
        wednesday_line = lines[
            "Tom MARTIN – Après-midi AVEC repas – CL DEMI-JOURNEE T1 : 3 déc."
        ]
        self.assertNotEqual(
            next(iter(wednesday_line.analytic_distribution)), str(analytic.id)
        )
        # each billed day is marked and linked to its line
        self.assertEqual(set(meals.mapped("invoiced")), {True})
        self.assertEqual(meals.invoice_line_id, meal_line)
        self.assertEqual(self._invoices(self.household_b).amount_total, 10.40)
        self.assertIn("2 facture(s) validée(s) pour 30,80", run.summary)

    @freeze_time("2026-01-05")
    def test_a_price_change_within_the_month_gives_one_line_per_price(self):
        days = self._book_days(
            self.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04"]
        )
        days[2].sudo().write({"price_unit": 1.50, "tariff_name": "REPAS T1"})
        self._run("2025-12-01")
        lines = self._invoices(self.household_a).invoice_line_ids.sorted("price_unit")
        self.assertEqual(
            [(line.quantity, line.price_unit) for line in lines], [(1, 1.50), (2, 2.80)]
        )
        self.assertEqual(lines[0].name, "Léa MARTIN – Repas – REPAS T1 : 4 déc.")

    @freeze_time("2026-01-05")
    def test_absences_are_billed_as_the_activity_says(self):
        meals = self._book_days(
            self.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04", "2025-12-05"]
        )
        # unjustified: billed (the restaurant's rule)
        meals[1].with_user(self.agent).action_mark_absent()
        # justified: not billed
        meals[2].with_user(self.agent).action_mark_absent_justified()
        meals[3].with_user(self.agent).action_mark_attended()
        self.act_wednesday.absence_billing = "none"
        wednesdays = self._book_days(self.reg_a1_wed, ["2025-12-03", "2025-12-10"])
        # never billed for this activity
        wednesdays[0].with_user(self.agent).action_mark_absent()
        self._run("2025-12-01")
        lines = self._invoices(self.household_a).invoice_line_ids
        self.assertEqual(
            sorted((line.name, line.quantity) for line in lines),
            [
                (
                    "Léa MARTIN – Après-midi AVEC repas – CL DEMI-JOURNEE T1 : 10 déc.",
                    1,
                ),
                ("Léa MARTIN – Repas – REPAS T2 : 1, 2, 5 déc.", 3),
            ],
        )
        self.assertFalse(meals[2].invoiced)
        self.assertFalse(wednesdays[0].invoiced)

    @freeze_time("2026-01-05")
    def test_running_a_month_again_bills_nothing_twice(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01", "2025-12-02"])
        self._run("2025-12-01")
        again = self._run("2025-12-01")
        self.assertEqual(len(self._invoices(self.household_a)), 1)
        self.assertEqual(
            (again.invoice_count, again.nothing_count, again.state), (0, 1, "done")
        )
        self.assertIn("Rien à facturer", again.line_ids.message)
        # the same run record run again: still one invoice
        self._bill(again)
        self.assertEqual(len(self._invoices(self.household_a)), 1)

    @freeze_time("2026-01-05")
    def test_a_failing_household_is_reported_and_the_others_are_billed(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        self._book_days(self.reg_b1_wed, ["2025-12-03"])
        product = self.unit_wed.product_id
        self.unit_wed.product_id = False
        run = self._run("2025-12-01")
        self.assertEqual(run.state, "error")
        self.assertEqual(len(self._invoices(self.household_a)), 1)
        self.assertFalse(self._invoices(self.household_b))
        failed = run.line_ids.filtered(lambda line: line.result == "error")
        self.assertEqual(failed.household_id, self.household_b)
        self.assertEqual(
            failed.message,
            "Non facturé : CL Mercredis – Après-midi AVEC repas n'a pas de produit de "
            "facturation.",
        )
        self.assertIn("1 foyer(s) n'ont pas pu être facturés", run.summary)
        # fixed and run again: the failing household is billed, the others are not
        # billed twice
        self.unit_wed.product_id = product
        self._bill(run)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self._invoices(self.household_b)), 1)
        self.assertEqual(len(self._invoices(self.household_a)), 1)
        # the run keeps the invoice of its first pass and adds the household billed now
        self.assertEqual(
            run.line_ids.move_ids,
            self._invoices(self.household_a) | self._invoices(self.household_b),
        )
        self.assertEqual(
            (run.invoice_count, run.household_done, run.progress), (2, 2, 100.0)
        )

    @freeze_time("2026-01-05")
    def test_a_product_without_income_account_is_reported(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        product = self.unit_meal.product_id.product_tmpl_id
        category = self.env["product.category"].create({"name": "Sans compte"})
        category.property_account_income_categ_id = False
        product.write({"categ_id": category.id, "property_account_income_id": False})
        if product._get_product_accounts()["income"]:
            self.skipTest("the chart gives every category an income account")
        run = self._run("2025-12-01")
        self.assertEqual(run.line_ids.result, "error")
        self.assertIn("n'a pas de compte de produits", run.line_ids.message)
        self.assertFalse(self._invoices(self.household_a))

    def test_a_justified_absence_after_billing_gives_a_credit_note_of_that_amount(self):
        with freeze_time("2026-01-05"):
            meals = self._book_days(
                self.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04"]
            )
            self._run("2025-12-01")
        december = self._invoices(self.household_a)
        with freeze_time("2026-01-20"):
            # the certificate arrives after the invoice: staff justify the absence
            meals[1].with_user(self.agent).action_mark_absent_justified()
            self.assertEqual(meals[1].state, "absent_justified")
            self._book_days(self.reg_a1_resto, ["2026-01-05"])
        with freeze_time("2026-02-02"):
            run = self._run("2026-01-01")
        refund = self._invoices(self.household_a, "out_refund")
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.reversed_entry_id, december)
        self.assertEqual(refund.amount_total, 2.80)
        self.assertEqual(
            refund.invoice_line_ids.name, "Léa MARTIN – Repas – REPAS T2 : 2 déc."
        )
        self.assertEqual(
            refund.invoice_line_ids.account_id, december.invoice_line_ids.account_id
        )
        self.assertEqual(december.state, "posted")
        # the posted invoice is never edited
        self.assertAlmostEqual(december.amount_total, 3 * 2.80)
        self.assertEqual(run.line_ids.result, "invoice_refund")
        self.assertEqual(len(self._invoices(self.household_a)), 2)
        self.assertEqual(meals[1].billed_amount, 0)
        with freeze_time("2026-02-03"):
            again = self._run("2026-01-01")
        self.assertEqual(len(self._invoices(self.household_a, "out_refund")), 1)
        self.assertEqual(again.refund_count, 0)

    def test_a_billed_day_cannot_be_cancelled_by_the_parent_but_staff_can_mark_it(self):
        with freeze_time("2025-12-10"):
            meal = self._book_days(self.reg_a1_resto, ["2026-01-12"])
        with freeze_time("2026-02-02"):
            self._run("2026-01-01")
        self.assertTrue(meal.invoiced)
        # even before the deadline, an invoiced day stays booked
        with freeze_time("2025-12-11"):
            cart = (
                self.env["family.booking.cart"]
                .with_user(self.parent_a)
                ._get_for_household(self.household_a.with_user(self.parent_a))
            )
            errors = cart.add_cancellations(meal.with_user(self.parent_a))
        self.assertIn("déjà facturé", errors[meal.id])
        self.assertEqual(meal.state, "reserved")
        with freeze_time("2026-02-03"):
            meal.with_user(self.agent).action_mark_attended()
        self.assertEqual(meal.state, "attended")

    def test_only_staff_justify_an_absence_on_an_invoiced_day(self):
        with freeze_time("2026-01-05"):
            meals = self._book_days(self.reg_a1_resto, ["2025-12-01", "2025-12-02"])
            self._run("2025-12-01")
        with freeze_time("2026-01-10"):
            absence = (
                self.env["family.absence"]
                .with_user(self.parent_a)
                ._portal_declare(
                    self.child_a1.with_user(self.parent_a),
                    {"date_from": "2025-12-02", "date_to": "2025-12-02"},
                )
            )
            # a family's declaration leaves a billed day alone
            self.assertEqual(meals[1].state, "reserved")
            absence.with_user(self.agent).justified = True
        self.assertEqual(meals[1].state, "absent_justified")
        self.assertEqual(meals[0].state, "reserved")

    @freeze_time("2026-04-02")
    def test_a_month_without_reservations_has_nothing_to_bill(self):
        run = self._run("2026-03-01")
        self.assertEqual(run.state, "done")
        self.assertFalse(run.line_ids)
        self.assertEqual(
            run.summary,
            "Rien à facturer pour mars 2026 : aucune réservation de ces activités ce "
            "mois-là.",
        )

    @freeze_time("2026-01-05")
    def test_a_household_without_email_is_billed_but_not_sent(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        self._book_days(self.reg_b1_resto, ["2025-12-01"])
        run = self._run("2025-12-01")
        line_a = run.line_ids.filtered(
            lambda line: line.household_id == self.household_a
        )
        line_b = run.line_ids.filtered(
            lambda line: line.household_id == self.household_b
        )
        self.assertTrue(line_a.sent)
        self.assertFalse(line_b.sent)
        self.assertEqual(
            line_b.message,
            "Validée mais non envoyée : le foyer n'a pas d'adresse e-mail.",
        )
        self.assertEqual(self._invoices(self.household_b).state, "posted")
        self.assertEqual(run.unsent_count, 1)
        # Odoo's sending queue makes the PDF and queues the e-mail of the household with
        # an address
        invoice_a = self._invoices(self.household_a)
        self.assertTrue(invoice_a.sending_data)
        self.assertFalse(self._invoices(self.household_b).sending_data)
        self.env["account.move"]._cron_account_move_send()
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice_a.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(self.household_a.partner_id, mail.recipient_ids)
        self.assertTrue(invoice_a.invoice_pdf_report_id)

    def test_only_accountants_run_the_billing(self):
        run = self.Run.create({"month": "2025-12-01"})
        for user in (self.parent_a, self.agent):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                run.with_user(user).action_run()
        with self.assertRaises(AccessError):
            self.env["family.billing.run"].with_user(self.parent_a).create(
                {"month": "2025-12-01"}
            )

    def test_the_scheduled_action_bills_last_month(self):
        with freeze_time("2025-12-10"):
            self._book_days(self.reg_a1_resto, ["2025-12-11"])
        with freeze_time("2026-01-01"):
            run = self.env["family.billing.run"]._cron_bill_previous_month()
            self._run_jobs(run)
        self.assertEqual(run.date_from.isoformat(), "2025-12-01")
        self.assertIn(self.act_restaurant, run.activity_ids)
        self.assertEqual(len(self._invoices(self.household_a)), 1)
