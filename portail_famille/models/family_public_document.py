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

    @api.model
    def _get_published(self, limit=None, offset=0, document_id=None):
        """The documents the town publishes (or the one of ``document_id`` if it is),
        for every visitor of the website (sudo: a visitor may not read the model;
        only the published ones, of which the pages show the title, category and
        date, and serve the file)."""
        domain = [("is_published", "=", True)]
        if document_id is not None:
            if not 0 < document_id < 2**31:  # PostgreSQL's integer
                return self.browse()
            domain.append(("id", "=", document_id))
        return self.sudo().search(domain, limit=limit, offset=offset)

    @api.model
    def _count_published(self):
        return self.sudo().search_count([("is_published", "=", True)])
