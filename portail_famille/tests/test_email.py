from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestEmailChange(FamilyCommon):
    """The e-mail is the parent's login: only the town's staff may change it."""

    def test_portal_parent_cannot_change_partner_email(self):
        partner = self.parent_a.partner_id
        with self.assertRaises(UserError):
            partner.with_user(self.parent_a).write(
                {"email": "alice.nouvelle@example.com"}
            )
        self.assertEqual(partner.email, "alice.martin@example.com")

    def test_portal_parent_cannot_change_email_from_preferences(self):
        with self.assertRaises(UserError):
            self.parent_a.with_user(self.parent_a).write(
                {"email": "alice.nouvelle@example.com"}
            )
        self.assertEqual(self.parent_a.email, "alice.martin@example.com")

    def test_portal_parent_cannot_change_login(self):
        with self.assertRaises(UserError):
            self.parent_a.with_user(self.parent_a).write(
                {"login": "alice.nouvelle@example.com"}
            )
        self.assertEqual(self.parent_a.login, "alice.martin@example.com")

    def test_portal_parent_cannot_change_spouse_email(self):
        with self.assertRaises(UserError):
            self.spouse_a.with_user(self.parent_a).write(
                {"email": "paul.nouveau@example.com"}
            )
        self.assertEqual(self.spouse_a.email, "paul.martin@example.com")

    def test_staff_can_change_email_and_login(self):
        clerk = mail_new_test_user(
            self.env,
            login="pf_clerk",
            groups="portail_famille.group_family_agent,base.group_partner_manager",
            name="Claire GUICHET",
        )
        self.parent_a.partner_id.with_user(clerk).write(
            {"email": "alice.nouvelle@example.com"}
        )
        self.assertEqual(self.parent_a.email, "alice.nouvelle@example.com")
        self.parent_a.write({"login": "alice.nouvelle@example.com"})
        self.assertEqual(self.parent_a.login, "alice.nouvelle@example.com")
