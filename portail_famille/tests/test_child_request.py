import json
import re

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import FieldValidationError
from .common import FamilyCommon


@tagged("post_install", "-at_install")
class TestChildRequest(HttpCase, FamilyCommon):
    """A parent asks to add a child from Mon dossier; staff validate it in the backend,
    which creates the child; the family is told."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.school = cls.env["family.site"].create(
            {"name": "École des Tilleuls", "kind": "school"}
        )

    def _csrf(self, url="/my/children/new"):
        return re.search(r'csrf_token: "([^"]+)"', self.url_open(url).text).group(1)

    def _submit_as_parent(self, **vals):
        values = {
            "first_name": "Zoé",
            "last_name": "Martin",
            "birth_date": "2022-04-02",
            "class_level": "ps",
            "school_id": str(self.school.id),
            **vals,
        }
        Request = self.env["family.child.request"].with_user(self.parent_a)
        return Request._submit(self.household_a.with_user(self.parent_a), values)

    def test_request_then_staff_validation_creates_the_child(self):
        children_before = self.household_a.child_ids
        request = self._submit_as_parent()
        self.assertEqual(request.state, "pending")
        self.assertEqual(
            (
                request.first_name,
                request.last_name,
                str(request.birth_date),
                request.class_level,
                request.school_id,
                request.household_id,
            ),
            ("Zoé", "Martin", "2022-04-02", "ps", self.school, self.household_a),
        )
        self.assertEqual(self.household_a.child_ids, children_before, "not yet")
        self.assertTrue(
            request.sudo().activity_ids, "staff have it on their to-do list"
        )

        request.with_user(self.agent).action_validate()
        child = self.household_a.child_ids - children_before
        self.assertEqual(len(child), 1)
        self.assertEqual(
            (
                child.first_name,
                str(child.birth_date),
                child.class_level,
                child.school_id,
            ),
            ("Zoé", "2022-04-02", "ps", self.school),
        )
        self.assertEqual((request.state, request.child_id), ("validated", child))
        told = request.message_ids.filtered(
            lambda m: self.parent_a.partner_id in m.partner_ids
        )
        self.assertTrue(told, "the family is told")
        self.assertIn("Zoé", told[0].body)
        self.assertFalse(request.sudo().activity_ids)

    def test_refusal_tells_the_family_why(self):
        request = self._submit_as_parent()
        request.with_user(self.agent).action_refuse(reason="Enfant déjà inscrit")
        self.assertEqual(request.state, "refused")
        self.assertEqual(len(self.household_a.child_ids), 3)
        told = request.message_ids.filtered(
            lambda m: self.parent_a.partner_id in m.partner_ids
        )
        self.assertIn("Enfant déjà inscrit", told[0].body)

    def test_bad_identity_names_each_field(self):
        with self.assertRaises(FieldValidationError) as caught:
            self._submit_as_parent(first_name=" ", birth_date="2999-01-01")
        self.assertEqual(
            set(caught.exception.field_errors), {"first_name", "birth_date"}
        )
        with self.assertRaises(AccessError):
            self.env["family.child.request"].with_user(self.parent_a)._submit(
                self.household_b.with_user(self.parent_a),
                {"first_name": "X", "last_name": "Y", "birth_date": "2022-01-01"},
            )
        self.assertFalse(self.env["family.child.request"].search([]))

    def test_portal_form_sends_the_request_and_keeps_bad_input(self):
        self.authenticate(self.parent_a.login, self.parent_a.login)
        self.assertIn('href="/my/children/new"', self.url_open("/my/family").text)
        token = self._csrf()
        response = self.url_open(
            "/my/children/new",
            data={
                "csrf_token": token,
                "first_name": "Zoé",
                "last_name": "",
                "birth_date": "2022-13-45",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Indiquez une date valide.", response.text)
        self.assertIn('value="Zoé"', response.text)
        self.assertFalse(self.env["family.child.request"].search([]))
        response = self.url_open(
            "/my/children/new",
            data={
                "csrf_token": token,
                "first_name": "Zoé",
                "last_name": "Martin",
                "birth_date": "2022-04-02",
                "class_level": "ps",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/my/family"), response.url)
        request = self.env["family.child.request"].search([])
        self.assertEqual(request.household_id, self.household_a)
        # Mon dossier lists it as waiting for the town
        self.assertIn("attente de validation", response.text)
        # and the dashboard among the family's requests
        dashboard = self.url_open("/my").text
        self.assertIn("Enfant à ajouter", dashboard)
        self.assertIn("Ajout de Zoé MARTIN", dashboard)

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_parent_cannot_validate_by_rpc(self):
        request = self._submit_as_parent()
        self.authenticate(self.parent_a.login, self.parent_a.login)
        for method in ("action_validate", "action_refuse"):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "id": 1,
                        "params": {
                            "model": "family.child.request",
                            "method": method,
                            "args": [request.ids],
                            "kwargs": {"reason": "x"}
                            if method == "action_refuse"
                            else {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            error = response.json().get("error")
            self.assertTrue(error, method)
            self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertEqual(request.state, "pending")
        self.assertEqual(len(self.household_a.child_ids), 3)
