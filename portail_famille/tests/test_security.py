from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import TINY_PDF_B64, FamilyCommon


@tagged("post_install", "-at_install")
class TestSecurity(FamilyCommon):
    """Each family sees only its own file; staff see what their group allows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.sheet_a = env["family.health.sheet"].search(
            [("child_id", "=", cls.child_a1.id)]
        )
        cls.sheet_b = env["family.health.sheet"].search(
            [("child_id", "=", cls.child_b1.id)]
        )
        cls.sheet_b.write({"allergies": "Arachide", "has_pai": True})
        Vaccine = env["family.vaccine"]
        cls.vaccine_a = Vaccine.create(
            {"health_sheet_id": cls.sheet_a.id, "vaccine": "dtp", "date": "2018-06-01"}
        )
        cls.vaccine_b = Vaccine.create(
            {"health_sheet_id": cls.sheet_b.id, "vaccine": "mmr", "date": "2018-10-01"}
        )
        cls.quotient_a = cls._create_quotient(cls.household_a, 512.0)
        cls.quotient_b = cls._create_quotient(cls.household_b, 1312.0)
        cls.registration_a = cls._create_registration(cls.child_a1, cls.act_restaurant)
        cls.registration_b = cls._create_registration(cls.child_b1, cls.act_restaurant)
        Person = env["family.authorized.person"]
        cls.person_a = Person.create(
            {
                "household_id": cls.household_a.id,
                "name": "Mamie Martin",
                "phone": "06 12 34 56 78",
            }
        )
        cls.person_b = Person.create(
            {
                "household_id": cls.household_b.id,
                "name": "Tonton Durand",
                "phone": "07 98 76 54 32",
            }
        )
        Document = env["family.document"]
        cls.document_a = Document.create(
            {
                "household_id": cls.household_a.id,
                "name": "Justificatif de domicile",
                "document_type": "proof_of_address",
                "file": TINY_PDF_B64,
                "file_name": "edf.pdf",
            }
        )
        cls.document_b = Document.create(
            {
                "household_id": cls.household_b.id,
                "name": "Jugement",
                "document_type": "judgment",
                "file": TINY_PDF_B64,
                "file_name": "jugement.pdf",
            }
        )

    # ------------------------------------------------------------------ portal parents
    def _assert_sees_only(self, user, model, own, other):
        records = self.env[model].with_user(user).search([])
        self.assertTrue(own <= records, f"{user.name} should see their own {model}")
        self.assertFalse(
            records & other, f"{user.name} must not see another family's {model}"
        )
        self.assertFalse(records.sudo().filtered(lambda r: r != r & own and r in other))

    def test_portal_sees_only_own_records(self):
        cases = [
            ("family.household", self.household_a, self.household_b),
            (
                "family.child",
                self.child_a1 | self.child_a2 | self.child_a3,
                self.child_b1,
            ),
            ("family.health.sheet", self.sheet_a, self.sheet_b),
            ("family.vaccine", self.vaccine_a, self.vaccine_b),
            ("family.quotient", self.quotient_a, self.quotient_b),
            ("family.registration", self.registration_a, self.registration_b),
            ("family.authorized.person", self.person_a, self.person_b),
            ("family.document", self.document_a, self.document_b),
        ]
        for model, own, other in cases:
            with self.subTest(model=model):
                self._assert_sees_only(self.parent_a, model, own, other)
                self._assert_sees_only(self.parent_b, model, other, own)

    def test_portal_household_search_is_exact(self):
        self.assertEqual(
            self.env["family.household"].with_user(self.parent_a).search([]),
            self.household_a,
        )
        self.assertEqual(
            self.env["family.child"].with_user(self.parent_b).search([]),
            self.child_b1,
        )

    def test_portal_cannot_read_other_child_by_id(self):
        with self.assertRaises(AccessError):
            self.env["family.child"].with_user(self.parent_a).browse(
                self.child_b1.id
            ).read(["first_name"])
        own = (
            self.env["family.child"]
            .with_user(self.parent_a)
            .browse(self.child_a1.id)
            .read(["first_name"])
        )
        self.assertEqual(own[0]["first_name"], "Léa")

    def test_portal_cannot_read_other_family_data_by_id(self):
        for record, fname in [
            (self.household_b, "name"),
            (self.sheet_b, "allergies"),
            (self.quotient_b, "value"),
            (self.registration_b, "state"),
            (self.person_b, "phone"),
            (self.document_b, "name"),
        ]:
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.parent_a).read([fname])

    def test_portal_cannot_write_other_child(self):
        consent = self.child_b1.image_rights_consent
        with self.assertRaises(AccessError):
            self.child_b1.with_user(self.parent_a).write(
                {"image_rights_consent": not consent}
            )
        self.assertEqual(self.child_b1.image_rights_consent, consent)
        # the parent's own child: the consent is theirs to give (through the family
        # file's business method), the identity goes through a change request; no direct
        # write at all
        self.env["family.change.request"].with_user(self.parent_a)._submit(
            self.household_a.with_user(self.parent_a),
            self.child_a1.with_user(self.parent_a),
            {"image_rights_consent": True},
        )
        self.assertTrue(self.child_a1.image_rights_consent)
        with self.assertRaises(AccessError):
            self.child_a1.with_user(self.parent_a).write(
                {"image_rights_consent": False}
            )
        with self.assertRaises(AccessError):
            self.child_a1.with_user(self.parent_a).write({"first_name": "Léane"})
        self.assertEqual(self.child_a1.first_name, "Léa")

    def test_portal_cannot_register_other_child(self):
        with self.assertRaises(AccessError):
            self._create_registration(
                self.child_b1, self.act_alae_auto, user=self.parent_a
            )
        self.assertFalse(
            self.child_b1.registration_ids.filtered(
                lambda r: r.activity_id == self.act_alae_auto
            )
        )

    def test_portal_cannot_add_document_to_other_family(self):
        with self.assertRaises(AccessError):
            self.env["family.document"].with_user(self.parent_a).create(
                {
                    "household_id": self.household_b.id,
                    "child_id": self.child_b1.id,
                    "name": "Faux",
                    "file": TINY_PDF_B64,
                    "file_name": "faux.pdf",
                }
            )
        with self.assertRaises(AccessError):
            self.env["family.document"].with_user(self.parent_a).create(
                {
                    "household_id": self.household_b.id,
                    "name": "Faux",
                    "file": TINY_PDF_B64,
                    "file_name": "faux.pdf",
                }
            )

    def test_portal_adds_own_document_and_vaccine(self):
        document = (
            self.env["family.document"]
            .with_user(self.parent_a)
            ._portal_upload(
                self.household_a.with_user(self.parent_a),
                {
                    "child_id": self.child_a1.id,
                    "name": "Certificat médical",
                    "document_type": "medical",
                    "file": TINY_PDF_B64,
                    "file_name": "certificat.pdf",
                },
            )
        )
        self.assertEqual(document.sudo().mimetype, "application/pdf")
        self.assertEqual(document.sudo().child_id, self.child_a1)
        vaccine = (
            self.env["family.vaccine"]
            .with_user(self.parent_a)
            ._portal_add(
                self.sheet_a.with_user(self.parent_a),
                {"vaccine": "hepatitis_b", "date": "2018-09-01"},
            )
        )
        self.assertEqual(vaccine.sudo().health_sheet_id, self.sheet_a)
        self.sheet_a.with_user(self.parent_a)._portal_update(
            {"allergies": "Pollen", "last_update": False}
        )
        self.assertEqual(self.sheet_a.allergies, "Pollen")
        self.assertTrue(
            self.sheet_a.last_update, "only the fields a family fills in are written"
        )
        # no direct write of health data, even on the parent's own child
        with self.assertRaises(AccessError):
            self.sheet_a.with_user(self.parent_a).write({"allergies": "Rien"})
        with self.assertRaises(AccessError):  # another family's sheet
            self.env["family.vaccine"].with_user(self.parent_a)._portal_add(
                self.sheet_b.with_user(self.parent_a),
                {"vaccine": "dtp", "date": "2018-09-01"},
            )
        # another family's child on the parent's own document
        with self.assertRaises(ValidationError):
            self.env["family.document"].with_user(self.parent_a)._portal_upload(
                self.household_a.with_user(self.parent_a),
                {
                    "child_id": self.child_b1.id,
                    "document_type": "other",
                    "file": TINY_PDF_B64,
                    "file_name": "x.pdf",
                },
            )

    def test_portal_cannot_touch_other_health_data(self):
        with self.assertRaises(AccessError):
            self.sheet_b.with_user(self.parent_a).write({"allergies": "rien"})
        with self.assertRaises(AccessError):
            self.env["family.vaccine"].with_user(self.parent_a).create(
                {
                    "health_sheet_id": self.sheet_b.id,
                    "vaccine": "dtp",
                    "date": "2018-06-01",
                }
            )
        self.assertEqual(self.sheet_b.allergies, "Arachide")

    def test_portal_cannot_add_authorized_person_to_other_family(self):
        with self.assertRaises(AccessError):
            self.env["family.authorized.person"].with_user(self.parent_a).create(
                {
                    "household_id": self.household_b.id,
                    "name": "Intrus",
                    "phone": "0611223344",
                }
            )

    def test_portal_cannot_write_household(self):
        with self.assertRaises(AccessError):
            self.household_a.with_user(self.parent_a).write({"is_resident": False})

    def test_portal_cannot_write_activities_or_tariffs(self):
        with self.assertRaises(AccessError):
            self.act_restaurant.with_user(self.parent_a).write({"auto_validate": True})
        with self.assertRaises(AccessError):
            self.unit_meal.tariff_ids.with_user(self.parent_a).write({"price": 0.01})
        with self.assertRaises(AccessError):
            self.year.with_user(self.parent_a).write({"zone": "A"})

    # ------------------------------------------------------------------ staff
    def test_agent_reads_all_households_but_no_health_data(self):
        households = self.env["family.household"].with_user(self.agent).search([])
        self.assertTrue((self.household_a | self.household_b) <= households)
        children = self.env["family.child"].with_user(self.agent).search([])
        self.assertTrue((self.child_a1 | self.child_b1) <= children)
        with self.assertRaises(AccessError):
            self.env["family.health.sheet"].with_user(self.agent).search([])
        with self.assertRaises(AccessError):
            self.sheet_b.with_user(self.agent).read(["allergies"])
        with self.assertRaises(AccessError):
            self.env["family.vaccine"].with_user(self.agent).search([])

    def test_agent_manages_family_files(self):
        self.household_b.with_user(self.agent).write({"allowance_number": "1234567"})
        self.assertEqual(self.household_b.allowance_number, "1234567")
        with self.assertRaises(AccessError):
            self.act_restaurant.with_user(self.agent).write({"capacity": 3})

    def test_manager_has_no_health_data(self):
        with self.assertRaises(AccessError):
            self.env["family.health.sheet"].with_user(self.manager).search([])

    def test_health_group_reads_health_sheets(self):
        sheets = self.env["family.health.sheet"].with_user(self.health_user).search([])
        self.assertTrue((self.sheet_a | self.sheet_b) <= sheets)
        self.assertEqual(self.sheet_b.with_user(self.health_user).allergies, "Arachide")
        vaccines = self.env["family.vaccine"].with_user(self.health_user).search([])
        self.assertTrue((self.vaccine_a | self.vaccine_b) <= vaccines)
        self.sheet_b.with_user(self.health_user).write(
            {"pai_details": "Trousse d'urgence"}
        )
        self.assertEqual(self.sheet_b.pai_details, "Trousse d'urgence")

    def test_accountant_reads_but_cannot_write_households(self):
        households = self.env["family.household"].with_user(self.accountant).search([])
        self.assertTrue((self.household_a | self.household_b) <= households)
        self.assertEqual(self.quotient_b.with_user(self.accountant).value, 1312.0)
        with self.assertRaises(AccessError):
            self.household_a.with_user(self.accountant).write({"is_resident": False})
        with self.assertRaises(AccessError):
            self.registration_a.with_user(self.accountant).write({"note": "x"})
        with self.assertRaises(AccessError):
            self.env["family.health.sheet"].with_user(self.accountant).search([])
        self.assertTrue(self.household_a.is_resident)
