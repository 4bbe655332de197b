from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date


class FamilyVaccine(models.Model):
    _name = "family.vaccine"
    _description = "Vaccine Injection"
    _order = "date desc, id desc"

    health_sheet_id = fields.Many2one(
        "family.health.sheet", required=True, ondelete="cascade", index=True
    )
    vaccine = fields.Selection(
        [
            ("dtp", "Diphtheria, tetanus, polio (DTP)"),
            ("pertussis", "Pertussis"),
            ("hib", "Haemophilus influenzae b"),
            ("hepatitis_b", "Hepatitis B"),
            ("pneumococcus", "Pneumococcus"),
            ("meningococcus", "Meningococcus"),
            ("mmr", "Measles, mumps, rubella (MMR)"),
            ("other", "Other"),
        ],
        required=True,
        default="dtp",
    )
    name = fields.Char(
        string="Vaccine Name", help="Brand or detail, required for 'Other'."
    )
    date = fields.Date(string="Injection Date", required=True)

    @api.model
    def _portal_add(self, health_sheet, vals):
        """A parent records a vaccine injection on their own child's health sheet."""
        health_sheet.ensure_one()
        health_sheet.check_access("read")
        values = {
            "vaccine": vals.get("vaccine"),
            "name": (vals.get("name") or "").strip()[:200],
            "date": vals.get("date"),
            "health_sheet_id": health_sheet.id,
        }
        # sudo: parents have no create right on health data
        return self.sudo().create(values).with_env(self.env)

    @api.constrains("date", "vaccine", "name")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for injection in self:
            birth = injection.health_sheet_id.child_id.birth_date
            if injection.date > today:
                raise ValidationError(
                    _(
                        "The vaccine date %(date)s is in the future.",
                        date=format_date(self.env, injection.date),
                    )
                )
            if birth and injection.date < birth:
                raise ValidationError(
                    _(
                        "The vaccine date %(date)s is before the child's birth.",
                        date=format_date(self.env, injection.date),
                    )
                )
            if injection.vaccine == "other" and not injection.name:
                raise ValidationError(_("Please name the vaccine."))
