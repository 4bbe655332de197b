"""The boundary is the data, not the page: a logged-in parent does not have to use the
portal's forms.

Odoo's JSON-RPC endpoints (/web/dataset/call_kw, /web/dataset/call_button, the mail
routes) are open to every logged-in user, so this suite attacks every model of the addon
over HTTP, as the parent of the MARTIN family: create, write (one field at a time, on
their own records and on the DURAND family's), copy, unlink, every public method of the
model, posting and subscribing on the chatter. Each call must be refused or change
nothing in the database. The models are listed from the registry: a new model without
its attack plan fails the suite."""

import json

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from .common import TINY_PDF, TINY_PDF_B64, FamilyCommon

# methods a parent is meant to call on their own family's records (each checks ownership
# itself); called on the other family's records they must be refused like any other
PARENT_BUSINESS_METHODS = {
    "family.booking.cart": {
        "add_bookings",
        "add_cancellations",
        "action_clear",
        "action_confirm",
    },
}
# generic methods of Odoo's models that change data, tried on every model besides its
# own public methods
GENERIC_METHODS = ("copy", "toggle_active", "action_archive", "action_unarchive")
MAIL_METHODS = (
    "message_post",
    "message_subscribe",
    "message_unsubscribe",
    "activity_schedule",
)


@tagged("post_install", "-at_install")
class TestRpcBoundary(HttpCase, FamilyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        staff = env(context=dict(env.context, booking_override=True))
        cls.registration_a = cls._create_registration(cls.child_a1, cls.act_restaurant)
        cls.registration_b = cls._create_registration(cls.child_b1, cls.act_restaurant)
        (cls.registration_a | cls.registration_b).action_validate()
        cls.act_restaurant.capacity = 40
        results = staff["family.reservation"]._book(
            [
                {
                    "registration_id": cls.registration_a.id,
                    "unit_id": cls.unit_meal.id,
                    "date": "2026-01-05",
                },
                {
                    "registration_id": cls.registration_b.id,
                    "unit_id": cls.unit_meal.id,
                    "date": "2026-01-05",
                },
            ]
        )
        cls.reservation_a, cls.reservation_b = (
            result["reservation"] for result in results
        )
        cls.pending_registration_a = cls._create_registration(
            cls.child_a3, cls.act_creche
        )

        def pair(model, vals_a, vals_b):
            records = env[model].create([vals_a, vals_b])
            return records[0], records[1]

        cls.vaccine_a, cls.vaccine_b = pair(
            "family.vaccine",
            {
                "health_sheet_id": cls.child_a1.health_sheet_id.id,
                "vaccine": "dtp",
                "date": "2019-01-01",
            },
            {
                "health_sheet_id": cls.child_b1.health_sheet_id.id,
                "vaccine": "dtp",
                "date": "2019-01-01",
            },
        )
        cls.person_a, cls.person_b = pair(
            "family.authorized.person",
            {
                "household_id": cls.household_a.id,
                "name": "Voisine A",
                "phone": "06 00 00 00 01",
            },
            {
                "household_id": cls.household_b.id,
                "name": "Voisine B",
                "phone": "06 00 00 00 02",
            },
        )
        cls.document_a, cls.document_b = pair(
            "family.document",
            {
                "household_id": cls.household_a.id,
                "name": "Doc A",
                "file": TINY_PDF_B64,
                "file_name": "a.pdf",
            },
            {
                "household_id": cls.household_b.id,
                "name": "Doc B",
                "file": TINY_PDF_B64,
                "file_name": "b.pdf",
            },
        )
        cls.quotient_a = cls._create_quotient(cls.household_a, 500, validate=False)
        cls.quotient_b = cls._create_quotient(cls.household_b, 900, validate=False)
        cls.absence_a, cls.absence_b = pair(
            "family.absence",
            {
                "child_id": cls.child_a1.id,
                "date_from": "2026-01-12",
                "date_to": "2026-01-12",
            },
            {
                "child_id": cls.child_b1.id,
                "date_from": "2026-01-12",
                "date_to": "2026-01-12",
            },
        )
        cls.cart_a, cls.cart_b = pair(
            "family.booking.cart",
            {"household_id": cls.household_a.id},
            {"household_id": cls.household_b.id},
        )
        cls.line_a, cls.line_b = pair(
            "family.booking.cart.line",
            {
                "cart_id": cls.cart_a.id,
                "registration_id": cls.registration_a.id,
                "unit_id": cls.unit_meal.id,
                "date": "2026-01-06",
                "price_unit": 3.0,
            },
            {
                "cart_id": cls.cart_b.id,
                "registration_id": cls.registration_b.id,
                "unit_id": cls.unit_meal.id,
                "date": "2026-01-06",
                "price_unit": 3.0,
            },
        )
        cls.template_a, cls.template_b = pair(
            "family.weekly.template",
            {
                "registration_id": cls.registration_a.id,
                "date_from": "2026-01-05",
                "date_to": "2026-01-30",
                "line_ids": [
                    Command.create({"weekday": "0", "unit_id": cls.unit_meal.id})
                ],
            },
            {
                "registration_id": cls.registration_b.id,
                "date_from": "2026-01-05",
                "date_to": "2026-01-30",
                "line_ids": [
                    Command.create({"weekday": "0", "unit_id": cls.unit_meal.id})
                ],
            },
        )
        cls.change_a, cls.change_b = pair(
            "family.change.request",
            {
                "household_id": cls.household_a.id,
                "child_id": cls.child_a1.id,
                "values_json": '{"first_name": "X"}',
            },
            {
                "household_id": cls.household_b.id,
                "child_id": cls.child_b1.id,
                "values_json": '{"first_name": "Y"}',
            },
        )
        cls.child_request_a, cls.child_request_b = pair(
            "family.child.request",
            {
                "household_id": cls.household_a.id,
                "first_name": "Zoé",
                "last_name": "Martin",
                "birth_date": "2024-05-01",
            },
            {
                "household_id": cls.household_b.id,
                "first_name": "Hugo",
                "last_name": "Durand",
                "birth_date": "2024-05-01",
            },
        )
        cls.preregistration = env["family.preregistration"].create(
            {
                "first_name": "Nina",
                "last_name": "Nouvelle",
                "email": "nina.nouvelle@example.com",
                "phone": "06 11 22 33 44",
                "street": "1 rue Neuve",
                "zip": "31000",
                "city": "Toulouse",
                "child_ids": [
                    Command.create(
                        {
                            "first_name": "Léo",
                            "last_name": "Nouvelle",
                            "birth_date": "2020-01-01",
                        }
                    )
                ],
            }
        )
        Message = env["family.message"]
        cls.message_a = Message.with_user(cls.parent_a)._portal_create(
            cls.household_a.with_user(cls.parent_a),
            "alae",
            "information",
            "Sujet A",
            "Texte A",
            [("a.pdf", TINY_PDF)],
        )
        cls.message_b = Message.with_user(cls.parent_b)._portal_create(
            cls.household_b.with_user(cls.parent_b),
            "alae",
            "information",
            "Sujet B",
            "Texte B",
            [("b.pdf", TINY_PDF)],
        )
        cls.site = env["family.site"].create({"name": "École A", "kind": "school"})
        cls.closure = env["family.closure"].create(
            {
                "name": "Pont",
                "school_year_id": cls.year.id,
                "date_start": "2026-05-15",
                "date_end": "2026-05-15",
            }
        )
        cls.news = env["family.news"].create({"name": "Info", "body": "<p>Info</p>"})
        cls.public_document = env["family.public.document"].create(
            {"name": "Menus", "file": TINY_PDF_B64, "file_name": "menus.pdf"}
        )
        cls.day_row = env["family.activity.place"].search(
            [("activity_id", "=", cls.act_restaurant.id)], limit=1
        )
        cls.billing_run = env["family.billing.run"].create({"month": "2026-01-01"})
        cls.billing_line_a, cls.billing_line_b = pair(
            "family.billing.run.line",
            {
                "run_id": cls.billing_run.id,
                "household_id": cls.household_a.id,
                "result": "nothing",
            },
            {
                "run_id": cls.billing_run.id,
                "household_id": cls.household_b.id,
                "result": "nothing",
            },
        )

    # -------------------------------------------------------------- the plan, per model
    def _plan(self):
        """{model: (own record, other family's record or None for the town's own data,
        create values)}."""
        a, b = self.household_a, self.household_b
        return {
            "family.household": (
                a,
                b,
                {
                    "name": "Famille PIRATE",
                    "responsible_partner_id": self.parent_a.partner_id.id,
                },
            ),
            "family.child": (
                self.child_a1,
                self.child_b1,
                {
                    "first_name": "X",
                    "last_name": "Y",
                    "birth_date": "2019-01-01",
                    "household_id": b.id,
                },
            ),
            "family.health.sheet": (
                self.child_a1.health_sheet_id,
                self.child_b1.health_sheet_id,
                {"child_id": self.child_a3.id},
            ),
            "family.vaccine": (
                self.vaccine_a,
                self.vaccine_b,
                {
                    "health_sheet_id": self.child_b1.health_sheet_id.id,
                    "vaccine": "dtp",
                    "date": "2019-01-01",
                },
            ),
            "family.authorized.person": (
                self.person_a,
                self.person_b,
                {"household_id": a.id, "name": "Pirate", "phone": "06 00 00 00 09"},
            ),
            "family.document": (
                self.document_a,
                self.document_b,
                {
                    "household_id": a.id,
                    "name": "x.html",
                    "file": TINY_PDF_B64.decode(),
                    "file_name": "x.pdf",
                },
            ),
            "family.quotient": (
                self.quotient_a,
                self.quotient_b,
                {
                    "household_id": a.id,
                    "value": 1,
                    "date_from": "2025-01-01",
                    "date_to": "2025-12-31",
                    "proof": TINY_PDF_B64.decode(),
                    "state": "validated",
                },
            ),
            "family.registration": (
                self.registration_a,
                self.registration_b,
                {
                    "child_id": self.child_a1.id,
                    "activity_id": self.act_alae_auto.id,
                    "state": "validated",
                },
            ),
            "family.reservation": (
                self.reservation_a,
                self.reservation_b,
                {
                    "registration_id": self.registration_a.id,
                    "child_id": self.child_a1.id,
                    "household_id": a.id,
                    "activity_id": self.act_restaurant.id,
                    "unit_id": self.unit_meal.id,
                    "date": "2026-01-07",
                    "price_unit": 0,
                },
            ),
            "family.absence": (
                self.absence_a,
                self.absence_b,
                {
                    "child_id": self.child_a1.id,
                    "date_from": "2026-01-05",
                    "date_to": "2026-01-05",
                    "justified": True,
                },
            ),
            "family.booking.cart": (self.cart_a, self.cart_b, {"household_id": a.id}),
            "family.booking.cart.line": (
                self.line_a,
                self.line_b,
                {
                    "cart_id": self.cart_b.id,
                    "registration_id": self.registration_a.id,
                    "unit_id": self.unit_meal.id,
                    "date": "2026-01-08",
                },
            ),
            "family.weekly.template": (
                self.template_a,
                self.template_b,
                {
                    "registration_id": self.registration_a.id,
                    "date_from": "2026-02-02",
                    "date_to": "2026-02-27",
                },
            ),
            "family.weekly.template.line": (
                self.template_a.line_ids,
                self.template_b.line_ids,
                {
                    "template_id": self.template_a.id,
                    "weekday": "1",
                    "unit_id": self.unit_meal.id,
                },
            ),
            "family.change.request": (
                self.change_a,
                self.change_b,
                {
                    "household_id": a.id,
                    "child_id": self.child_a1.id,
                    "values_json": '{"first_name": "Z"}',
                },
            ),
            "family.child.request": (
                self.child_request_a,
                self.child_request_b,
                {
                    "household_id": a.id,
                    "first_name": "X",
                    "last_name": "Y",
                    "birth_date": "2024-01-01",
                },
            ),
            "family.preregistration": (
                self.preregistration,
                None,
                {
                    "first_name": "X",
                    "last_name": "Y",
                    "email": "x@example.com",
                    "phone": "0600000000",
                    "street": "x",
                    "zip": "31000",
                    "city": "x",
                },
            ),
            "family.preregistration.child": (
                self.preregistration.child_ids,
                None,
                {
                    "preregistration_id": self.preregistration.id,
                    "first_name": "X",
                    "last_name": "Y",
                    "birth_date": "2020-01-01",
                },
            ),
            "family.message": (
                self.message_a,
                self.message_b,
                {
                    "household_id": a.id,
                    "author_partner_id": self.parent_a.partner_id.id,
                    "service": "alae",
                    "theme": "information",
                    "subject": "x",
                },
            ),
            "family.news": (
                self.news,
                None,
                {"name": "Fausse info", "body": "<p>x</p>"},
            ),
            "family.public.document": (
                self.public_document,
                None,
                {"name": "Faux", "file": TINY_PDF_B64.decode(), "file_name": "f.pdf"},
            ),
            "family.site": (
                self.site,
                None,
                {"name": "Fausse école", "kind": "school"},
            ),
            "family.school.year": (
                self.year,
                None,
                {
                    "name": "Faux",
                    "date_start": "2030-09-01",
                    "date_end": "2031-08-31",
                    "zone": "C",
                },
            ),
            "family.period": (
                self.period_autumn,
                None,
                {
                    "name": "Faux",
                    "school_year_id": self.year.id,
                    "kind": "autumn",
                    "date_start": "2025-10-20",
                    "date_end": "2025-10-21",
                },
            ),
            "family.closure": (
                self.closure,
                None,
                {
                    "name": "Faux",
                    "school_year_id": self.year.id,
                    "date_start": "2026-05-18",
                    "date_end": "2026-05-18",
                },
            ),
            "family.activity": (
                self.act_restaurant,
                None,
                {
                    "name": "Faux",
                    "kind": "restaurant",
                    "school_year_id": self.year.id,
                    "age_group": "all",
                },
            ),
            "family.activity.unit": (
                self.unit_meal,
                None,
                {"name": "Faux", "activity_id": self.act_restaurant.id},
            ),
            "family.tariff": (
                self.unit_meal.tariff_ids[:1],
                None,
                {"name": "GRATUIT", "unit_id": self.unit_meal.id, "price": 0},
            ),
            "family.activity.place": (
                self.day_row,
                None,
                {
                    "activity_id": self.act_restaurant.id,
                    "date": "2026-01-09",
                    "slot": 1,
                },
            ),
            "family.refusal.wizard": (
                None,
                None,
                {
                    "res_model": "family.registration",
                    "res_ids": self.pending_registration_a.ids,
                    "reason": "x",
                },
            ),
            "family.attestation.wizard": (
                None,
                None,
                {"household_id": b.id, "year": 2025},
            ),
            "family.counter.booking": (
                None,
                None,
                {
                    "registration_id": self.registration_a.id,
                    "unit_id": self.act_restaurant.unit_ids[:1].id,
                },
            ),
            "family.period.import.wizard": (
                None,
                None,
                {"school_year_id": self.year.id, "file": "RGVzY3JpcHRpb24="},
            ),
            "family.billing.run": (self.billing_run, None, {"month": "2026-02-01"}),
            "family.billing.run.line": (
                self.billing_line_a,
                self.billing_line_b,
                {
                    "run_id": self.billing_run.id,
                    "household_id": a.id,
                    "result": "invoice",
                },
            ),
        }

    # -------------------------------------------------------------- tools
    def _fingerprint(self):
        """A digest of every table a parent could want to change: the addon's, partners,
        users, the chatter."""
        tables = sorted(
            {self.env[model]._table for model in self._addon_models()}
            | {
                "res_partner",
                "res_users",
                "mail_message",
                "mail_followers",
                "mail_mail",
                "ir_attachment",
                "mail_activity",
                "mail_message_res_partner_rel",
                "mail_notification",
            }
        )
        self.env.flush_all()
        digest = []
        for table in tables:
            self.env.cr.execute(
                SQL(
                    "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' "
                    "ORDER BY md5(t::text)), '')) FROM %s t",
                    SQL.identifier(table),
                )
            )
            digest.append((table, *self.env.cr.fetchone()))
        return digest

    def _addon_models(self):
        return sorted(
            name
            for name, model in self.env.registry.items()
            if model._original_module == "portail_famille" and not model._abstract
        )

    def _call(self, model, method, args=(), kwargs=None, route="/web/dataset/call_kw"):
        """Call ``model.method`` over HTTP as the logged-in user; returns (ok, result or
        error name)."""
        response = self.url_open(
            route,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(
            response.status_code,
            200,
            "%s.%s answered %s" % (model, method, response.status_code),
        )
        payload = response.json()
        if "error" in payload:
            self.assertNotIn(
                "psycopg2",
                payload["error"]["data"]["name"],
                "%s.%s leaked a database error" % (model, method),
            )
            return False, payload["error"]["data"]["name"]
        return True, payload.get("result")

    def _assert_refused_or_harmless(
        self, model, method, args=(), kwargs=None, must_fail=False, **options
    ):
        before = self._fingerprint()
        ok, result = self._call(model, method, args, kwargs, **options)
        changed = [
            row[0]
            for row, old in zip(self._fingerprint(), before, strict=True)
            if row != old
        ]
        what = "%s.%s(%s)" % (model, method, args)
        if must_fail:
            self.assertFalse(ok, "%s was accepted: %s" % (what, result))
        self.assertFalse(
            changed, "%s changed %s (answer: %s)" % (what, changed, result)
        )
        return ok, result

    def _public_methods(self, model):
        """The public methods the addon defines or overrides on ``model`` (what a parent
        could try to call)."""
        crud = {
            "create",
            "write",
            "unlink",
            "read",
            "search",
            "copy",
            "name_create",
            "web_save",
            "init",
        }
        names = set()
        for cls in type(self.env[model]).mro():
            if not cls.__module__.startswith("odoo.addons.portail_famille"):
                continue
            for name, value in vars(cls).items():
                if callable(value) and not name.startswith("_") and name not in crud:
                    names.add(name)
        return sorted(names)

    # -------------------------------------------------------------- the tests
    def test_every_model_has_an_attack_plan(self):
        self.assertEqual(
            sorted(self._plan()),
            self._addon_models(),
            "a model of the addon without its RPC attack plan: add it to _plan()",
        )

    @mute_logger(
        "odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models", "odoo.sql_db"
    )
    def test_parent_cannot_create_write_or_delete_by_rpc(self):
        """For every model: create, copy, unlink, and a write of each of its fields
        (re-pointing the many2ones at the other family, re-pricing, re-stating), on the
        parent's own records and on the other family's: all refused, nothing stored."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        other_of = {
            "family.household": self.household_b,
            "family.child": self.child_b1,
            "family.registration": self.registration_b,
            "family.health.sheet": self.child_b1.health_sheet_id,
            "family.booking.cart": self.cart_b,
            "family.reservation": self.reservation_b,
            "family.weekly.template": self.template_b,
            "family.absence": self.absence_b,
            "res.partner": self.parent_b.partner_id,
            "res.users": self.agent,
        }
        for model, (own, other, create_vals) in self._plan().items():
            with self.subTest(model=model):
                self._assert_refused_or_harmless(
                    model, "create", [create_vals], must_fail=True
                )
                for record in filter(None, (own, other)):
                    self._assert_refused_or_harmless(
                        model, "unlink", [record.ids], must_fail=True
                    )
                    self._assert_refused_or_harmless(
                        model, "copy", [record.ids[:1]], must_fail=True
                    )
                if not own:
                    continue
                for fname, field in own._fields.items():
                    if (
                        not field.store
                        or field.type in ("one2many", "many2many")
                        or fname
                        in (
                            "id",
                            "create_uid",
                            "create_date",
                            "write_uid",
                            "write_date",
                            "message_main_attachment_id",
                        )
                    ):
                        continue
                    value = self._hostile_value(own, field, other_of)
                    for record in filter(None, (own, other)):
                        self._assert_refused_or_harmless(
                            model, "write", [record.ids, {fname: value}], must_fail=True
                        )

    @staticmethod
    def _hostile_value(record, field, other_of):
        if field.type == "many2one":
            return (
                other_of[field.comodel_name].id
                if field.comodel_name in other_of
                else (
                    record[field.name].search([], limit=1, order="id desc").id or False
                )
            )
        if field.type == "selection":
            selection = field.get_values(record.env)
            current = record[field.name]
            return next((value for value in selection if value != current), current)
        return {
            "boolean": not record[field.name],
            "integer": 999,
            "float": 0.0,
            "monetary": 0.0,
            "date": "2026-01-09",
            "datetime": "2026-01-09 10:00:00",
            "binary": TINY_PDF_B64.decode(),
            "json": [],
            "html": "<p>pirate</p>",
        }.get(field.type, "pirate")

    @mute_logger(
        "odoo.http",
        "odoo.addons.base.models.ir_rule",
        "odoo.models",
        "odoo.sql_db",
        "odoo.addons.mail.models.mail_thread",
    )
    def test_parent_cannot_call_staff_methods_by_rpc(self):
        """Every public method of every model, on the parent's own records and the other
        family's, through call_kw and call_button: refused, or without any effect. Only
        the recap's own methods change data, and only on the parent's own recap."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        for model, (own, other, _vals) in self._plan().items():
            if own is None:
                continue
            methods = self._public_methods(model) + [
                m for m in GENERIC_METHODS if hasattr(self.env[model], m)
            ]
            for method in methods:
                allowed = method in PARENT_BUSINESS_METHODS.get(model, ())
                with self.subTest(model=model, method=method):
                    if other:
                        # the other family's record: refused, or an answer that changes
                        # and tells nothing
                        must_fail = model in PARENT_BUSINESS_METHODS
                        ok, answer = self._assert_refused_or_harmless(
                            model, method, [other.ids], must_fail=must_fail
                        )
                        for secret in ("DURAND", "Hugo", "Sujet B", "Voisine B"):
                            self.assertNotIn(
                                secret,
                                json.dumps(answer, default=str),
                                "%s.%s" % (model, method),
                            )
                    if not allowed:
                        self._assert_refused_or_harmless(model, method, [own.ids])
                        self._assert_refused_or_harmless(
                            model, method, [own.ids], route="/web/dataset/call_button"
                        )

    @mute_logger(
        "odoo.http",
        "odoo.addons.base.models.ir_rule",
        "odoo.models",
        "odoo.sql_db",
        "odoo.addons.mail.models.mail_thread",
    )
    def test_parent_cannot_post_or_subscribe_on_chatters(self):
        """message_post(partner_ids=...) would e-mail any partner from the town's
        address; subscribing would copy the parent on the staff's notes. Refused on
        every record of every model with a chatter."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        target = self.parent_b.partner_id.id
        calls = {
            "message_post": {
                "body": "pirate",
                "partner_ids": [target],
                "message_type": "comment",
            },
            "message_subscribe": {"partner_ids": [self.parent_a.partner_id.id, target]},
            "message_unsubscribe": {"partner_ids": [target]},
            "activity_schedule": {"summary": "pirate"},
        }
        for model, (own, other, _vals) in self._plan().items():
            if own is None or not hasattr(self.env[model], "message_post"):
                continue
            for method in MAIL_METHODS:
                for record in filter(None, (own, other)):
                    with self.subTest(model=model, method=method, record=record):
                        self._assert_refused_or_harmless(
                            model, method, [record.ids], calls[method]
                        )
            with self.subTest(model=model, route="/mail/message/post"):
                before = self._fingerprint()
                response = self.url_open(
                    "/mail/message/post",
                    data=json.dumps(
                        {
                            "params": {
                                "thread_model": model,
                                "thread_id": own.id,
                                "post_data": {
                                    "body": "pirate",
                                    "partner_ids": [target],
                                    "message_type": "comment",
                                },
                            }
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                )
                self.assertNotEqual(response.status_code, 500)
                self.assertEqual(
                    self._fingerprint(),
                    before,
                    "/mail/message/post on %s stored something" % model,
                )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_parent_cannot_move_a_registration_period_by_rpc(self):
        """The wished dates are given once, with the request (the form of
        /my/registrations, through family.registration._portal_request): a parent
        cannot move the period of their own pending request, of their validated
        registration, nor of another family's, whatever the route; nor call the
        request's private methods to skip its checks."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        moves = (
            {"date_start": "2026-01-09"},
            {"date_end": "2026-01-09"},
            {"date_start": "2025-09-02", "date_end": "2026-08-31"},
        )
        for registration in (
            self.pending_registration_a,
            self.registration_a,
            self.registration_b,
        ):
            period = (registration.date_start, registration.date_end)
            for vals in moves:
                with self.subTest(registration=registration.state, vals=vals):
                    self._assert_refused_or_harmless(
                        "family.registration",
                        "write",
                        [registration.ids, vals],
                        must_fail=True,
                    )
                    self._assert_refused_or_harmless(
                        "family.registration",
                        "web_save",
                        [registration.ids, vals],
                        {"specification": {"date_start": {}}},
                        must_fail=True,
                    )
            registration.invalidate_recordset()
            self.assertEqual((registration.date_start, registration.date_end), period)
        for method, args in (
            (
                "_portal_request",
                [self.child_a1.id, self.act_alae_auto.id, "", "2025-01-01"],
            ),
            ("_portal_dates", [self.act_alae_auto.id, "2025-01-01", "2027-01-01"]),
        ):
            self._assert_refused_or_harmless(
                "family.registration", method, args, must_fail=True
            )

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_parent_reads_only_their_own_records(self):
        """search_read of every model returns the parent's own family's records (and the
        town's public ones), never the other family's; the staff's internal note on the
        family is not readable at all."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        for model, (own, other, _vals) in self._plan().items():
            if not other:
                continue
            with self.subTest(model=model):
                ok, rows = self._call(
                    model,
                    "search_read",
                    [[("id", "in", (own | other).ids)]],
                    {"fields": ["display_name"]},
                )
                ids = {row["id"] for row in rows} if ok else set()
                self.assertNotIn(
                    other.id, ids, "%s: the other family's record is readable" % model
                )
                ok, _error = self._call(model, "read", [other.ids, ["display_name"]])
                self.assertFalse(
                    ok, "%s: read() of the other family's record was answered" % model
                )
        ok, error = self._call(
            "family.household", "read", [self.household_a.ids, ["family_note"]]
        )
        self.assertFalse(
            ok, "the staff's internal note on the family is readable by the parent"
        )
        self.assertIn("AccessError", error)

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_recap_methods_keep_to_the_parents_family(self):
        """The recap's business methods, which parents may call: another family's recap
        is refused, another family's registration or reservation gives a per-line
        refusal, the parent's own lines are kept."""
        self.authenticate(self.parent_a.login, self.parent_a.login)
        Cart = "family.booking.cart"
        request_b = {
            "registration_id": self.registration_b.id,
            "unit_id": self.unit_meal.id,
            "date": "2026-01-13",
        }
        self._assert_refused_or_harmless(
            Cart, "add_bookings", [self.cart_b.ids, [request_b]], must_fail=True
        )
        self._assert_refused_or_harmless(
            Cart, "action_confirm", [self.cart_b.ids], must_fail=True
        )
        self._assert_refused_or_harmless(
            Cart, "action_clear", [self.cart_b.ids], must_fail=True
        )
        ok, results = self._assert_refused_or_harmless(
            Cart, "add_bookings", [self.cart_a.ids, [request_b]]
        )
        self.assertTrue(ok)
        self.assertIn("n'est pas inscrit", results[0]["error"])
        self.assertEqual(self.cart_a.line_ids, self.line_a)
        self.assertTrue(self.line_b.exists())
