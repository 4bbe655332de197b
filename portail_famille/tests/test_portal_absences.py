import re
from datetime import date, timedelta

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import TINY_PDF, FamilyCommon, assert_error_summary


@tagged("post_install", "-at_install")
class TestPortalAbsences(HttpCase, FamilyCommon):
    """A parent declares an absence on the portal: the booked days become absent
    (justified with a certificate); every wrong input is refused next to its field and
    the rest of the form is kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        year = cls._create_live_year()
        activity = cls.env["family.activity"].create(
            {
                "name": "ALAE soir (live)",
                "kind": "alae_evening_1",
                "school_year_id": year.id,
                "age_group": "all",
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Soir",
                            "tariff_ids": [
                                Command.create({"name": "SOIR", "price": 1.0})
                            ],
                        }
                    )
                ],
            }
        )
        registration = cls._create_registration(
            cls.child_a1, activity, date_start=year.date_start, date_end=year.date_end
        )
        registration.action_validate()
        # a Monday two weeks ahead or more
        cls.day = today + timedelta(days=14 + (0 - today.weekday()) % 7)
        result = (
            cls.env["family.reservation"]
            .with_context(booking_override=True)
            ._book(
                [
                    {
                        "registration_id": registration.id,
                        "unit_id": activity.unit_ids.id,
                        "date": cls.day,
                    }
                ]
            )[0]
        )
        cls.reservation = result["reservation"]
        assert cls.reservation, result["error"]

    def _post(self, data, files=None):
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        return self.url_open(
            "/my/absences", data={**data, "csrf_token": token}, files=files
        )

    def test_declare_an_absence_with_a_certificate(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.assertEqual(self.url_open("/my/absences").status_code, 200)
        response = self._post(
            {
                "child_id": self.child_a1.id,
                "date_from": self.day.isoformat(),
                "date_to": self.day.isoformat(),
                "reason": "illness",
                "comment": "Grippe",
            },
            files={"certificate": ("certificat.pdf", TINY_PDF, "application/pdf")},
        )
        self.assertEqual(response.status_code, 200)
        absence = self.env["family.absence"].search(
            [("child_id", "=", self.child_a1.id)]
        )
        self.assertTrue(absence.justified)
        self.assertEqual(self.reservation.state, "absent_justified")
        self.assertEqual(absence.comment, "Grippe")
        self.assertIn('class="alert alert-success"', response.text)

    def test_bad_absence_forms(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        good = {
            "child_id": self.child_a1.id,
            "date_from": self.day.isoformat(),
            "date_to": self.day.isoformat(),
            "reason": "illness",
            "comment": "à garder",
        }
        cases = [
            ({**good, "child_id": ""}, None, "pf-child_id-error"),
            # another family's child
            (
                {**good, "child_id": self.child_b1.id},
                None,
                "pf-child_id-error",
            ),
            ({**good, "date_from": ""}, None, "pf-date_from-error"),
            ({**good, "date_to": "2026-02-30"}, None, "pf-date_to-error"),  # not a date
            (
                {**good, "date_to": (self.day - timedelta(days=3)).isoformat()},
                None,
                "pf-date_to-error",
            ),
            # tampered choice
            (
                {**good, "reason": "holidays"},
                None,
                "pf-reason-error",
            ),
            (
                good,
                {
                    "certificate": (
                        "big.pdf",
                        TINY_PDF + b"0" * (6 * 1024 * 1024),
                        "application/pdf",
                    )
                },
                "pf-certificate-error",
            ),
            (
                good,
                {
                    "certificate": (
                        "virus.pdf",
                        b"MZ\x90\x00 this is no PDF",
                        "application/pdf",
                    )
                },
                "pf-certificate-error",
            ),
        ]
        for data, files, error_id in cases:
            response = self._post(data, files)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn('id="%s"' % error_id, response.text, data)
            self.assertIn("à garder", response.text, "the comment typed is kept")
            self.assertNotIn(self.child_b1.first_name, response.text)
        self.assertFalse(self.env["family.absence"].search([]))
        self.assertEqual(self.reservation.state, "reserved")

    def test_refused_absence_puts_the_focus_on_an_error_summary(self):
        """After a refused absence the page starts with the errors, each linked to its
        field, the fields marked invalid and described by their message."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        response = self._post(
            {"child_id": "", "date_from": "", "date_to": "31/02", "reason": "?"}
        )
        self.assertEqual(response.status_code, 400)
        assert_error_summary(
            self,
            response.text,
            ["pf-child_id", "pf-date_from", "pf-date_to", "pf-reason"],
        )
