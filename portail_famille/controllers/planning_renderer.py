from babel.dates import format_date as babel_format_date
from markupsafe import Markup

from odoo.tools.misc import babel_locale_parse, get_lang


class PlanningRenderer:
    """The HTML of the planning's cells, built once per page in the user's language. The
    cells are the bulk of the page (units × days × 2 layouts): built here with escaped
    values, they cost a fraction of QWeb's per-attribute rendering. The state of a day
    is always written out (booked, waiting list, full…), never carried by colour alone;
    a locked day says why."""

    def __init__(self, env):
        self.env = env
        self.locale = babel_locale_parse(get_lang(env).code)
        self.states = {
            "add": ("pf-badge pf-badge-info", env._("+ to book")),
            "add_full": ("pf-badge pf-badge-info", env._("+ waiting list")),
            "remove": ("pf-badge pf-badge-wait", env._("− to cancel")),
            "booked": ("pf-state pf-booked", env._("Booked")),
            "waiting": ("pf-state pf-waiting", env._("Waiting list")),
            "payment_pending": ("pf-state pf-waiting", env._("Awaiting payment")),
            "attended": ("pf-state", env._("Present")),
            "absent": ("pf-state", env._("Absent")),
            "other_unit": ("pf-state", env._("Other unit")),
            "full": ("pf-state pf-full", env._("Full")),
        }
        self.closed_text = env._("Closed")
        self.locked_text = env._("Locked")
        self.full_text = env._("full: ticking asks for the waiting list")

    def render(self, planning):
        """Add what the planning template shows to ``planning``: the day labels, the
        bookable days as a set, and the HTML of each cell for the desktop grid
        (``grid_html``) and the phone list (``list_html``)."""
        bookable = planning["bookable_set"] = set(planning["bookable_days"])
        labels = planning["day_labels"] = {
            day: (
                babel_format_date(day, "EEEE d MMMM", locale=self.locale),
                babel_format_date(day, "EEE", locale=self.locale),
            )
            for day in planning["bookable_days"]
        }
        states = self.states
        # why the locked days are locked: each reason once per day (the phone list
        # says it under the day, not in each unit; the grid lists them under the
        # table), with the id its cells are described by
        reasons = planning["lock_reasons"] = {}
        for row in planning["rows"]:
            for cell in row["cells"]:
                if (
                    cell["date"] in bookable
                    and not cell["editable"]
                    and cell["status"] != "closed"
                    and cell["reason"]
                ):
                    day_reasons = reasons.setdefault(cell["date"], {})
                    cell["reason_id"] = day_reasons.setdefault(
                        cell["reason"],
                        "pf-why-%s-%s" % (cell["date"].isoformat(), len(day_reasons)),
                    )
        # the days with something still to change (the phone list shows the others
        # compactly: their units side by side)
        planning["open_days"] = {
            cell["date"]
            for row in planning["rows"]
            for cell in row["cells"]
            if cell["editable"] and cell["date"] in bookable
        }
        for row in planning["rows"]:
            # "whole period" only on a row with a day that can still change
            row["fillable"] = any(
                cell["editable"] for cell in row["cells"] if cell["date"] in bookable
            )
            for cell in row["cells"]:
                if cell["date"] not in bookable:
                    continue
                if cell["pending"] == "add":
                    state = "add_full" if cell["full"] else "add"
                else:
                    state = cell["pending"] or (
                        cell["status"]
                        if cell["status"] in states
                        else "full"
                        if cell["full"]
                        else None
                    )
                cell["state"] = states.get(state)
                state_html = (
                    Markup('<span class="%s">%s</span>') % cell["state"]
                    if cell["state"]
                    else ""
                )
                cell["grid_html"] = self.grid_cell(
                    cell, labels[cell["date"]][0], row["unit_name"], state_html
                )
                cell["list_html"] = (
                    self.list_cell(cell, row, state_html)
                    if cell["status"] != "closed"
                    else ""
                )
        return planning

    def grid_cell(self, cell, day_label, unit_name, state_html):
        """One day of the desktop grid: a checkbox with its spoken label, a lock with
        its reason, or closed."""
        classes = "pf-cell pf-%s%s%s" % (
            cell["status"],
            " pf-pending" if cell["pending"] else "",
            " pf-locked" if not cell["editable"] and cell["status"] != "closed" else "",
        )
        if cell["status"] == "closed":
            inner = Markup(
                '<span aria-hidden="true">·</span>'
                '<span class="visually-hidden">%s</span>'
            ) % (self.closed_text)
        elif cell["editable"]:
            inner = Markup(
                '<input type="checkbox" class="form-check-input" name="cell" '
                'id="c-%(key)s" value="%(key)s"%(checked)s'
                ' data-tour-day="%(day)s"%(title)s/>'
                '<label class="visually-hidden" for="c-%(key)s">'
                "%(label)s – %(unit)s%(full)s%(limit)s"
                "</label>%(state)s"
            ) % {
                "key": cell["key"],
                "title": Markup(' title="%s"') % cell["limit"] if cell["limit"] else "",
                "limit": " – %s" % cell["limit"] if cell["limit"] else "",
                "checked": Markup(' checked="checked"') if cell["checked"] else "",
                "day": cell["date"].isoformat(),
                "label": day_label,
                "unit": unit_name,
                "full": " – %s" % self.full_text
                if cell["full"] and not cell["checked"]
                else "",
                "state": state_html,
            }
        else:
            inner = Markup(
                '<span title="%(reason)s"><i class="fa fa-lock" '
                'aria-hidden="true"></i>%(check)s'
                '<span class="visually-hidden">%(reason)s</span></span>%(state)s'
            ) % {
                "reason": cell["reason"] or "",
                "state": state_html,
                "check": Markup('<span class="pf-state">✓</span>')
                if cell["checked"]
                else "",
            }
        return Markup('<td class="%s">%s</td>') % (classes, inner)

    def list_cell(self, cell, row, state_html):
        """One unit of a day in the phone list: the checkbox (disabled when locked, a
        lock, and described by the day's reason, said once under the day)."""
        reason_id = cell.get("reason_id")
        return Markup(
            '<div class="form-check d-flex align-items-center gap-2 py-1">'
            '<input type="checkbox" class="form-check-input" name="cell" '
            'id="m-%(key)s" value="%(key)s"%(checked)s'
            '%(disabled)s%(described)s data-tour-day="%(day)s"/>'
            '<label class="form-check-label" for="m-%(key)s">%(unit)s'
            '<span class="small text-muted"> (%(activity)s)</span></label>'
            "%(state)s%(lock)s%(limit)s</div>"
        ) % {
            "limit": Markup(
                '<span class="small text-muted pf-limit"><i class="fa fa-clock-o" '
                'aria-hidden="true"></i> %s</span>'
            )
            % cell["limit"]
            if cell["limit"]
            else "",
            "key": cell["key"],
            "checked": Markup(' checked="checked"') if cell["checked"] else "",
            "disabled": "" if cell["editable"] else Markup(' disabled="disabled"'),
            "described": Markup(' aria-describedby="m-%s"') % reason_id
            if reason_id
            else "",
            "day": cell["date"].isoformat(),
            "unit": row["unit_name"],
            "activity": row["activity_name"],
            "state": state_html,
            "lock": ""
            if cell["editable"]
            else Markup(
                '<span class="small text-muted"><i class="fa fa-lock" '
                'aria-hidden="true"></i><span class="visually-hidden">%s</span></span>'
            )
            % self.locked_text,
        }
