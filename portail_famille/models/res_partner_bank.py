from odoo import _, api, models
from odoo.exceptions import ValidationError


class ResPartnerBank(models.Model):
    """A household's bank account is debited through a SEPA mandate: it must be a real
    IBAN (Odoo's base_iban only formats the IBANs it recognises and accepts any other
    account number)."""

    _inherit = "res.partner.bank"

    @api.constrains("acc_number", "partner_id")
    def _check_household_iban(self):
        households = (
            self.env["family.household"]
            .sudo()
            .search([("partner_id", "in", self.partner_id.ids)])
        )
        self.filtered(
            lambda bank: bank.partner_id in households.partner_id
        )._check_sepa_iban()

    def _check_sepa_iban(self):
        """Refuse, in the user's words, an account number that is not a valid IBAN."""
        for bank in self:
            if not self.check_iban(bank.acc_number or ""):
                raise ValidationError(
                    _(
                        "The IBAN %(iban)s is not valid: check it against the bank "
                        "details (RIB). A French IBAN has 27 characters, such as "
                        "FR76 3000 6000 0112 3456 7890 189.",
                        iban=bank.acc_number or "",
                    )
                )
