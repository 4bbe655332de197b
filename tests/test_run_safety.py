"""./run.sh is safe by default.

The configuration it writes (scripts/lib.sh, run mode) keeps Odoo on 127.0.0.1, the
database manager off and no `admin` master password; an Odoo server started with it
refuses to list or back up the databases; its PostgreSQL cluster is durable, Odoo's
role there is not a superuser and only ./run.sh's users can connect (peer
authentication).

These tests drive scripts/lib.sh's own functions (set_mode run, write_odoo_conf,
pg_start) in a temporary folder; the Odoo server runs on the test database of
./test.sh (PGHOST etc. come from test.sh).
"""

import configparser
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest
import requests
from passlib.context import CryptContext
from servers import ROOT, free_port, odoo_process

import odoo


def lib_sh(local_dir, commands, **env):
    """Run `commands` in bash after sourcing scripts/lib.sh with LOCAL_DIR=local_dir."""
    script = 'source scripts/lib.sh\nLOCAL_DIR="$1"\n' + commands
    return subprocess.run(
        ["bash", "-c", script, "lib.sh", str(local_dir)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


@pytest.fixture(scope="module")
def run_conf(tmp_path_factory):
    """The configuration ./run.sh writes, on the test cluster and a free port."""
    local_dir = tmp_path_factory.mktemp("run") / ".local"
    port = free_port()
    conf = lib_sh(
        local_dir,
        'set_mode run\nPGSOCK_DIR="$PGHOST"\nwrite_odoo_conf\necho "$ODOO_CONF"\n',
        HTTP_PORT=str(port),
    ).strip()
    return Path(conf), local_dir, port


def read_options(conf):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf)
    return parser["options"]


def test_run_conf_is_safe(run_conf):
    conf, local_dir, port = run_conf
    assert conf.name == "odoo-run-%d.conf" % port
    options = read_options(conf)
    assert options["list_db"] == "False"
    assert options["http_interface"] == "127.0.0.1"
    assert options["data_dir"] == str(local_dir / "run-data")
    # the master password: generated, only its hash in the configuration
    password_file = local_dir / "odoo-master-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    password = password_file.read_text().strip()
    assert len(password) >= 24
    stored = options["admin_passwd"]
    assert stored.startswith("$pbkdf2-sha512$600000$")
    assert password not in conf.read_text()
    context = CryptContext(["pbkdf2_sha512"])
    assert context.verify(password, stored)
    assert not context.verify("admin", stored)


def test_run_conf_serves_the_network_only_when_asked(tmp_path):
    conf = lib_sh(
        tmp_path / ".local",
        'set_mode run\nPGSOCK_DIR="$PGHOST"\nwrite_odoo_conf\necho "$ODOO_CONF"\n',
        HTTP_INTERFACE="0.0.0.0",
    ).strip()
    assert read_options(conf)["http_interface"] == "0.0.0.0"


@pytest.fixture(scope="module")
def run_server(run_conf):
    """Odoo started as ./run.sh starts it (-d DB --db-filter=^DB$) with the run
    configuration, on the test database."""
    conf, local_dir, port = run_conf
    db_name = odoo.tools.config["db_name"]
    with odoo_process(conf, db_name, port, local_dir / "odoo.log") as process:
        yield "http://127.0.0.1:%d" % port, process, db_name, conf


def test_run_server_listens_on_localhost_only(run_server):
    url, process, _db, _local = run_server
    assert requests.get(url + "/web/login", timeout=30).status_code == 200
    listening = {
        conn.laddr.ip
        for conn in psutil.Process(process.pid).connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }
    assert listening == {"127.0.0.1"}


def test_run_server_refuses_the_database_manager(run_server):
    url, _process, db_name, conf = run_server
    real_password = (conf.parent / "odoo-master-password").read_text().strip()
    for master_pwd in ("admin", real_password):
        response = requests.post(
            url + "/web/database/backup",
            data={"master_pwd": master_pwd, "name": db_name, "backup_format": "zip"},
            timeout=60,
        )
        # an error page, not the database as a zip (even with the right master password:
        # list_db = False turns the database manager off)
        assert "octet-stream" not in response.headers.get("Content-Type", "")
        assert not response.content.startswith(b"PK")
        assert "Database backup error" in response.text
    response = requests.post(
        url + "/web/database/list",
        json={"jsonrpc": "2.0", "method": "call", "params": {}},
        timeout=30,
    )
    body = response.json()
    assert "result" not in body
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    # the master password was not replaced by the one posted (Odoo does that when the
    # configured one is 'admin')
    assert CryptContext(["pbkdf2_sha512"]).verify(
        real_password, read_options(conf)["admin_passwd"]
    )


@pytest.fixture(scope="module")
def run_cluster():
    """A cluster created by pg_start in run mode (as ./run.sh does), in a folder of its
    own; Odoo's OS user (ODOO_USER) is `nobody` here. Yields a function running bash
    commands after `set_mode run` and `pg_start`."""
    local_dir = Path(tempfile.mkdtemp(prefix="pf-run-cluster-", dir="/var/tmp"))
    os.chmod(local_dir, 0o755)  # the postgres OS user runs the server

    def in_cluster(commands):
        return lib_sh(
            local_dir,
            "set_mode run\npg_start\n" + commands,
            PG_PORT="5432",
            ODOO_USER="nobody",
        )

    try:
        yield in_cluster
    finally:
        in_cluster("PG_STARTED_HERE=1\npg_stop\n")
        shutil.rmtree(local_dir, ignore_errors=True)


def test_run_cluster_is_durable(run_cluster):
    """pg_start in run mode creates a cluster with PostgreSQL's durable defaults."""
    settings = run_cluster(
        "psql -U postgres -d postgres -tAc \"SELECT string_agg(name || '=' || "
        "setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', "
        "'synchronous_commit', 'full_page_writes', 'listen_addresses')\"\n"
    ).split()
    assert settings == [
        "fsync=on",
        "full_page_writes=on",
        "listen_addresses=",
        "synchronous_commit=on",
    ]


def test_run_cluster_role_is_not_a_superuser(run_cluster):
    """Odoo's role in the run cluster creates its databases and nothing more, and only
    the users of ./run.sh reach the cluster (peer authentication, no trust)."""
    sql = 'psql -U postgres -d postgres -tAc "%s"\n'
    out = run_cluster(
        sql % "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = 'odoo'"
        + sql % "SELECT DISTINCT type || ' ' || auth_method FROM pg_hba_file_rules"
        + 'echo "$PGHOST"\n'
    ).splitlines()
    assert out[:2] == ["f|t", "local peer"], out
    socket_dir = out[2]
    # what Odoo does with it: create a database, the extension pg_trgm in it
    db_name = "pf_run_role_%d" % os.getpid()
    created = run_cluster(
        'psql -U odoo -d postgres -qc "CREATE DATABASE %s"\n'
        'psql -U odoo -d %s -qc "CREATE EXTENSION pg_trgm"\n'
        'psql -U odoo -d %s -tAc "SELECT extname FROM pg_extension '
        "WHERE extname = 'pg_trgm'\"\n" % (db_name, db_name, db_name)
    )
    assert created.split() == ["pg_trgm"]
    # and what a superuser could do, refused
    refused = subprocess.run(
        ["psql", "-h", socket_dir, "-U", "odoo", "-d", db_name, "-c",
         "ALTER ROLE odoo SUPERUSER"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "superuser" in refused.stderr
    run_cluster('psql -U postgres -d postgres -qc "DROP DATABASE %s"\n' % db_name)

    def connect(os_user, role):
        return subprocess.run(
            ["runuser", "-u", os_user, "--", "psql", "-h", socket_dir, "-U", role,
             "-d", "postgres", "-tAc", "SELECT current_user"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    # Odoo's OS user as Odoo's role only; another local user not at all
    assert connect("nobody", "odoo").stdout.strip() == "odoo"
    for os_user, role in (("nobody", "postgres"), ("daemon", "odoo")):
        result = connect(os_user, role)
        assert result.returncode != 0
        assert 'Peer authentication failed for user "%s"' % role in result.stderr
