from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestWebsiteFooter(HttpCase):
    """The website's footer and header show the town: the parents' pages, the town
    hall's address and contact (from the company), the accessibility statement; none of
    the stock footer's placeholder text."""

    def test_footer_and_header_show_the_town(self):
        town = self.env["website"].get_current_website().company_id.partner_id
        town.write(
            {
                "name": "Mairie de Testville",
                "street": "2 rue du Test",
                "zip": "31999",
                "city": "Testville",
                "phone": "05 99 99 99 99",
                "email": "famille@testville.example.fr",
            }
        )
        page = self.url_open("/accessibilite")
        self.assertEqual(page.status_code, 200)
        footer = page.text.split('<footer id="bottom"', 1)[1]
        self.assertNotIn("o_brand_promotion", footer, "no 'Powered by Odoo' line")
        for link in (
            "/my/planning",
            "/my/registrations",
            "/my/messages",
            "/my/news",
            "/documents",
            "/accessibilite",
            "/web/reset_password",
        ):
            self.assertIn('href="%s"' % link, footer)
        for text in (
            "Mairie de Testville",
            "2 rue du Test",
            "31999",
            'href="tel:05 99 99 99 99"',
            'href="mailto:famille@testville.example.fr"',
            "© Mairie de Testville",
        ):
            self.assertIn(text, footer)
        for placeholder in (
            "Useful Links",
            "About us",
            "Connect with us",
            "info@yourcompany.example.com",
            "+1 555-555-5556",
            "passionate people",
        ):
            self.assertNotIn(placeholder, footer)
        header = page.text.split("<header", 1)[1].split("</header>", 1)[0]
        self.assertIn('href="tel:05 99 99 99 99"', header)
        self.assertIn('href="mailto:famille@testville.example.fr"', header)
        self.assertNotIn("+1 555-555-5556", header)
