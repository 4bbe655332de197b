import logging
import random
from datetime import date

from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the reservation states that hold a place of the day
PLACE_STATES = ("reserved", "attended", "absent_justified", "absent_unjustified")


class FamilyActivityPlace(models.Model):
    """One place taken on an activity's day (or on the day of one of its units), held by
    one booking: the one owner of places.

    A booking of a unit of an activity on a day holds a place of the activity
    (``unit_id`` empty) when the activity has a capacity, and a place of the unit when
    the unit has one: that key (:meth:`_place_keys`) and the "full" rule
    (:meth:`_is_full`) are written here only.

    Each place of a day has a number, from 1 to the capacity, unique on its day (a
    unique index): taking a place is a plain INSERT of a free number
    (:meth:`_take_slot`). Two parents booking the last place insert the same number:
    PostgreSQL makes the second wait for the first and refuses it with a unique
    violation once the first commits, which is a "full" answer, not an error. Racers
    for a day with free places try the free numbers in random orders, so they seldom
    meet; no row is shared by all the bookings of a day, hence no serialization
    failure under Odoo's REPEATABLE READ however many parents book at once.

    The engine's fast path takes the places just before it writes the bookings, which
    then claim them (:meth:`_sync`); every other change of a booking (its create,
    write and unlink, the deletion of a child or a household) syncs its places the same
    way, and a change of capacity recounts the activity (:meth:`_recount_activities`),
    so the places of a day are always its bookings holding one, which
    :meth:`_check_place_counters` proves."""

    _name = "family.activity.place"
    _description = "Place Taken on an Activity Day"
    _order = "date, activity_id, unit_id, slot"
    _log_access = False

    activity_id = fields.Many2one("family.activity", required=True, ondelete="cascade")
    unit_id = fields.Many2one("family.activity.unit", ondelete="cascade")
    date = fields.Date(required=True)
    slot = fields.Integer(
        required=True, help="Number of the place on its day, from 1 to the capacity."
    )
    reservation_id = fields.Many2one(
        "family.reservation",
        ondelete="cascade",
        help="The booking holding the place (empty only while it is being written).",
    )

    def init(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS family_activity_place_slot_uniq "
                "ON family_activity_place "
                "(activity_id, COALESCE(unit_id, 0), date, slot)"
            )
        )
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS family_activity_place_held_uniq "
                "ON family_activity_place (reservation_id, COALESCE(unit_id, 0)) "
                "WHERE reservation_id IS NOT NULL"
            )
        )

    # -------------------------------------------------------- the key and the full rule
    @api.model
    def _place_key(self, activity, unit, day):
        """The key of the places of ``activity`` on ``day`` (``unit`` empty), or of its
        ``unit``: (activity_id, unit_id or 0, day), as every count of this model is
        keyed."""
        return (activity.id, unit.id if unit else 0, day)

    @api.model
    def _place_keys(self, activity, unit, day):
        """The keys a booking of ``unit`` of ``activity`` on ``day`` holds a place of,
        with their capacity: {(activity_id, unit_id or 0, day): capacity}. Empty when
        neither has a limit. The same rule in SQL is :meth:`_sql_held_keys`."""
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
    def _sql_held_keys(self, condition):
        """SQL: (reservation_id, activity_id, unit_id or 0, date, capacity) of the
        places the bookings ``r`` matching ``condition`` hold (the rule of
        :meth:`_place_keys`)."""
        return SQL(
            """
            SELECT r.id AS reservation_id, r.activity_id, 0 AS unit_id, r.date,
                   a.capacity
              FROM family_reservation r JOIN family_activity a ON a.id = r.activity_id
             WHERE a.capacity > 0 AND r.state IN %(states)s AND %(condition)s
             UNION ALL
            SELECT r.id, r.activity_id, r.unit_id, r.date, u.capacity
              FROM family_reservation r JOIN family_activity_unit u ON u.id = r.unit_id
             WHERE u.capacity > 0 AND r.state IN %(states)s AND %(condition)s
            """,
            states=PLACE_STATES,
            condition=condition,
        )

    @api.model
    def _sql_live_count(self, alias):
        """SQL: the number of bookings holding a place of the key ``alias``
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

    # ----------------------------------------------------------- taking a place
    @api.model
    def _take(self, keys):
        """The engine's fast path: take one place of each key of ``keys``
        (:meth:`_place_keys`), the activity's first, for a booking about to be
        written, which claims them (:meth:`_sync`); False, and nothing taken, as soon
        as one is full."""
        taken = []
        for key in sorted(keys):
            place_id = self._take_slot(key, keys[key])
            if not place_id:
                self._free(taken)
                return False
            taken.append(place_id)
        return True

    @api.model
    def _take_slot(self, key, capacity, reservation_id=None):
        """Insert a place of ``key`` under a free number; its id, or None when the day
        is full. A number a concurrent transaction took first (committed, or
        committing: PostgreSQL waits for it) is a unique violation, rolled back to its
        savepoint: the next free number is tried."""
        activity_id, unit_id, day = key
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT slot FROM family_activity_place WHERE activity_id = %s "
                "AND COALESCE(unit_id, 0) = %s AND date = %s",
                activity_id,
                unit_id,
                day,
            )
        )
        taken = {slot for (slot,) in cr.fetchall()}
        if len(taken) >= capacity:
            # also a day over a lowered capacity: it keeps its bookings, gets no new one
            return None
        free = [slot for slot in range(1, capacity + 1) if slot not in taken]
        # racers who read the same free numbers try them in different orders
        random.shuffle(free)
        for slot in free:
            try:
                with cr.savepoint(flush=False):
                    cr.execute(
                        SQL(
                            """
                        INSERT INTO family_activity_place
                               (activity_id, unit_id, date, slot, reservation_id)
                        VALUES (%s, %s, %s, %s, %s) RETURNING id
                        """,
                            activity_id,
                            unit_id or None,
                            day,
                            slot,
                            reservation_id,
                        ),
                        log_exceptions=False,
                    )
                    return cr.fetchone()[0]
            except UniqueViolation:
                continue
        return None

    @api.model
    def _free(self, place_ids):
        if place_ids:
            self.env.cr.execute(
                SQL("DELETE FROM family_activity_place WHERE id = ANY(%s)", place_ids)
            )

    @api.model
    def _free_unclaimed(self, activity_ids):
        """Give back the places of ``activity_ids`` taken for bookings that were not
        written after all."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM family_activity_place "
                "WHERE reservation_id IS NULL AND activity_id = ANY(%s)",
                list(activity_ids),
            )
        )

    @api.model
    def _sync(self, reservation_ids):
        """Give these bookings the places their state, unit and day hold, and no other:
        drop the places they no longer hold, let them claim the places taken for them
        just before (:meth:`_take`), and take a free place for the others. A day with
        no free place refuses the change (ValidationError): it would overbook it."""
        if not reservation_ids:
            return
        self._flush_for_counts()
        cr = self.env.cr
        held = self._sql_held_keys(SQL("r.id = ANY(%s)", sorted(reservation_ids)))
        cr.execute(
            SQL(
                """
            DELETE FROM family_activity_place p
             WHERE p.reservation_id = ANY(%(ids)s)
               AND NOT EXISTS (
                   SELECT 1 FROM (%(held)s) h
                    WHERE h.reservation_id = p.reservation_id
                      AND h.activity_id = p.activity_id
                      AND h.unit_id = COALESCE(p.unit_id, 0) AND h.date = p.date)
            """,
                ids=sorted(reservation_ids),
                held=held,
            )
        )
        cr.execute(
            SQL(
                """
            SELECT h.reservation_id, h.activity_id, h.unit_id, h.date, h.capacity
              FROM (%(held)s) h
             WHERE NOT EXISTS (
                   SELECT 1 FROM family_activity_place p
                    WHERE p.reservation_id = h.reservation_id
                      AND COALESCE(p.unit_id, 0) = h.unit_id)
             ORDER BY h.activity_id, h.date, h.unit_id, h.reservation_id
            """,
                held=held,
            )
        )
        missing = cr.fetchall()
        if not missing:
            return
        # the places the fast path took for them: one per booking, in order
        cr.execute(
            SQL(
                """
            WITH missing AS (
                SELECT m.*, row_number() OVER (
                           PARTITION BY m.activity_id, m.unit_id, m.date
                           ORDER BY m.reservation_id) AS rank
                  FROM unnest(%(reservations)s::int[], %(activities)s::int[],
                              %(units)s::int[], %(dates)s::date[])
                       AS m(reservation_id, activity_id, unit_id, date)
            ), unclaimed AS (
                SELECT p.id, p.activity_id, COALESCE(p.unit_id, 0) AS unit_id, p.date,
                       row_number() OVER (
                           PARTITION BY p.activity_id, COALESCE(p.unit_id, 0), p.date
                           ORDER BY p.slot) AS rank
                  FROM family_activity_place p
                 WHERE p.reservation_id IS NULL
                   AND (p.activity_id, COALESCE(p.unit_id, 0), p.date) IN (
                       SELECT activity_id, unit_id, date FROM missing)
            )
            UPDATE family_activity_place p SET reservation_id = m.reservation_id
              FROM missing m JOIN unclaimed u
                ON u.activity_id = m.activity_id AND u.unit_id = m.unit_id
               AND u.date = m.date AND u.rank = m.rank
             WHERE p.id = u.id
            RETURNING m.reservation_id, m.unit_id
            """,
                reservations=[m[0] for m in missing],
                activities=[m[1] for m in missing],
                units=[m[2] for m in missing],
                dates=[m[3] for m in missing],
            )
        )
        claimed = set(cr.fetchall())
        for reservation_id, activity_id, unit_id, day, capacity in missing:
            if (reservation_id, unit_id) in claimed:
                continue
            key = (activity_id, unit_id, day)
            if not self._take_slot(key, capacity, reservation_id):
                raise ValidationError(
                    _(
                        "%(day)s: %(place)s is full (%(capacity)s places): this "
                        "change would give it one child too many.",
                        day=self.env["family.reservation"]._day_label(day),
                        place=self._place_name(key),
                        capacity=capacity,
                    )
                )

    # ------------------------------------------------------------------ recounting
    @api.model
    def _sql_counted(self, activity_ids=None, date_from=None, date_to=None):
        """SQL: (activity_id, unit_id, date, counted, live) of every key with places or
        with bookings holding one, for ``activity_ids`` (all by default) between the
        two dates: ``counted`` the places, ``live`` the bookings holding one."""
        condition = SQL(
            "r.date BETWEEN %s AND %s AND (%s OR r.activity_id = ANY(%s))",
            date_from or date.min,
            date_to or date.max,
            activity_ids is None,
            list(activity_ids or ()),
        )
        return SQL(
            """
            WITH places AS (
                SELECT r.activity_id, COALESCE(r.unit_id, 0) AS unit_id, r.date,
                       count(*) AS counted
                  FROM family_activity_place r WHERE %(condition)s
                 GROUP BY 1, 2, 3
            ), held AS (
                SELECT activity_id, unit_id, date, count(*) AS live
                  FROM (%(held)s) h GROUP BY 1, 2, 3
            )
            SELECT COALESCE(p.activity_id, h.activity_id) AS activity_id,
                   COALESCE(p.unit_id, h.unit_id) AS unit_id,
                   COALESCE(p.date, h.date) AS date,
                   COALESCE(p.counted, 0) AS counted, COALESCE(h.live, 0) AS live
              FROM places p FULL JOIN held h
                ON h.activity_id = p.activity_id AND h.unit_id = p.unit_id
               AND h.date = p.date
            """,
            condition=condition,
            held=self._sql_held_keys(condition),
        )

    @api.model
    def _recount_activities(self, activities, date_from=None, date_to=None):
        """Make the places of every day of ``activities`` between the two dates (the
        whole year by default) their bookings holding one: places of days and units
        without a limit any more, and places no booking holds, are dropped; bookings
        holding no place get one (the bookings made while there was no limit now
        count, even above the new limit); a day over its capacity is renumbered so
        that it gets no new place until it is back under it. Returns the days that were
        wrong: [(activity_id, unit_id or 0, date, counted, live)]."""
        if not activities:
            return []
        self._flush_for_counts()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT * FROM (%s) counted WHERE counted != live "
                "ORDER BY activity_id, date, unit_id",
                self._sql_counted(activities.ids, date_from, date_to),
            )
        )
        wrong = cr.fetchall()
        within = SQL(
            "r.activity_id = ANY(%s) AND r.date BETWEEN %s AND %s",
            activities.ids,
            date_from or date.min,
            date_to or date.max,
        )
        held = self._sql_held_keys(within)
        cr.execute(
            SQL(
                """
            DELETE FROM family_activity_place p
             WHERE p.activity_id = ANY(%(activities)s)
               AND p.date BETWEEN %(date_from)s AND %(date_to)s
               AND NOT EXISTS (
                   SELECT 1 FROM (%(held)s) h
                    WHERE h.reservation_id = p.reservation_id
                      AND h.activity_id = p.activity_id
                      AND h.unit_id = COALESCE(p.unit_id, 0) AND h.date = p.date)
            """,
                activities=activities.ids,
                date_from=date_from or date.min,
                date_to=date_to or date.max,
                held=held,
            )
        )
        # the missing places, numbered after the day's highest number
        cr.execute(
            SQL(
                """
            INSERT INTO family_activity_place
                   (activity_id, unit_id, date, slot, reservation_id)
            SELECT h.activity_id, NULLIF(h.unit_id, 0), h.date,
                   COALESCE((SELECT max(p.slot) FROM family_activity_place p
                              WHERE p.activity_id = h.activity_id
                                AND COALESCE(p.unit_id, 0) = h.unit_id
                                AND p.date = h.date), 0)
                   + row_number() OVER (PARTITION BY h.activity_id, h.unit_id, h.date
                                        ORDER BY h.reservation_id),
                   h.reservation_id
              FROM (%(held)s) h
             WHERE NOT EXISTS (
                   SELECT 1 FROM family_activity_place p
                    WHERE p.reservation_id = h.reservation_id
                      AND COALESCE(p.unit_id, 0) = h.unit_id)
             ORDER BY h.activity_id, h.date, h.unit_id
            """,
                held=held,
            )
        )
        # a day numbered beyond its capacity (lowered, or counted above it) is
        # renumbered from 1: its free numbers are then exactly its free places
        over = SQL(
            """
            p.activity_id = ANY(%(activities)s)
            AND p.date BETWEEN %(date_from)s AND %(date_to)s
            AND (p.activity_id, COALESCE(p.unit_id, 0), p.date) IN (
                SELECT q.activity_id, COALESCE(q.unit_id, 0), q.date
                  FROM family_activity_place q
                  JOIN family_activity a ON a.id = q.activity_id
                  LEFT JOIN family_activity_unit u ON u.id = q.unit_id
                 WHERE q.activity_id = ANY(%(activities)s)
                   AND q.date BETWEEN %(date_from)s AND %(date_to)s
                   AND q.slot > COALESCE(u.capacity, a.capacity))
            """,
            activities=activities.ids,
            date_from=date_from or date.min,
            date_to=date_to or date.max,
        )
        cr.execute(
            SQL(
                "UPDATE family_activity_place p SET slot = -p.slot WHERE %s "
                "RETURNING id",
                over,
            )
        )
        if cr.fetchall():
            cr.execute(
                SQL(
                    """
                UPDATE family_activity_place p SET slot = n.slot
                  FROM (SELECT id, row_number() OVER (
                                   PARTITION BY activity_id, COALESCE(unit_id, 0), date
                                   ORDER BY slot DESC, id) AS slot
                          FROM family_activity_place WHERE slot < 0) n
                 WHERE p.id = n.id
                """
                )
            )
        self.invalidate_model()
        return wrong

    @api.model
    def _check_place_counters(self, activities=None):
        """Compare the places of every day (of ``activities``, all by default) with the
        bookings holding one. Returns the drift: [(activity_id, unit_id or 0, date,
        places, bookings)]."""
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
        """{(activity_id, unit_id or 0, date): places taken} for the planning."""
        self.env.cr.execute(
            SQL(
                """
            SELECT activity_id, COALESCE(unit_id, 0), date, count(*)
              FROM family_activity_place
             WHERE activity_id = ANY(%s) AND date BETWEEN %s AND %s
             GROUP BY 1, 2, 3
            """,
                list(activity_ids),
                date_from,
                date_to,
            )
        )
        return {(a, u, d): c for a, u, d, c in self.env.cr.fetchall()}
