from freezegun import freeze_time

from odoo.exceptions import ValidationError

from .test_reservation import ReservationCommon


class TestFrenchMessages(ReservationCommon):
    """Bad input is refused with a French message naming the day and the reason, for a
    parent whose portal runs in French (the demo town's language)."""

    def test_foundation_rules_speak_french(self):
        Quotient = self.env["family.quotient"].with_context(lang="fr_FR")
        with self.assertRaisesRegex(ValidationError, "ne peut pas être négatif"):
            Quotient.create(
                {
                    "household_id": self.household_a.id,
                    "value": -5,
                    "date_from": "2026-01-01",
                    "date_to": "2026-12-31",
                    "proof": b"JVBERi0=",
                    "proof_filename": "a.pdf",
                }
            )
        Child = self.env["family.child"].with_context(lang="fr_FR")
        with self.assertRaisesRegex(ValidationError, "est dans le futur"):
            Child.create(
                {
                    "first_name": "Futur",
                    "last_name": "Bébé",
                    "birth_date": "2099-01-01",
                    "household_id": self.household_a.id,
                }
            )

    @freeze_time("2025-11-03")
    def test_booking_refusals_speak_french_and_name_the_day(self):
        Cart = (
            self.env["family.booking.cart"]
            .with_user(self.parent_a)
            .with_context(lang="fr_FR")
        )
        cart = Cart._get_for_household(self.household_a.with_user(self.parent_a))
        closed, late = cart.add_bookings(
            [
                {
                    "registration_id": self.reg_a1_resto.id,
                    "unit_id": self.unit_meal.id,
                    "date": "2025-11-11",
                },
                {
                    "registration_id": self.reg_a1_wed.id,
                    "unit_id": self.unit_wed.id,
                    "date": "2025-11-05",
                },
            ]
        )
        self.assertIn("mar. 11/11/2025", closed["error"])
        self.assertIn("est fermé ce jour-là", closed["error"])
        self.assertIn("mer. 05/11/2025", late["error"])
        self.assertIn("ferment 6 jours avant", late["error"])
