from . import family_attestation_wizard, family_refusal_wizard
