import base64
import io
import time
from contextlib import contextmanager
from datetime import date, timedelta

from PIL import Image

from odoo import Command
from odoo.tests import TransactionCase
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

from odoo.addons.mail.tests.common import mail_new_test_user

# The smallest file guess_mimetype() recognises as a PDF, plus a real (tiny) PDF
# document.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TINY_PDF_B64 = base64.b64encode(TINY_PDF)


def create_race_town(
    env, families, capacity, tag, portal_users=False, every_weekday=False
):
    """A Wednesday activity of 2095 with ``capacity`` places a day (a unit at 9.00) and
    ``families`` households with a child registered (and, with ``portal_users``, a
    portal login each), for races between transactions (the concurrency tests, the
    rush and race benchmarks; ``every_weekday``: open from Monday to Friday, a day per
    case of the race benchmark): {year, activity, unit, name, households,
    registrations, parents}."""
    year = env["family.school.year"].create(
        {
            "name": f"2095/2096 {tag}",
            "date_start": "2095-09-01",
            "date_end": "2096-08-31",
            # bookings open once the school holidays are entered
            "period_ids": [
                Command.create(
                    {
                        "name": "Été 2096",
                        "kind": "summer",
                        "date_start": "2096-07-04",
                        "date_end": "2096-08-31",
                    }
                )
            ],
        }
    )
    activity = env["family.activity"].create(
        {
            "name": f"CL Mercredis {tag}",
            "kind": "alsh_wednesday",
            "school_year_id": year.id,
            "capacity": capacity,
            "booking_rule": "days_before",
            "booking_days_before": 6,
            "monday": every_weekday,
            "tuesday": every_weekday,
            "thursday": every_weekday,
            "friday": every_weekday,
            "unit_ids": [
                Command.create(
                    {
                        "name": "Journée",
                        "tariff_ids": [
                            Command.create({"name": "JOURNEE", "price": 9.0})
                        ],
                    }
                )
            ],
        }
    )
    parents = env["res.users"]
    if portal_users:
        parents = (
            env["res.users"]
            .with_context(no_reset_password=True, mail_create_nolog=True)
            .create(
                [
                    {
                        "name": f"Parent RACE{i}",
                        "login": f"race{i}.{tag}@example.com",
                        "email": f"race{i}.{tag}@example.com",
                        "groups_id": [Command.set([env.ref("base.group_portal").id])],
                    }
                    for i in range(families)
                ]
            )
        )
    households = env["family.household"].create(
        [
            {
                "name": f"Famille RACE{i} {tag}",
                "responsible_partner_id": parents[i].partner_id.id
                if portal_users
                else False,
            }
            for i in range(families)
        ]
    )
    children = env["family.child"].create(
        [
            {
                "first_name": f"Enfant{i}",
                "last_name": "Race",
                "birth_date": "2019-01-01",
                "class_level": "ce1",
                "household_id": household.id,
            }
            for i, household in enumerate(households)
        ]
    )
    registrations = env["family.registration"].create(
        [
            {"child_id": child.id, "activity_id": activity.id, "state": "validated"}
            for child in children
        ]
    )
    return {
        "year": year.id,
        "activity": activity.id,
        "unit": activity.unit_ids.id,
        "name": activity.name,
        "households": households.ids,
        "registrations": registrations.ids,
        "parents": parents.ids,
    }


def tiny_image(kind="PNG", padding=b""):
    """A real 4×4 image of ``kind`` (JPEG or PNG) that Pillow and guess_mimetype()
    recognise, followed by ``padding`` (bytes a viewer ignores: a size to reach, a mark
    to look for)."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, kind)
    return buffer.getvalue() + padding


class FamilyCommon(TransactionCase):
    """Two families of the town (MARTIN, resident, and DURAND, outside the town) with
    their portal logins, their children, the 2025/2026 school year of zone C with its
    holiday periods, a few activities priced by a 4-bracket QF grid, and one user of
    each staff group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the town works in French: families read their e-mails, staff and parents their
        # messages in French
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env = env = cls.env(context=dict(cls.env.context, lang="fr_FR"))

        # ---------------------------------------------------------------- staff
        cls.agent = mail_new_test_user(
            env,
            login="pf_agent",
            groups="portail_famille.group_family_agent",
            name="Agnès AGENT",
            email="agent@mairie.example.com",
        )
        cls.manager = mail_new_test_user(
            env,
            login="pf_manager",
            groups="portail_famille.group_family_manager",
            name="Marc MANAGER",
            email="manager@mairie.example.com",
        )
        cls.health_user = mail_new_test_user(
            env,
            login="pf_health",
            groups="portail_famille.group_family_health",
            name="Hélène SANTÉ",
            email="sante@mairie.example.com",
        )
        cls.accountant = mail_new_test_user(
            env,
            login="pf_accountant",
            groups="portail_famille.group_family_accountant",
            name="Cédric COMPTA",
            email="compta@mairie.example.com",
        )

        # ---------------------------------------------------------------- families
        cls.parent_a = mail_new_test_user(
            env,
            login="alice.martin@example.com",
            groups="base.group_portal",
            name="Alice MARTIN",
            email="alice.martin@example.com",
            notification_type="email",
        )
        cls.parent_b = mail_new_test_user(
            env,
            login="bruno.durand@example.com",
            groups="base.group_portal",
            name="Bruno DURAND",
            email="bruno.durand@example.com",
            notification_type="email",
        )
        cls.spouse_a = env["res.partner"].create(
            {"name": "Paul MARTIN", "email": "paul.martin@example.com"}
        )
        Household = env["family.household"]
        cls.household_a = Household.create(
            {
                "name": "Famille MARTIN",
                "responsible_partner_id": cls.parent_a.partner_id.id,
                "spouse_partner_id": cls.spouse_a.id,
                "is_resident": True,
            }
        )
        cls.household_b = Household.create(
            {
                "name": "Famille DURAND",
                "responsible_partner_id": cls.parent_b.partner_id.id,
                "is_resident": False,
            }
        )
        # the town's families read their e-mails in French, whatever the database's
        # default language
        (cls.household_a | cls.household_b).lang = "fr_FR"

        Child = env["family.child"]
        cls.child_a1 = Child.create(
            {
                "first_name": "Léa",
                "last_name": "Martin",
                "birth_date": "2018-03-15",
                "household_id": cls.household_a.id,
                "class_level": "cp",
                "gender": "girl",
            }
        )
        cls.child_a2 = Child.create(
            {
                "first_name": "Tom",
                "last_name": "Martin",
                "birth_date": "2021-06-01",
                "household_id": cls.household_a.id,
                "class_level": "ms",
                "gender": "boy",
            }
        )
        cls.child_a3 = Child.create(
            {
                "first_name": "Jade",
                "last_name": "Martin",
                "birth_date": "2024-01-10",
                "household_id": cls.household_a.id,
            }
        )
        cls.child_b1 = Child.create(
            {
                "first_name": "Hugo",
                "last_name": "Durand",
                "birth_date": "2017-09-10",
                "household_id": cls.household_b.id,
                "class_level": "ce1",
                "gender": "boy",
            }
        )

        # ---------------------------------------------------------------- calendar
        cls.year = env["family.school.year"].create(
            {
                "name": "2025/2026 (tests)",
                "date_start": "2025-09-01",
                "date_end": "2026-08-31",
                "zone": "C",
            }
        )
        Period = env["family.period"]
        cls.period_autumn = Period.create(
            {
                "name": "Toussaint 2025",
                "school_year_id": cls.year.id,
                "kind": "autumn",
                "date_start": "2025-10-18",
                "date_end": "2025-11-02",
                "window_date_start": "2025-09-01",
                "window_date_end": "2025-10-01",
            }
        )
        cls.period_christmas = Period.create(
            {
                "name": "Noël 2025",
                "school_year_id": cls.year.id,
                "kind": "christmas",
                "date_start": "2025-12-20",
                "date_end": "2026-01-04",
            }
        )
        cls.period_winter = Period.create(
            {
                "name": "Hiver 2026",
                "school_year_id": cls.year.id,
                "kind": "winter",
                "date_start": "2026-02-21",
                "date_end": "2026-03-08",
            }
        )
        cls.period_spring = Period.create(
            {
                "name": "Printemps 2026",
                "school_year_id": cls.year.id,
                "kind": "spring",
                "date_start": "2026-04-18",
                "date_end": "2026-05-03",
            }
        )
        cls.period_summer = Period.create(
            {
                "name": "Été 2026",
                "school_year_id": cls.year.id,
                "kind": "summer",
                "date_start": "2026-07-04",
                "date_end": "2026-08-31",
            }
        )

        # ---------------------------------------------------------------- activities
        Activity = env["family.activity"]
        cls.act_restaurant = Activity.create(
            {
                "name": "Restauration scolaire",
                "kind": "restaurant",
                "school_year_id": cls.year.id,
                "age_group": "all",
                "runs_on": "school_days",
                "responsible_user_id": cls.agent.id,
                "registration_date_start": "2025-03-10",
                "registration_date_end": "2025-08-20",
                "unit_ids": [Command.create({"name": "Repas"})],
            }
        )
        cls.unit_meal = cls.act_restaurant.unit_ids
        cls.unit_meal.write(
            {
                "tariff_ids": [
                    Command.create(
                        {"name": "REPAS T1", "qf_min": 0, "qf_max": 400, "price": 1.50}
                    ),
                    Command.create(
                        {
                            "name": "REPAS T2",
                            "qf_min": 400,
                            "qf_max": 800,
                            "price": 2.80,
                        }
                    ),
                    Command.create(
                        {
                            "name": "REPAS T3",
                            "qf_min": 800,
                            "qf_max": 1200,
                            "price": 3.90,
                        }
                    ),
                    Command.create(
                        {"name": "REPAS T4", "qf_min": 1200, "qf_max": 0, "price": 4.80}
                    ),
                ]
            }
        )
        cls.act_alsh_holiday = Activity.create(
            {
                "name": "ALSH Toussaint maternelle",
                "kind": "alsh_holiday",
                "school_year_id": cls.year.id,
                "age_group": "maternelle",
                "runs_on": "holidays",
                "period_ids": [Command.set(cls.period_autumn.ids)],
                "unit_ids": [Command.create({"name": "Journée"})],
            }
        )
        cls.act_alae_auto = Activity.create(
            {
                "name": "ALAE matin",
                "kind": "alae_morning",
                "school_year_id": cls.year.id,
                "age_group": "elementaire",
                "auto_validate": True,
            }
        )
        cls.act_creche = Activity.create(
            {
                "name": "Multi-accueil",
                "kind": "early_childhood",
                "school_year_id": cls.year.id,
                "age_group": "early_childhood",
                "preregistration": True,
                "responsible_user_id": cls.agent.id,
            }
        )

    # -------------------------------------------------------------------- helpers
    @classmethod
    def _create_quotient(
        cls,
        household,
        value,
        date_from="2025-01-01",
        date_to="2025-12-31",
        validate=True,
    ):
        quotient = cls.env["family.quotient"].create(
            {
                "household_id": household.id,
                "value": value,
                "date_from": date_from,
                "date_to": date_to,
                "proof": TINY_PDF_B64,
                "proof_filename": "attestation_caf.pdf",
            }
        )
        if validate:
            quotient.with_user(cls.agent).action_validate()
        return quotient

    @classmethod
    def _create_registration(
        cls,
        child,
        activity,
        date_start="2025-09-01",
        date_end="2026-07-03",
        user=None,
        **vals,
    ):
        env = cls.env(user=user) if user else cls.env
        return env["family.registration"].create(
            {
                "child_id": child.id,
                "activity_id": activity.id,
                "date_start": date_start,
                "date_end": date_end,
                **vals,
            }
        )

    @classmethod
    def _create_live_year(cls):
        """A school year around today, for the HTTP tests (the server's clock cannot be
        frozen)."""
        today = date.today()
        year = cls.env["family.school.year"].create(
            {
                "name": "Live year (tests)",
                "date_start": today - timedelta(days=60),
                "date_end": today + timedelta(days=300),
                "zone": "C",
            }
        )
        # a year opens its bookings once its school holidays are entered: its
        # summer, far from the days the tests book
        cls.env["family.period"].create(
            {
                "name": "Été (tests)",
                "school_year_id": year.id,
                "kind": "summer",
                "date_start": today + timedelta(days=270),
                "date_end": year.date_end,
            }
        )
        return year

    @staticmethod
    def _date(value):
        return date.fromisoformat(value)


class PortalBrowserMixin:
    """Headless Chromium driven from the test through the DevTools protocol, for an
    HttpCase: pages opened one after the other in one browser, real key presses
    (trusted events: the browser's own focus moves, checkbox toggling and button
    activation), expressions evaluated in the page."""

    KEYS = {
        "Tab": ("Tab", "Tab", 9, None),
        "Space": (" ", "Space", 32, " "),
        "Enter": ("Enter", "Enter", 13, "\r"),
    }

    def _press(self, browser, name):
        key, code, key_code, text = self.KEYS[name]
        event = {"key": key, "code": code, "windowsVirtualKeyCode": key_code}
        browser._websocket_request(
            "Input.dispatchKeyEvent",
            params={**event, "type": "keyDown", **({"text": text} if text else {})},
        )
        browser._websocket_request(
            "Input.dispatchKeyEvent", params={**event, "type": "keyUp"}
        )

    def _eval(self, browser, expression, timeout=10):
        """The value of ``expression`` in the page (a promise is awaited)."""
        result = browser._websocket_request(
            "Runtime.evaluate",
            params={
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": True,
            },
            timeout=timeout,
        )
        return result.get("result", {}).get("value")

    def _wait_for(self, browser, expression, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                ready = self._eval(browser, expression)
            except Exception:  # the page is being replaced while it navigates
                ready = False
            if ready:
                return
            time.sleep(0.2)
        self.fail(what)

    def _wait_for_page(self, browser, path, selector):
        self._wait_for(
            browser,
            "location.pathname === %r && document.readyState === 'complete' && "
            "!!document.querySelector(%r)" % (path, selector),
            "the page %s (%s) did not open" % (path, selector),
        )

    def _tab_to(self, browser, selector, max_presses=250):
        """Press Tab until ``selector`` has the focus; assert the focus is visible
        there."""
        for _press in range(max_presses):
            self._press(browser, "Tab")
            if self._eval(
                browser,
                "!!document.activeElement && document.activeElement.matches(%r)"
                % selector,
            ):
                visible = self._eval(
                    browser,
                    """(() => { const el = document.activeElement;
                    const style = getComputedStyle(el);
                    return el.matches(':focus-visible') &&
                        (style.outlineStyle !== 'none' || """
                    "style.boxShadow !== 'none'); })()",
                )
                self.assertTrue(
                    visible, "the keyboard focus on %s is not visible" % selector
                )
                return
        self.fail("%s cannot be reached with the Tab key" % selector)

    @contextmanager
    def _portal_browser(self, path, login=None):
        """Headless Chromium at ``self.browser_size``, logged in as ``login`` (anonymous
        without), on ``path`` (on no page yet with None); stopped and its requests
        awaited on exit."""
        browser = ChromeBrowser(self)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(login, login, browser=browser)
            self.http_request_strict_check = True
            self.cr.flush()
            self.cr.clear()
            if path is not None:
                browser.navigate_to(self.base_url() + path, wait_stop=True)
                self.assertTrue(browser._wait_ready())
            yield browser
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
            self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key

    def _parent_browser(self, path):
        """Headless Chromium logged in as parent A on ``path`` (desktop size)."""
        self.browser_size = "1366x768"
        return self._portal_browser(path, self.parent_a.login)


def assert_error_summary(test, html, field_ids, form_error=None):
    """The page shown again after a refused form (``html``) starts with an error summary
    that takes the focus (role alert, tabindex -1, autofocus) and links to each invalid
    field of ``field_ids``; each of those fields is marked aria-invalid and described by
    its message. ``form_error``: a text the summary says without a link."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    summaries = tree.xpath('//*[@id="pf-error-summary"]')
    test.assertEqual(len(summaries), 1, "one error summary on the page")
    summary = summaries[0]
    test.assertEqual(summary.get("role"), "alert")
    test.assertEqual(summary.get("tabindex"), "-1")
    test.assertIsNotNone(summary.get("autofocus"), "the summary takes the focus")
    forms_before = summary.xpath("preceding::form[ancestor::*[@id='wrap']]")
    test.assertFalse(forms_before, "the summary comes before the page's forms")
    links = [a.get("href") for a in summary.xpath(".//a")]
    for field_id in field_ids:
        test.assertIn("#" + field_id, links)
        fields = tree.xpath('//*[@id="%s"]' % field_id)
        test.assertEqual(len(fields), 1, field_id)
        field = fields[0]
        test.assertEqual(field.get("aria-invalid"), "true", field_id)
        message_id = field.get("aria-describedby")
        test.assertTrue(message_id, field_id)
        message = tree.xpath('//*[@id="%s"]' % message_id)
        test.assertEqual(len(message), 1, message_id)
        test.assertTrue(message[0].text_content().strip(), message_id)
        test.assertIn(
            message[0].text_content().strip(),
            [a.text_content().strip() for a in summary.xpath(".//a")],
            "the summary's link says the field's message",
        )
    if form_error:
        test.assertIn(form_error, summary.text_content())
