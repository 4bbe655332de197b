from odoo import api, fields, models
from odoo.tools import SQL


class FamilyActivityDay(models.Model):
    """The capacity row of an activity (or of one of its units) on one day.

    Every booking that takes a place increments ``reserved_count`` with a conditional UPDATE on this
    row, which serialises concurrent bookings of the same day: under Odoo's REPEATABLE READ, a second
    transaction touching the row after a concurrent commit gets a serialization failure and Odoo
    retries the whole request, which then sees the new count. No day is ever overbooked."""

    _name = "family.activity.day"
    _description = "Activity Day Capacity"
    _order = "date, activity_id, unit_id"
    _log_access = False

    activity_id = fields.Many2one("family.activity", required=True, ondelete="cascade", index=True)
    unit_id = fields.Many2one("family.activity.unit", ondelete="cascade", index=True)
    date = fields.Date(required=True)
    reserved_count = fields.Integer(default=0, help="Places taken (reserved, attended, absent).")

    _sql_constraints = [
        ("reserved_positive", "CHECK(reserved_count >= 0)", "A day cannot have fewer than 0 reservations."),
    ]

    def init(self):
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS family_activity_day_key "
            "ON family_activity_day (activity_id, COALESCE(unit_id, 0), date)"
        ))

    @api.model
    def _ensure_rows(self, keys):
        """Create the missing capacity rows for ``keys`` = {(activity_id, unit_id or 0, date)}."""
        if not keys:
            return
        self.env.cr.execute(SQL(
            """
            INSERT INTO family_activity_day (activity_id, unit_id, date, reserved_count)
            SELECT k.activity_id, NULLIF(k.unit_id, 0), k.date, 0
              FROM unnest(%s::int[], %s::int[], %s::date[]) AS k(activity_id, unit_id, date)
            ON CONFLICT (activity_id, COALESCE(unit_id, 0), date) DO NOTHING
            """,
            [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
        ))

    @api.model
    def _take_place(self, activity_id, unit_id, day, capacity):
        """Take one place if any is left; returns False when the day is full. ``unit_id`` 0 = activity row."""
        self.env.cr.execute(SQL(
            """
            UPDATE family_activity_day SET reserved_count = reserved_count + 1
             WHERE activity_id = %s AND COALESCE(unit_id, 0) = %s AND date = %s
               AND (%s = 0 OR reserved_count < %s)
            RETURNING id
            """,
            activity_id, unit_id, day, capacity, capacity,
        ))
        return bool(self.env.cr.fetchone())

    @api.model
    def _release_place(self, activity_id, unit_id, day):
        self.env.cr.execute(SQL(
            """
            UPDATE family_activity_day SET reserved_count = reserved_count - 1
             WHERE activity_id = %s AND COALESCE(unit_id, 0) = %s AND date = %s AND reserved_count > 0
            """,
            activity_id, unit_id, day,
        ))

    @api.model
    def _get_counts(self, activity_ids, date_from, date_to):
        """{(activity_id, unit_id or 0, date): reserved_count} for the planning."""
        self.env.cr.execute(SQL(
            """
            SELECT activity_id, COALESCE(unit_id, 0), date, reserved_count FROM family_activity_day
             WHERE activity_id = ANY(%s) AND date BETWEEN %s AND %s
            """,
            list(activity_ids), date_from, date_to,
        ))
        return {(a, u, d): c for a, u, d, c in self.env.cr.fetchall()}
