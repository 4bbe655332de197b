"""Odoo's prefork mode works in the project's venv.

With --workers, Odoo forks a gevent process that serves /websocket (live notifications).
It loads gevent's plugins through pkg_resources, which must find zope.interface's
metadata (requirements-odoo.txt pins zope.interface and zope.event for that): without
it the gevent process crash-loops with DistributionNotFound.
"""

import json
import time
import uuid
import warnings

import pytest
from servers import (
    free_port,
    odoo_process,
    open_websocket,
    receive_notification,
    send_bus_notification,
)

import odoo


def test_gevent_finds_its_dependencies():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pkg_resources

    # what gevent does when it loads its plugins: no DistributionNotFound
    names = {dist.project_name.lower() for dist in pkg_resources.require("gevent")}
    assert {"zope.interface", "zope.event", "greenlet"} <= names


@pytest.fixture(scope="module")
def prefork_server(tmp_path_factory):
    """Odoo in prefork (2 workers) on the test database."""
    http_port, gevent_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("prefork") / "odoo.log"
    db_name = odoo.tools.config["db_name"]
    conf = odoo.tools.config.rcfile
    args = ("--workers=2", "--gevent-port=%d" % gevent_port)
    with odoo_process(conf, db_name, http_port, log, *args) as process:
        yield http_port, gevent_port, log, process


def subscribe_and_receive(url, origin):
    """Subscribe to a channel of our own on `url`, send a notification on it from
    the database and receive it through the websocket."""
    channel = "pf-test-%s" % uuid.uuid4().hex
    ws = open_websocket(url, origin)
    try:
        ws.send(
            json.dumps(
                {
                    "event_name": "subscribe",
                    "data": {"channels": [channel], "last": 0},
                }
            )
        )
        time.sleep(1)  # the subscription reaches the gevent process first
        payload = {"hello": channel}
        send_bus_notification(channel, payload)
        return receive_notification(ws, channel, payload)
    finally:
        ws.close()


def test_prefork_websocket_receives_a_bus_notification(prefork_server):
    http_port, gevent_port, log, process = prefork_server
    base = "127.0.0.1:%d" % gevent_port
    notification = subscribe_and_receive("ws://%s/websocket" % base, "http://" + base)
    assert notification["id"] > 0
    # the gevent process is still up and never crashed
    text = log.read_text()
    assert "DistributionNotFound" not in text
    assert "Evented Service (longpolling) running on" in text
    assert process.poll() is None
