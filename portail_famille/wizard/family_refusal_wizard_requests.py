from odoo import fields, models


class FamilyRefusalWizard(models.TransientModel):
    """The refusal reason of a child addition request too."""

    _inherit = "family.refusal.wizard"

    res_model = fields.Selection(
        selection_add=[
            ("family.child.request", "Child addition"),
        ],
        ondelete={
            "family.child.request": "cascade",
        },
    )
