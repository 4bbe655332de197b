from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from .family_upload_mixin import IMAGE_TYPES

CLASS_LEVELS = [
    ("ps", "PS (petite section)"),
    ("ms", "MS (moyenne section)"),
    ("gs", "GS (grande section)"),
    ("cp", "CP"),
    ("ce1", "CE1"),
    ("ce2", "CE2"),
    ("cm1", "CM1"),
    ("cm2", "CM2"),
]
AGE_GROUPS = [
    ("early_childhood", "Early childhood"),
    ("maternelle", "Maternelle"),
    ("elementaire", "Élémentaire"),
]
MATERNELLE = ("ps", "ms", "gs")
PORTAL_WRITABLE_FIELDS = ("image_rights_consent", "image_rights_date", "image_1920")


class FamilyChild(models.Model):
    _name = "family.child"
    _description = "Child"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "image.mixin",
        "family.upload.mixin",
    ]
    _order = "household_id, birth_date, id"
    # the photo, and the stored sizes of it that a write could set directly (the portal
    # shows image_128)
    _family_upload_fields = dict.fromkeys(
        ("image_1920", "image_1024", "image_512", "image_256", "image_128")
    )
    _family_upload_types = IMAGE_TYPES

    name = fields.Char(compute="_compute_name", store=True, index="trigram")
    first_name = fields.Char(required=True, tracking=True)
    last_name = fields.Char(required=True, tracking=True)
    household_id = fields.Many2one(
        "family.household", required=True, ondelete="cascade", index=True, tracking=True
    )
    birth_date = fields.Date(required=True, tracking=True)
    age = fields.Integer(compute="_compute_age")
    gender = fields.Selection([("girl", "Girl"), ("boy", "Boy")])
    school_id = fields.Many2one(
        "family.site", domain=[("kind", "=", "school")], tracking=True
    )
    class_level = fields.Selection(CLASS_LEVELS, tracking=True)
    age_group = fields.Selection(
        AGE_GROUPS, compute="_compute_age_group", store=True, index=True
    )
    image_rights_consent = fields.Boolean(
        string="Image Rights",
        tracking=True,
        help="The family allows photos of the child in the town's publications.",
    )
    image_rights_date = fields.Date(string="Consent Given On")
    health_sheet_id = fields.Many2one(
        "family.health.sheet",
        compute="_compute_health_sheet_id",
        groups="portail_famille.group_family_health,base.group_portal",
    )
    registration_ids = fields.One2many(
        "family.registration", "child_id", string="Registrations"
    )
    active = fields.Boolean(default=True)

    @api.depends("first_name", "last_name")
    def _compute_name(self):
        for child in self:
            child.name = " ".join(
                p for p in (child.first_name, (child.last_name or "").upper()) if p
            )

    @api.depends("birth_date")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for child in self:
            child.age = (
                relativedelta(today, child.birth_date).years if child.birth_date else 0
            )

    @api.depends("class_level")
    def _compute_age_group(self):
        for child in self:
            if child.class_level in MATERNELLE:
                child.age_group = "maternelle"
            elif child.class_level:
                child.age_group = "elementaire"
            else:
                child.age_group = "early_childhood"

    def _compute_health_sheet_id(self):
        sheets = self.env["family.health.sheet"].search([("child_id", "in", self.ids)])
        by_child = {sheet.child_id.id: sheet for sheet in sheets}
        for child in self:
            child.health_sheet_id = by_child.get(child.id, False)

    @api.model
    def _birth_date_bounds(self):
        """(earliest, latest) birth date a child of the town's services may have today:
        not in the future, less than 25 years ago."""
        today = fields.Date.context_today(self)
        return today - relativedelta(years=25), today

    @api.constrains("birth_date")
    def _check_birth_date(self):
        earliest, latest = self._birth_date_bounds()
        for child in self:
            if child.birth_date > latest:
                raise ValidationError(
                    _(
                        "The birth date of %(child)s (%(date)s) is in the future.",
                        child=child.name,
                        date=format_date(self.env, child.birth_date),
                    )
                )
            if child.birth_date < earliest:
                raise ValidationError(
                    _(
                        "The birth date of %(child)s (%(date)s) is more than 25 years "
                        "ago.",
                        child=child.name,
                        date=format_date(self.env, child.birth_date),
                    )
                )

    @api.onchange("image_rights_consent")
    def _onchange_image_rights_consent(self):
        self.image_rights_date = (
            fields.Date.context_today(self) if self.image_rights_consent else False
        )

    @api.model_create_multi
    def create(self, vals_list):
        today = fields.Date.context_today(self)
        for vals in vals_list:
            if vals.get("image_rights_consent") and not vals.get("image_rights_date"):
                vals["image_rights_date"] = today
        children = super().create(vals_list)
        # every child has a health sheet, created empty; only the health group and the
        # family see it
        self.env["family.health.sheet"].sudo().create(
            [{"child_id": child.id} for child in children]
        )
        return children

    def write(self, vals):
        # a parent's own changes go through family.change.request._submit(): identity,
        # birth date, school and class are validated by staff first, whatever the route
        # a portal session finds
        if (
            self.env.user.share
            and not self.env.su
            and set(vals) - set(PORTAL_WRITABLE_FIELDS)
        ):
            raise AccessError(
                _(
                    "The identity, school and class of a child are changed by the "
                    "town's staff: ask for the change from your family file."
                )
            )
        if "image_rights_consent" in vals and "image_rights_date" not in vals:
            vals["image_rights_date"] = (
                fields.Date.context_today(self)
                if vals["image_rights_consent"]
                else False
            )
        return super().write(vals)

    def unlink(self):
        # the database would delete the child's reservations by cascade, behind the back
        # of the day's places: they go through the ORM, which gives their places back
        # (to the waiting list first)
        self.check_access("unlink")
        self.env["family.reservation"].sudo().search(
            [("child_id", "in", self.ids)]
        ).unlink()
        return super().unlink()

    def _get_offered_activities(self):
        """Activities this child can be registered to today from the portal: right age
        group, school year not over, registration window open, and no active
        registration to them yet."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        activities = self.env["family.activity"].search(
            [("school_year_id.date_end", ">=", today)]
        )
        registered = self.registration_ids.filtered(
            lambda r: r.state in ("pending", "preregistered", "validated")
        ).activity_id
        return activities.filtered(
            lambda a: a._accepts_child(self)
            and a._is_registration_open(today)
            and a not in registered
        ).sorted(lambda a: (a.school_year_id.date_start, a.name))

    def action_open_health_sheet(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "family.health.sheet",
            "view_mode": "form",
            "res_id": self.health_sheet_id.id,
            "name": _("Health sheet of %(child)s", child=self.name),
        }

    # ------------------------------------------------------------------ attestations
    def _is_childcare_attestation_child(self, year):
        """Under 6 on 1 January of ``year``, as the childcare tax credit counts it
        (born on or after 1 January six years before)."""
        self.ensure_one()
        return bool(self.birth_date) and self.birth_date >= date(year - 6, 1, 1)

    def _childcare_attestation_values(self, year):
        """The child's childcare costs of ``year``: per activity counted for the tax
        credit (not meals), what was invoiced in the year (less the credit notes) and
        what of it is paid, each invoice's lines paid in proportion of the invoice."""
        self.ensure_one()
        # sudo: agents print attestations without reading the journals
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("family_child_id", "=", self.id),
                    ("family_activity_id.childcare_tax_credit", "=", True),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                    ("move_id.invoice_date", ">=", date(year, 1, 1)),
                    ("move_id.invoice_date", "<=", date(year, 12, 31)),
                ],
                order="family_activity_id, id",
            )
        )
        currency = self.env.company.currency_id
        activities = {}
        for line in lines:
            move = line.move_id
            sign = -1 if move.move_type == "out_refund" else 1
            paid_ratio = (
                1 - move.amount_residual / move.amount_total if move.amount_total else 1
            )
            totals = activities.setdefault(
                line.family_activity_id, {"billed": 0.0, "paid": 0.0}
            )
            totals["billed"] += sign * line.price_subtotal
            totals["paid"] += sign * line.price_subtotal * paid_ratio
        rows = [
            {
                "activity": activity,
                "billed": currency.round(totals["billed"]),
                "paid": currency.round(totals["paid"]),
            }
            for activity, totals in activities.items()
        ]
        return {
            "child": self,
            "year": year,
            "company": self.env.company,
            "currency": currency,
            "rows": rows,
            "total_billed": currency.round(sum(row["billed"] for row in rows)),
            "total_paid": currency.round(sum(row["paid"] for row in rows)),
        }

    def _check_childcare_attestation(self, year):
        for child in self:
            if not child._is_childcare_attestation_child(year):
                raise UserError(
                    _(
                        "No childcare attestation for %(child)s in %(year)s: the "
                        "childcare tax credit is for children under 6 on 1 January.",
                        child=child.name,
                        year=year,
                    )
                )

    def _portal_child_sheet(self, without_health=False):
        """(PDF, file name) of the child sheet (seed 003, "fiche enfant simple ou
        complète") for the child's own parents: with the health sheet, or without it
        when ``without_health``."""
        self.ensure_one()
        self.check_access("read")
        # sudo: parents may not read report actions; the child was checked above as
        # theirs, whose health sheet they read
        pdf, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "portail_famille.action_report_child_sheet",
                self.ids,
                data={"without_health": bool(without_health)},
            )
        )
        return pdf, _("child-sheet-%(child)s.pdf", child=self.first_name)

    def _portal_childcare_attestation(self, year):
        """(PDF, file name) of the child's childcare-costs attestation of ``year``
        (tax credit), for the child's own parents (and the staff)."""
        self.ensure_one()
        self.check_access("read")
        year = self.env["family.household"]._check_attestation_year(year)
        self._check_childcare_attestation(year)
        # sudo: parents may not read report actions; the child was checked above
        pdf, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "portail_famille.action_report_childcare_attestation",
                self.ids,
                data={"year": year},
            )
        )
        return pdf, _(
            "childcare-attestation-%(year)s-%(child)s.pdf",
            year=year,
            child=self.first_name,
        )
