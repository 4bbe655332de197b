from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.http import request

from ..models.family_message import MAX_ATTACHMENTS, SERVICES, THEMES
from ..models.family_upload_mixin import check_upload
from .portal import FamilyPortal


class FamilyMessagePortal(FamilyPortal):
    """The messaging (/my/messages): the family's conversations with the town's
    services, a page at a time, a new message, a conversation (its latest messages, the
    older ones a page further) and its answer, the attachments. family.message owns the
    rules."""

    family_messages_per_page = (
        50  # a conversation shows its latest 50 messages, the older ones on next pages
    )

    def _read_message_uploads(self, errors):
        """(file name, bytes) of the attachments posted, at most 3, each checked for
        size and real type."""
        files = [
            f
            for f in request.httprequest.files.getlist("attachments")
            if f and f.filename
        ]
        if len(files) > MAX_ATTACHMENTS:
            errors["attachments"] = _(
                "At most %(count)s attachments.", count=MAX_ATTACHMENTS
            )
            return []
        uploads = []
        for upload in files:
            content = upload.read()
            try:
                check_upload(content, upload.filename)
            except ValidationError as error:
                errors["attachments"] = error.args[0]
                continue
            uploads.append((upload.filename, content))
        return uploads

    def _prepare_messages_values(self, household, page=1, **extra):
        Message = request.env["family.message"]
        domain = [("household_id", "=", household.id)]
        pager = self._family_pager("/my/messages", Message.search_count(domain), page)
        values = self._prepare_form_page_values(
            household,
            "family_messages",
            services=SERVICES,
            themes=THEMES,
            max_attachments=MAX_ATTACHMENTS,
            conversations=Message.search(
                domain, limit=self.family_items_per_page, offset=pager["offset"]
            ),
            pager=pager,
            **extra,
        )
        values["service_names"] = dict(
            Message._fields["service"]._description_selection(request.env)
        )
        values["theme_names"] = dict(
            Message._fields["theme"]._description_selection(request.env)
        )
        return values

    def _prepare_message_values(
        self, household, conversation, page=1, form=None, errors=None
    ):
        """A conversation: its latest messages (oldest first), the older ones on the
        next pages."""
        step = self.family_messages_per_page
        pager = self._family_pager(
            "/my/messages/%s" % conversation.id,
            conversation._get_portal_message_count(),
            page,
            step=step,
        )
        values = self._prepare_messages_values(household)
        values.update(
            {
                "page_name": "family_message",
                "conversation": conversation,
                "thread": conversation._get_portal_messages(
                    limit=step, offset=pager["offset"]
                ),
                "pager": pager,
                "form": form or {},
                "form_errors": errors or {},
            }
        )
        return values

    def _family_conversation(self, household, message_id):
        return self._family_search(
            "family.message", message_id, [("household_id", "=", household.id)]
        )

    @http.route(
        ["/my/messages", "/my/messages/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_messages(self, page=1, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_messages",
            self._prepare_messages_values(household, page),
        )

    @http.route(
        "/my/messages", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_message_create(
        self, service=None, theme=None, subject=None, body=None, **kw
    ):
        household = self._family_household()
        form = {
            "service": service or "",
            "theme": theme or "",
            "subject": (subject or "")[:200],
            "body": (body or "")[:10000],
        }
        errors = {}
        if service not in dict(SERVICES):
            errors["service"] = _("Choose the service you write to.")
        if theme not in dict(THEMES):
            errors["theme"] = _("Choose the theme of your message.")
        if not form["subject"].strip():
            errors["subject"] = _("Give a subject.")
        if not form["body"].strip():
            errors["body"] = _("Write your message.")
        uploads = self._read_message_uploads(errors)
        created = request.env["family.message"]

        def apply():
            nonlocal created
            created = request.env["family.message"]._portal_create(
                household, service, theme, form["subject"], form["body"], uploads
            )

        redirect = self._apply_form(
            errors,
            apply,
            "family_messages",
            _("Your message is sent: you will receive an e-mail confirmation."),
            "/my/messages",
            form,
        )
        if redirect:
            return request.redirect("/my/messages/%s" % created.id)
        values = self._prepare_messages_values(household, form=form, form_errors=errors)
        return request.render("portail_famille.portal_my_messages", values, status=400)

    @http.route(
        [
            "/my/messages/<int:message_id>",
            "/my/messages/<int:message_id>/page/<int:page>",
        ],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_message_page(self, message_id, page=1, **kw):
        household = self._family_household()
        conversation = self._family_conversation(household, message_id)
        values = self._prepare_message_values(household, conversation, page)
        response = request.render("portail_famille.portal_my_message", values)
        conversation._mark_read_by_family()
        return response

    @http.route(
        "/my/messages/<int:message_id>",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_message_reply(self, message_id, body=None, **kw):
        household = self._family_household()
        conversation = self._family_conversation(household, message_id)
        form, errors = {"body": (body or "")[:10000]}, {}
        if not form["body"].strip():
            errors["body"] = _("Write your answer.")
        uploads = self._read_message_uploads(errors)
        redirect = self._apply_form(
            errors,
            lambda: conversation._portal_reply(form["body"], uploads),
            "family_messages",
            _("Your answer is sent."),
            "/my/messages/%s" % conversation.id,
            form,
        )
        if redirect:
            return redirect
        values = self._prepare_message_values(
            household, conversation, form=form, errors=errors
        )
        return request.render("portail_famille.portal_my_message", values, status=400)

    @http.route(
        "/my/messages/<int:message_id>/attachment/<int:attachment_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_message_attachment(self, message_id, attachment_id, **kw):
        household = self._family_household()
        conversation = self._family_conversation(household, message_id)
        attachment = self._family_record(
            conversation._get_portal_messages().attachment_ids, attachment_id
        )
        # sudo: parents may not read attachments of a chatter; this one belongs to their
        # own conversation
        attachment_sudo = attachment.sudo()
        return (
            request.env["ir.binary"]
            ._get_stream_from(attachment_sudo)
            .get_response(as_attachment=True)
        )
