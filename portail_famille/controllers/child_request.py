from odoo import _, http
from odoo.http import request

from .portal import FamilyPortal

CHILD_REQUEST_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "school_id",
    "class_level",
)


class FamilyChildRequestPortal(FamilyPortal):
    """Adding a child from Mon dossier (/my/children/new): a request staff validate in
    the backend (family.child.request, which owns the rules); the family file lists the
    pending ones."""

    def _prepare_form_page_values(self, household, page_name, **extra):
        values = super()._prepare_form_page_values(household, page_name, **extra)
        if page_name == "family_file":
            # Mon dossier lists the children asked for and not added yet
            values["child_requests"] = request.env["family.child.request"].search(
                [("household_id", "=", household.id), ("state", "=", "pending")]
            )
        return values

    def _prepare_child_request_values(self, household, form=None, errors=None):
        return self._prepare_form_page_values(
            household,
            "family_child_request",
            form_name="child_request",
            form=form or {},
            form_errors=errors or {},
            schools=request.env["family.site"].search([("kind", "=", "school")]),
            class_levels=request.env["family.child"]
            ._fields["class_level"]
            ._description_selection(request.env),
        )

    @http.route(
        "/my/children/new", type="http", auth="user", website=True, methods=["GET"]
    )
    def family_child_request(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_child_request",
            self._prepare_child_request_values(household),
        )

    @http.route(
        "/my/children/new", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_child_request_post(self, **post):
        household = self._family_household()
        form = {
            fname: str(post.get(fname) or "").strip()[:100]
            for fname in CHILD_REQUEST_FIELDS
        }
        errors = {}

        def apply():
            request.env["family.child.request"]._submit(household, form)

        redirect = self._apply_form(
            errors,
            apply,
            "family_file",
            _(
                "Your request to add %(child)s is sent: the town checks it and tells "
                "you by e-mail.",
                child=form["first_name"],
            ),
            "/my/family",
            form,
        )
        if redirect:
            return redirect
        return request.render(
            "portail_famille.portal_my_child_request",
            self._prepare_child_request_values(household, form, errors),
            status=400,
        )
