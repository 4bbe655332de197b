from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class FamilyTariff(models.Model):
    """One bracket of a unit's tariff grid: price for families whose QF is in
    [qf_min, qf_max)."""

    _name = "family.tariff"
    _description = "Tariff Bracket"
    _order = "unit_id, residence, qf_min"

    unit_id = fields.Many2one(
        "family.activity.unit", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(
        string="Tariff Name",
        required=True,
        help="Shown to families, e.g. CENTRE DE LOISIRS DEMI-JOURNEE",
    )
    residence = fields.Selection(
        [
            ("any", "Any residence"),
            ("resident", "Residents"),
            ("non_resident", "Non-residents"),
        ],
        required=True,
        default="any",
    )
    qf_min = fields.Float(string="QF From", digits=(10, 2), help="Included.")
    qf_max = fields.Float(
        string="QF Up To", digits=(10, 2), help="Excluded; 0 for no upper limit."
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    price = fields.Monetary(required=True)

    @api.constrains("qf_min", "qf_max", "price")
    def _check_values(self):
        for tariff in self:
            if tariff.price < 0:
                raise ValidationError(_("A price cannot be negative."))
            if tariff.qf_min < 0:
                raise ValidationError(_("A quotient bracket cannot start below 0."))
            if tariff.qf_max and tariff.qf_max <= tariff.qf_min:
                raise ValidationError(
                    _(
                        "The quotient bracket %(min)s – %(max)s is empty: its upper "
                        "bound must be above its lower bound.",
                        min=tariff.qf_min,
                        max=tariff.qf_max,
                    )
                )

    @api.constrains("unit_id", "residence", "qf_min", "qf_max")
    def _check_unit_overlap(self):
        # the unit's constraint only runs when its tariff_ids are written: check
        # brackets edited directly too
        self.unit_id._check_tariff_overlap()

    @api.depends("name", "qf_min", "qf_max")
    def _compute_display_name(self):
        for tariff in self:
            bracket = (
                _("QF %(min)s – %(max)s", min=tariff.qf_min, max=tariff.qf_max)
                if tariff.qf_max
                else _("QF ≥ %(min)s", min=tariff.qf_min)
            )
            tariff.display_name = "%s (%s)" % (tariff.name, bracket)
