from odoo import _, http
from odoo.http import request

from ..tools import to_number
from .portal import FamilyPortal

MAX_QUOTIENT = 99999999.99  # family.quotient.value holds 10 digits, 2 of them decimals


class FamilyFilePortal(FamilyPortal):
    """The family file (/my/family, "Mon dossier"): the responsables' contact details,
    the persons allowed to pick up the children, the quotient familial and the family's
    documents. Each form posts to its own route; the models own the rules
    (family.change.request for what staff check first, res.partner's and
    family.authorized.person's field rules, family.quotient, family.document)."""

    def _prepare_family_file_values(
        self, household, form_name=None, form=None, errors=None
    ):
        # sudo: parents may not read partners' details; these are the responsables of
        # their own file
        responsables_sudo = (
            household.responsible_partner_id | household.spouse_partner_id
        ).sudo()
        return self._prepare_form_page_values(
            household,
            "family_file",
            form_name=form_name,
            form=form or {},
            form_errors=errors or {},
            responsables=responsables_sudo,
            requests=request.env["family.change.request"].search(
                [("household_id", "=", household.id), ("state", "=", "pending")]
            ),
            quotients=household.quotient_ids.sorted("date_from", reverse=True),
            document_types=request.env["family.document"]
            ._fields["document_type"]
            ._description_selection(request.env),
        )

    def _family_file_post(self, household, form_name, form, errors, apply, notice):
        """The redirect to the form's section after a successful ``apply()``, or the
        page again (400) with the input kept and each error beside its field."""
        redirect = self._apply_form(
            errors, apply, "family_file", notice, "/my/family#pf-%s" % form_name, form
        )
        if redirect:
            return redirect
        values = self._prepare_family_file_values(household, form_name, form, errors)
        return request.render("portail_famille.portal_my_family", values, status=400)

    @http.route(["/my/account"], type="http", auth="user", website=True)
    def account(self, redirect=None, **post):
        """Odoo's "Edit information" page (company, VAT number, a required phone, an
        e-mail that is the login): a parent's details are edited on their family file
        instead, and Odoo's form posted anyway changes nothing (its write of the
        partner would skip the family file's rules). Users without a family file keep
        Odoo's page."""
        if self._find_family_household():
            return request.redirect("/my/family")
        return super().account(redirect=redirect, **post)

    @http.route("/my/family", type="http", auth="user", website=True, methods=["GET"])
    def family_file(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_family",
            self._prepare_family_file_values(household),
        )

    @http.route(
        "/my/family/contact", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_file_contact(self, partner_id=None, **post):
        household = self._family_household()
        partner = self._family_record(
            household.responsible_partner_id | household.spouse_partner_id, partner_id
        )
        form = {
            key: post.get(key, "")
            for key in (
                "phone",
                "mobile",
                "street",
                "street2",
                "zip",
                "city",
                "family_profession",
                "family_employer",
                "family_work_phone",
            )
        }

        def apply():
            request.env["family.change.request"]._submit(household, partner, form)

        return self._family_file_post(
            household,
            "contact-%s" % partner.id,
            dict(form, partner_id=partner.id),
            {},
            apply,
            _(
                "Your changes are saved. An address change is applied once the town "
                "has checked it."
            ),
        )

    @http.route(
        "/my/family/authorized",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_file_authorized_add(
        self, name=None, phone=None, relationship=None, **kw
    ):
        household = self._family_household()
        form = {
            "name": (name or "").strip()[:200],
            "phone": (phone or "").strip()[:40],
            "relationship": (relationship or "").strip()[:100],
        }

        def apply():
            request.env["family.authorized.person"]._portal_add(household, form)

        return self._family_file_post(
            household,
            "authorized",
            form,
            {},
            apply,
            _("%(name)s may now pick up your children.", name=form["name"]),
        )

    @http.route(
        "/my/family/authorized/remove",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def family_file_authorized_remove(self, person_id=None, **kw):
        household = self._family_household()
        self._family_record(household.authorized_person_ids, person_id)._portal_remove()
        request.session["family_file_notice"] = _("The person is removed.")
        return request.redirect("/my/family#pf-authorized")

    @http.route(
        "/my/family/quotient", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_file_quotient(self, value=None, date_from=None, date_to=None, **kw):
        household = self._family_household()
        form = {
            "value": value or "",
            "date_from": date_from or "",
            "date_to": date_to or "",
        }
        errors = {}
        # "nan", "inf", "1e400" and amounts beyond the field's 8 digits are no quotient
        qf = to_number(value or "", maximum=MAX_QUOTIENT)
        if qf is None:
            errors["value"] = _("Give your quotient familial as a number, e.g. 742.50.")
        start = self._read_date(date_from, "date_from", errors)
        end = self._read_date(date_to, "date_to", errors)
        proof, proof_name = self._read_upload("proof", errors, required=True)

        def apply():
            request.env["family.quotient"]._portal_declare(
                household,
                {
                    "value": qf,
                    "date_from": start,
                    "date_to": end,
                    "proof": proof,
                    "proof_filename": proof_name,
                },
            )

        return self._family_file_post(
            household,
            "quotient",
            form,
            errors,
            apply,
            _("Your quotient familial is sent: the town will check it."),
        )

    @http.route(
        "/my/family/document", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_file_document(self, document_type=None, name=None, child_id=None, **kw):
        household = self._family_household()
        form = {
            "document_type": document_type or "",
            "name": (name or "").strip()[:200],
            "child_id": child_id,
        }
        errors = {}
        types = dict(
            request.env["family.document"]
            ._fields["document_type"]
            ._description_selection(request.env)
        )
        if document_type not in types:
            errors["document_type"] = _("Choose the type of document.")
        child = self._form_child(household, child_id) if child_id else None
        if child_id and not child:
            # the form has no field for the child: the message goes on the form
            errors["__form__"] = _("Choose one of your children.")
        file, file_name = self._read_upload("file", errors, required=True)

        def apply():
            request.env["family.document"]._portal_upload(
                household,
                {
                    "document_type": document_type,
                    "file": file,
                    "file_name": file_name,
                    "name": form["name"],
                    "child_id": child.id if child else False,
                },
            )

        return self._family_file_post(
            household, "document", form, errors, apply, _("Your document is sent.")
        )
