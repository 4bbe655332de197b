from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import TINY_PDF_B64, FamilyCommon


@tagged("post_install", "-at_install")
class TestQuotient(FamilyCommon):
    def _vals(self, **vals):
        return {
            "household_id": self.household_a.id,
            "value": 612.5,
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
            "proof": TINY_PDF_B64,
            "proof_filename": "caf.pdf",
            **vals,
        }

    def test_negative_value_refused(self):
        with self.assertRaises(ValidationError):
            self.env["family.quotient"].create(self._vals(value=-1.0))

    def test_proof_required(self):
        with self.assertRaises(ValidationError):
            self.env["family.quotient"].create(self._vals(proof=False))

    def test_end_before_start_refused(self):
        with self.assertRaises(ValidationError):
            self.env["family.quotient"].create(
                self._vals(date_from="2025-06-01", date_to="2025-05-31")
            )

    def test_portal_parent_declares_even_when_passing_validated(self):
        quotient = (
            self.env["family.quotient"]
            .with_user(self.parent_a)
            ._portal_declare(
                self.household_a.with_user(self.parent_a),
                self._vals(state="validated", validated_by_id=self.parent_a.id),
            )
        )
        self.assertEqual(quotient.state, "declared")
        self.assertFalse(quotient.validated_by_id)
        self.assertIsNone(
            self.household_a._get_quotient_value(self._date("2025-06-01"))
        )

    def test_portal_parent_cannot_validate(self):
        quotient = (
            self.env["family.quotient"]
            .with_user(self.parent_a)
            ._portal_declare(self.household_a.with_user(self.parent_a), self._vals())
        )
        with self.assertRaises(UserError):
            quotient.with_user(self.parent_a).write({"state": "validated"})
        with self.assertRaises(UserError):
            quotient.with_user(self.parent_a).action_validate()
        with self.assertRaises(UserError):
            quotient.with_user(self.parent_a).action_refuse(reason="moi-même")
        self.assertEqual(quotient.state, "declared")

    def test_portal_parent_cannot_change_checked_quotient(self):
        quotient = self._create_quotient(self.household_a, 300.0)
        with self.assertRaises(UserError):
            quotient.with_user(self.parent_a).write({"value": 100.0})
        self.assertEqual(quotient.value, 300.0)

    def test_portal_parent_cannot_declare_for_other_family(self):
        with self.assertRaises(AccessError):
            self.env["family.quotient"].with_user(self.parent_a).create(
                self._vals(household_id=self.household_b.id)
            )
        with self.assertRaises(AccessError):
            self.env["family.quotient"].with_user(self.parent_a)._portal_declare(
                self.household_b.with_user(self.parent_a), self._vals()
            )
        quotient = (
            self.env["family.quotient"]
            .with_user(self.parent_a)
            ._portal_declare(
                self.household_a.with_user(self.parent_a),
                self._vals(household_id=self.household_b.id),
            )
        )
        self.assertEqual(quotient.sudo().household_id, self.household_a)

    def test_staff_validates(self):
        quotient = self.env["family.quotient"].create(self._vals())
        quotient.with_user(self.agent).action_validate()
        self.assertEqual(quotient.state, "validated")
        self.assertEqual(quotient.validated_by_id, self.agent)
        self.assertTrue(quotient.validation_date)
        self.assertEqual(
            self.household_a._get_quotient_value(self._date("2025-06-01")), 612.5
        )
        with self.assertRaises(UserError):
            quotient.with_user(self.agent).action_validate()

    def test_staff_refuses_with_reason(self):
        quotient = self.env["family.quotient"].create(self._vals())
        quotient.with_user(self.agent).action_refuse(reason="Attestation de 2019")
        self.assertEqual(quotient.state, "refused")
        self.assertEqual(quotient.refusal_reason, "Attestation de 2019")
        with self.assertRaises(UserError):
            quotient.with_user(self.agent).action_refuse(reason="encore")

    def test_refuse_without_reason_opens_wizard(self):
        quotient = self.env["family.quotient"].create(self._vals())
        action = quotient.with_user(self.agent).action_refuse()
        self.assertEqual(action["res_model"], "family.refusal.wizard")
        self.assertEqual(
            quotient.state, "declared", "nothing is refused before a reason is given"
        )
        wizard = (
            self.env["family.refusal.wizard"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create(
                {
                    "reason": "  Document illisible  ",
                }
            )
        )
        self.assertEqual(wizard.res_model, "family.quotient")
        self.assertEqual(wizard.res_ids, quotient.ids)
        wizard.action_confirm()
        self.assertEqual(quotient.state, "refused")
        self.assertEqual(quotient.refusal_reason, "Document illisible")

    def test_wizard_requires_a_real_reason(self):
        quotient = self.env["family.quotient"].create(self._vals())
        wizard = (
            self.env["family.refusal.wizard"]
            .with_user(self.agent)
            .create(
                {
                    "res_model": "family.quotient",
                    "res_ids": quotient.ids,
                    "reason": "   ",
                }
            )
        )
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertEqual(quotient.state, "declared")

    def test_overlapping_validated_quotients_refused(self):
        self._create_quotient(self.household_a, 500.0, "2025-01-01", "2025-12-31")
        second = self._create_quotient(
            self.household_a, 700.0, "2025-06-01", "2026-05-31", validate=False
        )
        with self.assertRaises(ValidationError):
            second.with_user(self.agent).action_validate()

    def test_adjacent_quotients_and_other_family_allowed(self):
        self._create_quotient(self.household_a, 500.0, "2025-01-01", "2025-12-31")
        self._create_quotient(self.household_a, 700.0, "2026-01-01", "2026-12-31")
        self._create_quotient(self.household_b, 900.0, "2025-01-01", "2025-12-31")
        self.assertEqual(
            self.household_a._get_quotient_value(self._date("2026-03-01")), 700.0
        )

    def test_quotient_in_force_today(self):
        self._create_quotient(self.household_a, 450.0, "2025-01-01", "2025-12-31")
        self._create_quotient(self.household_a, 820.0, "2026-01-01", "2026-12-31")
        with freeze_time("2025-11-15"):
            self.household_a.invalidate_recordset(
                ["current_quotient", "current_quotient_id"]
            )
            self.assertEqual(self.household_a.current_quotient, 450.0)
        with freeze_time("2026-02-01"):
            self.household_a.invalidate_recordset(
                ["current_quotient", "current_quotient_id"]
            )
            self.assertEqual(self.household_a.current_quotient, 820.0)
        with freeze_time("2027-02-01"):
            self.household_a.invalidate_recordset(
                ["current_quotient", "current_quotient_id"]
            )
            self.assertEqual(self.household_a.current_quotient, 0.0)
            self.assertFalse(self.household_a.current_quotient_id)
