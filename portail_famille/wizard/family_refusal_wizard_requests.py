from odoo import fields, models


class FamilyRefusalWizard(models.TransientModel):
    """The refusal reason of a child addition request and of a new family's
    pre-registration too."""

    _inherit = "family.refusal.wizard"

    res_model = fields.Selection(
        selection_add=[
            ("family.child.request", "Child addition"),
            ("family.preregistration", "Pre-registration"),
        ],
        ondelete={
            "family.child.request": "cascade",
            "family.preregistration": "cascade",
        },
    )
