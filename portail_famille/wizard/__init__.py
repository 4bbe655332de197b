from . import (
    family_attestation_wizard,
    family_counter_booking,
    family_period_import_wizard,
    family_refusal_wizard,
)
from . import family_refusal_wizard_requests  # isort: skip (extends the one above)
