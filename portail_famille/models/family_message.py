from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .family_upload_mixin import check_upload, safe_file_name

SERVICES = [
    ("alae", "ALAE – Restauration"),
    ("leisure", "Leisure centres"),
    ("early_childhood", "Nursery – Early childhood"),
    ("family_file", "Family file data"),
    ("health", "PAI – Allergies – MDPH"),
    ("billing", "Payments – Invoices"),
    ("school", "School enrolment"),
]
THEMES = [
    ("information", "Information"),
    ("change", "Change"),
    ("complaint", "Complaint"),
]
MAX_ATTACHMENTS = 3


class FamilyMessage(models.Model):
    """Messagerie: a conversation between a family and one of the town's services. The
    parent writes from the portal (subject, theme, text, up to 3 attachments), staff
    answer in the chatter; each answer shows in the parent's inbox as unread until the
    parent opens the conversation."""

    _name = "family.message"
    _description = "Family Message"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "last_message_date desc, id desc"
    _rec_name = "subject"

    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    author_partner_id = fields.Many2one(
        "res.partner", string="Written by", required=True, ondelete="restrict"
    )
    service = fields.Selection(SERVICES, required=True, tracking=True, index=True)
    theme = fields.Selection(THEMES, required=True, default="information")
    subject = fields.Char(required=True, tracking=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        default="open",
        required=True,
        tracking=True,
    )
    last_message_date = fields.Datetime(readonly=True, index=True)
    family_unread = fields.Boolean(
        string="Unread by the Family",
        readonly=True,
        help="Staff answered and the family has not read it yet.",
    )
    staff_unread = fields.Boolean(string="To Answer", readonly=True, index=True)
    invoice_id = fields.Many2one(
        "account.move",
        string="Disputed Invoice",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="The invoice the family contests (a message to the Payments – Invoices "
        "service).",
    )

    @api.model
    def _portal_create(
        self, household, service, theme, subject, body, uploads, invoice=None
    ):
        """A parent's new message: ``uploads`` is a list of (file name, raw bytes),
        checked by _check_family_attachments; ``invoice``, an invoice of the household
        the message contests. The family gets an e-mail confirmation through the mail
        queue."""
        household.check_access("read")
        if invoice and not household._portal_invoices_to_dispute(invoice.ids):
            raise UserError(_("This invoice is not one of your family's."))
        services, themes = dict(SERVICES), dict(THEMES)
        if service not in services:
            raise ValidationError(_("Choose the service you write to."))
        if theme not in themes:
            raise ValidationError(_("Choose the theme of your message."))
        subject, body = (subject or "").strip(), (body or "").strip()
        if not subject or not body:
            raise ValidationError(_("Give a subject and a message."))
        uploads = self._check_family_attachments(uploads)
        partner = self.env.user.partner_id
        # sudo: parents may not create chatter records nor attachments themselves; the
        # values are checked above
        message = self.sudo().create(
            {
                "household_id": household.id,
                "author_partner_id": partner.id,
                "service": service,
                "theme": theme,
                "subject": subject[:200],
                "invoice_id": invoice.id if invoice else False,
            }
        )
        message.message_subscribe(partner_ids=partner.ids)
        message._post_family_message(body, uploads)
        self.env.ref(
            "portail_famille.mail_template_family_message_received"
        ).sudo().send_mail(
            message.id, email_layout_xmlid="mail.mail_notification_light"
        )
        return message.with_env(self.env)

    @api.model
    def _portal_dispute(self, household, invoice_id, reason, uploads):
        """A parent contests an invoice of the household (``invoice_id`` as posted):
        a complaint to the Payments – Invoices service, linked to the invoice, that
        the accountant sees on it."""
        invoice = household._portal_invoices_to_dispute([invoice_id])
        if not (reason or "").strip():
            raise ValidationError(_("Say why you contest this invoice."))
        return self._portal_create(
            household,
            "billing",
            "complaint",
            _("Dispute of invoice %(name)s", name=invoice.name),
            reason,
            uploads,
            invoice=invoice,
        )

    def _portal_reply(self, body, uploads):
        self.ensure_one()
        self.check_access("read")
        body = (body or "").strip()
        if not body:
            raise ValidationError(_("Write your answer."))
        uploads = self._check_family_attachments(uploads)
        if self.state == "closed":
            raise UserError(_("This conversation is closed: write a new message."))
        self.sudo()._post_family_message(body, uploads)

    @api.model
    def _check_family_attachments(self, uploads):
        """A parent's attachments, a list of (file name, raw bytes): at most 3, each
        checked for size and real type. Returns them with safe file names, whose
        extension is the type read from the bytes."""
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(count)s attachments.", count=MAX_ATTACHMENTS)
            )
        return [
            (safe_file_name(name, check_upload(content, name, env=self.env)), content)
            for name, content in uploads
        ]

    def _post_family_message(self, body, uploads):
        self.message_post(
            body=body,
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[(name, content) for name, content in uploads],
        )

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        if message.message_type == "comment":
            from_family = message.author_id in (
                self.household_id.responsible_partner_id
                | self.household_id.spouse_partner_id
                | self.author_partner_id
            )
            self.sudo().write(
                {
                    "last_message_date": fields.Datetime.now(),
                    "family_unread": not from_family,
                    "staff_unread": from_family,
                }
            )
        return result

    def _portal_messages_domain(self):
        self.ensure_one()
        self.check_access("read")
        return [
            ("model", "=", self._name),
            ("res_id", "=", self.id),
            ("message_type", "=", "comment"),
        ]

    def _get_portal_messages(self, limit=None, offset=0):
        """The conversation as the parent reads it: comments only, oldest first; with
        ``limit``, only the ``limit`` latest after the ``offset`` latest (sudo: the
        parent may not read mail.message of a model directly; the record itself was read
        with the parent's rights)."""
        messages_sudo = (
            self.env["mail.message"]
            .sudo()
            .search(
                self._portal_messages_domain(),
                order="id desc",
                limit=limit,
                offset=offset,
            )
        )
        return messages_sudo.sorted("id")

    def _get_portal_message_count(self):
        """The number of messages of the conversation as the parent reads it."""
        return (
            self.env["mail.message"].sudo().search_count(self._portal_messages_domain())
        )

    def _mark_read_by_family(self):
        if self.filtered("family_unread"):
            self.sudo().filtered("family_unread").family_unread = False

    def action_close(self):
        self.write({"state": "closed", "staff_unread": False})
        return True

    def action_mark_answered(self):
        self.write({"staff_unread": False})
        return True

    @api.model
    def _demo_create_conversations(self):
        """Demo: a few conversations between the families and the services, the last
        word the service's, so the demo parent has an unread answer. Nothing is
        e-mailed: the families follow their threads once they are written."""
        agent = self.env.ref("portail_famille.user_agent", raise_if_not_found=False)
        conversations = [
            (
                "portail_famille.household_martin",
                "alae",
                "information",
                _("Lunch on the school trip day"),
                _(
                    "Hello, Léa's class goes on a trip on the 12th: will a picnic "
                    "lunch be provided instead of the canteen meal?"
                ),
                _(
                    "Hello, yes: the canteen prepares a picnic for the whole class; "
                    "the meal is booked and billed as usual."
                ),
            ),
            (
                "portail_famille.household_martin",
                "billing",
                "information",
                _("Direct debit"),
                _("Hello, how can we pay our invoices by direct debit?"),
                _(
                    "Hello, send us a SEPA mandate signed with a bank account "
                    "identity statement (RIB); the next invoices are then debited on "
                    "the 10th of the month."
                ),
            ),
            (
                "portail_famille.household_bernard",
                "leisure",
                "change",
                _("Wednesday pick-up"),
                _("Hello, from now on Emma's grandmother collects her on Wednesdays."),
                _(
                    "Hello, noted. Please add her to the authorised persons of your "
                    "family file, with her phone number."
                ),
            ),
        ]
        messages = self.browse()
        for xmlid, service, theme, subject, question, answer in conversations:
            household = self.env.ref(xmlid, raise_if_not_found=False)
            if not household or not agent:
                continue
            author = household.responsible_partner_id
            message = self.with_context(mail_create_nosubscribe=True).create(
                {
                    "household_id": household.id,
                    "author_partner_id": author.id,
                    "service": service,
                    "theme": theme,
                    "subject": subject,
                }
            )
            message.message_post(
                body=question,
                author_id=author.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            message.with_user(agent).message_post(
                body=answer,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            message.message_subscribe(partner_ids=author.ids)
            messages |= message
        return messages
