from . import report_registration_attestation
