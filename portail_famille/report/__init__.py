from . import (
    report_child_sheet,
    report_childcare_attestation,
    report_payment_attestation,
    report_registration_attestation,
)
