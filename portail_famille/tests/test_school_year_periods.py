import base64
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError

from .common import FamilyCommon

# an extract of the Ministry's dataset fr-en-calendrier-scolaire as
# data.education.gouv.fr exports it (CSV, separator ";"): several academies per zone,
# other zones, the teachers' dates, a bridge, the summer of the year before, dates
# with their offset (some in UTC)
T = "T00:00:00"
CALENDAR_ROWS = [
    (
        "Description",
        "Population",
        "Date de début",
        "Date de fin",
        "Académies",
        "Zones",
        "annee_scolaire",
    ),
    (
        "Vacances de la Toussaint",
        "-",
        f"2028-10-21{T}+02:00",
        f"2028-11-06{T}+01:00",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances de la Toussaint",
        "-",
        f"2028-10-21{T}+02:00",
        f"2028-11-06{T}+01:00",
        "Paris",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances de la Toussaint",
        "-",
        f"2028-10-14{T}+02:00",
        f"2028-10-30{T}+01:00",
        "Lyon",
        "Zone A",
        "2028-2029",
    ),
    (
        "Vacances de Noël",
        "-",
        "2028-12-22T23:00:00+00:00",
        "2029-01-07T23:00:00+00:00",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances d'Hiver",
        "-",
        "2029-02-17",
        "2029-03-05",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances de Printemps",
        "-",
        f"2029-04-14{T}+02:00",
        f"2029-04-30{T}+02:00",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Pont de l'Ascension",
        "-",
        f"2029-05-10{T}+02:00",
        f"2029-05-14{T}+02:00",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances d\u2019Été",
        "Élèves",
        f"2029-07-07{T}+02:00",
        f"2029-09-03{T}+02:00",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances d'Été",
        "Enseignants",
        f"2029-07-07{T}+02:00",
        f"2029-09-01{T}+02:00",
        "Toulouse",
        "Zone C",
        "2028-2029",
    ),
    (
        "Vacances d'Été",
        "-",
        f"2028-07-08{T}+02:00",
        f"2028-09-01{T}+02:00",
        "Toulouse",
        "Zone C",
        "2027-2028",
    ),
]
CALENDAR_CSV = "\ufeff" + "".join(";".join(row) + "\n" for row in CALENDAR_ROWS)


class TestSchoolYearWithoutHolidays(FamilyCommon):
    """2028/2029 is beyond the holiday library's data: staff are told why, import
    the Ministry's calendar, and bookings stay closed until the holidays are in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year_2829 = cls.env["family.school.year"].create(
            {
                "name": "2028/2029",
                "date_start": "2028-09-01",
                "date_end": "2029-08-31",
                "zone": "C",
            }
        )
        cls.canteen = cls.env["family.activity"].create(
            {
                "name": "Restauration 2028/2029",
                "kind": "restaurant",
                "school_year_id": cls.year_2829.id,
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Repas",
                            "tariff_ids": [
                                Command.create({"name": "REPAS", "price": 3.0})
                            ],
                        }
                    )
                ],
            }
        )
        cls.registration = cls._create_registration(
            cls.child_a1,
            cls.canteen,
            date_start="2028-09-01",
            date_end="2029-07-06",
        )
        cls.registration.action_validate()

    def _book(self, day):
        return (
            self.env["family.reservation"]
            .with_user(self.parent_a)
            ._book(
                [
                    {
                        "registration_id": self.registration.id,
                        "unit_id": self.canteen.unit_ids.id,
                        "date": day,
                    }
                ]
            )[0]
        )

    def _import(self, content, user=None):
        Wizard = self.env["family.period.import.wizard"].with_user(user or self.manager)
        wizard = Wizard.create(
            {
                "school_year_id": self.year_2829.id,
                "file": base64.b64encode(content),
                "filename": "fr-en-calendrier-scolaire.csv",
            }
        )
        return wizard.action_import()

    def test_staff_are_told_why_and_bookings_stay_closed(self):
        warning = self.year_2829.holiday_warning
        self.assertIn("vacances-scolaires-france", warning)
        self.assertIn("fr-en-calendrier-scolaire", warning)
        self.assertIn("réservations", warning)
        with self.assertRaisesRegex(UserError, "2028/2029"):
            self.year_2829.with_user(self.manager).action_generate_holiday_periods()
        with freeze_time("2028-09-20"):
            refused = self._book("2028-10-10")
        self.assertIn("ne sont pas encore ouvertes", refused["error"])
        self.assertIn("2028/2029", refused["error"])
        self.assertFalse(refused["reservation"])

    def test_import_the_official_calendar_then_book(self):
        self._import(CALENDAR_CSV.encode("utf-8"))
        periods = self.year_2829.period_ids.sorted("date_start")
        self.assertEqual(
            [(p.kind, str(p.date_start), str(p.date_end)) for p in periods],
            [
                # the file's end is the day school starts again
                ("autumn", "2028-10-21", "2028-11-05"),
                ("christmas", "2028-12-23", "2029-01-07"),
                ("winter", "2029-02-17", "2029-03-04"),
                ("spring", "2029-04-14", "2029-04-29"),
                # the summer ends with the school year
                ("summer", "2029-07-07", "2029-08-31"),
            ],
        )
        self.year_2829.invalidate_recordset(["holiday_warning"])
        self.assertFalse(self.year_2829.holiday_warning)
        with freeze_time("2028-09-20"):
            booked = self._book("2028-10-10")
            self.assertFalse(booked["error"])
            self.assertEqual(booked["reservation"].state, "reserved")
            # a school-time activity is closed in the holidays now known
            holiday = self._book("2028-10-24")
            self.assertIn("fermé ce jour-là", holiday["error"])
        # a second import keeps the periods already there
        self._import(CALENDAR_CSV.encode("utf-8"))
        self.assertEqual(len(self.year_2829.period_ids), 5)

    def test_wrong_files_get_a_french_message(self):
        with self.assertRaisesRegex(UserError, "colonnes"):
            self._import(b"nom,date\nToussaint,2028-10-21\n")
        other_zone = CALENDAR_CSV.replace("Zone C", "Zone B")
        with self.assertRaisesRegex(UserError, "zone C"):
            self._import(other_zone.encode("utf-8"))
        self.assertFalse(self.year_2829.period_ids)

    def test_hand_entered_holidays_open_bookings(self):
        self.env["family.period"].with_user(self.manager).create(
            {
                "name": "Toussaint 2028",
                "school_year_id": self.year_2829.id,
                "kind": "autumn",
                "date_start": date(2028, 10, 21),
                "date_end": date(2028, 11, 5),
            }
        )
        with freeze_time("2028-09-20"):
            self.assertFalse(self._book("2028-10-10")["error"])
