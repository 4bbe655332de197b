import logging
from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the reservation states that hold a place of the day
PLACE_STATES = ("reserved", "attended", "absent_justified", "absent_unjustified")


class FamilyActivityDay(models.Model):
    """The capacity row of an activity (or of one of its units) on one day: the one
    owner of places.

    A booking of a unit of an activity on a day holds a place on the activity's row
    (``unit_id`` empty) when the activity has a capacity, and on the unit's row when the
    unit has one: that key (:meth:`_place_keys`) and the "full" rule (:meth:`_is_full`)
    are written here only.

    The engine's fast path takes a place with a conditional UPDATE on the row before it
    inserts the booking (:meth:`_take`), which serialises concurrent bookings of the
    same day: under Odoo's REPEATABLE READ, a second transaction touching the row after
    a concurrent commit gets a serialization failure and Odoo retries the whole request,
    which then sees the new count. Every other change of a booking (the reservation's
    create, write and unlink, the deletion of a child or a household, a change of
    capacity) recounts the rows it touches from the bookings themselves
    (:meth:`_recount_keys`, :meth:`_recount_activities`), so ``reserved_count`` is
    always the live count, which :meth:`_check_place_counters` proves."""

    _name = "family.activity.day"
    _description = "Activity Day Capacity"
    _order = "date, activity_id, unit_id"
    _log_access = False

    activity_id = fields.Many2one(
        "family.activity", required=True, ondelete="cascade", index=True
    )
    unit_id = fields.Many2one("family.activity.unit", ondelete="cascade", index=True)
    date = fields.Date(required=True)
    reserved_count = fields.Integer(
        default=0, help="Places taken (reserved, attended, absent)."
    )

    _sql_constraints = [
        (
            "reserved_positive",
            "CHECK(reserved_count >= 0)",
            "A day cannot have fewer than 0 reservations.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS family_activity_day_key "
                "ON family_activity_day (activity_id, COALESCE(unit_id, 0), date)"
            )
        )

    # -------------------------------------------------------- the key and the full rule
    @api.model
    def _place_key(self, activity, unit, day):
        """The key of the capacity row of ``activity`` on ``day`` (``unit`` empty), or
        of its ``unit``: (activity_id, unit_id or 0, day), as every counter of this
        model is keyed."""
        return (activity.id, unit.id if unit else 0, day)

    @api.model
    def _place_keys(self, activity, unit, day):
        """The rows a booking of ``unit`` of ``activity`` on ``day`` holds a place on,
        with their capacity: {(activity_id, unit_id or 0, day): capacity}. Empty when
        neither has a limit. The same rule in SQL is :meth:`_sql_limited_keys`."""
        keys = {}
        if activity.capacity:
            keys[self._place_key(activity, None, day)] = activity.capacity
        if unit.capacity:
            keys[self._place_key(activity, unit, day)] = unit.capacity
        return keys

    @api.model
    def _is_full(self, activity, unit, day, counts):
        """Whether a booking of ``unit`` on ``day`` would find no place, ``counts``
        being :meth:`_get_counts`."""
        return any(
            counts.get(key, 0) >= capacity
            for key, capacity in self._place_keys(activity, unit, day).items()
        )

    @api.model
    def _sql_limited_keys(self, condition):
        """SQL: the (activity_id, unit_id or 0, date) rows on which the bookings ``r``
        matching ``condition`` hold a place (the rule of :meth:`_place_keys`)."""
        return SQL(
            """
            SELECT r.activity_id, 0 AS unit_id, r.date
              FROM family_reservation r JOIN family_activity a ON a.id = r.activity_id
             WHERE a.capacity > 0 AND r.state IN %(states)s AND %(condition)s
             UNION
            SELECT r.activity_id, r.unit_id, r.date
              FROM family_reservation r JOIN family_activity_unit u ON u.id = r.unit_id
             WHERE u.capacity > 0 AND r.state IN %(states)s AND %(condition)s
            """,
            states=PLACE_STATES,
            condition=condition,
        )

    @api.model
    def _sql_live_count(self, alias):
        """SQL: the number of bookings holding a place on the row ``alias``
        (activity_id, unit_id or 0, date)."""
        key = SQL.identifier(alias)
        return SQL(
            """
            (SELECT count(*) FROM family_reservation r
              WHERE r.activity_id = %(key)s.activity_id AND r.date = %(key)s.date
                AND (%(key)s.unit_id = 0 OR r.unit_id = %(key)s.unit_id)
                AND r.state IN %(states)s)
            """,
            key=key,
            states=PLACE_STATES,
        )

    def _flush_for_counts(self):
        self.env["family.reservation"].flush_model(
            ["activity_id", "unit_id", "date", "state"]
        )
        self.env["family.activity"].flush_model(["capacity"])
        self.env["family.activity.unit"].flush_model(["capacity"])

    # ----------------------------------------------------------- the engine's fast path
    @api.model
    def _ensure_rows(self, keys):
        """Create the missing capacity rows for ``keys`` = {(activity_id, unit_id or 0,
        date)}."""
        if not keys:
            return
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO family_activity_day (activity_id, unit_id, date, reserved_count)
            SELECT k.activity_id, NULLIF(k.unit_id, 0), k.date, 0
              FROM unnest(%s::int[], %s::int[], %s::date[])
                   AS k(activity_id, unit_id, date)
            ON CONFLICT (activity_id, COALESCE(unit_id, 0), date) DO NOTHING
            """,
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
            )
        )

    @api.model
    def _take(self, keys):
        """Take one place on each row of ``keys`` (:meth:`_place_keys`, rows made by
        :meth:`_ensure_rows`), the activity's row first; False, and nothing taken, as
        soon as one is full."""
        taken = []
        for key in sorted(keys):
            if not self._take_place(*key, keys[key]):
                self._release(taken)
                return False
            taken.append(key)
        return True

    @api.model
    def _take_place(self, activity_id, unit_id, day, capacity):
        """Take one place if any is left; returns False when the day is full.
        ``unit_id`` 0 = activity row."""
        self.env.cr.execute(
            SQL(
                """
            UPDATE family_activity_day SET reserved_count = reserved_count + 1
             WHERE activity_id = %s AND COALESCE(unit_id, 0) = %s AND date = %s
               AND reserved_count < %s
            RETURNING id
            """,
                activity_id,
                unit_id,
                day,
                capacity,
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _release(self, keys):
        """Give back one place on each row of ``keys``. A row with no place to give back
        means the counter is out of step with the bookings: that raises, it is not
        hidden."""
        if not keys:
            return
        keys = sorted(keys)
        self.env.cr.execute(
            SQL(
                """
            UPDATE family_activity_day d SET reserved_count = d.reserved_count - 1
              FROM unnest(%s::int[], %s::int[], %s::date[])
                   AS k(activity_id, unit_id, date)
             WHERE d.activity_id = k.activity_id
               AND COALESCE(d.unit_id, 0) = k.unit_id AND d.date = k.date
               AND d.reserved_count > 0
            RETURNING d.activity_id, COALESCE(d.unit_id, 0), d.date
            """,
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
            )
        )
        released = set(self.env.cr.fetchall())
        missing = [key for key in keys if key not in released]
        if missing:
            raise UserError(
                _(
                    "%(day)s: the place counter of %(place)s is out of step with the "
                    "bookings. A manager can recount the places from the activity's "
                    "form.",
                    day=self.env["family.reservation"]._day_label(missing[0][2]),
                    place=self._place_name(missing[0]),
                )
            )

    # ------------------------------------------------------------------ recounting
    @api.model
    def _recount_keys(self, changes):
        """Set the rows of ``changes`` = {key: change of the number of places held
        there} to the live count of their bookings, in one statement (missing rows are
        created). A row whose count grew past its capacity is refused: the change would
        overbook the day. A row already above its capacity (the capacity was lowered)
        may keep its bookings but gets no new one."""
        keys = sorted(key for key, change in changes.items() if change)
        if not keys:
            return
        self._flush_for_counts()
        self.env.cr.execute(
            SQL(
                """
            WITH k AS (
                SELECT * FROM unnest(
                           %(activities)s::int[], %(units)s::int[], %(dates)s::date[]
                       ) WITH ORDINALITY AS k(activity_id, unit_id, date, seq)
            ), counted AS (
                INSERT INTO family_activity_day
                       (activity_id, unit_id, date, reserved_count)
                SELECT k.activity_id, NULLIF(k.unit_id, 0), k.date, %(live)s
                  FROM k ORDER BY k.seq
                ON CONFLICT (activity_id, COALESCE(unit_id, 0), date)
                   DO UPDATE SET reserved_count = EXCLUDED.reserved_count
                RETURNING activity_id, COALESCE(unit_id, 0) AS unit_id, date,
                          reserved_count
            )
            SELECT c.activity_id, c.unit_id, c.date, c.reserved_count,
                   CASE WHEN c.unit_id = 0 THEN a.capacity ELSE u.capacity END
              FROM counted c JOIN family_activity a ON a.id = c.activity_id
              LEFT JOIN family_activity_unit u ON u.id = c.unit_id
            """,
                activities=[k[0] for k in keys],
                units=[k[1] for k in keys],
                dates=[k[2] for k in keys],
                live=self._sql_live_count("k"),
            )
        )
        for activity_id, unit_id, day, count, capacity in sorted(
            self.env.cr.fetchall()
        ):
            if changes[activity_id, unit_id, day] > 0 and capacity and count > capacity:
                raise ValidationError(
                    _(
                        "%(day)s: %(place)s is full (%(capacity)s places): this "
                        "change would give it one child too many.",
                        day=self.env["family.reservation"]._day_label(day),
                        place=self._place_name((activity_id, unit_id, day)),
                        capacity=capacity,
                    )
                )

    @api.model
    def _sql_counted(self, activity_ids=None, date_from=None, date_to=None):
        """SQL: (activity_id, unit_id, date, counted, live) of every capacity row and of
        every row the bookings hold a place on, for ``activity_ids`` (all by default)
        between the two dates."""

        def condition(alias):
            table = SQL.identifier(alias)
            return SQL(
                "%s.date BETWEEN %s AND %s AND (%s OR %s.activity_id = ANY(%s))",
                table,
                date_from or date.min,
                date_to or date.max,
                activity_ids is None,
                table,
                list(activity_ids or ()),
            )

        return SQL(
            """
            WITH keys AS (
                SELECT d.activity_id, COALESCE(d.unit_id, 0) AS unit_id, d.date
                  FROM family_activity_day d WHERE %(rows)s
                 UNION
                %(limited)s
            )
            SELECT k.activity_id, k.unit_id, k.date,
                   COALESCE(d.reserved_count, 0) AS counted, %(live)s AS live
              FROM keys k LEFT JOIN family_activity_day d
                ON d.activity_id = k.activity_id
               AND COALESCE(d.unit_id, 0) = k.unit_id AND d.date = k.date
            """,
            rows=condition("d"),
            limited=self._sql_limited_keys(condition("r")),
            live=self._sql_live_count("k"),
        )

    @api.model
    def _recount_activities(self, activities, date_from=None, date_to=None):
        """Recount every day of ``activities`` between the two dates (the whole year by
        default): rows of days and units without a limit any more are dropped, missing
        rows are created (the bookings made while there was no limit now count), every
        count is set to the live one. Returns the rows that were wrong: [(activity_id,
        unit_id or 0, date, counted, live)]."""
        if not activities:
            return []
        self._flush_for_counts()
        self.env.cr.execute(
            SQL(
                """
            DELETE FROM family_activity_day d USING family_activity a
             WHERE a.id = d.activity_id AND d.activity_id = ANY(%s)
               AND d.date BETWEEN %s AND %s
               AND CASE WHEN d.unit_id IS NULL THEN a.capacity = 0
                        ELSE NOT EXISTS (SELECT 1 FROM family_activity_unit u
                                          WHERE u.id = d.unit_id AND u.capacity > 0)
                   END
            """,
                activities.ids,
                date_from or date.min,
                date_to or date.max,
            )
        )
        self.env.cr.execute(
            SQL(
                """
            WITH counted AS (%(counted)s),
            wrong AS (SELECT * FROM counted WHERE counted != live),
            fixed AS (
                INSERT INTO family_activity_day
                       (activity_id, unit_id, date, reserved_count)
                SELECT activity_id, NULLIF(unit_id, 0), date, live
                  FROM wrong ORDER BY activity_id, date, unit_id
                ON CONFLICT (activity_id, COALESCE(unit_id, 0), date)
                   DO UPDATE SET reserved_count = EXCLUDED.reserved_count
            )
            SELECT activity_id, unit_id, date, counted, live
              FROM wrong ORDER BY activity_id, date, unit_id
            """,
                counted=self._sql_counted(activities.ids, date_from, date_to),
            )
        )
        wrong = self.env.cr.fetchall()
        self.invalidate_model(["reserved_count"])
        return wrong

    @api.model
    def _check_place_counters(self, activities=None):
        """Compare every capacity row (of ``activities``, all by default) with the live
        count of the bookings holding a place there. Returns the drift: [(activity_id,
        unit_id or 0, date, counted, live)]."""
        self._flush_for_counts()
        self.env.cr.execute(
            SQL(
                "SELECT * FROM (%s) counted WHERE counted != live "
                "ORDER BY activity_id, date, unit_id",
                self._sql_counted(activities.ids if activities is not None else None),
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _cron_check_place_counters(self):
        drift = self._check_place_counters()
        if drift:
            _logger.error(
                "Place counters out of step with the bookings on %s day(s) "
                "(activity, unit, date, counted, live): "
                "%s. Recount the places from the activities' forms.",
                len(drift),
                drift[:20],
            )
        return drift

    @api.model
    def _place_name(self, key):
        activity_id, unit_id, _day = key
        if unit_id:
            return self.env["family.activity.unit"].browse(unit_id).sudo().display_name
        return self.env["family.activity"].browse(activity_id).sudo().name

    # ------------------------------------------------------------------ planning
    @api.model
    def _get_counts(self, activity_ids, date_from, date_to):
        """{(activity_id, unit_id or 0, date): reserved_count} for the planning."""
        self.env.cr.execute(
            SQL(
                """
            SELECT activity_id, COALESCE(unit_id, 0), date, reserved_count
              FROM family_activity_day
             WHERE activity_id = ANY(%s) AND date BETWEEN %s AND %s
            """,
                list(activity_ids),
                date_from,
                date_to,
            )
        )
        return {(a, u, d): c for a, u, d, c in self.env.cr.fetchall()}
