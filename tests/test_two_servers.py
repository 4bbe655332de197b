"""Two Odoo servers behind one nginx (deploy/nginx-upstreams-two-servers.conf in the
site file): two prefork servers on the test database, each with deploy/make-conf.sh's
configuration and the same data_dir (sessions and filestore), each listening on an
address of its own (127.0.0.11 and 127.0.0.12 stand for the two machines' private
addresses, same ports), nginx balancing them with least_conn.

A parent logged in once through nginx is served by both servers with that one session
(nginx's log says which server answered each request, each server's log shows the
requests it served, and each server answers the session directly); a day booked through
nginx is booked for both; two websockets opened through nginx with the parent's session
land on the two servers' gevent processes and both receive a bus notification.
"""

import contextlib
import json
import socket
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket
from proxy import book_a_free_day, nginx_site, parent_session
from servers import (
    free_port,
    make_conf,
    odoo_process,
    planning,
    receive_notification,
    send_bus_notification,
    two_server_upstreams,
    wait_for_odoo,
)

import odoo

SERVERS = ("127.0.0.11", "127.0.0.12")  # the example's 10.0.0.11 and 10.0.0.12


def free_on_both(count):
    """`count` ports free on the two servers' addresses."""
    ports = []
    while len(ports) < count:
        port = free_port()
        try:
            for address in SERVERS:
                with socket.socket() as sock:
                    sock.bind((address, port))
        except OSError:
            continue
        ports.append(port)
    return ports


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The two servers and nginx in front of them: the site (URLs, certificate, nginx's
    access log) and each server's address, ports and log."""
    tmp = tmp_path_factory.mktemp("two_servers")
    http_port, gevent_port = free_on_both(2)
    tls_port, plain_port = free_port(), free_port()
    db_name = odoo.tools.config["db_name"]
    upstreams = two_server_upstreams(SERVERS, http_port, gevent_port)
    servers = []
    for name, address in zip("ab", SERVERS, strict=True):
        conf = tmp / ("odoo-%s.conf" % name)
        options = make_conf(
            conf,
            db_name,
            HTTP_INTERFACE=address,
            HTTP_PORT=str(http_port),
            GEVENT_PORT=str(gevent_port),
            WORKERS="1",
            MASTER_PASSWORD_FILE=str(tmp / "master-password"),
        )
        assert options["http_interface"] == address
        assert options["proxy_mode"] == "True"
        assert options["data_dir"] == odoo.tools.config["data_dir"]
        servers.append(
            {
                "conf": conf,
                "address": address,
                "http": "%s:%d" % (address, http_port),
                "gevent": "%s:%d" % (address, gevent_port),
                "log": tmp / ("odoo-%s.log" % name),
            }
        )
    with contextlib.ExitStack() as stack:
        # both start at once, then nginx once both answer
        processes = [
            stack.enter_context(
                odoo_process(
                    server["conf"],
                    db_name,
                    http_port,
                    server["log"],
                    host=server["address"],
                    wait=False,
                )
            )
            for server in servers
        ]
        for process in processes:
            wait_for_odoo(process)
        site = stack.enter_context(nginx_site(tmp, upstreams, tls_port, plain_port))
        yield {**site, "servers": servers}


def direct(session):
    """A client of the servers themselves (not through nginx) with `session`'s
    session: its cookie is the https site's (secure, for nginx's address)."""
    client = requests.Session()
    client.trust_env = False
    client.cookies.set("session_id", session.cookies["session_id"])
    return client


def upstreams_of(site, request, count=0):
    """The servers nginx sent `request` (e.g. "GET /my ") to, in order, once the
    access log holds `count` of them (nginx writes a line after the answer has left:
    the client may read the log before the last line is there)."""
    deadline = time.monotonic() + 10
    while True:
        answered = [
            line.rsplit(" ", 1)[1]
            for line in Path(site["access_log"]).read_text().splitlines()
            if '"%s' % request in line
        ]
        if len(answered) >= count or time.monotonic() > deadline:
            return answered
        time.sleep(0.1)


def test_one_session_served_by_both_servers(cluster):
    session = parent_session(cluster)
    for _i in range(4):
        page = session.get(cluster["url"] + "/my/home", timeout=60)
        assert page.status_code == 200
        assert "/web/login" not in page.url
    # nginx sent them to both servers, in turn (least_conn, one request at a time)
    answered = upstreams_of(cluster, "GET /my/home ", 4)
    assert len(answered) == 4
    assert set(answered) == {server["http"] for server in cluster["servers"]}
    for server in cluster["servers"]:
        # each server served some with the session made at login, in the shared
        # data_dir's session store
        assert '"GET /my/home HTTP/1.0" 200' in server["log"].read_text()
        page = direct(session).get("http://%s/my/home" % server["http"], timeout=60)
        assert page.status_code == 200
        assert "/web/login" not in page.url, server["address"]
    sessions = Path(odoo.tools.config["data_dir"]) / "sessions"
    assert list(sessions.rglob(session.cookies["session_id"]))


def test_booking_through_nginx_is_seen_by_both_servers(cluster):
    session = parent_session(cluster)
    month, day, _done = book_a_free_day(session, cluster["url"])
    # the planning, the recap and Terminer went through both servers
    steps = [
        *upstreams_of(cluster, "GET /my/planning"),
        *upstreams_of(cluster, "POST /my/planning "),
        *upstreams_of(cluster, "GET /my/recap "),
        *upstreams_of(cluster, "POST /my/recap/confirm "),
    ]
    assert set(steps) == {server["http"] for server in cluster["servers"]}
    for server in cluster["servers"]:
        _page, ticked, _free = planning(
            direct(session), "http://%s" % server["http"], month
        )
        assert day in ticked, "the day booked is not booked on %s" % server["address"]


def test_websockets_on_both_servers_receive_the_notification(cluster):
    session = parent_session(cluster)
    host = cluster["url"].removeprefix("https://")
    channel = "pf-two-servers-%s" % uuid.uuid4().hex
    sockets = []
    try:
        # the first websocket is in progress on one server when the second is opened:
        # least_conn sends the second to the other server
        for _i in range(2):
            ws = websocket.create_connection(
                "wss://%s/websocket" % host,
                origin=cluster["url"],
                cookie="session_id=%s" % session.cookies["session_id"],
                sslopt={"ca_certs": cluster["cert"]},
                timeout=60,
            )
            sockets.append(ws)
            ws.send(
                json.dumps(
                    {
                        "event_name": "subscribe",
                        "data": {"channels": [channel], "last": 0},
                    }
                )
            )
        time.sleep(1)  # the subscriptions reach the gevent processes first
        payload = {"through": "two servers"}
        send_bus_notification(channel, payload)
        for ws in sockets:
            assert receive_notification(ws, channel, payload)["id"] > 0
    finally:
        for ws in sockets:
            ws.close()
    # nginx logs a websocket when it closes
    deadline = time.monotonic() + 30
    while len(upstreams_of(cluster, "GET /websocket ")) < 2:
        assert time.monotonic() < deadline, "nginx did not log the websockets"
        time.sleep(0.5)
    assert set(upstreams_of(cluster, "GET /websocket ")) == {
        server["gevent"] for server in cluster["servers"]
    }
    for server in cluster["servers"]:
        text = server["log"].read_text()
        assert "Downgrading websocket session" not in text
        assert "DistributionNotFound" not in text
