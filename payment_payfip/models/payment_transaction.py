import logging
import re
from datetime import timedelta

from eopayment.payfip_ws import PayFiPError, normalize_objet
from werkzeug.urls import url_join

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from .. import const

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payfip_refdet = fields.Char(
        string="PayFiP Reference",
        help="The reference of the debt sent to PayFiP (refdet): the transaction's "
        "reference, letters and digits only, 30 at most.",
        readonly=True,
        copy=False,
    )

    # === BUSINESS METHODS: the operation === #

    def _payfip_refdet(self):
        """The refdet of PayFiP: up to 30 letters and digits, from the reference."""
        self.ensure_one()
        return re.sub(r"[^A-Za-z0-9]", "", self.reference)[-30:]

    def _payfip_objet(self):
        """The objet of PayFiP: ASCII letters, digits and spaces, 100 at most."""
        self.ensure_one()
        documents = ", ".join(self.invoice_ids.mapped("name")) or self.reference
        return normalize_objet(f"{self.company_id.name} {documents}")

    def _payfip_amount_cents(self):
        self.ensure_one()
        return str(round(self.amount * 100))

    def _payfip_check_amount(self):
        self.ensure_one()
        if self.currency_id.name != "EUR":
            raise ValidationError(_("PayFiP only takes payments in euros."))
        if not self.provider_id._payfip_amount_is_valid(self.amount):
            raise ValidationError(
                _(
                    "PayFiP takes payments from %(minimum)s to %(maximum)s: "
                    "%(amount)s cannot be paid online this way.",
                    minimum=format_amount(
                        self.env, const.MINIMUM_AMOUNT, self.currency_id
                    ),
                    maximum=format_amount(
                        self.env, const.MAXIMUM_AMOUNT, self.currency_id
                    ),
                    amount=format_amount(self.env, self.amount, self.currency_id),
                )
            )

    def _get_specific_rendering_values(self, processing_values):
        """Create the PayFiP operation and send the payer to PayFiP with its idOp."""
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != "payfip":
            return res
        self._payfip_check_amount()
        email = self.partner_email or ""
        if "@" not in email or not 6 <= len(email) <= 80:
            raise ValidationError(
                _(
                    "PayFiP needs the e-mail address of the payer to send the receipt: "
                    "please fill in a valid e-mail address on your profile."
                )
            )
        base_url = self.provider_id.get_base_url()
        refdet = self._payfip_refdet()
        try:
            idop = self.provider_id._payfip_create_operation(
                exer=str(fields.Date.context_today(self).year),
                refdet=refdet,
                montant=self._payfip_amount_cents(),
                mel=email,
                objet=self._payfip_objet() or None,
                url_notification=url_join(base_url, "/payment/payfip/notification"),
                url_redirect=url_join(base_url, "/payment/payfip/return"),
            )
        except PayFiPError as error:
            _logger.warning(
                "PayFiP refused to create the operation of transaction %s: %s",
                self.reference,
                error,
            )
            raise ValidationError(
                _(
                    "PayFiP could not start the payment, please try again later "
                    "(%(error)s).",
                    error=getattr(error, "message", "") or error,
                )
            ) from error
        self.write({"provider_reference": str(idop), "payfip_refdet": refdet})
        return {"api_url": const.PAYMENT_URL, "idop": str(idop)}

    # === BUSINESS METHODS: the result === #

    def _get_tx_from_notification_data(self, provider_code, notification_data):
        tx = super()._get_tx_from_notification_data(provider_code, notification_data)
        if provider_code != "payfip" or len(tx) == 1:
            return tx
        idop = notification_data.get("idOp")
        tx = idop and self.search(
            [("provider_reference", "=", idop), ("provider_code", "=", "payfip")],
            limit=1,
        )
        if not tx:
            raise ValidationError(
                _("PayFiP: no transaction matches the operation %(idop)s.", idop=idop)
            )
        return tx

    def _process_notification_data(self, notification_data):
        """Ask PayFiP the result of the operation: the notification itself proves
        nothing (it is not signed), only recupererDetailPaiementSecurise does."""
        super()._process_notification_data(notification_data)
        if self.provider_code != "payfip":
            return
        if self.state in ("done", "cancel"):
            _logger.info(
                "PayFiP: transaction %s is already %s, notification ignored",
                self.reference,
                self.state,
            )
            return
        try:
            detail = self.provider_id._payfip_get_payment_detail(
                self.provider_reference
            )
        except PayFiPError as error:
            self._payfip_handle_no_detail(error)
            return
        self._payfip_apply_detail(detail)

    def _payfip_handle_no_detail(self, error):
        """PayFiP gave no result: wait (P5, or no answer), or give up (P1, too old)."""
        self.ensure_one()
        age = fields.Datetime.now() - self.create_date
        expired = age >= timedelta(minutes=const.PENDING_EXPIRY_MINUTES)
        if error.code == "P1" or (error.code == "P5" and expired):
            self._set_canceled(
                state_message=_(
                    "PayFiP: the payment was never made (%(code)s).", code=error.code
                )
            )
            return
        _logger.warning(
            "PayFiP gave no result for transaction %s (%s): it stays pending",
            self.reference,
            error,
        )
        self._set_pending(
            state_message=_(
                "Waiting for the result of PayFiP (%(code)s).", code=error.code
            )
        )

    def _payfip_apply_detail(self, detail):
        self.ensure_one()
        mismatches = [
            name
            for name, expected in (
                ("idOp", self.provider_reference),
                ("numcli", self.provider_id.payfip_numcli),
                ("montant", self._payfip_amount_cents()),
            )
            if str(detail[name] or "") != expected
        ]
        if self.payfip_refdet and detail.refdet != self.payfip_refdet:
            mismatches.append("refdet")
        if mismatches:
            _logger.error(
                "PayFiP: the detail of operation %s does not match transaction %s "
                "(%s): %s",
                self.provider_reference,
                self.reference,
                ", ".join(mismatches),
                {name: detail[name] for name in detail},
            )
            self._set_error(
                _(
                    "PayFiP: the payment does not match this transaction (%(fields)s); "
                    "it was not recorded.",
                    fields=", ".join(mismatches),
                )
            )
            return
        result = detail.resultrans
        if result in const.RESULT_PAID:
            self._set_done()
        elif result in const.RESULT_REFUSED:
            self._set_error(_("PayFiP: the payment was refused."))
        elif result in const.RESULT_CANCELLED:
            self._set_canceled(
                state_message=_("PayFiP: the payer cancelled the payment.")
            )
        else:
            _logger.error(
                "PayFiP: unknown result %r for transaction %s", result, self.reference
            )
            self._set_error(
                _("PayFiP: unknown result %(result)s.", result=result or "")
            )

    # === CRON === #

    @api.model
    def _cron_payfip_check_pending(self):
        """Ask PayFiP again for the transactions left waiting more than 15 minutes
        (a notification lost, a web service that did not answer)."""
        now = fields.Datetime.now()
        transactions = self.search(
            [
                ("provider_code", "=", "payfip"),
                ("state", "in", ("draft", "pending")),
                ("provider_reference", "!=", False),
                (
                    "create_date",
                    "<=",
                    now - timedelta(minutes=const.PENDING_RECHECK_MINUTES),
                ),
                ("create_date", ">=", now - timedelta(days=const.RECHECK_LIMIT_DAYS)),
            ]
        )
        for tx in transactions:
            tx._process_notification_data({"idOp": tx.provider_reference})
        return transactions
