from datetime import date

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
        file, children to add, quotients, messages. Read with the caller's rights.
        Returns [{"date", "kind", "title", "state", "tone", "url"}], ``tone`` being ok /
        wait / ko / info / muted (the state is always written out, never carried by
        colour alone)."""
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
        for child_request in env["family.child.request"].search(
            domain, order=order, limit=limit
        ):
            history.append(
                {
                    "date": child_request.create_date,
                    "kind": _("Child to add"),
                    "title": child_request.display_name,
                    "state": label(child_request, "state"),
                    "tone": tones[child_request.state],
                    "url": "/my/family",
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

    def _direct_debit_invoices(self):
        """The household's open invoices the town collects by direct debit (sudo): the
        portal shows when they are debited instead of asking to pay them."""
        self.ensure_one()
        invoices_sudo = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    *self._family_invoice_domain(),
                    ("move_type", "=", "out_invoice"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("mandate_id", "!=", False),
                ],
                order="invoice_date, id",
            )
        )
        return invoices_sudo.filtered(lambda invoice: invoice._family_direct_debited())

    def _get_amount_to_pay(self):
        """(what the family pays itself, what will be debited): the amount due split
        between the invoices to pay and those collected by direct debit."""
        self.ensure_one()
        debited = sum(self._direct_debit_invoices().mapped("amount_residual"))
        return max(self._get_amount_due() - debited, 0.0), debited

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
            if invoice._family_direct_debited():
                raise UserError(invoice._family_direct_debit_refusal())
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

    # ------------------------------------------------------------------ attestations
    @api.model
    def _check_attestation_year(self, year):
        """``year`` (a number, or its digits from a URL or a form) as a year of the
        town's books that has begun, or a French refusal."""
        text = str(year).strip() if isinstance(year, int | str) else ""
        current = fields.Date.context_today(self).year
        if not text.isdigit() or not 2000 <= int(text) <= current:
            raise UserError(
                _(
                    "Choose a year between 2000 and %(year)s for an attestation.",
                    year=current,
                )
            )
        return int(text)

    def _payment_attestation_values(self, year):
        """What the household was invoiced in ``year`` (invoices and credit notes, what
        is paid and what is still due of each) and the payments received from it in
        that year."""
        self.ensure_one()
        date_from, date_to = date(year, 1, 1), date(year, 12, 31)
        # sudo: agents print attestations without reading the journals
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", self.partner_id.id),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("invoice_date", ">=", date_from),
                    ("invoice_date", "<=", date_to),
                ],
                order="invoice_date, id",
            )
        )
        payments = (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.partner_id.id),
                    ("partner_type", "=", "customer"),
                    ("payment_type", "=", "inbound"),
                    ("state", "in", ("in_process", "paid")),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                order="date, id",
            )
        )
        billed = sum(moves.mapped("amount_total_signed"))
        due = sum(moves.mapped("amount_residual_signed"))
        return {
            "household": self,
            "year": year,
            "company": self.env.company,
            "currency": self.env.company.currency_id,
            "moves": moves,
            "payments": payments,
            "total_billed": billed,
            "total_due": due,
            "total_paid": billed - due,
            "total_received": sum(payments.mapped("amount_company_currency_signed")),
        }

    def _attestation_overview(self):
        """[{year, children}] of the years the household was invoiced, the latest
        first, with the children of each year having a childcare costs attestation
        (under 6 on 1 January, with childcare invoiced that year)."""
        self.ensure_one()
        self.check_access("read")
        # sudo: parents and agents read the attestations, not the journals
        Move = self.env["account.move"].sudo()
        groups = Move._read_group(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
            ],
            ["invoice_date:year"],
        )
        childcare = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("family_child_id", "in", self.child_ids.ids),
                    ("family_activity_id.childcare_tax_credit", "=", True),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "=", "out_invoice"),
                ],
                ["invoice_date:year", "family_child_id"],
            )
        )
        current = fields.Date.context_today(self).year
        overview = []
        for (year_start,) in sorted(groups, reverse=True):
            year = year_start and year_start.year
            if not year or not 2000 <= year <= current:
                continue
            billed = {
                child.id
                for child_year, child in childcare
                if child_year and child_year.year == year
            }
            children = self.child_ids.filtered(
                lambda child, year=year, billed=billed: child.id in billed
                and child._is_childcare_attestation_child(year)
            )
            overview.append({"year": year, "children": children})
        return overview

    def _portal_payment_attestation(self, year):
        """(PDF, file name) of the household's payment attestation for ``year``, for
        its own parents (and the staff)."""
        self.ensure_one()
        self.check_access("read")
        year = self._check_attestation_year(year)
        # sudo: parents may not read report actions; the household was checked above
        pdf, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "portail_famille.action_report_payment_attestation",
                self.ids,
                data={"year": year},
            )
        )
        return pdf, _("payment-attestation-%(year)s.pdf", year=year)

    def action_open_attestation_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Print attestations"),
            "res_model": "family.attestation.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_household_id": self.id},
        }
