from odoo import models


class Website(models.Model):
    _inherit = "website"

    def _family_public_news(self, limit=3):
        """The latest news the town publishes for families, on the public home page
        (sudo: a visitor may not read family.news; only the published and current
        ones, of which the page shows the title, date and text)."""
        return self.env["family.news"].sudo()._get_current(limit=limit)

    def _family_public_documents(self, limit=5):
        """The latest documents the town publishes (menus, rules, forms), on the
        public home page."""
        return self.env["family.public.document"]._get_published(limit=limit)
