from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..tools import check_field_errors, phone_error, postcode_error, to_date
from .family_child import CLASS_LEVELS

# the children rows of the public form, and how many forms one connection may send in
# an hour
PREREGISTRATION_CHILD_ROWS = 4
PREREGISTRATION_RATE_LIMIT = 5
FAMILY_FIELDS = ("first_name", "last_name", "email", "phone", "street", "zip", "city")
CHILD_FIELDS = ("first_name", "last_name", "birth_date", "class_level")


class FamilyPreregistration(models.Model):
    """Fiche de préinscription (seed 003): a family new to the town sends its details
    from the public site, without an account; staff review it and validate it (the
    household, its responsable, its children and a portal invitation are created) or
    refuse it (the family is e-mailed the reason)."""

    _name = "family.preregistration"
    _description = "New Family Pre-registration"
    _inherit = ["family.review.mixin"]
    _order = "create_date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    first_name = fields.Char(required=True, readonly=True)
    last_name = fields.Char(required=True, readonly=True)
    email = fields.Char(required=True, readonly=True)
    phone = fields.Char(required=True, readonly=True)
    street = fields.Char(required=True, readonly=True)
    zip = fields.Char(required=True, readonly=True)
    city = fields.Char(required=True, readonly=True)
    child_ids = fields.One2many(
        "family.preregistration.child",
        "preregistration_id",
        string="Children",
        readonly=True,
    )
    child_count = fields.Integer(compute="_compute_child_count")
    state = fields.Selection(
        selection=[
            ("pending", "To review"),
            ("validated", "Family created"),
            ("refused", "Refused"),
        ]
    )
    household_id = fields.Many2one("family.household", readonly=True)
    ip_address = fields.Char(
        string="Sent From", readonly=True, index=True, groups="base.group_system"
    )

    @api.depends("first_name", "last_name")
    def _compute_name(self):
        for prereg in self:
            prereg.name = " ".join(
                p for p in (prereg.first_name, (prereg.last_name or "").upper()) if p
            )

    @api.depends("child_ids")
    def _compute_child_count(self):
        for prereg in self:
            prereg.child_count = len(prereg.child_ids)

    # ------------------------------------------------------------------ public form
    @api.model
    def _clean_public_values(self, form):
        """Check the public form (``form``: the family's fields and child_<n>_<field>
        for each children row): every family field required, a valid e-mail, phone
        and postcode, at least one child with names and a plausible birth date. Returns
        (family values, [child values]); raises one FieldValidationError naming each
        wrong field of the form."""
        errors = {}
        clean = {
            fname: str(form.get(fname) or "").strip()[:100] for fname in FAMILY_FIELDS
        }
        for fname in FAMILY_FIELDS:
            if not clean[fname]:
                errors[fname] = _("This field is required.")
        if clean["email"]:
            email = email_normalize(clean["email"], strict=True)
            if not email:
                errors["email"] = _(
                    "The e-mail address %(email)s is not valid, e.g. "
                    "prenom.nom@example.com.",
                    email=clean["email"][:60],
                )
            clean["email"] = email or clean["email"]
        for fname, check in (("phone", phone_error), ("zip", postcode_error)):
            error = clean[fname] and check(self.env, clean[fname])
            if error:
                errors[fname] = error
        earliest, latest = self.env["family.child"]._birth_date_bounds()
        levels = dict(CLASS_LEVELS)
        children = []
        for row in range(PREREGISTRATION_CHILD_ROWS):
            child = {
                fname: str(form.get("child_%s_%s" % (row, fname)) or "").strip()[:100]
                for fname in CHILD_FIELDS
            }
            if not any(child.values()):
                continue
            for fname in ("first_name", "last_name", "birth_date"):
                if not child[fname]:
                    errors["child_%s_%s" % (row, fname)] = _("This field is required.")
            if child["birth_date"]:
                day = to_date(child["birth_date"])
                if not day:
                    errors["child_%s_birth_date" % row] = _("Give a valid date.")
                elif not earliest <= day <= latest:
                    errors["child_%s_birth_date" % row] = _(
                        "The birth date must be a past date, less than 25 years ago."
                    )
            if child["class_level"] and child["class_level"] not in levels:
                errors["child_%s_class_level" % row] = _(
                    "Choose a class level of the list."
                )
            child["class_level"] = child["class_level"] or False
            children.append(child)
        if not children:
            errors["child_0_first_name"] = _("Give at least one child.")
        check_field_errors(errors)
        return clean, children

    @api.model
    def _submit_public(self, form, ip_address):
        """A pre-registration sent from the public form by ``ip_address``: checked,
        limited to PREREGISTRATION_RATE_LIMIT an hour per connection, then stored for
        staff to review. Creates nothing else. Returns the pre-registration."""
        family, children = self._clean_public_values(form)
        # sudo: the form is public; nothing else is created, and the values are checked
        self_sudo = self.sudo()
        since = fields.Datetime.now() - timedelta(hours=1)
        if ip_address and (
            self_sudo.search_count(
                [("ip_address", "=", ip_address), ("create_date", ">=", since)]
            )
            >= PREREGISTRATION_RATE_LIMIT
        ):
            raise UserError(
                _(
                    "Too many pre-registrations were sent from your connection: please "
                    "try again in an hour, or contact the town hall."
                )
            )
        prereg = self_sudo.create(
            {
                **family,
                "ip_address": ip_address or False,
                "child_ids": [Command.create(child) for child in children],
            }
        )
        prereg._schedule_review()
        return prereg

    # ------------------------------------------------------------------ staff
    def action_validate(self):
        """Create the family of each pre-registration: its responsable, its household,
        its children, and a portal account whose invitation is e-mailed to the
        responsable."""
        self._check_pending()
        emails = self.mapped("email")
        taken = self.env["res.users"].sudo().search([("login", "in", emails)])
        if taken:
            raise UserError(
                _(
                    "An account already exists for %(emails)s: add the children to "
                    "that family instead.",
                    emails=", ".join(taken.mapped("login")),
                )
            )
        for prereg in self:
            partner = self.env["res.partner"].create(
                {
                    "name": "%s %s" % (prereg.first_name, prereg.last_name.upper()),
                    "email": prereg.email,
                    "phone": prereg.phone,
                    "street": prereg.street,
                    "zip": prereg.zip,
                    "city": prereg.city,
                }
            )
            household = self.env["family.household"].create(
                {
                    "name": _("Family %(name)s", name=prereg.last_name.upper()),
                    "responsible_partner_id": partner.id,
                    "street": prereg.street,
                    "zip": prereg.zip,
                    "city": prereg.city,
                    "email": prereg.email,
                }
            )
            self.env["family.child"].create(
                [
                    {
                        "household_id": household.id,
                        "first_name": child.first_name,
                        "last_name": child.last_name,
                        "birth_date": child.birth_date,
                        "class_level": child.class_level,
                    }
                    for child in prereg.child_ids
                ]
            )
            prereg._close_review({"state": "validated", "household_id": household.id})
            prereg._invite(partner)
        return True

    def _invite(self, partner):
        """Give ``partner`` a portal account through Odoo's portal wizard, which
        e-mails the invitation (the link to choose a password)."""
        # sudo: agents are not partner managers; the family was just created by them
        wizard = (
            self.env["portal.wizard"]
            .sudo()
            .create({"partner_ids": [Command.set(partner.ids)]})
        )
        wizard.user_ids.action_grant_access()
        self.message_post(
            body=_("Portal invitation sent to %(email)s.", email=partner.email)
        )

    def action_refuse(self, reason=None):
        """Do not create the family; the reason is e-mailed to the address given (the
        reason is asked when not given)."""
        wizard = self._refuse(reason)
        if wizard:
            return wizard
        company = self.env.company
        for prereg in self:
            body = Markup("<p>%s</p><p>%s</p>") % (
                _(
                    "Hello %(name)s, your pre-registration to the family portal of "
                    "%(town)s was not accepted:",
                    name=prereg.name,
                    town=company.name,
                ),
                reason,
            )
            # sudo: the family has no partner yet; the mail queue sends it
            self.env["mail.mail"].sudo().create(
                {
                    "subject": _("Your pre-registration to the family portal"),
                    "email_from": company.email_formatted,
                    "email_to": prereg.email,
                    "body_html": body,
                    "auto_delete": False,
                }
            )
            prereg.message_post(body=body)
        return True
