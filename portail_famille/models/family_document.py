import base64

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.mimetypes import guess_mimetype

MAX_UPLOAD_SIZE = 6 * 1024 * 1024  # 6 MB, as the town's rules say
ALLOWED_MIMETYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}


def check_upload(content, filename):
    """Raise a ValidationError unless ``content`` (raw bytes) is an allowed file of at most 6 MB.
    The real type is read from the bytes, not from the file name."""
    if not content:
        raise ValidationError(_("The file %(name)s is empty.", name=filename or ""))
    if len(content) > MAX_UPLOAD_SIZE:
        raise ValidationError(_(
            "The file %(name)s is %(size).1f MB: the maximum is 6 MB.",
            name=filename or "", size=len(content) / 1024 / 1024,
        ))
    mimetype = guess_mimetype(content)
    if mimetype not in ALLOWED_MIMETYPES:
        raise ValidationError(_(
            "The file %(name)s is not a PDF, JPEG or PNG document.", name=filename or ""
        ))
    return mimetype


class FamilyDocument(models.Model):
    _name = "family.document"
    _description = "Family Document"
    _order = "date desc, id desc"

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

    @api.model
    def _portal_upload(self, household, vals):
        """A parent sends a document of their own ``household`` (about one of its children, or the family)."""
        household.ensure_one()
        household.check_access("read")
        child = vals.get("child_id") and household.child_ids.filtered(lambda c: c.id == vals["child_id"])
        if vals.get("child_id") and not child:
            raise ValidationError(_("A document can only concern a child of the family."))
        values = {fname: vals[fname] for fname in ("document_type", "file", "file_name") if fname in vals}
        values["name"] = (vals.get("name") or "").strip()[:200] or values.get("file_name") or _("Document")
        # sudo: parents have no create right
        return self.sudo().create({
            **values, "household_id": household.id, "child_id": child.id if child else False,
        }).with_env(self.env)

    @api.depends("file")
    def _compute_mimetype(self):
        for document in self.with_context(bin_size=False):
            content = base64.b64decode(document.file or b"")
            document.mimetype = guess_mimetype(content) if content else False

    @api.constrains("file", "file_name")
    def _check_file(self):
        for document in self.with_context(bin_size=False):
            check_upload(base64.b64decode(document.file or b""), document.file_name)

    @api.constrains("child_id", "household_id")
    def _check_child(self):
        for document in self:
            if document.child_id and document.child_id.household_id != document.household_id:
                raise ValidationError(_("A document can only concern a child of the family."))
