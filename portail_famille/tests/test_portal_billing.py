import json
import re

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.payment_payfip.tests.common import PayfipReplayMixin

from .test_billing_run import BillingCommon


@tagged("post_install", "-at_install")
class TestPortalBilling(PayfipReplayMixin, HttpCase, BillingCommon):
    """The parents' billing pages: the household's invoices on Odoo's /my/invoices,
    paid online (one, or several at once) with Odoo's demo provider, the account
    statement, the amount due on the dashboard, an invoice's dispute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-01-05"):
            BillingCommon._book_days(
                cls, cls.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04"]
            )
            BillingCommon._book_days(cls, cls.reg_a1_wed, ["2025-12-03", "2025-12-10"])
            BillingCommon._book_days(cls, cls.reg_b1_wed, ["2025-12-10"])
            BillingCommon._run(cls, "2025-12-15")
        Move = cls.env["account.move"]
        cls.invoice_a = Move.search(
            [("partner_id", "=", cls.household_a.partner_id.id)]
        )
        cls.invoice_b = Move.search(
            [("partner_id", "=", cls.household_b.partner_id.id)]
        )
        # a second invoice of the MARTIN family (not from the billing run)
        cls.invoice_a2 = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.household_a.partner_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Séjour", "quantity": 1, "price_unit": 15.0}
                    )
                ],
            }
        )
        cls.invoice_a2.action_post()
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})
        cls.household_a.write(
            {"dependent_children": 2, "annual_revenue": 32000, "revenue_year": 2024}
        )

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _pay(self, invoices, state="done"):
        """Pay ``invoices`` at once through the portal's transaction route and the
        demo provider; returns the transaction, post-processed."""
        result = self.make_jsonrpc_request(
            "/my/invoices/pay/transaction/%s" % "-".join(map(str, invoices.ids)),
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "token_id": None,
                "amount": 0.01,  # what the browser sends does not count
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/invoices",
                "is_validation": False,
                "access_token": None,
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": result["reference"],
                "payment_details": "4242",
                "simulated_state": state,
            },
        )
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        tx._post_process()
        return tx

    # ------------------------------------------------------------------ the invoices
    def test_invoices_listed_own_family_only(self):
        self.assertEqual(len(self.invoice_a), 1)
        self._login(self.parent_a)
        page = self.url_open("/my/invoices")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.invoice_a.name, page.text)
        self.assertIn(self.invoice_a2.name, page.text)
        self.assertNotIn(self.invoice_b.name, page.text)
        # French breadcrumb: just "Factures", no vendor bills filter
        self.assertNotIn("Factures clients", page.text)
        self.assertNotIn("Factures fournisseurs", page.text)
        self.assertRegex(page.text, r'breadcrumb-item active ">\s*Factures\s*</li>')
        # the invoice, its PDF
        detail = self.url_open("/my/invoices/%s" % self.invoice_a.id)
        self.assertIn(self.invoice_a.name, detail.text)
        self.assertIn("Contester cette facture", detail.text)
        pdf = self.url_open(
            "/my/invoices/%s?report_type=pdf&download=true" % self.invoice_a.id
        )
        # (tests render reports as HTML unless forced: the header tells a PDF)
        self.assertEqual(pdf.status_code, 200)
        self.assertIn("pdf", pdf.headers["Content-Type"])
        self.assertIn("attachment", pdf.headers["Content-Disposition"])
        # another family's invoice: back to /my, nothing shown
        other = self.url_open("/my/invoices/%s" % self.invoice_b.id)
        self.assertNotIn(self.invoice_b.name, other.text)
        other_pdf = self.url_open(
            "/my/invoices/%s?report_type=pdf&download=true" % self.invoice_b.id
        )
        self.assertNotIn("pdf", other_pdf.headers["Content-Type"])

    def test_one_billing_tile_and_amount_due_on_dashboard(self):
        self._login(self.parent_a)
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        # Odoo's own invoice tiles and "invoices to pay" alert are gone: one tile
        self.assertNotIn("<span>Vos factures</span>", home.text)
        self.assertNotIn("<span>Nos factures</span>", home.text)
        self.assertNotIn("filterby=overdue_invoices", home.text)
        tiles = home.text[home.text.index("o_pf_home") :]
        self.assertEqual(tiles.count('href="/my/invoices"'), 1)
        due = self.invoice_a.amount_residual + 15.0
        self.assertIn("Montant dû", home.text)
        self.assertIn(("%.2f" % due).replace(".", ","), home.text)

    def test_demo_parent_sees_the_demo_past(self):
        demo_parent = self.env["res.users"].search(
            [("login", "=", "parent@demo.portail-famille.fr")]
        )
        if not demo_parent:
            self.skipTest("no demo data")
        household = self.env["family.household"].search(
            [("partner_id", "=", demo_parent.commercial_partner_id.id)]
        )
        self.authenticate(demo_parent.login, "parent")
        page = self.url_open("/my/invoices")
        invoices = self.env["account.move"].search(household._family_invoice_domain())
        self.assertTrue(invoices)
        for invoice in invoices:
            self.assertIn(invoice.name, page.text)
        self.assertNotIn(self.invoice_a.name, page.text)
        home = self.url_open("/my").text
        self.assertIn("/my/statement", home)
        self.assertEqual("Montant dû" in home, bool(household._get_amount_due()))

    # ------------------------------------------------------------------ payment
    def test_pay_one_invoice(self):
        self._login(self.parent_a)
        page = self.url_open("/my/invoices/pay")
        self.assertIn('name="invoice_ids"', page.text)
        self.assertNotIn(self.invoice_b.name, page.text)
        form = self.url_open("/my/invoices/pay?invoice_ids=%s" % self.invoice_a.id)
        self.assertIn("o_payment_form", form.text)
        self.assertIn("/my/invoices/pay/transaction/%s" % self.invoice_a.id, form.text)
        tx = self._pay(self.invoice_a)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 16.40)
        self.assertIn(self.invoice_a.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.invoice_a2.payment_state, "not_paid")
        # already paid: refused in French, no new transaction
        again = self.url_open("/my/invoices/pay?invoice_ids=%s" % self.invoice_a.id)
        self.assertEqual(again.status_code, 200)
        self.assertIn("est déjà payée", again.text)
        self.assertNotIn("o_payment_form", again.text)

    def test_pay_one_invoice_from_its_page(self):
        """Odoo's own "Pay now" on the invoice page: its payment form, its transaction
        route, the demo provider."""
        self._login(self.parent_a)
        page = self.url_open("/my/invoices/%s" % self.invoice_a2.id)
        self.assertIn("o_payment_form", page.text)
        self.assertIn("/invoice/transaction/%s" % self.invoice_a2.id, page.text)
        result = self.make_jsonrpc_request(
            "/invoice/transaction/%s" % self.invoice_a2.id,
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "token_id": None,
                "amount": self.invoice_a2.amount_residual,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": self.invoice_a2.get_portal_url(),
                "is_validation": False,
                "access_token": self.invoice_a2._portal_ensure_token(),
            },
        )
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": result["reference"],
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        tx._post_process()
        self.assertEqual(tx.invoice_ids, self.invoice_a2)
        self.assertIn(self.invoice_a2.payment_state, ("paid", "in_payment"))

    def test_payfip_on_the_family_payment_forms(self):
        """PayFiP, enabled or in test mode for the town, is offered on the invoice's
        page and on the several-invoices page like any provider, not when disabled;
        chosen, the family is sent to PayFiP for the invoices' total (recorded answer
        of PayFiP, no network)."""
        payfip = self.env.ref("payment_payfip.payment_provider_payfip")
        self._login(self.parent_a)
        pages = (
            "/my/invoices/%s" % self.invoice_a2.id,
            "/my/invoices/pay?invoice_ids=%s&invoice_ids=%s"
            % (self.invoice_a.id, self.invoice_a2.id),
        )
        for state in ("disabled", "test", "enabled", "disabled"):
            payfip.write(
                {"state": state, "payfip_numcli": "123456", "is_published": True}
            )
            for url in pages:
                with self.subTest(state=state, url=url):
                    page = self.url_open(url).text
                    self.assertIn("o_payment_form", page)
                    self.assertEqual(
                        'data-provider-code="payfip"' in page, state != "disabled"
                    )
        payfip.state = "test"
        invoices = self.invoice_a | self.invoice_a2
        with self.payfip_replay(
            creerPaiementSecurise=["creerPaiementSecurise"]
        ) as replay:
            result = self.make_jsonrpc_request(
                "/my/invoices/pay/transaction/%s" % "-".join(map(str, invoices.ids)),
                {
                    "provider_id": payfip.id,
                    "payment_method_id": self.env.ref("payment.payment_method_card").id,
                    "token_id": None,
                    "amount": 0.01,
                    "flow": "redirect",
                    "tokenization_requested": False,
                    "landing_route": "/my/invoices",
                    "is_validation": False,
                    "access_token": None,
                },
            )
        [sent] = replay.calls("creerPaiementSecurise")
        self.assertEqual((sent["montant"], sent["saisie"]), ("3140", "T"))
        self.assertIn("payfip.gouv.fr", result["redirect_form_html"])
        tx = self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )
        self.assertEqual(tx.invoice_ids, invoices)
        self.assertEqual(tx.provider_reference, "cc0cb210-1cd4-11ea-8cca-0213ad91a103")

    def test_pay_two_invoices_at_once(self):
        self._login(self.parent_a)
        invoices = self.invoice_a | self.invoice_a2
        form = self.url_open(
            "/my/invoices/pay?invoice_ids=%s&invoice_ids=%s" % tuple(invoices.ids)
        )
        self.assertIn("31,40", form.text)
        tx = self._pay(invoices)
        self.assertEqual(tx.invoice_ids, invoices)
        self.assertEqual(tx.amount, 31.40)
        self.assertEqual(tx.state, "done")
        for invoice in invoices:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.household_a._get_amount_due(), 0)

    def test_pay_refusals(self):
        self._login(self.parent_a)
        for query, message in (
            ("invoice_ids=%s" % self.invoice_b.id, "pas une facture de votre famille"),
            (
                "invoice_ids=%s&invoice_ids=%s"
                % (self.invoice_a.id, self.invoice_b.id),
                "pas une facture de votre famille",
            ),
            ("invoice_ids=abc", "pas une facture de votre famille"),
            ("invoice_ids=99999999999999", "pas une facture de votre famille"),
            ("invoice_ids=", "pas une facture de votre famille"),
        ):
            page = self.url_open("/my/invoices/pay?%s" % query)
            self.assertEqual(page.status_code, 200, query)
            self.assertIn(message, page.text, query)
            self.assertNotIn("o_payment_form", page.text, query)
        # the transaction route refuses too, with the French message, and pays nothing
        for ids in (str(self.invoice_b.id), "%s-x" % self.invoice_a.id):
            response = self.url_open(
                "/my/invoices/pay/transaction/%s" % ids,
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}),
                headers={"Content-Type": "application/json"},
            ).json()
            self.assertIn(
                "pas une facture de votre famille", response["error"]["data"]["message"]
            )
        self.assertEqual(self.invoice_b.payment_state, "not_paid")
        self.assertFalse(
            self.env["payment.transaction"].search(
                [("invoice_ids", "in", self.invoice_b.ids)]
            )
        )

    # ------------------------------------------------------------------ statement
    def test_account_statement(self):
        self.invoice_a2.invalidate_recordset()
        statement = self.household_a._get_account_statement()
        self.assertAlmostEqual(statement["amount_due"], 31.40)
        self.assertAlmostEqual(statement["balance"], 31.40)
        self.assertAlmostEqual(statement["total_billed"], 31.40)
        lines = {(line["child"], line["activity"]): line for line in statement["lines"]}
        meal = lines[(self.child_a1.name, self.act_restaurant.name)]
        self.assertAlmostEqual(meal["billed"], 3 * 2.80)
        self.assertAlmostEqual(meal["paid"], 0)
        self._login(self.parent_a)
        self._pay(self.invoice_a)
        statement = self.household_a._get_account_statement()
        meal = {(line["child"], line["activity"]): line for line in statement["lines"]}[
            (self.child_a1.name, self.act_restaurant.name)
        ]
        self.assertAlmostEqual(meal["paid"], 3 * 2.80)
        self.assertAlmostEqual(statement["amount_due"], 15.0)
        page = self.url_open("/my/statement")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Relevé de compte", page.text)
        self.assertIn("15,00", page.text)
        self.assertIn("32", page.text)  # the last declared income
        self.assertIn("2024", page.text)
        self.assertIn(self.act_restaurant.name, page.text)
        self.assertIn("8,40", page.text)
        # the other family sees its own account only
        self._login(self.parent_b)
        page = self.url_open("/my/statement")
        self.assertIn("10,40", page.text)
        self.assertNotIn(self.child_a1.first_name, page.text)

    # ------------------------------------------------------------------ dispute
    def test_dispute_reaches_billing_service_and_the_invoice(self):
        self._login(self.parent_a)
        page = self.url_open("/my/invoices/%s/dispute" % self.invoice_a.id)
        self.assertEqual(page.status_code, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        # no reason: refused in French, nothing created
        empty = self.url_open(
            "/my/invoices/%s/dispute" % self.invoice_a.id,
            data={"reason": "  ", "csrf_token": token},
        )
        self.assertIn("Dites pourquoi vous contestez cette facture.", empty.text)
        self.assertFalse(self.invoice_a.family_dispute_ids)
        self.url_open(
            "/my/invoices/%s/dispute" % self.invoice_a.id,
            data={"reason": "Léa était absente le 2 décembre.", "csrf_token": token},
            files={"attachments": ("certificat.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)},
        )
        dispute = self.invoice_a.family_dispute_ids
        self.assertEqual(len(dispute), 1)
        self.assertEqual(
            (dispute.service, dispute.theme, dispute.state, dispute.household_id),
            ("billing", "complaint", "open", self.household_a),
        )
        self.assertIn(self.invoice_a.name, dispute.subject)
        self.assertTrue(dispute.staff_unread)
        # the accountant sees it on the invoice
        invoice = self.invoice_a.with_user(self.accountant)
        self.assertEqual(invoice.family_dispute_count, 1)
        action = invoice.action_view_family_disputes()
        self.assertEqual(
            self.env["family.message"]
            .with_user(self.accountant)
            .search(action["domain"]),
            dispute,
        )
        # the parent follows it in the messages
        self.assertIn(dispute.subject, self.url_open("/my/messages").text)
        # another family's invoice, a garbled id: 404, nothing created
        for invoice_id in (self.invoice_b.id, "abc", "99999999999"):
            response = self.url_open("/my/invoices/%s/dispute" % invoice_id)
            self.assertEqual(response.status_code, 404, invoice_id)
            response = self.url_open(
                "/my/invoices/%s/dispute" % invoice_id,
                data={"reason": "Non", "csrf_token": token},
            )
            self.assertEqual(response.status_code, 404, invoice_id)
        self.assertFalse(self.invoice_b.family_dispute_ids)
