from lxml import html

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FamilyCommon

TABS = [
    ("/my", "Accueil"),
    ("/my/family", "Mon dossier"),
    ("/my/registrations", "Inscriptions"),
    ("/my/planning", "Planning"),
    ("/my/invoices", "Facturation"),
    ("/my/messages", "Messagerie"),
]


@tagged("post_install", "-at_install")
class TestPortalNav(HttpCase, FamilyCommon):
    """The portal header: the six tabs of the family's space on every page of /my, the
    current one marked for screen readers, what the family has to pay and its unread
    answers as badges, folded behind a menu button on a phone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.household_a.partner_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Cantine", "quantity": 1, "price_unit": 42.5}
                    )
                ],
            }
        )
        invoice.action_post()
        cls.conversation = (
            cls.env["family.message"]
            .with_user(cls.parent_a)
            ._portal_create(
                cls.household_a, "alae", "information", "Question", "Bonjour", []
            )
        )
        cls.conversation.with_user(cls.agent).message_post(
            body="Bien noté.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    def _nav(self, url, user=None):
        """The portal header of ``url`` as ``user`` (the MARTIN parent by default):
        {href: (text, aria-current, badge text)}, and the menu button."""
        user = user or self.parent_a
        self.authenticate(user.login, user.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        navs = html.fromstring(response.text).xpath("//nav[hasclass('o_pf_nav')]")
        if not navs:
            return None, None
        tabs = {}
        for link in navs[0].xpath(".//a[hasclass('nav-link')]"):
            badge = link.xpath(".//span[hasclass('pf-nav-badge')]")
            tabs[link.get("href")] = (
                " ".join(link.text_content().split()),
                link.get("aria-current"),
                " ".join(badge[0].text_content().split()) if badge else None,
            )
        return tabs, navs[0].xpath(".//button[hasclass('navbar-toggler')]")[0]

    def test_six_tabs_current_one_and_badges(self):
        tabs, toggler = self._nav("/my/planning")
        self.assertEqual(list(tabs), [url for url, _label in TABS])
        for url, label in TABS:
            with self.subTest(tab=label):
                self.assertTrue(tabs[url][0].startswith(label), tabs[url][0])
        self.assertEqual(
            {url: tab[1] for url, tab in tabs.items() if tab[1]},
            {"/my/planning": "page"},
            "only the planning tab is the current page",
        )
        # what the family pays itself, as on the dashboard, and its unread answer,
        # both read out with their meaning
        self.assertEqual(tabs["/my/invoices"][2], "42,50 € à payer")
        self.assertEqual(tabs["/my/messages"][2], "1 réponse non lue")
        for url in ("/my", "/my/family", "/my/registrations", "/my/planning"):
            self.assertIsNone(tabs[url][2])
        # the phone's menu button: named, folded, controlling the tabs
        self.assertEqual(toggler.get("aria-expanded"), "false")
        self.assertEqual(toggler.get("aria-controls"), "pf_nav_tabs")
        self.assertEqual(
            " ".join(toggler.text_content().split()), "Menu de l'espace famille"
        )
        self.assertEqual(toggler.get("data-bs-target"), "#pf_nav_tabs")

    def test_current_tab_on_each_section(self):
        for url, current, aria in (
            ("/my", "/my", "page"),
            ("/my/home", "/my", "page"),
            ("/my/family", "/my/family", "page"),
            ("/my/children/%s" % self.child_a1.id, "/my/family", "true"),
            ("/my/registrations", "/my/registrations", "page"),
            ("/my/recap", "/my/planning", "true"),
            ("/my/absences", "/my/planning", "true"),
            ("/my/invoices", "/my/invoices", "page"),
            ("/my/statement", "/my/invoices", "true"),
            ("/my/messages", "/my/messages", "page"),
        ):
            with self.subTest(url=url):
                tabs, _toggler = self._nav(url)
                self.assertEqual(
                    {href: tab[1] for href, tab in tabs.items() if tab[1]},
                    {current: aria},
                )

    def test_badges_follow_the_family(self):
        # the answer read, its badge is gone
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.url_open("/my/messages/%s" % self.conversation.id)
        tabs, _toggler = self._nav("/my/invoices")
        self.assertIsNone(tabs["/my/messages"][2])
        self.assertEqual(tabs["/my/invoices"][2], "42,50 € à payer")
        # another family: its own (nothing due, nothing unread)
        tabs, _toggler = self._nav("/my", self.parent_b)
        self.assertEqual(len(tabs), 6)
        self.assertIsNone(tabs["/my/invoices"][2])
        self.assertIsNone(tabs["/my/messages"][2])

    def test_no_tabs_without_a_family_file(self):
        customer = mail_new_test_user(
            self.env, login="pf_customer", groups="base.group_portal", name="Client"
        )
        tabs, _toggler = self._nav("/my", customer)
        self.assertIsNone(tabs)
        # Odoo's breadcrumbs are still there on the family's pages, under the tabs
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self.url_open("/my/planning").text
        self.assertLess(page.index("o_pf_nav"), page.index("o_portal_submenu"))

    def test_tabs_fold_behind_a_button_on_a_phone(self):
        self.browser_size = "375x667"
        self.start_tour(
            "/my", "portail_famille_portal_nav_phone", login=self.parent_a.login
        )
