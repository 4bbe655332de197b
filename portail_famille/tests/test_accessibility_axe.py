import json
import os
from datetime import date, timedelta

from odoo import Command
from odoo.tests import tagged

from .common import TINY_PDF_B64, PortalBrowserMixin
from .test_portal_planning import LivePlanningCase

# axe-core as pinned in the project's package.json, installed into node_modules by
# ./test.sh (scripts/lib.sh, ensure_node_tools)
AXE_JS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "node_modules",
    "axe-core",
    "axe.min.js",
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"desktop": "1366x900", "phone": "390x844"}

# Fills a form and submits it with one of its buttons (the browser's own validation
# off: the server's refusal is what is audited). Returns an error text, or "".
SUBMIT_JS = """((args) => {
    const form = document.querySelector(args.form);
    if (!form) {
        return `no form ${args.form}`;
    }
    form.noValidate = true;
    for (const [name, value] of Object.entries(args.values)) {
        const fields = form.querySelectorAll(`[name="${name}"]`);
        if (!fields.length) {
            return `no field ${name} in ${args.form}`;
        }
        for (const field of fields) {
            if (field.type === "checkbox" || field.type === "radio") {
                field.checked = field.value === value;
            } else {
                field.value = value;
            }
        }
    }
    for (const [name, file] of Object.entries(args.files)) {
        const input = form.querySelector(`input[type=file][name="${name}"]`);
        if (!input) {
            return `no file field ${name} in ${args.form}`;
        }
        const data = new DataTransfer();
        data.items.add(new File([file.content], file.name, {type: file.type}));
        input.files = data.files;
    }
    const button = form.querySelector(args.button);
    if (!button) {
        return `no button ${args.button} in ${args.form}`;
    }
    window.pf_old_page = true;
    form.requestSubmit(button);
    return "";
})(%s)"""

# after two frames: the page laid out once its scripts have started
AXE_RUN_JS = """new Promise((resolve) => requestAnimationFrame(resolve))
    .then(() => new Promise((resolve) => requestAnimationFrame(resolve)))
    .then(() => axe.run(document, {
        runOnly: {type: "tag", values: %s},
        resultTypes: ["violations"],
    }))
    .then((results) => results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.flat().join(" ")),
    })))""" % json.dumps(AXE_TAGS)

# a text file named as a PDF: refused by its bytes
NOT_A_PDF = {"name": "certificat.pdf", "type": "application/pdf", "content": "texte"}


@tagged("post_install", "-at_install")
class TestAccessibilityAxe(PortalBrowserMixin, LivePlanningCase):
    """axe-core's WCAG 2.1 A and AA rules on every page of the family portal and of
    the public site, in each state a family meets (filled lists, the recap with its
    lines, the result of "Finish" with a booked, a refused and a waiting-list day, each
    form refused with its errors), at a desktop and at a phone size: one Chromium per
    size visits them all in turn, and the test lists every violation found. No rule is
    left out, not even on Odoo's own markup (the invoice pages, the payment form): the
    addon's templates and stylesheet fix what it shows there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        household = cls.household_a
        today = date.today()
        cls.act_open = env["family.activity"].create(
            {
                "name": "Atelier théâtre",
                "kind": "alsh_wednesday",
                "school_year_id": cls.live_year.id,
                "age_group": "all",
                "unit_ids": [Command.create({"name": "Séance"})],
            }
        )
        # registrations in two states, a quotient, a health sheet with a vaccine
        cls._create_registration(
            cls.child_a2,
            cls.act_open,
            date_start=cls.live_year.date_start,
            date_end=cls.live_year.date_end,
        )
        cls._create_quotient(
            household,
            742.5,
            date_from=cls.live_year.date_start,
            date_to=cls.live_year.date_end,
        )
        sheet = cls.child_a1.health_sheet_id
        sheet.write(
            {
                "doctor_name": "Dr Petit",
                "doctor_phone": "0561000000",
                "allergies": "Arachide",
            }
        )
        env["family.vaccine"].create(
            {"health_sheet_id": sheet.id, "vaccine": "dtp", "date": "2019-05-01"}
        )
        # Mon dossier: a person allowed to pick up, a document, a child asked for
        env["family.authorized.person"].create(
            {
                "household_id": household.id,
                "name": "Mamie Martin",
                "phone": "0611223344",
                "relationship": "Grand-mère",
            }
        )
        env["family.document"].create(
            {
                "household_id": household.id,
                "document_type": "proof_of_address",
                "name": "Facture EDF",
                "file": TINY_PDF_B64,
                "file_name": "edf.pdf",
            }
        )
        env["family.child.request"].create(
            {
                "household_id": household.id,
                "first_name": "Zoé",
                "last_name": "Martin",
                "birth_date": "2024-11-02",
            }
        )
        # an absence, a conversation answered by the town, the town's news and
        # documents, an invoice to pay
        env["family.absence"].create(
            {
                "child_id": cls.child_a1.id,
                "date_from": today + timedelta(days=40),
                "date_to": today + timedelta(days=41),
                "reason": "illness",
            }
        )
        cls.conversation = (
            env["family.message"]
            .with_user(cls.parent_a)
            ._portal_create(
                household, "alae", "information", "Menu sans porc", "Bonjour", []
            )
        )
        cls.conversation.with_user(cls.agent).message_post(
            body="C'est noté.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        env["family.news"].create(
            {
                "name": "Fête de l'école",
                "body": "<p>Samedi à 10 h dans la cour.</p>",
                "date_published": today,
            }
        )
        env["family.public.document"].create(
            {
                "name": "Menus du mois",
                "category": "menu",
                "file": TINY_PDF_B64,
                "file_name": "menus.pdf",
            }
        )
        cls.invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": household.partner_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Cantine", "quantity": 1, "price_unit": 42.5}
                    )
                ],
            }
        )
        cls.invoice.action_post()
        # and one paid
        cls.paid_invoice = cls.invoice.copy()
        cls.paid_invoice.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.paid_invoice.ids
        ).create({}).action_create_payments()
        # paid online with Odoo's demo provider
        env.ref("payment.payment_provider_demo").write(
            {"state": "test", "is_published": True}
        )
        # the recap: a day to book, a full day asked on the waiting list, and a day
        # the town books meanwhile (refused when the family finishes)
        waiting_day = cls.open_day + timedelta(days=7)
        refused_day = cls.open_day + timedelta(days=14)
        Reservation = env["family.reservation"].with_context(booking_override=True)
        Reservation._book(
            [
                {
                    "registration_id": registration.id,
                    "unit_id": cls.unit_live.id,
                    "date": waiting_day,
                }
                for registration in (cls.reg_a2, cls.reg_b1)
            ]
        )
        cart = env["family.booking.cart"]._get_for_household(household)
        results = cart.add_bookings(
            [
                {
                    "registration_id": cls.reg_a1.id,
                    "unit_id": cls.unit_live.id,
                    "date": day,
                    "waiting_list": day == waiting_day,
                }
                for day in (cls.open_day, waiting_day, refused_day)
            ]
        )
        assert not [r["error"] for r in results if r["error"]], results
        Reservation._book(
            [
                {
                    "registration_id": cls.reg_a1.id,
                    "unit_id": cls.unit_live.id,
                    "date": refused_day,
                }
            ]
        )

    # ------------------------------------------------------------ driving the browser
    def _open(self, browser, path, expect="main"):
        """Open ``path`` and wait until its page is loaded, its scripts started and
        ``expect`` is there."""
        self._eval(browser, "window.pf_old_page = true")
        browser._websocket_request(
            "Page.navigate", params={"url": self.base_url() + path}, timeout=20
        )
        self._wait_loaded(browser, path, expect)

    def _wait_loaded(self, browser, what, expect):
        self._wait_for(
            browser,
            "!window.pf_old_page && document.readyState === 'complete' && "
            "!!(window.odoo && odoo.__WOWL_DEBUG__) && !!document.querySelector(%r)"
            % expect,
            "%s: the page did not open with %s" % (what, expect),
        )

    def _submit(
        self,
        browser,
        form,
        values=None,
        files=None,
        button="[type=submit]",
        expect="#pf-error-summary",
    ):
        """Fill the form ``form`` (a selector) with ``values`` and ``files`` ({name:
        {name, type, content}}), submit it with ``button`` and wait for the page that
        answers, with ``expect`` (by default the error summary of a refused form)."""
        args = {
            "form": form,
            "values": values or {},
            "files": files or {},
            "button": button,
        }
        error = self._eval(browser, SUBMIT_JS % json.dumps(args))
        self.assertFalse(error)
        self._wait_loaded(browser, "the answer of %s" % form, expect)

    def _axe(self, browser, page, size):
        """axe-core's violations on the page shown: [(page, size, rule, impact, help,
        target)]."""
        violations = self._eval(browser, AXE_RUN_JS, timeout=60)
        self.assertIsInstance(violations, list, "axe-core did not run on %s" % page)
        return [
            (page, size, v["id"], v["impact"], v["help"], target)
            for v in violations
            for target in v["targets"]
        ]

    # ------------------------------------------------------------------ the pages
    def _audit_portal(self, size):
        self.assertTrue(
            os.path.isfile(AXE_JS),
            "axe-core is missing (%s): ./test.sh installs it (npm ci)" % AXE_JS,
        )
        with open(AXE_JS, encoding="utf-8") as axe_file:
            axe_source = axe_file.read()
        self.browser_size = SIZES[size]
        self.touch_enabled = size == "phone"
        bernard = self.env.ref("portail_famille.user_portal_bernard")
        found = []
        with self._portal_browser(None) as browser:
            # axe-core in every page (and frame) the browser opens from now on
            browser._websocket_request(
                "Page.addScriptToEvaluateOnNewDocument", params={"source": axe_source}
            )

            def audit(page):
                found.extend(self._axe(browser, page, size))

            def visit(path, expect="main", page=None):
                self._open(browser, path, expect)
                audit(page or path)

            def refuse(page, form, values=None, files=None, **kw):
                """Submit ``form`` with bad input: audit the page that refuses it."""
                self._submit(browser, form, values, files, **kw)
                audit(page)

            # ---------------------------------------------------------- anonymous
            visit("/", "#wrap")
            visit("/accessibilite")
            visit("/documents")
            visit("/pre-registration", "form[action='/pre-registration']")
            refuse(
                "/pre-registration (refused)",
                "form[action='/pre-registration']",
                {"first_name": "", "email": "pas-un-email", "zip": "ABC"},
                expect="[aria-invalid='true']",
            )
            visit("/pre-registration/thanks")

            # ---------------------------------------------------------- the parent
            self.authenticate(self.parent_a.login, self.parent_a.login, browser=browser)
            visit("/my", ".o_pf_home")
            if size == "phone":
                # the portal header's tabs, unfolded
                self._eval(
                    browser,
                    "document.querySelector('.o_pf_nav .navbar-toggler').click()",
                )
                self._wait_for(
                    browser,
                    "!!document.querySelector('#pf_nav_tabs.show:not(.collapsing)')",
                    "the menu of the family's space did not unfold",
                )
                audit("/my (menu unfolded)")
            # Mon dossier and each of its forms refused
            visit("/my/family", ".o_pf_family")
            refuse(
                "/my/family (contact refused)",
                "form[action='/my/family/contact']",
                {"zip": "ABCDE", "phone": "12"},
            )
            refuse(
                "/my/family (authorized person refused)",
                "form[action='/my/family/authorized']",
                {"name": "", "phone": "abc"},
            )
            refuse(
                "/my/family (quotient refused)",
                "form[action='/my/family/quotient']",
                {"value": "beaucoup", "date_from": "", "date_to": ""},
                {"proof": NOT_A_PDF},
            )
            refuse(
                "/my/family (document refused)",
                "form[action='/my/family/document']",
                {"name": "Justificatif"},
                {"file": NOT_A_PDF},
            )
            visit("/my/children/new", "form[action='/my/children/new']")
            refuse(
                "/my/children/new (refused)",
                "form[action='/my/children/new']",
                {"first_name": "", "last_name": "", "birth_date": ""},
                expect="[aria-invalid='true']",
            )
            # a child's page, its identity, health sheet and vaccine forms refused
            child = "/my/children/%s" % self.child_a1.id
            visit(child, ".o_pf_child")
            refuse(
                "%s (identity refused)" % child,
                "form[action='%s/identity']" % child,
                {"first_name": "", "birth_date": ""},
                {"photo": NOT_A_PDF},
            )
            refuse(
                "%s (health sheet refused)" % child,
                "form[action='%s/health']" % child,
                {"doctor_phone": "12"},
            )
            refuse(
                "%s (vaccine refused)" % child,
                "form[action='%s/vaccine']" % child,
                {"vaccine": "", "date": ""},
            )
            # registrations
            visit("/my/registrations", ".o_pf_registrations")
            refuse(
                "/my/registrations (refused)",
                "form[action='/my/registrations']:has(input[name=child_id][value='%s'])"
                % self.child_a1.id,
                {"activity_id": ""},
            )
            # the planning: a month with locked days, the month of the recap's days,
            # a week, and a change refused
            planning = "/my/planning?child=%s&view=%%s&start=%%s" % self.child_a1.id
            visit(planning % ("month", self.locked_day), ".o_pf_planning")
            visit(planning % ("month", self.open_day), ".o_pf_planning")
            visit(planning % ("week", self.open_day), ".o_pf_planning")
            form = "form.%s" % (
                "pf-planning-list" if size == "phone" else "pf-planning-grid"
            )
            self._eval(
                browser,
                "document.querySelector(%r).insertAdjacentHTML('beforeend', "
                '\'<input type="hidden" name="cell" value="%s"/>\')'
                % (form, self._key(self.reg_a1, self.locked_day)),
            )
            refuse("/my/planning (change refused)", form, expect="#pf_planning_errors")
            # the recap with its lines, then the result of Finish
            visit("/my/recap", ".o_pf_recap .pf-recap-table")
            self._submit(
                browser,
                "form[action='/my/recap/confirm']",
                expect=".o_pf_recap_done .pf-result-ko",
            )
            self.assertEqual(
                self._eval(
                    browser,
                    "document.querySelectorAll('.o_pf_recap_done .pf-result-ok')"
                    ".length",
                ),
                2,
                "the day booked and the day on the waiting list",
            )
            audit("/my/recap/confirm (booked, waiting list, refused)")
            visit("/my/recap", ".o_pf_recap", "/my/recap (empty)")
            # the weekly template: choosing, the preview, a period refused
            weekly = "/my/weekly-template"
            visit(weekly, ".o_pf_weekly_template")
            pattern = "%s?registration_id=%s&day_2=%s&date_from=%%s&date_to=%%s" % (
                weekly,
                self.reg_a1.id,
                self.unit_live.id,
            )
            visit(
                pattern % (self.open_day, self.open_day + timedelta(days=28))
                + "&preview=1",
                "#pf-weekly-preview",
                "%s (preview)" % weekly,
            )
            visit(
                pattern % ("", "") + "&preview=1",
                "[aria-invalid='true']",
                "%s (refused)" % weekly,
            )
            # absences
            visit("/my/absences", ".o_pf_absences")
            refuse(
                "/my/absences (refused)",
                ".o_pf_absences form",
                {"date_from": "", "date_to": "", "reason": ""},
                {"certificate": NOT_A_PDF},
            )
            # messages: the list, a new one refused, a conversation, an answer refused
            visit("/my/messages", ".o_pf_messages")
            refuse(
                "/my/messages (refused)",
                "form[action='/my/messages']",
                {"service": "", "subject": "", "body": ""},
            )
            thread = "/my/messages/%s" % self.conversation.id
            visit(thread, ".o_pf_message")
            refuse(
                "%s (answer refused)" % thread,
                "form[action='%s']" % thread,
                {"body": " "},
            )
            # news and documents
            visit("/my/news")
            visit("/my/documents")
            # billing: invoices, one invoice, paying several, a dispute refused, the
            # account statement, the direct debits, the attestations
            visit("/my/invoices")
            visit("/my/invoices/%s" % self.invoice.id, "main", "/my/invoices/<id>")
            visit(
                "/my/invoices/%s" % self.paid_invoice.id,
                "main",
                "/my/invoices/<id> (paid)",
            )
            visit("/my/invoices/pay", ".o_pf_invoices_pay form")
            visit(
                "/my/invoices/pay?invoice_ids=%s" % self.invoice.id,
                "#o_payment_form",
                "/my/invoices/pay (payment form)",
            )
            visit(
                "/my/invoices/pay?invoice_ids=0",
                ".o_pf_invoices_pay .alert-danger",
                "/my/invoices/pay (refused)",
            )
            dispute = "/my/invoices/%s/dispute" % self.invoice.id
            visit(dispute, "form[action='%s']" % dispute, "/my/invoices/<id>/dispute")
            refuse(
                "/my/invoices/<id>/dispute (refused)",
                "form[action='%s']" % dispute,
                {"reason": ""},
            )
            visit("/my/statement")
            visit("/my/direct-debit", ".o_pf_direct_debit form")
            visit("/my/attestations")
            # a family paying by direct debit (the demo town's BERNARD, with its
            # validated mandate): its mandate and its debited invoices
            self.authenticate(bernard.login, bernard.login, browser=browser)
            visit("/my/direct-debit", ".pf-mandate", "/my/direct-debit (mandate)")
            visit("/my/invoices", "main", "/my/invoices (direct debit)")
        self.assertFalse(
            found,
            "axe-core found %s violation(s) of WCAG 2.1 A/AA:\n%s"
            % (
                len(found),
                "\n".join(
                    "%s [%s] %s %s (%s): %s" % (size, impact, page, rule, text, target)
                    for page, size, rule, impact, text, target in found
                ),
            ),
        )

    def test_every_page_at_desktop_size(self):
        self._audit_portal("desktop")

    def test_every_page_at_phone_size(self):
        self._audit_portal("phone")
