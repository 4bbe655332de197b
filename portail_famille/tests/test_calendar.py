from datetime import date

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestCalendar(FamilyCommon):
    def test_public_holidays(self):
        holidays = self.year._get_public_holidays()
        for day in (
            "2025-11-11",
            "2025-12-25",
            "2026-04-06",
            "2026-05-14",
            "2026-05-25",
            "2026-07-14",
        ):
            self.assertIn(date.fromisoformat(day), holidays, day)
        self.assertNotIn(
            date(2026, 4, 3),
            holidays,
            "Good Friday is only a holiday in Alsace-Moselle",
        )
        self.assertNotIn(
            date(2025, 5, 29), holidays, "Ascension 2025 is before the school year"
        )
        self.assertTrue(
            all(self.year.date_start <= day <= self.year.date_end for day in holidays)
        )

    def test_alsace_moselle_holidays(self):
        self.year.alsace_moselle = True
        holidays = self.year._get_public_holidays()
        self.assertIn(date(2026, 4, 3), holidays)
        self.assertIn(date(2025, 12, 26), holidays)
        self.assertIn(date(2026, 4, 6), holidays)

    def test_generate_holiday_periods_zone_c(self):
        year = self.env["family.school.year"].create(
            {
                "name": "Zone C 2025/2026 (tests)",
                "date_start": "2025-09-01",
                "date_end": "2026-08-31",
                "zone": "C",
            }
        )
        year.action_generate_holiday_periods()
        periods = year.period_ids.sorted("date_start")
        self.assertEqual(
            periods.mapped("kind"),
            ["autumn", "christmas", "winter", "spring", "summer"],
        )
        self.assertTrue(all(periods.mapped("is_holiday")))
        autumn, christmas, winter, spring, summer = periods
        self.assertEqual(str(autumn.date_start), "2025-10-18")
        self.assertEqual(str(autumn.date_end), "2025-11-02")
        self.assertEqual(
            (str(christmas.date_start), str(christmas.date_end)),
            ("2025-12-20", "2026-01-04"),
        )
        self.assertEqual(str(winter.date_start), "2026-02-21")
        self.assertEqual(str(spring.date_start), "2026-04-18")
        self.assertEqual(str(summer.date_start), "2026-07-04")
        # running it again does not duplicate the periods
        year.action_generate_holiday_periods()
        self.assertEqual(len(year.period_ids), 5)

    def test_generate_zone_a_differs(self):
        year = self.env["family.school.year"].create(
            {
                "name": "Zone A 2025/2026 (tests)",
                "date_start": "2025-09-01",
                "date_end": "2026-08-31",
                "zone": "A",
            }
        )
        year.action_generate_holiday_periods()
        winter = year.period_ids.filtered(lambda p: p.kind == "winter")
        self.assertEqual(len(winter), 1)
        self.assertNotEqual(str(winter.date_start), "2026-02-21")

    def test_period_outside_school_year_refused(self):
        with self.assertRaises(ValidationError):
            self.env["family.period"].create(
                {
                    "name": "Trop tard",
                    "school_year_id": self.year.id,
                    "kind": "term",
                    "date_start": "2026-08-25",
                    "date_end": "2026-09-05",
                }
            )
        with self.assertRaises(ValidationError):
            self.env["family.period"].create(
                {
                    "name": "Trop tôt",
                    "school_year_id": self.year.id,
                    "kind": "term",
                    "date_start": "2025-08-25",
                    "date_end": "2025-09-05",
                }
            )

    def test_overlapping_periods_refused(self):
        with self.assertRaises(ValidationError):
            self.env["family.period"].create(
                {
                    "name": "Chevauche",
                    "school_year_id": self.year.id,
                    "kind": "term",
                    "date_start": "2025-10-01",
                    "date_end": "2025-10-20",
                }
            )

    def test_school_year_dates_checked(self):
        with self.assertRaises(ValidationError):
            self.env["family.school.year"].create(
                {
                    "name": "Inversée",
                    "date_start": "2026-08-31",
                    "date_end": "2025-09-01",
                }
            )

    def test_open_dates_school_days(self):
        self.env["family.closure"].create(
            {
                "name": "Grève",
                "school_year_id": self.year.id,
                "date_start": "2025-11-13",
                "date_end": "2025-11-13",
            }
        )
        dates = self.act_restaurant._get_open_dates(
            date(2025, 11, 3), date(2025, 11, 16)
        )
        self.assertEqual(
            [str(d) for d in dates],
            [
                "2025-11-03",
                "2025-11-04",
                "2025-11-05",
                "2025-11-06",
                "2025-11-07",
                "2025-11-10",
                "2025-11-12",
                "2025-11-14",
            ],
        )

    def test_open_dates_skip_holiday_periods_for_school_activity(self):
        dates = self.act_restaurant._get_open_dates(
            date(2025, 10, 13), date(2025, 11, 4)
        )
        self.assertEqual(
            [str(d) for d in dates],
            [
                "2025-10-13",
                "2025-10-14",
                "2025-10-15",
                "2025-10-16",
                "2025-10-17",
                "2025-11-03",
                "2025-11-04",
            ],
        )
        self.assertNotIn(
            date(2026, 4, 6),
            self.act_restaurant._get_open_dates(date(2026, 4, 1), date(2026, 4, 10)),
        )

    def test_closure_of_another_activity_does_not_close(self):
        self.env["family.closure"].create(
            {
                "name": "Sortie ALSH",
                "school_year_id": self.year.id,
                "date_start": "2025-11-13",
                "date_end": "2025-11-14",
                "activity_ids": [Command.set(self.act_alae_auto.ids)],
            }
        )
        self.assertIn(
            date(2025, 11, 13),
            self.act_restaurant._get_open_dates(date(2025, 11, 10), date(2025, 11, 14)),
        )
        self.assertNotIn(
            date(2025, 11, 13),
            self.act_alae_auto._get_open_dates(date(2025, 11, 10), date(2025, 11, 14)),
        )

    def test_open_dates_holiday_activity_only_in_its_periods(self):
        dates = self.act_alsh_holiday._get_open_dates()
        self.assertEqual(
            [str(d) for d in dates],
            [
                "2025-10-20",
                "2025-10-21",
                "2025-10-22",
                "2025-10-23",
                "2025-10-24",
                "2025-10-27",
                "2025-10-28",
                "2025-10-29",
                "2025-10-30",
                "2025-10-31",
            ],
        )

    def test_open_dates_holiday_activity_without_periods_uses_all_holidays(self):
        activity = self.env["family.activity"].create(
            {
                "name": "ALSH vacances",
                "kind": "alsh_holiday",
                "school_year_id": self.year.id,
                "runs_on": "holidays",
            }
        )
        dates = activity._get_open_dates(date(2025, 12, 15), date(2026, 1, 9))
        self.assertEqual(
            [str(d) for d in dates],
            [
                "2025-12-22",
                "2025-12-23",
                "2025-12-24",
                "2025-12-26",
                "2025-12-29",
                "2025-12-30",
                "2025-12-31",
                "2026-01-02",
            ],
        )

    def test_open_dates_stay_inside_school_year(self):
        dates = self.act_restaurant._get_open_dates(date(2025, 8, 1), date(2025, 9, 5))
        self.assertEqual(str(dates[0]), "2025-09-01")

    def test_activity_period_of_other_year_refused(self):
        other = self.env["family.school.year"].create(
            {
                "name": "2026/2027 (tests)",
                "date_start": "2026-09-01",
                "date_end": "2027-08-31",
            }
        )
        period = self.env["family.period"].create(
            {
                "name": "Toussaint 2026",
                "school_year_id": other.id,
                "kind": "autumn",
                "date_start": "2026-10-17",
                "date_end": "2026-11-01",
            }
        )
        with self.assertRaises(ValidationError):
            self.act_alsh_holiday.period_ids = [Command.link(period.id)]
