from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class FamilyAbsence(models.Model):
    """An absence declared by the family (or staff) for a child over dates: the booked
    days become absent, justified when a certificate is attached. Which absent days are
    still invoiced is the activity's setting (``absence_billing``). The certificate is
    health data: only the health staff and the family read it (the field's groups);
    other staff see whether the absence is justified."""

    _name = "family.absence"
    _description = "Absence"
    _inherit = ["mail.thread", "family.upload.mixin"]
    _order = "date_from desc, id desc"
    _family_upload_fields = {"certificate": "certificate_filename"}

    child_id = fields.Many2one(
        "family.child", required=True, ondelete="cascade", index=True, tracking=True
    )
    household_id = fields.Many2one(
        related="child_id.household_id", store=True, index=True
    )
    date_from = fields.Date(string="From", required=True, tracking=True)
    date_to = fields.Date(string="To", required=True, tracking=True)
    reason = fields.Selection(
        [
            ("illness", "Illness"),
            ("family", "Family reason"),
            ("school", "School outing"),
            ("other", "Other"),
        ],
        required=True,
        default="illness",
        tracking=True,
    )
    comment = fields.Text()
    certificate = fields.Binary(
        attachment=True, groups="portail_famille.group_family_health,base.group_portal"
    )
    certificate_filename = fields.Char(
        groups="portail_famille.group_family_health,base.group_portal"
    )
    justified = fields.Boolean(
        compute="_compute_justified",
        store=True,
        readonly=False,
        tracking=True,
        help="Justified absences are not invoiced unless the activity says otherwise.",
    )
    reservation_ids = fields.One2many("family.reservation", "absence_id", string="Days")

    @api.depends("certificate")
    def _compute_justified(self):
        for absence in self:
            absence.justified = bool(absence.certificate)

    @api.constrains("date_from", "date_to")
    def _check_values(self):
        for absence in self:
            if absence.date_to < absence.date_from:
                raise ValidationError(_("The absence must end after it starts."))
            if (absence.date_to - absence.date_from).days > 366:
                raise ValidationError(_("An absence cannot last more than a year."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.user._is_internal():
            for vals in vals_list:
                vals.pop("justified", None)  # the certificate decides for families
        absences = super().create(vals_list)
        absences._apply_to_reservations()
        return absences

    def write(self, vals):
        if not self.env.user._is_internal() and "justified" in vals:
            raise UserError(
                _("Only the town's staff can decide whether an absence is justified.")
            )
        res = super().write(vals)
        if {"date_from", "date_to", "child_id", "justified", "certificate"} & set(vals):
            self._apply_to_reservations()
        return res

    @api.model
    def _portal_declare(self, child, vals):
        """A parent declares an absence of ``child`` (of their own family). Only the
        fields a family fills in are kept; whether it is justified follows the
        certificate."""
        child.ensure_one()
        child.check_access("read")
        allowed = (
            "date_from",
            "date_to",
            "reason",
            "comment",
            "certificate",
            "certificate_filename",
        )
        values = {fname: vals[fname] for fname in allowed if fname in vals}
        values["comment"] = (values.get("comment") or "").strip()[:2000]
        # sudo: parents have no create right; the create still applies the family rules
        # (self.env.user)
        return self.sudo().create({**values, "child_id": child.id}).with_env(self.env)

    def _apply_to_reservations(self):
        """Mark the child's booked days of the period absent (justified or not)."""
        Reservation = self.env["family.reservation"].sudo()
        for absence in self:
            reservations = Reservation.search(
                [
                    ("child_id", "=", absence.child_id.id),
                    ("date", ">=", absence.date_from),
                    ("date", "<=", absence.date_to),
                    (
                        "state",
                        "in",
                        ("reserved", "absent_justified", "absent_unjustified"),
                    ),
                    # staff may still justify an invoiced day: the next billing run
                    # credits it
                    *(
                        []
                        if self.env.user._is_internal()
                        else [("invoiced", "=", False)]
                    ),
                ]
            )
            reservations.write(
                {
                    "state": "absent_justified"
                    if absence.justified
                    else "absent_unjustified",
                    "absence_id": absence.id,
                }
            )
        return True

    def unlink(self):
        # the absent days are booked again; a day cancelled since then stays cancelled
        self.env["family.reservation"].sudo().search(
            [
                ("absence_id", "in", self.ids),
                ("invoiced", "=", False),
                ("state", "in", ("absent_justified", "absent_unjustified")),
            ]
        ).write({"state": "reserved", "absence_id": False})
        return super().unlink()

    @api.depends("child_id", "date_from", "date_to")
    def _compute_display_name(self):
        for absence in self:
            absence.display_name = _(
                "%(child)s absent %(start)s – %(end)s",
                child=absence.child_id.name,
                start=absence.date_from,
                end=absence.date_to,
            )
