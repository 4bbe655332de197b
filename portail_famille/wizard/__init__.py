from . import family_attestation_wizard, family_counter_booking, family_refusal_wizard
