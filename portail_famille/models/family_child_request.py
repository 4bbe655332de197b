from odoo import _, api, fields, models

from .family_child import CLASS_LEVELS


class FamilyChildRequest(models.Model):
    """A parent's request to add a child to their family file (seed 001 "Ajouter un
    enfant"): staff check it and validate it, which creates the child in the household;
    the family is told by e-mail either way."""

    _name = "family.child.request"
    _description = "Child Addition Request"
    _inherit = ["family.review.mixin"]
    _order = "create_date desc, id desc"
    _rec_name = "first_name"

    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    first_name = fields.Char(required=True, readonly=True)
    last_name = fields.Char(required=True, readonly=True)
    birth_date = fields.Date(required=True, readonly=True)
    class_level = fields.Selection(CLASS_LEVELS, readonly=True)
    school_id = fields.Many2one(
        "family.site", domain=[("kind", "=", "school")], readonly=True
    )
    state = fields.Selection(
        selection=[
            ("pending", "To validate"),
            ("validated", "Child added"),
            ("refused", "Refused"),
        ]
    )
    child_id = fields.Many2one("family.child", string="Child Added", readonly=True)
    validated_by_id = fields.Many2one("res.users", readonly=True)

    @api.depends("first_name", "last_name")
    def _compute_display_name(self):
        for request in self:
            request.display_name = _(
                "Addition of %(name)s",
                name=" ".join(
                    p for p in (request.first_name, (request.last_name or "").upper())
                ),
            )

    @api.model
    def _submit(self, household, vals):
        """A parent asks to add a child to ``household`` (theirs: record rules): the
        identity is checked as a child's change is (names, plausible birth date, a
        school and class of the town's lists). Returns the request."""
        household.ensure_one()
        household.check_access("read")
        child = self.env["family.child"].new({"first_name": vals.get("first_name")})
        clean = self.env["family.change.request"]._clean_child_values(
            child,
            {
                fname: vals.get(fname) or ""
                for fname in (
                    "first_name",
                    "last_name",
                    "birth_date",
                    "class_level",
                    "school_id",
                )
            },
        )
        # sudo: parents may not create requests directly; the household is theirs
        request = self.sudo().create(
            {
                **clean,
                "household_id": household.id,
                "class_level": clean["class_level"] or False,
            }
        )
        request._schedule_review()
        return request.with_env(self.env)

    def action_validate(self):
        """Create each requested child in its household; the family is told."""
        self._check_pending()
        children = self.env["family.child"].create(
            [
                {
                    "household_id": request.household_id.id,
                    "first_name": request.first_name,
                    "last_name": request.last_name,
                    "birth_date": request.birth_date,
                    "class_level": request.class_level,
                    "school_id": request.school_id.id,
                }
                for request in self
            ]
        )
        for request, child in zip(self, children, strict=True):
            request._close_review(
                {
                    "state": "validated",
                    "child_id": child.id,
                    "validated_by_id": self.env.uid,
                }
            )
        for request in self:
            request._notify_family(
                _(
                    "%(child)s is now in your family file: you can register them "
                    "to the town's activities.",
                    child=request.child_id.first_name,
                )
            )
        return True

    def action_refuse(self, reason=None):
        """Do not add the child; the family is told why (the reason is asked when not
        given)."""
        wizard = self._refuse(reason)
        if wizard:
            return wizard
        for request in self:
            request._notify_family(
                _(
                    "Your request to add %(child)s to your family file was not "
                    "accepted: %(reason)s",
                    child=request.first_name,
                    reason=reason,
                )
            )
        return True

    def _notify_family(self, body):
        """E-mail the family's responsable ``body`` (through the request's chatter)."""
        self.ensure_one()
        partner = self.household_id.responsible_partner_id
        self.message_post(
            body=body,
            partner_ids=partner.ids,
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )
