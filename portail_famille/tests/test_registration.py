from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import FamilyCommon

VALIDATION_TYPE = "portail_famille.mail_activity_type_registration_validation"


@tagged("post_install", "-at_install")
class TestRegistration(FamilyCommon):
    def _todo(self, registration):
        return registration.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(VALIDATION_TYPE)
        )

    # -------------------------------------------------------- creation
    def test_pending_registration_schedules_validation(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        self.assertEqual(registration.state, "pending")
        self.assertEqual(registration.state_symbol, "?")
        self.assertNotEqual(registration.name, "New")
        self.assertEqual(registration.household_id, self.household_a)
        self.assertEqual(registration.school_year_id, self.year)
        todo = self._todo(registration)
        self.assertEqual(len(todo), 1)
        self.assertEqual(
            todo.user_id,
            self.agent,
            "the activity's responsible gets the validation to do",
        )
        self.assertIn(self.parent_a.partner_id, registration.message_partner_ids)
        self.assertIn(self.spouse_a, registration.message_partner_ids)

    def test_auto_validate_activity(self):
        registration = self._create_registration(self.child_a1, self.act_alae_auto)
        self.assertEqual(registration.state, "validated")
        self.assertEqual(registration.state_symbol, "V")
        self.assertFalse(self._todo(registration))
        self.assertTrue(
            registration.message_ids.filtered(lambda m: "validée" in (m.body or ""))
        )

    def test_preregistration_activity(self):
        registration = self._create_registration(self.child_a3, self.act_creche)
        self.assertEqual(registration.state, "preregistered")
        self.assertEqual(registration.state_symbol, "!")
        self.assertEqual(len(self._todo(registration)), 1)
        registration.with_user(self.agent).action_validate()
        self.assertEqual(registration.state, "validated")

    def test_default_dates_span_the_school_year(self):
        with freeze_time("2025-06-15"):
            registration = self.env["family.registration"].create(
                {
                    "child_id": self.child_a1.id,
                    "activity_id": self.act_restaurant.id,
                }
            )
        self.assertEqual(str(registration.date_start), "2025-09-01")
        self.assertEqual(str(registration.date_end), "2026-08-31")
        with freeze_time("2026-01-12"):
            registration = self.env["family.registration"].create(
                {
                    "child_id": self.child_a2.id,
                    "activity_id": self.act_restaurant.id,
                }
            )
        self.assertEqual(str(registration.date_start), "2026-01-12")

    def test_holiday_activity_default_dates_are_its_periods(self):
        registration = self.env["family.registration"].create(
            {
                "child_id": self.child_a2.id,
                "activity_id": self.act_alsh_holiday.id,
            }
        )
        self.assertEqual(str(registration.date_start), "2025-10-18")
        self.assertEqual(str(registration.date_end), "2025-11-02")

    # -------------------------------------------------------- constraints
    def test_duplicate_registration_refused(self):
        self._create_registration(self.child_a1, self.act_restaurant)
        with self.assertRaises(ValidationError):
            self._create_registration(
                self.child_a1, self.act_restaurant, "2026-01-05", "2026-02-06"
            )

    def test_non_overlapping_registrations_allowed(self):
        self._create_registration(
            self.child_a1, self.act_restaurant, "2025-09-01", "2025-12-19"
        )
        second = self._create_registration(
            self.child_a1, self.act_restaurant, "2025-12-20", "2026-07-03"
        )
        self.assertEqual(second.state, "pending")
        other_child = self._create_registration(self.child_a2, self.act_restaurant)
        self.assertEqual(other_child.state, "pending")

    def test_registration_allowed_again_after_refusal(self):
        first = self._create_registration(self.child_a1, self.act_restaurant)
        first.with_user(self.agent).action_refuse(reason="Dossier incomplet")
        second = self._create_registration(self.child_a1, self.act_restaurant)
        self.assertEqual(second.state, "pending")
        with self.assertRaises(ValidationError):
            first.with_user(self.agent).action_reset_to_pending()

    def test_registration_allowed_again_after_cancellation(self):
        first = self._create_registration(self.child_a1, self.act_restaurant)
        first.with_user(self.agent).action_cancel()
        self.assertEqual(first.state, "cancelled")
        self.assertFalse(self._todo(first))
        second = self._create_registration(self.child_a1, self.act_restaurant)
        self.assertEqual(second.state, "pending")

    def test_wrong_age_group_refused(self):
        with self.assertRaises(ValidationError):
            self._create_registration(
                self.child_b1, self.act_alsh_holiday, "2025-10-18", "2025-11-02"
            )
        with self.assertRaises(ValidationError):
            self._create_registration(self.child_a2, self.act_alae_auto)
        with self.assertRaises(ValidationError):
            self._create_registration(self.child_a1, self.act_creche)
        registration = self._create_registration(
            self.child_a2, self.act_alsh_holiday, "2025-10-18", "2025-11-02"
        )
        self.assertEqual(registration.state, "pending")

    def test_school_age_activity_refuses_babies(self):
        """ALAE-like activities take maternelle and élémentaire children, never early
        childhood."""
        alae = self.env["family.activity"].create(
            {
                "name": "ALAE Soir (tests)",
                "kind": "alae_evening_1",
                "school_year_id": self.year.id,
                "age_group": "school",
            }
        )
        with self.assertRaisesRegex(ValidationError, "Jade"):
            self._create_registration(self.child_a3, alae)
        self.assertEqual(
            self._create_registration(self.child_a2, alae).state, "pending"
        )
        self.assertEqual(
            self._create_registration(self.child_a1, alae).state, "pending"
        )

    def test_dates_outside_school_year_refused(self):
        with self.assertRaises(ValidationError):
            self._create_registration(
                self.child_a1, self.act_restaurant, "2025-08-25", "2026-07-03"
            )
        with self.assertRaises(ValidationError):
            self._create_registration(
                self.child_a1, self.act_restaurant, "2025-09-01", "2026-09-02"
            )
        with self.assertRaises(ValidationError):
            self._create_registration(
                self.child_a1, self.act_restaurant, "2026-03-01", "2026-02-01"
            )

    # -------------------------------------------------------- window
    def _portal_request(self, child, activity):
        """A parent's registration request, as the portal makes it."""
        return (
            self.env["family.registration"]
            .with_user(self.parent_a)
            ._portal_request(
                child.with_user(self.parent_a), activity.with_user(self.parent_a)
            )
        )

    def test_portal_parent_registers_on_last_day_of_window(self):
        with freeze_time("2025-08-20"):
            registration = self._portal_request(self.child_a1, self.act_restaurant)
        self.assertEqual(registration.state, "pending")
        self.assertEqual(registration.household_id, self.household_a)
        self.assertEqual(len(self._todo(registration)), 1)

    def test_portal_parent_refused_after_window(self):
        with (
            freeze_time("2025-08-21"),
            self.assertRaisesRegex(UserError, "Choisissez une activité"),
        ):
            self._portal_request(self.child_a1, self.act_restaurant)
        with (
            freeze_time("2025-03-09"),
            self.assertRaisesRegex(UserError, "Choisissez une activité"),
        ):
            self._portal_request(self.child_a1, self.act_restaurant)
        # the model's own rule, any route
        with (
            freeze_time("2025-08-21"),
            self.assertRaises(ValidationError),
        ):
            self.env["family.registration"].with_user(self.parent_a).sudo().create(
                {"child_id": self.child_a1.id, "activity_id": self.act_restaurant.id}
            )
        self.assertFalse(self.child_a1.registration_ids)

    def test_staff_registers_after_window(self):
        with freeze_time("2025-08-21"):
            registration = self._create_registration(
                self.child_a1, self.act_restaurant, user=self.agent
            )
        self.assertEqual(registration.state, "pending")

    def test_portal_parent_cannot_choose_state(self):
        with freeze_time("2025-06-01"):
            with self.assertRaises(AccessError):  # no direct create by RPC
                self._create_registration(
                    self.child_a1,
                    self.act_restaurant,
                    user=self.parent_a,
                    state="validated",
                )
            # the portal's business method creates with sudo: the family rules still
            # apply to the parent
            registration = (
                self.env["family.registration"]
                .with_user(self.parent_a)
                .sudo()
                .create(
                    {
                        "child_id": self.child_a1.id,
                        "activity_id": self.act_restaurant.id,
                        "state": "validated",
                    }
                )
            )
        self.assertEqual(registration.state, "pending")
        self.assertFalse(registration.validated_by_id)

    @freeze_time("2025-10-01")
    def test_portal_parent_auto_validated_registration(self):
        registration = self._portal_request(self.child_a1, self.act_alae_auto)
        self.assertEqual(registration.state, "validated")

    @freeze_time("2025-10-01")
    def test_portal_parent_preregistration(self):
        registration = self._portal_request(self.child_a3, self.act_creche)
        self.assertEqual(registration.state, "preregistered")
        self.assertEqual(len(self._todo(registration)), 1)

    # -------------------------------------------------------- actions and notifications
    def _family_mails(self, registration, partner):
        messages = registration.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
        )
        notifications = self.env["mail.notification"].search(
            [
                ("mail_message_id", "in", messages.ids),
                ("res_partner_id", "=", partner.id),
            ]
        )
        mails = (
            self.env["mail.mail"]
            .search([("mail_message_id", "in", messages.ids)])
            .filtered(lambda m: partner in m.recipient_ids)
        )
        return messages, notifications, mails

    def test_validate_notifies_family(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        registration.with_user(self.agent).action_validate()
        self.assertEqual(registration.state, "validated")
        self.assertEqual(registration.validated_by_id, self.agent)
        self.assertTrue(registration.validation_date)
        self.assertFalse(
            self._todo(registration), "the validation to do is marked done"
        )
        messages, notifications, mails = self._family_mails(
            registration, self.parent_a.partner_id
        )
        self.assertEqual(len(messages), 1)
        self.assertIn("validée", messages.body)
        self.assertIn("Léa MARTIN", messages.body)
        self.assertIn("Inscription validée", messages.subject)
        self.assertEqual(notifications.notification_type, "email")
        self.assertTrue(mails, "an e-mail goes to the responsable")
        self.assertTrue(
            self._family_mails(registration, self.spouse_a)[1],
            "the spouse is notified too",
        )
        self.assertFalse(self._family_mails(registration, self.parent_b.partner_id)[1])

    def test_bulk_validate_from_the_list(self):
        """Staff select several pending registrations in the list and validate them
        at once; a selection with one that cannot be validated changes nothing."""
        arch = (
            self.env["family.registration"]
            .with_user(self.agent)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        self.assertIn('name="action_validate"', arch)
        registrations = (
            self._create_registration(self.child_a1, self.act_restaurant)
            | self._create_registration(self.child_a2, self.act_restaurant)
            | self._create_registration(self.child_b1, self.act_restaurant)
        )
        registrations[2].with_user(self.agent).action_validate()
        with self.assertRaisesRegex(UserError, "ne peut pas être validée"):
            registrations.with_user(self.agent).action_validate()
        self.assertEqual(registrations[:2].mapped("state"), ["pending", "pending"])
        registrations[:2].with_user(self.agent).action_validate()
        self.assertEqual(set(registrations.mapped("state")), {"validated"})
        for registration in registrations[:2]:
            self.assertEqual(
                len(self._family_mails(registration, self.parent_a.partner_id)[0]),
                1,
                "each family is told once",
            )

    def test_refuse_notifies_family_with_reason(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        registration.with_user(self.agent).action_refuse(
            reason="Plus de place au réfectoire"
        )
        self.assertEqual(registration.state, "refused")
        self.assertEqual(registration.refusal_reason, "Plus de place au réfectoire")
        self.assertFalse(self._todo(registration))
        messages, notifications, mails = self._family_mails(
            registration, self.parent_a.partner_id
        )
        self.assertEqual(len(messages), 1)
        self.assertIn("Plus de place au réfectoire", messages.body)
        self.assertTrue(notifications)
        self.assertTrue(mails)
        self.assertIn("Plus de place au réfectoire", mails.body_html)

    def test_refuse_without_reason_opens_wizard(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        action = registration.with_user(self.agent).action_refuse()
        self.assertEqual(action["res_model"], "family.refusal.wizard")
        self.assertEqual(registration.state, "pending")
        wizard = (
            self.env["family.refusal.wizard"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create(
                {
                    "reason": "Enfant non scolarisé dans la commune",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(registration.state, "refused")
        self.assertEqual(
            registration.refusal_reason, "Enfant non scolarisé dans la commune"
        )

    def test_wrong_transitions(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        agent_reg = registration.with_user(self.agent)
        # a whole French sentence per action, the state as its label
        with self.assertRaisesRegex(
            UserError, "ne peut pas être remise en attente : elle est à l'état « En att"
        ):
            agent_reg.action_reset_to_pending()
        agent_reg.action_validate()
        with self.assertRaisesRegex(
            UserError, "ne peut pas être validée : elle est à l'état « Validée"
        ):
            agent_reg.action_validate()
        agent_reg.action_cancel()
        with self.assertRaisesRegex(
            UserError, "ne peut pas être validée : elle est à l'état « Annulée »"
        ):
            agent_reg.action_validate()
        with self.assertRaisesRegex(
            UserError, "ne peut pas être refusée : elle est à l'état « Annulée »"
        ):
            agent_reg.action_refuse(reason="trop tard")
        with self.assertRaisesRegex(
            UserError, "ne peut pas être annulée : elle est à l'état « Annulée »"
        ):
            agent_reg.action_cancel()
        agent_reg.action_reset_to_pending()
        self.assertEqual(registration.state, "pending")
        self.assertEqual(len(self._todo(registration)), 1)

    def test_validated_registration_can_be_refused(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        registration.with_user(self.agent).action_validate()
        registration.with_user(self.agent).action_refuse(reason="Radiation")
        self.assertEqual(registration.state, "refused")

    def test_portal_parent_cannot_change_state(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        portal_reg = registration.with_user(self.parent_a)
        with self.assertRaises(UserError):
            portal_reg.write({"state": "validated"})
        with self.assertRaises(UserError):
            portal_reg.action_validate()
        with self.assertRaises(UserError):
            portal_reg.action_refuse(reason="non")
        self.assertEqual(registration.state, "pending")

    def test_attestation_only_for_validated(self):
        registration = self._create_registration(self.child_a1, self.act_restaurant)
        with self.assertRaises(UserError):
            registration._check_attestation_allowed()
        registration.action_validate()
        self.assertTrue(registration._check_attestation_allowed())

    def test_activity_counters(self):
        self._create_registration(self.child_a1, self.act_restaurant)
        self._create_registration(self.child_a2, self.act_restaurant).action_validate()
        self.act_restaurant.invalidate_recordset(
            ["registration_count", "pending_count"]
        )
        self.assertEqual(self.act_restaurant.registration_count, 2)
        self.assertEqual(self.act_restaurant.pending_count, 1)
