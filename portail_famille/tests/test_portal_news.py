import re
from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import TINY_PDF_B64, FamilyCommon


@tagged("post_install", "-at_install")
class TestPortalNewsDocuments(HttpCase, FamilyCommon):
    """Actualités and Documents: what is published and current, and the family's own
    certificates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        News = cls.env["family.news"]
        News.create(
            {
                "name": "Fête de l'école",
                "body": "<p>Samedi</p>",
                "date_published": today,
            }
        )
        News.create(
            {
                "name": "Ancienne nouvelle",
                "body": "<p>x</p>",
                "date_published": today - timedelta(days=30),
                "date_expiry": today - timedelta(days=1),
            }
        )
        News.create(
            {"name": "Brouillon interne", "body": "<p>x</p>", "is_published": False}
        )
        Document = cls.env["family.public.document"]
        cls.menu = Document.create(
            {
                "name": "Menus de décembre",
                "category": "menu",
                "file": TINY_PDF_B64,
                "file_name": "menus.pdf",
            }
        )
        cls.draft = Document.create(
            {
                "name": "Règlement en préparation",
                "file": TINY_PDF_B64,
                "file_name": "draft.pdf",
                "is_published": False,
            }
        )
        cls.registration = cls._create_registration(cls.child_a1, cls.act_restaurant)
        cls.registration.action_validate()

    def test_news_and_documents(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        news = self.url_open("/my/news").text
        self.assertIn("Fête de l&#39;école", news)
        self.assertNotIn("Ancienne nouvelle", news)
        self.assertNotIn("Brouillon interne", news)
        documents = self.url_open("/my/documents").text
        self.assertIn("Menus de décembre", documents)
        self.assertNotIn("Règlement en préparation", documents)
        self.assertIn(
            "/my/registrations/%s/attestation" % self.registration.id, documents
        )
        download = self.url_open("/my/documents/%s" % self.menu.id)
        self.assertEqual(download.status_code, 200)
        self.assertTrue(download.content.startswith(b"%PDF"))
        self.assertEqual(
            self.url_open("/my/documents/%s" % self.draft.id).status_code, 404
        )
        self.authenticate(self.parent_b.login, self.parent_b.login)
        self.assertNotIn(
            "/my/registrations/%s/attestation" % self.registration.id,
            self.url_open("/my/documents").text,
        )
        self.authenticate(None, None)
        self.assertIn(
            "/web/login", self.url_open("/my/documents/%s" % self.menu.id).url
        )

    def test_visitors_read_the_published_documents(self):
        """The town's menus, rules and forms are public: on the home page, on
        /documents and downloaded without an account; never a draft."""
        self.authenticate(None, None)
        home = self.url_open("/")
        self.assertEqual(home.status_code, 200)
        section = re.search(
            r"<section[^>]*o_pf_public_documents.*?</section>", home.text, re.S
        ).group(0)
        self.assertIn("Menus de décembre", section)
        self.assertIn('href="/documents/%s"' % self.menu.id, section)
        self.assertNotIn("Règlement en préparation", home.text)
        # the footer leads to the public list (a parent's certificates are on
        # their own page)
        self.assertIn('href="/documents"', home.text)
        page = self.url_open("/documents")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Documents pour les familles", page.text)
        self.assertIn("Menus de décembre", page.text)
        self.assertIn("Menus", page.text)
        self.assertNotIn("Règlement en préparation", page.text)
        download = self.url_open("/documents/%s" % self.menu.id)
        self.assertEqual(download.status_code, 200)
        self.assertTrue(download.content.startswith(b"%PDF"))
        self.assertIn("attachment", download.headers["Content-Disposition"])
        self.assertIn("menus.pdf", download.headers["Content-Disposition"])
        for document_id in (self.draft.id, 0, 2147483647, 99999999999):
            response = self.url_open("/documents/%s" % document_id)
            self.assertEqual(response.status_code, 404, document_id)
            self.assertNotIn(b"%PDF", response.content)
        # a parent's page links the same downloads
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.assertIn(
            'href="/documents/%s"' % self.menu.id, self.url_open("/my/documents").text
        )

    def test_public_documents_a_page_at_a_time(self):
        self.env["family.public.document"].create(
            [
                {
                    "name": "Formulaire n°%02d" % n,
                    "category": "form",
                    "file": TINY_PDF_B64,
                    "file_name": "f%s.pdf" % n,
                    "sequence": 20 + n,
                }
                for n in range(1, 25)
            ]
        )
        first = self.url_open("/documents").text
        self.assertIn("Formulaire n°01", first)
        self.assertNotIn("Formulaire n°24", first)
        self.assertIn('href="/documents/page/2"', first)
        second = self.url_open("/documents/page/2").text
        self.assertIn("Formulaire n°24", second)
        self.assertNotIn("Formulaire n°01", second)

    def test_news_a_page_at_a_time(self):
        """Odoo's portal pager: 20 news a page, the older ones on the next page, a page
        too far shows the last."""
        today = date.today()
        self.env["family.news"].create(
            [
                {
                    "name": "Nouvelle n°%02d" % n,
                    "body": "<p>x</p>",
                    "date_published": today - timedelta(days=n),
                }
                for n in range(1, 25)
            ]
        )
        self.authenticate(self.parent_a.login, self.parent_a.login)
        first = self.url_open("/my/news").text
        self.assertEqual(len(re.findall(r"<article ", first)), 20)
        self.assertIn('href="/my/news/page/2"', first)
        second = self.url_open("/my/news/page/2").text
        # with the demo town's own news
        total = len(self.env["family.news"]._get_current())
        self.assertEqual(len(re.findall(r"<article ", second)), total - 20)
        self.assertEqual(len(set(re.findall(r"Nouvelle n°\d\d", first + second))), 24)
        self.assertEqual(
            self.url_open("/my/news/page/99").text.count("<article "), total - 20
        )
