from datetime import timedelta

from dateutil.relativedelta import relativedelta
from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.exceptions import UserError
from odoo.http import request

from ..tools import to_date
from .billing import FamilyBillingPortal
from .planning_renderer import PlanningRenderer

PLANNING_VIEWS = ("month", "fortnight", "week")


class FamilyPlanningPortal(FamilyBillingPortal):
    """The planning (/my/planning: tick the days to book) and its recap (/my/recap: the
    changes waiting to be finished). The cart (family.booking.cart) owns the booking
    rules. Days of activities paid immediately are paid on the page that follows
    "Terminer", with the billing pages' payment form (FamilyBillingPortal)."""

    # ------------------------------------------------------------------ planning
    @staticmethod
    def _planning_anchor(month, start):
        """(day, error): the day of the planning asked in the URL, its ``start`` day or
        the first of its ``month`` ("YYYY-MM"), today's when none is given. A garbled or
        out-of-range one gives today's and the message saying so."""
        today = fields.Date.context_today(request.env.user)
        value = start or ("%s-01" % month if month else None)
        if not value:
            return today, None
        anchor = to_date(value)
        if anchor:
            return anchor, None
        return today, _(
            'The date "%(value)s" is not valid: the planning shows the current period.',
            value=(start or month)[:30],
        )

    @staticmethod
    def _planning_range(view, anchor):
        """(date_from, date_to, previous start, next start) of the planning shown around
        the day ``anchor``."""
        if view == "month":
            date_from = anchor.replace(day=1)
            date_to = date_from + relativedelta(months=1, days=-1)
            return (
                date_from,
                date_to,
                date_from - relativedelta(months=1),
                date_from + relativedelta(months=1),
            )
        length = 14 if view == "fortnight" else 7
        date_from = anchor - timedelta(days=anchor.weekday())
        return (
            date_from,
            date_from + timedelta(days=length - 1),
            date_from - timedelta(days=length),
            date_from + timedelta(days=length),
        )

    def _prepare_planning_values(self, household, child, view, month, start):
        errors = request.session.pop("family_planning_errors", [])
        if view not in PLANNING_VIEWS:
            errors.append(
                _(
                    'The view "%(value)s" does not exist: '
                    "the planning shows the month.",
                    value=str(view)[:30],
                )
            )
            view = "month"
        anchor, date_error = self._planning_anchor(month, start)
        if date_error:
            errors.append(date_error)
        date_from, date_to, prev_start, next_start = self._planning_range(view, anchor)
        values = self._prepare_portal_layout_values()
        Cart = request.env["family.booking.cart"]
        planning = (
            Cart._get_planning(child, date_from, date_to)
            if child
            else {"days": [], "rows": [], "bookable_days": []}
        )
        cart = Cart.search([("household_id", "=", household.id)], limit=1)
        cost = (
            request.env["family.reservation"]._get_monthly_cost(
                household, date_from.replace(day=1), child
            )
            if child
            else {}
        )
        PlanningRenderer(request.env).render(planning)
        values.update(
            {
                # the record the page edits; website's layout reads its fields_get(),
                # far smaller than the view's
                "main_object": cart,
                "page_name": "family_planning",
                "household": household,
                "child": child,
                "planning": planning,
                "view": view,
                "date_from": date_from,
                "date_to": date_to,
                "prev_start": prev_start,
                "next_start": next_start,
                "cart": cart,
                "month_cost": cost.get(child.id, 0.0) if child else 0.0,
                "currency": request.env.company.currency_id,
                "errors": errors,
                "notice": request.session.pop("family_planning_notice", None),
            }
        )
        return values

    @http.route("/my/planning", type="http", auth="user", website=True, methods=["GET"])
    def family_planning(self, child=None, view="month", month=None, start=None, **kw):
        household = self._family_household()
        child = self._family_child(household, child)
        values = self._prepare_planning_values(household, child, view, month, start)
        return request.render("portail_famille.portal_my_planning", values)

    @http.route(
        "/my/planning", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_planning_save(self, child=None, view="month", start=None, **post):
        household = self._family_household()
        child = self._family_child(household, child)
        if not child:
            raise NotFound()
        view = view if view in PLANNING_VIEWS else "month"
        anchor = to_date(start)
        if not anchor:
            # the period of the cells is unknown: none of them can be read
            request.session["family_planning_errors"] = [
                _(
                    'The date "%(value)s" is not valid: nothing was changed.',
                    value=str(start or "")[:30],
                )
            ]
            return request.redirect("/my/planning?child=%s&view=%s" % (child.id, view))
        date_from, date_to, _prev, _next = self._planning_range(view, anchor)
        checked = request.httprequest.form.getlist("cell")
        fill = request.httprequest.form.getlist("fill")
        cart = request.env["family.booking.cart"]._get_for_household(household)
        errors = cart._apply_planning(child, date_from, date_to, checked, fill)
        if errors:
            request.session["family_planning_errors"] = errors
        else:
            request.session["family_planning_notice"] = _(
                "Your changes are in the recap: finish them there."
            )
        if post.get("go_recap") and not errors:
            return request.redirect("/my/recap")
        return request.redirect(
            "/my/planning?child=%s&view=%s&start=%s"
            % (child.id, view, date_from.isoformat())
        )

    # ------------------------------------------------------------------ recap
    def _prepare_recap_values(self, household):
        cart = request.env["family.booking.cart"].search(
            [("household_id", "=", household.id)], limit=1
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "main_object": cart,
                "page_name": "family_recap",
                "household": household,
                "cart": cart,
                "lines": cart.line_ids.sorted(
                    lambda line: (line.date, line.child_id.first_name or "", line.id)
                ),
                "immediate_lines": cart._get_immediate_payment_lines(),
                "errors": request.session.pop("family_recap_errors", []),
            }
        )
        return values

    def _prepare_recap_done_values(self, household, results):
        """The page after the recap is finished: what happened to each day, and the
        months' costs."""
        Reservation = request.env["family.reservation"]
        months = sorted({r["date"].replace(day=1) for r in results})
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "family_recap_done",
                "household": household,
                "results": results,
                "costs": [
                    (month, Reservation._get_monthly_cost(household, month))
                    for month in months
                ],
                "children": household.child_ids,
                "currency": request.env.company.currency_id,
            }
        )
        held = [r for r in results if r.get("payment_invoice_id")]
        if held:
            # the invoice of the days just held: Odoo's payment form for it, landing on
            # the planning of the first day
            invoice_sudo = household._portal_invoices_to_pay(
                [held[0]["payment_invoice_id"]]
            )
            first = min(held, key=lambda r: r["date"])
            child = household.child_ids.filtered(lambda c: c.name == first["child"])[:1]
            landing = "/my/planning?view=month&start=%s%s" % (
                first["date"].replace(day=1).isoformat(),
                "&child=%s" % child.id if child else "",
            )
            values.update(self._family_payment_form_values(invoice_sudo, landing))
            values.update(
                {
                    "payment_invoice": invoice_sudo,
                    "payment_deadline": invoice_sudo.family_hold_deadline,
                    "currency": request.env.company.currency_id,
                }
            )
        return values

    @http.route("/my/recap", type="http", auth="user", website=True, methods=["GET"])
    def family_recap(self, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_recap", self._prepare_recap_values(household)
        )

    @http.route(
        "/my/recap/remove", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_recap_remove(self, line_id=None, **kw):
        household = self._family_household()
        cart = request.env["family.booking.cart"]._get_for_household(household)
        cart._remove_lines(self._family_record(cart.line_ids, line_id))
        return request.redirect("/my/recap")

    @http.route(
        "/my/recap/clear", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_recap_clear(self, **kw):
        household = self._family_household()
        request.env["family.booking.cart"]._get_for_household(household).action_clear()
        return request.redirect("/my/recap")

    @http.route(
        "/my/recap/confirm", type="http", auth="user", website=True, methods=["POST"]
    )
    def family_recap_confirm(self, **kw):
        household = self._family_household()
        cart = request.env["family.booking.cart"]._get_for_household(household)
        try:
            results = cart.action_confirm()
        except UserError as error:
            # an empty recap (a second "Terminer" from another tab): the cart says so
            request.session["family_recap_errors"] = [error.args[0]]
            return request.redirect("/my/recap")
        return request.render(
            "portail_famille.portal_my_recap_done",
            self._prepare_recap_done_values(household, results),
        )
