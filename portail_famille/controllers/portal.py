import base64
import re
from datetime import timedelta

from babel.dates import format_date as babel_format_date
from dateutil.relativedelta import relativedelta
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import format_date
from odoo.tools.misc import babel_locale_parse, get_lang

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.family_message import MAX_ATTACHMENTS, SERVICES, THEMES
from ..models.family_upload_mixin import IMAGE_TYPES, check_upload
from ..tools import to_date, to_number, to_record_id

PLANNING_VIEWS = ("month", "fortnight", "week")
MAX_QUOTIENT = 99999999.99  # family.quotient.value holds 10 digits, 2 of them decimals


def _planning_grid_cell(cell, day_label, unit_name, state_html, closed_text, full_text):
    """One day of the desktop grid: a checkbox with its spoken label, a lock with its reason, or closed."""
    classes = "pf-cell pf-%s%s%s" % (
        cell["status"], " pf-pending" if cell["pending"] else "",
        " pf-locked" if not cell["editable"] and cell["status"] != "closed" else "",
    )
    if cell["status"] == "closed":
        inner = Markup('<span aria-hidden="true">·</span><span class="visually-hidden">%s</span>') % closed_text
    elif cell["editable"]:
        inner = Markup(
            '<input type="checkbox" class="form-check-input" name="cell" id="c-%(key)s" value="%(key)s"%(checked)s'
            ' data-tour-day="%(day)s"/><label class="visually-hidden" for="c-%(key)s">%(label)s – %(unit)s%(full)s'
            '</label>%(state)s'
        ) % {
            "key": cell["key"], "checked": Markup(' checked="checked"') if cell["checked"] else "",
            "day": cell["date"].isoformat(), "label": day_label, "unit": unit_name,
            "full": " – %s" % full_text if cell["full"] and not cell["checked"] else "", "state": state_html,
        }
    else:
        inner = Markup(
            '<span title="%(reason)s"><i class="fa fa-lock" aria-hidden="true"></i>%(check)s'
            '<span class="visually-hidden">%(reason)s</span></span>%(state)s'
        ) % {
            "reason": cell["reason"] or "", "state": state_html,
            "check": Markup('<span class="pf-state">✓</span>') if cell["checked"] else "",
        }
    return Markup('<td class="%s">%s</td>') % (classes, inner)


def _planning_list_cell(cell, row, state_html):
    """One unit of a day in the phone list: the checkbox (disabled when locked, with the reason)."""
    return Markup(
        '<div class="form-check d-flex align-items-center gap-2 py-1">'
        '<input type="checkbox" class="form-check-input" name="cell" id="m-%(key)s" value="%(key)s"%(checked)s'
        '%(disabled)s data-tour-day="%(day)s"/><label class="form-check-label" for="m-%(key)s">%(unit)s'
        '<span class="small text-muted"> (%(activity)s)</span></label>%(state)s%(lock)s</div>'
    ) % {
        "key": cell["key"], "checked": Markup(' checked="checked"') if cell["checked"] else "",
        "disabled": "" if cell["editable"] else Markup(' disabled="disabled"'), "day": cell["date"].isoformat(),
        "unit": row["unit_name"], "activity": row["activity_name"], "state": state_html,
        "lock": "" if cell["editable"] else Markup(
            '<span class="small text-muted"><i class="fa fa-lock" aria-hidden="true"></i> %s</span>') % (
            cell["reason"] or ""),
    }


class FamilyPortal(CustomerPortal):
    """The parents' pages under /my. Each route works as the logged-in parent (record rules for
    base.group_portal are the boundary) and checks that the ids it receives are of that parent's
    household; the business rules are the models'."""

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _find_family_household():
        """The household of the logged-in user, empty for an account with no family file (or no right to
        read one, such as an internal user outside the family services)."""
        Household = request.env["family.household"]
        if not Household.has_access("read"):
            return Household
        return Household.search([("partner_id", "=", request.env.user.commercial_partner_id.id)], limit=1)

    def _family_household(self):
        """The household of the logged-in parent, or 404 for an account with no family file."""
        household = self._find_family_household()
        if not household:
            raise NotFound()
        return household

    def _family_child(self, household, child_id):
        """One of the household's children (the first one by default); 404 for any other id."""
        children = household.child_ids
        if child_id in (None, ""):
            return children[:1]
        return self._family_record(children, child_id)

    @staticmethod
    def _family_record(records, record_id):
        """The record of ``records`` (the household's children, persons, lines…) whose id is ``record_id``
        (as posted or typed in the URL); 404 for any other id, garbled or too large for the database."""
        record_id = to_record_id(record_id)
        record = records.filtered(lambda r: r.id == record_id) if record_id else records.browse()
        if not record:
            raise NotFound()
        return record

    @staticmethod
    def _family_search(model, record_id, domain):
        """The record ``record_id`` of ``model`` among those of ``domain`` (the parent's own), or 404: for an
        unknown, garbled or too large id as for another family's."""
        record_id = to_record_id(record_id)
        record = request.env[model].search([("id", "=", record_id), *domain]) if record_id else None
        if not record:
            raise NotFound()
        return record

    @staticmethod
    def _planning_anchor(month, start):
        """(day, error): the day of the planning asked in the URL, its ``start`` day or the first of its
        ``month`` ("YYYY-MM"), today's when none is given. A garbled or out-of-range one gives today's and
        the message saying so."""
        today = fields.Date.context_today(request.env.user)
        value = start or ("%s-01" % month if month else None)
        if not value:
            return today, None
        anchor = to_date(value)
        if anchor:
            return anchor, None
        return today, _('The date "%(value)s" is not valid: the planning shows the current period.',
                        value=(start or month)[:30])

    @staticmethod
    def _planning_range(view, anchor):
        """(date_from, date_to, previous start, next start) of the planning shown around the day ``anchor``."""
        if view == "month":
            date_from = anchor.replace(day=1)
            date_to = date_from + relativedelta(months=1, days=-1)
            return date_from, date_to, date_from - relativedelta(months=1), date_from + relativedelta(months=1)
        length = 14 if view == "fortnight" else 7
        date_from = anchor - timedelta(days=anchor.weekday())
        return (date_from, date_from + timedelta(days=length - 1), date_from - timedelta(days=length),
                date_from + timedelta(days=length))

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if not counters:  # the dashboard page itself (the counters are fetched by a later JSON call)
            household = self._find_family_household()
            values["family_history"] = household._get_request_history() if household else []
        if "family_unread_count" in counters:
            values["family_unread_count"] = request.env["family.message"].search_count(
                [("family_unread", "=", True)]) if request.env["family.message"].has_access("read") else 0
        if "family_recap_count" in counters:
            values["family_recap_count"] = request.env["family.booking.cart.line"].search_count([]) \
                if request.env["family.booking.cart.line"].has_access("read") else 0
        return values

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["format_date"] = lambda day, date_format=False: format_date(request.env, day, date_format=date_format)
        values["family_unread_count"] = request.env["family.message"].search_count(
            [("family_unread", "=", True)]) if request.env["family.message"].has_access("read") else 0
        values["family_household"] = self._find_family_household()
        return values

    # ------------------------------------------------------------------ planning
    @http.route("/my/planning", type="http", auth="user", website=True, methods=["GET"])
    def family_planning(self, child=None, view="month", month=None, start=None, **kw):
        household = self._family_household()
        child = self._family_child(household, child)
        errors = request.session.pop("family_planning_errors", [])
        if view not in PLANNING_VIEWS:
            errors.append(_('The view "%(value)s" does not exist: the planning shows the month.',
                            value=str(view)[:30]))
            view = "month"
        anchor, date_error = self._planning_anchor(month, start)
        if date_error:
            errors.append(date_error)
        date_from, date_to, prev_start, next_start = self._planning_range(view, anchor)
        values = self._prepare_portal_layout_values()
        Cart = request.env["family.booking.cart"]
        planning = Cart._get_planning(child, date_from, date_to) if child else {
            "days": [], "rows": [], "bookable_days": []}
        cart = Cart.search([("household_id", "=", household.id)], limit=1)
        cost = request.env["family.reservation"]._get_monthly_cost(household, date_from.replace(day=1), child) \
            if child else {}
        self._planning_presentation(planning)
        values.update({
            # the record the page edits; website's layout reads its fields_get(), far smaller than the view's
            "main_object": cart,
            "page_name": "family_planning",
            "household": household,
            "child": child,
            "planning": planning,
            "view": view,
            "date_from": date_from,
            "date_to": date_to,
            "prev_start": prev_start,
            "next_start": next_start,
            "cart": cart,
            "month_cost": cost.get(child.id, 0.0) if child else 0.0,
            "currency": request.env.company.currency_id,
            "errors": errors,
            "notice": request.session.pop("family_planning_notice", None),
        })
        return request.render("portail_famille.portal_my_planning", values)

    @staticmethod
    def _planning_presentation(planning):
        """Add what the planning template shows to ``planning``, computed once per page rather than once
        per cell: the day labels in the user's language, the bookable days as a set, and the HTML of each
        cell for the desktop grid (``grid_html``) and the phone list (``list_html``). The cells are the bulk
        of the page (units × days × 2 layouts): built here with escaped values, they cost a fraction of
        QWeb's per-attribute rendering. The state of a day is always written out (booked, waiting list,
        full…), never carried by colour alone; a locked day says why."""
        locale = babel_locale_parse(get_lang(request.env).code)
        bookable = planning["bookable_set"] = set(planning["bookable_days"])
        labels = planning["day_labels"] = {
            day: (babel_format_date(day, "EEEE d MMMM", locale=locale), babel_format_date(day, "EEE", locale=locale))
            for day in planning["bookable_days"]
        }
        states = {
            "add": ("pf-badge pf-badge-info", _("+ to book")),
            "add_full": ("pf-badge pf-badge-info", _("+ waiting list")),
            "remove": ("pf-badge pf-badge-wait", _("− to cancel")),
            "booked": ("pf-state pf-booked", _("Booked")),
            "waiting": ("pf-state pf-waiting", _("Waiting list")),
            "attended": ("pf-state", _("Present")),
            "absent": ("pf-state", _("Absent")),
            "other_unit": ("pf-state", _("Other unit")),
            "full": ("pf-state pf-full", _("Full")),
        }
        closed_text, full_text = _("Closed"), _("full: ticking asks for the waiting list")
        for row in planning["rows"]:
            for cell in row["cells"]:
                if cell["date"] not in bookable:
                    continue
                if cell["pending"] == "add":
                    state = "add_full" if cell["full"] else "add"
                else:
                    state = cell["pending"] or (cell["status"] if cell["status"] in states else
                                                "full" if cell["full"] else None)
                cell["state"] = states.get(state)
                state_html = Markup('<span class="%s">%s</span>') % cell["state"] if cell["state"] else ""
                cell["grid_html"] = _planning_grid_cell(cell, labels[cell["date"]][0], row["unit_name"],
                                                        state_html, closed_text, full_text)
                cell["list_html"] = _planning_list_cell(cell, row, state_html) if cell["status"] != "closed" else ""

    @http.route("/my/planning", type="http", auth="user", website=True, methods=["POST"])
    def family_planning_save(self, child=None, view="month", start=None, **post):
        household = self._family_household()
        child = self._family_child(household, child)
        if not child:
            raise NotFound()
        view = view if view in PLANNING_VIEWS else "month"
        anchor = to_date(start)
        if not anchor:
            # the period of the cells is unknown: none of them can be read
            request.session["family_planning_errors"] = [
                _('The date "%(value)s" is not valid: nothing was changed.', value=str(start or "")[:30])]
            return request.redirect("/my/planning?child=%s&view=%s" % (child.id, view))
        date_from, date_to, _prev, _next = self._planning_range(view, anchor)
        checked = request.httprequest.form.getlist("cell")
        fill = request.httprequest.form.getlist("fill")
        cart = request.env["family.booking.cart"]._get_for_household(household)
        errors = cart._apply_planning(child, date_from, date_to, checked, fill)
        if errors:
            request.session["family_planning_errors"] = errors
        else:
            request.session["family_planning_notice"] = _("Your changes are in the recap: finish them there.")
        if post.get("go_recap") and not errors:
            return request.redirect("/my/recap")
        return request.redirect("/my/planning?child=%s&view=%s&start=%s" % (child.id, view, date_from.isoformat()))

    # ------------------------------------------------------------------ recap
    @http.route("/my/recap", type="http", auth="user", website=True, methods=["GET"])
    def family_recap(self, **kw):
        household = self._family_household()
        cart = request.env["family.booking.cart"].search([("household_id", "=", household.id)], limit=1)
        values = self._prepare_portal_layout_values()
        values.update({
            "main_object": cart,
            "page_name": "family_recap",
            "household": household,
            "cart": cart,
            "lines": cart.line_ids.sorted(lambda line: (line.date, line.child_id.first_name or "", line.id)),
            "errors": request.session.pop("family_recap_errors", []),
        })
        return request.render("portail_famille.portal_my_recap", values)

    @http.route("/my/recap/remove", type="http", auth="user", website=True, methods=["POST"])
    def family_recap_remove(self, line_id=None, **kw):
        household = self._family_household()
        cart = request.env["family.booking.cart"]._get_for_household(household)
        cart._remove_lines(self._family_record(cart.line_ids, line_id))
        return request.redirect("/my/recap")

    @http.route("/my/recap/clear", type="http", auth="user", website=True, methods=["POST"])
    def family_recap_clear(self, **kw):
        household = self._family_household()
        request.env["family.booking.cart"]._get_for_household(household).action_clear()
        return request.redirect("/my/recap")

    @http.route("/my/recap/confirm", type="http", auth="user", website=True, methods=["POST"])
    def family_recap_confirm(self, **kw):
        household = self._family_household()
        cart = request.env["family.booking.cart"]._get_for_household(household)
        if not cart.line_ids:
            request.session["family_recap_errors"] = [_("Your recap is empty: there is nothing to finish.")]
            return request.redirect("/my/recap")
        results = cart.action_confirm()
        Reservation = request.env["family.reservation"]
        months = sorted({r["date"].replace(day=1) for r in results})
        costs = [(month, Reservation._get_monthly_cost(household, month)) for month in months]
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "family_recap_done",
            "household": household,
            "results": results,
            "costs": costs,
            "children": household.child_ids,
            "currency": request.env.company.currency_id,
        })
        return request.render("portail_famille.portal_my_recap_done", values)

    # ------------------------------------------------------------------ registrations (inscriptions)
    def _form_page_values(self, household, page_name, **extra):
        """Values of a page with a form: the household, its children, the form typed and its errors
        (kept when the form is refused), and the notice left by the last successful post."""
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": page_name,
            "household": household,
            "children": household.child_ids,
            "form": {},
            "form_errors": {},
            "notice": request.session.pop("%s_notice" % page_name, None),
        })
        values.update(extra)
        return values

    def _form_child(self, household, child_id):
        """The household's child posted in a form, or None (missing, garbled or another family's id)."""
        try:
            return self._family_child(household, child_id) if child_id else None
        except NotFound:
            return None

    def _registrations_values(self, household, **extra):
        return self._form_page_values(
            household, "family_registrations",
            offered={child.id: child._get_offered_activities() for child in household.child_ids}, **extra,
        )

    @http.route("/my/registrations", type="http", auth="user", website=True, methods=["GET"])
    def family_registrations(self, **kw):
        household = self._family_household()
        return request.render("portail_famille.portal_my_registrations", self._registrations_values(household))

    @http.route("/my/registrations", type="http", auth="user", website=True, methods=["POST"])
    def family_registration_create(self, child_id=None, activity_id=None, note=None, **kw):
        household = self._family_household()
        form = {"child_id": child_id, "activity_id": activity_id, "note": note or ""}
        errors = {}
        activity = None
        child = self._form_child(household, child_id)
        if not child:
            errors["child_id"] = _("Choose one of your children.")
        else:
            activity_id = to_record_id(activity_id)
            activity = child._get_offered_activities().filtered(lambda a: a.id == activity_id)
            if not activity:
                errors["activity_id"] = _("Choose an activity open to %(child)s.", child=child.first_name)
        if not errors:
            try:
                with request.env.cr.savepoint():
                    registration = request.env["family.registration"]._portal_request(child, activity, note)
            except (UserError, ValidationError) as error:
                errors["activity_id"] = error.args[0]
            else:
                request.session["family_registrations_notice"] = _(
                    "%(child)s's registration to %(activity)s is sent (%(state)s).",
                    child=child.first_name, activity=activity.name,
                    state=dict(registration._fields["state"]._description_selection(request.env))[registration.state],
                )
                return request.redirect("/my/registrations")
        values = self._registrations_values(household, form=form, form_errors=errors)
        return request.render("portail_famille.portal_my_registrations", values, status=400)

    @http.route("/my/registrations/<int:registration_id>/attestation", type="http", auth="user", website=True,
                methods=["GET"])
    def family_registration_attestation(self, registration_id, **kw):
        household = self._family_household()
        registration = self._family_search(
            "family.registration", registration_id, [("household_id", "=", household.id)])
        if registration.state != "validated":
            raise NotFound()
        pdf, _report_type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "portail_famille.action_report_registration_attestation", registration.ids)
        filename = "attestation-%s.pdf" % registration.name
        return request.make_response(pdf, headers=[
            ("Content-Type", "application/pdf"), ("Content-Length", len(pdf)),
            ("Content-Disposition", http.content_disposition(filename)),
        ])

    # ------------------------------------------------------------------ absences
    def _absences_values(self, household, **extra):
        return self._form_page_values(
            household, "family_absences",
            absences=request.env["family.absence"].search([("household_id", "=", household.id)], limit=50),
            reasons=request.env["family.absence"]._fields["reason"]._description_selection(request.env),
            **extra,
        )

    @http.route("/my/absences", type="http", auth="user", website=True, methods=["GET"])
    def family_absences(self, **kw):
        household = self._family_household()
        return request.render("portail_famille.portal_my_absences", self._absences_values(household))

    @http.route("/my/absences", type="http", auth="user", website=True, methods=["POST"])
    def family_absence_create(self, child_id=None, date_from=None, date_to=None, reason=None, comment=None, **kw):
        household = self._family_household()
        form = {"child_id": child_id, "date_from": date_from, "date_to": date_to, "reason": reason,
                "comment": comment or ""}
        errors, vals = {}, {}
        child = self._form_child(household, child_id)
        if not child:
            errors["child_id"] = _("Choose one of your children.")
        for fname in ("date_from", "date_to"):
            vals[fname] = self._read_date(form[fname], fname, errors)
        reasons = dict(request.env["family.absence"]._fields["reason"]._description_selection(request.env))
        if reason not in reasons:
            errors["reason"] = _("Choose a reason.")
        upload = request.httprequest.files.get("certificate")
        if upload and upload.filename:
            content = upload.read()
            try:
                check_upload(content, upload.filename)
            except ValidationError as error:
                errors["certificate"] = error.args[0]
            vals.update(certificate=base64.b64encode(content), certificate_filename=upload.filename)
        if not errors:
            try:
                with request.env.cr.savepoint():
                    absence = request.env["family.absence"]._portal_declare(
                        child, {**vals, "reason": reason, "comment": comment})
            except (UserError, ValidationError) as error:
                errors["date_to"] = error.args[0]
            else:
                request.session["family_absences_notice"] = _(
                    "The absence of %(child)s is recorded: %(count)s booked day(s) marked absent.",
                    child=child.first_name, count=len(absence.reservation_ids),
                )
                return request.redirect("/my/absences")
        values = self._absences_values(household, form=form, form_errors=errors)
        return request.render("portail_famille.portal_my_absences", values, status=400)

    # ------------------------------------------------------------------ mon dossier (family file)
    def _read_upload(self, name, errors, required=False, types=None):
        """(base64 content, file name) of an uploaded file checked for size and real type (one of ``types``,
        the models' rule, PDF/JPEG/PNG by default), or (None, None) with the error put on the field."""
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
        """The date typed in the field ``fname``, or None with the error put on the field (a garbled date,
        or a year no family file has, such as 0001 or 9999)."""
        if not value:
            if required:
                errors[fname] = _("Give a date.")
            return None
        day = to_date(value)
        if not day:
            errors[fname] = _("Give a valid date.")
        return day

    def _family_file_page(self, household, form_name=None, form=None, errors=None):
        values = self._form_page_values(
            household, "family_file", form_name=form_name, form=form or {}, form_errors=errors or {},
            responsables=(household.responsible_partner_id | household.spouse_partner_id).sudo(),
            requests=request.env["family.change.request"].search(
                [("household_id", "=", household.id), ("state", "=", "pending")]),
            quotients=household.quotient_ids.sorted("date_from", reverse=True),
            document_types=request.env["family.document"]._fields["document_type"]._description_selection(
                request.env),
        )
        return request.render("portail_famille.portal_my_family", values, status=400 if errors else 200)

    def _apply_form(self, errors, apply, page_name, notice, redirect):
        """Run ``apply()`` (the model calls of a posted form) unless the fields already have errors. A model
        error is put on the form. ``apply()`` may return a notice replacing ``notice``. Returns the redirect
        after success, or None: the caller shows the page again with the input kept."""
        if not errors:
            try:
                with request.env.cr.savepoint():
                    notice = apply() or notice
            except (UserError, ValidationError) as error:
                errors["__form__"] = error.args[0]
            else:
                request.session["%s_notice" % page_name] = notice
                return request.redirect(redirect)
        return None

    def _family_file_post(self, household, form_name, form, errors, apply, notice):
        return self._apply_form(errors, apply, "family_file", notice, "/my/family#pf-%s" % form_name) \
            or self._family_file_page(household, form_name, form, errors)

    @http.route("/my/family", type="http", auth="user", website=True, methods=["GET"])
    def family_file(self, **kw):
        return self._family_file_page(self._family_household())

    @http.route("/my/family/contact", type="http", auth="user", website=True, methods=["POST"])
    def family_file_contact(self, partner_id=None, **post):
        household = self._family_household()
        partner = self._family_record(household.responsible_partner_id | household.spouse_partner_id, partner_id)
        form = {key: post.get(key, "") for key in (
            "phone", "mobile", "street", "street2", "zip", "city", "family_profession", "family_employer",
            "family_work_phone")}
        errors = {}
        if form["zip"] and not re.fullmatch(r"\d{5}", form["zip"].strip()):
            errors["zip"] = _("A French postcode has 5 digits.")
        for fname in ("phone", "mobile", "family_work_phone"):
            if form[fname] and not re.fullmatch(r"[+\d][\d .()-]{5,24}", form[fname].strip()):
                errors[fname] = _("Give a phone number (digits, spaces, +).")
        form["partner_id"] = partner.id

        def apply():
            request.env["family.change.request"]._submit(household, partner, form)

        return self._family_file_post(
            household, "contact-%s" % partner.id, form, errors, apply,
            _("Your changes are saved. An address change is applied once the town has checked it."),
        )

    @http.route("/my/family/authorized", type="http", auth="user", website=True, methods=["POST"])
    def family_file_authorized_add(self, name=None, phone=None, relationship=None, **kw):
        household = self._family_household()
        form = {"name": (name or "").strip()[:200], "phone": (phone or "").strip()[:40],
                "relationship": (relationship or "").strip()[:100]}
        errors = {}
        if not form["name"]:
            errors["name"] = _("Give the person's full name.")
        if not re.fullmatch(r"[+\d][\d .()-]{5,24}", form["phone"]):
            errors["phone"] = _("Give a phone number (digits, spaces, +).")

        def apply():
            request.env["family.authorized.person"]._portal_add(household, form)

        return self._family_file_post(household, "authorized", form, errors, apply,
                                      _("%(name)s may now pick up your children.", name=form["name"]))

    @http.route("/my/family/authorized/remove", type="http", auth="user", website=True, methods=["POST"])
    def family_file_authorized_remove(self, person_id=None, **kw):
        household = self._family_household()
        self._family_record(household.authorized_person_ids, person_id)._portal_remove()
        request.session["family_file_notice"] = _("The person is removed.")
        return request.redirect("/my/family#pf-authorized")

    @http.route("/my/family/quotient", type="http", auth="user", website=True, methods=["POST"])
    def family_file_quotient(self, value=None, date_from=None, date_to=None, **kw):
        household = self._family_household()
        form = {"value": value or "", "date_from": date_from or "", "date_to": date_to or ""}
        errors = {}
        # "nan", "inf", "1e400" and amounts beyond the field's 8 digits are no quotient
        qf = to_number(value or "", maximum=MAX_QUOTIENT)
        if qf is None:
            errors["value"] = _("Give your quotient familial as a number, e.g. 742.50.")
        elif qf < 0:
            errors["value"] = _("The quotient familial cannot be negative.")
        start = self._read_date(date_from, "date_from", errors)
        end = self._read_date(date_to, "date_to", errors)
        if start and end and end < start:
            errors["date_to"] = _("The end of validity must come after its start.")
        proof, proof_name = self._read_upload("proof", errors, required=True)

        def apply():
            request.env["family.quotient"]._portal_declare(household, {
                "value": qf, "date_from": start, "date_to": end, "proof": proof, "proof_filename": proof_name,
            })

        return self._family_file_post(household, "quotient", form, errors, apply,
                                      _("Your quotient familial is sent: the town will check it."))

    @http.route("/my/family/document", type="http", auth="user", website=True, methods=["POST"])
    def family_file_document(self, document_type=None, name=None, child_id=None, **kw):
        household = self._family_household()
        form = {"document_type": document_type or "", "name": (name or "").strip()[:200], "child_id": child_id}
        errors = {}
        types = dict(request.env["family.document"]._fields["document_type"]._description_selection(request.env))
        if document_type not in types:
            errors["document_type"] = _("Choose the type of document.")
        child = self._form_child(household, child_id) if child_id else None
        if child_id and not child:
            # the form has no field for the child: the message goes on the form
            errors["__form__"] = _("Choose one of your children.")
        file, file_name = self._read_upload("file", errors, required=True)

        def apply():
            request.env["family.document"]._portal_upload(household, {
                "document_type": document_type, "file": file, "file_name": file_name, "name": form["name"],
                "child_id": child.id if child else False,
            })

        return self._family_file_post(household, "document", form, errors, apply, _("Your document is sent."))

    # ------------------------------------------------------------------ child and health sheet
    def _child_page(self, household, child, form_name=None, form=None, errors=None):
        values = self._form_page_values(
            household, "family_child", child=child, sheet=child.health_sheet_id, form_name=form_name,
            form=form or {}, form_errors=errors or {},
            vaccines=request.env["family.vaccine"]._fields["vaccine"]._description_selection(request.env),
            schools=request.env["family.site"].search([("kind", "=", "school")]),
            class_levels=child._fields["class_level"]._description_selection(request.env),
            child_requests=request.env["family.change.request"].search(
                [("child_id", "=", child.id), ("state", "=", "pending")]),
        )
        return request.render("portail_famille.portal_my_child", values, status=400 if errors else 200)

    def _child_post(self, household, child, form_name, form, errors, apply, notice):
        redirect = "/my/children/%s#pf-%s" % (child.id, form_name)
        return self._apply_form(errors, apply, "family_child", notice, redirect) \
            or self._child_page(household, child, form_name, form, errors)

    @http.route("/my/children/<int:child_id>", type="http", auth="user", website=True, methods=["GET"])
    def family_child_page(self, child_id, **kw):
        household = self._family_household()
        return self._child_page(household, self._family_child(household, child_id))

    @http.route("/my/children/<int:child_id>/identity", type="http", auth="user", website=True, methods=["POST"])
    def family_child_identity(self, child_id, **post):
        household = self._family_household()
        child = self._family_child(household, child_id)
        form = {fname: (post.get(fname) or "").strip() for fname in (
            "first_name", "last_name", "birth_date", "school_id", "class_level")}
        form["image_rights_consent"] = bool(post.get("image_rights_consent"))
        errors = {}
        for fname in ("first_name", "last_name"):
            if not form[fname]:
                errors[fname] = _("This field is required.")
        self._read_date(form["birth_date"], "birth_date", errors)
        if form["school_id"] and not to_record_id(form["school_id"]):
            errors["school_id"] = _("Choose a school of the list.")
        photo, _photo_name = self._read_upload("photo", errors, types=IMAGE_TYPES)

        def apply():
            vals = dict(form, image_1920=photo) if photo else form
            if request.env["family.change.request"]._submit(household, child, vals):
                return _("Saved. The change of identity, school or class is sent to the town, which checks it.")
            return None

        return self._child_post(household, child, "identity", form, errors, apply, _("Saved."))

    @http.route("/my/children/<int:child_id>/health", type="http", auth="user", website=True, methods=["POST"])
    def family_child_health(self, child_id, **post):
        household = self._family_household()
        child = self._family_child(household, child_id)
        limits = {"doctor_name": 200, "doctor_phone": 40, "allergies": 2000, "pai_details": 2000,
                  "dietary_requirements": 200, "medical_notes": 4000}
        form = {fname: (post.get(fname) or "").strip()[:size] for fname, size in limits.items()}
        form["has_pai"] = bool(post.get("has_pai"))
        errors = {}
        if form["doctor_phone"] and not re.fullmatch(r"[+\d][\d .()-]{5,24}", form["doctor_phone"]):
            errors["doctor_phone"] = _("Give a phone number (digits, spaces, +).")
        if form["has_pai"] and not form["pai_details"]:
            errors["__form__"] = _("Describe the PAI, or untick it.")

        def apply():
            child.health_sheet_id._portal_update(form)

        return self._child_post(household, child, "health", form, errors, apply, _("The health sheet is saved."))

    @http.route("/my/children/<int:child_id>/vaccine", type="http", auth="user", website=True, methods=["POST"])
    def family_child_vaccine(self, child_id, vaccine=None, name=None, **kw):
        household = self._family_household()
        child = self._family_child(household, child_id)
        form = {"vaccine": vaccine or "", "name": (name or "").strip()[:200], "date": kw.get("date") or ""}
        errors = {}
        kinds = dict(request.env["family.vaccine"]._fields["vaccine"]._description_selection(request.env))
        if vaccine not in kinds:
            errors["__form__"] = _("Choose a vaccine.")
        day = self._read_date(form["date"], "date", errors)

        def apply():
            request.env["family.vaccine"]._portal_add(child.health_sheet_id, {
                "vaccine": vaccine, "name": form["name"], "date": day,
            })

        return self._child_post(household, child, "vaccine", form, errors, apply, _("The vaccine is added."))

    # ------------------------------------------------------------------ messagerie
    def _read_message_uploads(self, errors):
        """(file name, bytes) of the attachments posted, at most 3, each checked for size and real type."""
        files = [f for f in request.httprequest.files.getlist("attachments") if f and f.filename]
        if len(files) > MAX_ATTACHMENTS:
            errors["attachments"] = _("At most %(count)s attachments.", count=MAX_ATTACHMENTS)
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

    def _messages_page(self, household, **extra):
        Message = request.env["family.message"]
        values = self._form_page_values(
            household, "family_messages", services=SERVICES, themes=THEMES, max_attachments=MAX_ATTACHMENTS,
            conversations=Message.search([("household_id", "=", household.id)]),
            **extra,
        )
        values["service_names"] = dict(Message._fields["service"]._description_selection(request.env))
        values["theme_names"] = dict(Message._fields["theme"]._description_selection(request.env))
        return values

    @http.route("/my/messages", type="http", auth="user", website=True, methods=["GET"])
    def family_messages(self, **kw):
        household = self._family_household()
        return request.render("portail_famille.portal_my_messages", self._messages_page(household))

    @http.route("/my/messages", type="http", auth="user", website=True, methods=["POST"])
    def family_message_create(self, service=None, theme=None, subject=None, body=None, **kw):
        household = self._family_household()
        form = {"service": service or "", "theme": theme or "", "subject": (subject or "")[:200],
                "body": (body or "")[:10000]}
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
                household, service, theme, form["subject"], form["body"], uploads)

        redirect = self._apply_form(errors, apply, "family_messages",
                                    _("Your message is sent: you will receive an e-mail confirmation."), "/my/messages")
        if redirect:
            return request.redirect("/my/messages/%s" % created.id)
        values = self._messages_page(household, form=form, form_errors=errors)
        return request.render("portail_famille.portal_my_messages", values, status=400)

    def _family_conversation(self, household, message_id):
        return self._family_search("family.message", message_id, [("household_id", "=", household.id)])

    def _conversation_page(self, household, conversation, form=None, errors=None):
        values = self._messages_page(
            household, conversation=conversation, thread=conversation._get_portal_messages(), form=form or {},
            form_errors=errors or {},
        )
        values["page_name"] = "family_message"
        return request.render("portail_famille.portal_my_message", values, status=400 if errors else 200)

    @http.route("/my/messages/<int:message_id>", type="http", auth="user", website=True, methods=["GET"])
    def family_message_page(self, message_id, **kw):
        household = self._family_household()
        conversation = self._family_conversation(household, message_id)
        response = self._conversation_page(household, conversation)
        conversation._mark_read_by_family()
        return response

    @http.route("/my/messages/<int:message_id>", type="http", auth="user", website=True, methods=["POST"])
    def family_message_reply(self, message_id, body=None, **kw):
        household = self._family_household()
        conversation = self._family_conversation(household, message_id)
        form, errors = {"body": (body or "")[:10000]}, {}
        if not form["body"].strip():
            errors["body"] = _("Write your answer.")
        uploads = self._read_message_uploads(errors)
        redirect = self._apply_form(
            errors, lambda: conversation._portal_reply(form["body"], uploads), "family_messages",
            _("Your answer is sent."), "/my/messages/%s" % conversation.id)
        return redirect or self._conversation_page(household, conversation, form, errors)

    @http.route("/my/messages/<int:message_id>/attachment/<int:attachment_id>", type="http", auth="user",
                website=True, methods=["GET"])
    def family_message_attachment(self, message_id, attachment_id, **kw):
        household = self._family_household()
        conversation = self._family_conversation(household, message_id)
        attachment = self._family_record(conversation._get_portal_messages().attachment_ids, attachment_id)
        # sudo: parents may not read attachments of a chatter; this one belongs to their own conversation
        return request.env["ir.binary"]._get_stream_from(attachment.sudo()).get_response(as_attachment=True)

    # ------------------------------------------------------------------ actualités and documents
    @http.route("/my/news", type="http", auth="user", website=True, methods=["GET"])
    def family_news(self, **kw):
        household = self._family_household()
        values = self._form_page_values(household, "family_news", news=request.env["family.news"]._get_current())
        return request.render("portail_famille.portal_my_news", values)

    @http.route("/my/documents", type="http", auth="user", website=True, methods=["GET"])
    def family_documents(self, **kw):
        household = self._family_household()
        Document = request.env["family.public.document"]
        values = self._form_page_values(
            household, "family_documents", public_documents=Document.search([]),
            categories=dict(Document._fields["category"]._description_selection(request.env)),
            attestations=household.registration_ids.filtered(lambda r: r.state == "validated").sorted(
                "date_start", reverse=True),
        )
        return request.render("portail_famille.portal_my_documents", values)

    @http.route("/my/documents/<int:document_id>", type="http", auth="user", website=True, methods=["GET"])
    def family_document_download(self, document_id, **kw):
        self._family_household()
        document = self._family_search("family.public.document", document_id, [])
        return request.env["ir.binary"]._get_stream_from(document, "file", filename_field="file_name").get_response(
            as_attachment=True)

    # ------------------------------------------------------------------ accessibility statement (RGAA)
    @http.route("/accessibilite", type="http", auth="public", website=True, methods=["GET"], sitemap=True)
    def family_accessibility_statement(self, **kw):
        return request.render("portail_famille.accessibility_statement", {"company": request.env.company.sudo()})
