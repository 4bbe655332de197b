import json

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# what a parent may change on a responsable from the portal; the address is sensitive (residence,
# hence prices, and school sector depend on it): it becomes a request that staff validate
DIRECT_FIELDS = ("phone", "mobile", "family_profession", "family_employer", "family_work_phone")
REQUEST_FIELDS = ("street", "street2", "zip", "city")


class FamilyChangeRequest(models.Model):
    """A change of the family file asked by a parent on the portal, applied once staff validate it."""

    _name = "family.change.request"
    _description = "Family File Change Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"

    household_id = fields.Many2one("family.household", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Person", required=True, ondelete="cascade")
    values_json = fields.Text(string="New Values", required=True, readonly=True)
    old_values_json = fields.Text(string="Old Values", readonly=True)
    summary = fields.Html(compute="_compute_summary", sanitize=True)
    state = fields.Selection(
        [("pending", "To validate"), ("validated", "Applied"), ("refused", "Not applied")],
        default="pending", required=True, tracking=True, index=True,
    )
    refusal_reason = fields.Text(tracking=True)
    validated_by_id = fields.Many2one("res.users", readonly=True)

    @api.depends("values_json", "old_values_json", "partner_id")
    def _compute_summary(self):
        for request in self:
            new = json.loads(request.values_json or "{}")
            old = json.loads(request.old_values_json or "{}")
            partner_fields = self.env["res.partner"]._fields
            rows = "".join(
                "<li><b>%s</b>: %s → %s</li>" % (
                    escape(partner_fields[fname]._description_string(self.env)),
                    escape(old.get(fname) or "–"), escape(value or "–"),
                )
                for fname, value in new.items() if fname in partner_fields
            )
            request.summary = Markup("<ul>%s</ul>") % Markup(rows)

    @api.model
    def _submit(self, household, partner, vals):
        """A parent's change of ``partner`` (a responsable of ``household``): the direct fields are written
        at once, the address becomes a request to validate. Returns the request (or an empty recordset)."""
        household.check_access("read")
        if partner not in (household.responsible_partner_id | household.spouse_partner_id):
            raise UserError(_("You can only change the responsables of your own family file."))
        partner_sudo = partner.sudo()  # portal parents may not write partners: only whitelisted fields follow
        clean = {fname: (vals.get(fname) or "").strip()[:200] for fname in DIRECT_FIELDS + REQUEST_FIELDS
                 if fname in vals}
        direct = {fname: value for fname, value in clean.items()
                  if fname in DIRECT_FIELDS and value != (partner_sudo[fname] or "")}
        asked = {fname: value for fname, value in clean.items()
                 if fname in REQUEST_FIELDS and value != (partner_sudo[fname] or "")}
        if direct:
            partner_sudo.write(direct)
        if not asked:
            return self.browse()
        request = self.sudo().create({
            "household_id": household.id,
            "partner_id": partner.id,
            "values_json": json.dumps(asked),
            "old_values_json": json.dumps({fname: partner_sudo[fname] or "" for fname in asked}),
        })
        user = self.env.ref("base.user_admin", raise_if_not_found=False)
        request.activity_schedule(
            "portail_famille.mail_activity_type_change_request", user_id=user.id if user else self.env.uid,
        )
        return request.with_env(self.env)

    def action_validate(self):
        for request in self:
            if request.state != "pending":
                raise UserError(_("This request is already processed."))
            request.partner_id.write(json.loads(request.values_json))
        self.write({"state": "validated", "validated_by_id": self.env.uid})
        self.activity_unlink(["portail_famille.mail_activity_type_change_request"])
        return True

    def action_refuse(self):
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(_("This request is already processed."))
        self.write({"state": "refused"})
        self.activity_unlink(["portail_famille.mail_activity_type_change_request"])
        return True
