from odoo import _, api, fields, models
from odoo.exceptions import UserError


class FamilyAttestationWizard(models.TransientModel):
    """Prints a household's attestations of a year: the childcare costs attestation of
    each child under 6 (tax credit) or the payment attestation."""

    _name = "family.attestation.wizard"
    _description = "Print Attestations"

    household_id = fields.Many2one("family.household", required=True)
    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year - 1,
    )
    kind = fields.Selection(
        [
            ("childcare", "Childcare costs (tax credit)"),
            ("payment", "Payments"),
        ],
        string="Attestation",
        required=True,
        default="childcare",
    )
    child_ids = fields.Many2many(
        "family.child",
        string="Children",
        compute="_compute_child_ids",
        help="The children under 6 on 1 January of the year.",
    )

    @api.depends("household_id", "year")
    def _compute_child_ids(self):
        for wizard in self:
            wizard.child_ids = wizard.household_id.child_ids.filtered(
                lambda child, year=wizard.year: year
                and child._is_childcare_attestation_child(year)
            )

    def action_print(self):
        self.ensure_one()
        year = self.household_id._check_attestation_year(self.year)
        if self.kind == "payment":
            return self.env.ref(
                "portail_famille.action_report_payment_attestation"
            ).report_action(self.household_id, data={"year": year})
        if not self.child_ids:
            raise UserError(
                _(
                    "No child of %(household)s was under 6 on 1 January %(year)s: "
                    "there is no childcare costs attestation to print.",
                    household=self.household_id.name,
                    year=year,
                )
            )
        return self.env.ref(
            "portail_famille.action_report_childcare_attestation"
        ).report_action(self.child_ids, data={"year": year})
