from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import check_field_errors


class FamilyQuotient(models.Model):
    """A quotient familial (QF) declared by the family with its proof, validated by
    staff. The validated QF in force on a date is the one pricing uses."""

    _name = "family.quotient"
    _description = "Quotient Familial"
    _inherit = ["mail.thread", "family.upload.mixin"]
    _order = "date_from desc, id desc"
    _family_upload_fields = {"proof": "proof_filename"}

    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    value = fields.Float(
        string="Quotient", required=True, tracking=True, digits=(10, 2)
    )
    date_from = fields.Date(string="Valid From", required=True, tracking=True)
    date_to = fields.Date(string="Valid Until", required=True, tracking=True)
    proof = fields.Binary(string="Proof (CAF/MSA certificate)", attachment=True)
    proof_filename = fields.Char()
    state = fields.Selection(
        [("declared", "Declared"), ("validated", "Validated"), ("refused", "Refused")],
        default="declared",
        required=True,
        tracking=True,
    )
    refusal_reason = fields.Text(tracking=True)
    validated_by_id = fields.Many2one("res.users", readonly=True)
    validation_date = fields.Datetime(readonly=True)

    @api.model
    def _portal_declare(self, household, vals):
        """A parent declares the quotient familial of their own ``household`` with its
        proof; staff validate it."""
        household.ensure_one()
        household.check_access("read")
        allowed = ("value", "date_from", "date_to", "proof", "proof_filename")
        values = {fname: vals[fname] for fname in allowed if fname in vals}
        # sudo: parents have no create right; the create still applies the family rules
        # (self.env.user)
        return (
            self.sudo()
            .create({**values, "household_id": household.id})
            .with_env(self.env)
        )

    @api.constrains("value", "date_from", "date_to", "proof")
    def _check_values(self):
        for quotient in self:
            errors = {}
            if quotient.value < 0:
                errors["value"] = _(
                    "The quotient familial cannot be negative (%(value)s).",
                    value=quotient.value,
                )
            if quotient.date_to < quotient.date_from:
                errors["date_to"] = _(
                    "The quotient's validity must end after it starts."
                )
            if not quotient.proof:
                errors["proof"] = _(
                    "Please attach the proof of your quotient familial (CAF or MSA "
                    "certificate)."
                )
            check_field_errors(errors)

    @api.constrains("state", "date_from", "date_to", "household_id")
    def _check_overlap(self):
        validated = self.filtered(lambda q: q.state == "validated")
        if not validated:
            return
        others = self.search(
            [
                ("household_id", "in", validated.household_id.ids),
                ("state", "=", "validated"),
                ("id", "not in", validated.ids),
            ]
        )
        by_household = defaultdict(list)
        for other in others | validated:
            by_household[other.household_id.id].append(other)
        for quotient in validated:
            for other in by_household[quotient.household_id.id]:
                if (
                    other != quotient
                    and other.date_from <= quotient.date_to
                    and quotient.date_from <= other.date_to
                ):
                    raise ValidationError(
                        _(
                            "Another validated quotient (%(value)s, %(start)s – "
                            "%(end)s) already covers these dates: shorten it first.",
                            value=other.value,
                            start=format_date(self.env, other.date_from),
                            end=format_date(self.env, other.date_to),
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.user._is_internal():
            for vals in vals_list:
                vals.update(
                    state="declared",
                    validated_by_id=False,
                    validation_date=False,
                    refusal_reason=False,
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.user._is_internal():
            if {"state", "validated_by_id", "validation_date", "refusal_reason"} & set(
                vals
            ):
                raise UserError(
                    _(
                        "Only the town's staff can validate or refuse a quotient "
                        "familial."
                    )
                )
            if self.filtered(lambda q: q.state != "declared"):
                raise UserError(
                    _(
                        "A quotient already checked by the town cannot be changed: "
                        "declare a new one."
                    )
                )
        return super().write(vals)

    def action_validate(self):
        for quotient in self:
            if quotient.state != "declared":
                raise UserError(_("Only a declared quotient can be validated."))
        self.write(
            {
                "state": "validated",
                "validated_by_id": self.env.uid,
                "validation_date": fields.Datetime.now(),
            }
        )
        return True

    def action_refuse(self, reason=None):
        for quotient in self:
            if quotient.state == "refused":
                raise UserError(_("This quotient is already refused."))
        if not reason:
            return self.env["family.refusal.wizard"]._open_for(self)
        self.write({"state": "refused", "refusal_reason": reason})
        return True

    @api.depends("value", "date_from")
    def _compute_display_name(self):
        for quotient in self:
            quotient.display_name = _(
                "QF %(value)s from %(date)s",
                value=quotient.value,
                date=format_date(self.env, quotient.date_from),
            )
