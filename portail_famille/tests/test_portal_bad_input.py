from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError

from .test_reservation import ReservationCommon


class TestRecapBadRequests(ReservationCommon):
    """add_bookings and add_cancellations are public: a parent may call them by RPC with anything. Each line
    that cannot be read is refused with its reason in French, naming the day when there is one; the good lines
    are still added."""

    def _cart(self):
        return self.env["family.booking.cart"].with_user(self.parent_a)._get_for_household(
            self.household_a.with_user(self.parent_a))

    @freeze_time("2025-11-03")
    def test_add_bookings_refuses_malformed_lines_one_by_one(self):
        cart = self._cart()
        good = {"registration_id": self.reg_a1_wed.id, "unit_id": self.unit_wed.id, "date": "2025-11-19"}
        results = cart.add_bookings([
            {"unit_id": self.unit_wed.id},                                 # no registration, no date
            {"registration_id": self.reg_a2_wed.id, "date": "2025-11-19"},  # no unit
            {**good, "date": "2027-13-45"},
            {**good, "date": "0001-01-01"},
            {**good, "date": "9999-12-31"},
            {**good, "date": 45},
            {**good, "date": ["2025-11-19"]},
            {**good, "unit_id": "abc"},
            {**good, "unit_id": 2**31},
            {**good, "registration_id": [self.reg_a1_wed.id]},
            {**good, "registration_id": self.reg_b1_wed.id},
            {**good, "registration_id": True},
            42,
            None,
            good,
            {**good, "registration_id": str(self.reg_a2_wed.id), "waiting_list": "yes"},  # digits are an id
        ])
        errors = [result["error"] for result in results]
        self.assertEqual(errors[0], "Un jour à réserver n'a pas de date.")
        self.assertIn("mer. 19/11/2025 : cette prestation n'appartient pas à CL Mercredis", errors[1])
        self.assertEqual(errors[2], "2027-13-45 n'est pas une date valide.")
        self.assertEqual(errors[3], "0001-01-01 n'est pas une date valide.")
        self.assertEqual(errors[4], "9999-12-31 n'est pas une date valide.")
        self.assertEqual(errors[5], "45 n'est pas une date valide.")
        self.assertIn("n'est pas une date valide", errors[6])
        for error in errors[7:9]:
            self.assertIn("mer. 19/11/2025 : cette prestation n'appartient pas à", error)
        for error in errors[9:12]:
            self.assertEqual(error, "mer. 19/11/2025 : l'enfant n'est pas inscrit à cette activité.")
        self.assertEqual(errors[12:14], ["Un jour à réserver n'a pas de date."] * 2)
        self.assertEqual(errors[14:], [None, None])
        self.assertEqual(cart.line_ids.mapped("child_id"), self.child_a1 | self.child_a2)
        self.assertEqual(cart.line_ids.filtered(lambda line: line.child_id == self.child_a2).waiting_list, True)

        # the portal's single tick raises the line's reason, and the recap loses nothing
        for request in ({"unit_id": self.unit_wed.id}, {**good, "unit_id": "abc", "date": "2025-11-26"}):
            with self.assertRaises(ValidationError):
                cart.add_bookings([request], raise_on_error=True)
        self.assertEqual(cart.line_count, 2)
        for requests in (None, "2025-11-19", {"registration_id": self.reg_a1_wed.id}, 12):
            with self.assertRaisesRegex(UserError, "Les jours à réserver doivent être envoyés sous forme de liste"):
                cart.add_bookings(requests)
        self.assertEqual(cart.line_count, 2)

    @freeze_time("2025-11-03")
    def test_add_cancellations_refuses_what_is_not_the_familys(self):
        own = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)["reservation"]
        other = self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_b)["reservation"]
        cart = self._cart()
        missing = self.Reservation.search([], order="id desc", limit=1).id + 1000
        results = cart.add_cancellations([other.id, missing, 2**31, "abc", None, str(own.id)])
        refused = "Cette réservation n'appartient pas à votre famille."
        self.assertEqual(results, {other.id: refused, missing: refused, str(2**31): refused, "abc": refused,
                                   "None": refused, own.id: None})
        self.assertEqual(cart.line_ids.reservation_id, own)
        self.assertNotIn("19/11/2025", refused)  # nothing said about the other family's day

        # a recordset of the other family, as the parent's own code could pass it
        results = cart.add_cancellations(other.with_user(self.parent_a))
        self.assertEqual(results, {other.id: refused})
        with self.assertRaisesRegex(ValidationError, refused):
            cart.add_cancellations([other.id], raise_on_error=True)
        with self.assertRaisesRegex(UserError, "Seules des réservations peuvent être annulées"):
            cart.add_cancellations(self.reg_a1_wed)
        self.assertEqual(cart.line_ids.reservation_id, own)
        self.assertEqual((own | other).mapped("state"), ["reserved", "reserved"])
