import base64

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.mimetypes import guess_mimetype

HEALTH_DOCUMENT_TYPES = ("medical", "vaccination")


class FamilyDocument(models.Model):
    """A document of the family file. The file of a medical certificate or a vaccination
    record is health data: it is kept in ``health_file``, which only the health staff
    and the family read (the field's groups; Odoo applies them to /web/content,
    /web/image, RPC reads and exports, and to the attachment holding the file). Other
    staff see that the document exists (name, type, date), not its content."""

    _name = "family.document"
    _description = "Family Document"
    _inherit = ["family.upload.mixin"]
    _order = "date desc, id desc"
    _family_upload_fields = {"file": "file_name", "health_file": "file_name"}

    name = fields.Char(required=True)
    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True
    )
    child_id = fields.Many2one(
        "family.child",
        domain="[('household_id', '=', household_id)]",
        ondelete="cascade",
    )
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
    file = fields.Binary(
        attachment=True, help="The file of any document but a health one."
    )
    health_file = fields.Binary(
        string="File (health data)",
        attachment=True,
        groups="portail_famille.group_family_health,base.group_portal",
        help=(
            "The file of a medical certificate or a vaccination record: health staff "
            "and the family only."
        ),
    )
    file_name = fields.Char()
    mimetype = fields.Char(compute="_compute_mimetype", store=True)
    date = fields.Date(default=fields.Date.context_today, required=True)
    expiry_date = fields.Date(string="Valid Until")

    @api.model
    def _portal_upload(self, household, vals):
        """A parent sends a document of their own ``household`` (about one of its
        children, or the family)."""
        household.ensure_one()
        household.check_access("read")
        values = {
            fname: vals[fname]
            for fname in ("document_type", "file", "file_name")
            if fname in vals
        }
        values["name"] = (
            (vals.get("name") or "").strip()[:200]
            or values.get("file_name")
            or _("Document")
        )
        # sudo: parents have no create right
        return (
            self.sudo()
            .create(
                {
                    **values,
                    "household_id": household.id,
                    # another family's child is refused by _check_child
                    "child_id": vals.get("child_id") or False,
                }
            )
            .with_env(self.env)
        )

    @api.depends("file", "health_file")
    def _compute_mimetype(self):
        for document in self.with_context(bin_size=False):
            content = base64.b64decode(document.file or document.health_file or b"")
            document.mimetype = guess_mimetype(content) if content else False

    @api.constrains("file", "health_file")
    def _check_file(self):
        # sudo: whether the health file is set, only
        for document in self.sudo().with_context(bin_size=True):
            if not document.file and not document.health_file:
                raise ValidationError(
                    _("Attach the file of the document %(name)s.", name=document.name)
                )

    @api.constrains("child_id", "household_id")
    def _check_child(self):
        for document in self:
            if (
                document.child_id
                and document.child_id.household_id != document.household_id
            ):
                raise ValidationError(
                    _("A document can only concern a child of the family.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a document without any file meets _check_file
            vals.setdefault("file", False)
        documents = super().create(vals_list)
        documents._sort_health_files()
        return documents

    def write(self, vals):
        res = super().write(vals)
        if {"file", "health_file", "document_type"} & set(vals):
            self._sort_health_files()
        return res

    def _sort_health_files(self):
        """Keep the file of a health document in ``health_file`` and any other
        document's in ``file``, whatever field it was written to (the portal writes
        ``file``): the attachment holding it changes field."""
        health = self.filtered(
            lambda document: document.document_type in HEALTH_DOCUMENT_TYPES
        )
        Attachment = self.env["ir.attachment"].sudo()
        for documents, source, target in (
            (health, "file", "health_file"),
            (self - health, "health_file", "file"),
        ):
            if not documents:
                continue
            moving = Attachment.search(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", source),
                    ("res_id", "in", documents.ids),
                ]
            )
            if not moving:
                continue
            Attachment.search(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", target),
                    ("res_id", "in", moving.mapped("res_id")),
                ]
            ).unlink()
            moving.write({"res_field": target})
        self.invalidate_recordset(["file", "health_file"])
