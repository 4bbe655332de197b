from odoo import api, models


class AccountBankingMandate(models.Model):
    """OCA's SEPA direct-debit mandate (account_banking_mandate): a household signs one
    for the bank account its invoices are debited from; staff create and validate it
    from the household's form. Its bank account must be a real IBAN.

    The mandate drives the household's customer payment mode: validating it puts the
    household on the company's direct-debit mode (unless it is on a direct-debit mode
    already), cancelling it or its expiry, with no other valid mandate left, takes the
    household off it (back to the company's default mode), so that the next billing
    run's invoices are debited, or not."""

    _inherit = "account.banking.mandate"

    @api.constrains("partner_bank_id")
    def _check_mandate_iban(self):
        self.filtered(lambda mandate: mandate.format == "sepa").mapped(
            "partner_bank_id"
        )._check_sepa_iban()

    @api.model_create_multi
    def create(self, vals_list):
        mandates = super().create(vals_list)
        mandates.filtered(lambda mandate: mandate.state == "valid")._sync_households()
        return mandates

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals or "partner_bank_id" in vals:
            self._sync_households()
        return result

    def _sync_households(self):
        """Set or remove the direct-debit payment mode of the households of these
        mandates, per company, from whether a valid mandate is left."""
        partners = self.partner_id.commercial_partner_id
        if not partners:
            return
        # sudo: whoever validates a mandate (an accountant) sets the household's
        # payment mode, a field of its partner
        households = (
            self.env["family.household"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids)])
        )
        if not households:
            return
        for company in self.company_id:
            # computed for the current company, without depending on it: read afresh
            self.env["res.partner"].invalidate_model(["valid_mandate_id"])
            sepa_mode = company._family_direct_debit_mode()
            for household in households:
                partner = household.partner_id.with_company(company)
                debited = partner.customer_payment_mode_id.payment_method_id
                if partner.valid_mandate_id:
                    if not debited.mandate_required and sepa_mode:
                        partner.customer_payment_mode_id = sepa_mode
                elif debited.mandate_required:
                    # back to the company's default mode
                    field = partner._fields["customer_payment_mode_id"]
                    default = field.get_company_dependent_fallback(partner)
                    partner.customer_payment_mode_id = (
                        False if default.payment_method_id.mandate_required else default
                    )
