"""Booking race benchmark (run it through ``scripts/benchmark.sh --races``).

N parents book the same day at the same moment, each in its own database transaction
(REPEATABLE READ) with Odoo's own retry on serialization failures
(``odoo.service.model.retrying``, what every HTTP request of Odoo runs in), from a pool
of worker threads as a server's workers would: all N requests are queued at once and
``--workers`` of them run at a time.

For N in ``--sizes`` (default 100, 500, 1000), for a day with N places, N/2 places and
1 place, with and without the waiting list, through the engine (``_book``), through
the recap ("Terminer": ``family.booking.cart.add_bookings`` + ``action_confirm``) and,
with ``--url`` (an Odoo serving the database, as ``scripts/benchmark.sh --races``
starts one), over HTTP: each parent, logged in (a session of their own), has the day in
their recap and posts "Terminer" (``/my/recap/confirm``), prints one line per case:

  booked / waiting / "complet" answers, server errors (an exception left after Odoo's
  retries: what a parent would get as a 500), the serialization failures retried on the
  way, overbooking (booked above the places), whether the places of the day match its
  bookings (``family.activity.place._check_place_counters``), and the wall time.

Everything it creates lives in a school year of 2095 of its own, committed (the racers
must see it); run it on a throw-away database.
"""

import argparse
import hashlib
import hmac
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import requests

import odoo
from odoo import SUPERUSER_ID, api
from odoo.service import security
from odoo.service.model import retrying

FIRST_WEDNESDAY = date(2095, 9, 7)


def log(message):
    print(message, flush=True)


def build_town(registry, families):
    """A Wednesday activity of 2095 open every weekday (a day per case; a unit at
    9.00) and ``families`` households with one child each, registered, each with a
    portal login: the town of the concurrency tests (create_race_town)."""
    # the addons' modules are importable once the registry is loaded; Odoo's test
    # framework, imported out of a test run, logs an error meant for business
    # modules: not one here
    test_logger = logging.getLogger("odoo.tests.common")
    test_logger.disabled = True
    from odoo.addons.portail_famille.tests.common import create_race_town

    test_logger.disabled = False
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
        return create_race_town(
            env,
            families,
            1,
            uuid.uuid4().hex[:8],
            portal_users=True,
            every_weekday=True,
        )


def open_sessions(registry, town):
    """A logged-in session per parent, as after their login (no password: the login's
    cost is measured apart), with its CSRF token: [(session id, token)]."""
    sessions = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        secret = env["ir.config_parameter"].get_param("database.secret")
        for user in env["res.users"].browse(town["parents"]):
            session = odoo.http.root.session_store.new()
            session.update(odoo.http.get_default_session(), db=cr.dbname)
            session.uid = user.id
            session.login = user.login
            session.session_token = security.compute_session_token(
                session, env(user=user)
            )
            session.context = dict(env(user=user)["res.users"].context_get())
            odoo.http.root.session_store.save(session)
            max_ts = int(time.time() + 86400)
            token = hmac.new(
                secret.encode("ascii"), f"{session.sid}{max_ts}".encode(), hashlib.sha1
            ).hexdigest()
            sessions.append((session.sid, f"{token}o{max_ts}"))
    return sessions


def fill_recaps(registry, town, n, day, waiting_list):
    """The day in the recap of the first ``n`` families (what their planning page
    does when they tick it)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})
        Cart = env["family.booking.cart"]
        for index in range(n):
            cart = Cart._get_for_household(
                env["family.household"].browse(town["households"][index])
            )
            cart.line_ids.unlink()
            (result,) = cart.add_bookings(
                [
                    {
                        "registration_id": town["registrations"][index],
                        "unit_id": town["unit"],
                        "date": day,
                        "waiting_list": waiting_list,
                    }
                ]
            )
            if result["error"]:
                raise RuntimeError(result["error"])


def race(registry, town, n, day, waiting_list, path, workers, url=None, sessions=()):
    """N racers for ``day``; returns the outcome counters."""
    outcomes = {"reserved": 0, "waiting": 0, "full": 0, "refused": 0, "crash": 0}
    retries = [0]
    lock = threading.Lock()
    start = threading.Barrier(min(n, workers))

    def racer(index):
        registration_id = town["registrations"][index]
        household_id = town["households"][index]
        request = {
            "registration_id": registration_id,
            "unit_id": town["unit"],
            "date": day,
            "waiting_list": waiting_list,
        }
        attempts = [0]
        try:
            if index < workers:
                start.wait(timeout=60)
            if path == "http":
                sid, token = sessions[index]
                response = requests.post(
                    f"{url}/my/recap/confirm",
                    data={"csrf_token": token},
                    cookies={"session_id": sid},
                    timeout=300,
                    allow_redirects=False,
                )
                attempts[0] = 1
                outcome = "answered" if response.status_code == 200 else "crash"
                with lock:
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
                return
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"lang": "fr_FR"})

                def attempt():
                    attempts[0] += 1
                    if path == "book":
                        result = env["family.reservation"]._book([request])[0]
                        return result["state"], result["error"]
                    cart = env["family.booking.cart"]._get_for_household(
                        env["family.household"].browse(household_id)
                    )
                    (added,) = cart.add_bookings([request])
                    if added["error"]:
                        # the day filled up before the parent ticked it: the
                        # planning says so at once, nothing to confirm
                        return None, added["error"]
                    result = cart.action_confirm()[0]
                    state = {"done": "reserved", "waiting": "waiting"}.get(
                        result["state"]
                    )
                    return state, None if state else result["message"]

                state, error = retrying(attempt, env)
            if state:
                outcome = state
            elif error and "complet" in error:
                outcome = "full"
            else:
                outcome = "refused"
        except Exception:
            outcome = "crash"
        with lock:
            outcomes[outcome] += 1
            retries[0] += attempts[0] - 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(racer, range(n)))
    outcomes["seconds"] = time.perf_counter() - began
    outcomes["retries"] = retries[0]
    return outcomes


def check_day(registry, town, day):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(
            "SELECT count(*) FROM family_reservation WHERE activity_id = %s "
            "AND date = %s AND state = 'reserved'",
            [town["activity"], day],
        )
        booked = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM family_reservation WHERE activity_id = %s "
            "AND date = %s AND state = 'waiting'",
            [town["activity"], day],
        )
        waiting = cr.fetchone()[0]
        activity = env["family.activity"].browse(town["activity"])
        drift = env["family.activity.place"]._check_place_counters(activity)
        return booked, not drift, waiting


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--paths", default="book,cart")
    parser.add_argument(
        "--url", help="an Odoo serving the database: adds the HTTP path (Terminer)"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["db_maxconn"] = args.workers + 8
    registry = odoo.modules.registry.Registry(args.database)
    town = build_town(registry, max(sizes))
    # "--paths http --http" runs the HTTP path alone
    paths = [
        path
        for path in dict.fromkeys(
            args.paths.split(",") + (["http"] if args.url else [])
        )
        if path
    ]
    sessions = open_sessions(registry, town) if args.url else ()
    log(
        f"{max(sizes)} families registered; {args.workers} requests at a time, each "
        "in its own transaction with Odoo's retries"
    )
    header = (
        f"| {'path':5} | {'N':>5} | {'places':>6} | {'waiting list':12} | "
        f"{'booked':>6} | {'waiting':>7} | {'complet':>7} | {'refused':>7} | "
        f"{'500s':>4} | {'retries':>7} | {'overbooked':>10} | {'places = bookings':17} "
        f"| {'seconds':>7} |"
    )
    log(header)
    log("|" + "|".join("-" * (len(cell) + 2) for cell in header.split("|")[1:-1]) + "|")
    # each case on a day of its own, among the activity's open days (no holiday)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        activity = env["family.activity"].browse(town["activity"])
        open_days = iter(
            sorted(d for d in activity._get_open_dates() if d >= FIRST_WEDNESDAY)
        )
    day = next(open_days)
    failures = 0
    for path in paths:
        for n in sizes:
            for places in (n, n // 2, 1):
                for waiting_list in (False, True):
                    with registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["family.activity"].browse(
                            town["activity"]
                        ).capacity = places
                    if path == "http":
                        fill_recaps(registry, town, n, day, waiting_list)
                    result = race(
                        registry,
                        town,
                        n,
                        day,
                        waiting_list,
                        path,
                        args.workers,
                        args.url,
                        sessions,
                    )
                    booked, exact, waiting = check_day(registry, town, day)
                    if path == "http":
                        # the answers are pages: the outcome is read in the database
                        result["waiting"] = waiting
                        result["full"] = n - booked - waiting - result["crash"]
                    overbooked = max(0, booked - places)
                    if (
                        result["crash"]
                        or overbooked
                        or not exact
                        or booked != min(n, places)
                    ):
                        failures += 1
                    log(
                        f"| {path:5} | {n:>5} | {places:>6} | "
                        f"{'yes' if waiting_list else 'no':12} | {booked:>6} | "
                        f"{result['waiting']:>7} | {result['full']:>7} | "
                        f"{result['refused']:>7} | {result['crash']:>4} | "
                        f"{result['retries']:>7} | {overbooked:>10} | "
                        f"{'yes' if exact else 'NO':17} | {result['seconds']:>7.1f} |"
                    )
                    day = next(open_days)
    log(
        "all cases right: 0 server errors, 0 overbooking, booked = min(N, places), "
        "places = bookings"
        if not failures
        else f"{failures} case(s) WRONG"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
