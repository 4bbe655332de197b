from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.http import request

from ..tools import to_record_id
from .portal import FamilyPortal


class FamilyRegistrationPortal(FamilyPortal):
    """The registrations (/my/registrations): each child's registrations, a request to a
    new activity, the certificate of a validated one. family.registration owns the rules
    (age, window, places)."""

    def _prepare_registrations_values(self, household, **extra):
        # a family has a few registrations per child and school year: shown per child,
        # without pages
        return self._prepare_form_page_values(
            household,
            "family_registrations",
            offered={
                child.id: child._get_offered_activities()
                for child in household.child_ids
            },
            **extra,
        )

    @http.route(
        "/my/registrations", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_registrations(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_registrations",
            self._prepare_registrations_values(household),
        )

    @http.route(
        "/my/registrations", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_registration_create(
        self,
        child_id=None,
        activity_id=None,
        note=None,
        date_start=None,
        date_end=None,
        **kw,
    ):
        household = self._family_household()
        form = {
            "child_id": child_id,
            "activity_id": activity_id,
            "note": note or "",
            "date_start": str(date_start or "").strip()[:20],
            "date_end": str(date_end or "").strip()[:20],
        }
        errors = {}
        # the wished dates (optional): the model checks them against the activity
        dates = {
            fname: self._read_date(form[fname], fname, errors, required=False)
            for fname in ("date_start", "date_end")
        }
        activity = None
        child = self._form_child(household, child_id)
        if not child:
            errors["child_id"] = _("Choose one of your children.")
        else:
            activity_id = to_record_id(activity_id)
            activity = child._get_offered_activities().filtered(
                lambda a: a.id == activity_id
            )
            if not activity:
                errors["activity_id"] = _(
                    "Choose an activity open to %(child)s.", child=child.first_name
                )

        def apply():
            registration = request.env["family.registration"]._portal_request(
                child, activity, note, **dates
            )
            return _(
                "%(child)s's registration to %(activity)s is sent (%(state)s).",
                child=child.first_name,
                activity=activity.name,
                state=dict(
                    registration._fields["state"]._description_selection(request.env)
                )[registration.state],
            )

        redirect = self._apply_form(
            errors,
            apply,
            "family_registrations",
            None,
            "/my/registrations",
            form=form,
            error_field="activity_id",
        )
        if redirect:
            return redirect
        values = self._prepare_registrations_values(
            household, form=form, form_errors=errors
        )
        return request.render(
            "portail_famille.portal_my_registrations", values, status=400
        )

    @http.route(
        "/my/registrations/<int:registration_id>/attestation",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_registration_attestation(self, registration_id, **kw):
        household = self._family_household()
        registration = self._family_search(
            "family.registration",
            registration_id,
            [("household_id", "=", household.id)],
        )
        if registration.state != "validated":
            raise NotFound()
        # sudo: parents may not read report actions; the registration was checked as
        # theirs above
        report_sudo = request.env["ir.actions.report"].sudo()
        pdf, _report_type = report_sudo._render_qweb_pdf(
            "portail_famille.action_report_registration_attestation", registration.ids
        )
        return self._family_pdf_response(pdf, "attestation-%s.pdf" % registration.name)
