from contextvars import ContextVar

from odoo import _, models
from odoo.exceptions import UserError

from .res_partner import EMAIL_CHANGE_MESSAGE

# True while Odoo's own account closing (_deactivate_portal_user) renames the login: a
# context key would do as well, but any RPC call can send any context key, and a
# private method's context variable it cannot.
_ACCOUNT_CLOSING = ContextVar("family_account_closing", default=False)


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        if (
            "login" in vals
            and not self.env.user._is_internal()
            and not _ACCOUNT_CLOSING.get()
        ):
            if any(user.login != vals["login"] for user in self):
                raise UserError(str(EMAIL_CHANGE_MESSAGE))
        return super().write(vals)

    def _deactivate_portal_user(self, **post):
        """A parent closes their portal account (Odoo's security page).

        Odoo renames the login and archives the user and its partner; the family
        file stays with the town (invoices, registrations) for the legal retention
        period, and the household's chatter says who closed their access.
        """
        partners = self.partner_id
        households = (
            self.env["family.household"]
            .sudo()
            .search(
                [
                    "|",
                    ("responsible_partner_id", "in", partners.ids),
                    ("spouse_partner_id", "in", partners.ids),
                ]
            )
        )
        for household in households:
            names = (
                partners
                & (household.responsible_partner_id | household.spouse_partner_id)
            ).mapped("name")
            household.message_post(
                body=_(
                    "%(names)s closed their portal account. The family file is kept.",
                    names=", ".join(names),
                ),
                subtype_xmlid="mail.mt_note",
            )
        token = _ACCOUNT_CLOSING.set(True)
        try:
            return super()._deactivate_portal_user(**post)
        finally:
            _ACCOUNT_CLOSING.reset(token)
