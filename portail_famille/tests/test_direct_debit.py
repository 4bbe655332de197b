import base64
import json
import re

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_billing_run import BillingCommon

IBAN_A = "FR76 3000 6000 0112 3456 7890 189"
IBAN_B = "FR76 3000 4000 0312 3456 7890 143"
TOWN_IBAN = "FR14 2004 1010 0505 0001 3M02 606"


class DirectDebitCommon(BillingCommon):
    """The town collects by SEPA direct debit (OCA's bank-payment addons): its creditor
    identifier, its bank account on the bank journal, a payment mode "Prélèvement
    SEPA" (pain.008); the MARTIN family pays by direct debit with a valid mandate,
    DURAND does not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        company.sepa_creditor_identifier = "FR72ZZZ123456"
        journal = env["account.journal"].search(
            [
                *env["account.journal"]._check_company_domain(company),
                ("type", "=", "bank"),
            ],
            limit=1,
        )
        if not journal.bank_account_id:  # the demo town's has one
            journal.bank_account_id = env["res.partner.bank"].create(
                {"acc_number": TOWN_IBAN, "partner_id": company.partner_id.id}
            )
        cls.payment_mode = env["account.payment.mode"].create(
            {
                "name": "Prélèvement SEPA (test)",
                "company_id": company.id,
                "payment_method_id": env.ref(
                    "account_banking_sepa_direct_debit.sepa_direct_debit"
                ).id,
                "bank_account_link": "fixed",
                "fixed_journal_id": journal.id,
            }
        )
        # the households whose mandate is validated are put on it
        company.family_direct_debit_mode_id = cls.payment_mode
        Bank = env["res.partner.bank"].with_user(cls.accountant)
        cls.bank_a = Bank.create(
            {"acc_number": IBAN_A, "partner_id": cls.household_a.partner_id.id}
        )
        cls.mandate_a = (
            env["account.banking.mandate"]
            .with_user(cls.accountant)
            .create(
                {
                    "partner_bank_id": cls.bank_a.id,
                    "signature_date": "2025-09-01",
                    "company_id": company.id,
                }
            )
        )
        cls.mandate_a.validate()
        # staff of the family services put the household on direct debit
        cls.household_a.with_user(cls.agent).customer_payment_mode_id = cls.payment_mode


class TestDirectDebit(DirectDebitCommon):
    def test_a_bad_iban_is_refused_in_french(self):
        Bank = self.env["res.partner.bank"].with_user(self.accountant)
        with self.assertRaisesRegex(
            ValidationError,
            r"L'IBAN FR76 3000 6000 0112 3456 7890 188 n'est pas valide",
        ):
            Bank.create(
                {
                    "acc_number": "FR76 3000 6000 0112 3456 7890 188",
                    "partner_id": self.household_b.partner_id.id,
                }
            )
        # a mandate on another partner's account that is no IBAN is refused too
        other = self.env["res.partner"].create({"name": "Autre débiteur"})
        bank = Bank.create({"acc_number": "12345678", "partner_id": other.id})
        with self.assertRaisesRegex(ValidationError, "n'est pas valide"):
            self.env["account.banking.mandate"].with_user(self.accountant).create(
                {"partner_bank_id": bank.id, "signature_date": "2025-09-01"}
            )

    def test_direct_debit_flag(self):
        self.assertTrue(self.household_a._is_direct_debit())
        self.assertFalse(self.household_b._is_direct_debit())
        self.mandate_a.cancel()
        self.env.invalidate_all()
        self.assertFalse(
            self.household_a._is_direct_debit(),
            "without a valid mandate the family pays otherwise",
        )

    @freeze_time("2026-01-05")
    def test_invoices_of_a_direct_debit_household_get_mode_and_mandate(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01", "2025-12-02"])
        self._book_days(self.reg_b1_resto, ["2025-12-01"])
        self._run("2025-12-01")
        invoice_a = self._invoices(self.household_a)
        invoice_b = self._invoices(self.household_b)
        self.assertEqual(invoice_a.payment_mode_id, self.payment_mode)
        self.assertEqual(invoice_a.mandate_id, self.mandate_a)
        self.assertFalse(invoice_b.mandate_id)
        self.assertNotEqual(invoice_b.payment_mode_id, self.payment_mode)

    @freeze_time("2026-01-05")
    def test_a_debit_order_makes_the_pain008_file(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01", "2025-12-02", "2025-12-04"])
        self._run("2025-12-01")
        invoice = self._invoices(self.household_a)
        self.assertEqual(invoice.amount_total, 8.4)
        accountant_invoice = invoice.with_user(self.accountant)
        action = accountant_invoice.create_account_payment_line()
        order = self.env["account.payment.order"].browse(action["res_id"])
        self.assertEqual(order.payment_mode_id, self.payment_mode)
        order = order.with_user(self.accountant)
        order.draft2open()
        action = order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        root = etree.fromstring(base64.b64decode(attachment.datas))
        self.assertIn("pain.008", root.nsmap[None])
        ns = {"p": root.nsmap[None]}
        transaction = root.xpath("//p:DrctDbtTxInf", namespaces=ns)
        self.assertEqual(len(transaction), 1)
        transaction = transaction[0]
        amount = transaction.xpath("p:InstdAmt", namespaces=ns)[0]
        self.assertEqual((amount.text, amount.get("Ccy")), ("8.40", "EUR"))
        self.assertEqual(
            transaction.xpath(".//p:MndtRltdInf/p:MndtId", namespaces=ns)[0].text,
            self.mandate_a.unique_mandate_reference,
        )
        self.assertEqual(
            transaction.xpath("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns)[0].text,
            IBAN_A.replace(" ", ""),
        )
        self.assertEqual(
            root.xpath("//p:CdtrSchmeId//p:Id", namespaces=ns)[-1].text,
            "FR72ZZZ123456",
        )

    def _new_mandate(self, household, iban):
        bank = (
            self.env["res.partner.bank"]
            .with_user(self.accountant)
            .create({"acc_number": iban, "partner_id": household.partner_id.id})
        )
        return (
            self.env["account.banking.mandate"]
            .with_user(self.accountant)
            .create(
                {
                    "partner_bank_id": bank.id,
                    "signature_date": "2025-11-20",
                    "company_id": self.env.company.id,
                }
            )
        )

    def test_validating_a_mandate_puts_the_household_on_direct_debit(self):
        """DURAND signs a mandate: once validated, its next invoices are debited; once
        cancelled, they are not any more."""
        household = self.household_b
        before = household.customer_payment_mode_id  # the company's default, if any
        self.assertFalse(before.payment_method_id.mandate_required)
        mandate = self._new_mandate(household, IBAN_B)
        self.assertEqual(
            household.customer_payment_mode_id,
            before,
            "a draft mandate changes nothing",
        )
        mandate.validate()
        mode = household.customer_payment_mode_id
        self.assertEqual(mode, self.payment_mode)
        self.assertTrue(household._is_direct_debit())
        with freeze_time("2026-01-05"):
            self._book_days(self.reg_b1_resto, ["2025-12-01"])
            self._run("2025-12-01")
        december = self._invoices(household)
        self.assertEqual(december.mandate_id, mandate)
        self.assertEqual(december.payment_mode_id, mode)
        # the family cancels its mandate: back to paying its invoices itself
        mandate.cancel()
        self.assertEqual(household.customer_payment_mode_id, before)
        self.assertFalse(household._is_direct_debit())
        with freeze_time("2026-02-02"):
            self._book_days(self.reg_b1_resto, ["2026-01-05"])
            self._run("2026-01-01")
        january = self._invoices(household) - december
        self.assertEqual(len(january), 1)
        self.assertFalse(january.mandate_id)
        self.assertNotEqual(january.payment_mode_id, mode)
        self.assertFalse(january._family_direct_debited())

    def test_the_mode_stays_while_a_valid_mandate_is_left(self):
        """MARTIN (on the town's mode chosen by staff) signs a second mandate: the
        mode chosen stays; it goes when no valid mandate is left (an expired one
        counts as gone)."""
        second = self._new_mandate(self.household_a, IBAN_B)
        second.validate()
        self.assertEqual(self.household_a.customer_payment_mode_id, self.payment_mode)
        # OCA's cron expires a mandate unused for 36 months
        self.mandate_a.write({"state": "expired"})
        self.assertEqual(self.household_a.customer_payment_mode_id, self.payment_mode)
        self.assertTrue(self.household_a._is_direct_debit())
        second.cancel()
        self.assertFalse(
            self.household_a.customer_payment_mode_id.payment_method_id.mandate_required
        )
        self.assertFalse(self.household_a._is_direct_debit())

    @freeze_time("2026-01-05")
    def test_an_invoice_to_be_debited_is_not_to_pay_by_card(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01"])
        self._book_days(self.reg_b1_resto, ["2025-12-01"])
        self._run("2025-12-01")
        invoice_a = self._invoices(self.household_a)
        invoice_b = self._invoices(self.household_b)
        self.assertTrue(invoice_a._family_direct_debited())
        self.assertFalse(invoice_a._has_to_be_paid())
        self.assertTrue(invoice_b._has_to_be_paid())
        self.assertFalse(invoice_b._family_direct_debit_note())
        self.assertEqual(
            invoice_a._get_online_payment_error(),
            "Cette facture sera payée par prélèvement avec le prochain ordre de "
            "prélèvement : vous n'avez rien à faire.",
        )
        with self.assertRaisesRegex(UserError, "sera payée par prélèvement"):
            self.household_a.with_user(self.parent_a)._portal_invoices_to_pay(
                [invoice_a.id]
            )
        # in the accountant's debit order: its date
        action = invoice_a.with_user(self.accountant).create_account_payment_line()
        order = self.env["account.payment.order"].browse(action["res_id"])
        order.with_user(self.accountant).draft2open()
        self.assertEqual(
            invoice_a._family_direct_debit_note(),
            "Cette facture sera prélevée le 05/01/2026 : vous n'avez rien à faire.",
        )

    def test_parents_ask_for_a_mandate(self):
        household = self.household_b.with_user(self.parent_b)
        message = household._portal_request_direct_debit("Merci")
        self.assertEqual(message.sudo().service, "billing")
        self.assertEqual(message.sudo().subject, "Demande de mandat de prélèvement")
        with self.assertRaisesRegex(Exception, "déjà au service facturation"):
            household._portal_request_direct_debit()
        with self.assertRaisesRegex(Exception, "déjà payées par prélèvement"):
            self.household_a.with_user(self.parent_a)._portal_request_direct_debit()


@tagged("post_install", "-at_install")
class TestDirectDebitPortal(HttpCase, DirectDebitCommon):
    @freeze_time("2026-01-05")
    def _bill_a(self):
        self._book_days(self.reg_a1_resto, ["2025-12-01", "2025-12-02"])
        self._run("2025-12-01")
        return self._invoices(self.household_a)

    def test_the_page_shows_the_mandate_to_its_family_only(self):
        invoice = self._bill_a()
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/direct-debit")
        self.assertEqual(page.status_code, 200)
        html = page.text
        self.assertIn("Mes prélèvements", html)
        self.assertIn(self.mandate_a.unique_mandate_reference, html)
        self.assertIn("FR76 •••• •••• 189", html)
        self.assertNotIn("0112 3456", html, "the IBAN is masked")
        self.assertIn("01/09/2025", html)
        self.assertIn("Valide", html)
        self.assertIn(invoice.name, html)
        self.assertNotIn("Demander un mandat", html)
        # DURAND sees none of it, and may ask for a mandate
        self.authenticate(self.parent_b.login, self.parent_b.login)
        html = self.url_open("/my/direct-debit").text
        self.assertNotIn(self.mandate_a.unique_mandate_reference, html)
        self.assertNotIn("•••• 189", html)
        self.assertNotIn(invoice.name, html)
        self.assertIn("Vous n'avez pas de mandat de prélèvement", html)
        self.assertIn("Demander un mandat", html)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = self.url_open(
            "/my/direct-debit/request", data={"note": "Merci", "csrf_token": token}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Votre demande est envoyée au service facturation", response.text)

    def test_invoices_to_be_debited_are_not_offered_for_card_payment(self):
        """MARTIN's invoice of the billing run is debited: no "Pay now", the date
        of the debit instead, on its page, in the list, on the several-invoices page
        and on the dashboard; an older invoice outside the debit is paid by card as
        before, and so is the debited one once the mandate is cancelled."""
        self.env.ref("payment.payment_provider_demo").write(
            {"state": "test", "is_published": True}
        )
        with freeze_time("2026-01-05"):
            self._book_days(self.reg_a1_resto, ["2025-12-01", "2025-12-02"])
            self._run("2025-12-01")
        debited = self._invoices(self.household_a)
        older = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.household_a.partner_id.id,
                "payment_mode_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Séjour", "quantity": 1, "price_unit": 15.0}
                    )
                ],
            }
        )
        older.action_post()
        self.assertTrue(debited._family_direct_debited())
        self.assertFalse(older._family_direct_debited())
        note = "Cette facture sera payée par prélèvement avec le prochain ordre"
        self.authenticate(self.parent_a.login, self.parent_a.login)

        page = self.url_open("/my/invoices/%s" % debited.id).text
        self.assertIn(note, page)
        self.assertNotIn("o_payment_form", page)
        self.assertNotIn("/invoice/transaction/%s" % debited.id, page)
        page = self.url_open("/my/invoices/%s" % older.id).text
        self.assertIn("o_payment_form", page)
        self.assertNotIn("par prélèvement", page)

        listing = self.url_open("/my/invoices").text
        pay_now = r'/my/invoices/%s\?[^"]*payment=True'
        self.assertRegex(listing, pay_now % older.id)
        self.assertNotRegex(listing, pay_now % debited.id)
        self.assertIn("Par prélèvement</span>", listing)

        home = self.url_open("/my").text
        self.assertRegex(home, r"Montant dû : <span[^>]*>15,00")
        self.assertRegex(home, r"À prélever : <span[^>]*>5,60")

        several = self.url_open("/my/invoices/pay").text
        self.assertIn('value="%s"' % older.id, several)
        self.assertNotIn('value="%s"' % debited.id, several)
        self.assertIn("Factures payées par prélèvement", several)
        self.assertIn(note, several)
        refused = self.url_open("/my/invoices/pay?invoice_ids=%s" % debited.id).text
        self.assertIn("sera payée par prélèvement", refused)
        self.assertNotIn("o_payment_form", refused)
        # Odoo's route of one invoice's payment refuses it too, in French
        for route in (
            "/invoice/transaction/%s" % debited.id,
            "/my/invoices/pay/transaction/%s" % debited.id,
        ):
            response = self.url_open(
                route,
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {"access_token": debited._portal_ensure_token()},
                    }
                ),
                headers={"Content-Type": "application/json"},
            ).json()
            self.assertIn(
                "sera payée par prélèvement", response["error"]["data"]["message"]
            )
        self.assertFalse(debited.transaction_ids)

        # the mandate cancelled, nothing will be debited: the family pays online
        self.mandate_a.with_user(self.accountant).cancel()
        page = self.url_open("/my/invoices/%s" % debited.id).text
        self.assertIn("o_payment_form", page)
        self.assertNotIn(note, page)

    @mute_logger("odoo.http")
    def test_a_user_without_family_gets_404(self):
        self.authenticate(self.agent.login, self.agent.login)
        self.assertEqual(self.url_open("/my/direct-debit").status_code, 404)

    @mute_logger(
        "odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models", "odoo.sql_db"
    )
    def test_parents_cannot_touch_mandates_by_rpc(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)

        def call(model, method, args, kwargs=None):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "id": 1,
                        "params": {
                            "model": model,
                            "method": method,
                            "args": args,
                            "kwargs": kwargs or {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            return response.json()

        mandate = self.mandate_a
        for model, method, args in (
            ("account.banking.mandate", "read", [mandate.ids, ["state"]]),
            ("account.banking.mandate", "write", [mandate.ids, {"state": "draft"}]),
            ("account.banking.mandate", "cancel", [mandate.ids]),
            (
                "account.banking.mandate",
                "create",
                [{"partner_bank_id": self.bank_a.id, "signature_date": "2025-01-01"}],
            ),
            ("res.partner.bank", "read", [self.bank_a.ids, ["acc_number"]]),
            ("res.partner.bank", "write", [self.bank_a.ids, {"acc_number": "X"}]),
            (
                "family.household",
                "write",
                [
                    self.household_a.ids,
                    {"customer_payment_mode_id": False},
                ],
            ),
        ):
            payload = call(model, method, args)
            self.assertIn("error", payload, "%s.%s was accepted" % (model, method))
            self.assertNotIn("psycopg2", payload["error"]["data"]["name"])
        self.assertEqual(mandate.state, "valid")
        self.assertEqual(self.bank_a.acc_number, IBAN_A)
        self.assertEqual(self.household_a.customer_payment_mode_id, self.payment_mode)
        self.assertEqual(
            self.household_a.partner_id.bank_ids.mandate_ids, mandate, "nothing created"
        )
