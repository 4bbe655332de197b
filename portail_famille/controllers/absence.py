from odoo import _, http
from odoo.http import request

from .portal import FamilyPortal


class FamilyAbsencePortal(FamilyPortal):
    """The absences (/my/absences): the list of those declared, a page at a time, and
    the declaration of a new one. family.absence owns the rules (dates, the booked days
    it marks absent)."""

    def _prepare_absences_values(self, household, page=1, **extra):
        Absence = request.env["family.absence"]
        domain = [("household_id", "=", household.id)]
        pager = self._family_pager("/my/absences", Absence.search_count(domain), page)
        return self._prepare_form_page_values(
            household,
            "family_absences",
            absences=Absence.search(
                domain, limit=self.family_items_per_page, offset=pager["offset"]
            ),
            reasons=Absence._fields["reason"]._description_selection(request.env),
            pager=pager,
            **extra,
        )

    @http.route(
        ["/my/absences", "/my/absences/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_absences(self, page=1, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_absences",
            self._prepare_absences_values(household, page),
        )

    @http.route(
        "/my/absences", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_absence_create(
        self,
        child_id=None,
        date_from=None,
        date_to=None,
        reason=None,
        comment=None,
        **kw,
    ):
        household = self._family_household()
        form = {
            "child_id": child_id,
            "date_from": date_from,
            "date_to": date_to,
            "reason": reason,
            "comment": comment or "",
        }
        errors, vals = {}, {}
        child = self._form_child(household, child_id)
        if not child:
            errors["child_id"] = _("Choose one of your children.")
        for fname in ("date_from", "date_to"):
            vals[fname] = self._read_date(form[fname], fname, errors)
        reasons = dict(
            request.env["family.absence"]
            ._fields["reason"]
            ._description_selection(request.env)
        )
        if reason not in reasons:
            errors["reason"] = _("Choose a reason.")
        certificate, certificate_name = self._read_upload("certificate", errors)
        if certificate:
            vals.update(certificate=certificate, certificate_filename=certificate_name)

        def apply():
            absence = request.env["family.absence"]._portal_declare(
                child, {**vals, "reason": reason, "comment": comment}
            )
            return _(
                "The absence of %(child)s is recorded: %(count)s booked day(s) marked "
                "absent.",
                child=child.first_name,
                count=len(absence.reservation_ids),
            )

        redirect = self._apply_form(
            errors,
            apply,
            "family_absences",
            None,
            "/my/absences",
            error_field="date_to",
        )
        if redirect:
            return redirect
        values = self._prepare_absences_values(household, form=form, form_errors=errors)
        return request.render("portail_famille.portal_my_absences", values, status=400)
