import base64
import binascii

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import TINY_PDF, FamilyCommon, tiny_image

# marks hidden in each piece of health data, looked for in every answer
MEDICAL_FILE = "MEDICAL-FILE-4711"
VACCINE_FILE = "VACCINE-FILE-4712"
CERTIFICATE_FILE = "CERTIFICATE-FILE-4713"
MESSAGE_SUBJECT = "PAI-SUBJECT-4714"
MESSAGE_BODY = "PAI-BODY-4715"
ATTACHMENT_FILE = "PAI-ATTACHMENT-4716"
ATTACHMENT_NAME = "bilan-PAI-NAME-4717.pdf"
STAFF_ANSWER = "PAI-ANSWER-4718"
ALLERGY = "ALLERGY-4719"

REFUSED = "refused"  # 403/404 over HTTP, AccessError over RPC
# a search or a thread that finds nothing (or is refused); an image route shows its
# placeholder
NOTHING = "nothing"


def pdf_with(mark):
    return TINY_PDF + b"%" + mark.encode() + b"\n"


@tagged("post_install", "-at_install")
class TestHealthAccess(HttpCase, FamilyCommon):
    """Health data is the health group's, by every route. A medical certificate or a
    vaccination record sent by a family, an absence certificate, and a message to the
    health service ("PAI – Allergies – MDPH") with its attachments and chatter: staff
    without the health group (agent, accountant, manager) get none of it, whatever the
    route; the health staff get all of it; the family keeps its own through the
    portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a town may let its staff export lists: exports must keep the health data out
        # all the same
        (cls.agent | cls.accountant | cls.manager | cls.health_user).groups_id = [
            Command.link(cls.env.ref("base.group_allow_export").id)
        ]
        parent_env = cls.env(user=cls.parent_a)
        Document = parent_env["family.document"]
        # sent by the family from the portal, as the portal does
        household_a = cls.household_a.with_user(cls.parent_a)
        cls.medical = Document._portal_upload(
            household_a,
            {
                "child_id": cls.child_a1.id,
                "name": "Certificat médical",
                "document_type": "medical",
                "file": base64.b64encode(pdf_with(MEDICAL_FILE)),
                "file_name": "certificat.pdf",
            },
        )
        cls.vaccination = Document._portal_upload(
            household_a,
            {
                "child_id": cls.child_a1.id,
                "name": "Carnet de vaccination",
                "document_type": "vaccination",
                "file": base64.b64encode(tiny_image("PNG", VACCINE_FILE.encode())),
                "file_name": "carnet.png",
            },
        )
        cls.absence = parent_env["family.absence"]._portal_declare(
            cls.child_a1.with_user(cls.parent_a),
            {
                "date_from": "2025-11-19",
                "date_to": "2025-11-20",
                "reason": "illness",
                "certificate": base64.b64encode(pdf_with(CERTIFICATE_FILE)),
                "certificate_filename": "certificat.pdf",
            },
        )
        cls.message = parent_env["family.message"]._portal_create(
            cls.household_a.with_user(cls.parent_a),
            "health",
            "information",
            MESSAGE_SUBJECT,
            "Allergie à l'arachide, " + MESSAGE_BODY,
            [(ATTACHMENT_NAME, pdf_with(ATTACHMENT_FILE))],
        )
        cls.message.with_user(cls.health_user).message_post(
            body=STAFF_ANSWER, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        cls.env["family.health.sheet"].search(
            [("child_id", "=", cls.child_a1.id)]
        ).allergies = ALLERGY

        Attachment = cls.env["ir.attachment"]
        cls.medical_attachment = Attachment.search(
            [
                ("res_model", "=", "family.document"),
                ("res_id", "=", cls.medical.id),
                ("res_field", "=", "health_file"),
            ]
        )
        cls.vaccination_attachment = Attachment.search(
            [
                ("res_model", "=", "family.document"),
                ("res_id", "=", cls.vaccination.id),
                ("res_field", "=", "health_file"),
            ]
        )
        cls.certificate_attachment = Attachment.search(
            [
                ("res_model", "=", "family.absence"),
                ("res_id", "=", cls.absence.id),
                ("res_field", "=", "certificate"),
            ]
        )
        cls.message_attachment = cls.message.message_ids.attachment_ids
        cls.chatter_messages = cls.message.message_ids

    # --------------------------------------------------- the checklist
    def _routes(self):
        """The checklist: every route to the health data, as (route, the mark it must
        not give away, what other staff get). A route is a URL (GET), a JSON-RPC call
        (model, method, args[, kwargs]) through /web/dataset/call_kw, or a JSON route
        (path, params)."""
        medical, vaccination, absence, message = (
            self.medical,
            self.vaccination,
            self.absence,
            self.message,
        )
        medical_att, vaccination_att = (
            self.medical_attachment.id,
            self.vaccination_attachment.id,
        )
        certificate_att, message_att = (
            self.certificate_attachment.id,
            self.message_attachment.id,
        )
        thread = {"thread_model": "family.message", "thread_id": message.id}
        return [
            # a medical certificate sent by the family
            (
                f"/web/content/family.document/{medical.id}/health_file",
                MEDICAL_FILE,
                REFUSED,
            ),
            (f"/web/content/{medical_att}", MEDICAL_FILE, REFUSED),
            (f"/web/content/{medical_att}?download=true", MEDICAL_FILE, REFUSED),
            (
                ("family.document", "read", [[medical.id], ["health_file"]]),
                MEDICAL_FILE,
                REFUSED,
            ),
            (
                (
                    "family.document",
                    "web_read",
                    [[medical.id]],
                    {"specification": {"health_file": {}}},
                ),
                MEDICAL_FILE,
                REFUSED,
            ),
            (
                (
                    "family.document",
                    "search_read",
                    [[("id", "=", medical.id)], ["health_file"]],
                ),
                MEDICAL_FILE,
                REFUSED,
            ),
            (
                ("family.document", "export_data", [[medical.id], ["health_file"]]),
                MEDICAL_FILE,
                REFUSED,
            ),
            (
                ("ir.attachment", "read", [[medical_att], ["datas"]]),
                MEDICAL_FILE,
                REFUSED,
            ),
            (
                (
                    "ir.attachment",
                    "search_read",
                    [
                        [
                            ("res_model", "=", "family.document"),
                            ("res_id", "=", medical.id),
                            ("res_field", "=", "health_file"),
                        ],
                        ["datas"],
                    ],
                ),
                MEDICAL_FILE,
                NOTHING,
            ),
            # a vaccination record, as an image
            (
                f"/web/image/family.document/{vaccination.id}/health_file",
                VACCINE_FILE,
                NOTHING,
            ),
            (f"/web/image/{vaccination_att}", VACCINE_FILE, NOTHING),
            (f"/web/image/{vaccination_att}?download=true", VACCINE_FILE, REFUSED),
            # an absence certificate
            (
                f"/web/content/family.absence/{absence.id}/certificate",
                CERTIFICATE_FILE,
                REFUSED,
            ),
            (f"/web/content/{certificate_att}", CERTIFICATE_FILE, REFUSED),
            (
                ("family.absence", "read", [[absence.id], ["certificate"]]),
                CERTIFICATE_FILE,
                REFUSED,
            ),
            (
                (
                    "family.absence",
                    "web_read",
                    [[absence.id]],
                    {"specification": {"certificate": {}}},
                ),
                CERTIFICATE_FILE,
                REFUSED,
            ),
            (
                (
                    "family.absence",
                    "search_read",
                    [[("id", "=", absence.id)], ["certificate"]],
                ),
                CERTIFICATE_FILE,
                REFUSED,
            ),
            (
                ("family.absence", "export_data", [[absence.id], ["certificate"]]),
                CERTIFICATE_FILE,
                REFUSED,
            ),
            (
                ("ir.attachment", "read", [[certificate_att], ["datas"]]),
                CERTIFICATE_FILE,
                REFUSED,
            ),
            # a message to the health service, its attachment and its chatter
            (
                ("family.message", "read", [[message.id], ["subject"]]),
                MESSAGE_SUBJECT,
                REFUSED,
            ),
            (
                (
                    "family.message",
                    "web_read",
                    [[message.id]],
                    {"specification": {"subject": {}}},
                ),
                MESSAGE_SUBJECT,
                REFUSED,
            ),
            (
                (
                    "family.message",
                    "search_read",
                    [[("service", "=", "health")], ["subject"]],
                ),
                MESSAGE_SUBJECT,
                NOTHING,
            ),
            (
                ("family.message", "export_data", [[message.id], ["subject"]]),
                MESSAGE_SUBJECT,
                REFUSED,
            ),
            (
                ("mail.message", "read", [self.chatter_messages.ids, ["body"]]),
                MESSAGE_BODY,
                REFUSED,
            ),
            (
                (
                    "mail.message",
                    "search_read",
                    [
                        [("model", "=", "family.message"), ("res_id", "=", message.id)],
                        ["body"],
                    ],
                ),
                STAFF_ANSWER,
                NOTHING,
            ),
            (
                ("ir.attachment", "read", [[message_att], ["datas"]]),
                ATTACHMENT_FILE,
                REFUSED,
            ),
            (
                (
                    "ir.attachment",
                    "search_read",
                    [
                        [
                            ("res_model", "=", "family.message"),
                            ("res_id", "=", message.id),
                        ],
                        ["name", "datas"],
                    ],
                ),
                ATTACHMENT_FILE,
                NOTHING,
            ),
            (f"/web/content/{message_att}", ATTACHMENT_FILE, REFUSED),
            (("/mail/thread/messages", thread), MESSAGE_BODY, NOTHING),
            # the child sheet staff print from the child's form: without the health
            # sheet for staff outside the health group
            (
                f"/report/html/portail_famille.report_child_sheet/{self.child_a1.id}",
                ALLERGY,
                NOTHING,
            ),
            (
                f"/report/pdf/portail_famille.report_child_sheet/{self.child_a1.id}",
                ALLERGY,
                NOTHING,
            ),
            (
                ("/mail/thread/data", dict(thread, request_list=["attachments"])),
                ATTACHMENT_NAME,
                NOTHING,
            ),
        ]

    # --------------------------------------------------- calling a route
    @staticmethod
    def _text(value):
        """Every string of a JSON answer, with the base64 ones decoded (binary fields
        come base64-encoded)."""
        if isinstance(value, dict):
            return " ".join(TestHealthAccess._text(item) for item in value.values())
        if isinstance(value, list | tuple):
            return " ".join(TestHealthAccess._text(item) for item in value)
        if isinstance(value, str):
            try:
                return (
                    value
                    + " "
                    + base64.b64decode(value, validate=True).decode("latin-1")
                )
            except (binascii.Error, ValueError):
                return value
        return str(value)

    def _rpc(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _call(self, route):
        """(refused, everything the answer shows) for the route, as the logged-in
        user."""
        if isinstance(route, str):
            response = self.url_open(route)
            return response.status_code in (403, 404), response.content.decode(
                "latin-1"
            )
        try:
            result = (
                self.make_jsonrpc_request(*route)
                if route[0].startswith("/")
                else self._rpc(*route)
            )
        except JsonRpcException as error:
            self.assertEqual(
                str(error),
                "odoo.exceptions.AccessError",
                f"{route}: refused for another reason",
            )
            return True, str(error)
        return False, self._text(result)

    # --------------------------------------------------- staff without the health group
    def test_staff_without_health_group_get_none_of_it(self):
        for user in (self.agent, self.accountant, self.manager):
            self.assertFalse(user.has_group("portail_famille.group_family_health"))
            self.authenticate(user.login, user.login)
            for route, secret, expected in self._routes():
                with self.subTest(user=user.login, route=route):
                    refused, shown = self._call(route)
                    self.assertNotIn(secret, shown)
                    if expected == REFUSED:
                        self.assertTrue(refused, "the route must be refused")

    def test_health_staff_get_all_of_it(self):
        self.authenticate(self.health_user.login, self.health_user.login)
        for route, secret, _expected in self._routes():
            with self.subTest(route=route):
                refused, shown = self._call(route)
                self.assertFalse(refused)
                self.assertIn(secret, shown)

    # --------------------------------------------------- what other staff still know
    def test_staff_still_know_the_document_and_the_absence_exist(self):
        for user in (self.agent, self.accountant, self.manager):
            self.authenticate(user.login, user.login)
            with self.subTest(user=user.login):
                documents = self._rpc(
                    "family.document",
                    "search_read",
                    [
                        [("household_id", "=", self.household_a.id)],
                        ["name", "document_type", "date", "file"],
                    ],
                )
                medical = next(
                    document
                    for document in documents
                    if document["id"] == self.medical.id
                )
                self.assertEqual(
                    (medical["name"], medical["document_type"], medical["file"]),
                    ("Certificat médical", "medical", False),
                )
                absence = self._rpc(
                    "family.absence",
                    "read",
                    [[self.absence.id], ["date_from", "justified"]],
                )
                self.assertEqual(absence[0]["justified"], True)

    def test_health_file_is_not_in_the_plain_file_field(self):
        """The portal writes a health document's file to ``file``: it is kept in
        ``health_file``."""
        self.assertFalse(self.medical.file)
        self.assertTrue(self.medical.health_file)
        self.assertEqual(self.medical.mimetype, "application/pdf")
        for user in (self.agent, self.health_user):
            self.authenticate(user.login, user.login)
            with self.subTest(user=user.login):
                self.assertEqual(
                    self.url_open(
                        f"/web/content/family.document/{self.medical.id}/file"
                    ).status_code,
                    404,
                )

    def test_only_health_staff_change_a_health_document(self):
        """Turning a medical certificate into another kind of document would hand its
        file to every agent."""
        for user in (self.agent, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.medical.with_user(user).write({"document_type": "other"})
                with self.assertRaises(AccessError):
                    self.medical.with_user(user).unlink()
        self.assertEqual(self.medical.document_type, "medical")
        # an agent who files a document as medical hands its file over to the health
        # service
        document = (
            self.env["family.document"]
            .with_user(self.agent)
            .create(
                {
                    "household_id": self.household_a.id,
                    "name": "Ordonnance",
                    "document_type": "other",
                    "file": base64.b64encode(pdf_with("PRESCRIPTION-4720")),
                    "file_name": "ordonnance.pdf",
                }
            )
        )
        document.with_user(self.agent).document_type = "medical"
        self.assertFalse(document.with_user(self.agent).file)
        with self.assertRaises(AccessError):
            document.with_user(self.agent).read(["health_file"])
        self.assertIn(
            b"PRESCRIPTION-4720", base64.b64decode(document.sudo().health_file)
        )
        # the health staff may decide that a document is not health data: its file
        # follows
        self.medical.with_user(self.health_user).document_type = "other"
        self.assertIn(
            MEDICAL_FILE.encode(),
            base64.b64decode(self.medical.with_user(self.agent).file),
        )
        self.assertFalse(self.medical.health_file)

    def test_backend_views_open_for_each_staff(self):
        """The backend forms and lists of these records load and read for an agent (the
        health fields are left out) and for the health staff (who get them)."""
        records = {
            "family.household": self.household_a,
            "family.absence": self.absence,
            "family.document": self.medical,
            "family.message": self.message,
        }
        for user in (self.agent, self.manager, self.health_user):
            for model, record in records.items():
                if model == "family.message" and user != self.health_user:
                    record = self.env["family.message"].create(
                        {
                            "household_id": self.household_a.id,
                            "author_partner_id": self.parent_a.partner_id.id,
                            "service": "alae",
                            "subject": "Cantine",
                        }
                    )
                views = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "list"), (False, "form")])
                )
                fields = views["models"][model]["fields"]
                health_fields = {
                    name
                    for fields_of_model in views["models"].values()
                    for name in fields_of_model["fields"]
                } & {"health_file", "certificate", "certificate_filename"}
                with self.subTest(user=user.login, model=model):
                    self.assertEqual(
                        bool(health_fields),
                        user == self.health_user and model != "family.message",
                    )
                    specification = {
                        name: {"fields": {}}
                        if field["type"] in ("many2one", "one2many", "many2many")
                        else {}
                        for name, field in fields.items()
                    }
                    self.assertTrue(record.with_user(user).web_read(specification))

    # --------------------------------------------------- the family keeps its own
    def test_family_keeps_its_own_through_the_portal(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.assertIn("Certificat médical", self.url_open("/my/family").text)
        page = self.url_open(f"/my/messages/{self.message.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(MESSAGE_BODY, page.text)
        self.assertIn(STAFF_ANSWER, page.text)
        attachment = self.url_open(
            f"/my/messages/{self.message.id}/attachment/{self.message_attachment.id}"
        )
        self.assertEqual(attachment.status_code, 200)
        self.assertIn(ATTACHMENT_FILE.encode(), attachment.content)
        self.assertIn(
            MEDICAL_FILE.encode(),
            base64.b64decode(self.medical.with_user(self.parent_a).health_file),
        )
        self.assertTrue(self.absence.with_user(self.parent_a).certificate)
        # another family: nothing
        self.authenticate(self.parent_b.login, self.parent_b.login)
        self.assertEqual(
            self.url_open(f"/my/messages/{self.message.id}").status_code, 404
        )

    # --------------------------------------------------- reports
    def test_reports_show_no_health_data(self):
        """The registration certificate names the child but none of its health data;
        Odoo renders a report's records with the user's rights, as the reads above (the
        child sheet, which has a health section, is in the checklist)."""
        registration = self._create_registration(self.child_a1, self.act_alae_auto)
        self.authenticate(self.agent.login, self.agent.login)
        response = self.url_open(
            f"/report/html/portail_famille.report_registration_attestation/{registration.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Léa", response.text)
        self.assertNotIn(ALLERGY, response.text)
