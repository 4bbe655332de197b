"""The opening rush, measured (run it through ``scripts/benchmark.sh --rush``).

Builds a generated town (``--families``, 2,000 by default: a portal login per family,
one child registered to one Wednesday activity with ``--places`` places a day, 75),
opens the sessions of ``--parents`` parents beforehand (as parents who logged in the
days before the opening), serves the database as a town's server does (Odoo in prefork
with deploy/make-conf.sh's configuration, nginx with
deploy/nginx-portail-famille.conf, the waiting room deploy/waiting_room.py), and has
locust (scripts/locustfile.py) play the parents, all starting within 5 seconds: home
page, planning, every Wednesday of the month ticked, recap, "Terminer", invoices. Then
prints:

- per step the requests, failures, p50 / p95 / p99 / max seen by the parents (the
  waiting room's pages and the time spent waiting apart), the failures by kind;
- the bookings committed (per second over the rush, and at the busiest second);
- the SQL check: no day above its places, every day's places equal to its bookings
  (``family.activity.place._check_place_counters``);
- Odoo's own pages (/my/home, /my/invoices) next to the booking pages, in the same run;
- the CPU time the server spent per journey (Odoo, PostgreSQL, nginx, the waiting room)
  x the cores: the journeys per second the CPU allows, next to those measured.

With ``--logins M``, then M parents log in (password form) spread over
``--login-minutes`` (10): logins per second, failures, times.

Everything it creates lives in a school year of 2095 of its own; run it on a
throw-away database (benchmark.sh creates it afresh).
"""

import argparse
import contextlib
import json
import logging
import math
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psutil

import odoo
from odoo import SUPERUSER_ID, api

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "scripts")]
from benchmark_races import open_sessions  # noqa: E402
from servers import (  # noqa: E402
    make_conf,
    nginx_command,
    nginx_process,
    odoo_process,
    two_server_upstreams,
    wait_for_odoo,
    waiting_room_process,
    waiting_room_stats,
)

MONTH = date(2095, 10, 1)  # the month the parents book (4 Wednesdays)
# --servers 2: the two servers' private addresses (the example's 10.0.0.11, 10.0.0.12)
TWO_SERVERS = ("127.0.0.11", "127.0.0.12")
PASSWORD = "rush-parent"
# the steps as scripts/locustfile.py names them
WAITING_PAGE = "0 waiting room page"
WAITING_STATUS = "0 waiting room status"
JOURNEY = {
    ("GET", "/my/home"): "1 /my/home (Odoo)",
    ("GET", "/my/planning"): "2 planning",
    ("POST", "/my/planning"): "3 days ticked (POST)",
    ("GET", "/my/recap"): "4 recap",
    ("POST", "/my/recap/confirm"): "5 Terminer (POST)",
    ("GET", "/my/invoices"): "6 /my/invoices (Odoo)",
}
LOGIN = {
    ("GET", "/web/login"): "1 login page",
    ("POST", "/web/login"): "2 login (POST)",
    ("GET", "/my/home"): "3 /my/home (Odoo)",
}


def log(message=""):
    print(message, flush=True)


def build_town(registry, families, places):
    """The Wednesday activity of 2095 with ``places`` places a day and ``families``
    households, a parent with a portal login and a child registered each (the town of
    the concurrency tests), every parent with the password PASSWORD."""
    began = time.perf_counter()
    # the town of the concurrency tests; the addons' modules are importable once the
    # registry is loaded; Odoo's test framework, imported out of a test run, logs an
    # error meant for business modules: not one here
    test_logger = logging.getLogger("odoo.tests.common")
    test_logger.disabled = True
    from odoo.addons.portail_famille.tests.common import create_race_town

    test_logger.disabled = False

    with registry.cursor() as cr:
        env = api.Environment(
            cr, SUPERUSER_ID, {"lang": "fr_FR", "tracking_disable": True}
        )
        town = create_race_town(
            env, families, places, uuid.uuid4().hex[:6], portal_users=True
        )
        # one hash for every parent (a hash costs 0.85 s of a core)
        users = env["res.users"].browse(town["parents"])
        env.flush_all()
        cr.execute(
            "UPDATE res_users SET password = %s WHERE id = ANY(%s)",
            [users._crypt_context().hash(PASSWORD), users.ids],
        )
        env.invalidate_all()
        activity = env["family.activity"].browse(town["activity"])
        days = activity._get_open_dates(MONTH, MONTH.replace(day=31))
        log(
            f"town: {families} families with a portal login, a child each registered "
            f"to {activity.name} ({places} places a day; {MONTH:%Y-%m}: "
            f"{len(days)} Wednesdays) in {time.perf_counter() - began:.0f} s"
        )
        return {**town, "places": places, "logins": users.mapped("login")}


class CpuMeter:
    """CPU seconds of process trees (a process, its children, and the children it
    reaped), and of the PostgreSQL backends of a database (sampled every second: a
    backend that ends takes its counters away)."""

    def __init__(self, db_name):
        self.db_name = db_name
        self.trees = {}
        self.backends = {}
        self.first = {}
        self.stop_event = threading.Event()
        self.thread = None
        self.locust = 0.0

    @staticmethod
    def tree_seconds(pid):
        try:
            process = psutil.Process(pid)
            times = process.cpu_times()
            total = times.user + times.system + times.children_user
            total += times.children_system
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child_times = child.cpu_times()
                    total += child_times.user + child_times.system
            return total
        except psutil.Error:
            return None

    def sample_backends(self):
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name]
            )
            pids = [pid for (pid,) in cr.fetchall()]
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                self.backends[pid] = times.user + times.system
                self.first.setdefault(pid, self.backends[pid])

    def start(self, trees):
        self.trees = {
            name: (pid, self.tree_seconds(pid)) for name, pid in trees.items()
        }
        self.sample_backends()
        self.machine = psutil.cpu_times()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_event.wait(1.0):
            with contextlib.suppress(Exception):
                self.sample_backends()

    def stop(self):
        """{name: CPU seconds since start}, "postgresql" for the backends, "machine"
        for every process of the machine."""
        self.stop_event.set()
        self.thread.join()
        self.sample_backends()
        spent = {
            name: (self.tree_seconds(pid) or start) - start
            for name, (pid, start) in self.trees.items()
        }
        spent["locust"] = self.locust
        spent["postgresql"] = sum(
            self.backends[pid] - self.first[pid] for pid in self.backends
        )
        now = psutil.cpu_times()
        spent["machine"] = sum(
            getattr(now, f) - getattr(self.machine, f)
            for f in ("user", "nice", "system", "irq", "softirq", "steal")
        )
        return spent


def run_locust(stack, user_class, users, spawn_rate, env):
    """locust headless with ``users`` of ``user_class``, ``spawn_rate`` started a
    second; returns its summary and its CPU seconds."""
    label = "%s-%d" % (user_class, users)
    summary = stack["folder"] / f"{label}.json"
    summary.unlink(missing_ok=True)
    run_time = users / spawn_rate + max(900, users * 2)
    with open(stack["folder"] / f"{label}-locust.log", "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "scripts" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                "%.3f" % spawn_rate,
                "--host",
                stack["url"],
                "--run-time",
                "%ds" % run_time,
                "--only-summary",
                "--loglevel",
                "WARNING",
                user_class,
            ],
            env={**os.environ, **env, "RUSH_SUMMARY": str(summary)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # locust's CPU: what this process's reaped children spent while it ran
    before = os.times()
    process.wait()
    after = os.times()
    cpu = after.children_user - before.children_user
    cpu += after.children_system - before.children_system
    if not summary.exists():
        raise RuntimeError("locust wrote no summary: see %s-locust.log" % label)
    return json.loads(summary.read_text()), cpu


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


# the run's steadiness is told window by window, of this many seconds
WINDOW = 15


def nginx_times(folder, summary, steps):
    """({step name: [seconds]}, {Odoo server: requests}, {window: [seconds]}): nginx's
    time of each request of the run (from its access log), named as locust names the
    steps (``steps``: {(method, path): name}); the steps' times by WINDOW seconds of
    the run."""
    times, upstreams, windows = {}, {}, {}
    step_names = set(steps.values())
    with open(folder / "access.log", encoding="utf-8") as lines:
        for line in lines:
            fields = line.split(maxsplit=6)
            if len(fields) != 7:
                continue
            at, method, path, _status, seconds, held, upstream = fields
            if not summary["started"] <= float(at) <= summary["ended"] + 1:
                continue
            # the Odoo server that answered (the last one tried)
            server = upstream.split(", ")[-1].strip()
            if server.rsplit(":", 1)[0] in TWO_SERVERS:
                upstreams[server] = upstreams.get(server, 0) + 1
            if held != "-":
                name = WAITING_PAGE
            elif path == "/_waiting_room/status":
                name = WAITING_STATUS
            else:
                name = steps.get((method, path))
            if name:
                times.setdefault(name, []).append(float(seconds))
            if name in step_names:
                window = int((float(at) - summary["started"]) // WINDOW)
                windows.setdefault(window, []).append(float(seconds))
    return times, upstreams, windows


# a request in Odoo's log: when it ended (the server's local time), the method, the
# path, the queries, the seconds in SQL and the seconds in the rest
WERKZEUG = re.compile(
    r"^(\S+ \S+),\d+ .* werkzeug: .*\"(\w+) ([^ ?\"]+)[^\"]*\" \d+ - "
    r"(\d+) ([\d.]+) ([\d.]+)"
)


def odoo_times(folder, summary, steps):
    """{step name: [(queries, seconds)]}: Odoo's own time of each request of the run
    (SQL and the rest, from the werkzeug lines of each server's log): what a page costs
    once a worker has it, without the wait for one that nginx's time holds."""
    times = {}
    for path in sorted(folder.glob("odoo*.log")):
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                match = "werkzeug" in line and WERKZEUG.match(line)
                if not match:
                    continue
                at = time.mktime(time.strptime(match[1], "%Y-%m-%d %H:%M:%S"))
                if not summary["started"] - 1 <= at <= summary["ended"] + 1:
                    continue
                name = steps.get((match[2], match[3]))
                if name:
                    times.setdefault(name, []).append(
                        (int(match[4]), float(match[5]) + float(match[6]))
                    )
    return times


def print_steadiness(windows, seconds):
    """How even the run was: the steps' pages a second and their p95 in nginx, window
    by window of WINDOW seconds (the full windows between the first and the last)."""
    full = [windows[w] for w in sorted(windows)[1:] if (w + 1) * WINDOW <= seconds]
    if len(full) < 3:
        return
    rates = sorted(len(pages) / WINDOW for pages in full)
    p95s = sorted(percentile(pages, 0.95) * 1000 for pages in full)
    log(
        f"steadiness, {len(full)} windows of {WINDOW} s: pages a second "
        f"{rates[0]:.1f} / {percentile(rates, 0.5):.1f} / {rates[-1]:.1f} (min / "
        f"median / max); p95 of the window's pages in nginx {p95s[0]:.0f} / "
        f"{percentile(p95s, 0.5):.0f} / {p95s[-1]:.0f} ms"
    )


def print_steps(summary, nginx, odoo_own=None):
    """Per step: what the parents saw (locust), nginx's own time of the same requests
    (the generator's own delays, on a busy machine, out of it) and Odoo's (the wait
    for a worker out of it too) with its queries a request."""
    log(
        "| step | requests | failures | p50 ms | p95 ms | p99 ms | max ms | nginx p50 "
        "| nginx p95 | nginx p99 | Odoo p50 | Odoo p95 | queries |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |"
    )
    for row in summary["rows"]:
        seconds = nginx.get(row["name"])
        server = (
            " | ".join(
                "%.0f" % (percentile(seconds, share) * 1000)
                for share in (0.5, 0.95, 0.99)
            )
            if seconds
            else "| |"
        )
        own = (odoo_own or {}).get(row["name"])
        if own:
            own_seconds = [spent for _queries, spent in own]
            odoo_part = "%.0f | %.0f | %.0f" % (
                percentile(own_seconds, 0.5) * 1000,
                percentile(own_seconds, 0.95) * 1000,
                sum(queries for queries, _spent in own) / len(own),
            )
        else:
            odoo_part = "| |"
        log(
            f"| {row['name']} | {row['requests']} | {row['failures']} | "
            f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} | "
            f"{row['max']:.0f} | {server} | {odoo_part} |"
        )
    failures = summary["failures"]
    log(
        "failures by kind: "
        + (
            "; ".join(
                f"{f['name']}: {f['error']} x{f['occurrences']}"
                for f in sorted(failures, key=lambda f: -f["occurrences"])
            )
            or "none"
        )
    )


def row(summary, prefix):
    return next((r for r in summary["rows"] if r["name"].startswith(prefix)), None)


def check_days(registry, town):
    """Bookings per day against the places, the places against the bookings; the
    bookings of the rush's month and its busiest second."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        activity = env["family.activity"].browse(town["activity"])
        cr.execute(
            """SELECT date, count(*) FILTER (WHERE state = 'reserved'),
                      count(*) FILTER (WHERE state = 'waiting')
                 FROM family_reservation WHERE activity_id = %s
                GROUP BY date ORDER BY date""",
            [activity.id],
        )
        days = cr.fetchall()
        drift = env["family.activity.place"]._check_place_counters(activity)
        cr.execute(
            """SELECT count(*) FROM family_reservation
                WHERE activity_id = %s AND state = 'reserved'
                  AND date_trunc('month', date) = %s
                GROUP BY date_trunc('second', create_date)
                ORDER BY 1 DESC LIMIT 1""",
            [activity.id, MONTH],
        )
        busiest = (cr.fetchone() or [0])[0]
        # once the places are gone, "Terminer" puts the days on the waiting list:
        # the pace of the bookings is the pace until then
        cr.execute(
            """SELECT extract(epoch FROM max(create_date) - min(create_date))
                 FROM family_reservation
                WHERE activity_id = %s AND state = 'reserved'
                  AND date_trunc('month', date) = %s""",
            [activity.id, MONTH],
        )
        busiest = (busiest, cr.fetchone()[0] or 0.0)
    month = [(day, b, w) for day, b, w in days if day.replace(day=1) == MONTH]
    log(
        "the month's days: "
        + ", ".join(f"{day:%d/%m} {b} booked + {w} waiting" for day, b, w in month)
    )
    over = [(day, b) for day, b, _w in days if b > town["places"]]
    log(
        f"SQL check, every day of the activity: {len(over)} above its "
        f"{town['places']} places{' ' + str(over) if over else ''}; places = "
        f"bookings: {'yes' if not drift else 'NO ' + str(drift[:5])}"
    )
    return sum(b for _d, b, _w in month), busiest, not over and not drift


def measure(stack, user_class, users, spawn_rate, env, what, steps):
    """locust's run of ``users`` ``user_class``, with the server's CPU time; prints
    the steps, the waiting room's state and the CPU. Returns locust's summary."""
    load = os.getloadavg()
    meter = CpuMeter(stack["database"])
    meter.start(stack["processes"])
    summary, meter.locust = run_locust(stack, user_class, users, spawn_rate, env)
    cpu = meter.stop()
    if not summary["started"]:
        raise RuntimeError("no parent started: see %s" % stack["folder"])
    seconds = summary["ended"] - summary["started"]
    log(
        f"{summary['journeys']} of {users} {what}s done in {seconds:.0f} s; "
        f"pages held by the waiting room: {summary['held']}; waiting room: "
        f"{json.dumps(waiting_room_stats(stack['gate']))}"
    )
    times, upstreams, windows = nginx_times(stack["folder"], summary, steps)
    print_steps(summary, times, odoo_times(stack["folder"], summary, steps))
    print_steadiness(windows, seconds)
    if upstreams:
        log(
            "requests answered by each Odoo server (nginx's log): "
            + ", ".join(f"{a}: {n}" for a, n in sorted(upstreams.items()))
        )
    parts = {name: cpu[name] for name in (*stack["processes"], "postgresql")}
    server = sum(parts.values())
    cores = psutil.cpu_count()
    ours = server + cpu["locust"]
    others = max(cpu["machine"] - ours, 0)
    log(
        f"CPU: server {server:.0f} s ("
        + ", ".join(f"{name} {spent:.1f}" for name, spent in parts.items())
        + f"), locust {cpu['locust']:.0f} s, other processes of the machine "
        f"{others:.0f} s, over {seconds:.0f} s x {cores} cores = "
        f"{seconds * cores:.0f} s; load average before {load[0]:.1f}, after "
        f"{os.getloadavg()[0]:.1f}"
    )
    if summary["journeys"]:
        per = server / summary["journeys"]
        possible = cores / per
        measured = summary["journeys"] / seconds
        # the cores less what the generator (and the rest of the machine) took
        left = max(cores - (cpu["locust"] + others) / seconds, 0.01)
        log(
            f"CPU per {what}: {per * 1000:.0f} ms -> the {cores} cores allow "
            f"{possible:.1f} {what}s/s; measured {measured:.2f}/s = "
            f"{measured / possible:.0%} of it ({measured / (left / per):.0%} of what "
            f"the {left:.2f} cores left by locust and the other processes allow)"
        )
    return summary, seconds


def rush(args, registry, town, stack):
    warm = 2 * args.workers
    parents = open_sessions(
        registry, {"parents": town["parents"][: args.parents + warm]}
    )
    # a server that has run before the opening: each worker has served each page
    # (templates compiled, caches filled) to parents booking another month
    warming = stack["folder"] / "warm-up.json"
    warming.write_text(json.dumps([{"session": sid} for sid, _t in parents[-warm:]]))
    env = {
        "RUSH_PARENTS": str(warming),
        "RUSH_MONTH": (MONTH + timedelta(days=31)).strftime("%Y-%m"),
        "RUSH_THINK": "0,0.5",
    }
    summary, _cpu = run_locust(stack, "Parent", warm, warm, env)
    log(
        f"warm-up: {summary['journeys']} of {warm} parents booked in "
        f"{(MONTH + timedelta(days=31)):%Y-%m}, {len(summary['failures'])} failures"
    )
    # their places in the waiting room free before the opening
    deadline = time.monotonic() + args.idle + 60
    while waiting_room_stats(stack["gate"])["active"] and time.monotonic() < deadline:
        time.sleep(1)
    sessions = stack["folder"] / "parents.json"
    sessions.write_text(
        json.dumps([{"session": sid} for sid, _t in parents[: args.parents]])
    )
    log(
        f"rush: {args.parents} parents with open sessions start within 5 s "
        f"(think {args.think} s between pages); waiting room capacity "
        f"{args.capacity}, {args.admission_rate:g} admissions/s at most"
        + (
            f" (its window of active parents following Odoo's health page, target "
            f"{args.probe_target:g} s)"
            if args.probe_target
            else ""
        )
        + f", idle after {args.idle} s"
    )
    env = {
        "RUSH_PARENTS": str(sessions),
        "RUSH_MONTH": MONTH.strftime("%Y-%m"),
        "RUSH_THINK": args.think,
    }
    summary, seconds = measure(
        stack, "Parent", args.parents, args.parents / 5, env, "journey", JOURNEY
    )
    booked, busiest, right = check_days(registry, town)
    (busiest, span) = busiest
    log(
        f"bookings committed: {booked} in {seconds:.0f} s = {booked / seconds:.1f}/s; "
        f"{span:.0f} s from the first to the last = {booked / max(span, 1):.1f}/s "
        f"(busiest second: {busiest}); journeys done: "
        f"{summary['journeys'] / seconds:.2f}/s"
    )
    for odoo_page, ours in (("1 ", "2 "), ("6 ", "4 ")):
        mine, theirs = row(summary, ours), row(summary, odoo_page)
        if mine and theirs and theirs["p50"]:
            log(
                f"{mine['name'][2:]} / {theirs['name'][2:]}: "
                f"p50 {mine['p50']:.0f} / {theirs['p50']:.0f} ms = "
                f"{mine['p50'] / theirs['p50']:.2f}; p95 {mine['p95']:.0f} / "
                f"{theirs['p95']:.0f} ms = {mine['p95'] / max(theirs['p95'], 1):.2f}"
            )
    return right and not summary["failures"]


def logins(args, town, stack):
    count = min(args.logins, len(town["logins"]))
    accounts = stack["folder"] / "logins.json"
    accounts.write_text(json.dumps([{"login": x} for x in town["logins"][:count]]))
    log(f"logins: {count} parents log in over {args.login_minutes} minutes")
    env = {"RUSH_LOGINS": str(accounts), "RUSH_PASSWORD": PASSWORD}
    rate = count / (args.login_minutes * 60)
    summary, seconds = measure(stack, "LoginParent", count, rate, env, "login", LOGIN)
    log(f"logins per second: {summary['journeys'] / seconds:.2f}")
    return not summary["failures"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--parents", type=int, default=300)
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--places", type=int, default=75)
    parser.add_argument("--logins", type=int, default=0)
    parser.add_argument("--login-minutes", type=int, default=10)
    parser.add_argument("--capacity", type=int, default=40)
    parser.add_argument("--admission-rate", type=float, default=4)
    parser.add_argument("--idle", type=int, default=10)
    parser.add_argument("--think", default="1,3")
    parser.add_argument("--workers", type=int, default=2 * psutil.cpu_count() + 1)
    parser.add_argument("--port", type=int, default=8580)
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    # the waiting room's probe_target (0: no probe, --capacity active parents at most)
    parser.add_argument("--probe-target", type=float, default=0.1)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    families = max(args.families, args.parents + 2 * args.workers, args.logins)
    town = build_town(registry, families, args.places)
    folder = Path(odoo.tools.config["data_dir"]).parent / ("rush-" + args.database)
    folder.mkdir(exist_ok=True)
    ports = {"http": args.port, "gevent": args.port + 1}
    ports.update(plain=args.port + 2, tls=args.port + 3)
    # one server on 127.0.0.1, or two on addresses of their own (same ports, same
    # data_dir and master password: the README's two-server set-up)
    addresses = TWO_SERVERS if args.servers == 2 else ("127.0.0.1",)
    confs = []
    for number, address in enumerate(addresses, 1):
        conf = folder / ("odoo.conf" if number == 1 else "odoo-%d.conf" % number)
        make_conf(
            conf,
            args.database,
            timeout=120,
            HTTP_INTERFACE=address,
            HTTP_PORT=str(ports["http"]),
            GEVENT_PORT=str(ports["gevent"]),
            WORKERS=str(args.workers),
            MASTER_PASSWORD_FILE=str(folder / "master-password"),
        )
        confs.append((conf, address))
    upstreams = None
    if args.servers == 2:
        upstreams = two_server_upstreams(addresses, ports["http"], ports["gevent"])
    gate_socket = folder / "gate.sock"
    (folder / "access.log").unlink(missing_ok=True)
    command, _cert = nginx_command(
        folder, ports, gate_socket, connections=16384, upstreams=upstreams
    )
    url = "https://127.0.0.1:%d" % ports["tls"]
    gate_args = [
        "--capacity=%d" % args.capacity,
        "--admission-rate=%g" % args.admission_rate,
        "--idle-timeout=%d" % args.idle,
    ]
    if args.probe_target:
        # the window of active parents follows the (first) server's health page
        gate_args += [
            "--probe=http://%s:%d/web/health" % (addresses[0], ports["http"]),
            "--probe-target=%g" % args.probe_target,
        ]
    log(
        f"serving on {url}: {len(confs)} Odoo server(s) of {args.workers} workers "
        f"({', '.join(a for _c, a in confs)}), nginx, waiting room"
    )
    with contextlib.ExitStack() as running:
        gate = running.enter_context(
            waiting_room_process(gate_socket, folder / "gate.log", *gate_args)
        )
        servers = [
            running.enter_context(
                odoo_process(
                    conf,
                    args.database,
                    ports["http"],
                    folder / conf.with_suffix(".log").name,
                    host=address,
                    wait=False,
                )
            )
            for conf, address in confs
        ]
        for server in servers:
            wait_for_odoo(server)
        nginx = running.enter_context(nginx_process(command, ports["tls"]))
        processes = {
            ("odoo" if number == 1 else "odoo %d" % number): server.pid
            for number, server in enumerate(servers, 1)
        }
        stack = {
            "database": args.database,
            "folder": folder,
            "url": url,
            "gate": gate_socket,
            "processes": {**processes, "nginx": nginx.pid, "waiting room": gate.pid},
        }
        right = True
        if args.parents:
            right = rush(args, registry, town, stack)
        if args.logins:
            right = logins(args, town, stack) and right
    log(
        "0 failures, 0 overbooking, places = bookings"
        if right
        else "FAILURES or wrong counts (see above)"
    )
    return 0 if right else 1


if __name__ == "__main__":
    raise SystemExit(main())
