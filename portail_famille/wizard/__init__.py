from . import (
    family_attestation_wizard,
    family_counter_booking,
    family_period_import_wizard,
    family_refusal_wizard,
)
