from datetime import date, timedelta
from urllib.parse import quote

from odoo import Command
from odoo.tests import tagged

from .test_portal_planning import LivePlanningCase


@tagged("post_install", "-at_install")
class TestPortalJourneys(LivePlanningCase):
    """The parents' journeys as browser tours in headless Chromium (static/tests/tours/
    portal_journey_tours.js), each followed by what the town's database must then
    hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.act_open = cls.env["family.activity"].create(
            {
                "name": "Atelier théâtre",
                "kind": "alsh_wednesday",
                "school_year_id": cls.live_year.id,
                "age_group": "all",
                "unit_ids": [Command.create({"name": "Séance"})],
            }
        )

    def _book(self, *days):
        """Book days for Léa as staff (the day inside the deadline needs the staff
        override)."""
        Reservation = self.env["family.reservation"].with_context(booking_override=True)
        results = Reservation._book(
            [
                {
                    "registration_id": self.reg_a1.id,
                    "unit_id": self.unit_live.id,
                    "date": day,
                }
                for day in days
            ]
        )
        self.assertFalse([result["error"] for result in results if result["error"]])
        return Reservation.browse([result["reservation"].id for result in results])

    def _start(self, url, tour, browser_size="1366x768"):
        self.browser_size = browser_size
        self.start_tour(url, tour, login=self.parent_a.login)

    def test_register_a_child(self):
        self._start("/my/registrations", "portail_famille_portal_register_child")
        registration = self.env["family.registration"].search(
            [
                ("child_id", "=", self.child_a1.id),
                ("activity_id", "=", self.act_open.id),
            ]
        )
        self.assertEqual(registration.state, "pending")
        self.assertIn("mercredi", registration.note or "")
        self.assertTrue(
            registration.activity_ids, "staff have an activity to validate it"
        )

    def _cancel_tour(self, browser_size):
        booked_open, booked_locked = self._book(self.open_day, self.locked_day)
        then = self._week_url(self.child_a1, self.open_day)
        url = "%s&reason=%s&then=%s" % (
            self._week_url(self.child_a1, self.locked_day),
            quote("ferment 6 jours avant"),
            quote(then, safe=""),
        )
        self._start(url, "portail_famille_portal_cancel", browser_size)
        self.assertEqual(
            booked_open.state, "cancelled", "cancelled before the deadline"
        )
        self.assertEqual(
            booked_locked.state,
            "reserved",
            "the day past the deadline cannot be cancelled",
        )

    def test_cancel_before_the_deadline_refused_after_it(self):
        self._cancel_tour("1366x768")

    def test_declare_an_absence_with_a_certificate(self):
        booked = self._book(self.open_day)
        self._start(
            "/my/absences?day=%s" % self.open_day.isoformat(),
            "portail_famille_portal_absence",
        )
        absence = self.env["family.absence"].search(
            [("child_id", "=", self.child_a1.id)]
        )
        self.assertEqual(
            (absence.date_from, absence.date_to, absence.reason),
            (self.open_day, self.open_day, "illness"),
        )
        self.assertTrue(absence.certificate)
        self.assertEqual(booked.absence_id, absence)
        self.assertIn(booked.state, ("absent_justified", "absent_unjustified"))

    def test_send_a_message_with_an_attachment(self):
        self._start("/my/messages", "portail_famille_portal_message")
        message = self.env["family.message"].search(
            [("household_id", "=", self.household_a.id)]
        )
        self.assertEqual(
            (message.subject, message.service, message.theme),
            ("Régime sans porc", "alae", "information"),
        )
        attachments = message.sudo().message_ids.attachment_ids
        self.assertEqual(attachments.mapped("name"), ["attestation.pdf"])
        self.assertEqual(attachments.mimetype, "application/pdf")
        self.assertTrue(
            self.env["mail.mail"].search(
                [("model", "=", "family.message"), ("res_id", "=", message.id)]
            ),
            "the family's e-mail confirmation is queued",
        )

    def test_edit_the_health_sheet(self):
        self._start(
            "/my/children/%s" % self.child_a1.id, "portail_famille_portal_health_sheet"
        )
        sheet = self.child_a1.health_sheet_id
        self.assertEqual(
            (sheet.doctor_name, sheet.doctor_phone, sheet.allergies),
            ("Dr Bernard", "05 61 22 33 44", "Arachide, kiwi"),
        )

    def test_days_are_placed_for_the_tours(self):
        """The tours rely on a bookable day three weeks ahead and a booked day inside
        the 6-day deadline."""
        today = date.today()
        self.assertGreater(self.open_day - today, timedelta(days=6))
        self.assertLessEqual(self.locked_day - today, timedelta(days=6))
        self.assertIn(
            self.open_day, self.act_live._get_open_dates(self.open_day, self.open_day)
        )
