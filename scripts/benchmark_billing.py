"""Monthly billing benchmark on a generated town (run it through
``scripts/benchmark.sh --billing``).

Builds the town of scripts/benchmark_reservations.py (``--households`` households of 2
children), adds a noon activity of 8 units (workshops, each child going to each
workshop on a couple of days), books September 2026 through the engine (``_book_bulk``:
the restaurant and the morning ALAE every open day, the evening ALAE for a tenth of
the children, the workshops in turn), about 20 invoice lines per household, commits
it, then measures:
  (a) Odoo's plain rate, in this process: the invoices of the first ``--sample``
      households (same partners, products, accounts, quantities, prices and line
      labels) created with one plain batch ``account.move.create`` and
      ``action_post``, in a savepoint rolled back afterwards;
  (b) ``family.billing.run`` billing September for the whole town as staff do it:
      "Bill the month" enqueues the run's jobs, and a real Odoo server started by this
      script (prefork, ``--workers`` HTTP workers, OCA queue_job's runner handing them
      the jobs, 2 at once) bills them; measured from the click to the run done (its
      last job: the summary), with each worker's rate from the jobs' own times.
Every household has an e-mail address, so its invoice is queued for Odoo's sending as a
town's are, but nothing is e-mailed: the sending scheduled action is not run. Prints
invoices/s and lines/s, the wall time and CPU time, each process's rate next to the
plain batch's. Everything it creates lives in its own
database (benchmark.sh drops and recreates it): the town and its invoices stay there.
"""

import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import date

from benchmark_reservations import (
    bench_parser,
    build_town,
    create_activity,
    log,
    open_registry,
    perf_counter,
)
from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, Command, api

MONTH = date(2026, 9, 1)
MONTH_END = date(2026, 9, 30)
INVOICE_DATE = date(2026, 10, 1)
WORKSHOPS = 8
PLAIN_MOVE_FIELDS = (
    "move_type",
    "partner_id",
    "company_id",
    "journal_id",
    "invoice_date",
    "currency_id",
)
PLAIN_LINE_FIELDS = ("product_id", "name", "quantity", "price_unit", "account_id")


def reset_peak_memory():
    """Linux: start measuring the peak resident memory afresh (VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def peak_memory_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu_seconds(cr):
    """CPU time of this cursor's PostgreSQL backend so far (Linux, same machine; 0.0
    when its /proc entry cannot be read)."""
    cr.execute("SELECT pg_backend_pid()")
    try:
        with open(f"/proc/{cr.fetchone()[0]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def commit_work(env):
    """What a commit runs before committing (the flush, the chatter's tracking), for
    a measure that is rolled back."""
    env.flush_all()
    env.cr.precommit.run()
    env.flush_all()


def book_month(env, year, activities, templates, tag, chunk=60000):
    """The noon workshops (one activity, ``WORKSHOPS`` units) for every child, then
    September booked through the engine. Returns (booked, refused)."""
    workshops = create_activity(
        env,
        year,
        tag,
        "Ateliers du midi",
        "alae_noon",
        [0.30, 0.50, 0.70, 0.90],
        units=[f"Atelier {n + 1}" for n in range(WORKSHOPS)],
    )
    registrations = templates.registration_id
    children = registrations.child_id
    registrations |= env["family.registration"].create(
        [
            {
                "child_id": child.id,
                "activity_id": workshops.id,
                "date_start": "2026-09-01",
                "date_end": "2027-07-03",
                "state": "validated",
            }
            for child in children
        ]
    )
    open_dates = {
        activity: activity._get_open_dates(MONTH, MONTH_END)
        for activity in [*activities, workshops]
    }
    requests = []
    for registration in registrations:
        activity = registration.activity_id
        units = activity.unit_ids.sorted("id").ids
        offset = registration.child_id.id
        requests += [
            {
                "registration_id": registration.id,
                "unit_id": units[(offset + index) % len(units)],
                "date": day,
            }
            for index, day in enumerate(open_dates[activity])
        ]
    # a town's households have an address: their invoices are queued for sending
    registrations.child_id.household_id.partner_id.write(
        {"email": "famille.bench@example.com"}
    )
    env.flush_all()
    booked = refused = 0
    Reservation = env["family.reservation"]
    for start in range(0, len(requests), chunk):
        outcome = Reservation._book_bulk(requests[start : start + chunk])
        booked += outcome["booked"]
        refused += sum(1 for error in outcome["errors"] if error)
        env.invalidate_all()
    return [*activities, workshops], booked, refused


def plain_vals(move_vals):
    """Only what a plain invoice has: no analytic, no family links, no direct
    debit."""
    return {
        **{field: move_vals[field] for field in PLAIN_MOVE_FIELDS},
        "invoice_line_ids": [
            Command.create(
                {
                    **{field: line[2][field] for field in PLAIN_LINE_FIELDS},
                    "tax_ids": [Command.clear()],
                }
            )
            for line in move_vals["invoice_line_ids"]
        ],
    }


def measure_plain(env, activity_ids, sample):
    """(a) The same invoices for the first ``sample`` households, one plain batch
    create + post, rolled back. Returns (invoices, lines, wall seconds, cpu seconds,
    PostgreSQL backend cpu seconds, peak MB)."""
    # importable once the registry has set the addons path
    from odoo.addons.portail_famille.models.family_billing_run import _BillingContext

    cr = env.cr
    savepoint = cr.savepoint()
    probe = env["family.billing.run"].create(
        {
            "month": MONTH,
            "invoice_date": INVOICE_DATE,
            "activity_ids": [Command.set(activity_ids)],
        }
    )
    activities = probe.activity_ids
    billing = _BillingContext(probe, activities)
    new_days = probe._read_new_days(activities)
    Household = env["family.household"]
    vals_list = [
        plain_vals(billing.move_vals(household, "out_invoice", new_days[household.id]))
        for household in Household.browse(sorted(new_days)[:sample])
    ]
    lines = sum(len(vals["invoice_line_ids"]) for vals in vals_list)
    env.flush_all()
    env.invalidate_all()
    reset_peak_memory()
    backend = backend_cpu_seconds(cr)
    started, cpu = perf_counter(), cpu_seconds()
    moves = env["account.move"].create(vals_list)
    moves.action_post()
    commit_work(env)
    elapsed, cpu = perf_counter() - started, cpu_seconds() - cpu
    backend = backend_cpu_seconds(cr) - backend
    peak = peak_memory_mb()
    invoices = len(moves)
    savepoint.close(rollback=True)
    env.invalidate_all()
    return invoices, lines, elapsed, cpu, backend, peak


def measure_batches(env, activity_ids, sample):
    """(a') The run's own work on the same households in this process: its jobs'
    method (``_job_bill_batch``, batch after batch, each followed by what its commit
    runs) called directly, rolled back. Returns (invoices, lines, wall seconds, cpu
    seconds, PostgreSQL backend cpu seconds, peak MB)."""
    from odoo.addons.portail_famille.models.family_billing_run import BATCH_SIZE

    cr = env.cr
    savepoint = cr.savepoint()
    run = env["family.billing.run"].create(
        {
            "month": MONTH,
            "invoice_date": INVOICE_DATE,
            "activity_ids": [Command.set(activity_ids)],
        }
    )
    households = sorted(run._read_new_days(run.activity_ids))[:sample]
    env.flush_all()
    env.invalidate_all()
    reset_peak_memory()
    backend = backend_cpu_seconds(cr)
    started, cpu = perf_counter(), cpu_seconds()
    for start in range(0, len(households), BATCH_SIZE):
        run._job_bill_batch(households[start : start + BATCH_SIZE])
        commit_work(env)
    elapsed, cpu = perf_counter() - started, cpu_seconds() - cpu
    backend = backend_cpu_seconds(cr) - backend
    peak = peak_memory_mb()
    moves = run.line_ids.move_ids
    invoices, lines = len(moves), len(moves.invoice_line_ids)
    savepoint.close(rollback=True)
    env.invalidate_all()
    return invoices, lines, elapsed, cpu, backend, peak


def start_server(args, log_path):
    """Odoo in prefork mode on the benchmark database: ``args.workers`` HTTP workers
    (where queue_job's runner sends the jobs) and the runner in its own process; no
    cron worker. Returns the process once the runner is ready."""
    command = [
        sys.executable,
        os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin"),
        "-c",
        args.config,
        "-d",
        args.database,
        f"--db-filter=^{args.database}$",
        f"--workers={args.workers}",
        "--max-cron-threads=0",
        f"--gevent-port={odoo.tools.config['http_port'] + 10}",
        "--limit-time-real=1800",
        "--limit-time-cpu=1800",
        f"--logfile={log_path}",
    ]
    if os.path.exists(log_path):
        os.remove(log_path)
    server = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Odoo server stopped: see {log_path}")
        if os.path.exists(log_path):
            with open(log_path) as server_log:
                if "database connections ready" in server_log.read():
                    return server
        time.sleep(1)
    stop_server(server)
    raise RuntimeError(f"queue_job's runner did not start: see {log_path}")


def stop_server(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def measure_jobs(registry, args, activity_ids, log_path):
    """(b) "Bill the month", the jobs run by the server's workers; waits for the run
    to be done. Returns (run id, wall seconds)."""
    server = start_server(args, log_path)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started = perf_counter()
            with freeze_time("2026-10-01 06:00"):
                run = env["family.billing.run"].create(
                    {
                        "month": MONTH,
                        "invoice_date": INVOICE_DATE,
                        "activity_ids": [Command.set(activity_ids)],
                    }
                )
                run.action_run()
            run_id = run.id
            cr.commit()
            log(
                f"(b) 'Bill the month' enqueued {len(run._jobs())} jobs for "
                f"{run.household_total} households in {perf_counter() - started:.1f} s"
            )
            shown = 0.0
            while True:
                time.sleep(2)
                cr.rollback()  # a fresh snapshot
                env.invalidate_all()
                run = env["family.billing.run"].browse(run_id)
                if run.state in ("done", "error"):
                    break
                if server.poll() is not None:
                    raise RuntimeError(f"the Odoo server stopped: see {log_path}")
                elapsed = perf_counter() - started
                if elapsed - shown >= 30:
                    shown = elapsed
                    log(
                        f"    {elapsed:.0f} s: {run.household_done}/"
                        f"{run.household_total} households ({run.progress:.0f} %)"
                    )
            elapsed = perf_counter() - started
    finally:
        stop_server(server)
    return run_id, elapsed


def report_jobs(env, run_id, elapsed, plain_rate):
    run = env["family.billing.run"].browse(run_id)
    moves = run.line_ids.move_ids
    invoices, lines = len(moves), len(moves.invoice_line_ids)
    log(
        f"(b) family.billing.run through queue_job: {invoices} invoices, {lines} "
        f"lines in {elapsed:.1f} s ({elapsed / 60:.1f} min) = "
        f"{invoices / elapsed:,.1f} invoices/s, {lines / elapsed:,.0f} lines/s; "
        f"state {run.state}, {run.error_count} errors"
    )
    per_pid = defaultdict(lambda: [0, 0, 0.0])  # jobs, households, seconds
    for job in run._jobs():
        if job.method_name != "_job_bill_batch" or job.state != "done":
            continue
        stats = per_pid[job.worker_pid]
        stats[0] += 1
        stats[1] += len(job.args[0])
        stats[2] += job.exec_time
    for pid, (jobs, households, seconds) in sorted(per_pid.items()):
        rate = households / seconds if seconds else 0.0
        log(
            f"    worker {pid}: {jobs} jobs, {households} invoices in {seconds:.1f} s "
            f"of jobs = {rate:.2f} invoices/s, {rate / plain_rate * 100:.0f} % of the "
            f"plain batch's rate"
        )
    return invoices


def rates(label, invoices, lines, elapsed, cpu, backend, peak):
    log(
        f"{label}: {invoices} invoices, {lines} lines in {elapsed:.1f} s "
        f"(process CPU {cpu:.1f} s = {cpu / invoices * 1000:.0f} ms/invoice, "
        f"PostgreSQL backend CPU {backend:.1f} s = {backend / invoices * 1000:.0f} "
        f"ms/invoice) = {invoices / elapsed:,.1f} invoices/s, "
        f"{lines / elapsed:,.0f} lines/s; peak memory {peak:.0f} MB"
    )


def main():
    parser = bench_parser()
    parser.add_argument("--households", type=int, default=6000)
    parser.add_argument(
        "--sample",
        type=int,
        default=300,
        help="households of the plain batch (a), measured in this process",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="the server's HTTP workers for (b)"
    )
    parser.add_argument(
        "--sample-only",
        action="store_true",
        help="only (a) and (a'), in this process (nothing committed)",
    )
    args = parser.parse_args()
    registry = open_registry(args)
    tag = uuid.uuid4().hex[:6]
    log_path = os.path.join(
        os.path.dirname(os.path.abspath(args.config)), "benchmark-billing-server.log"
    )
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        with freeze_time("2026-08-14 08:00"):
            started = perf_counter()
            year, activities, households, templates = build_town(
                env, args.households, tag
            )
            activities, booked, refused = book_month(
                env, year, activities, templates, tag
            )
            log(
                f"town: {len(households)} households, {len(households) * 2} "
                f"children, September 2026 booked through the engine: {booked} "
                f"days ({refused} refused), in {perf_counter() - started:.1f} s"
            )
        activity_ids = [activity.id for activity in activities]
        if not args.sample_only:
            # the server's workers must see the town
            cr.commit()
        # PostgreSQL's statistics of the new town (a town's database has them): a
        # table never analysed, filled in the measured transaction, can get plans
        # that scan it whole per row (Odoo's payment state query took minutes)
        cr.execute("ANALYZE")
        # billed on 1 October, as the scheduled action does; measured with the
        # users' context (mail tracking on)
        env = env(context={})
        with freeze_time("2026-10-01 06:00"):
            plain = measure_plain(env, activity_ids, args.sample)
            rates("(a) plain account.move.create + action_post, one process", *plain)
            own = measure_batches(env, activity_ids, args.sample)
            rates("(a') the run's jobs' work, the same households, one process", *own)
        log(
            f"    the run's work in one process: {own[2] / plain[2]:.2f}x the time "
            f"of the plain batch ({plain[2] / own[2] * 100:.0f} % of its rate); in "
            f"CPU time, {own[3] / plain[3]:.2f}x the process's and "
            f"{(own[3] + own[4]) / (plain[3] + plain[4]):.2f}x with PostgreSQL's"
        )
        if args.sample_only:
            cr.rollback()
            return 0
    plain_rate = plain[0] / plain[2]
    run_id, elapsed = measure_jobs(registry, args, activity_ids, log_path)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        invoices = report_jobs(env, run_id, elapsed, plain_rate)
    log(
        f"whole town: {elapsed / 60:.1f} min through queue_job ({args.workers} "
        f"workers) against {invoices / plain_rate / 60:.1f} min for the plain batch "
        f"in one process at its rate ({invoices / elapsed / plain_rate:.2f}x)"
    )
    log(
        f"peak memory of the benchmark process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
        f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
