import re
from datetime import date, timedelta

from lxml import html as lxml_html

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import FamilyCommon, PortalBrowserMixin


class LivePlanningCase(HttpCase, FamilyCommon):
    """A school year around today and an activity booked until 6 days before, with
    validated registrations of three children: for the HTTP tests and tours of the
    planning (the server's clock is not frozen, it serves other threads, so the days are
    placed relative to today, far enough from the deadlines)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        cls.live_year = cls._create_live_year()
        cls.act_live = cls.env["family.activity"].create(
            {
                "name": "CL Mercredis (live)",
                "kind": "alsh_wednesday",
                "school_year_id": cls.live_year.id,
                "age_group": "all",
                "runs_on": "school_days",
                "capacity": 2,
                "monday": False,
                "tuesday": False,
                "thursday": False,
                "friday": False,
                "booking_rule": "days_before",
                "booking_days_before": 6,
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Après-midi AVEC repas",
                            "tariff_ids": [
                                Command.create(
                                    {"name": "CL DEMI-JOURNEE", "price": 4.00}
                                ),
                            ],
                        }
                    )
                ],
            }
        )
        cls.unit_live = cls.act_live.unit_ids
        regs = {}
        for child in (cls.child_a1, cls.child_a2, cls.child_b1):
            regs[child] = cls._create_registration(
                child,
                cls.act_live,
                date_start=cls.live_year.date_start,
                date_end=cls.live_year.date_end,
            )
            regs[child].action_validate()
        cls.reg_a1, cls.reg_a2, cls.reg_b1 = (
            regs[cls.child_a1],
            regs[cls.child_a2],
            regs[cls.child_b1],
        )
        # a Wednesday three weeks ahead (open), and the next Wednesday within 6 days
        # (locked)
        cls.open_day = today + timedelta(days=21 + (2 - today.weekday()) % 7)
        # today when it is a Wednesday
        cls.locked_day = today + timedelta(days=(2 - today.weekday()) % 7)

    def _key(self, registration, day):
        return "%s-%s-%s" % (registration.id, self.unit_live.id, day.isoformat())

    def _week_url(self, child, day):
        return "/my/planning?child=%s&view=week&start=%s" % (child.id, day.isoformat())

    def _csrf(self, html):
        return re.search(r'csrf_token: "([^"]+)"', html).group(1)

    def _post(self, url, data, csrf_from="/my"):
        token = self._csrf(self.url_open(csrf_from).text)
        return self.url_open(url, data={**data, "csrf_token": token})


@tagged("post_install", "-at_install")
class TestPortalPlanning(PortalBrowserMixin, LivePlanningCase):
    """The planning and recap pages, through real HTTP requests of a logged-in
    parent."""

    def test_parent_books_a_day_through_the_recap(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open(self._week_url(self.child_a1, self.open_day))
        self.assertEqual(page.status_code, 200)
        # the views, in the town's language
        for label in (
            "Mois",
            "Quinzaine",
            "Semaine",
        ):
            self.assertIn(">%s</a>" % label, page.text)
        key = self._key(self.reg_a1, self.open_day)
        self.assertIn('value="%s"' % key, page.text)
        self.assertIn("CL Mercredis (live)", page.text)
        # French typography: a no-break space before the colon
        self.assertIn("%s\xa0:" % self.child_a1.first_name, page.text)
        # only this family's children are offered
        self.assertNotIn(self.child_b1.first_name, page.text)

        response = self._post(
            "/my/planning",
            {
                "child": self.child_a1.id,
                "view": "week",
                "start": self.open_day.isoformat(),
                "cell": key,
                "go_recap": "1",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/my/recap"), response.url)
        self.assertIn("CL DEMI-JOURNEE", response.text)
        cart = self.env["family.booking.cart"].search(
            [("household_id", "=", self.household_a.id)]
        )
        self.assertEqual(len(cart.line_ids), 1)
        self.assertFalse(
            self.env["family.reservation"].search([("child_id", "=", self.child_a1.id)])
        )

        done = self._post("/my/recap/confirm", {})
        self.assertEqual(done.status_code, 200)
        # the line's result, with its check mark
        self.assertIn("pf-result-ok", done.text)
        reservation = self.env["family.reservation"].search(
            [("child_id", "=", self.child_a1.id)]
        )
        self.assertEqual(reservation.date, self.open_day)
        self.assertEqual(reservation.price_unit, 4.0)
        self.assertFalse(cart.line_ids)
        # "Terminer" again (a second tab): the recap says it is empty, nothing changes
        again = self._post("/my/recap/confirm", {})
        self.assertTrue(again.url.endswith("/my/recap"), again.url)
        self.assertIn("rien à terminer", again.text)
        self.assertEqual(
            self.env["family.reservation"].search_count(
                [("child_id", "=", self.child_a1.id)]
            ),
            1,
        )

        # the planning now shows the day ticked; unticking it puts a cancellation in the
        # recap
        page = self.url_open(self._week_url(self.child_a1, self.open_day))
        self.assertRegex(page.text, r'value="%s"\s+checked' % re.escape(key))
        self._post(
            "/my/planning",
            {
                "child": self.child_a1.id,
                "view": "week",
                "start": self.open_day.isoformat(),
            },
        )
        self.assertEqual(cart.line_ids.operation, "cancel")
        # Tout supprimer forgets it, the reservation stays
        self._post("/my/recap/clear", {})
        self.assertFalse(cart.line_ids)
        self.assertEqual(reservation.state, "reserved")

    def test_recap_prices_a_waiting_list_day_at_nothing(self):
        """A full day ticked goes to the waiting list: the recap says so and counts
        it 0 (not its price) in the line and the total, as the result page does."""
        Reservation = self.env["family.reservation"].with_context(booking_override=True)
        for registration in (self.reg_a2, self.reg_b1):
            result = Reservation._book(
                [
                    {
                        "registration_id": registration.id,
                        "unit_id": self.unit_live.id,
                        "date": self.open_day,
                    }
                ]
            )[0]
            self.assertFalse(result["error"])
        self.authenticate(self.parent_a.login, self.parent_a.login)
        recap = self._post(
            "/my/planning",
            {
                "child": self.child_a1.id,
                "view": "week",
                "start": self.open_day.isoformat(),
                "cell": self._key(self.reg_a1, self.open_day),
                "go_recap": "1",
            },
        )
        self.assertTrue(recap.url.endswith("/my/recap"), recap.url)
        tree = lxml_html.fromstring(recap.text)
        [row] = tree.xpath("//table[hasclass('pf-recap-table')]/tbody/tr")
        cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
        self.assertIn("Liste d'attente", cells[3])
        self.assertTrue(cells[5].startswith("Coût 0,00"), cells[5])
        self.assertIn("4,00", cells[5], "the price once a place is given")
        [total] = tree.xpath("//table[hasclass('pf-recap-table')]/tfoot//td[1]")
        self.assertEqual(" ".join(total.text_content().split()), "0,00 €")
        done = self._post("/my/recap/confirm", {})
        tree = lxml_html.fromstring(done.text)
        [row] = tree.xpath("//table[hasclass('pf-result-table')]/tbody/tr")
        self.assertIn("Coût 0,00", " ".join(row.xpath("td")[4].text_content().split()))

    def test_names_are_escaped_in_the_grid(self):
        """The day cells are built in Python: a unit name typed by staff never becomes
        markup."""
        self.unit_live.name = 'Après-midi <img src=x onerror="alert(1)">'
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open(self._week_url(self.child_a1, self.open_day)).text
        self.assertNotIn("<img src=x", page)
        self.assertIn("Après-midi &lt;img src=x onerror=", page)
        self.assertIn('data-tour-day="%s"' % self.open_day.isoformat(), page)

    def test_locked_day_is_shown_with_its_reason_and_refused(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open(self._week_url(self.child_a1, self.locked_day))
        locked_key = self._key(self.reg_a1, self.locked_day)
        if self.locked_day.weekday() == 2:
            # no checkbox to tick on a locked day (the phone list shows it disabled)
            self.assertIn('value="%s"' % locked_key, page.text)
            self.assertIsNone(
                re.search(r'value="%s"(?![^>]*disabled)' % locked_key, page.text)
            )
            limit = self.locked_day - timedelta(days=6)
            # the reason names the last day to book
            self.assertIn(limit.strftime("%d/%m/%Y"), page.text)
        response = self._post(
            "/my/planning",
            {
                "child": self.child_a1.id,
                "view": "week",
                "start": self.locked_day.isoformat(),
                "cell": locked_key,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="pf_planning_errors"', response.text)
        self.assertFalse(
            self.env["family.booking.cart.line"].search(
                [("household_id", "=", self.household_a.id)]
            )
        )

    def test_locked_days_say_why_once_and_offer_no_whole_period(self):
        """A locked day's reason is written out (not only a tooltip): once per day in
        the phone list, whatever the number of units, the units' boxes described by it;
        under the grid in a list. A row whose days are all locked has no "whole
        period" button."""
        self.act_live.write(
            {
                "unit_ids": [
                    Command.create(
                        {
                            "name": "Matin",
                            "tariff_ids": [
                                Command.create({"name": "MATIN", "price": 2.0})
                            ],
                        }
                    )
                ]
            }
        )
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open(self._week_url(self.child_a1, self.locked_day))
        tree = lxml_html.fromstring(page.text)
        phone = tree.xpath("//form[hasclass('pf-planning-list')]")[0]
        day = self.locked_day.isoformat()
        boxes = phone.xpath(".//input[@data-tour-day='%s']" % day)
        self.assertEqual(len(boxes), 2, "one box per unit")
        reason_ids = {box.get("aria-describedby") for box in boxes}
        self.assertEqual(len(reason_ids), 1, "both units described by one reason")
        [reason] = phone.xpath(".//p[@id='%s']" % reason_ids.pop())
        reason = reason.text_content().strip()
        self.assertIn(
            (self.locked_day - timedelta(days=6)).strftime("%d/%m/%Y"), reason
        )
        self.assertEqual(phone.text_content().count(reason), 1, "said once on a phone")
        grid = tree.xpath("//form[hasclass('pf-planning-grid')]")[0]
        legend = grid.xpath(".//details[hasclass('pf-lock-reasons')]")[0]
        self.assertIn(reason, legend.text_content(), "listed under the grid")
        self.assertFalse(
            grid.xpath(".//button[@name='fill']"), "no whole period: all days locked"
        )
        self.assertFalse(phone.xpath(".//button[@name='fill']"), "nor on a phone")
        # a locked day's units side by side on a phone (the list stays short)
        self.assertEqual(
            len(
                phone.xpath(
                    ".//div[hasclass('pf-day-locked')]//input[@data-tour-day='%s']"
                    % day
                )
            ),
            2,
        )
        page = self.url_open(self._week_url(self.child_a1, self.open_day))
        tree = lxml_html.fromstring(page.text)
        for form in ("pf-planning-grid", "pf-planning-list"):
            self.assertEqual(
                len(tree.xpath("//form[hasclass('%s')]//button[@name='fill']" % form)),
                2,
                "an open day: whole period on each unit's row (%s)" % form,
            )
        phone = tree.xpath("//form[hasclass('pf-planning-list')]")[0]
        self.assertFalse(
            phone.xpath(
                ".//div[hasclass('pf-day-locked')]//input[@data-tour-day='%s']"
                % self.open_day.isoformat()
            ),
            "an open day keeps a line per unit",
        )
        # the phone's "whole period" of a unit puts its open days in the recap
        fill = phone.xpath(".//button[@name='fill']")[0].get("value")
        response = self._post(
            "/my/planning",
            {
                "child": self.child_a1.id,
                "view": "week",
                "start": self.open_day.isoformat(),
                "fill": fill,
            },
        )
        self.assertEqual(response.status_code, 200)
        lines = self.env["family.booking.cart.line"].search(
            [("household_id", "=", self.household_a.id)]
        )
        self.assertIn(self.open_day, lines.mapped("date"))
        self.assertEqual(
            {"%s-%s" % (line.registration_id.id, line.unit_id.id) for line in lines},
            {fill},
        )

    def test_another_family_ids_and_anonymous_visitors_are_refused(self):
        # family A prepares a recap line
        cart = (
            self.env["family.booking.cart"]
            .with_user(self.parent_a)
            ._get_for_household(self.household_a.with_user(self.parent_a))
        )
        line = cart.add_bookings(
            [
                {
                    "registration_id": self.reg_a1.id,
                    "unit_id": self.unit_live.id,
                    "date": self.open_day,
                }
            ]
        )[0]["line"]
        self.assertTrue(line)

        self.authenticate(self.parent_b.login, self.parent_b.login)
        for url in (
            self._week_url(self.child_a1, self.open_day),
            "/my/planning?child=%s" % self.child_a1.id,
            "/my/planning?child=abc",
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(self.child_a1.first_name, response.text)
        # posting family A's child, or A's registration in B's own form, or A's recap
        # line
        response = self._post(
            "/my/planning",
            {
                "child": self.child_a1.id,
                "view": "week",
                "start": self.open_day.isoformat(),
            },
        )
        self.assertEqual(response.status_code, 404)
        response = self._post(
            "/my/planning",
            {
                "child": self.child_b1.id,
                "view": "week",
                "start": self.open_day.isoformat(),
                "cell": self._key(self.reg_a1, self.open_day),
            },
        )
        self.assertIn('id="pf_planning_errors"', response.text)
        response = self._post("/my/recap/remove", {"line_id": line.id})
        self.assertEqual(response.status_code, 404)
        recap = self.url_open("/my/recap")
        self.assertNotIn(self.child_a1.first_name, recap.text)
        self.assertTrue(line.exists())
        self.assertFalse(
            self.env["family.booking.cart.line"].search(
                [("household_id", "=", self.household_b.id)]
            )
        )

        # a form posted without its CSRF token is refused
        response = self.url_open("/my/recap/clear", data={"x": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(line.exists())

        # anonymous visitors are sent to the login page, and see nothing
        self.authenticate(None, None)
        for url in (self._week_url(self.child_a1, self.open_day), "/my/recap"):
            response = self.url_open(url)
            self.assertIn("/web/login", response.url)
            self.assertNotIn(self.child_a1.first_name, response.text)

    def _tour(self, tour, browser_size):
        self.browser_size = browser_size
        self.start_tour(
            self._week_url(self.child_a1, self.open_day),
            tour,
            login=self.parent_a.login,
        )
        reservation = self.env["family.reservation"].search(
            [("child_id", "=", self.child_a1.id)]
        )
        self.assertEqual(reservation.date, self.open_day)
        self.assertEqual(reservation.state, "reserved")
        self.assertTrue(
            self.env["mail.mail"].search([("model", "=", "family.booking.cart")])
        )

    def test_booking_tour_desktop(self):
        self._tour("portail_famille_portal_booking", "1366x768")

    def test_booking_tour_phone(self):
        self._tour("portail_famille_portal_booking_phone", "390x844")

    def test_recap_and_result_fit_a_phone(self):
        # on a 375 px phone the recap and the result page have nothing off-screen,
        # and the result's "Réservé" reads at 4.5:1 (checked by the tour's steps)
        self._tour("portail_famille_portal_recap_phone", "375x667")

    # ------------------------------------------------------------------ keyboard alone
    # The whole booking flow with the keyboard alone (RGAA / WCAG 2.1.1): real key
    # presses sent to headless Chromium (PortalBrowserMixin: trusted events, the
    # browser's own focus moves, checkbox toggling and button activation), never a
    # click. Focus moves with Tab only and must be visible on each control.

    def test_refused_form_puts_the_focus_on_its_error_summary(self):
        """After a refused form the browser's focus is on the error summary at the top
        of the page, not on the body."""
        with self._parent_browser("/my/absences") as browser:
            self._eval(
                browser,
                "document.querySelector('.o_pf_absences form button[type=submit]')"
                ".click()",
            )
            self._wait_for(
                browser,
                "document.readyState === 'complete' && "
                "!!document.getElementById('pf-error-summary')",
                "the refused form did not come back with its errors",
            )
            self._wait_for(
                browser,
                "document.activeElement && "
                "document.activeElement.id === 'pf-error-summary'",
                "the focus is not on the error summary",
            )

    def test_booking_with_the_keyboard_alone(self):
        """Space ticks a day and Enter in its checkbox submits the form with its
        default action, "Add to the recap": that day only (not a row's "Whole
        period"), the planning comes back saying so. A second day ticked, Enter on "Add
        and see the recap" opens the recap with both days, Enter on "Finish" books them
        and the result page says so for each."""
        first, second = self.open_day, self.open_day + timedelta(days=7)
        url = "/my/planning?child=%s&view=fortnight&start=%s" % (
            self.child_a1.id,
            first.isoformat(),
        )
        cell = "form.pf-planning-grid input[name=cell][data-tour-day='%s']"
        with self._parent_browser(url) as browser:
            self._tab_to(browser, cell % first.isoformat())
            self._press(browser, "Space")
            self.assertTrue(
                self._eval(
                    browser, "document.querySelector(%r).checked" % (cell % first)
                )
            )
            self._eval(browser, "window.pf_before_enter = true")
            self._press(browser, "Enter")
            # the page is submitted and replaced by the planning with its notice
            self._wait_for(
                browser,
                "!window.pf_before_enter && document.readyState === 'complete' && "
                "!!document.querySelector('.o_pf_planning .alert-success')",
                "Enter in the checkbox did not add the day to the recap",
            )
            self.assertEqual(
                self._eval(
                    browser,
                    "document.querySelector('.o_pf_planning a[href=\\'/my/recap\\']')"
                    ".textContent.replace(/\\s+/g, ' ').trim()",
                ),
                "Modifications en attente dans le récapitulatif : 1",
                "Enter added the ticked day only",
            )
            self._tab_to(browser, cell % second.isoformat())
            self._press(browser, "Space")
            self._tab_to(browser, "form.pf-planning-grid button[name=go_recap]")
            self._press(browser, "Enter")
            self._wait_for_page(browser, "/my/recap", ".o_pf_recap .pf-recap-table")
            self.assertEqual(
                self._eval(
                    browser,
                    "document.querySelectorAll('.pf-recap-table tbody tr').length",
                ),
                2,
            )
            self._tab_to(
                browser,
                ".o_pf_recap form[action='/my/recap/confirm'] button[type=submit]",
            )
            self._press(browser, "Enter")
            self._wait_for_page(
                browser, "/my/recap/confirm", ".o_pf_recap_done .pf-result-table"
            )
            self.assertEqual(
                self._eval(
                    browser,
                    "document.querySelectorAll('.o_pf_recap_done .pf-result-ok')"
                    ".length",
                ),
                2,
                "the result page says both days are booked",
            )
        reservations = self.env["family.reservation"].search(
            [("child_id", "=", self.child_a1.id)], order="date"
        )
        self.assertEqual(reservations.mapped("date"), [first, second])
        self.assertEqual(set(reservations.mapped("state")), {"reserved"})
