from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class FamilyNews(models.Model):
    """Actualités: news the town's staff publish on the parents' portal, between two
    dates."""

    _name = "family.news"
    _description = "Family Portal News"
    _order = "date_published desc, id desc"

    name = fields.Char(string="Title", required=True, translate=True)
    body = fields.Html(required=True, translate=True, sanitize=True)
    date_published = fields.Date(
        string="Published On", required=True, default=fields.Date.context_today
    )
    date_expiry = fields.Date(string="Shown Until")
    is_published = fields.Boolean(string="Published", default=True)

    @api.constrains("date_published", "date_expiry")
    def _check_dates(self):
        for news in self:
            if news.date_expiry and news.date_expiry < news.date_published:
                raise ValidationError(
                    _("The news must be shown until a date after its publication.")
                )

    @api.model
    def _get_current(self, limit=None):
        """The news a parent sees today (the ``limit`` latest)."""
        today = fields.Date.context_today(self)
        return self.search(
            [
                ("is_published", "=", True),
                ("date_published", "<=", today),
                "|",
                ("date_expiry", "=", False),
                ("date_expiry", ">=", today),
            ],
            limit=limit,
        )
