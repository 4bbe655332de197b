import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, tagged

from ..tools import FieldValidationError
from .common import FamilyCommon, assert_error_summary


@tagged("post_install", "-at_install")
class TestWishedDates(FamilyCommon):
    """Seed 001: a parent's registration request gives "les dates d'inscription
    souhaitées", which are the registration's period (staff may change it), kept in
    the chatter, and where validation starts the bookings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.act_evening = cls.env["family.activity"].create(
            {
                "name": "Garderie du soir",
                "kind": "alae_evening_1",
                "school_year_id": cls.year.id,
                "age_group": "all",
                "book_whole_year": True,
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Soir",
                            "tariff_ids": [
                                Command.create({"name": "GARDERIE", "price": 0.9})
                            ],
                        }
                    )
                ],
            }
        )

    def _request(self, activity, child=None, **dates):
        Registration = self.env["family.registration"].with_user(self.parent_a)
        return Registration._portal_request(
            (child or self.child_a1).with_user(self.parent_a),
            activity,
            "",
            **{fname: date.fromisoformat(day) for fname, day in dates.items()},
        )

    def _field_errors(self, activity, child=None, **dates):
        with self.assertRaises(FieldValidationError) as caught:
            self._request(activity, child, **dates)
        return caught.exception.field_errors

    @freeze_time("2025-09-10")
    def test_wished_dates_are_the_period_and_validation_starts_there(self):
        registration = self._request(
            self.act_evening, date_start="2025-11-05", date_end="2026-02-11"
        )
        self.assertEqual(registration.state, "pending")
        self.assertEqual(
            (str(registration.date_start), str(registration.date_end)),
            ("2025-11-05", "2026-02-11"),
        )
        # staff read the family's wish in the chatter, beside the period
        self.assertTrue(
            registration.sudo().message_ids.filtered(
                lambda m: "Dates souhaitées par la famille : du 05/11/2025 au "
                "11/02/2026." in (m.body or "")
            )
        )
        registration.with_user(self.agent).action_validate()
        self.assertEqual(registration.state, "validated")
        self.assertEqual(str(registration.date_start), "2025-11-05")
        # the whole-year activity books its days from the wished start
        days = (
            self.env["family.reservation"]
            .search([("registration_id", "=", registration.id)])
            .mapped("date")
        )
        self.assertTrue(days)
        self.assertEqual(str(min(days)), "2025-11-05")
        self.assertLessEqual(str(max(days)), "2026-02-11")

    @freeze_time("2025-09-10")
    def test_without_dates_the_activity_period_from_today(self):
        registration = self._request(self.act_evening)
        self.assertEqual(
            (str(registration.date_start), str(registration.date_end)),
            ("2025-09-10", "2026-08-31"),
        )
        self.assertFalse(
            registration.sudo().message_ids.filtered(
                lambda m: "Dates souhaitées" in (m.body or "")
            )
        )
        # a start alone ends with the activity; an end alone starts today
        registration.sudo().action_cancel()
        registration = self._request(self.act_evening, date_start="2026-01-07")
        self.assertEqual(str(registration.date_end), "2026-08-31")
        registration.sudo().action_cancel()
        registration = self._request(self.act_evening, date_end="2025-12-17")
        self.assertEqual(str(registration.date_start), "2025-09-10")

    @freeze_time("2025-09-10")
    def test_wrong_dates_are_refused_with_their_field(self):
        # in the past
        errors = self._field_errors(self.act_evening, date_start="2025-09-09")
        self.assertEqual(list(errors), ["date_start"])
        self.assertIn("09/09/2025 est passé", errors["date_start"])
        self.assertIn("à partir du 10/09/2025", errors["date_start"])
        # outside the school year
        errors = self._field_errors(
            self.act_evening, date_start="2025-10-01", date_end="2026-09-02"
        )
        self.assertEqual(list(errors), ["date_end"])
        self.assertIn("du 10/09/2025 au 31/08/2026", errors["date_end"])
        self.assertIn("Garderie du soir", errors["date_end"])
        # the end before the start
        errors = self._field_errors(
            self.act_evening, date_start="2025-12-03", date_end="2025-11-26"
        )
        self.assertEqual(list(errors), ["date_end"])
        self.assertIn("26/11/2025", errors["date_end"])
        self.assertIn("03/12/2025", errors["date_end"])
        # both wrong: each named
        errors = self._field_errors(
            self.act_evening, date_start="2025-01-01", date_end="2027-01-01"
        )
        self.assertEqual(sorted(errors), ["date_end", "date_start"])
        # a holiday activity: inside its holiday periods (Toussaint for this one)
        errors = self._field_errors(
            self.act_alsh_holiday, self.child_a2, date_start="2025-11-10"
        )
        self.assertIn("du 18/10/2025 au 02/11/2025", errors["date_start"])
        registration = self._request(
            self.act_alsh_holiday, self.child_a2, date_start="2025-10-20"
        )
        self.assertEqual(
            (str(registration.date_start), str(registration.date_end)),
            ("2025-10-20", "2025-11-02"),
        )
        self.assertFalse(
            self.env["family.registration"].search(
                [("activity_id", "=", self.act_evening.id)]
            ),
            "nothing registered by a refused request",
        )


@tagged("post_install", "-at_install")
class TestWishedDatesPortal(HttpCase, FamilyCommon):
    """The registration form of /my/registrations with its wished dates: stored as the
    registration's period, or refused beside their field with the input kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        year = cls._create_live_year()
        cls.act_open = cls.env["family.activity"].create(
            {
                "name": "Atelier théâtre",
                "kind": "alsh_wednesday",
                "school_year_id": year.id,
                "age_group": "all",
                "unit_ids": [Command.create({"name": "Séance"})],
            }
        )
        cls.today = date.today()

    def _post(self, **data):
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        return self.url_open(
            "/my/registrations",
            data={
                "child_id": self.child_a1.id,
                "activity_id": self.act_open.id,
                "note": "gardez-moi",
                **data,
                "csrf_token": token,
            },
        )

    def _registrations(self):
        return self.env["family.registration"].search(
            [("activity_id", "=", self.act_open.id)]
        )

    def test_the_form_sends_the_wished_dates(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/registrations").text
        for fname in ("date_start", "date_end"):
            self.assertIn('id="pf-%s-%s"' % (fname, self.child_a1.id), page)
        start = self.today + timedelta(days=14)
        end = self.today + timedelta(days=70)
        response = self._post(date_start=start.isoformat(), date_end=end.isoformat())
        self.assertEqual(response.status_code, 200)
        registration = self._registrations()
        self.assertEqual(
            (registration.date_start, registration.date_end, registration.state),
            (start, end, "pending"),
        )
        # the parent sees the period asked among Léa's registrations
        self.assertIn(start.strftime("%d/%m/%Y"), response.text)

    def test_wrong_dates_are_refused_beside_their_field(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        yesterday = (self.today - timedelta(days=1)).isoformat()
        later = (self.today + timedelta(days=20)).isoformat()
        sooner = (self.today + timedelta(days=10)).isoformat()
        cases = [
            ({"date_start": yesterday}, ["date_start"], "est passé"),
            ({"date_start": later, "date_end": sooner}, ["date_end"], "ne peut pas"),
            (
                {"date_end": (self.today + timedelta(days=400)).isoformat()},
                ["date_end"],
                "Choisissez un jour du",
            ),
            ({"date_start": "2025-13-45"}, ["date_start"], "date valide"),
            ({"date_start": "<b>31/02</b>"}, ["date_start"], "date valide"),
        ]
        for data, fields, message in cases:
            with self.subTest(data=data):
                response = self._post(**data)
                self.assertEqual(response.status_code, 400)
                assert_error_summary(
                    self,
                    response.text,
                    ["pf-%s-%s" % (fname, self.child_a1.id) for fname in fields],
                )
                self.assertIn(message, response.text)
                # the input is kept: the dates and the note
                self.assertIn("gardez-moi", response.text)
                for fname, value in data.items():
                    field = re.search(
                        r'<input[^>]*id="pf-%s-%s"[^>]*>' % (fname, self.child_a1.id),
                        response.text,
                    ).group(0)
                    self.assertIn(
                        'value="%s"' % value.replace("<", "&lt;").replace(">", "&gt;"),
                        field,
                    )
        self.assertFalse(self._registrations())
