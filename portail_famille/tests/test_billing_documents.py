import html as html_lib
import io
import re

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .test_billing_run import BillingCommon


def _text(html):
    """The words of an HTML page, tags removed and spaces collapsed."""
    if isinstance(html, bytes):
        html = html.decode()
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    return " ".join(text.replace("\xa0", " ").split())


class BillingDocumentsCommon(BillingCommon):
    """MARTIN's December 2025 days billed on 5 January 2026: Léa (born 2018) a meal and
    a Wednesday, Tom (born 2021, under 6) a meal and two Wednesdays."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reg_a2_resto = cls._create_registration(cls.child_a2, cls.act_restaurant)
        cls.reg_a2_resto.action_validate()

    def _bill_december(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        self._book_days(self.reg_a1_wed, ["2025-12-03"])
        self._book_days(self.reg_a2_resto, ["2025-12-02"])
        self._book_days(self.reg_a2_wed, ["2025-12-03", "2025-12-10"])
        self._run("2025-12-15", invoice_date="2026-01-05")
        return self._invoices(self.household_a)[-1]

    def _pay(self, invoice, amount=None, day="2026-01-20"):
        vals = {"payment_date": day}
        if amount is not None:
            vals["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(vals)._create_payments()

    def _invoice_html(self, move):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", move.ids
        )
        return _text(html)


class TestInvoicePdf(BillingDocumentsCommon):
    @freeze_time("2026-01-05")
    def test_invoice_shows_children_days_previous_balance_and_instructions(self):
        # November's invoice, still unpaid
        self._book_days(self.reg_a1_wed, ["2025-11-19"])
        self._run("2025-11-15", invoice_date="2025-12-01")
        november = self._invoices(self.household_a)
        self.assertEqual(november.amount_residual, 4.00)
        invoice = self._bill_december()
        self.assertNotEqual(invoice, november)
        self.assertTrue(invoice.family_billed)

        text = self._invoice_html(invoice)
        # a section per child with its units, days, quantities, prices and amounts
        self.assertIn("Léa MARTIN", text)
        self.assertIn("Tom MARTIN", text)
        self.assertLess(text.index("Léa MARTIN"), text.index("Tom MARTIN"))
        tom = text[text.index("Tom MARTIN") :]
        self.assertIn(
            "CL Mercredis – Après-midi AVEC repas 3, 10 déc. 2 4,00 € 8,00 €", tom
        )
        self.assertIn("Restauration scolaire – Repas 2 déc. 1 2,80 € 2,80 €", tom)
        self.assertIn("Sous-total 10,80 €", tom)
        # November's 4.00 still due, and the total to pay
        self.assertIn("Solde antérieur 4,00 €", text)
        self.assertIn("Cette facture 17,60 €", text)
        self.assertIn("Total à payer 21,60 €", text)
        self.assertIn("Factures antérieures restant à payer %s" % november.name, text)
        # the town's payment instructions
        self.assertIn("Comment payer", text)
        self.assertIn("à l'ordre du Trésor public", text)
        company = invoice.company_id
        company.family_payment_instructions = "Payez à la régie de la mairie."
        self.assertIn("Payez à la régie de la mairie.", self._invoice_html(invoice))

        # once November is paid, no previous balance
        self._pay(november, day="2026-01-05")
        text = self._invoice_html(invoice)
        self.assertIn("Solde antérieur 0,00 €", text)
        self.assertIn("Total à payer 17,60 €", text)
        self.assertNotIn("Factures antérieures restant à payer", text)

    @freeze_time("2026-01-05")
    def test_real_pdf_through_wkhtmltopdf(self):
        invoice = self._bill_december()
        pdf, content_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account.account_invoices", invoice.ids)
        )
        self.assertEqual(content_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = " ".join(
            " ".join(
                page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages
            ).split()
        )
        self.assertIn("Tom MARTIN", text)
        self.assertIn("Total à payer", text)

    @freeze_time("2026-01-05")
    def test_credit_note_details_children_without_balance(self):
        invoice = self._bill_december()
        # Tom's 10 December justified after the invoice: credited by the next run
        self.Reservation.search(
            [("child_id", "=", self.child_a2.id), ("date", "=", "2025-12-10")]
        ).state = "absent_justified"
        self._run("2025-12-15", invoice_date="2026-01-06")
        refund = self._invoices(self.household_a, "out_refund")
        self.assertEqual(refund.reversed_entry_id, invoice)
        text = self._invoice_html(refund)
        self.assertIn("Tom MARTIN", text)
        self.assertIn("10 déc.", text)
        self.assertNotIn("Total à payer", text)

    def test_other_invoices_keep_odoo_layout(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.household_a.partner_id.id,
                "invoice_date": "2026-01-05",
                "invoice_line_ids": [
                    Command.create({"name": "Location de salle", "price_unit": 50.0})
                ],
            }
        )
        invoice.action_post()
        self.assertFalse(invoice.family_billed)
        self.assertEqual(
            invoice._get_name_invoice_report(), "account.report_invoice_document"
        )
        text = self._invoice_html(invoice)
        self.assertIn("Location de salle", text)
        self.assertNotIn("Total à payer", text)
        self.assertNotIn("Comment payer", text)


class TestAttestations(BillingDocumentsCommon):
    @freeze_time("2026-06-01")
    def test_childcare_attestation_counts_paid_childcare_of_children_under_six(self):
        december = self._bill_december()  # Tom: 2 Wednesdays 8.00 and a meal 2.80
        self._pay(december)
        self._book_days(self.reg_a2_wed, ["2026-01-07"])
        self._run("2026-01-15", invoice_date="2026-02-02")  # Tom: 4.00, unpaid

        values = self.child_a2._childcare_attestation_values(2026)
        self.assertEqual(
            [(row["activity"], row["billed"], row["paid"]) for row in values["rows"]],
            [(self.act_wednesday, 12.0, 8.0)],
            "the meals are not childcare; the unpaid invoice is not paid",
        )
        self.assertEqual(values["total_paid"], 8.0)
        # nothing invoiced in 2025
        self.assertEqual(self.child_a2._childcare_attestation_values(2025)["rows"], [])

        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "portail_famille.action_report_childcare_attestation",
            self.child_a2.ids,
            data={"year": 2026},
        )
        text = _text(html)
        self.assertIn("Attestation de frais de garde 2026", text)
        self.assertIn("Tom MARTIN", text)
        self.assertIn("Frais de garde payés dans l'année : 8,00 €", text)

        # Léa was 7 on 1 January 2026: no tax credit for her
        self.assertFalse(self.child_a1._is_childcare_attestation_child(2026))
        with self.assertRaisesRegex(UserError, "moins de 6 ans au 1er janvier"):
            self.child_a1._portal_childcare_attestation(2026)
        # a year not begun or garbled
        for year in (2027, 1999, "2026abc", None):
            with self.assertRaisesRegex(UserError, "Choisissez une année"):
                self.child_a2._portal_childcare_attestation(year)

    @freeze_time("2026-06-01")
    def test_a_half_paid_invoice_counts_half(self):
        december = self._bill_december()
        self._pay(december, amount=december.amount_total / 2)
        values = self.child_a2._childcare_attestation_values(2026)
        self.assertEqual((values["total_billed"], values["total_paid"]), (8.0, 4.0))

    @freeze_time("2026-06-01")
    def test_payment_attestation_lists_invoices_and_payments(self):
        december = self._bill_december()
        self._pay(december)
        self._book_days(self.reg_a2_wed, ["2026-01-07"])
        self._run("2026-01-15", invoice_date="2026-02-02")
        values = self.household_a._payment_attestation_values(2026)
        self.assertEqual(len(values["moves"]), 2)
        self.assertAlmostEqual(values["total_billed"], 21.60)
        self.assertAlmostEqual(values["total_paid"], 17.60)
        self.assertAlmostEqual(values["total_due"], 4.00)
        self.assertAlmostEqual(values["total_received"], 17.60)
        pdf, filename = self.household_a._portal_payment_attestation(2026)
        text = _text(pdf)  # tests render the HTML unless forced to wkhtmltopdf
        self.assertIn("Attestation de paiement 2026", text)
        self.assertIn(december.name, text)
        self.assertEqual(filename, "attestation-paiements-2026.pdf")

    @freeze_time("2026-06-01")
    def test_parents_print_only_their_own_attestations(self):
        self._bill_december()
        pdf, _name = self.child_a2.with_user(
            self.parent_a
        )._portal_childcare_attestation(2026)
        self.assertIn("Tom MARTIN", _text(pdf))
        with self.assertRaises(AccessError):
            self.child_a2.with_user(self.parent_b)._portal_childcare_attestation(2026)
        with self.assertRaises(AccessError):
            self.household_a.with_user(self.parent_b)._portal_payment_attestation(2026)

    @freeze_time("2026-06-01")
    def test_backend_wizard_prints_the_year_of_the_household(self):
        self._bill_december()
        action = self.household_a.with_user(self.agent).action_open_attestation_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"year": 2026})
        )
        self.assertEqual(wizard.child_ids, self.child_a2 | self.child_a3)
        report = wizard.action_print()
        self.assertEqual(
            report["report_name"], "portail_famille.report_childcare_attestation"
        )
        self.assertEqual(report["data"], {"year": 2026})
        wizard.kind = "payment"
        self.assertEqual(
            wizard.action_print()["report_name"],
            "portail_famille.report_payment_attestation",
        )
        self.assertEqual(
            self.household_a.with_user(self.agent)._attestation_overview(),
            [{"year": 2026, "children": self.child_a2}],
        )


@tagged("post_install", "-at_install")
class TestAttestationPortal(HttpCase, BillingDocumentsCommon):
    def test_portal_attestations(self):
        with freeze_time("2026-01-05"):
            self._bill_december()
        tom_url = "/my/attestations/childcare/%s/2026.pdf" % self.child_a2.id
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/attestations")
        self.assertEqual(page.status_code, 200)
        self.assertIn(tom_url, page.text)
        self.assertIn("/my/attestations/payments/2026.pdf", page.text)
        self.assertNotIn("/childcare/%s/" % self.child_a1.id, page.text)
        response = self.url_open(tom_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("Tom MARTIN", _text(response.content))
        payments = self.url_open("/my/attestations/payments/2026.pdf")
        self.assertEqual(payments.status_code, 200)
        for url in (
            # Léa was over 6, and years not begun, garbled or huge
            "/my/attestations/childcare/%s/2026.pdf" % self.child_a1.id,
            "/my/attestations/childcare/%s/9999.pdf" % self.child_a2.id,
            "/my/attestations/childcare/%s/0.pdf" % self.child_a2.id,
            "/my/attestations/childcare/%s/abc.pdf" % self.child_a2.id,
            "/my/attestations/childcare/99999999999/2026.pdf",
            "/my/attestations/payments/99999999999.pdf",
            "/my/attestations/payments/1999.pdf",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)

        # another family: Tom is not theirs
        self.authenticate(self.parent_b.login, self.parent_b.login)
        response = self.url_open(tom_url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Tom", response.text)

        self.authenticate(None, None)
        for url in (tom_url, "/my/attestations", "/my/attestations/payments/2026.pdf"):
            response = self.url_open(url)
            self.assertIn("/web/login", response.url, url)
