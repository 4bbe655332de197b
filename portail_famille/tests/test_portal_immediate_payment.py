from odoo.tests import tagged

from .test_portal_planning import LivePlanningCase


@tagged("post_install", "-at_install")
class TestPortalImmediatePayment(LivePlanningCase):
    """Immediate payment on the portal (seed 004 "Paiement immédiat"): the recap shows
    what is to pay, "Terminer" leads to Odoo's payment form, the demo provider pays, the
    day is booked; the first browser tours of the payment form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.act_live.immediate_payment = True
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True})

    def _tick_and_finish(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self._post(
            "/my/planning?child=%s&view=week&start=%s"
            % (self.child_a1.id, self.open_day.isoformat()),
            {"cell": self._key(self.reg_a1, self.open_day)},
        )
        recap = self.url_open("/my/recap")
        self.assertIn("Paiement immédiat", recap.text)
        self.assertIn("À payer", recap.text)
        self.assertIn("Terminer et payer", recap.text)
        done = self._post("/my/recap/confirm", {}, csrf_from="/my/recap")
        self.assertEqual(done.status_code, 200)
        reservation = self.env["family.reservation"].search(
            [("registration_id", "=", self.reg_a1.id), ("date", "=", self.open_day)]
        )
        invoice = reservation.invoice_line_id.move_id
        return done, reservation, invoice

    def _refused(self, model, method, args):
        """``model.method(*args)`` called over JSON-RPC by the logged-in parent is
        refused."""
        with self.assertRaises(Exception):  # noqa: B017 (the RPC error, by name)
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {"model": model, "method": method, "args": args, "kwargs": {}},
            )

    def test_finish_leads_to_the_payment_form_of_the_held_day(self):
        done, reservation, invoice = self._tick_and_finish()
        self.assertEqual(
            (reservation.state, reservation.payment_pending), ("reserved", True)
        )
        self.assertEqual(invoice.family_hold_state, "held")
        self.assertIn("o_payment_form", done.text)
        self.assertIn("/my/invoices/pay/transaction/%s" % invoice.id, done.text)
        self.assertIn("4,00", done.text)
        planning = self.url_open(self._week_url(self.child_a1, self.open_day))
        self.assertIn("En attente de paiement", planning.text)

    def test_parent_cannot_confirm_a_hold_nor_pay_another_familys(self):
        _done, reservation, invoice = self._tick_and_finish()
        # private methods and protected fields: refused over RPC
        for method, args in (
            ("_family_hold_confirm", [invoice.ids]),
            ("_invoice_paid_hook", [invoice.ids]),
            ("write", [invoice.ids, {"family_hold_state": "paid"}]),
        ):
            with self.subTest(method=method):
                self._refused("account.move", method, args)
        self._refused(
            "family.reservation", "write", [reservation.ids, {"payment_pending": False}]
        )
        self.assertEqual(invoice.family_hold_state, "held")
        self.assertTrue(reservation.payment_pending)
        # another family: no transaction for this invoice
        self.authenticate(self.parent_b.login, self.parent_b.login)
        with self.assertRaisesRegex(Exception, "ValidationError"):
            self.make_jsonrpc_request(
                "/my/invoices/pay/transaction/%s" % invoice.id,
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.provider.payment_method_ids[:1].id,
                    "token_id": None,
                    "amount": 4.0,
                    "flow": "direct",
                    "tokenization_requested": False,
                    "landing_route": "/my/invoices",
                    "is_validation": False,
                    "access_token": None,
                },
            )
        self.assertFalse(
            self.env["payment.transaction"].search([("invoice_ids", "in", invoice.ids)])
        )

    def test_tour_book_finish_and_pay(self):
        self.browser_size = "1366x768"
        self.start_tour(
            self._week_url(self.child_a1, self.open_day),
            "portail_famille_portal_immediate_payment",
            login=self.parent_a.login,
        )
        reservation = self.env["family.reservation"].search(
            [("registration_id", "=", self.reg_a1.id)]
        )
        self.assertEqual(reservation.date, self.open_day)
        self.assertEqual(
            (reservation.state, reservation.payment_pending), ("reserved", False)
        )
        invoice = reservation.invoice_line_id.move_id
        self.assertEqual(invoice.family_hold_state, "paid")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        tx = self.env["payment.transaction"].search(
            [("invoice_ids", "in", invoice.ids)]
        )
        self.assertEqual((tx.state, tx.amount), ("done", 4.0))

    def test_tour_pay_an_invoice_from_its_page(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.household_a.partner_id.id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Séjour", "quantity": 1, "price_unit": 15.0})
                ],
            }
        )
        invoice.action_post()
        self.start_tour(
            "/my/invoices/%s" % invoice.id,
            "portail_famille_portal_pay_invoice",
            login=self.parent_a.login,
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
