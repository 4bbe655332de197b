# PayFiP's payment page: the payer is sent there with the idOp of the operation.
PAYMENT_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"

# PayFiP accepts amounts from 1 to 100,000 euros.
MINIMUM_AMOUNT = 1.0
MAXIMUM_AMOUNT = 100000.0

# The idOp of an operation is valid for 15 minutes: a transaction still waiting after
# that is asked again to PayFiP by the cron.
PENDING_RECHECK_MINUTES = 15
# PayFiP answers P5 ("no payment yet") while the payer may still pay, and P1 ("unknown
# operation") once its nightly cleaning forgot the idOp: past this delay, P5 means the
# payment will never happen.
PENDING_EXPIRY_MINUTES = 120
# Transactions older than this are no longer re-queried.
RECHECK_LIMIT_DAYS = 4

# resultrans of recupererDetailPaiementSecurise
RESULT_PAID = ("P", "V")  # paid by card, paid by direct debit
RESULT_REFUSED = ("R", "Z")  # refused card payment, refused direct debit
RESULT_CANCELLED = ("A",)  # abandoned by the payer
