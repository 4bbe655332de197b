from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """A payment done for an invoice whose held days were freed meanwhile (the
        payment delay of an immediate payment passed): Odoo records the payment, which
        finds nothing to pay and stays as the family's credit; the billing service is
        told. (A payment in time pays the invoice, whose hook confirms the days.)"""
        result = super()._post_process()
        for tx in self.filtered(lambda t: t.state == "done"):
            tx.invoice_ids.filtered(
                lambda move: move.family_hold_state == "released"
            ).sudo()._family_hold_late_payment(tx)
        return result
