import re

from odoo.tests import HttpCase, tagged

from .common import TINY_PDF, FamilyCommon, assert_error_summary

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
    "00015e2d5a3c0000000049454e44ae426082"
)


@tagged("post_install", "-at_install")
class TestPortalMessages(HttpCase, FamilyCommon):
    """Messagerie: a parent writes to a service with attachments, gets an e-mail
    confirmation, reads the staff's answer in the portal inbox (unread until opened) and
    answers; nothing of another family."""

    def _post(self, url, data, files=None):
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        return self.url_open(url, data={**data, "csrf_token": token}, files=files)

    def _new(self, files=None, **data):
        values = {
            "service": "alae",
            "theme": "change",
            "subject": "Régime sans porc",
            "body": "Bonjour, ...",
        }
        return self._post("/my/messages", {**values, **data}, files)

    def test_write_answer_and_read(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._new(
            files=[
                ("attachments", ("certificat.pdf", TINY_PDF, "application/pdf")),
                ("attachments", ("photo.png", PNG_1PX, "image/png")),
            ]
        )
        self.assertEqual(response.status_code, 200)
        conversation = self.env["family.message"].search(
            [("household_id", "=", self.household_a.id)]
        )
        self.assertEqual(conversation.subject, "Régime sans porc")
        self.assertTrue(conversation.staff_unread)
        first = conversation.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(first.author_id, self.parent_a.partner_id)
        self.assertEqual(
            sorted(first.attachment_ids.mapped("name")), ["certificat.pdf", "photo.png"]
        )
        confirmation = self.env["mail.mail"].search(
            [("model", "=", "family.message"), ("res_id", "=", conversation.id)]
        )
        self.assertEqual(confirmation.recipient_ids, self.parent_a.partner_id)
        attachment_url = "/my/messages/%s/attachment/%s" % (
            conversation.id,
            first.attachment_ids[0].id,
        )
        self.assertEqual(self.url_open(attachment_url).status_code, 200)

        # staff answer from the backend chatter: the parent is notified and sees it
        # unread
        conversation.with_user(self.agent).message_post(
            body="Bien noté, le régime est enregistré.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertTrue(conversation.family_unread)
        self.assertFalse(conversation.staff_unread)
        notified = self.env["mail.notification"].search(
            [("res_partner_id", "=", self.parent_a.partner_id.id)]
        )
        self.assertTrue(notified)
        inbox = self.url_open("/my/messages").text
        self.assertIn("badge pf-badge pf-badge-info", inbox)
        page = self.url_open("/my/messages/%s" % conversation.id)
        self.assertIn("Bien noté", page.text)
        self.assertFalse(conversation.family_unread)
        self.assertNotIn(
            "badge pf-badge pf-badge-info", self.url_open("/my/messages").text
        )

        response = self._post("/my/messages/%s" % conversation.id, {"body": "Merci !"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(conversation.staff_unread)
        self.assertIn("Merci !", conversation.message_ids[0].body)

    def test_bad_messages_are_refused_and_the_text_kept(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        pdf = ("attachments", ("a.pdf", TINY_PDF, "application/pdf"))
        cases = [
            ({"subject": ""}, None, "pf-message-subject-error"),
            ({"body": "  ", "subject": "Texte gardé"}, None, "pf-message-body-error"),
            (
                {"service": "mayor", "subject": "Texte gardé"},
                None,
                "pf-message-service-error",
            ),
            (
                {"theme": "gossip", "subject": "Texte gardé"},
                None,
                "pf-message-theme-error",
            ),
            ({"subject": "Texte gardé"}, [pdf, pdf, pdf, pdf], "pf-attachments-error"),
            (
                {"subject": "Texte gardé"},
                [
                    (
                        "attachments",
                        (
                            "big.pdf",
                            TINY_PDF + b"0" * (6 * 1024 * 1024),
                            "application/pdf",
                        ),
                    )
                ],
                "pf-attachments-error",
            ),
            (
                {"subject": "Texte gardé"},
                [("attachments", ("run.pdf", b"MZ\x90\x00binary", "application/pdf"))],
                "pf-attachments-error",
            ),
        ]
        for data, files, error_id in cases:
            response = self._new(files=files, **data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn('id="%s"' % error_id, response.text, data)
            if "body" not in data:
                self.assertIn(
                    "Bonjour, ...", response.text, "the message typed is kept"
                )
            self.assertIn(
                "Texte gardé" if data.get("subject") else 'name="subject"',
                response.text,
            )
        self.assertFalse(
            self.env["family.message"].search(
                [("household_id", "=", self.household_a.id)]
            )
        )

    def test_another_family_cannot_read_nor_answer(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self._new(
            files=[("attachments", ("certificat.pdf", TINY_PDF, "application/pdf"))]
        )
        conversation = self.env["family.message"].search(
            [("household_id", "=", self.household_a.id)]
        )
        attachment = conversation.message_ids.attachment_ids
        self.authenticate(self.parent_b.login, self.parent_b.login)
        for response in (
            self.url_open("/my/messages/%s" % conversation.id),
            self.url_open(
                "/my/messages/%s/attachment/%s" % (conversation.id, attachment.id)
            ),
            self._post("/my/messages/%s" % conversation.id, {"body": "intrusion"}),
        ):
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("Régime sans porc", response.text)
        self.assertNotIn("Régime sans porc", self.url_open("/my/messages").text)
        self.assertFalse(
            conversation.message_ids.filtered(lambda m: "intrusion" in (m.body or ""))
        )
        self.authenticate(None, None)
        self.assertIn(
            "/web/login", self.url_open("/my/messages/%s" % conversation.id).url
        )

    def test_refused_message_puts_the_focus_on_an_error_summary(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._new(subject="", body=" ", service="mayor")
        self.assertEqual(response.status_code, 400)
        assert_error_summary(
            self,
            response.text,
            ["pf-message-service", "pf-message-subject", "pf-message-body"],
        )
        self.assertEqual(self._new().status_code, 200)
        conversation = self.env["family.message"].search(
            [("household_id", "=", self.household_a.id)]
        )
        response = self._post("/my/messages/%s" % conversation.id, {"body": " "})
        self.assertEqual(response.status_code, 400)
        assert_error_summary(self, response.text, ["pf-reply-body"])
