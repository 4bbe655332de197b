from . import (
    report_childcare_attestation,
    report_payment_attestation,
    report_registration_attestation,
)
