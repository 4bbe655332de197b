from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


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

    # ------------------------------------------------------------------ direct debit
    # SEPA direct debit with OCA's bank-payment addons: the household (a partner) has
    # its bank accounts, its mandates (account.banking.mandate) and its customer
    # payment mode (account_payment_partner, per company); staff run them from the
    # household's form, parents read them on /my/direct-debit.

    def _is_direct_debit(self, company=None):
        """True when the household's invoices are collected by SEPA direct debit: its
        customer payment mode is a direct debit and it has a valid mandate. Hook for the
        portal's payment pages: such a household is not prompted to pay by card."""
        self.ensure_one()
        partner = self.sudo().partner_id.with_company(company or self.env.company)
        return bool(
            partner.customer_payment_mode_id.payment_method_id.mandate_required
            and partner.valid_mandate_id
        )

    def _direct_debit_move_vals(self, move_type, company):
        """The payment mode and mandate of a new invoice of the household (values for
        account.move.create): set for a household on direct debit, so that the invoice
        is collected by the next debit order."""
        self.ensure_one()
        if move_type != "out_invoice" or not self._is_direct_debit(company):
            return {}
        partner = self.sudo().partner_id.with_company(company)
        return {
            "payment_mode_id": partner.customer_payment_mode_id.id,
            "mandate_id": partner.valid_mandate_id.id,
        }

    @staticmethod
    def _mask_iban(acc_number):
        """An IBAN as the portal shows it: the country and check digits and the last
        three characters, the rest hidden."""
        iban = (acc_number or "").replace(" ", "")
        if len(iban) < 8:
            return "•" * len(iban)
        return "%s •••• •••• %s" % (iban[:4], iban[-3:])

    def _get_direct_debit_values(self):
        """What the parent's page "Mes prélèvements" shows, read for the household of
        the caller (who must be able to read it): the mandate in force or the latest
        one (reference, masked IBAN, signature date, state), whether the invoices are
        debited, the open invoices to be debited with their due dates, and whether a
        request for a mandate is waiting at the billing service."""
        self.ensure_one()
        self.check_access("read")
        # sudo: parents do not read mandates, bank accounts nor invoices' payment
        # modes; what is shown is the household's own
        household_sudo = self.sudo()
        partner_sudo = household_sudo.partner_id.with_company(self.env.company)
        mandates_sudo = (
            self.env["account.banking.mandate"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner_sudo.id),
                    ("company_id", "=", self.env.company.id),
                ],
                order="signature_date desc, id desc",
            )
        )
        mandate_sudo = partner_sudo.valid_mandate_id or mandates_sudo[:1]
        states = dict(mandate_sudo._fields["state"]._description_selection(self.env))
        mandate = None
        if mandate_sudo:
            mandate = {
                "reference": mandate_sudo.unique_mandate_reference,
                "iban": self._mask_iban(mandate_sudo.partner_bank_id.acc_number),
                "signature_date": mandate_sudo.signature_date,
                "state": mandate_sudo.state,
                "state_label": states.get(mandate_sudo.state, ""),
            }
        invoices_sudo = self.env["account.move"]
        if mandate_sudo.state == "valid":
            invoices_sudo = (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("partner_id", "=", partner_sudo.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("payment_state", "in", ("not_paid", "partial")),
                        ("mandate_id", "!=", False),
                        ("company_id", "=", self.env.company.id),
                    ],
                    order="invoice_date_due, id",
                )
            )
        return {
            "mandate": mandate,
            "is_direct_debit": self._is_direct_debit(),
            "schedule": [
                {
                    "name": invoice.name,
                    "date_due": invoice.invoice_date_due,
                    "amount": invoice.amount_residual,
                    "currency": invoice.currency_id,
                }
                for invoice in invoices_sudo
            ],
            "request_pending": bool(self._direct_debit_open_request()),
        }

    def _direct_debit_open_request(self):
        return (
            self.env["family.message"]
            .sudo()
            .search(
                [
                    ("household_id", "=", self.id),
                    ("service", "=", "billing"),
                    ("state", "=", "open"),
                    ("subject", "=", _("Request for a direct debit mandate")),
                ],
                limit=1,
            )
        )

    def _portal_request_direct_debit(self, note=""):
        """A parent asks to pay by direct debit: a message to the billing service,
        which sends the mandate to sign. Refused when the household already pays by
        direct debit or a request is already waiting."""
        self.ensure_one()
        self.check_access("read")
        if self._is_direct_debit():
            raise UserError(_("Your invoices are already paid by direct debit."))
        if self._direct_debit_open_request():
            raise UserError(
                _(
                    "Your request for a direct debit mandate is already with the "
                    "billing service: it will answer you in your messages."
                )
            )
        body = _(
            "We would like to pay our invoices by SEPA direct debit: please send us "
            "the mandate to sign."
        )
        note = (note or "").strip()[:2000]
        if note:
            body = "%s\n\n%s" % (body, note)
        return self.env["family.message"]._portal_create(
            self,
            "billing",
            "change",
            _("Request for a direct debit mandate"),
            body,
            [],
        )

    # ------------------------------------------------------------------ actions
    def action_view_mandates(self):
        """The household's SEPA mandates (OCA's list), a new one for its partner."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_banking_mandate.mandate_action"
        )
        action["domain"] = [("partner_id", "=", self.partner_id.id)]
        action["context"] = {
            "default_partner_id": self.partner_id.id,
            "search_default_partner_id": self.partner_id.id,
        }
        return action

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
