from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestChild(FamilyCommon):
    def _child(self, **vals):
        return self.env["family.child"].create(
            {
                "first_name": "Nina",
                "last_name": "Martin",
                "household_id": self.household_a.id,
                "birth_date": "2019-02-02",
                **vals,
            }
        )

    def test_name_is_first_name_and_upper_last_name(self):
        self.assertEqual(self.child_a1.name, "Léa MARTIN")

    @freeze_time("2025-10-01")
    def test_birth_date_in_future_refused(self):
        with self.assertRaises(ValidationError):
            self._child(birth_date="2025-10-02")
        child = self._child(birth_date="2025-10-01")
        self.assertEqual(child.age, 0)
        with self.assertRaises(ValidationError):
            child.birth_date = "2026-01-01"

    @freeze_time("2025-10-01")
    def test_birth_date_too_old_refused(self):
        with self.assertRaises(ValidationError):
            self._child(birth_date="2000-09-30")

    @freeze_time("2025-10-01")
    def test_age(self):
        self.assertEqual(self._child(birth_date="2018-10-01").age, 7)
        self.assertEqual(self._child(birth_date="2018-10-02").age, 6)

    def test_age_group_from_class_level(self):
        self.assertEqual(self._child(class_level="ps").age_group, "maternelle")
        self.assertEqual(self._child(class_level="gs").age_group, "maternelle")
        self.assertEqual(self._child(class_level="cp").age_group, "elementaire")
        self.assertEqual(self._child(class_level="cm2").age_group, "elementaire")
        child = self._child()
        self.assertEqual(child.age_group, "early_childhood")
        child.class_level = "ms"
        self.assertEqual(child.age_group, "maternelle")
        child.class_level = "ce2"
        self.assertEqual(child.age_group, "elementaire")

    def test_health_sheet_created_with_child(self):
        child = self._child()
        sheets = self.env["family.health.sheet"].search([("child_id", "=", child.id)])
        self.assertEqual(len(sheets), 1)
        self.assertEqual(sheets.household_id, self.household_a)
        self.assertEqual(child.with_user(self.health_user).health_sheet_id, sheets)
        self.assertEqual(child.with_user(self.parent_a).health_sheet_id, sheets)

    def test_only_one_health_sheet_per_child(self):
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.env["family.health.sheet"].create({"child_id": self.child_a1.id})

    def test_agent_cannot_read_health_sheet_field(self):
        with self.assertRaises(AccessError):
            self.child_a1.with_user(self.agent).read(["health_sheet_id"])

    @freeze_time("2025-11-05")
    def test_image_rights_date_on_create(self):
        child = self._child(image_rights_consent=True)
        self.assertEqual(str(child.image_rights_date), "2025-11-05")
        self.assertFalse(self._child().image_rights_date)

    def test_image_rights_date_on_write(self):
        child = self._child()
        with freeze_time("2025-11-05"):
            child.image_rights_consent = True
        self.assertEqual(str(child.image_rights_date), "2025-11-05")
        with freeze_time("2025-12-01"):
            child.image_rights_consent = False
        self.assertFalse(
            child.image_rights_date, "withdrawing the consent clears its date"
        )

    def test_parent_gives_image_rights_consent(self):
        with freeze_time("2026-01-15"):
            self.env["family.change.request"].with_user(self.parent_a)._submit(
                self.household_a.with_user(self.parent_a),
                self.child_a1.with_user(self.parent_a),
                {"image_rights_consent": True},
            )
        self.assertTrue(self.child_a1.image_rights_consent)
        self.assertEqual(str(self.child_a1.image_rights_date), "2026-01-15")

    @freeze_time("2025-10-01")
    def test_vaccine_dates(self):
        sheet = self.env["family.health.sheet"].search(
            [("child_id", "=", self.child_a1.id)]
        )
        Vaccine = self.env["family.vaccine"]
        with self.assertRaises(ValidationError):
            Vaccine.create(
                {"health_sheet_id": sheet.id, "vaccine": "dtp", "date": "2025-10-02"}
            )
        with self.assertRaises(ValidationError):
            Vaccine.create(
                {"health_sheet_id": sheet.id, "vaccine": "dtp", "date": "2018-03-14"}
            )
        with self.assertRaises(ValidationError):
            Vaccine.create(
                {"health_sheet_id": sheet.id, "vaccine": "other", "date": "2019-01-01"}
            )
        vaccine = Vaccine.create(
            {"health_sheet_id": sheet.id, "vaccine": "mmr", "date": "2019-04-01"}
        )
        self.assertIn(vaccine, sheet.vaccine_ids)
