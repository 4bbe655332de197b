from odoo import _, http
from odoo.http import request

from ..models.family_upload_mixin import IMAGE_TYPES
from .portal import FamilyPortal


class FamilyChildPortal(FamilyPortal):
    """A child's page (/my/children/<id>): the identity (a change staff check first,
    family.change.request), the health sheet (family.health.sheet) and the vaccines
    (family.vaccine). The models own the rules."""

    def _prepare_child_values(
        self, household, child, form_name=None, form=None, errors=None
    ):
        return self._prepare_form_page_values(
            household,
            "family_child",
            child=child,
            sheet=child.health_sheet_id,
            form_name=form_name,
            form=form or {},
            form_errors=errors or {},
            vaccines=request.env["family.vaccine"]
            ._fields["vaccine"]
            ._description_selection(request.env),
            schools=request.env["family.site"].search([("kind", "=", "school")]),
            class_levels=child._fields["class_level"]._description_selection(
                request.env
            ),
            child_requests=request.env["family.change.request"].search(
                [("child_id", "=", child.id), ("state", "=", "pending")]
            ),
        )

    def _child_post(self, household, child, form_name, form, errors, apply, notice):
        """The redirect to the form's section after a successful ``apply()``, or the
        page again (400) with the input kept and each error beside its field."""
        redirect = self._apply_form(
            errors,
            apply,
            "family_child",
            notice,
            "/my/children/%s#pf-%s" % (child.id, form_name),
            form,
        )
        if redirect:
            return redirect
        values = self._prepare_child_values(household, child, form_name, form, errors)
        return request.render("portail_famille.portal_my_child", values, status=400)

    @http.route(
        "/my/children/<int:child_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_child_page(self, child_id, **kw):
        household = self._family_household()
        child = self._family_child(household, child_id)
        return request.render(
            "portail_famille.portal_my_child",
            self._prepare_child_values(household, child),
        )

    @http.route(
        "/my/children/<int:child_id>/sheet.pdf",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_child_sheet(self, child_id, simple=None, **kw):
        household = self._family_household()
        child = self._family_child(household, child_id)
        pdf, filename = child._portal_child_sheet(without_health=bool(simple))
        return self._family_pdf_response(pdf, filename)

    @http.route(
        "/my/children/<int:child_id>/identity",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_child_identity(self, child_id, **post):
        household = self._family_household()
        child = self._family_child(household, child_id)
        form = {
            fname: (post.get(fname) or "").strip()
            for fname in (
                "first_name",
                "last_name",
                "birth_date",
                "school_id",
                "class_level",
            )
        }
        form["image_rights_consent"] = bool(post.get("image_rights_consent"))
        errors = {}
        photo, _photo_name = self._read_upload("photo", errors, types=IMAGE_TYPES)

        def apply():
            vals = dict(form, image_1920=photo) if photo else form
            if request.env["family.change.request"]._submit(household, child, vals):
                return _(
                    "Saved. The change of identity, school or class is sent to the "
                    "town, which checks it."
                )
            return None

        return self._child_post(
            household, child, "identity", form, errors, apply, _("Saved.")
        )

    @http.route(
        "/my/children/<int:child_id>/health",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_child_health(self, child_id, **post):
        household = self._family_household()
        child = self._family_child(household, child_id)
        sheet = child.health_sheet_id
        form = {
            fname: (post.get(fname) or "").strip()[:size]
            for fname, size in sheet.PORTAL_FIELDS.items()
            if size
        }
        form["has_pai"] = bool(post.get("has_pai"))

        def apply():
            sheet._portal_update(form)

        return self._child_post(
            household, child, "health", form, {}, apply, _("The health sheet is saved.")
        )

    @http.route(
        "/my/children/<int:child_id>/vaccine",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_child_vaccine(self, child_id, vaccine=None, name=None, **kw):
        household = self._family_household()
        child = self._family_child(household, child_id)
        form = {
            "vaccine": vaccine or "",
            "name": (name or "").strip()[:200],
            "date": kw.get("date") or "",
        }
        errors = {}
        kinds = dict(
            request.env["family.vaccine"]
            ._fields["vaccine"]
            ._description_selection(request.env)
        )
        if vaccine not in kinds:
            errors["__form__"] = _("Choose a vaccine.")
        day = self._read_date(form["date"], "date", errors)

        def apply():
            request.env["family.vaccine"]._portal_add(
                child.health_sheet_id,
                {
                    "vaccine": vaccine,
                    "name": form["name"],
                    "date": day,
                },
            )

        return self._child_post(
            household, child, "vaccine", form, errors, apply, _("The vaccine is added.")
        )
