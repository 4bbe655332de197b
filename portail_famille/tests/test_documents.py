import base64

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import TINY_PDF, TINY_PDF_B64, FamilyCommon

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestDocuments(FamilyCommon):
    def _document(self, content, file_name="piece.pdf", **vals):
        return self.env["family.document"].create(
            {
                "household_id": self.household_a.id,
                "name": "Pièce",
                "file": base64.b64encode(content),
                "file_name": file_name,
                **vals,
            }
        )

    def test_real_pdf_accepted(self):
        document = self._document(TINY_PDF)
        self.assertEqual(document.mimetype, "application/pdf")

    def test_png_accepted(self):
        self.assertEqual(self._document(PNG_1PX, "photo.png").mimetype, "image/png")

    def test_file_over_6mb_refused(self):
        with self.assertRaises(ValidationError):
            self._document(TINY_PDF + b"0" * (6 * 1024 * 1024))

    def test_file_of_6mb_accepted(self):
        content = TINY_PDF + b" " * (6 * 1024 * 1024 - len(TINY_PDF))
        self.assertEqual(len(content), 6 * 1024 * 1024)
        self.assertEqual(self._document(content).mimetype, "application/pdf")

    def test_fake_pdf_refused(self):
        with self.assertRaises(ValidationError):
            self._document(
                b"MZ\x90\x00 this is an executable, not a PDF", "facture.pdf"
            )
        with self.assertRaises(ValidationError):
            self._document(b"just some text", "facture.pdf")

    def test_replacing_file_checked(self):
        document = self._document(TINY_PDF)
        with self.assertRaises(ValidationError):
            document.file = base64.b64encode(b"<html>not a pdf</html>")

    def test_document_child_of_other_family_refused(self):
        with self.assertRaises(ValidationError):
            self.env["family.document"].create(
                {
                    "household_id": self.household_a.id,
                    "child_id": self.child_b1.id,
                    "name": "Pièce",
                    "file": TINY_PDF_B64,
                    "file_name": "piece.pdf",
                }
            )


@tagged("post_install", "-at_install")
class TestAuthorizedPerson(FamilyCommon):
    def _person(self, **vals):
        return self.env["family.authorized.person"].create(
            {
                "household_id": self.household_a.id,
                "name": "Mamie Martin",
                "phone": "06 12 34 56 78",
                "relationship": "grand-mère",
                **vals,
            }
        )

    def test_valid_phones_accepted(self):
        for phone in (
            "06 12 34 56 78",
            "06.12.34.56.78",
            "0612345678",
            "+33 6 12 34 56 78",
        ):
            with self.subTest(phone=phone):
                self.assertEqual(self._person(phone=phone).phone, phone)

    def test_invalid_phone_refused(self):
        for phone in ("12345", "06 12 34 56", "appelez-moi", "06 12 34 56 7a"):
            with self.subTest(phone=phone), self.assertRaises(ValidationError):
                self._person(phone=phone)

    def test_child_of_other_household_refused(self):
        with self.assertRaises(ValidationError):
            self._person(child_ids=[(6, 0, [self.child_a1.id, self.child_b1.id])])
        person = self._person(child_ids=[(6, 0, [self.child_a1.id])])
        self.assertEqual(person.child_ids, self.child_a1)

    def test_portal_parent_adds_authorized_person(self):
        People = self.env["family.authorized.person"].with_user(self.parent_a)
        household = self.household_a.with_user(self.parent_a)
        person = People._portal_add(
            household,
            {
                "name": "Voisine",
                "phone": "07 11 22 33 44",
                "household_id": self.household_b.id,
            },
        )
        self.assertEqual(person.sudo().household_id, self.household_a)
        with self.assertRaises(ValidationError):
            People._portal_add(household, {"name": "Voisine", "phone": "711"})
        with self.assertRaises(AccessError):  # another family
            People._portal_add(
                self.household_b.with_user(self.parent_a),
                {"name": "X", "phone": "07 11 22 33 44"},
            )
        with self.assertRaises(AccessError):  # no direct create
            People.create(
                {
                    "household_id": self.household_a.id,
                    "name": "Voisine",
                    "phone": "07 11 22 33 44",
                }
            )
        person._portal_remove()
        self.assertFalse(person.exists())
