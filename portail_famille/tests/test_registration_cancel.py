from datetime import date

from freezegun import freeze_time

from .test_reservation import ReservationCommon


class TestRegistrationCancelFreesBookings(ReservationCommon):
    """Cancelling (or refusing) a validated registration cancels its days still to
    come: their places go back to the day, and to the waiting list; past, attended and
    invoiced days stay."""

    def _places(self, day):
        counts = self.env["family.activity.place"]._get_counts(
            self.act_wednesday.ids, day, day
        )
        return counts.get((self.act_wednesday.id, 0, day), 0)

    def _setup_days(self):
        """Léa (reg_a1_wed): Wednesday 05/11 attended, 19/11 and 26/11 booked, 03/12
        on the waiting list, 10/12 invoiced; 19/11 is full (Tom too), Hugo waits for
        it."""
        with freeze_time("2025-10-20"):
            past = self._book(self.reg_a1_wed, "2025-11-05")["reservation"]
        with freeze_time("2025-11-05 15:00"):
            past.with_user(self.agent).action_mark_attended()
        with freeze_time("2025-11-03"):
            days = {
                day: self._book(self.reg_a1_wed, day)["reservation"]
                for day in ("2025-11-19", "2025-11-26", "2025-12-10")
            }
            self._book(self.reg_a2_wed, "2025-11-19")
            self._book(self.reg_a2_wed, "2025-12-03")
            self._book(self.reg_b1_wed, "2025-12-03")
            days["2025-12-03"] = self._book(
                self.reg_a1_wed, "2025-12-03", waiting_list=True
            )["reservation"]
            hugo = self._book(self.reg_b1_wed, "2025-11-19", waiting_list=True)[
                "reservation"
            ]
        days["2025-12-10"].sudo().invoiced = True
        self.assertEqual(days["2025-12-03"].state, "waiting")
        self.assertEqual(hugo.state, "waiting")
        return past, days, hugo

    def test_cancel_registration_frees_its_days_to_come(self):
        past, days, hugo = self._setup_days()
        with freeze_time("2025-11-17"):
            self.assertEqual(self._places(date(2025, 11, 19)), 2)
            self.assertEqual(self._places(date(2025, 11, 26)), 1)
            # 2 days before: the parents could not cancel any more, staff's
            # cancellation of the registration still frees it
            self.reg_a1_wed.with_user(self.agent).action_cancel()
        self.assertEqual(self.reg_a1_wed.state, "cancelled")
        for day in ("2025-11-19", "2025-11-26", "2025-12-03"):
            self.assertEqual(days[day].state, "cancelled", day)
            self.assertTrue(days[day].is_override)
            self.assertEqual(days[day].override_user_id, self.agent)
        # kept: the attended day and the invoiced one
        self.assertEqual(past.state, "attended")
        self.assertEqual(days["2025-12-10"].state, "reserved")
        # the place of 19/11 went to Hugo, waiting for it; 26/11 is free again
        self.assertEqual(hugo.state, "reserved")
        self.assertEqual(self._places(date(2025, 11, 19)), 2)
        self.assertEqual(self._places(date(2025, 11, 26)), 0)
        self.assertEqual(self.reg_a1_wed.cancelled_booking_count, 3)
        self.assertTrue(
            self.reg_a1_wed.message_ids.filtered(
                lambda m: "3 jours réservés à venir annulés" in (m.body or "")
            ),
            "the chatter says how many days were cancelled",
        )
        mail = self.reg_a1_wed.message_ids.filtered(
            lambda m: "Inscription annulée" in (m.subject or "")
        )
        self.assertTrue(mail, "the family is told")
        self.assertIn("Ses 3 jour(s) réservé(s) à venir", mail.body)
        self.assertIn(self.parent_a.partner_id, mail.notified_partner_ids)

    def test_refusing_a_validated_registration_frees_its_days(self):
        with freeze_time("2025-11-03"):
            booked = self._book(self.reg_a1_wed, "2025-11-19")["reservation"]
            self.assertEqual(self._places(date(2025, 11, 19)), 1)
            self.reg_a1_wed.with_user(self.agent).action_refuse(reason="Doublon")
        self.assertEqual(booked.state, "cancelled")
        self.assertEqual(self._places(date(2025, 11, 19)), 0)
        self.assertEqual(self.reg_a1_wed.cancelled_booking_count, 1)

    def test_cancelling_a_pending_registration_touches_nothing(self):
        registration = self._create_registration(self.child_b2, self.act_wednesday)
        with freeze_time("2025-11-03"):
            registration.with_user(self.agent).action_cancel()
        self.assertEqual(registration.cancelled_booking_count, 0)
        self.assertFalse(
            registration.message_ids.filtered(
                lambda m: "Inscription annulée" in (m.subject or "")
            )
        )
