"""Replay of recorded answers of the PayFiP web service, at the HTTP layer.

zeep (through eopayment) posts its SOAP envelopes with requests, whose sending Odoo's
test cases route through their ``_request_handler`` (external requests are refused
there). The mixin below answers PayFiP's host there: each operation with the recorded
file chosen by the test, keeping the envelopes it received. Every other request (the
test's own calls to the Odoo server) goes on to Odoo's handler.
"""

import contextlib
import os

import requests
from lxml import etree

CASSETTES = os.path.join(os.path.dirname(__file__), "cassettes")
PAYFIP_HOST = "https://www.payfip.gouv.fr/"


def cassette(name):
    with open(os.path.join(CASSETTES, f"{name}.xml"), "rb") as file:
        return file.read()


class PayfipReplay:
    """answers: operation name -> list of cassette names (or the exception class to
    raise), served in order; the last one is repeated."""

    def __init__(self, **answers):
        self.answers = {operation: list(names) for operation, names in answers.items()}
        self.requests = []  # (operation, {field: value}) of each call

    def send(self, request):
        body = etree.fromstring(request.body)
        operation_node = body.find("{*}Body")[0]
        operation = etree.QName(operation_node).localname
        fields = {
            etree.QName(node).localname: node.text for node in operation_node.iter()
        }
        self.requests.append((operation, fields))
        queue = self.answers.get(operation)
        if not queue:
            raise AssertionError(f"no recorded answer for {operation}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer(f"recorded: {operation} did not answer", request=request)
        response = requests.Response()
        response._content = cassette(answer)
        response.status_code = 500 if "fault" in answer else 200
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def calls(self, operation):
        return [fields for name, fields in self.requests if name == operation]


class PayfipReplayMixin:
    """For an Odoo test case: ``with self.payfip_replay(operation=[cassette, ...])``."""

    _payfip_replay = None

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if cls._payfip_replay is not None and r.url.startswith(PAYFIP_HOST):
            return cls._payfip_replay.send(r)
        return super()._request_handler(s, r, **kw)

    @contextlib.contextmanager
    def payfip_replay(self, **answers):
        replay = PayfipReplay(**answers)
        type(self)._payfip_replay = replay
        try:
            yield replay
        finally:
            type(self)._payfip_replay = None
