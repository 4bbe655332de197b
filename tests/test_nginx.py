"""The production recipe, run: nginx with deploy/nginx-portail-famille.conf (TLS with a
certificate made here) in front of Odoo in prefork with deploy/make-conf.sh's
configuration (2 workers, proxy_mode), on the test database.

A parent books through it (log in, planning, a day into the recap, Terminer), the
address Odoo sees is the client's (X-Forwarded-For) and the scheme https
(X-Forwarded-Proto), static files are cached by nginx, and /websocket is upgraded and
carries a bus notification to the logged-in parent.
"""

import configparser
import datetime
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import uuid

import pytest
import requests
import websocket
from requests.adapters import HTTPAdapter
from servers import (
    ROOT,
    free_port,
    odoo_process,
    receive_notification,
    send_bus_notification,
)

import odoo

PARENT = "parent@demo.portail-famille.fr"
CLIENT_ADDRESS = "127.0.0.2"  # the client connects from another loopback address


def replace_once(text, old, new):
    assert text.count(old) == 1, "deploy/nginx-portail-famille.conf: %r changed" % old
    return text.replace(old, new)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """nginx (the project's site file) in front of a prefork Odoo: the https base URL,
    the certificate, Odoo's log."""
    tmp = tmp_path_factory.mktemp("nginx")
    http_port, gevent_port, tls_port, plain_port = (free_port() for _i in range(4))
    db_name = odoo.tools.config["db_name"]
    # Odoo: the production configuration, on the test cluster and database
    conf = tmp / "odoo.conf"
    subprocess.run(
        [str(ROOT / "deploy" / "make-conf.sh"), str(conf), db_name],
        env={
            **os.environ,
            "PY": sys.executable,
            "DB_HOST": os.environ["PGHOST"],
            "DB_PORT": os.environ.get("PGPORT", "5432"),
            "DB_USER": os.environ.get("PGUSER", "odoo"),
            "DATA_DIR": odoo.tools.config["data_dir"],
            "HTTP_PORT": str(http_port),
            "GEVENT_PORT": str(gevent_port),
            "WORKERS": "2",
        },
        check=True,
        timeout=60,
    )
    options = configparser.ConfigParser(interpolation=None)
    options.read(conf)
    assert options["options"]["proxy_mode"] == "True"
    assert options["options"]["list_db"] == "False"
    assert options["options"]["workers"] == "2"
    # nginx: the site file as it is, with the test's ports, names and paths
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],  # fmt: skip
        check=True,
        capture_output=True,
        timeout=60,
    )
    text = (ROOT / "deploy" / "nginx-portail-famille.conf").read_text()
    for old, new in (
        ("127.0.0.1:8069", "127.0.0.1:%d" % http_port),
        ("127.0.0.1:8072", "127.0.0.1:%d" % gevent_port),
        ("/var/cache/nginx/portail_famille ", "%s/cache " % tmp),
        ("listen 80;", "listen 127.0.0.1:%d;" % plain_port),
        ("listen 443 ssl http2 ", "listen 127.0.0.1:%d ssl http2 " % tls_port),
        ("/etc/letsencrypt/live/portail-famille.example.fr/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/portail-famille.example.fr/privkey.pem", str(key)),
    ):
        text = replace_once(text, old, new)
    (tmp / "site.conf").write_text(text)
    (tmp / "nginx.conf").write_text(
        f"""user root;
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )
    nginx = ["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")]
    subprocess.run([*nginx, "-t"], check=True, capture_output=True, timeout=30)
    log = tmp / "odoo.log"
    with odoo_process(conf, db_name, http_port, log):
        proxy = subprocess.Popen(nginx)
        try:
            wait_for_port(tls_port, proxy)
            yield {
                "url": "https://127.0.0.1:%d" % tls_port,
                "plain": "http://127.0.0.1:%d" % plain_port,
                "cert": str(cert),
                "log": log,
            }
        finally:
            proxy.terminate()
            proxy.wait(30)


def wait_for_port(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx stopped at start"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("nginx does not listen on %d" % port)


class SourceAddressAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


def parent_session(site):
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`
    session.verify = site["cert"]
    session.mount("https://", SourceAddressAdapter())
    # a client's own X-Forwarded-For is not believed: Odoo takes nginx's last entry
    session.headers["X-Forwarded-For"] = "203.0.113.7"
    url = site["url"]
    page = session.get(url + "/web/login", timeout=60)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = session.post(
        url + "/web/login",
        data={"login": PARENT, "password": "parent", "csrf_token": csrf},
        timeout=60,
    )
    assert "/web/login" not in response.url, "the demo parent could not log in"
    return session


CELL = re.compile(r'<input type="checkbox" class="form-check-input" name="cell" [^>]*>')


def planning_with_a_free_day(session, url):
    """The planning page (this month or one of the next three) with a day the parent
    can still tick: (page, the days already ticked, a free day)."""
    month = datetime.date.today().replace(day=1)
    for _i in range(4):
        page = session.get(
            url + "/my/planning?month=%s" % month.strftime("%Y-%m"), timeout=60
        )
        assert page.status_code == 200
        ticked, free = set(), []
        for tag in CELL.findall(page.text):
            key = re.search(r'value="([^"]+)"', tag).group(1)
            if " checked" in tag:
                ticked.add(key)
            elif " disabled" not in tag:
                free.append(key)
        if free:
            return page.text, ticked, free[0]
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    raise AssertionError("the demo parent has no day to book in the next months")


def hidden(page, name):
    return re.search(
        r'<input type="hidden" name="%s" value="([^"]*)"' % name, page
    ).group(1)


def test_parent_books_through_nginx(site):
    url = site["url"]
    session = parent_session(site)
    page, ticked, free = planning_with_a_free_day(session, url)
    csrf = re.search(r'csrf_token: "([^"]+)"', page).group(1)
    recap = session.post(
        url + "/my/planning",
        data={
            "csrf_token": csrf,
            "child": hidden(page, "child"),
            "view": hidden(page, "view"),
            "start": hidden(page, "start"),
            "cell": sorted(ticked | {free}),
            "go_recap": "1",
        },
        timeout=60,
    )
    assert recap.status_code == 200
    assert recap.url == url + "/my/recap"
    assert "/my/recap/confirm" in recap.text
    done = session.post(
        url + "/my/recap/confirm",
        data={"csrf_token": re.search(r'csrf_token: "([^"]+)"', recap.text).group(1)},
        timeout=60,
    )
    assert done.status_code == 200
    assert "o_pf_recap_done" in done.text
    assert "pf-result-ok" in done.text  # the day is booked
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
