"""The production recipe, run: nginx with deploy/nginx-portail-famille.conf (TLS with a
certificate made here) in front of Odoo in prefork with deploy/make-conf.sh's
configuration (2 workers, proxy_mode), on the test database.

A parent books through it (log in, planning, a day into the recap, Terminer), the
address Odoo sees is the client's (X-Forwarded-For) and the scheme https
(X-Forwarded-Proto), static files are cached by nginx, and /websocket is upgraded and
carries a bus notification to the logged-in parent.
"""

import json
import ssl
import time
import uuid

import pytest
import requests
import websocket
from proxy import (
    CLIENT_ADDRESS,
    book_a_free_day,
    nginx_site,
    parent_session,
)
from servers import (
    free_port,
    make_conf,
    odoo_process,
    receive_notification,
    replace_once,
    send_bus_notification,
    site_upstreams,
)

import odoo


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """nginx (the project's site file) in front of a prefork Odoo: the https base URL,
    the certificate, Odoo's log."""
    tmp = tmp_path_factory.mktemp("nginx")
    http_port, gevent_port, tls_port, plain_port = (free_port() for _i in range(4))
    db_name = odoo.tools.config["db_name"]
    # Odoo: the production configuration, on the test cluster and database
    conf = tmp / "odoo.conf"
    options = make_conf(
        conf,
        db_name,
        HTTP_PORT=str(http_port),
        GEVENT_PORT=str(gevent_port),
        WORKERS="2",
    )
    assert options["proxy_mode"] == "True"
    assert options["list_db"] == "False"
    assert options["workers"] == "2"
    # nginx: the site file as it is, with the test's ports, names and paths
    upstreams = site_upstreams()
    upstreams = replace_once(upstreams, "127.0.0.1:8069", "127.0.0.1:%d" % http_port)
    upstreams = replace_once(upstreams, "127.0.0.1:8072", "127.0.0.1:%d" % gevent_port)
    log = tmp / "odoo.log"
    with (
        odoo_process(conf, db_name, http_port, log),
        nginx_site(tmp, upstreams, tls_port, plain_port) as site,
    ):
        yield {**site, "log": log}


def test_parent_books_through_nginx(site):
    session = parent_session(site)
    book_a_free_day(session, site["url"])
    # Odoo saw the client's address (nginx's X-Forwarded-For entry), not nginx's
    # 127.0.0.1 nor the address the client claimed
    lines = [
        line
        for line in site["log"].read_text().splitlines()
        if '"POST /my/recap/confirm HTTP/1.0" 200' in line
    ]
    assert lines and CLIENT_ADDRESS in lines[-1], lines
    assert "203.0.113.7" not in site["log"].read_text()


def test_nginx_serves_https_and_caches_static_files(site):
    plain = requests.get(
        site["plain"] + "/web/login", allow_redirects=False, timeout=30
    )
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    static = site["url"] + "/web/static/img/favicon.ico"
    first = requests.get(static, verify=site["cert"], timeout=60)
    second = requests.get(static, verify=site["cert"], timeout=60)
    assert first.status_code == second.status_code == 200
    assert second.headers["X-Cache-Status"] == "HIT"
    assert "Strict-Transport-Security" in first.headers


def test_websocket_through_nginx(site):
    session = parent_session(site)
    host = site["url"].removeprefix("https://")
    ws_url = "wss://%s/websocket" % host
    ws = websocket.create_connection(
        ws_url,
        origin=site["url"],
        cookie="session_id=%s" % session.cookies["session_id"],
        sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": site["cert"]},
        timeout=60,
    )
    try:
        channel = "pf-nginx-%s" % uuid.uuid4().hex
        ws.send(
            json.dumps(
                {"event_name": "subscribe", "data": {"channels": [channel], "last": 0}}
            )
        )
        time.sleep(1)
        payload = {"through": "nginx"}
        send_bus_notification(channel, payload)
        assert receive_notification(ws, channel, payload)["id"] > 0
    finally:
        ws.close()
    # https seen by Odoo (X-Forwarded-Proto): the session was not downgraded for a
    # scheme mismatch between the page's origin and the websocket request
    assert "Downgrading websocket session" not in site["log"].read_text()
