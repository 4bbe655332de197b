from odoo import _, fields, http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.family_activity import WEEKDAY_FIELDS
from ..tools import FieldValidationError
from .portal import FamilyPortal

PATTERN_FIELDS = (
    "registration_id",
    "date_from",
    "date_to",
    *("day_%s" % weekday for weekday in range(len(WEEKDAY_FIELDS))),
    # the full days asked on the waiting list too
    "waiting_list",
)


class FamilyWeeklyTemplatePortal(FamilyPortal):
    """The parent's semaine type (/my/weekly-template, seed 001): a registration, a unit
    per weekday and a period give the days to book, previewed with the booking engine's
    verdicts, then put into the recap where "Terminer" books them. The rules are
    family.weekly.template's (_portal_preview, _portal_add_to_recap)."""

    @staticmethod
    def _read_pattern_form(params):
        return {
            fname: str(params.get(fname) or "").strip()[:20] for fname in PATTERN_FIELDS
        }

    def _prepare_weekly_template_values(
        self, household, form, errors=None, with_preview=False
    ):
        """The page's values: the registrations to choose from, the weekdays and units
        of the one chosen, and the preview of the pattern when asked (its errors beside
        their fields)."""
        Template = request.env["family.weekly.template"]
        registrations = Template._portal_registrations(household)
        errors = dict(errors or {})
        registration = registrations.filtered(
            lambda r: str(r.id) == form["registration_id"]
        )
        if form["registration_id"] and not registration:
            errors["registration_id"] = _(
                "Choose one of your children's validated registrations."
            )
        preview = None
        if registration and with_preview and not errors:
            try:
                preview = Template._portal_preview(household, form)
            except FieldValidationError as error:
                errors.update(error.field_errors)
        # the town's activities and units are public; the registration is the parent's
        activity = registration.activity_id.sudo()
        weekdays = [
            (int(weekday), label)
            for weekday, label in request.env["family.weekly.template.line"]
            ._fields["weekday"]
            ._description_selection(request.env)
            if activity and activity[WEEKDAY_FIELDS[int(weekday)]]
        ]
        return self._prepare_form_page_values(
            household,
            "family_weekly_template",
            registrations=registrations,
            registration=registration,
            units=activity.unit_ids,
            weekdays=weekdays,
            form=form,
            form_errors=errors,
            preview=preview,
        )

    @http.route(
        "/my/weekly-template", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_weekly_template(self, preview=None, **params):
        household = self._family_household()
        form = self._read_pattern_form(params)
        values = self._prepare_weekly_template_values(
            household, form, with_preview=bool(preview)
        )
        registration = values["registration"]
        if registration and not form["date_from"] and not form["date_to"]:
            # a registration just chosen: its remaining period by default
            today = fields.Date.context_today(request.env.user)
            form["date_from"] = max(today, registration.date_start).isoformat()
            form["date_to"] = registration.date_end.isoformat()
        return request.render(
            "portail_famille.portal_my_weekly_template",
            values,
            status=400 if values["form_errors"] else 200,
        )

    @http.route(
        "/my/weekly-template", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_weekly_template_add(self, **params):
        household = self._family_household()
        form = self._read_pattern_form(params)
        errors = {}
        try:
            with request.env.cr.savepoint():
                _added, refused = request.env[
                    "family.weekly.template"
                ]._portal_add_to_recap(household, form)
        except FieldValidationError as error:
            errors.update(error.field_errors)
        except UserError as error:
            errors["__form__"] = error.args[0]
        if errors:
            values = self._prepare_weekly_template_values(
                household, form, errors, with_preview=True
            )
            return request.render(
                "portail_famille.portal_my_weekly_template", values, status=400
            )
        # the days refused since the preview (booked or locked meanwhile) are said on
        # the recap, the others are in it
        request.session["family_recap_errors"] = refused
        return request.redirect("/my/recap")
