import io

from PyPDF2 import PdfReader

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRegistrationAttestation(TransactionCase):
    """The registration certificate is a real PDF (wkhtmltopdf) naming the child and
    activity, and is refused for a registration that is not validated."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        year = cls.env["family.school.year"].create(
            {
                "name": "2090/2091",
                "date_start": "2090-09-01",
                "date_end": "2091-08-31",
                "zone": "C",
            }
        )
        activity = cls.env["family.activity"].create(
            {
                "name": "ALAE Matin Attestation",
                "kind": "alae_morning",
                "school_year_id": year.id,
            }
        )
        household = cls.env["family.household"].create({"name": "Famille ATTESTE"})
        child = cls.env["family.child"].create(
            {
                "first_name": "Zoé",
                "last_name": "Atteste",
                "birth_date": "2019-05-02",
                "household_id": household.id,
                "class_level": "ce1",
            }
        )
        cls.registration = cls.env["family.registration"].create(
            {
                "child_id": child.id,
                "activity_id": activity.id,
                "date_start": "2090-09-01",
                "date_end": "2091-07-03",
            }
        )

    def _render(self):
        return (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "portail_famille.action_report_registration_attestation",
                self.registration.ids,
            )
        )

    def test_attestation_pdf_for_validated_registration(self):
        self.registration.action_validate()
        pdf, content_type = self._render()
        self.assertEqual(content_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = " ".join(
            " ".join(
                page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages
            ).split()
        )
        self.assertIn("Zoé", text)
        self.assertIn("ALAE Matin Attestation", text)
        self.assertIn(self.registration.name, text)

    def test_no_attestation_for_pending_registration(self):
        self.assertEqual(self.registration.state, "pending")
        with self.assertRaises(UserError):
            self._render()
