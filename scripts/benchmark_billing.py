"""Monthly billing benchmark on a generated town (run it through
``scripts/benchmark.sh --billing``).

Builds the town of scripts/benchmark_reservations.py (``--households`` households of 2
children), adds a noon activity of 8 units (workshops, each child going to each
workshop on a couple of days), books September 2026 through the engine (``_book_bulk``:
the restaurant and the morning ALAE every open day, the evening ALAE for a tenth of
the children, the workshops in turn), about 20 invoice lines per household, then
measures in the same run:
  (a) Odoo's plain rate: the same invoices (same partners, products, accounts,
      quantities, prices and line labels) created with one plain batch
      ``account.move.create`` and ``action_post``, in a savepoint rolled back
      afterwards so that (b) starts from the same state;
  (b) ``family.billing.run`` billing September for every household (the run's own
      work: reading the days, invoices, posting, linking each day to its line, the
      result lines). Nothing is e-mailed: the generated households have no e-mail
      address and the sending scheduled action is not run.
and prints invoices/s and lines/s of both, their ratio and the peak memory of each.
Everything it creates lives in its own database and school year; run it on a
throw-away database (benchmark.sh drops and recreates one).
"""

import resource
import sys
import uuid
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


def measure_plain(env, activity_ids):
    """(a) The same invoices, one plain batch create + post, rolled back. Returns
    (invoices, lines, wall seconds, cpu seconds, peak MB)."""
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
        for household in Household.browse(sorted(new_days))
    ]
    lines = sum(len(vals["invoice_line_ids"]) for vals in vals_list)
    env.flush_all()
    env.invalidate_all()
    reset_peak_memory()
    started, cpu = perf_counter(), cpu_seconds()
    moves = env["account.move"].create(vals_list)
    moves.action_post()
    env.flush_all()
    elapsed, cpu = perf_counter() - started, cpu_seconds() - cpu
    peak = peak_memory_mb()
    invoices = len(moves)
    savepoint.close(rollback=True)
    env.invalidate_all()
    return invoices, lines, elapsed, cpu, peak


def measure_run(env, activity_ids):
    """(b) family.billing.run billing the month. Returns (invoices, lines, wall
    seconds, cpu seconds, peak MB, errors)."""
    env.invalidate_all()
    reset_peak_memory()
    started, cpu = perf_counter(), cpu_seconds()
    run = env["family.billing.run"].create(
        {
            "month": MONTH,
            "invoice_date": INVOICE_DATE,
            "activity_ids": [Command.set(activity_ids)],
        }
    )
    run.action_run()
    env.flush_all()
    elapsed, cpu = perf_counter() - started, cpu_seconds() - cpu
    peak = peak_memory_mb()
    moves = run.line_ids.move_ids
    lines = len(moves.invoice_line_ids)
    return len(moves), lines, elapsed, cpu, peak, run.error_count


def rates(label, invoices, lines, elapsed, cpu, peak):
    log(
        f"{label}: {invoices} invoices, {lines} lines in {elapsed:.1f} s "
        f"(process CPU {cpu:.1f} s) = {invoices / elapsed:,.1f} invoices/s, "
        f"{lines / elapsed:,.0f} lines/s; peak memory {peak:.0f} MB"
    )


def main():
    parser = bench_parser()
    parser.add_argument("--households", type=int, default=6000)
    args = parser.parse_args()
    registry = open_registry(args)
    tag = uuid.uuid4().hex[:6]
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
        # billed on 1 October, as the scheduled action does; measured with the
        # users' context (mail tracking on)
        env = env(context={})
        with freeze_time("2026-10-01 06:00"):
            plain = measure_plain(env, activity_ids)
            rates("(a) plain account.move.create + action_post", *plain)
            *billed, errors = measure_run(env, activity_ids)
            rates("(b) family.billing.run", *billed)
        if errors or billed[0] != plain[0]:
            log(f"WARNING: the run billed {billed[0]} households, {errors} errors")
        log(
            f"ratio: the billing run takes {billed[2] / plain[2]:.2f}x the time of "
            f"the plain batch ({plain[2] / billed[2] * 100:.0f}% of its rate); "
            f"total {plain[2] + billed[2]:.1f} s"
        )
        log(
            f"peak memory of the benchmark process: "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
