"""Helpers of the set-up's own tests: Odoo servers started as processes of their own."""

import configparser
import contextlib
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import websocket

import odoo
from odoo import SUPERUSER_ID, api

ROOT = Path(__file__).resolve().parents[1]
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))


def make_conf(conf, db_name, timeout=60, **env):
    """deploy/make-conf.sh's production configuration at `conf`, for `db_name` of the
    test cluster, with the test's data_dir; `env`: make-conf.sh's variables (HTTP_PORT,
    GEVENT_PORT, WORKERS...). Returns its [options]."""
    subprocess.run(
        [str(ROOT / "deploy" / "make-conf.sh"), str(conf), db_name],
        env={
            **os.environ,
            "PY": sys.executable,
            "DB_HOST": os.environ["PGHOST"],
            "DB_PORT": os.environ.get("PGPORT", "5432"),
            "DB_USER": os.environ.get("PGUSER", "odoo"),
            "DATA_DIR": odoo.tools.config["data_dir"],
            **env,
        },
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    options = configparser.ConfigParser(interpolation=None)
    options.read(conf)
    return options["options"]


def git_files(*pathspecs):
    """The files git knows in the checkout matching `pathspecs` (from its root)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *pathspecs],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [path for path in out.split("\0") if path]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, process, timeout=120, log=None):
    """The first answer of `url`, while `process` (the server) runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                "the server stopped at start:\n%s" % (log.read_text() if log else "")
            )
        try:
            return requests.get(url, timeout=60)
        except requests.ConnectionError:
            time.sleep(0.5)
    raise AssertionError("no answer from %s" % url)


@contextlib.contextmanager
def odoo_process(conf, db_name, http_port, log, *args, host="127.0.0.1", wait=True):
    """Odoo started with `conf` on `db_name` (and only it), without cron, until the
    block ends; yields the process once /web/login answers on `host` (at once without
    `wait`: then call wait_for_odoo)."""
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ODOO_HOME / "odoo-bin"),
                "-c",
                str(conf),
                "-d",
                db_name,
                "--db-filter=^%s$" % db_name,
                "--http-port=%d" % http_port,
                "--max-cron-threads=0",
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        process.url = "http://%s:%d" % (host, http_port)
        process.log = log
        try:
            if wait:
                wait_for_odoo(process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def wait_for_odoo(process):
    """Wait until the server started by odoo_process answers /web/login."""
    wait_for(process.url + "/web/login", process, log=process.log)


def send_bus_notification(channel, payload):
    """Committed notification on `channel`, as the server's own code sends them."""
    db_name = odoo.tools.config["db_name"]
    with odoo.modules.registry.Registry(db_name).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["bus.bus"]._sendone(channel, "pf_test", payload)


def receive_notification(ws, channel, payload, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.settimeout(max(deadline - time.monotonic(), 1))
        for notification in json.loads(ws.recv()):
            if notification["message"] == {"type": "pf_test", "payload": payload}:
                return notification
    raise AssertionError("no notification on %s" % channel)


def open_websocket(url, origin, timeout=60):
    """The websocket, once the server's gevent process accepts connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return websocket.create_connection(url, origin=origin, timeout=60)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def query(db_name, sql, params=()):
    """The rows of `sql` on `db_name` (a database of the test's cluster)."""
    with odoo.sql_db.db_connect(db_name).cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def filestore(db_name):
    return Path(odoo.tools.config["data_dir"]) / "filestore" / db_name


def drop_database(db_name):
    """Drop `db_name` (its connections closed) and its filestore, if they exist."""
    odoo.sql_db.close_db(db_name)
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.rollback()
        cr._cnx.autocommit = True
        cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db_name)
    shutil.rmtree(filestore(db_name), ignore_errors=True)


# -- the production stack: Odoo with deploy/make-conf.sh's configuration, nginx with
# deploy/nginx-portail-famille.conf, the waiting room (deploy/waiting_room.py)


def production_conf(path, db_name, http_port, gevent_port, workers=2):
    """deploy/make-conf.sh's configuration of `db_name` (a database of the test's
    cluster, Odoo's data_dir) written to `path`."""
    make_conf(
        path,
        db_name,
        timeout=120,
        HTTP_PORT=str(http_port),
        GEVENT_PORT=str(gevent_port),
        WORKERS=str(workers),
    )
    return path


def self_signed_certificate(folder):
    """(certificate, key) for 127.0.0.1, valid one day."""
    cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    subprocess.run(
        [
            *"openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
            "-addext subjectAltName=IP:127.0.0.1".split(),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


SITE = ROOT / "deploy" / "nginx-portail-famille.conf"
# the two upstream blocks of the site file: Odoo's HTTP port, its gevent port
UPSTREAMS = re.compile(
    r"^upstream portail_famille_http \{\n.*?^\}\n"
    r"upstream portail_famille_websocket \{\n.*?^\}\n",
    re.M | re.S,
)
# the example's addresses of deploy/nginx-upstreams-two-servers.conf
TWO_SERVERS_EXAMPLE = ("10.0.0.11", "10.0.0.12")


def replace_once(text, old, new):
    assert text.count(old) == 1, "deploy/: %r changed" % old
    return text.replace(old, new)


def site_upstreams(http_port=None, gevent_port=None):
    """The site file's upstream blocks, as they are or with Odoo's ports."""
    (blocks,) = UPSTREAMS.findall(SITE.read_text())
    if http_port:
        blocks = replace_once(blocks, "127.0.0.1:8069", "127.0.0.1:%d" % http_port)
        blocks = replace_once(blocks, "127.0.0.1:8072", "127.0.0.1:%d" % gevent_port)
    return blocks


def two_server_upstreams(addresses, http_port, gevent_port):
    """The upstream blocks of deploy/nginx-upstreams-two-servers.conf (without its
    comments), with `addresses` for the example's two servers and the ports."""
    (blocks,) = UPSTREAMS.findall(
        (ROOT / "deploy" / "nginx-upstreams-two-servers.conf").read_text()
    )
    for address, example in zip(addresses, TWO_SERVERS_EXAMPLE, strict=True):
        for port, example_port in ((http_port, 8069), (gevent_port, 8072)):
            blocks = replace_once(
                blocks, "%s:%d " % (example, example_port), "%s:%d " % (address, port)
            )
    assert "10.0.0." not in blocks
    return blocks


def write_site(folder, tls_port, plain_port, upstreams, gate_socket=None):
    """deploy/nginx-portail-famille.conf as it is, written to `folder`/site.conf with
    `upstreams` for its upstream blocks, the ports, a self-signed certificate, the
    cache of `folder` and, when given, the waiting room's socket; raises if one of
    those lines is no longer in the site file. Returns the certificate's path."""
    folder = Path(folder)
    cert, key = self_signed_certificate(folder)
    text = SITE.read_text()
    assert len(UPSTREAMS.findall(text)) == 1, "deploy/: the upstream blocks changed"
    text = UPSTREAMS.sub(lambda _match: upstreams, text)
    replacements = [
        ("/var/cache/nginx/portail_famille ", "%s/cache " % folder),
        ("listen 80;", "listen 127.0.0.1:%d;" % plain_port),
        ("listen 443 ssl http2 ", "listen 127.0.0.1:%d ssl http2 " % tls_port),
        ("/etc/letsencrypt/live/portail-famille.example.fr/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/portail-famille.example.fr/privkey.pem", str(key)),
    ]
    if gate_socket:
        replacements.append(
            (
                "unix:/run/portail-famille-waiting-room/gate.sock",
                "unix:%s" % gate_socket,
            )
        )
    for old, new in replacements:
        text = replace_once(text, old, new)
    (folder / "site.conf").write_text(text)
    return cert


def nginx_command(
    folder, ports, gate_socket, processes=1, connections=256, upstreams=None
):
    """nginx's command for deploy/nginx-portail-famille.conf as it is, with the ports
    (dict: http, gevent, plain, tls), a self-signed certificate, the cache and the
    waiting room's socket of `folder` (write_site), and `upstreams` for its upstream
    blocks (by default its own, with the ports)."""
    if upstreams is None:
        upstreams = site_upstreams(ports["http"], ports["gevent"])
    cert = write_site(folder, ports["tls"], ports["plain"], upstreams, gate_socket)
    # when, what, the answer, nginx's time (first byte in to last byte out), the
    # waiting room's place when it held the page, and the server that answered
    command = nginx_conf(
        Path(folder),
        "timed '$msec $request_method $uri $status $request_time '"
        " '$sent_http_x_waiting_room $upstream_addr'",
        processes,
        connections,
    )
    return command, cert


def nginx_conf(folder, log_format, processes=1, connections=256):
    """nginx's main configuration in `folder`, around the site file written there
    (site.conf), with its access log in `log_format` (``name 'format'``); checked with
    ``nginx -t``. Returns the command that runs it."""
    log_name = log_format.split()[0]
    (folder / "nginx.conf").write_text(
        f"""user root;
worker_processes {processes};
worker_rlimit_nofile {connections * 4};
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    log_format {log_format};
    access_log {folder}/access.log {log_name};
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    )
    command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")]
    subprocess.run([*command, "-t"], check=True, capture_output=True, timeout=30)
    return command


def wait_for_listen(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "%s stopped at start" % process.args[0]
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("nothing listens on %d" % port)


@contextlib.contextmanager
def stopped_at_exit(process):
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def nginx_process(command, tls_port):
    """nginx started with `command` until the block ends, once it listens."""
    with stopped_at_exit(subprocess.Popen(command)) as process:
        wait_for_listen(tls_port, process)
        yield process


@contextlib.contextmanager
def waiting_room_process(gate_socket, log, *args):
    """deploy/waiting_room.py listening on the Unix socket `gate_socket`, with the
    options `args` (--capacity...), until the block ends."""
    gate_socket = Path(gate_socket)
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "deploy" / "waiting_room.py"),
                "--listen",
                "unix:%s" % gate_socket,
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    with stopped_at_exit(process):
        deadline = time.monotonic() + 30
        while not gate_socket.exists():
            assert process.poll() is None, Path(log).read_text()
            assert time.monotonic() < deadline, "the waiting room did not start"
            time.sleep(0.1)
        yield process


def waiting_room_stats(gate_socket):
    """What the waiting room on `gate_socket` says of the moment (its JSON stats)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(gate_socket))
        sock.sendall(b"GET /_waiting_room/stats HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return json.loads(answer.partition(b"\r\n\r\n")[2])


CELL = re.compile(r'<input type="checkbox" class="form-check-input" name="cell" [^>]*>')
CSRF = re.compile(r'(?:csrf_token: "|name="csrf_token" value=")([^"]+)"')


def log_in(session, url, login, password, check=lambda response: None):
    """`session` logged in through Odoo's login form at `url`; `check` is called on
    each response."""
    page = session.get(url + "/web/login", timeout=60)
    check(page)
    assert page.status_code == 200, page.status_code
    response = session.post(
        url + "/web/login",
        data={
            "login": login,
            "password": password,
            "csrf_token": CSRF.search(page.text).group(1),
        },
        timeout=60,
    )
    check(response)
    assert "/web/login" not in response.url, "%s could not log in" % login
    return response


def hidden(page, name):
    """The value of the page's hidden field `name`."""
    return re.search(
        r'<input type="hidden" name="%s" value="([^"]*)"' % name, page
    ).group(1)


def planning(session, url, month, check=lambda response: None):
    """The planning page of `month` (a date) for the logged-in parent of `session`:
    (page, the days ticked, the days free); `check` is called on the response."""
    page = session.get(
        url + "/my/planning?month=%s" % month.strftime("%Y-%m"), timeout=60
    )
    check(page)
    assert page.status_code == 200, page.status_code
    assert "/web/login" not in page.url, "the session is not valid there"
    ticked, free = set(), []
    for tag in CELL.findall(page.text):
        key = re.search(r'value="([^"]+)"', tag).group(1)
        if " checked" in tag:
            ticked.add(key)
        elif " disabled" not in tag:
            free.append(key)
    return page.text, ticked, free


def tick_a_free_day(session, url, check=lambda response: None):
    """As a logged-in parent: the planning (this month or one of the next three), a
    free day ticked, on to the recap; `check` is called on each response. Returns
    (the month, the day's key, the recap page: its form's "Terminer" posts to
    /my/recap/confirm)."""
    month = datetime.date.today().replace(day=1)
    for _i in range(4):
        page, ticked, free = planning(session, url, month, check)
        if free:
            break
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    else:
        raise AssertionError("no day to book in the next months")
    recap = session.post(
        url + "/my/planning",
        data={
            "csrf_token": CSRF.search(page).group(1),
            "child": hidden(page, "child"),
            "view": hidden(page, "view"),
            "start": hidden(page, "start"),
            "cell": sorted(ticked | {free[0]}),
            "go_recap": "1",
        },
        timeout=60,
    )
    check(recap)
    assert recap.status_code == 200, recap.status_code
    assert recap.url == url + "/my/recap", recap.url
    assert "/my/recap/confirm" in recap.text
    return month, free[0], recap


def press_terminer(session, url, recap, check=lambda response: None):
    """ "Terminer" on the recap page `recap`; `check` is called on the response. Returns
    the answer, which says the day is booked."""
    done = session.post(
        url + "/my/recap/confirm",
        data={"csrf_token": CSRF.search(recap.text).group(1)},
        timeout=60,
    )
    check(done)
    assert done.status_code == 200, done.status_code
    assert "o_pf_recap_done" in done.text
    assert "pf-result-ok" in done.text  # the day is booked
    return done
