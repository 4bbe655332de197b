from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoTown(TransactionCase):
    """A newcomer logging in to the demo town finds a lived-in account: days booked
    ahead, invoices of the past months, answers from the services."""

    def test_demo_family_has_a_present_and_a_past(self):
        household = self.env.ref("portail_famille.household_martin")
        today = fields.Date.context_today(household)
        Reservation = self.env["family.reservation"]
        coming = Reservation.search_count(
            [
                ("household_id", "=", household.id),
                ("date", ">=", today),
                ("state", "=", "reserved"),
            ]
        )
        self.assertGreater(coming, 10, "the coming weeks are booked")
        past = Reservation.search_count(
            [("household_id", "=", household.id), ("invoiced", "=", True)]
        )
        self.assertGreater(past, 10, "the past months are billed")
        messages = self.env["family.message"].search(
            [("household_id", "=", household.id)]
        )
        self.assertGreaterEqual(len(messages), 2)
        self.assertTrue(
            all(messages.mapped("family_unread")),
            "the services' answers wait to be read",
        )
        self.assertIn(household.responsible_partner_id, messages.message_partner_ids)
