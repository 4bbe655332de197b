from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase

from odoo.addons.queue_job.job import Job

from .test_reservation import ReservationCommon

BATCH_SIZE = "odoo.addons.portail_famille.models.family_billing_run.BATCH_SIZE"


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
        BillingCommon._bill(self, run)
        return run

    def _bill(self, run):
        """Bill the month as the button does, then run its queue jobs (``self`` may
        be the test class, from ``setUpClass``)."""
        run.action_run()
        BillingCommon._run_jobs(self, run)

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

    def test_demo_town_books_its_services_on_its_m57_accounts(self):
        """The demo town books its services as French towns do (M57): périscolaire
        and school services on 7067, social services on 7066, through the category
        of each unit's product; its billed past is on those accounts."""
        for xmlid, code in (
            ("unit_2526_resto_elem_repas", "706700"),
            ("unit_2526_alae_matin_matin", "706700"),
            ("unit_2526_garderie_mercredi_garderie", "706700"),
            ("unit_2526_cl_elem_mercredi_journee", "706600"),
            ("unit_2526_clv_summer_journee", "706600"),
            ("unit_2526_bus_mercredi_trajet", "706600"),
            ("unit_2526_multi_accueil_heure", "706600"),
        ):
            product = self.env.ref("portail_famille.%s" % xmlid).product_id
            self.assertEqual(
                product._get_product_accounts()["income"].code, code, xmlid
            )
        runs = self.env["family.billing.run"].search(
            [("state", "in", ("done", "error"))]
        )
        codes = set(runs.line_ids.move_ids.invoice_line_ids.account_id.mapped("code"))
        self.assertIn("706700", codes)
        self.assertLessEqual(codes, {"706600", "706700"})

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
        # the invoice's chatter links it to the run that wrote it; the household
        # follows it (Odoo's posting), not the accountant who ran the billing
        created = invoice_a.message_ids.filtered(
            lambda message: "facturation mensuelle" in message.body
        )
        self.assertEqual(len(created), 1)
        self.assertIn(f'data-oe-id="{run.id}"', created.body)
        self.assertIn("Pièce créée par la facturation mensuelle", created.body)
        self.assertEqual(invoice_a.message_partner_ids, self.household_a.partner_id)

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
        self.assertFalse(product._get_product_accounts()["income"])
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

    def test_the_amounts_are_the_ones_odoo_computes_from_the_lines(self):
        """The run gives each line its amount (quantity × price, so that Odoo has
        no line to write again after the create): the invoice and the credit note
        are exactly what Odoo computes from their lines alone."""
        with freeze_time("2026-01-05"):
            meals = self._book_days(
                self.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04"]
            )
            self._book_days(self.reg_a1_wed, ["2025-12-03", "2025-12-10"])
            self._book_days(self.reg_a2_wed, ["2025-12-03"])
            self._run("2025-12-01")
        with freeze_time("2026-01-20"):
            meals[1].with_user(self.agent).action_mark_absent_justified()
        with freeze_time("2026-02-02"):
            self._run("2026-01-01")
        moves = self._invoices(self.household_a) | self._invoices(
            self.household_a, "out_refund"
        )
        self.assertEqual(moves.mapped("move_type"), ["out_invoice", "out_refund"])

        def amounts(move):
            return sorted(
                (
                    line.display_type,
                    line.account_id.code,
                    line.balance,
                    line.amount_currency,
                    line.debit,
                    line.credit,
                    line.price_subtotal,
                    line.price_total,
                )
                for line in move.line_ids
            )

        for move in moves:
            computed = self.env["account.move"].create(
                {
                    "move_type": move.move_type,
                    "partner_id": move.partner_id.id,
                    "journal_id": move.journal_id.id,
                    "invoice_date": move.invoice_date,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line.product_id.id,
                                "name": line.name,
                                "quantity": line.quantity,
                                "price_unit": line.price_unit,
                                "account_id": line.account_id.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for line in move.invoice_line_ids
                    ],
                }
            )
            self.assertEqual(amounts(move), amounts(computed))
            self.assertEqual(
                (move.amount_untaxed, move.amount_total),
                (computed.amount_untaxed, computed.amount_total),
            )
        self.assertAlmostEqual(moves[0].amount_total, 3 * 2.80 + 3 * 4.00)
        self.assertAlmostEqual(moves[1].amount_total, 2.80)
        # the credit note is reconciled with the invoice, as Odoo does for a reversal
        self.assertAlmostEqual(moves[0].amount_residual, 3 * 2.80 + 3 * 4.00 - 2.80)

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

    def test_a_run_in_a_closed_period_says_where_odoo_booked_it(self):
        """The accountant closed January's sales (lock date 31/01/2026) and bills
        December on 5 January: Odoo keeps the invoice date but books the invoice
        after the lock date; the run says so instead of surprising them."""
        with freeze_time("2026-01-05"):
            self._book_days(self.reg_a1_resto, ["2025-12-01"])
            before = self._run("2025-12-01")
        self.assertNotIn("Période close", before.summary)
        self._book_days(self.reg_a1_resto, ["2025-12-02"])
        with freeze_time("2026-02-10"):
            self.env.company.sale_lock_date = "2026-01-31"
            run = self._run("2025-12-01", invoice_date="2026-01-05")
        invoice = run.line_ids.move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_date.isoformat(), "2026-01-05")
        self.assertGreater(invoice.date.isoformat(), "2026-01-31")
        note = (
            "Période close : les pièces sont datées du 05/01/2026, mais la "
            "comptabilité est verrouillée jusqu'au 31/01/2026 : Odoo les a donc "
            "comptabilisées au %s." % invoice.date.strftime("%d/%m/%Y")
        )
        self.assertIn(note, run.summary)
        self.assertIn("Période close", run.message_ids[0].body)

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


class TestBillingRunJobs(BillingCommon):
    @freeze_time("2026-01-05")
    def test_the_month_is_billed_by_jobs_and_shows_its_progress(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        self._book_days(self.reg_b1_wed, ["2025-12-03"])
        activities = self.act_restaurant | self.act_wednesday
        run = self.Run.create(
            {"month": "2025-12-01", "activity_ids": [Command.set(activities.ids)]}
        )
        with patch(BATCH_SIZE, 1):
            run.action_run()
        # one job per batch of households, then the summary once they are done
        jobs = run._jobs().sorted("name")
        self.assertEqual(
            jobs.mapped("name"),
            [
                "Facturation de décembre 2025 : foyers 1 à 1 sur 2",
                "Facturation de décembre 2025 : foyers 2 à 2 sur 2",
                "Facturation de décembre 2025 : récapitulatif et envoi",
            ],
        )
        self.assertEqual(set(jobs.mapped("channel")), {"root.portail_famille_billing"})
        self.assertEqual(
            jobs.mapped("state"), ["pending", "pending", "wait_dependencies"]
        )
        self.assertTrue(all(job.identity_key for job in jobs))
        self.assertEqual(
            (run.state, run.household_total, run.household_done, run.progress),
            ("running", 2, 0, 0.0),
        )
        self.assertFalse(self._invoices(self.household_a))
        # clicking again while the jobs run enqueues nothing more
        with self.assertRaises(UserError) as raised:
            run.action_run()
        self.assertEqual(
            raised.exception.args[0],
            "Facturation de décembre 2025 est déjà en cours (0 foyer(s) traité(s) "
            "sur 2) : attendez qu'elle soit terminée, puis relancez-la si besoin.",
        )
        self.assertEqual(run._jobs(), jobs)
        # the administrator (a queue manager) opens them from the run; accountants
        # do not see the button
        admin_run = run.with_user(self.env.ref("base.user_admin"))
        self.assertEqual(admin_run.job_count, 3)
        action = admin_run.action_view_jobs()
        self.assertEqual(self.env["queue.job"].search(action["domain"]), jobs)
        with self.assertRaises(AccessError):
            run.read(["job_count"])
        # the first batch done: half of the households, the run still running
        self.assertEqual(self._run_jobs(run, limit=1), 1)
        self.assertEqual(
            (run.state, run.household_done, run.progress), ("running", 1, 50.0)
        )
        self.assertEqual(len(run.line_ids.move_ids), 1)
        # the second batch, then the summary
        self.assertEqual(self._run_jobs(run), 2)
        self.assertEqual(set(run._jobs().mapped("state")), {"done"})
        self.assertEqual(
            (run.state, run.household_done, run.progress, run.invoice_count),
            ("done", 2, 100.0, 2),
        )
        self.assertIn("2 facture(s) validée(s)", run.summary)
        self.assertIn("2 facture(s) validée(s)", run.message_ids[:1].body)
        self.assertEqual(len(self._invoices(self.household_a)), 1)
        self.assertEqual(len(self._invoices(self.household_b)), 1)
        # a batch job run a second time (a worker restarted) bills nothing twice
        self.assertEqual(
            run._job_bill_batch([self.household_a.id]),
            "Plus rien à facturer dans ce lot.",
        )
        self.assertEqual(len(self._invoices(self.household_a)), 1)
        self.assertEqual(len(run.line_ids), 2)


RACE_REGISTRATIONS = (
    "portail_famille.reg_2526_martin_hugo_alae_matin",
    "portail_famille.reg_2526_bernard_emma_alae_matin",
    "portail_famille.reg_2526_laurent_mila_alae_matin",
)


class TestBillingRunRace(TransactionCase):
    """Two accountants bill the same month at the same moment, each in their own
    database transaction (as two job workers do). The demo town's June 2026 days of
    three households are committed for the test (other transactions cannot see the
    test's own) and removed at the end; both runs are rolled back."""

    def _cursor(self):
        return sql_db.db_connect(self.env.cr.dbname).cursor()

    def _env(self, cr):
        admin = self.env.ref("base.user_admin").id
        return api.Environment(
            cr, admin, {"lang": "fr_FR", "queue_job__no_delay": True}
        )

    def setUp(self):
        super().setUp()
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
            registrations = env["family.registration"].browse(
                [env.ref(xmlid).id for xmlid in RACE_REGISTRATIONS]
            )
            Reservation = env["family.reservation"].with_context(booking_override=True)
            results = Reservation._book(
                [
                    {
                        "registration_id": registration.id,
                        "unit_id": registration.activity_id.unit_ids[:1].id,
                        "date": day,
                    }
                    for registration in registrations
                    for day in ("2026-06-02", "2026-06-04")
                ],
                raise_on_error=True,
            )
            reservation_ids = [result["reservation"].id for result in results]
            self.activity_id = registrations.activity_id.id
            self.household_ids = registrations.household_id.ids
        self.addCleanup(self._remove_days, reservation_ids)

    def _remove_days(self, reservation_ids):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["family.reservation"].browse(reservation_ids).with_context(
                booking_override=True
            ).unlink()

    def test_two_runs_of_the_same_month_never_bill_a_day_twice(self):
        with self._cursor() as cr_a, self._cursor() as cr_b:
            try:
                first, second = (
                    self._env(cr)["family.billing.run"].create(
                        {
                            "month": "2026-06-01",
                            "activity_ids": [Command.set([self.activity_id])],
                        }
                    )
                    for cr in (cr_a, cr_b)
                )
                # the first bills the households (its transaction still open), the
                # second, at the same moment, finds their days being billed
                first.action_run()
                second.action_run()
                self.assertEqual(first.state, "done")
                self.assertEqual(first.invoice_count, 3)
                households = first.env["family.household"].browse(self.household_ids)
                self.assertEqual(
                    first.line_ids.move_ids.partner_id, households.partner_id
                )
                self.assertEqual(second.state, "error")
                self.assertFalse(second.line_ids.move_ids)
                self.assertEqual(len(second.line_ids), 3)
                self.assertEqual(
                    set(second.line_ids.mapped("message")),
                    {
                        "Non facturé : ces jours sont en cours de facturation par une "
                        "autre facturation en ce moment ; relancez la facturation "
                        "quand elle sera terminée (rien n'est facturé deux fois)."
                    },
                )
            finally:
                # neither run is kept
                cr_a.rollback()
                cr_b.rollback()


class TestBillingRunAgain(BillingCommon):
    @freeze_time("2026-01-05")
    def test_running_the_same_run_again_bills_a_day_added_since(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        run = self._run("2025-12-01")
        self.assertEqual(len(self._invoices(self.household_a)), 1)
        # staff record a forgotten day of the month after the run, and run it again
        late = self._book_days(self.reg_a1_resto, ["2025-12-02"])
        self._bill(run)
        invoices = self._invoices(self.household_a)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(late.invoice_line_id.move_id, invoices[1])
        self.assertEqual(run.line_ids.move_ids, invoices)
        self.assertEqual(run.state, "done")
