from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .test_reservation import ReservationCommon


@tagged("post_install", "-at_install")
class TestDaySheet(ReservationCommon):
    """The staff's day sheet: today's children per site and unit, health flags for
    the health group only, ticked present/absent, printed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Site = cls.env["family.site"]
        cls.centre = Site.create({"name": "Centre Les Pins", "kind": "leisure_centre"})
        cls.school = Site.create({"name": "École Jules Ferry", "kind": "school"})
        cls.act_wednesday.site_id = cls.centre
        cls.child_a1.school_id = cls.school
        sheet = cls.env["family.health.sheet"].search(
            [("child_id", "=", cls.child_a1.id)]
        ) or cls.env["family.health.sheet"].create({"child_id": cls.child_a1.id})
        sheet.write(
            {"has_pai": True, "allergies": "arachide", "dietary_requirements": ""}
        )
        with freeze_time("2025-11-03"):
            cls.expected = cls.env["family.reservation"]
            for registration in (cls.reg_a1_wed, cls.reg_a2_wed):
                result = cls._book_cls(registration, "2025-11-19")
                cls.expected |= result["reservation"]
            cls.other_day = cls._book_cls(cls.reg_a1_wed, "2025-11-26")["reservation"]

    @classmethod
    def _book_cls(cls, registration, day):
        return cls.env["family.reservation"]._book(
            [
                {
                    "registration_id": registration.id,
                    "unit_id": registration.activity_id.unit_ids[:1].id,
                    "date": day,
                }
            ]
        )[0]

    def _day_sheet(self, user):
        action = self.env.ref("portail_famille.family_reservation_action_day_sheet")
        Reservation = self.env["family.reservation"].with_user(user)
        domain = [*safe_eval(action.domain), ("date", "=", "2025-11-19")]
        return Reservation.search(domain)

    @freeze_time("2025-11-19")
    def test_today_grouped_by_site_and_school(self):
        sheet = self._day_sheet(self.agent)
        self.assertEqual(sheet, self.expected)
        groups = (
            self.env["family.reservation"]
            .with_user(self.agent)
            ._read_group(
                [("id", "in", sheet.ids)], ["site_id", "school_id"], ["__count"]
            )
        )
        self.assertIn((self.centre, self.school, 1), groups)
        self.assertEqual(sum(count for *_key, count in groups), 2)

    @freeze_time("2025-11-19")
    def test_health_flags_for_the_health_group_only(self):
        mine = self.expected.filtered(lambda r: r.child_id == self.child_a1)
        with self.assertRaises(AccessError):
            mine.with_user(self.agent).read(["health_flags"])
        flags = mine.with_user(self.health_user).read(["health_flags"])[0]
        self.assertIn("PAI", flags["health_flags"])
        self.assertIn("arachide", flags["health_flags"])

    @freeze_time("2025-11-19")
    def test_tick_present_and_absent_today_only(self):
        first, second = self.expected.sorted("child_id")
        first.with_user(self.agent).action_mark_attended()
        second.with_user(self.agent).action_mark_absent()
        self.assertEqual(first.state, "attended")
        self.assertEqual(second.state, "absent_unjustified")
        with self.assertRaisesRegex(Exception, "à venir"):
            self.other_day.with_user(self.agent).action_mark_attended()

    @freeze_time("2025-11-19")
    def test_printed_sheet(self):
        report = self.env.ref("portail_famille.action_report_day_sheet")
        html = (
            report.with_user(self.agent)
            ._render_qweb_html(report.report_name, self.expected.ids)[0]
            .decode()
        )
        self.assertIn("Feuille du jour", html)
        self.assertIn("Centre Les Pins", html)
        self.assertIn(self.child_a1.name, html)
        self.assertIn(self.child_a2.name, html)
        self.assertNotIn("arachide", html)  # an agent does not read health data
        html = (
            report.with_user(self.health_user)
            ._render_qweb_html(report.report_name, self.expected.ids)[0]
            .decode()
        )
        self.assertIn("arachide", html)
        pdf = (
            report.with_user(self.agent)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report.report_name, self.expected.ids)[0]
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
