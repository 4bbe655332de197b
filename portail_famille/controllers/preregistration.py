from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.family_preregistration import (
    CHILD_FIELDS,
    FAMILY_FIELDS,
    PREREGISTRATION_CHILD_ROWS,
)
from ..tools import FieldValidationError

# the field a person never sees (hidden from sight and from assistive technologies): a
# robot filling every field fills it too
HONEYPOT_FIELD = "pf_homepage"


class FamilyPreregistrationWebsite(http.Controller):
    """The fiche de préinscription (/pre-registration, seed 003): a public form for a
    family new to the town, checked and stored by family.preregistration for staff to
    review."""

    @staticmethod
    def _preregistration_values(form=None, errors=None):
        return {
            "form": form or {},
            "form_errors": errors or {},
            "form_id": "prereg",
            "form_name": "prereg",
            "child_rows": range(PREREGISTRATION_CHILD_ROWS),
            "class_levels": request.env["family.child"]
            ._fields["class_level"]
            ._description_selection(request.env),
            "honeypot_field": HONEYPOT_FIELD,
        }

    @http.route(
        "/pre-registration",
        type="http",
        auth="public",
        website=True,
        sitemap=True,
        methods=["GET"],
    )
    def family_preregistration(self, **kw):
        return request.render(
            "portail_famille.website_preregistration", self._preregistration_values()
        )

    @http.route(
        "/pre-registration",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def family_preregistration_post(self, **post):
        names = list(FAMILY_FIELDS) + [
            "child_%s_%s" % (row, fname)
            for row in range(PREREGISTRATION_CHILD_ROWS)
            for fname in CHILD_FIELDS
        ]
        form = {name: str(post.get(name) or "").strip()[:100] for name in names}
        if post.get(HONEYPOT_FIELD):
            # a robot: thanked like anyone, nothing is stored
            return request.redirect("/pre-registration/thanks")
        errors = {}
        try:
            with request.env.cr.savepoint():
                request.env["family.preregistration"]._submit_public(
                    form, request.httprequest.remote_addr
                )
        except FieldValidationError as error:
            errors.update(error.field_errors)
        except UserError as error:
            errors["__form__"] = error.args[0]
        if errors:
            return request.render(
                "portail_famille.website_preregistration",
                self._preregistration_values(form, errors),
                status=400,
            )
        return request.redirect("/pre-registration/thanks")

    @http.route(
        "/pre-registration/thanks",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["GET"],
    )
    def family_preregistration_thanks(self, **kw):
        return request.render("portail_famille.website_preregistration_thanks")
