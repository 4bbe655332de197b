import logging
from collections import defaultdict

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from odoo.addons.queue_job.delay import group as job_group
from odoo.addons.queue_job.job import identity_exact

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("draft", "Draft"),
    ("running", "Running"),
    ("done", "Done"),
    ("error", "Done with errors"),
]
# households invoiced per account.move.create / action_post (a failing batch is retried
# household by household)
BATCH_SIZE = 50
# the queue_job channel of the billing's jobs (its capacity: the [queue_job] section of
# the server's configuration, see scripts/lib.sh)
CHANNEL = "root.portail_famille_billing"
# queue.job states of a job still to run
ACTIVE_JOB_STATES = ("pending", "enqueued", "started")
# first key of the advisory lock taken to post in a journal (the second: its id)
JOURNAL_LOCK_NAMESPACE = 0x50466A31


class FamilyBillingRun(models.Model):
    """The monthly billing of the families, for a month and a set of activities: one
    customer invoice per household for the billable days not invoiced yet, and a credit
    note against the original invoice for each day billed too much since (a justified
    absence, a staff correction, a lower price).

    Re-running a month bills nothing twice (each billed day is marked and linked to its
    invoice line); a household that cannot be billed is reported on its result line and
    the others are billed. The record is the run's log: its result lines, its summary
    and its chatter."""

    _name = "family.billing.run"
    _description = "Billing Run"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    month = fields.Date(
        required=True,
        default=lambda self: self._default_month(),
        tracking=True,
        help="Any day of the month to bill: the whole month is billed.",
    )
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True)
    activity_ids = fields.Many2many(
        "family.activity",
        string="Activities",
        help=(
            "The activities billed by this run (by default every activity of the "
            "month)."
        ),
    )
    invoice_date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        RUN_STATES, required=True, default="draft", readonly=True, tracking=True
    )
    line_ids = fields.One2many(
        "family.billing.run.line", "run_id", string="Results", readonly=True
    )
    household_total = fields.Integer(string="Households to Bill", readonly=True)
    household_done = fields.Integer(
        string="Households Processed", compute="_compute_counters"
    )
    progress = fields.Float(compute="_compute_counters")
    invoice_count = fields.Integer(string="Invoices", compute="_compute_counters")
    job_count = fields.Integer(
        string="Jobs",
        compute="_compute_job_count",
        groups="queue_job.group_queue_job_manager",
    )
    refund_count = fields.Integer(string="Credit Notes", compute="_compute_counters")
    nothing_count = fields.Integer(
        string="Nothing to Bill", compute="_compute_counters"
    )
    error_count = fields.Integer(string="Errors", compute="_compute_counters")
    unsent_count = fields.Integer(string="Not Sent", compute="_compute_counters")
    summary = fields.Text(readonly=True)

    @api.model
    def _default_month(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    @api.model_create_multi
    def create(self, vals_list):
        runs = super().create(vals_list)
        for run, vals in zip(runs, vals_list, strict=True):
            if "activity_ids" not in vals:
                run.activity_ids = self._billable_activities(run.date_from, run.date_to)
        return runs

    @api.model
    def _billable_activities(self, date_from, date_to):
        """The activities of the school years the month belongs to that have something
        to invoice (a unit)."""
        return self.env["family.activity"].search(
            [
                ("school_year_id.date_start", "<=", date_to),
                ("school_year_id.date_end", ">=", date_from),
                ("unit_ids", "!=", False),
            ]
        )

    @api.depends("month")
    def _compute_dates(self):
        for run in self:
            run.date_from = run.month and run.month.replace(day=1)
            run.date_to = run.month and run.date_from + relativedelta(months=1, days=-1)

    @api.depends("date_from")
    def _compute_name(self):
        for run in self:
            run.name = (
                _(
                    "Billing of %(month)s",
                    month=format_date(self.env, run.date_from, date_format="MMMM yyyy"),
                )
                if run.date_from
                else _("New billing run")
            )

    @api.depends(
        "line_ids.result", "line_ids.sent", "line_ids.household_id", "household_total"
    )
    def _compute_counters(self):
        for run in self:
            results = run.line_ids.mapped("result")
            run.household_done = len(run.line_ids.household_id)
            run.progress = (
                100.0 * run.household_done / run.household_total
                if run.household_total
                else 0.0
            )
            run.invoice_count = sum(
                result in ("invoice", "invoice_refund") for result in results
            )
            run.refund_count = sum(
                result in ("refund", "invoice_refund") for result in results
            )
            run.nothing_count = results.count("nothing")
            run.error_count = results.count("error")
            run.unsent_count = len(
                run.line_ids.filtered(lambda line: line.move_ids and not line.sent)
            )

    def _compute_job_count(self):
        for run in self:
            run.job_count = len(run._jobs()) if run.id else 0

    @api.onchange("month")
    def _onchange_month(self):
        if self.date_from:
            self.activity_ids = self._billable_activities(self.date_from, self.date_to)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_run(self):
        if any(run.state != "draft" for run in self):
            raise UserError(
                _(
                    "A billing run that has run is the log of its invoices: it cannot "
                    "be deleted."
                )
            )

    # ------------------------------------------------------------------ actions
    def action_run(self):
        """Accountants: bill the month (again: only what is not billed yet)."""
        self.check_access("write")
        for run in self:
            run._run()
        return True

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.line_ids.move_ids.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action

    def action_view_jobs(self):
        """Queue managers: the run's jobs in queue_job's own views (state, errors,
        retries, requeue)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "queue_job.action_queue_job"
        )
        action["domain"] = [("id", "in", self._jobs().ids)]
        action["context"] = {}
        return action

    @api.model
    def _cron_bill_previous_month(self):
        """Scheduled action: bill last month's days of every activity (the households
        are billed by the run's jobs)."""
        run = self.create({})
        run._run()
        return run

    # ------------------------------------------------------------------ the engine
    def _activities(self):
        return self.activity_ids or self._billable_activities(
            self.date_from, self.date_to
        )

    def _jobs(self):
        """The run's queue jobs (sudo: accountants are not queue managers)."""
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("func_string", "=like", "%s(%s,).%%" % (self._name, self.id)),
                ]
            )
        )

    def _run(self):
        """Start billing the month: find the households to bill, then bill them by
        batches, one queue job per batch (run by queue_job's runner, several at once),
        and a last job that writes the summary and sends the invoices once every batch
        is done. With ``queue_job__no_delay`` in the context (the demo, the tests),
        everything runs at once in this transaction."""
        self.ensure_one()
        jobs = self._jobs()
        if any(job.state in ACTIVE_JOB_STATES for job in jobs):
            raise UserError(
                _(
                    "%(run)s is already running (%(done)s of %(total)s households "
                    "processed): wait until it is finished, then run it again if "
                    "needed.",
                    run=self.name,
                    done=self.household_done,
                    total=self.household_total,
                )
            )
        # a summary job left waiting by a batch that failed for good
        jobs.filtered(lambda job: job.state == "wait_dependencies").button_cancelled()
        self.write({"state": "running", "summary": False})
        # run again: the households billed by an earlier pass keep their result, the
        # others are redone
        kept = self.line_ids.filtered(
            lambda line: line.result not in ("error", "nothing")
        )
        (self.line_ids - kept).unlink()
        activities = self._activities()
        # the sales journal and the services' analytic accounts, checked and created
        # once, before the jobs run side by side
        _BillingContext(self, activities)
        new_days = self._read_new_days(activities)
        corrections = self._read_corrections(activities)
        households = (
            self._read_households(activities) | set(new_days) | set(corrections)
        )
        households -= set(kept.household_id.ids) - set(new_days) - set(corrections)
        self.household_total = len(households | set(kept.household_id.ids))
        if not households and not kept:
            self.write(
                {
                    "state": "done",
                    "summary": _(
                        "Nothing to bill for %(month)s: no reservation of these "
                        "activities in that month.",
                        month=self._month_label(),
                    ),
                }
            )
            self.message_post(body=self.summary)
            return
        ordered = sorted(households)
        # the result lines of this pass come after the kept ones
        last_kept = max(kept.ids, default=0)
        batches = [
            ordered[start : start + BATCH_SIZE]
            for start in range(0, len(ordered), BATCH_SIZE)
        ]
        month = self._month_label()
        bills = []
        # a plain loop: _() finds the language in the caller's frame
        for index, batch in enumerate(batches):
            description = _(
                "Billing of %(month)s: households %(number)s to %(last)s of %(total)s",
                month=month,
                number=index * BATCH_SIZE + 1,
                last=index * BATCH_SIZE + len(batch),
                total=len(ordered),
            )
            bills.append(
                self.delayable(
                    channel=CHANNEL,
                    identity_key=identity_exact,
                    description=description,
                )._job_bill_batch(batch, last_kept)
            )
        finish = self.delayable(
            channel=CHANNEL,
            identity_key=identity_exact,
            description=_("Billing of %(month)s: summary and sending", month=month),
        )._job_finish()
        job_group(*bills).on_done(finish).delay()

    def _job_bill_batch(self, household_ids, last_kept=0):
        """Queue job: bill these households (their days read now: a day billed
        meanwhile by another run is not billed twice). A household that already has
        its result from this pass of the run (a result line after ``last_kept``, the
        job run again) is skipped."""
        self.ensure_one()
        # the batch's households only (not every result line of the run, which a
        # town's last jobs would read thousands of)
        done = set(
            self.env["family.billing.run.line"]
            .search(
                [
                    ("run_id", "=", self.id),
                    ("id", ">", last_kept),
                    ("household_id", "in", list(household_ids)),
                ]
            )
            .household_id.ids
        )
        households = (
            self.env["family.household"]
            .with_context(active_test=False)
            .browse([id_ for id_ in household_ids if id_ not in done])
        )
        if not households:
            return _("Nothing left to bill in this batch.")
        activities = self._activities()
        new_days = self._read_new_days(activities, households.ids)
        corrections = self._read_corrections(activities, households.ids)
        billing = _BillingContext(self, activities)
        self._bill_batch(households, new_days, corrections, billing)
        return _("%(count)s household(s) processed.", count=len(households))

    def _job_finish(self):
        """Queue job, once every batch is done: the summary, the chatter, and the
        invoices sent by Odoo's sending scheduled action."""
        self.ensure_one()
        self.env.ref("account.ir_cron_account_move_send")._trigger()
        self._finish()
        return self.summary

    def _month_label(self):
        return format_date(self.env, self.date_from, date_format="MMMM yyyy")

    def _read_households(self, activities):
        """Households with a reservation of these activities in the month (billable or
        not)."""
        self.env["family.reservation"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT household_id FROM family_reservation
                WHERE activity_id = ANY(%s) AND date BETWEEN %s AND %s""",
                activities.ids,
                self.date_from,
                self.date_to,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _read_new_days(self, activities, household_ids=None):
        """{household_id: [group]} of the month's billable days not invoiced yet (of
        ``household_ids`` if given), one group per child, unit, price and tariff:
        {child_id, unit_id, activity_id, price, tariff_name, dates, reservation_ids}."""
        Reservation = self.env["family.reservation"]
        Reservation.flush_model()
        self.env["family.activity"].flush_model(["absence_billing"])
        self.env.cr.execute(
            SQL(
                """SELECT r.household_id, r.child_id, r.unit_id, r.activity_id,
                      r.price_unit, r.tariff_name,
                      array_agg(r.date ORDER BY r.date), array_agg(r.id ORDER BY r.date)
                 FROM family_reservation r
                 JOIN family_activity a ON a.id = r.activity_id
                WHERE r.activity_id = ANY(%s) AND r.date BETWEEN %s AND %s
                  AND r.invoiced IS NOT TRUE AND %s AND %s
                GROUP BY r.household_id, r.child_id, r.unit_id, r.activity_id,
                         r.price_unit, r.tariff_name
                ORDER BY r.household_id, r.child_id, r.unit_id, r.price_unit""",
                activities.ids,
                self.date_from,
                self.date_to,
                Reservation._billable_sql(),
                self._households_sql(household_ids),
            )
        )
        result = defaultdict(list)
        for (
            household_id,
            child_id,
            unit_id,
            activity_id,
            price,
            tariff,
            dates,
            ids,
        ) in self.env.cr.fetchall():
            result[household_id].append(
                {
                    "child_id": child_id,
                    "unit_id": unit_id,
                    "activity_id": activity_id,
                    "price": price or 0.0,
                    "tariff_name": tariff,
                    "dates": dates,
                    "reservation_ids": ids,
                }
            )
        return result

    @api.model
    def _households_sql(self, household_ids):
        if household_ids is None:
            return SQL("TRUE")
        return SQL("r.household_id = ANY(%s)", list(household_ids))

    def _read_corrections(self, activities, household_ids=None):
        """{household_id: [group]} of the invoiced days, up to the month's end (of
        ``household_ids`` if given), whose
        billed amount is no longer what they cost (a billed day now justified or
        cancelled, a changed price): one group per original invoice, child, unit, tariff
        and difference. ``difference`` > 0: billed too much (credit note)."""
        Reservation = self.env["family.reservation"]
        Reservation.flush_model()
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        due = SQL(
            "CASE WHEN %s THEN r.price_unit ELSE 0 END", Reservation._billable_sql()
        )
        self.env.cr.execute(
            SQL(
                """SELECT r.household_id, l.move_id, l.account_id, r.child_id,
                      r.unit_id, r.activity_id, r.tariff_name,
                      r.billed_amount - %(due)s AS difference,
                      array_agg(r.date ORDER BY r.date), array_agg(r.id ORDER BY r.date)
                 FROM family_reservation r
                 JOIN family_activity a ON a.id = r.activity_id
                 JOIN account_move_line l ON l.id = r.invoice_line_id
                WHERE r.activity_id = ANY(%(activities)s) AND r.invoiced
                  AND r.date <= %(date_to)s AND r.billed_amount != %(due)s
                  AND %(households)s
                GROUP BY r.household_id, l.move_id, l.account_id, r.child_id,
                         r.unit_id, r.activity_id, r.tariff_name, difference
                ORDER BY r.household_id, l.move_id, r.child_id, r.unit_id""",
                due=due,
                activities=activities.ids,
                date_to=self.date_to,
                households=self._households_sql(household_ids),
            )
        )
        result = defaultdict(list)
        for (
            household_id,
            move_id,
            account_id,
            child_id,
            unit_id,
            activity_id,
            tariff,
            difference,
            dates,
            ids,
        ) in self.env.cr.fetchall():
            result[household_id].append(
                {
                    "move_id": move_id,
                    "account_id": account_id,
                    "child_id": child_id,
                    "unit_id": unit_id,
                    "activity_id": activity_id,
                    "tariff_name": tariff,
                    "difference": difference,
                    "dates": dates,
                    "reservation_ids": ids,
                }
            )
        return result

    def _bill_batch(self, households, new_days, corrections, billing):
        """Bill a batch of households at once; if anything fails, again household by
        household so that only the failing ones are reported."""
        try:
            with self.env.cr.savepoint():
                results = self._bill_households(
                    households, new_days, corrections, billing
                )
        # retried one by one below: each error is reported on its household
        except Exception:
            _logger.info(
                "Billing run %s: a batch failed, billing its households one by one",
                self.id,
            )
            results = []
            for household in households:
                try:
                    with self.env.cr.savepoint():
                        results += self._bill_households(
                            household, new_days, corrections, billing
                        )
                except (UserError, ValidationError) as error:
                    results.append(
                        self._line_vals(
                            household,
                            "error",
                            message=_("Not billed: %(reason)s", reason=error.args[0]),
                        )
                    )
                except Exception:
                    _logger.exception(
                        "Billing run %s: household %s could not be billed",
                        self.id,
                        household.id,
                    )
                    results.append(
                        self._line_vals(
                            household,
                            "error",
                            message=_(
                                "Not billed: an unexpected error occurred (details in "
                                "the server log). "
                                "Nothing was invoiced for this household; run the "
                                "billing again once it is fixed."
                            ),
                        )
                    )
        self.env["family.billing.run.line"].create(results)

    def _bill_households(self, households, new_days, corrections, billing):
        """Create, post and queue for sending the invoices and credit notes of
        ``households``; mark the days. Returns the result lines' values. Raises on the
        first household that cannot be billed."""
        self._lock_days(households, new_days, corrections)
        billing.read_children(
            group
            for household in households
            for group in (
                *new_days.get(household.id, ()),
                *corrections.get(household.id, ()),
            )
        )
        move_vals, links, owners = [], [], []
        for household in households:
            invoice_groups = list(new_days.get(household.id, ()))
            refunds = defaultdict(list)
            for group in corrections.get(household.id, ()):
                if group["difference"] > 0:
                    refunds[group["move_id"]].append(group)
                else:  # billed too little: the difference goes on this month's invoice
                    invoice_groups.append({**group, "price": -group["difference"]})
            if invoice_groups:
                move_vals.append(
                    billing.move_vals(household, "out_invoice", invoice_groups)
                )
                links.append(invoice_groups)
                owners.append(household)
            for move_id, groups in refunds.items():
                move_vals.append(
                    billing.move_vals(
                        household, "out_refund", groups, reversed_move_id=move_id
                    )
                )
                links.append(groups)
                owners.append(household)
        # e-mailed by Odoo's sending scheduled action (as the batch "Send" wizard
        # does), set at the create rather than by one more write of every invoice
        sending = {
            "author_user_id": self.env.uid,
            "author_partner_id": self.env.user.partner_id.id,
        }
        for vals, household in zip(move_vals, owners, strict=True):
            if household.email:
                vals["sending_data"] = sending
        # the chatter says which run wrote the documents, in one batch: neither
        # Odoo's "Invoice created" posted document by document, nor whoever runs
        # the job made a follower of every invoice (as for Odoo's imports)
        moves = (
            self.env["account.move"]
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(move_vals)
            .with_env(self.env)
        )
        moves._message_log_batch(
            bodies=dict.fromkeys(
                moves.ids,
                _(
                    "Created by the monthly billing: %(run)s.",
                    run=self._get_html_link(),
                ),
            )
        )
        self._lock_journal(billing.journal)
        # the moves' dynamic lines (the receivable) are in sync since the create:
        # posted without synchronising them again at each of the posting's writes
        # (the state, and the "checked" flag move by move), as Odoo's point of sale
        # posts its invoices (pos.order._get_invoice_post_context). Nothing of them
        # changes at the posting: the invoice date is set, the currency is the
        # company's (a later accounting date in a closed period changes no amount)
        moves.with_context(skip_invoice_sync=True).action_post()
        self._link_billed_days(moves, links)
        # result lines
        by_household = defaultdict(lambda: self.env["account.move"])
        for move, household in zip(moves, owners, strict=True):
            by_household[household.id] |= move
        results = []
        for household in households:
            household_moves = by_household.get(household.id)
            if not household_moves:
                results.append(
                    self._line_vals(
                        household,
                        "nothing",
                        message=_(
                            "Nothing to bill: every billable day of the month is "
                            "already invoiced, or none is billable."
                        ),
                    )
                )
                continue
            types = set(household_moves.mapped("move_type"))
            result = (
                "invoice_refund"
                if len(types) == 2
                else "invoice"
                if "out_invoice" in types
                else "refund"
            )
            sent = bool(household.email)
            results.append(
                self._line_vals(
                    household,
                    result,
                    moves=household_moves,
                    sent=sent,
                    message=False
                    if sent
                    else _("Posted but not sent: the household has no e-mail address."),
                )
            )
        return results

    def _lock_journal(self, journal):
        """Post one batch at a time per journal, until this transaction ends. Posting
        takes the journal's next number, and Odoo makes a second transaction wait for
        the first before giving it a number: two jobs posting side by side would wait
        for each other's numbers one by one, the second never catching up. The
        invoices are still created side by side; only posting, linking the days and
        the result lines (about a third of a batch) wait for their turn."""
        self.env.cr.execute(
            SQL(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                JOURNAL_LOCK_NAMESPACE,
                journal.id,
            )
        )

    @api.model
    def _link_billed_days(self, moves, links):
        """After posting ``moves``: link each billed day to its invoice line and record
        what it is billed now. ``links``: one list of groups per move, in the order of
        its lines (the groups its lines were built from). One UPDATE for the whole
        batch (as many ORM writes as days would cost more than creating the
        invoices)."""
        ids, line_ids, deltas = [], [], []
        for move, groups in zip(moves, links, strict=True):
            lines = move.invoice_line_ids.sorted("sequence")
            invoice = move.move_type == "out_invoice"
            for group, line in zip(groups, lines, strict=True):
                # an invoice: a new day or a day billed too little (its amount so far
                # plus the difference); a credit note: what it credits
                delta = group["price"] if invoice else -group["difference"]
                for reservation_id in group["reservation_ids"]:
                    ids.append(reservation_id)
                    line_ids.append(line.id if invoice else None)
                    deltas.append(delta)
        if not ids:
            return
        Reservation = self.env["family.reservation"]
        fnames = ["invoiced", "invoice_line_id", "billed_amount"]
        Reservation.flush_model(fnames)
        self.env.cr.execute(
            SQL(
                """UPDATE family_reservation r
                      SET invoiced = r.invoiced OR v.line_id IS NOT NULL,
                          invoice_line_id = COALESCE(v.line_id, r.invoice_line_id),
                          billed_amount = COALESCE(r.billed_amount, 0) + v.delta,
                          write_uid = %s,
                          write_date = NOW() AT TIME ZONE 'UTC'
                     FROM unnest(%s::int[], %s::int[], %s::numeric[])
                          AS v(id, line_id, delta)
                    WHERE r.id = v.id""",
                self.env.uid,
                ids,
                line_ids,
                deltas,
            )
        )
        Reservation.invalidate_model([*fnames, "write_uid", "write_date"])

    @api.model
    def _bill_reservations(self, household, reservations, move_type, origin, **kwargs):
        """Post one invoice (``move_type`` "out_invoice": their price) or credit note
        ("out_refund": what they are billed so far; ``reversed_move_id`` in
        ``kwargs``) of ``household`` for exactly these days, with the lines of the
        monthly billing, and link the days to it as a run does: a run never bills them
        again. Used by the immediate payment of activities (family.booking.cart)."""
        groups = defaultdict(lambda: {"dates": [], "reservation_ids": []})
        for reservation in reservations.sudo().sorted(lambda r: (r.date, r.id)):
            group = groups[
                reservation.child_id.id,
                reservation.unit_id.id,
                reservation.activity_id.id,
                reservation.tariff_name,
                reservation.price_unit,
                reservation.billed_amount,
            ]
            group.update(
                child_id=reservation.child_id.id,
                unit_id=reservation.unit_id.id,
                activity_id=reservation.activity_id.id,
                tariff_name=reservation.tariff_name,
                price=reservation.price_unit,
                difference=reservation.billed_amount,
            )
            group["dates"].append(reservation.date)
            group["reservation_ids"].append(reservation.id)
        groups = list(groups.values())
        billing = _BillingContext(
            self.browse(),
            reservations.activity_id,
            company=self.env.company,
            invoice_date=fields.Date.context_today(self),
            origin=origin,
        )
        move = (
            self.env["account.move"]
            .sudo()
            .create(billing.move_vals(household, move_type, groups, **kwargs))
        )
        move.action_post()
        self._link_billed_days(move, [groups])
        return move

    def _lock_days(self, households, new_days, corrections):
        """Lock the days about to be billed: a second run billing them at the same
        moment is refused (it would bill them twice) instead of waiting; the household
        is reported and billed by a later run."""
        ids = [
            reservation_id
            for household in households
            for group in (
                *new_days.get(household.id, ()),
                *corrections.get(household.id, ()),
            )
            for reservation_id in group["reservation_ids"]
        ]
        if not ids:
            return
        try:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM family_reservation WHERE id = ANY(%s) FOR UPDATE "
                    "NOWAIT",
                    ids,
                ),
                log_exceptions=False,
            )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise UserError(
                _(
                    "these days are being billed by another billing run right now; run "
                    "the billing again once it "
                    "is finished (nothing is billed twice)."
                )
            ) from None

    def _line_vals(self, household, result, moves=None, sent=False, message=False):
        amount = sum(move.amount_total_signed for move in moves) if moves else 0.0
        return {
            "run_id": self.id,
            "household_id": household.id,
            "result": result,
            "sent": sent,
            "message": message,
            "move_ids": [Command.set(moves.ids)] if moves else [],
            "amount": amount,
        }

    def _finish(self):
        errors = self.error_count
        parts = [
            _(
                "%(month)s: %(count)s household(s) processed.",
                month=self._month_label(),
                count=self.household_done,
            )
        ]
        if self.invoice_count:
            invoices = self.line_ids.move_ids.filtered(
                lambda move: move.move_type == "out_invoice"
            )
            parts.append(
                _(
                    "%(count)s invoice(s) posted for %(amount)s.",
                    count=len(invoices),
                    amount=format_amount(
                        self.env, sum(invoices.mapped("amount_total")), self.currency_id
                    ),
                )
            )
        if self.refund_count:
            refunds = self.line_ids.move_ids.filtered(
                lambda move: move.move_type == "out_refund"
            )
            parts.append(
                _(
                    "%(count)s credit note(s) posted for %(amount)s.",
                    count=len(refunds),
                    amount=format_amount(
                        self.env, sum(refunds.mapped("amount_total")), self.currency_id
                    ),
                )
            )
        if self.nothing_count:
            parts.append(
                _(
                    "%(count)s household(s) with nothing new to bill.",
                    count=self.nothing_count,
                )
            )
        if self.unsent_count:
            parts.append(
                _(
                    "%(count)s household(s) without an e-mail address: their documents "
                    "are posted but not "
                    "sent.",
                    count=self.unsent_count,
                )
            )
        closed_period = self._closed_period_note()
        if closed_period:
            parts.append(closed_period)
        if errors:
            parts.append(
                _(
                    "%(count)s household(s) could not be billed: see their result "
                    "lines, fix and run the "
                    "billing again (what is billed is not billed twice).",
                    count=errors,
                )
            )
        self.write(
            {"state": "error" if errors else "done", "summary": "\n".join(parts)}
        )
        self.message_post(body=self.summary)

    def _closed_period_note(self):
        """When the invoice date falls in a locked period (a lock date of the
        company: fiscal year, sales, or the hard lock), Odoo posts the invoices with
        a later accounting date: say so, dates included, on the run."""
        moved = self.line_ids.move_ids.filtered(
            lambda move: move.invoice_date and move.date != move.invoice_date
        )
        if not moved:
            return False
        lock_date = self.company_id._get_user_fiscal_lock_date(moved.journal_id[:1])
        return _(
            "Closed period: the documents are dated %(invoice_date)s, but the "
            "accounts are locked up to %(lock_date)s, so Odoo booked them on "
            "%(date)s.",
            invoice_date=format_date(self.env, min(moved.mapped("invoice_date"))),
            lock_date=format_date(self.env, lock_date),
            date=format_date(self.env, min(moved.mapped("date"))),
        )

    # ------------------------------------------------------------------ demo
    @api.model
    def _demo_build_past(self, months=3):
        """Demo: the town's recent past, so that a newcomer finds a living account.
        Every validated registration of the last ``months`` months gets its open days
        booked and their attendance recorded (a few absences, justified or not); each
        month is billed on the 1st of the next; an absence justified after its invoice
        is credited by the last run; the invoices are paid by card, direct debit
        (recorded as bank payments until SEPA comes) or cheque/cash at the counter,
        except one, left unpaid. Nothing is e-mailed."""
        today = fields.Date.context_today(self)
        first = today.replace(day=1) - relativedelta(months=months)
        last = today.replace(day=1) - relativedelta(days=1)
        Reservation = self.env["family.reservation"].with_context(booking_override=True)
        registrations = self.env["family.registration"].search(
            [
                ("state", "=", "validated"),
                ("date_start", "<=", last),
                ("date_end", ">=", first),
                ("activity_id.unit_ids", "!=", False),
            ]
        )
        open_dates = Reservation._open_dates_getter()
        requests = [
            {
                "registration_id": registration.id,
                "unit_id": registration.activity_id.unit_ids[0].id,
                "date": day,
            }
            for registration in registrations
            for day in sorted(open_dates(registration.activity_id))
            if first <= day <= last
            and registration.date_start <= day <= registration.date_end
        ]
        Reservation._book_bulk(requests)
        days = Reservation.search(
            [
                ("registration_id", "in", registrations.ids),
                ("date", ">=", first),
                ("date", "<=", last),
                ("state", "=", "reserved"),
            ],
            order="date, id",
        )
        states = {}
        for index, reservation in enumerate(days):
            state = (
                "absent_justified"
                if index % 23 == 5
                else "absent_unjustified"
                if index % 29 == 7
                else "attended"
            )
            states.setdefault(state, []).append(reservation.id)
        for state, ids in states.items():
            Reservation.browse(ids).write({"state": state})
        runs = self.browse()
        for number in range(months):
            month = first + relativedelta(months=number)
            if number == months - 1 and runs:
                # the certificate of an absence arrived after its invoice: the next run
                # credits it
                billed = Reservation.search(
                    [("invoiced", "=", True), ("state", "=", "attended")], limit=1
                )
                billed.write({"state": "absent_justified"})
            run = self.create(
                {"month": month, "invoice_date": month + relativedelta(months=1)}
            )
            # at install, no job runner: the jobs run at once
            run.with_context(queue_job__no_delay=True)._run()
            runs |= run
        moves = runs.line_ids.move_ids
        moves.sending_data = False
        invoices = moves.filtered(lambda move: move.move_type == "out_invoice").sorted(
            "id"
        )
        journals = {
            kind: self.env["account.journal"].search(
                [
                    *self.env["account.journal"]._check_company_domain(
                        self.env.company
                    ),
                    ("type", "=", kind),
                ],
                limit=1,
            )
            for kind in ("bank", "cash")
        }
        ways = [
            ("bank", _("Card payment")),
            ("bank", _("SEPA direct debit")),
            ("cash", _("Cheque at the town hall")),
            ("cash", _("Cash at the town hall")),
        ]
        for index, invoice in enumerate(invoices[:-1]):  # the last invoice stays unpaid
            kind, memo = ways[index % len(ways)]
            self.env["account.payment.register"].with_context(
                active_model="account.move",
                active_ids=invoice.ids,
            ).create(
                {
                    "journal_id": journals[kind].id,
                    "communication": "%s – %s" % (memo, invoice.name),
                    "payment_date": min(
                        invoice.invoice_date + relativedelta(days=12), today
                    ),
                }
            )._create_payments()
        return runs


class _BillingContext:
    """What a run needs once, not per household: the sales journal, each unit's product
    and income account, each activity's analytic account (per service, in the plan
    "Services"), the records' names."""

    def __init__(self, run, activities, company=None, invoice_date=None, origin=None):
        self.run = run
        self.env = env = run.env
        self.company = company or run.company_id
        self.invoice_date = invoice_date or run.invoice_date
        self.origin = origin or run.name
        self.journal = env["account.journal"].search(
            [
                *env["account.journal"]._check_company_domain(self.company),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        if not self.journal:
            raise UserError(
                _(
                    "The company has no sales journal: install its chart of accounts "
                    "first."
                )
            )
        self.currency = self.company.currency_id
        self.units = {}
        self.children = {}
        self.analytic = env["account.analytic.account"]._family_service_accounts(
            activities, self.company
        )

    def _unit(self, unit_id):
        if unit_id not in self.units:
            unit = self.env["family.activity.unit"].browse(unit_id)
            product = unit.product_id.with_company(self.company)
            account = product._get_product_accounts()["income"] if product else False
            self.units[unit_id] = (unit, product, account)
        return self.units[unit_id]

    def read_children(self, groups):
        """Read the names of the children of these groups at once (one query for a
        batch rather than one per child)."""
        missing = {group["child_id"] for group in groups} - self.children.keys()
        for child in self.env["family.child"].browse(missing):
            self.children[child.id] = child.name

    def _child_name(self, child_id):
        if child_id not in self.children:
            self.children[child_id] = self.env["family.child"].browse(child_id).name
        return self.children[child_id]

    def _days_label(self, dates):
        """ "3, 4, 6, 10 déc." (days grouped by month, the month abbreviated in the
        user's language)."""
        by_month = defaultdict(list)
        for day in dates:
            by_month[day.replace(day=1)].append(str(day.day))
        return ", ".join(
            "%s %s" % (", ".join(days), format_date(self.env, month, date_format="MMM"))
            for month, days in sorted(by_month.items())
        )

    def move_vals(self, household, move_type, groups, reversed_move_id=False):
        lines = []
        for sequence, group in enumerate(groups, start=10):
            unit, product, account = self._unit(group["unit_id"])
            if not product:
                raise UserError(
                    _("%(unit)s has no invoicing product.", unit=unit.display_name)
                )
            if not account:
                raise UserError(
                    _(
                        "%(unit)s: its product %(product)s has no income account; set "
                        "one on the product or on its "
                        "category.",
                        unit=unit.display_name,
                        product=product.display_name,
                    )
                )
            days = self._days_label(group["dates"])
            name = "%s – %s – %s : %s" % (
                self._child_name(group["child_id"]),
                unit.name,
                group["tariff_name"] or product.name,
                days,
            )
            analytic = self.analytic.get(group["activity_id"])
            quantity = len(group["dates"])
            price = (
                group["price"] if move_type == "out_invoice" else group["difference"]
            )
            # the line's amount in the company's currency (no tax: quantity × price;
            # an invoice's lines are credits, a credit note's debits): after the
            # create, Odoo's tax synchronisation computes it again and writes the
            # lines whose amount differs, one write per line, which cost a third of
            # the run when every line was written
            balance = self.currency.round(quantity * price) * (
                -1 if move_type == "out_invoice" else 1
            )
            lines.append(
                Command.create(
                    {
                        "sequence": sequence,
                        "product_id": product.id,
                        "name": name,
                        "quantity": quantity,
                        "price_unit": price,
                        "balance": balance,
                        "amount_currency": balance,
                        "account_id": group.get("account_id") or account.id,
                        "tax_ids": [
                            Command.clear()
                        ],  # the town's services are outside the scope of VAT
                        "analytic_distribution": {str(analytic.id): 100}
                        if analytic
                        else False,
                        "family_child_id": group["child_id"],
                        "family_unit_id": unit.id,
                        "family_activity_id": group["activity_id"],
                        "family_days": days,
                    }
                )
            )
        vals = {
            "move_type": move_type,
            "partner_id": household.partner_id.id,
            "company_id": self.company.id,
            "journal_id": self.journal.id,
            "invoice_date": self.invoice_date,
            "currency_id": self.currency.id,
            "invoice_origin": self.origin,
            "invoice_line_ids": lines,
            # SEPA direct debit: the household's payment mode and valid mandate, so
            # that the invoice is collected by the next debit order
            **household._direct_debit_move_vals(move_type, self.company),
        }
        if reversed_move_id:
            original = self.env["account.move"].browse(reversed_move_id)
            vals["reversed_entry_id"] = reversed_move_id
            vals["ref"] = _("Correction of %(invoice)s", invoice=original.name)
        return vals
