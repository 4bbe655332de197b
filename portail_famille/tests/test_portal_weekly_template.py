import html
import re
from datetime import timedelta

from odoo.tests import tagged

from .test_portal_planning import LivePlanningCase


@tagged("post_install", "-at_install")
class TestPortalWeeklyTemplate(LivePlanningCase):
    """The parent's semaine type (/my/weekly-template): the preview of the days a
    pattern books, with the engine's locks, and the days put into the recap."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # open_day is booked already, the Wednesday after it is closed
        cls.env["family.reservation"]._book(
            [
                {
                    "registration_id": cls.reg_a1.id,
                    "unit_id": cls.unit_live.id,
                    "date": cls.open_day,
                    "waiting_list": False,
                }
            ],
            raise_on_error=True,
        )
        cls.closed_day = cls.open_day + timedelta(days=7)
        cls.env["family.closure"].create(
            {
                "name": "Fermeture (tests)",
                "school_year_id": cls.live_year.id,
                "date_start": cls.closed_day,
                "date_end": cls.closed_day,
            }
        )
        cls.pattern = {
            "registration_id": cls.reg_a1.id,
            "day_2": cls.unit_live.id,
            "date_from": cls.locked_day.isoformat(),
            "date_to": (cls.open_day + timedelta(days=14)).isoformat(),
        }

    def _preview(self, **changes):
        params = "&".join(
            "%s=%s" % item for item in {**self.pattern, **changes, "preview": 1}.items()
        )
        return self.url_open("/my/weekly-template?%s" % params)

    @staticmethod
    def _statuses(html):
        """{date (ISO): status} of the preview's rows."""
        return {
            re.search(r'data-date="([0-9-]+)"', row).group(1): re.search(
                r'data-status="(\w+)"', row
            ).group(1)
            for row in re.findall(r"<tr [^>]*data-status=[^>]*>", html)
        }

    def _cart_lines(self):
        return (
            self.env["family.booking.cart"]
            .search([("household_id", "=", self.household_a.id)])
            .line_ids
        )

    def test_preview_then_recap_books_exactly_the_free_days(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self._preview()
        self.assertEqual(page.status_code, 200, page.text[:2000])
        statuses = self._statuses(page.text)
        wednesdays = {
            self.locked_day + timedelta(days=7 * n)
            for n in range(7)
            if self.locked_day + timedelta(days=7 * n)
            <= self.open_day + timedelta(days=14)
        }
        self.assertEqual(set(statuses), {day.isoformat() for day in wednesdays})
        self.assertEqual(statuses[self.locked_day.isoformat()], "locked")
        self.assertEqual(statuses[self.open_day.isoformat()], "booked")
        self.assertEqual(statuses[self.closed_day.isoformat()], "closed")
        self.assertEqual(
            statuses[(self.open_day - timedelta(days=7)).isoformat()], "new"
        )
        self.assertEqual(
            statuses[(self.open_day + timedelta(days=14)).isoformat()], "new"
        )
        self.assertIn("<title>Semaine type", page.text)
        # in French, each lock with its reason written out
        for label in (
            "Déjà réservé",
            "Fermé",
            "Verrouillé",
            "Ajouter au récapitulatif",
        ):
            self.assertIn(label, page.text)
        self.assertFalse(self._cart_lines(), "a preview adds nothing")

        response = self._post("/my/weekly-template", self.pattern)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/my/recap"), response.url)
        lines = self._cart_lines()
        self.assertEqual(
            {line.date.isoformat() for line in lines},
            {day for day, status in statuses.items() if status == "new"},
        )
        self.assertEqual(lines.registration_id, self.reg_a1)
        self.assertEqual(lines.unit_id, self.unit_live)
        self.assertEqual(set(lines.mapped("operation")), {"book"})
        self.assertFalse(
            self.env["family.reservation"].search(
                [("child_id", "=", self.child_a1.id), ("date", "!=", self.open_day)]
            ),
            "nothing is booked before Terminer",
        )
        # the preview now says those days are in the recap
        statuses = self._statuses(self._preview().text)
        self.assertEqual(
            {day for day, status in statuses.items() if status == "in_recap"},
            {line.date.isoformat() for line in lines},
        )
        # "Terminer" books them as any other recap line
        days = set(lines.mapped("date"))
        self._post("/my/recap/confirm", {}, csrf_from="/my/recap")
        booked = self.env["family.reservation"].search(
            [("child_id", "=", self.child_a1.id), ("state", "=", "reserved")]
        )
        self.assertEqual(set(booked.mapped("date")), days | {self.open_day})

    def _fill(self, day):
        """The activity's 2 places of ``day`` taken by two other children."""
        self.env["family.reservation"]._book(
            [
                {
                    "registration_id": registration.id,
                    "unit_id": self.unit_live.id,
                    "date": day,
                    "waiting_list": False,
                }
                for registration in (self.reg_a2, self.reg_b1)
            ],
            raise_on_error=True,
        )

    def test_a_full_day_is_shown_full_and_left_out(self):
        full_day = self.open_day + timedelta(days=14)
        self._fill(full_day)
        self.authenticate(self.parent_a.login, self.parent_a.login)
        statuses = self._statuses(self._preview().text)
        self.assertEqual(statuses[full_day.isoformat()], "full")
        self._post("/my/weekly-template", self.pattern)
        self.assertNotIn(full_day, self._cart_lines().mapped("date"))
        self.assertTrue(self._cart_lines())

    def test_a_full_day_can_be_asked_on_the_waiting_list(self):
        """As ticking a full day of the planning: the preview offers the waiting list
        for the full days; asked, they go to the recap as waiting-list requests (free
        until a place is given), and "Terminer" puts the child on the list."""
        full_day = self.open_day + timedelta(days=14)
        self._fill(full_day)
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self._preview()
        self.assertEqual(self._statuses(page.text)[full_day.isoformat()], "full")
        text = html.unescape(page.text)
        self.assertIn("Vous pouvez demander la liste d'attente", text)
        box = re.search(r'<input[^>]*name="waiting_list"[^>]*>', page.text).group(0)
        self.assertNotIn("checked", box)
        self.assertIn("Demander aussi la liste d'attente pour les jours complets", text)

        response = self._post(
            "/my/weekly-template", {**self.pattern, "waiting_list": "1"}
        )
        self.assertTrue(response.url.endswith("/my/recap"), response.url)
        lines = self._cart_lines()
        waiting = lines.filtered(lambda line: line.date == full_day)
        self.assertEqual(len(waiting), 1)
        self.assertTrue(waiting.waiting_list)
        self.assertEqual(waiting.amount, 0, "free until a place is given")
        others = lines - waiting
        self.assertTrue(others)
        self.assertFalse(any(others.mapped("waiting_list")))
        self.assertIn("liste d'attente", html.unescape(response.text).lower())

        days = lines.mapped("date")
        self._post("/my/recap/confirm", {}, csrf_from="/my/recap")
        states = {
            reservation.date: reservation.state
            for reservation in self.env["family.reservation"].search(
                [("child_id", "=", self.child_a1.id), ("date", "in", days)]
            )
        }
        self.assertEqual(set(states), set(days))
        self.assertEqual(states.pop(full_day), "waiting")
        self.assertEqual(set(states.values()), {"reserved"})

    def test_only_full_days_left_asks_to_tick_the_waiting_list(self):
        full_day = self.open_day + timedelta(days=14)
        self._fill(full_day)
        self.authenticate(self.parent_a.login, self.parent_a.login)
        pattern = {
            **self.pattern,
            "date_from": full_day.isoformat(),
            "date_to": full_day.isoformat(),
        }
        page = self._preview(
            **{k: v for k, v in pattern.items() if k.startswith("date")}
        )
        self.assertIn('name="waiting_list"', page.text, "the form is offered")
        response = self._post("/my/weekly-template", pattern)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Tous les jours restants sont complets", response.text)
        self.assertFalse(self._cart_lines())
        response = self._post("/my/weekly-template", {**pattern, "waiting_list": "1"})
        self.assertTrue(response.url.endswith("/my/recap"), response.url)
        self.assertEqual(self._cart_lines().mapped("waiting_list"), [True])

    def test_bad_input_is_told_in_french_and_kept(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self._preview(date_to="2999-99-99", day_2="abc")
        self.assertEqual(page.status_code, 400)
        self.assertIn("Indiquez une date valide.", page.text)
        self.assertIn("Choisissez une unité de la liste.", page.text)
        self.assertIn('value="%s"' % self.pattern["date_from"], page.text)
        # outside the registration
        far = (self.live_year.date_end + timedelta(days=30)).isoformat()
        page = self._preview(date_to=far)
        self.assertEqual(page.status_code, 400)
        self.assertIn("Choisissez un jour", page.text)
        self.assertFalse(self._cart_lines())

    def test_another_family_registration_is_refused_cleanly(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        other = {**self.pattern, "registration_id": self.reg_b1.id}
        page = self._preview(registration_id=self.reg_b1.id)
        self.assertEqual(page.status_code, 400)
        message = "Choisissez une des inscriptions validées de vos enfants."
        self.assertIn(message, page.text)
        self.assertNotIn(self.child_b1.first_name, page.text)
        self.assertNotIn("data-status=", page.text)
        response = self._post("/my/weekly-template", other)
        self.assertEqual(response.status_code, 400)
        self.assertIn(message, response.text)
        self.assertNotIn(self.child_b1.first_name, response.text)
        self.assertFalse(self._cart_lines())
        self.assertFalse(
            self.env["family.booking.cart"]
            .search([("household_id", "=", self.household_b.id)])
            .line_ids
        )
