from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import to_record_id


class FamilyHousehold(models.Model):
    """A family (foyer): the billing entity. It *is* a company-type partner
    (``_inherits``), so invoices, payments and portal access work natively; its
    responsables are contacts of it."""

    _name = "family.household"
    _description = "Household"
    _inherits = {"res.partner": "partner_id"}
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "reference desc"
    _rec_names_search = ["name", "reference", "email"]

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="restrict", auto_join=True, index=True
    )
    reference = fields.Char(
        string="File Number",
        readonly=True,
        copy=False,
        default=lambda self: _("New"),
        index=True,
    )
    responsible_partner_id = fields.Many2one(
        "res.partner",
        string="Responsable",
        tracking=True,
        help=(
            "First legal guardian: identity, address, phones, profession. Logs in with "
            "this e-mail."
        ),
    )
    spouse_partner_id = fields.Many2one("res.partner", string="Conjoint", tracking=True)
    child_ids = fields.One2many("family.child", "household_id", string="Children")
    child_count = fields.Integer(compute="_compute_child_count")
    quotient_ids = fields.One2many(
        "family.quotient", "household_id", string="Quotients"
    )
    current_quotient_id = fields.Many2one(
        "family.quotient",
        string="Quotient in Force",
        compute="_compute_current_quotient",
    )
    current_quotient = fields.Float(
        string="QF in Force", compute="_compute_current_quotient"
    )
    allowance_office = fields.Selection(
        [("caf", "CAF"), ("msa", "MSA"), ("other", "Other / none")],
        string="Family Allowance Office",
        default="caf",
    )
    allowance_number = fields.Char(string="CAF / MSA Number", tracking=True)
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    annual_revenue = fields.Monetary(string="Yearly Taxable Revenue")
    revenue_year = fields.Integer(string="Revenue of Year")
    dependent_children = fields.Integer()
    is_resident = fields.Boolean(
        string="Lives in the Town",
        default=True,
        help="Residents and non-residents may have different prices.",
    )
    authorized_person_ids = fields.One2many(
        "family.authorized.person", "household_id", string="Authorised to Pick Up"
    )
    document_ids = fields.One2many(
        "family.document", "household_id", string="Documents"
    )
    registration_ids = fields.One2many(
        "family.registration", "household_id", string="Registrations"
    )
    registration_count = fields.Integer(compute="_compute_registration_count")
    family_note = fields.Html(string="Internal Notes", groups="base.group_user")

    _sql_constraints = [
        ("reference_uniq", "unique(reference)", "This file number is already used."),
    ]

    @api.depends("child_ids")
    def _compute_child_count(self):
        for household in self:
            household.child_count = len(household.child_ids)

    def _compute_registration_count(self):
        counts = {
            household.id: count
            for household, count in self.env["family.registration"]._read_group(
                [("household_id", "in", self.ids)], ["household_id"], ["__count"]
            )
        }
        for household in self:
            household.registration_count = counts.get(household.id, 0)

    @api.depends(
        "quotient_ids.state",
        "quotient_ids.date_from",
        "quotient_ids.date_to",
        "quotient_ids.value",
    )
    def _compute_current_quotient(self):
        today = fields.Date.context_today(self)
        quotients = self._get_quotients_on(today)
        for household in self:
            quotient = quotients.get(household.id, self.env["family.quotient"])
            household.current_quotient_id = quotient
            household.current_quotient = quotient.value

    @api.constrains("dependent_children", "annual_revenue")
    def _check_fiscal_data(self):
        for household in self:
            if household.dependent_children < 0:
                raise ValidationError(
                    _("The number of dependent children cannot be negative.")
                )
            if household.annual_revenue < 0:
                raise ValidationError(_("The revenue cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("is_company", True)
            if vals.get("reference", _("New")) == _("New"):
                vals["reference"] = self.env["ir.sequence"].next_by_code(
                    "family.household"
                ) or _("New")
        households = super().create(vals_list)
        households._sync_responsables()
        return households

    def write(self, vals):
        res = super().write(vals)
        if {"responsible_partner_id", "spouse_partner_id"} & set(vals):
            self._sync_responsables()
        return res

    def unlink(self):
        # the database would delete the family's reservations by cascade (with its
        # children), behind the back of the day's places: they go through the ORM, which
        # gives their places back
        self.check_access("unlink")
        self.env["family.reservation"].sudo().with_context(active_test=False).search(
            [
                "|",
                ("household_id", "in", self.ids),
                ("child_id.household_id", "in", self.ids),
            ]
        ).unlink()
        return super().unlink()

    def _sync_responsables(self):
        """Responsables are contacts of the household partner, so their commercial
        partner is the household: that is what portal access rules and invoices rely
        on."""
        for household in self:
            responsables = (
                household.responsible_partner_id | household.spouse_partner_id
            )
            partner = household.partner_id
            responsables.filtered(
                lambda p, partner=partner: p.parent_id != partner
            ).write({"parent_id": partner.id})

    # ------------------------------------------------------------------ quotient
    def _get_quotients_on(self, day):
        """The validated quotient in force on ``day`` per household:
        {household_id: quotient}."""
        quotients = (
            self.env["family.quotient"]
            .sudo()
            .search(
                [
                    ("household_id", "in", self.ids),
                    ("state", "=", "validated"),
                    ("date_from", "<=", day),
                    ("date_to", ">=", day),
                ],
                order="date_from desc, id desc",
            )
        )
        result = {}
        for quotient in quotients:
            result.setdefault(quotient.household_id.id, quotient)
        return result

    def _get_quotient_value(self, day):
        """QF value in force on ``day``, or None when the family has no validated QF
        then."""
        self.ensure_one()
        quotient = self._get_quotients_on(day).get(self.id)
        return quotient.value if quotient else None

    # ------------------------------------------------------------------ dashboard
    def _get_request_history(self, limit=10):
        """The family's latest requests with their state, newest first, as the portal
        dashboard lists them (seed 001 "tableau de bord"): registrations, changes of the
        file, quotients, messages. Read with the caller's rights. Returns
        [{"date", "kind", "title", "state", "tone", "url"}], ``tone`` being ok / wait /
        ko / info / muted (the state is always written out, never carried by colour
        alone)."""
        self.ensure_one()
        env = self.env
        domain = [("household_id", "=", self.id)]
        order = "create_date desc, id desc"
        history = []

        def label(record, fname):
            return dict(record._fields[fname]._description_selection(env)).get(
                record[fname], ""
            )

        registration_tones = {
            "pending": "wait",
            "preregistered": "wait",
            "validated": "ok",
            "refused": "ko",
            "cancelled": "muted",
        }
        for registration in env["family.registration"].search(
            domain, order=order, limit=limit
        ):
            history.append(
                {
                    "date": registration.create_date,
                    "kind": _("Registration"),
                    "title": _(
                        "%(child)s – %(activity)s",
                        child=registration.child_id.first_name,
                        activity=registration.activity_id.name,
                    ),
                    "state": label(registration, "state"),
                    "tone": registration_tones[registration.state],
                    "url": "/my/registrations",
                }
            )
        tones = {
            "pending": "wait",
            "declared": "wait",
            "validated": "ok",
            "refused": "ko",
        }
        for change in env["family.change.request"].search(
            domain, order=order, limit=limit
        ):
            history.append(
                {
                    "date": change.create_date,
                    "kind": _("File change"),
                    "title": change.display_name,
                    "state": label(change, "state"),
                    "tone": tones[change.state],
                    "url": "/my/children/%s" % change.child_id.id
                    if change.child_id
                    else "/my/family",
                }
            )
        for quotient in env["family.quotient"].search(domain, order=order, limit=limit):
            history.append(
                {
                    "date": quotient.create_date,
                    "kind": _("Quotient familial"),
                    "title": quotient.display_name,
                    "state": label(quotient, "state"),
                    "tone": tones[quotient.state],
                    "url": "/my/family#pf-quotient",
                }
            )
        for message in env["family.message"].search(domain, order=order, limit=limit):
            if message.family_unread:
                state, tone = _("New answer"), "info"
            elif message.state == "closed":
                state, tone = _("Closed"), "muted"
            elif message.staff_unread:
                state, tone = _("Waiting for an answer"), "wait"
            else:
                state, tone = _("Answered"), "ok"
            history.append(
                {
                    "date": message.create_date,
                    "kind": _("Message"),
                    "title": message.subject,
                    "state": state,
                    "tone": tone,
                    "url": "/my/messages/%s" % message.id,
                }
            )
        history.sort(key=lambda item: item["date"], reverse=True)
        return history[:limit]

    # ------------------------------------------------------------------ billing
    def _family_invoice_domain(self):
        """The household's posted customer invoices and credit notes."""
        return [
            ("commercial_partner_id", "in", self.partner_id.ids),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]

    def _get_amount_due(self):
        """What the family still owes: the unpaid part of its posted invoices, less
        its credit notes not used yet (sudo: a parent reads the invoices through
        their followers, this sums them all)."""
        self.ensure_one()
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    *self._family_invoice_domain(),
                    ("payment_state", "not in", ("paid", "reversed")),
                ],
                [],
                ["amount_residual_signed:sum"],
            )
        )
        return groups[0][0] if groups else 0.0

    def _portal_invoices_to_pay(self, invoice_ids):
        """The household's invoices ``invoice_ids`` (ids as posted) a parent pays
        online, in sudo; refused in French when one is another family's, unknown,
        garbled, or already paid."""
        self.ensure_one()
        self.check_access("read")
        ids = {to_record_id(invoice_id) for invoice_id in invoice_ids or []}
        if None in ids:
            raise UserError(_("This invoice is not one of your family's."))
        if not ids:
            raise UserError(_("Choose at least one invoice to pay."))
        invoices_sudo = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("id", "in", list(ids)),
                    *self._family_invoice_domain(),
                    ("move_type", "=", "out_invoice"),
                ]
            )
        )
        if len(invoices_sudo) != len(ids):
            raise UserError(_("This invoice is not one of your family's."))
        for invoice in invoices_sudo:
            if invoice.payment_state in (
                "paid",
                "in_payment",
                "reversed",
            ) or invoice.currency_id.is_zero(invoice.amount_residual):
                raise UserError(
                    _("Invoice %(name)s is already paid.", name=invoice.name)
                )
        return invoices_sudo

    def _portal_invoices_to_dispute(self, invoice_ids):
        """The household's posted invoices ``invoice_ids`` (as posted) a parent
        contests, in sudo; refused in French for another family's or a garbled id."""
        self.ensure_one()
        self.check_access("read")
        ids = {to_record_id(invoice_id) for invoice_id in invoice_ids or []}
        invoices_sudo = self.env["account.move"].sudo()
        if ids and None not in ids:
            invoices_sudo = invoices_sudo.search(
                [("id", "in", list(ids)), *self._family_invoice_domain()]
            )
        if not invoices_sudo or len(invoices_sudo) != len(ids):
            raise UserError(_("This invoice is not one of your family's."))
        return invoices_sudo

    def _get_account_statement(self):
        """The account statement (seed 001 "Mon compte"): balance, amount due, the
        family's fiscal data, and per registration what was billed and paid (a day's
        billed amount counts as paid in the proportion its invoice is paid)."""
        self.ensure_one()
        self.check_access("read")
        household_sudo = self.sudo()
        Move = self.env["account.move"].sudo()
        invoices = Move.search(self._family_invoice_domain())
        out_invoices = invoices.filtered(lambda m: m.move_type == "out_invoice")
        refunds = invoices - out_invoices
        registrations = household_sudo.registration_ids.sorted(
            lambda r: (r.school_year_id.date_start or r.date_start, r.id),
            reverse=True,
        )
        rows = (
            self.env["family.reservation"]
            .sudo()
            ._read_group(
                [
                    ("registration_id", "in", registrations.ids),
                    ("invoice_line_id", "!=", False),
                ],
                ["registration_id", "invoice_line_id"],
                ["billed_amount:sum"],
            )
        )
        billed, paid = {}, {}
        for registration, line, amount in rows:
            move = line.move_id
            ratio = (
                1 - move.amount_residual / move.amount_total
                if move.amount_total and move.move_type == "out_invoice"
                else 1.0
            )
            billed[registration] = billed.get(registration, 0.0) + amount
            paid[registration] = paid.get(registration, 0.0) + amount * ratio
        currency = self.env.company.currency_id
        quotient = household_sudo.current_quotient_id
        return {
            "currency": currency,
            # the receivable's balance: positive when the family owes the town,
            # negative when it has a credit
            "balance": household_sudo.partner_id.credit,
            "amount_due": self._get_amount_due(),
            "total_billed": sum(out_invoices.mapped("amount_total"))
            - sum(refunds.mapped("amount_total")),
            "total_paid": sum(
                out_invoices.mapped(lambda m: m.amount_total - m.amount_residual)
            ),
            "quotient": quotient,
            "dependent_children": household_sudo.dependent_children,
            "annual_revenue": household_sudo.annual_revenue,
            "revenue_year": household_sudo.revenue_year,
            "lines": [
                {
                    "registration": registration,
                    "school_year": registration.school_year_id.name,
                    "child": registration.child_id.name,
                    "activity": registration.activity_id.name,
                    "billed": currency.round(billed.get(registration, 0.0)),
                    "paid": currency.round(paid.get(registration, 0.0)),
                }
                for registration in registrations
                if registration.state == "validated" or registration in billed
            ],
        }

    # ------------------------------------------------------------------ actions
    def action_view_registrations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "portail_famille.family_registration_action"
        )
        action["domain"] = [("household_id", "=", self.id)]
        action["context"] = {"default_household_id": self.id}
        return action

    def action_grant_portal_access(self):
        """Create (or re-enable) the portal login of each responsable having an
        e-mail."""
        self.check_access("write")
        wizard = (
            self.env["portal.wizard"]
            .with_context(
                active_model="res.partner",
                active_ids=(self.responsible_partner_id | self.spouse_partner_id).ids,
            )
            .create({})
        )
        for line in wizard.user_ids.filtered(
            lambda line: line.email and not line.is_portal
        ):
            line.action_grant_access()
        return True
