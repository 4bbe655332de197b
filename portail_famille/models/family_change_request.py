import json

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools import check_field_errors, to_date, to_record_id

# What a parent may change from the portal, per kind of record: the direct fields are
# written at once; the sensitive ones become a request that staff validate. A
# responsable's address decides the residence (hence the prices) and the school sector;
# a child's identity, birth date, school and class decide the age group and which
# activities are open.
DIRECT_FIELDS = {
    "res.partner": (
        "phone",
        "mobile",
        "family_profession",
        "family_employer",
        "family_work_phone",
    ),
    "family.child": ("image_rights_consent", "image_1920"),
}
REQUEST_FIELDS = {
    "res.partner": ("street", "street2", "zip", "city"),
    "family.child": (
        "first_name",
        "last_name",
        "birth_date",
        "school_id",
        "class_level",
    ),
}


class FamilyChangeRequest(models.Model):
    """A change of the family file asked by a parent on the portal, applied once staff
    validate it. It is about a responsable (a contact) or a child; the family is told by
    e-mail when it is applied or not."""

    _name = "family.change.request"
    _description = "Family File Change Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"

    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", string="Person", ondelete="cascade")
    child_id = fields.Many2one(
        "family.child", ondelete="cascade", index="btree_not_null"
    )
    values_json = fields.Text(string="New Values", required=True, readonly=True)
    old_values_json = fields.Text(string="Old Values", readonly=True)
    summary = fields.Html(compute="_compute_summary", sanitize=True)
    state = fields.Selection(
        [
            ("pending", "To validate"),
            ("validated", "Applied"),
            ("refused", "Not applied"),
        ],
        default="pending",
        required=True,
        tracking=True,
        index=True,
    )
    refusal_reason = fields.Text(tracking=True)
    validated_by_id = fields.Many2one("res.users", readonly=True)

    _sql_constraints = [
        (
            "one_target",
            "CHECK ((partner_id IS NULL) != (child_id IS NULL))",
            "A file change is about one person: a responsable or a child.",
        ),
    ]

    def _target(self):
        self.ensure_one()
        return self.child_id or self.partner_id

    @api.depends("child_id", "partner_id")
    def _compute_display_name(self):
        for request in self:
            request.display_name = _(
                "Change of %(name)s", name=request.sudo()._target().display_name or ""
            )

    @api.depends("values_json", "old_values_json", "partner_id", "child_id")
    def _compute_summary(self):
        for request in self:
            new = json.loads(request.values_json or "{}")
            old = json.loads(request.old_values_json or "{}")
            model = request.child_id._name if request.child_id else "res.partner"
            target_fields = self.env[model]._fields
            rows = Markup("").join(
                Markup("<li><b>%s</b>: %s → %s</li>")
                % (
                    target_fields[fname]._description_string(self.env),
                    self._format_value(target_fields[fname], old.get(fname)),
                    self._format_value(target_fields[fname], value),
                )
                for fname, value in new.items()
                if fname in target_fields
            )
            request.summary = Markup("<ul>%s</ul>") % rows

    @api.model
    def _format_value(self, field, value):
        """A stored value as the family and the agent read it."""
        if value in (None, False, ""):
            return "–"
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "many2one":
            return (
                self.env[field.comodel_name].sudo().browse(value).exists().display_name
                or "–"
            )
        if field.type == "date":
            return format_date(self.env, value)
        return escape(value)

    @staticmethod
    def _stored_value(record, fname):
        """The value of ``record.fname`` as a request stores it (JSON-friendly)."""
        value = record[fname]
        field = record._fields[fname]
        if field.type == "many2one":
            return value.id or False
        if field.type == "date":
            return value.isoformat() if value else ""
        if field.type == "boolean":
            return bool(value)
        return value or ""

    @api.model
    def _clean_child_values(self, child, vals):
        """Check the identity a parent types for a child: names required, a plausible
        birth date (a date, or its ISO text), a school and class of the town's lists.
        Raises one FieldValidationError naming every field that is wrong."""
        clean, errors = {}, {}
        for fname in ("first_name", "last_name"):
            if fname in vals:
                clean[fname] = (vals[fname] or "").strip()[:100]
                if not clean[fname]:
                    errors[fname] = _("This field is required.")
        if "birth_date" in vals:
            day = to_date(vals["birth_date"])
            earliest, latest = child._birth_date_bounds()
            if not vals["birth_date"]:
                errors["birth_date"] = _("Give a date.")
            elif not day:
                errors["birth_date"] = _("Give a valid date.")
            elif not earliest <= day <= latest:
                errors["birth_date"] = _(
                    "The birth date of %(child)s must be a past date, less than 25 "
                    "years ago.",
                    child=child.first_name,
                )
            else:
                clean["birth_date"] = day.isoformat()
        if "class_level" in vals:
            levels = dict(child._fields["class_level"].selection)
            if vals["class_level"] and vals["class_level"] not in levels:
                errors["class_level"] = _("Choose a class level of the list.")
            clean["class_level"] = vals["class_level"] or ""
        if "school_id" in vals:
            school_id = to_record_id(vals["school_id"])
            school = (
                self.env["family.site"].sudo().browse(school_id).exists()
                if school_id
                else None
            )
            if vals["school_id"] and (not school or school.kind != "school"):
                errors["school_id"] = _("Choose a school of the list.")
            clean["school_id"] = school.id if school else False
        check_field_errors(errors)
        return clean

    @api.model
    def _submit(self, household, target, vals):
        """A parent's change of ``target``, a responsable (res.partner) or a child of
        ``household``: the direct fields are written at once, the sensitive ones become
        a request to validate. Returns the request (or an empty recordset)."""
        household.check_access("read")
        if target._name == "res.partner":
            allowed = household.responsible_partner_id | household.spouse_partner_id
        else:
            allowed = household.child_ids
        if target._name not in DIRECT_FIELDS or target not in allowed:
            raise UserError(
                _("You can only change the people of your own family file.")
            )
        # portal parents may not write partners: only whitelisted fields follow
        target_sudo = target.sudo()
        if target._name == "res.partner":
            clean = {
                fname: (vals.get(fname) or "").strip()[:200]
                for fname in DIRECT_FIELDS[target._name] + REQUEST_FIELDS[target._name]
                if fname in vals
            }
            # the address waits for staff: its rules are checked now, with the phones
            # written at once
            check_field_errors(target._get_family_field_errors(clean))
        else:
            clean = self._clean_child_values(target, vals)
            if "image_rights_consent" in vals:
                clean["image_rights_consent"] = bool(vals["image_rights_consent"])
            if vals.get("image_1920"):
                clean["image_1920"] = vals["image_1920"]
        direct = {
            fname: value
            for fname, value in clean.items()
            if fname in DIRECT_FIELDS[target._name]
            and (
                fname == "image_1920" or value != self._stored_value(target_sudo, fname)
            )
        }
        asked = {
            fname: value
            for fname, value in clean.items()
            if fname in REQUEST_FIELDS[target._name]
            and value != self._stored_value(target_sudo, fname)
        }
        if direct:
            target_sudo.write(direct)
        if not asked:
            return self.browse()
        request = self.sudo().create(
            {
                "household_id": household.id,
                "partner_id": target.id if target._name == "res.partner" else False,
                "child_id": target.id if target._name == "family.child" else False,
                "values_json": json.dumps(asked),
                "old_values_json": json.dumps(
                    {fname: self._stored_value(target_sudo, fname) for fname in asked}
                ),
            }
        )
        user = self.env.company.family_file_user_id or self.env.ref(
            "base.user_admin", raise_if_not_found=False
        )
        request.activity_schedule(
            "portail_famille.mail_activity_type_change_request",
            user_id=user.id if user else self.env.uid,
        )
        return request.with_env(self.env)

    def _check_pending(self):
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(_("This request is already processed."))

    def action_validate(self):
        self._check_pending()
        for request in self:
            values = json.loads(request.values_json)
            request._target().write(values)
            household = request.household_id
            if request.partner_id and request.partner_id == (
                household.responsible_partner_id
            ):
                # the household's own address is where its invoices go
                address = {
                    fname: value
                    for fname, value in values.items()
                    if fname in REQUEST_FIELDS["res.partner"]
                }
                if address:
                    household.partner_id.write(address)
        self.write({"state": "validated", "validated_by_id": self.env.uid})
        self.activity_unlink(["portail_famille.mail_activity_type_change_request"])
        self._notify_family("portail_famille.mail_template_change_request_validated")
        return True

    def action_refuse(self, reason=None):
        """Do not apply the change; the family is told why (the reason is asked when not
        given)."""
        self._check_pending()
        if not reason:
            return self.env["family.refusal.wizard"]._open_for(self)
        self.write({"state": "refused", "refusal_reason": reason})
        self.activity_unlink(["portail_famille.mail_activity_type_change_request"])
        self._notify_family("portail_famille.mail_template_change_request_refused")
        return True

    def _notify_family(self, template_xmlid):
        for request in self:
            request.message_post_with_source(
                template_xmlid, subtype_xmlid="mail.mt_comment"
            )
