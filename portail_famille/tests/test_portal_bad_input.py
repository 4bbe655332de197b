import re

from freezegun import freeze_time
from markupsafe import escape

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.portail_famille.controllers.portal import FamilyPortal

from .common import TINY_PDF
from .test_portal_planning import LivePlanningCase
from .test_reservation import ReservationCommon

HUGE_ID = (
    99999999999  # above PostgreSQL's integer: "integer out of range" if it reached SQL
)
GARBLED_IDS = (str(HUGE_ID), "2147483648", "abc", "-1", "0", "1.5", "1e3", "")


@tagged("post_install", "-at_install")
class TestPortalBadInput(LivePlanningCase):
    """What a parent can type in a URL or a form, however wrong, gives the page back
    with a French message, or a 404 for an id that is not theirs: never a server error,
    never database text, nothing changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.message_a = (
            cls.env["family.message"]
            .with_user(cls.parent_a)
            ._portal_create(
                cls.household_a.with_user(cls.parent_a),
                "alae",
                "information",
                "Sujet",
                "Texte",
                [],
            )
        )
        cls.person_a = cls.env["family.authorized.person"].create(
            {
                "household_id": cls.household_a.id,
                "name": "Voisine",
                "phone": "06 00 00 00 02",
            }
        )
        cls.cart_a = cls.env["family.booking.cart"].create(
            {"household_id": cls.household_a.id}
        )
        cls.line_a = cls.env["family.booking.cart.line"].create(
            {
                "cart_id": cls.cart_a.id,
                "registration_id": cls.reg_a1.id,
                "unit_id": cls.unit_live.id,
                "date": cls.open_day,
                "price_unit": 4.0,
            }
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.parent_a.login, self.parent_a.login)

    def _snapshot(self):
        """What a refused input must leave as it was."""
        self.env.invalidate_all()
        counts = tuple(
            self.env[model].search_count([])
            for model in (
                "family.booking.cart.line",
                "family.reservation",
                "family.registration",
                "family.absence",
                "family.quotient",
                "family.document",
                "family.vaccine",
                "family.change.request",
                "family.authorized.person",
                "family.message",
            )
        )
        child = self.child_a1
        return (
            *counts,
            child.first_name,
            child.birth_date,
            child.school_id.id,
            self.line_a.date,
            self.parent_a.partner_id.mobile,
            self.person_a.name,
        )

    def _assert_clean(self, response, what, statuses=(200, 400)):
        """Not a server error: one of ``statuses``, and no database text or traceback in
        the page."""
        self.assertIn(response.status_code, statuses, what)
        for leak in (
            "Traceback",
            "psycopg2",
            "out of range",
            "Internal Server Error",
            "does not exist",
        ):
            self.assertNotIn(leak, response.text, what)

    def _post(self, url, data, csrf_from="/my", files=None):
        token = self._csrf(self.url_open(csrf_from).text)
        return self.url_open(url, data={**data, "csrf_token": token}, files=files)

    def _assert_says(self, response, text, what=None):
        """The page shows ``text`` (as HTML: its apostrophes escaped)."""
        self.assertIn(str(escape(text)), response.text, what)

    # ------------------------------------------------------- planning
    def test_planning_out_of_range_or_garbled_dates_and_views(self):
        before = self._snapshot()
        child = "child=%s" % self.child_a1.id
        cases = [
            "start=9999-12-31",
            "start=0001-01-01",
            "month=9999-12",
            "month=0001-01",
            "view=fortnight&start=9999-12-25",
            "view=week&start=9999-12-31",
            "view=fortnight&start=0001-01-03",
            "start=2027-13-45",
            "start=2026-02-30",
            "start=abc",
            "start=31/12/2026",
            "month=2026-13",
            "month=2026",
            "month=%00",
            "start=" + "9" * 500,
        ]
        for query in cases:
            response = self.url_open("/my/planning?%s&%s" % (child, query))
            self._assert_clean(response, query, statuses=(200,))
            self.assertIn('id="pf_planning_errors"', response.text, query)
            self._assert_says(
                response,
                "n'est pas valide : le planning affiche la période en cours",
                query,
            )
        for view in ("year", "fortnight'", "<b>x</b>"):
            response = self.url_open("/my/planning?%s&view=%s" % (child, view))
            self._assert_clean(response, view, statuses=(200,))
            self._assert_says(
                response, "n'existe pas : le planning s'affiche par mois", view
            )
            self.assertNotIn("<b>x</b>", response.text)  # echoed, escaped
        # the first and last days a parent may ask for still show their planning, and
        # its neighbours
        for query in (
            "view=fortnight&start=2999-12-31",
            "view=month&start=2999-12-31",
            "start=1900-01-01",
        ):
            response = self.url_open("/my/planning?%s&%s" % (child, query))
            self._assert_clean(response, query, statuses=(200,))
            self.assertNotIn('id="pf_planning_errors"', response.text, query)
        # a garbled child is a 404, as another family's
        for value in GARBLED_IDS[:-1]:
            self.assertEqual(
                self.url_open("/my/planning?child=%s" % value).status_code, 404, value
            )
        self.assertEqual(self._snapshot(), before)

    def test_planning_form_with_a_garbled_period_or_cells_changes_nothing(self):
        before = self._snapshot()
        key = self._key(self.reg_a1, self.open_day)
        for start in ("9999-12-31", "0001-01-01", "2027-13-45", "abc", ""):
            response = self._post(
                "/my/planning",
                {
                    "child": self.child_a1.id,
                    "view": "fortnight",
                    "start": start,
                    "cell": key,
                },
            )
            self._assert_clean(response, start, statuses=(200,))
            self._assert_says(
                response, "n'est pas valide : rien n'a été modifié", start
            )
        # cells and rows that are no cell of the planning: refused with the message, the
        # day ticked kept
        for cell in (
            "%s-%s-9999-12-31" % (self.reg_a1.id, self.unit_live.id),
            "%s-abc-2026-01-01" % HUGE_ID,
            "x" * 300,
            "",
        ):
            response = self._post(
                "/my/planning",
                {
                    "child": self.child_a1.id,
                    "view": "week",
                    "start": self.open_day.isoformat(),
                    "cell": [key, cell],
                    "fill": "%s-%s" % (HUGE_ID, "abc"),
                },
            )
            self._assert_clean(response, cell, statuses=(200,))
            self.assertIn('id="pf_planning_errors"', response.text, cell)
        self.assertEqual(self._snapshot(), before)

    # ------------------------------------------------------- ids in the URL
    def test_ids_too_large_or_unknown_in_urls_are_404(self):
        """Every route with an id in its URL, walked with an id above PostgreSQL's
        integer."""
        before = self._snapshot()
        token = self._csrf(self.url_open("/my").text)
        routes = set()
        # one controller per feature, on the shared base
        for controller in FamilyPortal.__subclasses__():
            for _name, method in controller.__dict__.items():
                routing = getattr(method, "original_routing", None)
                for route in (routing or {}).get("routes", ()):
                    if "<int:" in route:
                        routes.add(
                            (route, tuple(routing.get("methods") or ("GET", "POST")))
                        )
        self.assertGreaterEqual(len(routes), 8)
        for route, methods in sorted(routes):
            # the attachment of one's own conversation too
            for ids in (
                {"message_id": self.message_a.id},
                {},
            ):
                if ids and set(re.findall(r"<int:(\w+)>", route)) <= set(ids):
                    continue  # every id of the URL would be a real one
                url = re.sub(
                    r"<int:(\w+)>",
                    lambda m, ids=ids: str(ids.get(m.group(1), HUGE_ID)),
                    route,
                )
                # a page beyond the last of a list shows the last, as Odoo's portal
                # pager does
                pages_only = set(re.findall(r"<int:(\w+)>", route)) - set(ids) == {
                    "page"
                }
                if "GET" in methods:
                    response = self.url_open(url)
                    self._assert_clean(
                        response, url, statuses=(200,) if pages_only else (404,)
                    )
                if "POST" in methods:
                    response = self.url_open(
                        url,
                        data={
                            "csrf_token": token,
                            "body": "x",
                            "first_name": "x",
                            "last_name": "x",
                            "vaccine": "mmr",
                            "date": "2020-01-01",
                        },
                    )
                    self._assert_clean(response, url, statuses=(404,))
        for url in (
            "/my/messages/2147483648",
            "/my/documents/2147483647",
            "/my/children/0",
            "/my/registrations/%s/attestation" % HUGE_ID,
            "/my/documents/%s" % HUGE_ID,
            "/my/children/%s" % HUGE_ID,
            "/my/messages/%s" % HUGE_ID,
        ):
            self._assert_clean(self.url_open(url), url, statuses=(404,))
        self.assertEqual(self._snapshot(), before)

    # ------------------------------------------------------- ids in forms
    def test_ids_too_large_or_garbled_in_forms(self):
        before = self._snapshot()
        for value in GARBLED_IDS:
            for url, data in (
                ("/my/recap/remove", {"line_id": value}),
                ("/my/family/authorized/remove", {"person_id": value}),
                (
                    "/my/family/contact",
                    {"partner_id": value, "mobile": "06 11 11 11 11"},
                ),
                (
                    "/my/planning",
                    {"child": value or "x", "start": self.open_day.isoformat()},
                ),
            ):
                self._assert_clean(self._post(url, data), (url, value), statuses=(404,))
            response = self._post(
                "/my/registrations",
                {"child_id": value, "activity_id": self.act_live.id},
            )
            self._assert_clean(response, value, statuses=(400,))
            self._assert_says(response, "Choisissez l'un de vos enfants.")
            response = self._post(
                "/my/registrations",
                {"child_id": self.child_a1.id, "activity_id": value},
            )
            self._assert_clean(response, value, statuses=(400,))
            self.assertIn("Choisissez une activité ouverte à Léa.", response.text)
            response = self._post(
                "/my/absences",
                {
                    "child_id": value,
                    "date_from": self.open_day.isoformat(),
                    "date_to": self.open_day.isoformat(),
                    "reason": "illness",
                },
            )
            self._assert_clean(response, value, statuses=(400,))
            self._assert_says(response, "Choisissez l'un de vos enfants.")
            if value:
                response = self._post(
                    "/my/family/document",
                    {"document_type": "other", "child_id": value},
                    files={"file": ("a.pdf", TINY_PDF, "application/pdf")},
                )
                self._assert_clean(response, value, statuses=(400,))
                self._assert_says(response, "Choisissez l'un de vos enfants.")
                response = self._post(
                    "/my/children/%s/identity" % self.child_a1.id,
                    {
                        "first_name": "Léa",
                        "last_name": "Martin",
                        "birth_date": "2018-03-15",
                        "school_id": value,
                    },
                )
                self._assert_clean(response, value, statuses=(400,))
                self.assertIn("Choisissez une école de la liste.", response.text)
        self.assertEqual(self._snapshot(), before)

    # ------------------------------------------------------- numbers and dates in forms
    def test_quotient_that_is_no_number(self):
        before = self._snapshot()
        pdf = {"proof": ("attestation_caf.pdf", TINY_PDF, "application/pdf")}
        for value in (
            "nan",
            "NaN",
            "inf",
            "-inf",
            "Infinity",
            "1e400",
            "-1e400",
            "1e300",
            "123456789",
            "0x10",
            "1_000",
        ):
            response = self._post(
                "/my/family/quotient",
                {"value": value, "date_from": "2026-01-01", "date_to": "2026-12-31"},
                files=pdf,
            )
            self._assert_clean(response, value, statuses=(400,))
            self.assertIn('id="pf-quotient-value-error"', response.text, value)
            self.assertIn(
                "Indiquez votre quotient familial en chiffres", response.text, value
            )
        self.assertEqual(self._snapshot(), before)

    def test_dates_out_of_range_or_garbled_in_forms(self):
        before = self._snapshot()
        for day in (
            "0001-01-01",
            "9999-12-31",
            "2027-13-45",
            "2026-02-30",
            "20260101",
            "2026-01-01T10:00",
        ):
            response = self._post(
                "/my/absences",
                {
                    "child_id": self.child_a1.id,
                    "date_from": day,
                    "date_to": day,
                    "reason": "illness",
                },
            )
            self._assert_clean(response, day, statuses=(400,))
            self.assertIn('id="pf-date_from-error"', response.text, day)
            self.assertIn("Indiquez une date valide.", response.text, day)
            response = self._post(
                "/my/family/quotient",
                {"value": "500", "date_from": day, "date_to": day},
                files={"proof": ("caf.pdf", TINY_PDF, "application/pdf")},
            )
            self._assert_clean(response, day, statuses=(400,))
            self.assertIn('id="pf-quotient-date_from-error"', response.text, day)
            response = self._post(
                "/my/children/%s/vaccine" % self.child_a1.id,
                {"vaccine": "mmr", "date": day},
            )
            self._assert_clean(response, day, statuses=(400,))
            self.assertIn("Indiquez une date valide.", response.text, day)
            response = self._post(
                "/my/children/%s/identity" % self.child_a1.id,
                {"first_name": "Léa", "last_name": "Martin", "birth_date": day},
            )
            self._assert_clean(response, day, statuses=(400,))
            self.assertIn("Indiquez une date valide.", response.text, day)
        self.assertEqual(self._snapshot(), before)

    # ------------------------------------------------------- the recap by RPC
    def _call(self, method, *args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/family.booking.cart/%s" % method,
            {
                "model": "family.booking.cart",
                "method": method,
                "args": [[self.cart_a.id], *args],
                "kwargs": {},
            },
        )

    def test_recap_methods_called_by_rpc_report_each_bad_line(self):
        day = self.open_day.isoformat()
        good = {
            "registration_id": self.reg_a2.id,
            "unit_id": self.unit_live.id,
            "date": day,
        }
        results = self._call(
            "add_bookings",
            [
                {"unit_id": self.unit_live.id},
                {**good, "date": "2027-13-45"},
                {**good, "date": None},
                {**good, "date": 20270101},
                {**good, "unit_id": "abc"},
                {**good, "unit_id": HUGE_ID},
                {**good, "registration_id": HUGE_ID},
                {**good, "registration_id": self.reg_b1.id},  # another family's
                "not a request",
                good,
            ],
        )
        errors = [result["error"] for result in results]
        self.assertEqual(errors[0], "Un jour à réserver n'a pas de date.")
        self.assertEqual(errors[1], "2027-13-45 n'est pas une date valide.")
        self.assertEqual(errors[2], "Un jour à réserver n'a pas de date.")
        self.assertEqual(errors[3], "20270101 n'est pas une date valide.")
        label = self.env["family.reservation"]._day_label(self.open_day)
        for error in errors[4:6]:
            self.assertIn("%s : cette prestation n'appartient pas à" % label, error)
        for error in errors[6:8]:
            self.assertIn("%s : l'enfant n'est pas inscrit" % label, error)
        self.assertNotIn(self.child_b1.first_name, errors[7])
        self.assertEqual(errors[8], "Un jour à réserver n'a pas de date.")
        self.assertIsNone(errors[9])
        # the line already there and the good one
        self.assertEqual(len(self.cart_a.line_ids), 2)

        reservation_b = (
            self.env["family.reservation"]
            .with_user(self.parent_b)
            ._book(
                [
                    {
                        "registration_id": self.reg_b1.id,
                        "unit_id": self.unit_live.id,
                        "date": self.open_day,
                    }
                ]
            )[0]["reservation"]
        )
        self.assertTrue(reservation_b)
        results = self._call(
            "add_cancellations", [reservation_b.id, HUGE_ID, 2147483647, "abc", None]
        )
        self.assertEqual(
            set(results.values()),
            {"Cette réservation n'appartient pas à votre famille."},
        )
        self.assertEqual(len(results), 5)
        self.assertEqual(len(self.cart_a.line_ids), 2)
        self.assertEqual(reservation_b.state, "reserved")


class TestRecapBadRequests(ReservationCommon):
    """add_bookings and add_cancellations are public: a parent may call them by RPC with
    anything. Each line that cannot be read is refused with its reason in French, naming
    the day when there is one; the good lines are still added."""

    def _cart(self):
        return (
            self.env["family.booking.cart"]
            .with_user(self.parent_a)
            ._get_for_household(self.household_a.with_user(self.parent_a))
        )

    @freeze_time("2025-11-03")
    def test_add_bookings_refuses_malformed_lines_one_by_one(self):
        cart = self._cart()
        good = {
            "registration_id": self.reg_a1_wed.id,
            "unit_id": self.unit_wed.id,
            "date": "2025-11-19",
        }
        results = cart.add_bookings(
            [
                {"unit_id": self.unit_wed.id},  # no registration, no date
                {
                    "registration_id": self.reg_a2_wed.id,
                    "date": "2025-11-19",
                },  # no unit
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
                {
                    **good,
                    "registration_id": str(self.reg_a2_wed.id),
                    "waiting_list": "yes",
                },  # digits are an id
            ]
        )
        errors = [result["error"] for result in results]
        self.assertEqual(errors[0], "Un jour à réserver n'a pas de date.")
        self.assertIn(
            "mer. 19/11/2025 : cette prestation n'appartient pas à CL Mercredis",
            errors[1],
        )
        self.assertEqual(errors[2], "2027-13-45 n'est pas une date valide.")
        self.assertEqual(errors[3], "0001-01-01 n'est pas une date valide.")
        self.assertEqual(errors[4], "9999-12-31 n'est pas une date valide.")
        self.assertEqual(errors[5], "45 n'est pas une date valide.")
        self.assertIn("n'est pas une date valide", errors[6])
        for error in errors[7:9]:
            self.assertIn(
                "mer. 19/11/2025 : cette prestation n'appartient pas à", error
            )
        for error in errors[9:12]:
            self.assertEqual(
                error, "mer. 19/11/2025 : l'enfant n'est pas inscrit à cette activité."
            )
        self.assertEqual(errors[12:14], ["Un jour à réserver n'a pas de date."] * 2)
        self.assertEqual(errors[14:], [None, None])
        self.assertEqual(
            cart.line_ids.mapped("child_id"), self.child_a1 | self.child_a2
        )
        self.assertEqual(
            cart.line_ids.filtered(
                lambda line: line.child_id == self.child_a2
            ).waiting_list,
            True,
        )

        # the portal's single tick raises the line's reason, and the recap loses nothing
        for request in (
            {"unit_id": self.unit_wed.id},
            {**good, "unit_id": "abc", "date": "2025-11-26"},
        ):
            with self.assertRaises(ValidationError):
                cart.add_bookings([request], raise_on_error=True)
        self.assertEqual(cart.line_count, 2)
        for requests in (
            None,
            "2025-11-19",
            {"registration_id": self.reg_a1_wed.id},
            12,
        ):
            with self.assertRaisesRegex(
                UserError,
                "Les jours à réserver doivent être envoyés sous forme de liste",
            ):
                cart.add_bookings(requests)
        self.assertEqual(cart.line_count, 2)

    @freeze_time("2025-11-03")
    def test_add_cancellations_refuses_what_is_not_the_familys(self):
        own = self._book(self.reg_a1_wed, "2025-11-19", user=self.parent_a)[
            "reservation"
        ]
        other = self._book(self.reg_b1_wed, "2025-11-19", user=self.parent_b)[
            "reservation"
        ]
        cart = self._cart()
        missing = self.Reservation.search([], order="id desc", limit=1).id + 1000
        results = cart.add_cancellations(
            [other.id, missing, 2**31, "abc", None, str(own.id)]
        )
        refused = "Cette réservation n'appartient pas à votre famille."
        self.assertEqual(
            results,
            {
                other.id: refused,
                missing: refused,
                str(2**31): refused,
                "abc": refused,
                "None": refused,
                own.id: None,
            },
        )
        self.assertEqual(cart.line_ids.reservation_id, own)
        # nothing said about the other family's day
        self.assertNotIn("19/11/2025", refused)

        # a recordset of the other family, as the parent's own code could pass it
        results = cart.add_cancellations(other.with_user(self.parent_a))
        self.assertEqual(results, {other.id: refused})
        with self.assertRaisesRegex(ValidationError, refused):
            cart.add_cancellations([other.id], raise_on_error=True)
        with self.assertRaisesRegex(
            UserError, "Seules des réservations peuvent être annulées"
        ):
            cart.add_cancellations(self.reg_a1_wed)
        self.assertEqual(cart.line_ids.reservation_id, own)
        self.assertEqual((own | other).mapped("state"), ["reserved", "reserved"])
