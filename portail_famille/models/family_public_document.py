import base64

from odoo import api, fields, models

from .family_upload_mixin import check_upload


class FamilyPublicDocument(models.Model):
    """A document the town offers to every family on the portal: menus, rules, forms."""

    _name = "family.public.document"
    _description = "Public Document"
    _order = "sequence, date desc, id desc"

    name = fields.Char(string="Title", required=True, translate=True)
    category = fields.Selection(
        [("menu", "Menus"), ("rules", "Rules"), ("form", "Forms"), ("other", "Other")],
        required=True,
        default="other",
    )
    file = fields.Binary(required=True, attachment=True)
    file_name = fields.Char()
    date = fields.Date(default=fields.Date.context_today, required=True)
    sequence = fields.Integer(default=10)
    is_published = fields.Boolean(string="Published", default=True)

    @api.constrains("file", "file_name")
    def _check_file(self):
        for document in self.with_context(bin_size=False):
            check_upload(
                base64.b64decode(document.file or b""), document.file_name, env=self.env
            )
