"""Reservation engine benchmark on a generated town (run it through
scripts/benchmark.sh).

Builds 10,000 children (5,000 families), registers them to the school restaurant and the
morning ALAE (and a tenth of them to the evening ALAE) of a school year, fills the year
from weekly templates (about 3 million reservations), then prints:
  - reservations/second of the engine (weekly templates -> _book_bulk: rules, prices,
    COPY),
  - reservations/second of a raw PostgreSQL COPY of the same rows into a table with the
    same indexes,
  - the time to answer "monthly cost of one family" with that volume present,
  - the peak memory of the process.
Everything it creates lives in its own database and school year; run it on a throw-away
database.
"""

import argparse
import io
import random
import resource
import statistics
import sys
import uuid
from datetime import date

from freezegun import freeze_time
from freezegun.api import real_perf_counter

import odoo
from odoo import SUPERUSER_ID, Command, api

TINY_PDF = (
    b"JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2JqCjIgMCBvYmo8PC9UeXBlL1BhZ2VzL0tp"
    b"ZHNbMyAwIFJdL0NvdW50IDE+PmVuZG9iagozIDAgb2JqPDwvVHlwZS9QYWdlL1BhcmVudCAyIDAgUi9NZWRpYUJveFswIDAgNjEy"
    b"IDc5Ml0+PmVuZG9iagp0cmFpbGVyPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg=="
)
BRACKETS = [(0, 400), (400, 700), (700, 1000), (1000, 0)]


# freezegun replaces every module-level reference to the clock: keep the real one out of
# its reach
_REAL_CLOCK = [real_perf_counter]


def perf_counter():
    return _REAL_CLOCK[0]()


def log(message):
    print(message, flush=True)


def create_activity(env, year, tag, name, kind, prices, units=None):
    """A school-days activity of ``year`` booked monthly, with one unit per name of
    ``units`` (default: one unit named ``name``), each with the 4 quotient brackets
    priced ``prices``."""
    return env["family.activity"].create(
        {
            "name": f"{name} {tag}",
            "kind": kind,
            "school_year_id": year.id,
            "age_group": "school",
            "wednesday": False,
            "booking_rule": "monthly",
            "booking_monthly_day": 20,
            "unit_ids": [
                Command.create(
                    {
                        "name": unit,
                        "tariff_ids": [
                            Command.create(
                                {
                                    "name": f"{unit.upper()} T{i + 1}",
                                    "qf_min": low,
                                    "qf_max": high,
                                    "price": price,
                                }
                            )
                            for i, ((low, high), price) in enumerate(
                                zip(BRACKETS, prices, strict=True)
                            )
                        ],
                    }
                )
                for unit in units or [name]
            ],
        }
    )


def build_town(env, families, tag):
    """School year 2026/2027 (zone C), 3 activities, ``families`` households with 2
    children each."""
    year = env["family.school.year"].create(
        {
            "name": f"2026/2027 bench {tag}",
            "date_start": "2026-09-01",
            "date_end": "2027-08-31",
            "zone": "C",
        }
    )
    year.action_generate_holiday_periods()

    activities = [
        create_activity(
            env, year, tag, "Restauration", "restaurant", [1.20, 2.10, 3.00, 3.90]
        ),
        create_activity(
            env, year, tag, "ALAE Matin", "alae_morning", [0.40, 0.60, 0.80, 1.00]
        ),
        create_activity(
            env, year, tag, "ALAE Soir", "alae_evening_1", [0.50, 0.80, 1.10, 1.40]
        ),
    ]
    rng = random.Random(42)
    households = env["family.household"]
    for start in range(0, families, 1000):
        households |= env["family.household"].create(
            [
                {
                    "name": f"Famille BENCH{i:05d} {tag}",
                    "is_resident": rng.random() > 0.05,
                }
                for i in range(start, min(start + 1000, families))
            ]
        )
    env["family.quotient"].create(
        [
            {
                "household_id": h.id,
                "value": rng.randint(150, 1500),
                "date_from": "2026-01-01",
                "date_to": "2027-12-31",
                "proof": TINY_PDF,
                "proof_filename": "caf.pdf",
                "state": "validated",
            }
            for h in households
            if rng.random() > 0.1
        ]
    )
    levels = ["ps", "ms", "gs", "cp", "ce1", "ce2", "cm1", "cm2"]
    children = env["family.child"].create(
        [
            {
                "first_name": f"Enfant{n}",
                "last_name": h.name.split()[1],
                "birth_date": "2019-06-01",
                "class_level": rng.choice(levels),
                "household_id": h.id,
            }
            for h in households
            for n in (1, 2)
        ]
    )
    registration_vals = []
    for child in children:
        chosen = activities[:2] + ([activities[2]] if rng.random() < 0.1 else [])
        registration_vals += [
            {
                "child_id": child.id,
                "activity_id": a.id,
                "date_start": "2026-09-01",
                "date_end": "2027-07-03",
                "state": "validated",
            }
            for a in chosen
        ]
    registrations = env["family.registration"].create(registration_vals)
    templates = env["family.weekly.template"].create(
        [
            {
                "registration_id": r.id,
                "date_from": r.date_start,
                "date_to": r.date_end,
                "line_ids": [
                    Command.create(
                        {"weekday": str(d), "unit_id": r.activity_id.unit_ids.id}
                    )
                    for d in (0, 1, 3, 4)
                ],
            }
            for r in registrations
        ]
    )
    env.flush_all()
    return year, activities, households, templates


def fill_year(env, templates, chunk=1500):
    booked = refused = 0
    for start in range(0, len(templates), chunk):
        part = templates[start : start + chunk]
        outcome = env["family.reservation"]._book_bulk(part._get_requests())
        booked += outcome["booked"]
        refused += sum(1 for e in outcome["errors"] if e)
        env.invalidate_all()
    return booked, refused


def raw_copy_rate(cr, activity_ids):
    """COPY the same rows into a table built like family_reservation: same columns,
    defaults, checks, indexes (the partial unique one included) and foreign keys."""
    columns = (
        "registration_id, child_id, household_id, activity_id, unit_id, date, state, "
        "tariff_id, tariff_name, currency_id, price_unit, is_override, "
        "override_user_id, invoiced, create_uid, create_date, write_uid, write_date"
    )
    buffer = io.StringIO()
    cr.copy_expert(
        f"COPY (SELECT {columns} FROM family_reservation "
        f"WHERE activity_id IN %s) TO STDOUT" % str(tuple(activity_ids)),
        buffer,
    )
    rows = buffer.getvalue().count("\n")
    cr.execute("DROP TABLE IF EXISTS bench_copy_target")
    cr.execute("CREATE TABLE bench_copy_target (LIKE family_reservation INCLUDING ALL)")
    cr.execute("""SELECT pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE conrelid = 'family_reservation'::regclass AND contype = 'f'""")
    for (definition,) in cr.fetchall():
        cr.execute(f"ALTER TABLE bench_copy_target ADD {definition}")
    buffer.seek(0)
    started = perf_counter()
    cr.copy_expert(f"COPY bench_copy_target ({columns}) FROM STDIN", buffer)
    elapsed = perf_counter() - started
    cr.execute("DROP TABLE bench_copy_target")
    return rows, elapsed


def prepare_portal_family(env, family, activities, login):
    """A portal login for ``family`` and 20 pending days in its recap (January 2027,
    open on 2026-08-14)."""
    user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": f"Parent {family.name}",
                "login": login,
                "password": login,
                "email": login,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
    )
    user.partner_id.parent_id = family.partner_id
    family.responsible_partner_id = user.partner_id
    child = family.child_ids[:1]
    registration = child.registration_ids.filtered(
        lambda r: r.activity_id == activities[2]
    )[:1] or env["family.registration"].create(
        {
            "child_id": child.id,
            "activity_id": activities[2].id,
            "date_start": "2026-09-01",
            "date_end": "2027-07-03",
            "state": "validated",
        }
    )
    days = activities[2]._get_open_dates(date(2027, 1, 1), date(2027, 2, 28))[:20]
    cart = env["family.booking.cart"]._get_for_household(family)
    results = cart.add_bookings(
        [
            {
                "registration_id": registration.id,
                "unit_id": activities[2].unit_ids.id,
                "date": day,
            }
            for day in days
        ]
    )
    env.flush_all()
    log(
        f"portal family: login {login}, child {child.id}, "
        f"{len(cart.line_ids)} days in the recap "
        f"({sum(1 for r in results if r['error'])} refused)"
    )


def bench_parser():
    """Arguments of every benchmark script: the Odoo configuration and database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    return parser


def open_registry(args):
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    return odoo.modules.registry.Registry(args.database)


def main():
    parser = bench_parser()
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="commit the generated town (for the portal pages)",
    )
    parser.add_argument(
        "--portal-login",
        help="with --keep: give one family this portal login (password: the "
        "same) and a recap of 20 pending days, for scripts/benchmark_portal.py",
    )
    args = parser.parse_args()
    registry = open_registry(args)
    tag = uuid.uuid4().hex[:6]
    with registry.cursor() as cr, freeze_time("2026-08-14 08:00"):
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        started = perf_counter()
        _year, activities, households, templates = build_town(env, args.families, tag)
        children = len(households) * 2
        log(
            f"town: {len(households)} families, {children} children, "
            f"{len(templates)} weekly templates "
            f"built in {perf_counter() - started:.1f} s"
        )

        started = perf_counter()
        booked, refused = fill_year(env, templates)
        engine = perf_counter() - started
        cr.execute("ANALYZE family_reservation")
        log(
            f"engine: {booked} reservations ({refused} days refused) in {engine:.1f} s "
            f"= {booked / engine:,.0f} reservations/s"
        )

        rows, copy_time = raw_copy_rate(cr, [a.id for a in activities])
        log(
            f"raw COPY: {rows} rows in {copy_time:.1f} s "
            f"= {rows / copy_time:,.0f} rows/s"
        )
        log(
            f"ratio: the engine is {engine / copy_time:.2f}x the time of a raw COPY "
            f"(target: within 5x)"
        )

        Reservation = env["family.reservation"]
        family = households[len(households) // 2]
        timings = []
        for month in range(9, 13):
            for _repeat in range(10):
                env.invalidate_all()
                t0 = perf_counter()
                Reservation._get_monthly_cost(family, date(2026, month, 1))
                timings.append((perf_counter() - t0) * 1000)
        timings.sort()
        cost = Reservation._get_monthly_cost(family, date(2026, 11, 1))
        log(
            f"monthly cost of one family (Nov. 2026: {cost['total']:.2f} EUR): median "
            f"{statistics.median(timings):.2f} ms, "
            f"p95 {timings[int(len(timings) * 0.95) - 1]:.2f} ms "
            f"over {len(timings)} calls (target: under 50 ms)"
        )
        log(
            f"peak memory of the benchmark process: "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        if args.keep and args.portal_login:
            prepare_portal_family(env, family, activities, args.portal_login)
        if not args.keep:
            cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
