"""Helpers of the set-up's own tests: Odoo servers started as processes of their own."""

import configparser
import contextlib
import json
import os
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


def make_conf(conf, db_name, **env):
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
        timeout=60,
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
