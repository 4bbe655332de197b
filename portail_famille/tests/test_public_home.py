from datetime import date, timedelta

from lxml import html

from odoo.tests import HttpCase, tagged

from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestPublicHome(HttpCase, FamilyCommon):
    """The website's home page is the town's family portal: what it offers, the way in
    and the news published for families, for every visitor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        News = cls.env["family.news"]
        News.create(
            {
                "name": "Inscriptions aux vacances d'hiver",
                "body": "<p>Ouvertes dès le lundi 5 janvier.</p>",
                "date_published": today,
            }
        )
        News.create(
            {"name": "Brouillon interne", "body": "<p>x</p>", "is_published": False}
        )
        News.create(
            {
                "name": "Ancienne nouvelle",
                "body": "<p>x</p>",
                "date_published": today - timedelta(days=30),
                "date_expiry": today - timedelta(days=1),
            }
        )

    def _home(self):
        response = self.url_open("/")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.text)

    def test_visitor_sees_the_portal_and_the_published_news(self):
        page = self._home()
        (intro,) = page.xpath("//section[hasclass('o_pf_public_home')]")
        self.assertIn("Portail Famille", intro.findtext(".//h1"))
        login = intro.xpath(".//a[@href='/web/login?redirect=/my']")
        self.assertEqual([a.text_content().strip() for a in login], ["Se connecter"])
        offer = page.xpath("//section[hasclass('o_pf_public_offer')]//h3/text()")
        self.assertEqual(
            offer, ["Inscriptions", "Planning", "Facturation", "Messagerie"]
        )
        news = page.xpath("//section[hasclass('o_pf_public_news')]")[0]
        titles = news.xpath(".//article//h3/text()")
        self.assertIn("Inscriptions aux vacances d'hiver", titles)
        self.assertIn("Ouvertes dès le lundi 5 janvier.", news.text_content())
        # neither a draft nor an expired news
        self.assertNotIn("Brouillon interne", titles)
        self.assertNotIn("Ancienne nouvelle", titles)
        self.assertLessEqual(len(titles), 3)

    def test_parent_is_offered_their_space(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        page = self._home()
        (intro,) = page.xpath("//section[hasclass('o_pf_public_home')]")
        self.assertFalse(intro.xpath(".//a[starts-with(@href, '/web/login')]"))
        space = intro.xpath(".//a[@href='/my']")
        self.assertEqual(
            [a.text_content().strip() for a in space], ["Aller à mon espace"]
        )
