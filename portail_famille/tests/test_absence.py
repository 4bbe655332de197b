import base64

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError

from .common import TINY_PDF_B64
from .test_reservation import ReservationCommon


class TestAbsence(ReservationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2025-11-03"):
            days = [
                cls._book_days(day)
                for day in ("2025-11-19", "2025-11-26", "2025-12-03")
            ]
        cls.days = cls.env["family.reservation"].browse([day.id for day in days])

    @classmethod
    def _book_days(cls, day):
        return cls.env["family.reservation"]._book(
            [
                {
                    "registration_id": cls.reg_a1_wed.id,
                    "unit_id": cls.unit_wed.id,
                    "date": day,
                },
            ]
        )[0]["reservation"]

    def _declare(self, date_from, date_to, user=None, **vals):
        if user:  # a parent declares through the portal's business method
            return (
                self.env["family.absence"]
                .with_user(user)
                ._portal_declare(
                    self.child_a1.with_user(user),
                    {"date_from": date_from, "date_to": date_to, **vals},
                )
            )
        return self.env["family.absence"].create(
            {
                "child_id": self.child_a1.id,
                "date_from": date_from,
                "date_to": date_to,
                **vals,
            }
        )

    def _november_cost(self):
        return self.Reservation._get_monthly_cost(
            self.household_a, self._date("2025-11-01")
        )["total"]

    def test_absence_without_certificate_is_unjustified_and_billed(self):
        self.assertAlmostEqual(self._november_cost(), 8.00)
        absence = self._declare(
            "2025-11-17", "2025-11-21", user=self.parent_a, reason="family"
        )
        self.assertEqual(self.days[0].state, "absent_unjustified")
        self.assertEqual(self.days[1].state, "reserved")
        self.assertEqual(absence.reservation_ids, self.days[0])
        # default: unjustified absences are billed
        self.assertAlmostEqual(self._november_cost(), 8.00)

    def test_absence_with_certificate_is_justified_and_not_billed(self):
        self._declare(
            "2025-11-17",
            "2025-11-28",
            user=self.parent_a,
            certificate=TINY_PDF_B64,
            certificate_filename="certificat.pdf",
        )
        self.assertEqual(set(self.days[:2].mapped("state")), {"absent_justified"})
        self.assertEqual(self.days[2].state, "reserved")
        self.assertAlmostEqual(self._november_cost(), 0.0)
        # an activity may bill every absence
        self.act_wednesday.absence_billing = "all"
        self.assertAlmostEqual(self._november_cost(), 8.00)

    def test_staff_justifies_later_and_parent_cannot(self):
        absence = self._declare("2025-11-19", "2025-11-19", user=self.parent_a)
        with self.assertRaises(UserError):
            absence.with_user(self.parent_a).justified = True
        absence.with_user(self.agent).justified = True
        self.assertEqual(self.days[0].state, "absent_justified")
        # deleting the absence gives the day back
        absence.with_user(self.agent).unlink()
        self.assertEqual(self.days[0].state, "reserved")

    def test_bad_input(self):
        with self.assertRaises(ValidationError):
            self._declare("2025-11-20", "2025-11-19", user=self.parent_a)
        with self.assertRaises(ValidationError):  # a text file named .pdf
            self._declare(
                "2025-11-19",
                "2025-11-19",
                user=self.parent_a,
                certificate=base64.b64encode(b"not a pdf at all"),
                certificate_filename="c.pdf",
            )
        with self.assertRaises(AccessError):  # another family's child
            self.env["family.absence"].with_user(self.parent_a).create(
                {
                    "child_id": self.child_b1.id,
                    "date_from": "2025-11-19",
                    "date_to": "2025-11-19",
                }
            )
        self.assertEqual(self.days[0].state, "reserved")


class TestAttendance(ReservationCommon):
    def test_staff_mark_attendance(self):
        with freeze_time("2025-11-03"):
            reservation = self._book(self.reg_a1_wed, "2025-11-19")["reservation"]
            self._book(self.reg_a2_wed, "2025-11-19")
            waiting = self._book(self.reg_b1_wed, "2025-11-19", waiting_list=True)[
                "reservation"
            ]
            self.assertEqual(waiting.state, "waiting")
            # a day still to come: no presence, no unjustified absence yet
            for action in ("action_mark_attended", "action_mark_absent"):
                with self.assertRaisesRegex(UserError, "19/11/2025.*à venir"):
                    getattr(reservation.with_user(self.agent), action)()
            self.assertEqual(reservation.state, "reserved")
            # an absence known in advance may be justified
            reservation.with_user(self.agent).action_mark_absent_justified()
            self.assertEqual(reservation.state, "absent_justified")
        with freeze_time("2025-11-19"):
            reservation.with_user(self.agent).action_mark_attended()
            self.assertEqual(reservation.state, "attended")
            reservation.with_user(self.agent).action_mark_absent()
            self.assertEqual(reservation.state, "absent_unjustified")
            with self.assertRaises(UserError):
                reservation.with_user(self.parent_a).action_mark_attended()
            with self.assertRaisesRegex(UserError, "19/11/2025"):
                waiting.with_user(self.agent).action_mark_attended()
