import base64

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.mimetypes import guess_mimetype

# the portal controller imports the upload rule from here
from .family_upload_mixin import check_upload  # noqa: F401  # pylint: disable=unused-import


class FamilyDocument(models.Model):
    _name = "family.document"
    _description = "Family Document"
    _inherit = ["family.upload.mixin"]
    _order = "date desc, id desc"
    _family_upload_fields = {"file": "file_name"}

    name = fields.Char(required=True)
    household_id = fields.Many2one("family.household", required=True, ondelete="cascade", index=True)
    child_id = fields.Many2one("family.child", domain="[('household_id', '=', household_id)]", ondelete="cascade")
    document_type = fields.Selection(
        [
            ("proof_of_address", "Proof of address"),
            ("rules_signed", "Signed rules / information sheet"),
            ("judgment", "Judgment"),
            ("allowance_certificate", "CAF / MSA certificate"),
            ("vaccination", "Vaccination record"),
            ("medical", "Medical certificate"),
            ("other", "Other"),
        ],
        string="Type",
        required=True,
        default="other",
    )
    file = fields.Binary(required=True, attachment=True)
    file_name = fields.Char()
    mimetype = fields.Char(compute="_compute_mimetype", store=True)
    date = fields.Date(default=fields.Date.context_today, required=True)
    expiry_date = fields.Date(string="Valid Until")

    @api.depends("file")
    def _compute_mimetype(self):
        for document in self.with_context(bin_size=False):
            content = base64.b64decode(document.file or b"")
            document.mimetype = guess_mimetype(content) if content else False

    @api.constrains("child_id", "household_id")
    def _check_child(self):
        for document in self:
            if document.child_id and document.child_id.household_id != document.household_id:
                raise ValidationError(_("A document can only concern a child of the family."))
