import logging
import re

from eopayment.payfip_ws import PayFiP

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import const

_logger = logging.getLogger(__name__)

NUMCLI_RE = re.compile(r"^[0-9]{6}$")


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[("payfip", "PayFiP")], ondelete={"payfip": "set default"}
    )
    payfip_numcli = fields.Char(
        string="PayFiP Client Number",
        help="The six-digit client number (numcli) given by the DGFiP to the town.",
        required_if_provider="payfip",
        size=6,
        copy=False,
    )

    payfip_activation = fields.Boolean(
        string="PayFiP Activation Phase",
        help=(
            "The kind of operation sent to PayFiP (saisie) follows the provider's "
            "state: Test mode sends test operations (T), nothing is paid; Enabled "
            "sends real payments (W, production). Tick this box while the DGFiP "
            "checks the town's PayFiP subscription before opening production: an "
            "enabled provider then sends activation operations (X), real payments "
            "the DGFiP watches. Untick it once the DGFiP has opened production."
        ),
        copy=False,
    )

    @api.constrains("code", "payfip_numcli")
    def _check_payfip_numcli(self):
        for provider in self.filtered(lambda p: p.code == "payfip" and p.payfip_numcli):
            if not NUMCLI_RE.match(provider.payfip_numcli):
                raise ValidationError(
                    _(
                        "The PayFiP client number must be made of exactly six digits "
                        "(%(numcli)s is not).",
                        numcli=provider.payfip_numcli,
                    )
                )

    def _get_supported_currencies(self):
        """PayFiP takes euros only."""
        supported = super()._get_supported_currencies()
        if self.code == "payfip":
            supported = supported.filtered(lambda currency: currency.name == "EUR")
        return supported

    def _get_default_payment_method_codes(self):
        codes = super()._get_default_payment_method_codes()
        if self.code != "payfip":
            return codes
        return {"card"}

    @api.model
    def _get_compatible_providers(self, *args, is_validation=False, **kwargs):
        """PayFiP is not offered for amounts it refuses (below 1 EUR or above
        100,000 EUR)."""
        providers = super()._get_compatible_providers(
            *args, is_validation=is_validation, **kwargs
        )
        amount = kwargs.get("amount", args[2] if len(args) > 2 else None)
        if is_validation or amount is None or self._payfip_amount_is_valid(amount):
            return providers
        return providers.filtered(lambda provider: provider.code != "payfip")

    # === BUSINESS METHODS: the PayFiP web service === #

    def _payfip_saisie(self):
        """The kind of operation PayFiP expects: T for a test, X during the
        activation phase the DGFiP runs before production, W in production."""
        self.ensure_one()
        if self.state == "test":
            return "T"
        return "X" if self.payfip_activation else "W"

    def _payfip_service(self):
        """The SOAP client of PayFiP (eopayment's, with the WSDL it ships)."""
        return PayFiP()

    def _payfip_create_operation(self, **values):
        """Ask PayFiP for an operation (creerPaiementSecurise) and return its idOp.

        :param dict values: exer, refdet, montant (in cents), mel, objet,
            url_notification, url_redirect
        :raise eopayment.payfip_ws.PayFiPError: when PayFiP refuses or cannot be reached
        """
        self.ensure_one()
        return self._payfip_service().get_idop(
            numcli=self.payfip_numcli, saisie=self._payfip_saisie(), **values
        )

    def _payfip_get_payment_detail(self, idop):
        """Ask PayFiP the result of an operation (recupererDetailPaiementSecurise).

        This answer is the only proof of a payment: the notification PayFiP posts is not
        signed.

        :raise eopayment.payfip_ws.PayFiPError: when PayFiP answers with a fault (P5: no
            payment yet, P1: unknown operation) or cannot be reached
        """
        self.ensure_one()
        return self._payfip_service().get_info_paiement(idop)

    @api.model
    def _payfip_amount_is_valid(self, amount):
        return const.MINIMUM_AMOUNT <= amount <= const.MAXIMUM_AMOUNT
