import logging
import pprint

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)


class PayfipController(http.Controller):
    _notification_url = "/payment/payfip/notification"
    _return_url = "/payment/payfip/return"

    @http.route(
        _notification_url, type="http", auth="public", methods=["POST"], csrf=False
    )
    def payfip_notification(self, **data):
        """PayFiP posts idOp here once the payer is done. The post is not signed: it
        only tells which operation to ask PayFiP about
        (recupererDetailPaiementSecurise).

        :return: an empty answer; 404 for an operation that matches no transaction
        """
        _logger.info("PayFiP notification:\n%s", pprint.pformat(data))
        return self._payfip_handle(data.get("idOp")) or ""

    @http.route(
        _return_url,
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
    )
    def payfip_return(self, **data):
        """The payer comes back from PayFiP (with ?idop=…): ask PayFiP the result,
        then show the payment status page."""
        _logger.info("PayFiP return:\n%s", pprint.pformat(data))
        refusal = self._payfip_handle(data.get("idop") or data.get("idOp"))
        return refusal or request.redirect("/payment/status")

    @staticmethod
    def _payfip_handle(idop):
        """Update the transaction of idOp from PayFiP's answer.

        :return: None, or a 404 answer when idOp matches no transaction
        """
        try:
            request.env["payment.transaction"].sudo()._handle_notification_data(
                "payfip", {"idOp": idop}
            )
        except ValidationError as error:
            _logger.warning("PayFiP: refused notification for idOp %r: %s", idop, error)
            return request.make_response(
                error.args[0],
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=404,
            )
        return None
