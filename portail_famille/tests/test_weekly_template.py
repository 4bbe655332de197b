from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from .test_reservation import ReservationCommon


class TestWeeklyTemplate(ReservationCommon):
    def _template(self, registration, date_from, date_to, days, user=None):
        Template = (
            self.env["family.weekly.template"].with_user(user)
            if user
            else self.env["family.weekly.template"]
        )
        return Template.create(
            {
                "registration_id": registration.id,
                "date_from": date_from,
                "date_to": date_to,
                "line_ids": [
                    Command.create({"weekday": str(weekday), "unit_id": unit.id})
                    for weekday, unit in days
                ],
            }
        )

    @freeze_time("2025-10-25")
    def test_template_books_open_days_and_skips_closed_ones(self):
        # restaurant Monday + Thursday, November 2025 (deadline: 20 October for November
        # -> past!) so use December: deadline 20 November, still open on 25 October
        template = self._template(
            self.reg_a1_resto,
            "2025-12-01",
            "2025-12-31",
            [(0, self.unit_meal), (3, self.unit_meal)],
            user=self.agent,
        )
        # a family's own days go through its recap: a parent can neither create nor
        # apply a template
        with self.assertRaises(AccessError):
            self._template(
                self.reg_a1_resto,
                "2025-12-01",
                "2025-12-31",
                [(0, self.unit_meal)],
                user=self.parent_a,
            )
        with self.assertRaises(AccessError):
            template.with_user(self.parent_a).action_apply()
        self.assertFalse(
            self.Reservation.search([("registration_id", "=", self.reg_a1_resto.id)])
        )
        results = template.with_user(self.agent).action_apply()[template.id]
        reservations = self.Reservation.search(
            [("registration_id", "=", self.reg_a1_resto.id)]
        )
        # Mondays 1, 8, 15 and Thursdays 4, 11, 18; from 20/12 it is the Christmas
        # holidays
        self.assertEqual(
            sorted(str(d) for d in reservations.mapped("date")),
            [
                "2025-12-01",
                "2025-12-04",
                "2025-12-08",
                "2025-12-11",
                "2025-12-15",
                "2025-12-18",
            ],
        )
        self.assertEqual(results["booked"], 6)
        self.assertTrue(all(r.price_unit == 2.80 for r in reservations))  # QF 500 -> T2
        self.assertTrue(all(r.tariff_name == "REPAS T2" for r in reservations))

    @freeze_time("2025-11-25")
    def test_template_reports_days_past_deadline_and_already_booked(self):
        # December closed on 20/11 for the monthly rule: every December day is refused,
        # January is booked
        self._book(self.reg_a1_resto, "2026-01-05", user=self.parent_a)
        template = self._template(
            self.reg_a1_resto, "2025-12-01", "2026-01-09", [(0, self.unit_meal)]
        )
        outcome = template.action_apply()[template.id]
        errors = [e for e in outcome["errors"] if e]
        self.assertTrue(any("01/12/2025" in e for e in errors), errors)
        self.assertTrue(
            any("déjà réservé" in e and "05/01/2026" in e for e in errors), errors
        )
        self.assertEqual(outcome["booked"], 0)
        self.assertIn("01/12/2025", template.last_result)

    @freeze_time("2025-11-03")
    def test_template_respects_capacity(self):
        self._book(self.reg_a2_wed, "2025-11-19")
        self._book(self.reg_b1_wed, "2025-11-19")  # Wednesday 19/11 now full (2 places)
        template = self._template(
            self.reg_a1_wed, "2025-11-12", "2025-11-26", [(2, self.unit_wed)]
        )
        outcome = template.action_apply()[template.id]
        booked = self.Reservation.search(
            [("registration_id", "=", self.reg_a1_wed.id)]
        ).mapped("date")
        self.assertEqual(sorted(str(d) for d in booked), ["2025-11-12", "2025-11-26"])
        self.assertTrue(any("complet" in e for e in outcome["errors"] if e))
        Day = self.env["family.activity.place"]
        counts = Day._get_counts(
            self.act_wednesday.ids, self._date("2025-11-12"), self._date("2025-11-26")
        )
        self.assertEqual(
            counts[Day._place_key(self.act_wednesday, None, self._date("2025-11-19"))],
            2,
        )
        self.assertEqual(
            counts[Day._place_key(self.act_wednesday, None, self._date("2025-11-26"))],
            1,
        )

    def test_template_checks(self):
        # Tuesday: the Wednesday activity does not run
        with self.assertRaises(ValidationError):
            self._template(
                self.reg_a1_wed, "2025-11-12", "2025-11-26", [(1, self.unit_wed)]
            )
        with self.assertRaises(ValidationError):  # a unit of another activity
            self._template(
                self.reg_a1_wed, "2025-11-12", "2025-11-26", [(2, self.unit_meal)]
            )
        with self.assertRaises(ValidationError):  # outside the registration
            self._template(
                self.reg_a1_wed, "2025-08-01", "2025-11-26", [(2, self.unit_wed)]
            )
        with self.assertRaises(AccessError):  # another family's registration
            self._template(
                self.reg_b1_wed,
                "2025-11-12",
                "2025-11-26",
                [(2, self.unit_wed)],
                user=self.parent_a,
            )
        pending = self._create_registration(self.child_b2, self.act_wednesday)
        template = self._template(
            pending, "2025-11-12", "2025-11-26", [(2, self.unit_wed)]
        )
        with self.assertRaises(UserError):
            template.action_apply()


class TestWholeYearRegistration(ReservationCommon):
    @freeze_time("2026-05-10")
    def test_validation_books_every_open_day_from_today(self):
        activity = self.env["family.activity"].create(
            {
                "name": "ALAE Soir (whole year)",
                "kind": "alae_evening_1",
                "school_year_id": self.year.id,
                "age_group": "school",
                "book_whole_year": True,
                "booking_rule": "days_before",
                "booking_days_before": 2,
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Soir",
                            "tariff_ids": [
                                Command.create({"name": "ALAE SOIR", "price": 0.90})
                            ],
                        }
                    )
                ],
            }
        )
        registration = self._create_registration(
            self.child_a1, activity, "2026-05-01", "2026-05-31"
        )
        registration.action_validate()
        days = sorted(
            str(d)
            for d in self.Reservation.search(
                [("registration_id", "=", registration.id)]
            ).mapped("date")
        )
        # from 10/05 with a 2-day deadline: 12/05 on; 14/05 (Ascension) and 25/05 (Whit
        # Monday) closed
        self.assertEqual(days[0], "2026-05-12")
        self.assertNotIn("2026-05-14", days)
        self.assertNotIn("2026-05-25", days)
        self.assertNotIn("2026-05-16", days)  # Saturday
        self.assertEqual(len(days), 12)  # Mon-Fri from 12/05 to 29/05
        self.assertTrue(
            registration.message_ids.filtered(
                lambda m: "12 jours réservés" in (m.body or "")
            )
        )
