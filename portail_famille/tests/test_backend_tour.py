from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBackendTour(HttpCase):
    """The backend works in a real browser: an agent validates a pending registration
    from the "Registrations to validate" menu (tour
    portail_famille_registration_validation)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        year = env["family.school.year"].create(
            {
                "name": "2080/2081",
                "date_start": "2080-09-01",
                "date_end": "2081-08-31",
                "zone": "C",
            }
        )
        activity = env["family.activity"].create(
            {
                "name": "ALAE Tour",
                "kind": "alae_morning",
                "school_year_id": year.id,
                "age_group": "elementaire",
                "unit_ids": [Command.create({"name": "Matin"})],
            }
        )
        household = env["family.household"].create({"name": "Famille TOURTEST"})
        child = env["family.child"].create(
            {
                "first_name": "Tourtest",
                "last_name": "Enfant",
                "birth_date": "2018-04-12",
                "household_id": household.id,
                "class_level": "cp",
            }
        )
        cls.registration = env["family.registration"].create(
            {
                "child_id": child.id,
                "activity_id": activity.id,
                "date_start": "2080-09-01",
                "date_end": "2081-07-03",
            }
        )

    def test_registration_validation_tour(self):
        self.assertEqual(self.registration.state, "pending")
        self.start_tour(
            "/odoo", "portail_famille_registration_validation", login="admin"
        )
        self.registration.invalidate_recordset()
        self.assertEqual(self.registration.state, "validated")
        self.assertEqual(
            self.registration.validated_by_id, self.env.ref("base.user_admin")
        )
