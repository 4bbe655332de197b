import inspect
import json
import re

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.portail_famille.controllers.portal import FamilyPortal

from .common import TINY_PDF, FamilyCommon


@tagged("post_install", "-at_install")
class TestPortalSecurityWalk(HttpCase, FamilyCommon):
    """Every route of the family portal, GET and POST, walked by another family's parent
    with the first family's ids, and anonymously: 404, a refusal or the login page,
    never the first family's data, and nothing of it changed. A new route that this walk
    does not know makes the test fail."""

    SECRET = "Allergie-secrète-MARTIN"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child_a1.health_sheet_id.write({"allergies": cls.SECRET})
        cls.registration_a = cls._create_registration(cls.child_a1, cls.act_restaurant)
        cls.registration_a.action_validate()
        cls.person_a = cls.env["family.authorized.person"].create(
            {
                "household_id": cls.household_a.id,
                "name": "Voisine-MARTIN",
                "phone": "06 00 00 00 02",
            }
        )
        cart = cls.env["family.booking.cart"].create(
            {"household_id": cls.household_a.id}
        )
        cls.line_a = cls.env["family.booking.cart.line"].create(
            {
                "cart_id": cart.id,
                "registration_id": cls.registration_a.id,
                "unit_id": cls.act_restaurant.unit_ids.id,
                "date": "2026-01-05",
                "price_unit": 3.0,
            }
        )
        cls.message_a = (
            cls.env["family.message"]
            .with_user(cls.parent_a)
            ._portal_create(
                cls.household_a.with_user(cls.parent_a),
                "alae",
                "information",
                "Sujet-MARTIN",
                "Texte-MARTIN",
                [("piece.pdf", TINY_PDF)],
            )
        )
        cls.attachment_a = cls.message_a.sudo().message_ids.attachment_ids[:1]
        cls.invoice_a = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.household_a.partner_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Séjour-MARTIN", "quantity": 1, "price_unit": 15.0}
                    )
                ],
            }
        )
        cls.invoice_a.action_post()
        cls.draft_document = cls.env["family.public.document"].create(
            {
                "name": "Brouillon",
                "file": cls.message_a.sudo().message_ids.attachment_ids[:1].datas,
                "file_name": "b.pdf",
                "is_published": False,
            }
        )

    def _routes(self):
        routes = set()
        # one controller per feature, each extending the shared base (or another
        # feature's controller: planning extends billing): every descendant
        controllers, todo = set(), [FamilyPortal]
        while todo:
            subclasses = set(todo.pop().__subclasses__()) - controllers
            controllers |= subclasses
            todo.extend(subclasses)
        for _name, method in (
            m for c in controllers for m in inspect.getmembers(c, callable)
        ):
            routing = getattr(method, "original_routing", None)
            if routing and method.original_endpoint.__module__.startswith(
                "odoo.addons.portail_famille"
            ):
                if "routes" not in routing:
                    # an override of one of Odoo's routes (invoice_transaction): its
                    # URL, auth and access token checks are Odoo's; what the addon
                    # adds is tested with it (test_portal_billing,
                    # test_direct_debit)
                    continue
                if routing.get("auth") == "public":
                    # the only public page: the accessibility statement, with no family
                    # data
                    self.assertEqual(routing["routes"], ["/accessibilite"])
                    continue
                self.assertEqual(routing.get("auth"), "user", routing["routes"])
                for route in routing["routes"]:
                    methods = routing.get("methods") or ("GET", "POST")
                    if routing.get("type") == "json":
                        methods = ("JSON",)
                    routes.add((route, tuple(methods)))
        return routes

    def _ids(self):
        return {
            "child_id": self.child_a1.id,
            "registration_id": self.registration_a.id,
            "message_id": self.message_a.id,
            "attachment_id": self.attachment_a.id,
            "document_id": self.draft_document.id,
            "invoice_id": self.invoice_a.id,
            "invoice_ids": self.invoice_a.id,
            "page": 2,
            "year": 2026,
        }

    def _form(self):
        """Every form field the portal reads, filled with the first family's ids."""
        return {
            "child": self.child_a1.id,
            "child_id": self.child_a1.id,
            "partner_id": self.parent_a.partner_id.id,
            "person_id": self.person_a.id,
            "line_id": self.line_a.id,
            "activity_id": self.act_restaurant.id,
            "cell": "%s-%s-2026-01-05"
            % (self.registration_a.id, self.act_restaurant.unit_ids.id),
            "registration_id": self.registration_a.id,
            "body": "intrusion",
            "subject": "intrusion",
            "service": "alae",
            "theme": "information",
            "allergies": "intrusion",
            "mobile": "0600000000",
            "name": "intrusion",
            "phone": "0600000000",
            "vaccine": "mmr",
            "date": "2020-01-01",
            "date_from": "2026-01-05",
            "date_to": "2026-01-05",
            "reason": "illness",
            "value": "1",
            "document_type": "other",
            "view": "month",
            "start": "2026-01-01",
            "first_name": "intrusion",
            "last_name": "intrusion",
            "birth_date": "2019-01-01",
            "image_rights_consent": "1",
        }

    def _url(self, route):
        ids = self._ids()
        return re.sub(r"<(?:int|string):(\w+)>", lambda m: str(ids[m.group(1)]), route)

    def _json(self, url):
        """A JSON-RPC call with every form field: an error answer, never a result."""
        response = self.url_open(
            url,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 1, "params": self._form()}
            ),
            headers={"Content-Type": "application/json"},
        )
        self._assert_nothing_of_family_a(response, "JSON %s" % url)
        self.assertEqual(response.status_code, 200, url)
        self.assertIn("error", response.json(), url)
        self.assertNotIn("result", response.json(), url)
        return response.json()["error"]

    def _assert_nothing_of_family_a(self, response, what):
        self.assertIn(response.status_code, (200, 303, 400, 403, 404), what)
        for secret in (
            self.SECRET,
            self.child_a1.first_name,
            "Voisine-MARTIN",
            "Sujet-MARTIN",
            "Texte-MARTIN",
            "Séjour-MARTIN",
            self.invoice_a.name,
        ):
            self.assertNotIn(secret, response.text, what)

    def _snapshot(self):
        sheet = self.child_a1.health_sheet_id
        self.env.invalidate_all()
        return (
            sheet.allergies,
            len(sheet.vaccine_ids),
            self.line_a.exists().id,
            self.person_a.exists().id,
            len(self.message_a.sudo().message_ids),
            self.parent_a.partner_id.mobile,
            self.env["family.registration"].search_count(
                [("household_id", "=", self.household_a.id)]
            ),
            self.env["family.absence"].search_count([]),
            self.env["family.document"].search_count([]),
            self.env["family.quotient"].search_count(
                [("household_id", "=", self.household_a.id)]
            ),
            self.child_a1.first_name,
            self.child_a1.image_rights_consent,
            self.invoice_a.payment_state,
            self.env["payment.transaction"].search_count(
                [("invoice_ids", "in", self.invoice_a.ids)]
            ),
            self.env["family.change.request"].search_count(
                [("household_id", "=", self.household_a.id)]
            ),
        )

    def test_every_route_refuses_another_family_and_anonymous_visitors(self):
        routes = self._routes()
        self.assertGreaterEqual(len(routes), 20)
        self.assertEqual(
            {route for route, _m in routes if not route.startswith("/my/")}, set()
        )
        before = self._snapshot()

        self.authenticate(self.parent_b.login, self.parent_b.login)
        token = re.search(r'csrf_token: "([^"]+)"', self.url_open("/my").text).group(1)
        for route, methods in sorted(routes):
            url = self._url(route)
            if "GET" in methods:
                response = self.url_open(url)
                self._assert_nothing_of_family_a(response, "GET %s" % url)
                # an id of the first family in the URL (a page or a year is not)
                if re.search(r"<(?:int|string):(?!page>|year>)", route):
                    self.assertEqual(response.status_code, 404, "GET %s" % url)
            if "POST" in methods:
                response = self.url_open(
                    url, data={**self._form(), "csrf_token": token}
                )
                self._assert_nothing_of_family_a(response, "POST %s" % url)
                self.assertNotEqual(response.status_code, 500, "POST %s" % url)
            if "JSON" in methods:
                error = self._json(url)
                self.assertNotEqual(
                    error["data"]["name"], "odoo.http.SessionExpiredException", url
                )
        self.assertEqual(
            self._snapshot(),
            before,
            "the other family changed nothing of the first one",
        )

        self.authenticate(None, None)
        for route, methods in sorted(routes):
            url = self._url(route)
            if "GET" in methods:
                response = self.url_open(url)
                self.assertIn("/web/login", response.url, "anonymous GET %s" % url)
                self._assert_nothing_of_family_a(response, "anonymous GET %s" % url)
            if "POST" in methods:
                response = self.url_open(url, data=self._form())
                self._assert_nothing_of_family_a(response, "anonymous POST %s" % url)
                self.assertTrue(
                    response.status_code in (400, 403) or "/web/login" in response.url,
                    url,
                )
            if "JSON" in methods:
                error = self._json(url)
                self.assertEqual(
                    error["data"]["name"], "odoo.http.SessionExpiredException", url
                )
        self.assertEqual(self._snapshot(), before)
