from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import check_field_errors, phone_error


class FamilyHealthSheet(models.Model):
    """Fiche sanitaire: sensitive health data. Readable only by the health-data staff
    group and by the child's own family (record rules + access rights, no other
    staff)."""

    _name = "family.health.sheet"
    _description = "Child Health Sheet"
    _order = "child_id"
    _rec_name = "child_id"

    child_id = fields.Many2one(
        "family.child", required=True, ondelete="cascade", index=True
    )
    household_id = fields.Many2one(
        related="child_id.household_id", store=True, index=True
    )
    doctor_name = fields.Char(string="Doctor")
    doctor_phone = fields.Char(string="Doctor's Phone")
    allergies = fields.Text(help="Food, medicine or other allergies.")
    has_pai = fields.Boolean(
        string="PAI", help="Individual care plan (projet d'accueil individualisé)."
    )
    pai_details = fields.Text(string="PAI Details")
    dietary_requirements = fields.Char(string="Diet")
    medical_notes = fields.Text()
    vaccine_ids = fields.One2many(
        "family.vaccine", "health_sheet_id", string="Vaccines"
    )
    last_update = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("child_uniq", "unique(child_id)", "A child has only one health sheet."),
    ]

    # what a family fills in on the portal; the rest (e.g. the last update) is the
    # town's
    PORTAL_FIELDS = {
        "doctor_name": 200,
        "doctor_phone": 40,
        "allergies": 2000,
        "has_pai": None,
        "pai_details": 2000,
        "dietary_requirements": 200,
        "medical_notes": 4000,
    }

    def _portal_update(self, vals):
        """A parent updates their own child's health sheet (only the fields a family
        fills in)."""
        self.ensure_one()
        self.check_access("read")
        values = {}
        for fname, size in self.PORTAL_FIELDS.items():
            if fname in vals:
                values[fname] = (
                    bool(vals[fname])
                    if size is None
                    else (vals[fname] or "").strip()[:size]
                )
        check_field_errors(self._get_field_errors(values))
        if values.get("has_pai") and not values.get("pai_details"):
            # the form has no message beside the details: said on the form
            raise ValidationError(_("Describe the PAI, or untick it."))
        # sudo: parents have no write right on health data; only the whitelisted fields
        # follow
        self.sudo().write(values)
        return True

    @api.model
    def _get_field_errors(self, vals):
        """{field: message} for the values of ``vals`` a health sheet cannot have: a
        doctor's phone that breaks the family file's phone rule."""
        message = phone_error(self.env, vals.get("doctor_phone"))
        return {"doctor_phone": message} if message else {}

    @api.constrains("doctor_phone")
    def _check_doctor_phone(self):
        for sheet in self:
            check_field_errors(
                self._get_field_errors({"doctor_phone": sheet.doctor_phone})
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("last_update", fields.Datetime.now())
        return super().create(vals_list)

    def write(self, vals):
        vals = dict(vals, last_update=fields.Datetime.now())
        return super().write(vals)
