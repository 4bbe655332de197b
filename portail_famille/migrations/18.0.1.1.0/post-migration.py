"""Places are now one row per place taken (family.activity.place) instead of a counter
per day (family.activity.day): give every booking holding a place its row."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    activities = env["family.activity"].with_context(active_test=False).search([])
    env["family.activity.place"]._recount_activities(activities)
    cr.execute("DROP TABLE IF EXISTS family_activity_day CASCADE")
