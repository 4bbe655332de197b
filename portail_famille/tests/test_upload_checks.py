import base64
import hashlib

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.family_upload_mixin import safe_file_name
from .common import TINY_PDF, FamilyCommon, tiny_image

HTML = b"<!DOCTYPE html><html><body><script>alert('pirate')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert("pirate")</script></svg>'
OVER_6_MB = 6 * 1024 * 1024 + 1
NOT_A_DOCUMENT = "n'est pas un document PDF, JPEG ou PNG"
NOT_A_PHOTO = "La photo doit être une image JPEG ou PNG"
TOO_BIG = "le maximum est de 6 Mo"
# a file name with a folder, an invisible right-to-left mark, a NUL and a line break,
# and the wrong extension for the PNG it is sent with
TRICKY_NAME = "../../ma\u202efacture\x00 \n2025.pdf"
SAFE_NAME = "mafacture 2025.png"


@tagged("post_install", "-at_install")
class TestUploadChecks(FamilyCommon):
    """Every file a family can supply is checked in its model, whatever the route: the
    model method the portal calls as the parent, and the ORM as staff (which is also
    what RPC and the backend do). The real type is read from the bytes (PDF, JPEG, PNG;
    JPEG or PNG for a photo), 6 MB at most, not empty; the file name stored is safe and
    carries the extension of the real type. An empty photo is no photo (nothing to
    check); staff's own chatter attachments are not family files and are not limited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        b64 = base64.b64encode(TINY_PDF)
        cls.document = cls.env["family.document"].create(
            {
                "household_id": cls.household_a.id,
                "name": "Assurance",
                "document_type": "proof_of_address",
                "file": b64,
                "file_name": "assurance.pdf",
            }
        )
        cls.medical = cls.env["family.document"].create(
            {
                "household_id": cls.household_a.id,
                "name": "Certificat",
                "document_type": "medical",
                "file": b64,
                "file_name": "certificat.pdf",
            }
        )
        cls.absence = cls.env["family.absence"].create(
            {
                "child_id": cls.child_a1.id,
                "date_from": "2025-11-19",
                "date_to": "2025-11-19",
            }
        )
        cls.conversation = (
            cls.env["family.message"]
            .with_user(cls.parent_a)
            ._portal_create(
                cls.household_a.with_user(cls.parent_a),
                "alae",
                "information",
                "Cantine",
                "Bonjour",
                [],
            )
        )

    # ------------------------------------------------------- the routes, field by field
    def _file_routes(self):
        """(field, route, send(content, file name)) for every file field that takes a
        PDF, a JPEG or a PNG."""
        b64 = base64.b64encode
        parent_env = self.env(user=self.parent_a)
        household = self.household_a.id

        def document(env, content, name, document_type="proof_of_address"):
            vals = {
                "name": "Pièce",
                "document_type": document_type,
                "file": b64(content),
                "file_name": name,
            }
            if env.user.share:  # a parent sends it through the portal's business method
                return env["family.document"]._portal_upload(
                    env["family.household"].browse(household), vals
                )
            return env["family.document"].create({**vals, "household_id": household})

        def quotient(env, content, name):
            vals = {
                "value": 700,
                "date_from": "2026-01-01",
                "date_to": "2026-12-31",
                "proof": b64(content),
                "proof_filename": name,
            }
            if env.user.share:
                return env["family.quotient"]._portal_declare(
                    env["family.household"].browse(household), vals
                )
            return env["family.quotient"].create({**vals, "household_id": household})

        def absence(env, content, name):
            vals = {
                "date_from": "2025-12-01",
                "date_to": "2025-12-02",
                "certificate": b64(content),
                "certificate_filename": name,
            }
            if env.user.share:
                return env["family.absence"]._portal_declare(
                    env["family.child"].browse(self.child_a1.id), vals
                )
            return env["family.absence"].create({**vals, "child_id": self.child_a1.id})

        Message = self.env["family.message"].with_user(self.parent_a)
        conversation = self.conversation.with_user(self.parent_a)
        return [
            (
                "family.document.file",
                "ORM create as an agent",
                lambda content, name: document(
                    self.env(user=self.agent), content, name
                ),
            ),
            (
                "family.document.file",
                "ORM write as an agent",
                lambda content, name: self.document.with_user(self.agent).write(
                    {"file": b64(content), "file_name": name}
                ),
            ),
            (
                "family.document.file",
                "portal: the parent's create",
                lambda content, name: document(parent_env, content, name),
            ),
            (
                "family.document.health_file",
                "portal: the parent's medical certificate",
                lambda content, name: document(parent_env, content, name, "medical"),
            ),
            (
                "family.document.health_file",
                "ORM write as health staff",
                lambda content, name: self.medical.with_user(self.health_user).write(
                    {"health_file": b64(content), "file_name": name}
                ),
            ),
            (
                "family.quotient.proof",
                "ORM create as an agent",
                lambda content, name: quotient(
                    self.env(user=self.agent), content, name
                ),
            ),
            (
                "family.quotient.proof",
                "portal: the parent's create",
                lambda content, name: quotient(parent_env, content, name),
            ),
            (
                "family.absence.certificate",
                "ORM create as an agent",
                lambda content, name: absence(self.env(user=self.agent), content, name),
            ),
            (
                "family.absence.certificate",
                "ORM write as health staff",
                lambda content, name: self.absence.with_user(self.health_user).write(
                    {"certificate": b64(content), "certificate_filename": name}
                ),
            ),
            (
                "family.absence.certificate",
                "portal: the parent's create",
                lambda content, name: absence(parent_env, content, name),
            ),
            (
                "family.message attachments",
                "portal: a new message",
                lambda content, name: Message._portal_create(
                    self.household_a.with_user(self.parent_a),
                    "health",
                    "information",
                    "PAI",
                    "Ci-joint",
                    [(name, content)],
                ),
            ),
            (
                "family.message attachments",
                "portal: an answer",
                lambda content, name: conversation._portal_reply(
                    "Ci-joint", [(name, content)]
                ),
            ),
        ]

    def _photo_routes(self):
        """(field, route, send(content)) for the child's photo and the sizes of it a
        write could set."""
        b64 = base64.b64encode
        child = self.child_a1

        def parent_form(content):
            # what /my/children/<id>/identity calls with the photo
            return (
                self.env["family.change.request"]
                .with_user(self.parent_a)
                ._submit(
                    self.household_a.with_user(self.parent_a),
                    child.with_user(self.parent_a),
                    {"image_1920": b64(content)},
                )
            )

        return [
            (
                "family.child.image_1920",
                "ORM create as an agent",
                lambda content: self.env["family.child"]
                .with_user(self.agent)
                .create(
                    {
                        "first_name": "Nina",
                        "last_name": "Martin",
                        "household_id": self.household_a.id,
                        "birth_date": "2019-02-02",
                        "image_1920": b64(content),
                    }
                ),
            ),
            (
                "family.child.image_1920",
                "ORM write as an agent",
                lambda content: child.with_user(self.agent).write(
                    {"image_1920": b64(content)}
                ),
            ),
            (
                "family.child.image_128",
                "ORM write as an agent (the size the portal shows)",
                lambda content: child.with_user(self.agent).write(
                    {"image_128": b64(content)}
                ),
            ),
            (
                "family.child.image_1920",
                "portal: the parent's identity form",
                parent_form,
            ),
        ]

    def _assert_nothing_stored(self, contents):
        checksums = [hashlib.sha1(content).hexdigest() for content in contents]
        stored = self.env["ir.attachment"].search(
            [
                ("checksum", "in", checksums),
                "|",
                ("res_field", "=", False),
                ("res_field", "!=", False),
            ]
        )
        self.assertFalse(stored, "a refused file must not be stored")

    # ------------------------------------------------------- refused
    def test_bad_files_refused_for_every_field_and_route(self):
        bad_files = [
            ("HTML", "page.html", HTML, NOT_A_DOCUMENT),
            ("SVG", "dessin.svg", SVG, NOT_A_DOCUMENT),
            ("over 6 MB", "gros.pdf", TINY_PDF + b" " * OVER_6_MB, TOO_BIG),
            ("empty", "vide.pdf", b"", "est vide"),
            ("HTML named .pdf", "facture.pdf", HTML, NOT_A_DOCUMENT),
        ]
        for field, route, send in self._file_routes():
            for what, name, content, message in bad_files:
                with (
                    self.subTest(field=field, route=route, file=what),
                    self.assertRaisesRegex(ValidationError, message),
                ):
                    send(content, name)
        self._assert_nothing_stored([HTML, SVG, TINY_PDF + b" " * OVER_6_MB])
        self.assertEqual(
            self.document.with_context(bin_size=False).file, base64.b64encode(TINY_PDF)
        )
        self.assertFalse(self.absence.sudo().certificate)
        self.assertEqual(self.conversation.message_ids.attachment_ids.ids, [])

    def test_bad_photos_refused_for_every_route(self):
        big_png = tiny_image("PNG", b"\0" * OVER_6_MB)
        pdf = TINY_PDF + b"%not a photo\n"
        bad_photos = [
            ("HTML", HTML, NOT_A_PHOTO),
            ("SVG", SVG, NOT_A_PHOTO),
            ("a PDF", pdf, NOT_A_PHOTO),
            ("over 6 MB", big_png, TOO_BIG),
        ]
        for field, route, send in self._photo_routes():
            for what, content, message in bad_photos:
                with (
                    self.subTest(field=field, route=route, photo=what),
                    self.assertRaisesRegex(ValidationError, message),
                ):
                    send(content)
        self._assert_nothing_stored([HTML, SVG, pdf, big_png])
        self.assertFalse(self.child_a1.image_1920)
        self.assertFalse(self.child_a1.image_128)

    def test_four_attachments_refused(self):
        pdf = ("a.pdf", TINY_PDF)
        with self.assertRaisesRegex(ValidationError, "3 pièces jointes au maximum"):
            self.env["family.message"].with_user(self.parent_a)._portal_create(
                self.household_a.with_user(self.parent_a),
                "health",
                "information",
                "PAI",
                "Ci-joint",
                [pdf] * 4,
            )
        with self.assertRaisesRegex(ValidationError, "3 pièces jointes au maximum"):
            self.conversation.with_user(self.parent_a)._portal_reply(
                "Ci-joint", [pdf] * 4
            )
        self.assertEqual(
            self.env["family.message"].search_count(
                [("household_id", "=", self.household_a.id)]
            ),
            1,
        )

    # ------------------------------------------------------- accepted, with a safe name
    def test_pdf_jpeg_png_accepted_for_every_field_and_route(self):
        good_files = [
            ("PDF", "piece.pdf", TINY_PDF),
            ("JPEG", "photo.jpg", tiny_image("JPEG")),
            ("PNG", "scan.png", tiny_image("PNG")),
        ]
        for field, route, send in self._file_routes():
            for what, name, content in good_files:
                with self.subTest(field=field, route=route, file=what):
                    send(content, name)
        for field, route, send in self._photo_routes():
            for what, _name, content in good_files[1:]:
                with self.subTest(field=field, route=route, photo=what):
                    send(content)
        self.assertTrue(self.child_a1.image_128)

    def test_stored_file_has_a_safe_name_and_its_real_type(self):
        png = tiny_image("PNG")
        for field, route, send in self._file_routes():
            with self.subTest(field=field, route=route):
                send(png, TRICKY_NAME)
        # the routes above store 5 documents' files, 2 proofs and 3 certificates under
        # that name
        for model, name_field, count in [
            ("family.document", "file_name", 5),
            ("family.quotient", "proof_filename", 2),
            ("family.absence", "certificate_filename", 3),
        ]:
            records = self.env[model].search([(name_field, "=", SAFE_NAME)])
            attachments = self.env["ir.attachment"].search(
                [
                    ("res_model", "=", model),
                    ("res_id", "in", records.ids),
                    ("res_field", "!=", False),
                ]
            )
            with self.subTest(model=model):
                self.assertEqual(len(records), count)
                self.assertEqual(len(attachments), count)
                self.assertEqual(set(attachments.mapped("mimetype")), {"image/png"})
        self.assertEqual(
            set(self.env["family.document"].search([]).mapped("mimetype")),
            {"application/pdf", "image/png"},
        )
        attachments = self.env["family.message"].search([]).message_ids.attachment_ids
        self.assertEqual(set(attachments.mapped("name")), {SAFE_NAME})
        self.assertEqual(set(attachments.mapped("mimetype")), {"image/png"})

    def test_safe_file_name(self):
        long_name = "a" * 300 + ".pdf"
        cases = [
            (TRICKY_NAME, "image/png", SAFE_NAME),
            (
                "C:\\Users\\léa\\Certificat médical.PDF",
                "application/pdf",
                "Certificat médical.PDF",
            ),
            ("photo.jpeg", "image/jpeg", "photo.jpeg"),
            ("rapport.html", "application/pdf", "rapport.html.pdf"),
            ("..", "application/pdf", "document.pdf"),
            ("", "image/jpeg", "document.jpg"),
            (long_name, "application/pdf", "a" * 96 + ".pdf"),
            ('un<nom>:"bizarre"?.pdf', "application/pdf", "un_nom___bizarre__.pdf"),
        ]
        for name, mimetype, expected in cases:
            with self.subTest(name=name):
                self.assertEqual(safe_file_name(name, mimetype), expected)
        # a name written alone is made safe too
        self.document.file_name = "../secret/\x07relevé.pdf"
        self.assertEqual(self.document.file_name, "relevé.pdf")
