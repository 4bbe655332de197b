from . import family_refusal_wizard
