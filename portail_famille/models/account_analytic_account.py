from odoo import api, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    @api.model
    def _family_service_accounts(self, activities, company):
        """{activity_id: analytic account of its service} in the plan "Services": one
        account per kind of activity (school restaurant, ALAE, leisure centre…), created
        the first time it is billed."""
        plan = self.env.ref("portail_famille.analytic_plan_services")
        kinds = dict(activities._fields["kind"]._description_selection(self.env))
        Account = self.sudo().with_context(active_test=False)
        existing = {
            account.code: account
            for account in Account.search(
                [("plan_id", "=", plan.id), ("code", "in", list(kinds))]
            )
        }
        missing = sorted(set(activities.mapped("kind")) - existing.keys())
        created = Account.create(
            [
                {
                    "name": kinds[kind],
                    "code": kind,
                    "plan_id": plan.id,
                    "company_id": False,
                }
                for kind in missing
            ]
        )
        if created and Account._fields["name"].translate:
            # the service's name in every language of the town (the cron runs in
            # English)
            for lang, _name in self.env["res.lang"].get_installed():
                labels = dict(
                    activities._fields["kind"]._description_selection(
                        self.with_context(lang=lang).env
                    )
                )
                for account in created.with_context(lang=lang):
                    account.name = labels[account.code]
        for account in created:
            existing[account.code] = account
        return {
            activity.id: existing[activity.kind].with_env(self.env)
            for activity in activities
        }
