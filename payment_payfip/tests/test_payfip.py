from datetime import timedelta

import requests

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.payment_payfip import const

from .common import PayfipReplayMixin

IDOP = "cc0cb210-1cd4-11ea-8cca-0213ad91a103"
CREATE = {"creerPaiementSecurise": ["creerPaiementSecurise"]}
TX_LOGGER = "odoo.addons.payment_payfip.models.payment_transaction"


def detail(*names):
    """Recorded answers of recupererDetailPaiementSecurise, in order."""
    return {
        "recupererDetailPaiementSecurise": [
            name
            if not isinstance(name, str)
            else f"recupererDetailPaiementSecurise_{name}"
            for name in names
        ]
    }


@tagged("post_install", "-at_install")
class TestPayfip(PayfipReplayMixin, HttpCase):
    """PayFiP as a town's payment provider, against recorded answers of its web
    service (the answers' transaction: 42.50 EUR, refdet PFTEST00001, numcli 123456)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env = env = cls.env(context=dict(cls.env.context, lang="fr_FR"))
        cls.provider = env.ref("payment_payfip.payment_provider_payfip")
        cls.provider.write(
            {"state": "test", "payfip_numcli": "123456", "is_published": True}
        )
        cls.euro = env.ref("base.EUR")
        cls.partner = env["res.partner"].create(
            {"name": "Famille MARTIN", "email": "famille.martin@example.com"}
        )

    def _invoice(self, amount, name):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "currency_id": self.euro.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _transaction(self, amount=42.50, invoices=None, **values):
        return self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_card").id,
                "amount": amount,
                "currency_id": self.euro.id,
                "reference": "PF-TEST-00001",
                "operation": "online_redirect",
                "partner_id": self.partner.id,
                "invoice_ids": [
                    Command.set((invoices or self.env["account.move"]).ids)
                ],
                **values,
            }
        )

    def _started_transaction(self, amount=42.50, invoices=None):
        """A transaction whose payer was sent to PayFiP (operation IDOP)."""
        tx = self._transaction(amount, invoices)
        with self.payfip_replay(**CREATE):
            tx._get_processing_values()
        self.assertEqual(tx.provider_reference, IDOP)
        return tx

    def _notify(self, idop=IDOP):
        response = self.url_open(
            "/payment/payfip/notification", data={"idOp": idop}, allow_redirects=False
        )
        self.env.invalidate_all()
        return response

    # ------------------------------------------------------------ the redirection

    def test_redirect_values(self):
        """The payer is sent to PayFiP's page with the idOp PayFiP gave for the
        transaction's debt: refdet from the reference, amount in cents, test mode."""
        self.env.company.name = "Mairie de Saint-Étienne-du-Bois"
        invoice = self._invoice(42.50, "Restauration scolaire")
        tx = self._transaction(invoices=invoice)
        with self.payfip_replay(**CREATE) as replay:
            processing_values = tx._get_processing_values()
        [sent] = replay.calls("creerPaiementSecurise")
        self.assertEqual(sent["numcli"], "123456")
        self.assertEqual(sent["saisie"], "T")
        self.assertEqual(sent["refdet"], "PFTEST00001")
        self.assertEqual(sent["montant"], "4250")
        self.assertEqual(sent["mel"], "famille.martin@example.com")
        self.assertEqual(sent["exer"], str(fields.Date.today().year))
        self.assertTrue(sent["urlnotif"].endswith("/payment/payfip/notification"))
        self.assertTrue(sent["urlredirect"].endswith("/payment/payfip/return"))
        # objet: ASCII letters, digits and spaces only, 100 at most
        self.assertEqual(
            sent["objet"],
            "Mairie de Saint Etienne du Bois " + invoice.name.replace("/", ""),
        )
        form = self._extract_form(processing_values["redirect_form_html"])
        self.assertEqual(form, (const.PAYMENT_URL, {"idop": IDOP}))
        self.assertEqual(tx.provider_reference, IDOP)
        self.assertEqual(tx.payfip_refdet, "PFTEST00001")

    def _extract_form(self, html):
        from lxml import html as lxml_html

        form = lxml_html.fromstring(html)
        return form.get("action"), {
            node.get("name"): node.get("value") for node in form.iter("input")
        }

    def test_production_mode(self):
        """An enabled provider sends real payments (saisie W), a long objet is cut at
        100 characters."""
        self.provider.state = "enabled"
        self.env.company.name = "Communauté de communes " + "é" * 120
        tx = self._transaction()
        with self.payfip_replay(**CREATE) as replay:
            tx._get_processing_values()
        [sent] = replay.calls("creerPaiementSecurise")
        self.assertEqual(sent["saisie"], "W")
        self.assertEqual(len(sent["objet"]), 100)
        self.assertTrue(sent["objet"].isascii())

    def test_activation_mode(self):
        """While the DGFiP runs the activation phase, an enabled provider sends
        activation operations (saisie X); in test mode the box changes nothing."""
        self.provider.write({"state": "enabled", "payfip_activation": True})
        tx = self._transaction()
        with self.payfip_replay(**CREATE) as replay:
            tx._get_processing_values()
        self.assertEqual(replay.calls("creerPaiementSecurise")[0]["saisie"], "X")
        self.provider.state = "test"
        tx = self._transaction(reference="PF-TEST-00002")
        with self.payfip_replay(**CREATE) as replay:
            tx._get_processing_values()
        self.assertEqual(replay.calls("creerPaiementSecurise")[0]["saisie"], "T")
        # on the provider's form, with the help saying what each state sends
        arch = self.env["payment.provider"].get_view(
            self.env.ref("payment.payment_provider_form").id
        )["arch"]
        self.assertIn('name="payfip_activation"', arch)
        self.assertIn(
            "opérations d'activation (X)",
            self.provider._fields["payfip_activation"]._description_help(self.env),
        )

    def test_amount_out_of_range_refused(self):
        """Below 1 EUR or above 100,000 EUR, PayFiP is not asked and the payer reads
        why; PayFiP is not even offered for such amounts."""
        for amount in (0.5, 100000.01):
            tx = self._transaction(amount=amount, reference=f"PF-{amount}")
            with self.payfip_replay(**CREATE) as replay:
                with self.assertRaisesRegex(
                    ValidationError,
                    r"PayFiP accepte les paiements de 1,00\W€ à 100\W?000,00\W€",
                ):
                    tx._get_processing_values()
            self.assertFalse(replay.requests)
            providers = self.env["payment.provider"]._get_compatible_providers(
                self.env.company.id, self.partner.id, amount, currency_id=self.euro.id
            )
            self.assertNotIn(self.provider, providers)
        providers = self.env["payment.provider"]._get_compatible_providers(
            self.env.company.id, self.partner.id, 42.5, currency_id=self.euro.id
        )
        self.assertIn(self.provider, providers)

    def test_creation_fault(self):
        """PayFiP refusing to create the operation: a clear message, nothing sent."""
        tx = self._transaction()
        with self.payfip_replay(
            creerPaiementSecurise=["creerPaiementSecurise_fault_R3"]
        ):
            with self.assertRaisesRegex(
                ValidationError, "PayFiP n'a pas pu lancer le paiement.*REFDET"
            ):
                tx._get_processing_values()
        self.assertFalse(tx.provider_reference)

    def test_numcli_six_digits(self):
        for numcli in ("12345", "12345a"):
            with self.assertRaisesRegex(
                ValidationError, "doit être composé d'exactement six chiffres"
            ):
                self.provider.payfip_numcli = numcli

    # ------------------------------------------------------------ the result

    def test_notification_paid(self):
        """A notification makes Odoo ask PayFiP: P (card) and V (direct debit) are
        paid, and the invoice is paid by the post-processing."""
        for result in ("P", "V"):
            invoice = self._invoice(42.50, f"Cantine {result}")
            tx = self._started_transaction(invoices=invoice)
            with self.payfip_replay(**detail(result)) as replay:
                response = self._notify()
            self.assertEqual(response.status_code, 200)
            self.assertEqual(
                replay.calls("recupererDetailPaiementSecurise"),
                [{"recupererDetailPaiementSecurise": None, "arg0": None, "idOp": IDOP}],
            )
            self.assertEqual(tx.state, "done")
            tx._post_process()
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            tx.reference = f"PF-DONE-{result}"  # free the reference for the next one
            tx.flush_recordset()  # before the next transaction is created

    def test_return_of_the_payer(self):
        """The payer's return (?idop=) asks PayFiP too and shows the status page."""
        tx = self._started_transaction()
        with self.payfip_replay(**detail("P")):
            response = self.url_open(
                f"/payment/payfip/return?idop={IDOP}", allow_redirects=False
            )
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/payment/status"))
        self.assertEqual(tx.state, "done")

    def test_notification_refused(self):
        for result in ("R", "Z"):
            tx = self._started_transaction()
            with self.payfip_replay(**detail(result)):
                self._notify()
            self.assertEqual(tx.state, "error")
            self.assertEqual(tx.state_message, "PayFiP : le paiement a été refusé.")
            tx.reference = f"PF-REFUSED-{result}"
            tx.flush_recordset()  # before the next transaction is created

    def test_notification_cancelled(self):
        tx = self._started_transaction()
        with self.payfip_replay(**detail("A")):
            self._notify()
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(tx.state_message, "PayFiP : le payeur a annulé le paiement.")

    def test_notification_twice(self):
        """The same notification twice: PayFiP is asked once, one payment is made."""
        invoice = self._invoice(42.50, "Cantine")
        tx = self._started_transaction(invoices=invoice)
        with self.payfip_replay(**detail("P")) as replay:
            self._notify()
            tx._post_process()
            self._notify()
            tx._post_process()
        self.assertEqual(len(replay.calls("recupererDetailPaiementSecurise")), 1)
        self.assertEqual(tx.state, "done")
        payments = self.env["account.payment"].search(
            [("payment_transaction_id", "=", tx.id)]
        )
        self.assertEqual(len(payments), 1)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_notification_unknown_idop(self):
        """A notification for an operation Odoo never started: refused with a clear
        404, nothing asked to PayFiP."""
        self._started_transaction()
        with self.payfip_replay(**detail("P")) as replay:
            response = self._notify("00000000-0000-0000-0000-000000000000")
            missing = self._notify("")
        self.assertEqual(response.status_code, 404)
        self.assertIn(
            "aucune transaction ne correspond à l'opération "
            "00000000-0000-0000-0000-000000000000",
            response.text,
        )
        self.assertEqual(missing.status_code, 404)
        self.assertFalse(replay.requests)

    def test_wrong_amount(self):
        """PayFiP's detail tells 42.50 EUR for a 40 EUR transaction: not paid,
        logged."""
        tx = self._started_transaction(amount=40.0)
        with (
            self.payfip_replay(**detail("P")),
            self.assertLogs(TX_LOGGER, "ERROR") as logs,
        ):
            self._notify()
        self.assertEqual(tx.state, "error")
        self.assertIn("montant", tx.state_message)
        self.assertIn("does not match transaction PF-TEST-00001", logs.output[0])

    def test_timeout_then_cron(self):
        """PayFiP does not answer: the transaction stays pending; the cron asks again
        once it has waited 15 minutes, and records the payment."""
        tx = self._started_transaction()
        with self.payfip_replay(**detail(requests.exceptions.ReadTimeout)):
            with self.assertLogs(TX_LOGGER, "WARNING"):
                response = self._notify()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, "pending")
        Transaction = self.env["payment.transaction"]
        with self.payfip_replay(**detail("P")) as replay:
            Transaction._cron_payfip_check_pending()  # too early: not asked again
            self.assertFalse(replay.requests)
            self._age(tx, minutes=16)
            Transaction._cron_payfip_check_pending()
        self.assertEqual(len(replay.calls("recupererDetailPaiementSecurise")), 1)
        self.assertEqual(tx.state, "done")

    def _age(self, tx, minutes):
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(minutes=minutes), tx.id),
        )
        tx.invalidate_recordset(["create_date"])

    def test_not_paid_yet(self):
        """P5 (no payment yet) keeps waiting, until two hours have passed; P1 (PayFiP
        forgot the operation) cancels."""
        tx = self._started_transaction()
        with (
            self.payfip_replay(**detail("fault_P5")),
            self.assertLogs(TX_LOGGER, "WARNING"),
        ):
            self._notify()
        self.assertEqual(tx.state, "pending")
        self._age(tx, minutes=const.PENDING_EXPIRY_MINUTES + 1)
        with self.payfip_replay(**detail("fault_P5")):
            self.env["payment.transaction"]._cron_payfip_check_pending()
        self.assertEqual(tx.state, "cancel")
        tx.reference = "PF-EXPIRED"
        tx.flush_recordset()  # before the next transaction is created
        tx = self._started_transaction()
        with self.payfip_replay(**detail("fault_P1")):
            self._notify()
        self.assertEqual(tx.state, "cancel")

    def test_several_invoices_of_a_household(self):
        """One payment settles the household's two invoices."""
        invoices = self._invoice(20.0, "Cantine octobre") + self._invoice(
            22.50, "Garderie octobre"
        )
        tx = self._started_transaction(invoices=invoices)
        with self.payfip_replay(**detail("P")):
            self._notify()
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(
            set(invoices.mapped("payment_state")) - {"paid", "in_payment"}, set()
        )
        self.assertEqual(sum(invoices.mapped("amount_residual")), 0)
