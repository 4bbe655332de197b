from odoo import api, models


class AccountBankingMandate(models.Model):
    """OCA's SEPA direct-debit mandate (account_banking_mandate): a household signs one
    for the bank account its invoices are debited from; staff create and validate it
    from the household's form. Its bank account must be a real IBAN."""

    _inherit = "account.banking.mandate"

    @api.constrains("partner_bank_id")
    def _check_mandate_iban(self):
        self.filtered(lambda mandate: mandate.format == "sepa").mapped(
            "partner_bank_id"
        )._check_sepa_iban()
