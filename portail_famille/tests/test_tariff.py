from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import FamilyCommon

DAY = "2025-10-06"


@tagged("post_install", "-at_install")
class TestTariff(FamilyCommon):
    """The price a family pays for a unit comes from the bracket of its validated QF in
    force that day."""

    def _price(self, household=None, day=DAY, unit=None):
        unit = unit or self.unit_meal
        return unit._get_tariff(household or self.household_a, self._date(day)).price

    def test_bracket_lower_edge_is_included(self):
        self._create_quotient(self.household_a, 400.0)
        self.assertEqual(
            self._price(), 2.80, "QF 400 is the first value of the 400–800 bracket"
        )

    def test_bracket_upper_edge_is_excluded(self):
        self._create_quotient(self.household_a, 399.99)
        self.assertEqual(self._price(), 1.50, "QF 399.99 is still in the 0–400 bracket")

    def test_zero_quotient_pays_first_bracket(self):
        self._create_quotient(self.household_a, 0.0)
        self.assertEqual(self._price(), 1.50)

    def test_last_bracket_has_no_upper_bound(self):
        self._create_quotient(self.household_a, 25000.0)
        self.assertEqual(self._price(), 4.80)
        self.assertEqual(
            self.unit_meal._get_tariff(self.household_a, self._date(DAY)).name,
            "REPAS T4",
        )

    def test_no_quotient_pays_highest_bracket(self):
        self.assertFalse(self.household_a.quotient_ids)
        self.assertEqual(self._price(), 4.80)

    def test_declared_or_refused_quotient_is_ignored(self):
        declared = self._create_quotient(self.household_a, 150.0, validate=False)
        self.assertEqual(declared.state, "declared")
        self.assertEqual(
            self._price(),
            4.80,
            "a QF not yet checked by the town does not lower the price",
        )
        declared.with_user(self.agent).action_refuse(reason="Attestation illisible")
        self.assertEqual(declared.state, "refused")
        self.assertEqual(self._price(), 4.80, "a refused QF does not lower the price")

    def test_quotient_in_force_depends_on_the_day(self):
        self._create_quotient(self.household_a, 350.0, "2025-01-01", "2025-12-31")
        self._create_quotient(self.household_a, 950.0, "2026-01-01", "2026-12-31")
        self.assertEqual(self._price(day="2025-12-31"), 1.50)
        self.assertEqual(self._price(day="2026-01-01"), 3.90)
        # before any validity period: no QF in force, highest bracket
        self.assertEqual(self._price(day="2024-12-31"), 4.80)

    def test_quotient_of_the_other_family_is_not_used(self):
        self._create_quotient(self.household_b, 100.0)
        self.assertEqual(self._price(self.household_a), 4.80)
        self.assertEqual(self._price(self.household_b), 1.50)

    def test_resident_and_non_resident_lines(self):
        unit = self.env["family.activity.unit"].create(
            {
                "name": "Journée",
                "activity_id": self.act_restaurant.id,
                "tariff_ids": [
                    Command.create(
                        {
                            "name": "JOURNEE COMMUNE",
                            "residence": "resident",
                            "qf_min": 0,
                            "qf_max": 0,
                            "price": 10.0,
                        }
                    ),
                    Command.create(
                        {
                            "name": "JOURNEE HORS COMMUNE",
                            "residence": "non_resident",
                            "qf_min": 0,
                            "qf_max": 0,
                            "price": 18.0,
                        }
                    ),
                ],
            }
        )
        self.assertTrue(self.household_a.is_resident)
        self.assertFalse(self.household_b.is_resident)
        self.assertEqual(
            unit._get_tariff(self.household_a, self._date(DAY)).price, 10.0
        )
        self.assertEqual(
            unit._get_tariff(self.household_b, self._date(DAY)).price, 18.0
        )
        self.household_a.is_resident = False
        self.assertEqual(
            unit._get_tariff(self.household_a, self._date(DAY)).price, 18.0
        )

    def test_residence_lines_win_over_any_residence(self):
        unit = self.env["family.activity.unit"].create(
            {
                "name": "Soirée",
                "activity_id": self.act_restaurant.id,
                "tariff_ids": [
                    Command.create(
                        {
                            "name": "TOUS",
                            "residence": "any",
                            "qf_min": 0,
                            "qf_max": 0,
                            "price": 5.0,
                        }
                    ),
                    Command.create(
                        {
                            "name": "HORS COMMUNE",
                            "residence": "non_resident",
                            "qf_min": 0,
                            "qf_max": 0,
                            "price": 9.0,
                        }
                    ),
                ],
            }
        )
        self.assertEqual(unit._get_tariff(self.household_a, self._date(DAY)).price, 5.0)
        self.assertEqual(unit._get_tariff(self.household_b, self._date(DAY)).price, 9.0)

    def test_unit_without_tariff_raises(self):
        unit = self.act_alsh_holiday.unit_ids
        self.assertFalse(unit.tariff_ids)
        with self.assertRaises(UserError):
            unit._get_tariff(self.household_a, self._date(DAY))

    def test_quotient_in_a_gap_of_the_grid_raises(self):
        unit = self.env["family.activity.unit"].create(
            {
                "name": "Gap",
                "activity_id": self.act_restaurant.id,
                "tariff_ids": [
                    Command.create(
                        {"name": "T1", "qf_min": 0, "qf_max": 300, "price": 1.0}
                    ),
                    Command.create(
                        {"name": "T3", "qf_min": 500, "qf_max": 0, "price": 3.0}
                    ),
                ],
            }
        )
        self._create_quotient(self.household_a, 400.0)
        with self.assertRaises(UserError):
            unit._get_tariff(self.household_a, self._date(DAY))

    def test_overlapping_brackets_refused(self):
        with self.assertRaises(ValidationError):
            self.unit_meal.write(
                {
                    "tariff_ids": [
                        Command.create(
                            {
                                "name": "REPAS OVERLAP",
                                "qf_min": 700,
                                "qf_max": 900,
                                "price": 3.0,
                            }
                        ),
                    ]
                }
            )

    def test_second_open_ended_bracket_refused(self):
        with self.assertRaises(ValidationError):
            self.unit_meal.write(
                {
                    "tariff_ids": [
                        Command.create(
                            {
                                "name": "REPAS T5",
                                "qf_min": 2000,
                                "qf_max": 0,
                                "price": 6.0,
                            }
                        ),
                    ]
                }
            )

    def test_overlapping_bracket_created_directly_refused(self):
        """A bracket added from the tariff model itself (import, list) is checked as
        well."""
        with self.assertRaises(ValidationError):
            self.env["family.tariff"].create(
                {
                    "unit_id": self.unit_meal.id,
                    "name": "REPAS OVERLAP",
                    "qf_min": 300,
                    "qf_max": 500,
                    "price": 2.0,
                }
            )

    def test_bracket_widened_directly_refused(self):
        first = self.unit_meal.tariff_ids.filtered(lambda t: t.name == "REPAS T1")
        with self.assertRaises(ValidationError):
            first.qf_max = 450
        self._create_quotient(self.household_a, 420.0)
        self.assertEqual(self._price(), 2.80)

    def test_same_brackets_for_other_residence_allowed(self):
        self.unit_meal.write(
            {
                "tariff_ids": [
                    Command.create(
                        {
                            "name": "HORS COMMUNE",
                            "residence": "non_resident",
                            "qf_min": 0,
                            "qf_max": 0,
                            "price": 8.0,
                        }
                    ),
                ]
            }
        )
        self.assertEqual(self._price(self.household_b), 8.0)
        self.assertEqual(self._price(self.household_a), 4.80)

    def test_negative_price_refused(self):
        with self.assertRaises(ValidationError):
            self.unit_meal.tariff_ids[0].price = -1.0

    def test_empty_bracket_refused(self):
        with self.assertRaises(ValidationError):
            self.unit_meal.tariff_ids.filtered(
                lambda t: t.name == "REPAS T2"
            ).qf_max = 400

    def test_unit_gets_an_invoicing_product(self):
        self.assertTrue(self.unit_meal.product_id)
        self.assertEqual(self.unit_meal.product_id.type, "service")

    def test_portal_parent_cannot_write_activities_or_tariffs(self):
        with self.assertRaises(AccessError):
            self.act_restaurant.with_user(self.parent_a).write({"capacity": 1})
        with self.assertRaises(AccessError):
            self.unit_meal.tariff_ids[0].with_user(self.parent_a).write({"price": 0.0})
        with self.assertRaises(AccessError):
            self.env["family.tariff"].with_user(self.parent_a).create(
                {
                    "unit_id": self.unit_meal.id,
                    "name": "GRATUIT",
                    "qf_min": 5000,
                    "qf_max": 0,
                    "price": 0.0,
                }
            )

    def test_agent_cannot_change_tariffs_but_manager_can(self):
        tariff = self.unit_meal.tariff_ids[0]
        with self.assertRaises(AccessError):
            tariff.with_user(self.agent).write({"price": 0.5})
        tariff.with_user(self.manager).write({"price": 1.60})
        self.assertEqual(tariff.price, 1.60)
