import base64

from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import format_date

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.family_upload_mixin import check_upload
from ..tools import FieldValidationError, to_date, to_record_id

# The portal header's tabs (portal_nav_family): the tab each page belongs to, by its
# page_name; a page not listed (Odoo's account and security pages, a document opened by
# its link) has no current tab.
FAMILY_NAV_TABS = {
    "home": "home",
    "family_news": "home",
    "family_file": "file",
    "family_child": "file",
    "family_child_request": "file",
    "family_documents": "file",
    "family_registrations": "registrations",
    "family_planning": "planning",
    "family_recap": "planning",
    "family_recap_done": "planning",
    "family_absences": "planning",
    "family_weekly_template": "planning",
    "invoice": "billing",
    "family_invoices_pay": "billing",
    "family_invoice_dispute": "billing",
    "family_statement": "billing",
    "family_direct_debit": "billing",
    "family_attestations": "billing",
    "family_messages": "messages",
    "family_message": "messages",
}


class FamilyPortal(CustomerPortal):
    """The base of the parents' pages under /my, one controller per feature extending it
    (planning.py, registration.py, absence.py, family_file.py, child.py, message.py,
    document.py, accessibility.py): the household and record lookups, the reading of
    posted files and dates, the running of a form's model calls with each error put
    beside its field, the pager. Each route works as the logged-in parent (record rules
    for base.group_portal are the boundary) and checks that the ids it receives are of
    that parent's household; the business rules are the models'."""

    # the family's lists, a page each (not _items_per_page: every controller extending
    # CustomerPortal is merged into one class, whose _items_per_page the other portal
    # lists use)
    family_items_per_page = 20

    # ----------------------------------------------- the parent's household and records
    @staticmethod
    def _find_family_household():
        """The household of the logged-in user, empty for an account with no family file
        (or no right to read one, such as an internal user outside the family
        services)."""
        # once a request: the page's route and its header (_family_nav_values) both
        # ask; kept for the user who asked (a login changes request.env)
        found = getattr(request, "_family_household_found", None)
        if found and found[0] == request.env.uid:
            return found[1].with_env(request.env)
        Household = request.env["family.household"]
        if not Household.has_access("read"):
            return Household
        household = Household.search(
            [("partner_id", "=", request.env.user.commercial_partner_id.id)], limit=1
        )
        request._family_household_found = (request.env.uid, household)
        return household

    def _family_household(self):
        """The household of the logged-in parent, or 404 for an account with no family
        file."""
        household = self._find_family_household()
        if not household:
            raise NotFound()
        return household

    def _family_child(self, household, child_id):
        """One of the household's children (the first one by default); 404 for any other
        id."""
        children = household.child_ids
        if child_id in (None, ""):
            return children[:1]
        return self._family_record(children, child_id)

    def _form_child(self, household, child_id):
        """The household's child posted in a form, or None (missing, garbled or another
        family's id)."""
        try:
            return self._family_child(household, child_id) if child_id else None
        except NotFound:
            return None

    @staticmethod
    def _family_record(records, record_id):
        """The record of ``records`` (the household's children, persons, lines…) whose
        id is ``record_id`` (as posted or typed in the URL); 404 for any other id,
        garbled or too large for the database."""
        record_id = to_record_id(record_id)
        record = (
            records.filtered(lambda r: r.id == record_id)
            if record_id
            else records.browse()
        )
        if not record:
            raise NotFound()
        return record

    @staticmethod
    def _family_search(model, record_id, domain):
        """The record ``record_id`` of ``model`` among those of ``domain`` (the parent's
        own), or 404: for an unknown, garbled or too large id as for another
        family's."""
        record_id = to_record_id(record_id)
        record = (
            request.env[model].search([("id", "=", record_id), *domain])
            if record_id
            else None
        )
        if not record:
            raise NotFound()
        return record

    # -------------------------------------------------------------- values of the pages
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        # the dashboard page itself (the counters are fetched by a later JSON call)
        if not counters:
            household = self._find_family_household()
            values["family_history"] = (
                household._get_request_history() if household else []
            )
        if "family_unread_count" in counters:
            values["family_unread_count"] = self._family_unread_count()
        if "family_recap_count" in counters:
            values["family_recap_count"] = (
                request.env["family.booking.cart.line"].search_count([])
                if request.env["family.booking.cart.line"].has_access("read")
                else 0
            )
        return values

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["format_date"] = lambda day, date_format=False: format_date(
            request.env, day, date_format=date_format
        )
        values.update(self._family_nav_values())
        return values

    def _get_page_view_values(
        self, document, access_token, values, session_history, no_breadcrumbs, **kwargs
    ):
        # a document's page (an invoice, a conversation) has the portal header too
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        for key, value in self._family_nav_values().items():
            values.setdefault(key, value)
        return values

    def _family_nav_values(self):
        """The values of the portal header (portal_nav_family) on every page: the
        household (none for an account without a family file: no tabs), the unread
        answers and the amount the family has to pay itself, as on the dashboard."""
        household = self._find_family_household()
        to_pay, debited = household._get_amount_to_pay() if household else (0.0, 0.0)
        return {
            "family_household": household,
            "family_unread_count": self._family_unread_count(),
            "family_amount_due": to_pay,
            "family_amount_debited": debited,
            "family_nav_tabs": FAMILY_NAV_TABS,
        }

    @staticmethod
    def _family_unread_count():
        """The number of conversations with an answer the parent has not read yet."""
        Message = request.env["family.message"]
        return (
            Message.search_count([("family_unread", "=", True)])
            if Message.has_access("read")
            else 0
        )

    def _prepare_form_page_values(self, household, page_name, **extra):
        """Values of a page with a form: the household, its children, the form typed and
        its errors (kept when the form is refused), and the notice left by the last
        successful post."""
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": page_name,
                "household": household,
                "children": household.child_ids,
                "form": {},
                "form_errors": {},
                "notice": request.session.pop("%s_notice" % page_name, None),
            }
        )
        values.update(extra)
        return values

    def _family_pager(self, url, total, page, step=None):
        """Odoo's portal pager (``portal.pager``) of a list of ``total`` records at
        ``url`` (its pages at ``url/page/<n>``): a page beyond the last shows the
        last."""
        return portal_pager(
            url=url, total=total, page=page, step=step or self.family_items_per_page
        )

    @staticmethod
    def _family_pdf_response(pdf, filename):
        """The download of a PDF (a certificate, an attestation) named ``filename``."""
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )

    # ----------------------------------------------- reading and applying a posted form
    @staticmethod
    def _read_upload(name, errors, required=False, types=None):
        """(base64 content, file name) of an uploaded file checked for size and real
        type (one of ``types``, the models' rule, PDF/JPEG/PNG by default), or
        (None, None) with the error put on the field."""
        upload = request.httprequest.files.get(name)
        if not upload or not upload.filename:
            if required:
                errors[name] = _("Choose a file.")
            return None, None
        content = upload.read()
        try:
            check_upload(content, upload.filename, types)
        except ValidationError as error:
            errors[name] = error.args[0]
            return None, None
        return base64.b64encode(content), upload.filename

    @staticmethod
    def _read_date(value, fname, errors, required=True):
        """The date typed in the field ``fname``, or None with the error put on the
        field (a garbled date, or a year no family file has, such as 0001 or 9999)."""
        if not value:
            if required:
                errors[fname] = _("Give a date.")
            return None
        day = to_date(value)
        if not day:
            errors[fname] = _("Give a valid date.")
        return day

    @staticmethod
    def _apply_form(
        errors, apply, page_name, notice, redirect, form=None, error_field="__form__"
    ):
        """Run ``apply()`` (the model calls of a posted form) unless the fields could
        not be read (``errors`` already set). A model's error about fields of ``form``
        (a FieldValidationError) is put beside each of them; any other goes to
        ``error_field`` (the form itself by default). ``apply()`` may return a notice
        replacing ``notice``. Returns the redirect after success, or None: the caller
        shows the page again with the input kept."""
        if errors:
            return None
        try:
            with request.env.cr.savepoint():
                notice = apply() or notice
        except FieldValidationError as error:
            for fname, message in error.field_errors.items():
                key = fname if form and fname in form else error_field
                errors[key] = (
                    "%s %s" % (errors[key], message) if key in errors else message
                )
            if not error.field_errors:
                errors[error_field] = error.args[0]
        except (UserError, ValidationError) as error:
            errors[error_field] = error.args[0]
        else:
            request.session["%s_notice" % page_name] = notice
            return request.redirect(redirect)
        return None
