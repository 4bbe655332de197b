from odoo import api, fields, models


class FamilyHealthSheet(models.Model):
    """Fiche sanitaire: sensitive health data. Readable only by the health-data staff group and by
    the child's own family (record rules + access rights, no other staff)."""

    _name = "family.health.sheet"
    _description = "Child Health Sheet"
    _order = "child_id"
    _rec_name = "child_id"

    child_id = fields.Many2one("family.child", required=True, ondelete="cascade", index=True)
    household_id = fields.Many2one(related="child_id.household_id", store=True, index=True)
    doctor_name = fields.Char(string="Doctor")
    doctor_phone = fields.Char(string="Doctor's Phone")
    allergies = fields.Text(help="Food, medicine or other allergies.")
    has_pai = fields.Boolean(string="PAI", help="Individual care plan (projet d'accueil individualisé).")
    pai_details = fields.Text(string="PAI Details")
    dietary_requirements = fields.Char(string="Diet")
    medical_notes = fields.Text()
    vaccine_ids = fields.One2many("family.vaccine", "health_sheet_id", string="Vaccines")
    last_update = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("child_uniq", "unique(child_id)", "A child has only one health sheet."),
    ]

    # what a family fills in on the portal; the rest (e.g. the last update) is the town's
    PORTAL_FIELDS = {"doctor_name": 200, "doctor_phone": 40, "allergies": 2000, "has_pai": None, "pai_details": 2000,
                     "dietary_requirements": 200, "medical_notes": 4000}

    def _portal_update(self, vals):
        """A parent updates their own child's health sheet (only the fields a family fills in)."""
        self.ensure_one()
        self.check_access("read")
        values = {}
        for fname, size in self.PORTAL_FIELDS.items():
            if fname in vals:
                values[fname] = bool(vals[fname]) if size is None else (vals[fname] or "").strip()[:size]
        # sudo: parents have no write right on health data; only the whitelisted fields follow
        self.sudo().write(values)
        return True

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("last_update", fields.Datetime.now())
        return super().create(vals_list)

    def write(self, vals):
        vals = dict(vals, last_update=fields.Datetime.now())
        return super().write(vals)
