import io
import json
from urllib.parse import quote

from PyPDF2 import PdfReader

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import FamilyCommon
from .test_billing_documents import _text

ALLERGY = "Arachide (ALLERGY-CHILD-SHEET)"


class ChildSheetCommon(FamilyCommon):
    """Léa's file: her school, a validated registration, a person allowed to pick her
    up (and one for her brother only), her health sheet with an allergy and a
    vaccine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.school = cls.env["family.site"].create(
            {"name": "École des Tilleuls", "kind": "school"}
        )
        cls.child_a1.school_id = cls.school
        cls.registration = cls._create_registration(cls.child_a1, cls.act_restaurant)
        cls.registration.action_validate()
        cls.env["family.authorized.person"].create(
            [
                {
                    "household_id": cls.household_a.id,
                    "name": "Mamie Jeanne",
                    "phone": "06 11 22 33 44",
                    "relationship": "grand-mère",
                },
                {
                    "household_id": cls.household_a.id,
                    "name": "Voisin de Tom",
                    "phone": "06 55 66 77 88",
                    "child_ids": [Command.set(cls.child_a2.ids)],
                },
            ]
        )
        sheet = cls.child_a1.health_sheet_id
        sheet.write({"allergies": ALLERGY, "doctor_name": "Dr Morel", "has_pai": False})
        cls.env["family.vaccine"].create(
            {"health_sheet_id": sheet.id, "vaccine": "mmr", "date": "2019-04-02"}
        )
        cls.url = "/my/children/%s/sheet.pdf" % cls.child_a1.id


@tagged("post_install", "-at_install")
class TestChildSheetPdf(ChildSheetCommon):
    """The sheet is a real PDF (wkhtmltopdf; rendered outside an HTTP test, whose
    server the converter would wait for)."""

    def test_the_sheet_is_a_real_pdf(self):
        pdf, filename = (
            self.child_a1.with_user(self.parent_a)
            .with_context(force_report_rendering=True)
            ._portal_child_sheet()
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(filename, "fiche-enfant-Léa.pdf")
        text = " ".join(
            " ".join(
                page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages
            ).split()
        )
        self.assertIn("Léa MARTIN", text)
        self.assertIn(ALLERGY, text)


@tagged("post_install", "-at_install")
class TestChildSheet(HttpCase, ChildSheetCommon):
    """ "Imprimer la fiche enfant" (seed 003: the child sheet, simple or complete): from
    the child's page, a PDF of the child's file for the child's own parents, with the
    health sheet or without it; staff print it from the child's form, with the health
    sheet only for the health group."""

    def assertSheetOfLea(self, text, health):
        for expected in (
            "Fiche enfant",
            "Léa MARTIN",
            "Date de naissance 15/03/2018",
            "École des Tilleuls",
            "Classe CP",
            "Restauration scolaire",
            "Validée (V)",
            "Mamie Jeanne",
            "Alice MARTIN",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Voisin de Tom", text, "allowed for Tom only")
        if health:
            self.assertIn("Fiche sanitaire", text)
            self.assertIn(ALLERGY, text)
            self.assertIn("Dr Morel", text)
            self.assertIn("Rougeole", text)
        else:
            self.assertNotIn(ALLERGY, text)
            self.assertNotIn("Dr Morel", text)
            self.assertIn("La fiche sanitaire ne fait pas partie", text)

    # ------------------------------------------------------------ the family
    def test_parent_prints_the_sheet_from_the_child_page(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/children/%s" % self.child_a1.id)
        self.assertIn('href="%s"' % self.url, page.text)
        self.assertIn('href="%s?simple=1"' % self.url, page.text)
        self.assertIn("Imprimer la fiche enfant (PDF)", page.text)

        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("fiche-enfant-L", response.headers["Content-Disposition"])
        # tests render the report's HTML unless forced to wkhtmltopdf (see above)
        self.assertSheetOfLea(_text(response.content), health=True)

        simple = self.url_open(self.url + "?simple=1")
        self.assertEqual(simple.status_code, 200)
        self.assertEqual(simple.headers["Content-Type"], "application/pdf")
        self.assertSheetOfLea(_text(simple.content), health=False)

    def test_another_family_and_anonymous_are_refused(self):
        self.authenticate(self.parent_b.login, self.parent_b.login)
        for url in (
            self.url,
            self.url + "?simple=1",
            "/my/children/99999999999/sheet.pdf",
            # Odoo's report route, with the rights of the user
            "/report/pdf/portail_famille.report_child_sheet/%s" % self.child_a1.id,
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertIn(response.status_code, (403, 404))
                self.assertNotIn("Léa", response.content.decode("latin-1"))
                self.assertNotIn("ALLERGY", response.content.decode("latin-1"))
        with self.assertRaises(AccessError):
            self.child_a1.with_user(self.parent_b)._portal_child_sheet()

        self.authenticate(None, None)
        response = self.url_open(self.url)
        self.assertIn("/web/login", response.url)
        self.assertNotIn("ALLERGY", response.text)

    # ------------------------------------------------------------ the staff
    def test_staff_get_the_health_sheet_only_in_the_health_group(self):
        report = "/report/html/portail_famille.report_child_sheet/%s" % self.child_a1.id
        for user, health in (
            (self.agent, False),
            (self.manager, False),
            (self.health_user, True),
        ):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                response = self.url_open(report)
                self.assertEqual(response.status_code, 200)
                self.assertSheetOfLea(_text(response.content), health=health)
        # the report's options can take the health sheet out, not put it in
        self.authenticate(self.agent.login, self.agent.login)
        options = quote(json.dumps({"without_health": False}))
        response = self.url_open(report + "?options=" + options)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(ALLERGY, _text(response.content))
        # staff print it from the child's form (its Print menu)
        action = self.env.ref("portail_famille.action_report_child_sheet")
        self.assertEqual(action.binding_model_id.model, "family.child")
