from itertools import pairwise

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class FamilyActivityUnit(models.Model):
    """A unit (modality) a parent books for a day, e.g. "Après-midi AVEC repas";
    invoiced via its product."""

    _name = "family.activity.unit"
    _description = "Activity Unit"
    _order = "activity_id, sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    activity_id = fields.Many2one(
        "family.activity", required=True, ondelete="cascade", index=True
    )
    school_year_id = fields.Many2one(related="activity_id.school_year_id", store=True)
    product_id = fields.Many2one(
        "product.product",
        string="Invoicing Product",
        ondelete="restrict",
        domain=[("type", "=", "service")],
        help="Created automatically when left empty.",
    )
    capacity = fields.Integer(
        string="Places per Day", help="0: only the activity's limit applies."
    )
    tariff_ids = fields.One2many(
        "family.tariff", "unit_id", string="Tariffs", copy=True
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "capacity_positive",
            "CHECK(capacity >= 0)",
            "The number of places cannot be negative.",
        ),
    ]

    @api.depends("name", "activity_id.name")
    def _compute_display_name(self):
        for unit in self:
            unit.display_name = (
                "%s – %s" % (unit.activity_id.name, unit.name)
                if unit.activity_id
                else unit.name
            )

    @api.model_create_multi
    def create(self, vals_list):
        units = super().create(vals_list)
        without_product = units.filtered(lambda u: not u.product_id)
        if without_product:
            products = (
                self.env["product.product"]
                .sudo()
                .create(
                    [
                        {
                            "name": unit.display_name,
                            "type": "service",
                            "sale_ok": True,
                            "purchase_ok": False,
                        }
                        for unit in without_product
                    ]
                )
            )
            for unit, product in zip(without_product, products, strict=False):
                unit.product_id = product
        return units

    def write(self, vals):
        result = super().write(vals)
        if "capacity" in vals:
            # bookings made while the unit had no limit count from now on: the limit
            # applies to them too
            self.env["family.activity.place"].sudo()._recount_activities(
                self.activity_id
            )
        return result

    @api.constrains("tariff_ids")
    def _check_tariff_overlap(self):
        for unit in self:
            by_residence = {}
            for tariff in unit.tariff_ids:
                by_residence.setdefault(tariff.residence, []).append(tariff)
            for tariffs in by_residence.values():
                tariffs.sort(key=lambda t: t.qf_min)
                for low, high in pairwise(tariffs):
                    if not low.qf_max or low.qf_max > high.qf_min:
                        raise ValidationError(
                            _(
                                "The tariff brackets %(a)s and %(b)s of %(unit)s "
                                "overlap.",
                                a=low.display_name,
                                b=high.display_name,
                                unit=unit.display_name,
                            )
                        )

    def _get_tariff(self, household, day):
        """The tariff line that prices this unit for ``household`` on ``day``.

        The family's validated QF in force that day picks the bracket
        (``qf_min <= QF < qf_max``); a family without a validated QF pays the highest
        bracket. Lines for the family's residence (inside/outside the town) win over
        lines for any residence."""
        self.ensure_one()
        return self._get_tariff_for(
            household.is_resident, household._get_quotient_value(day)
        )

    def _get_tariff_for(self, is_resident, qf):
        """The tariff line for a family living in the town or not, with quotient ``qf``
        (None: no QF)."""
        self.ensure_one()
        residence = "resident" if is_resident else "non_resident"
        tariffs = self.tariff_ids.filtered(
            lambda t: t.residence == residence
        ) or self.tariff_ids.filtered(lambda t: t.residence == "any")
        if not tariffs:
            raise UserError(
                _(
                    "No tariff is set for %(unit)s: please contact the town.",
                    unit=self.display_name,
                )
            )
        if qf is None:
            return tariffs.sorted("qf_min")[-1]
        for tariff in tariffs.sorted("qf_min"):
            if tariff.qf_min <= qf and (not tariff.qf_max or qf < tariff.qf_max):
                return tariff
        raise UserError(
            _(
                "No tariff of %(unit)s covers a quotient of %(qf)s: please contact the "
                "town.",
                unit=self.display_name,
                qf=qf,
            )
        )
