"""Backups that restore: deploy/backup.sh and deploy/restore.sh on the test database.

A record and a file attachment are committed, the database is backed up, another record
is committed after the backup; the backup restored into a new database has the first
record, not the second, and the attachment's file in its own filestore. The backups
older than KEEP_DAYS are deleted; a failing backup says why, exits non-zero and leaves
no backup folder behind; a damaged backup and an existing database are refused.
"""

import base64
import datetime
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from servers import ODOO_HOME, ROOT, drop_database, filestore, query

import odoo
from odoo import SUPERUSER_ID, api

BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
STAMP_FORMAT = "%Y-%m-%d_%H%M%S"


def run(*args, **env):
    return subprocess.run(
        [str(arg) for arg in args],
        env={**os.environ, "PY": sys.executable, "ODOO_HOME": str(ODOO_HOME), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def backup_folders(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.fixture(scope="module")
def taken(tmp_path_factory):
    """A backup of the test database taken between two committed records, with old,
    recent and foreign entries in its folder beforehand (KEEP_DAYS=3)."""
    db_name = odoo.tools.config["db_name"]
    conf = odoo.tools.config.rcfile
    backup_dir = tmp_path_factory.mktemp("backups")
    folder = backup_dir / db_name
    folder.mkdir()
    now = datetime.datetime.now(datetime.timezone.utc)
    old = (now - datetime.timedelta(days=4)).strftime(STAMP_FORMAT)
    recent = (now - datetime.timedelta(days=2)).strftime(STAMP_FORMAT)
    for name in (old, "2019-06-01_020000", recent):
        (folder / name).mkdir()
        (folder / name / "manifest.json").write_text("{}")
    (folder / "notes.txt").write_text("not a backup")
    marker = "pf-backup-%s" % uuid.uuid4().hex
    content = ("health sheet of %s" % marker).encode()
    registry = odoo.modules.registry.Registry(db_name)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        before = env["res.partner"].create({"name": marker + "-before"})
        attachment = env["ir.attachment"].create(
            {
                "name": "sheet.txt",
                "datas": base64.b64encode(content),
                "res_model": "res.partner",
                "res_id": before.id,
            }
        )
        store_fname = attachment.store_fname
    assert store_fname and (filestore(db_name) / store_fname).read_bytes() == content
    result = run(BACKUP, conf, db_name, backup_dir, KEEP_DAYS="3")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        after = env["res.partner"].create({"name": marker + "-after"})
    restored = "%s_restored_%d" % (db_name, os.getpid())
    try:
        yield {
            "result": result,
            "db_name": db_name,
            "conf": conf,
            "folder": folder,
            "old": old,
            "recent": recent,
            "marker": marker,
            "content": content,
            "store_fname": store_fname,
            "attachment_id": attachment.id,
            "restored": restored,
        }
    finally:
        drop_database(restored)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.attachment"].browse(attachment.id).unlink()
            (before | after).with_env(env).unlink()


def the_backup(taken):
    """The folder the backup wrote (the only one named after this minute or later)."""
    result = taken["result"]
    assert result.returncode == 0, result.stderr
    new = [
        name
        for name in backup_folders(taken["folder"])
        if name not in ("notes.txt", taken["recent"]) and name[:4].isdigit()
    ]
    assert len(new) == 1, new
    return taken["folder"] / new[0]


def test_backup_writes_a_checked_folder(taken):
    backup = the_backup(taken)
    assert "backup of %s written to %s" % (taken["db_name"], backup) in (
        taken["result"].stdout
    )
    assert sorted(path.name for path in backup.iterdir()) == [
        "database.dump",
        "filestore.tar",
        "manifest.json",
    ]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == taken["db_name"]
    assert manifest["modules"]["base"].startswith("18.0.")
    assert manifest["modules"]["portail_famille"].startswith("18.0.")
    assert manifest["filestore_files"] > 0
    assert manifest["missing_files"] == 0
    for name, described in manifest["files"].items():
        data = (backup / name).read_bytes()
        assert len(data) == described["size"] > 0
        assert described["sha256"] == hashlib.sha256(data).hexdigest()
        assert stat.S_IMODE((backup / name).stat().st_mode) == 0o600
    # the families' personal data: nobody else may read the backups
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert stat.S_IMODE(taken["folder"].stat().st_mode) == 0o700
    # pg_dump's custom format, not a plain SQL file
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"


def test_backup_deletes_the_backups_older_than_keep_days(taken):
    backup = the_backup(taken)
    assert backup_folders(taken["folder"]) == sorted(
        [taken["recent"], backup.name, "notes.txt"]
    )
    assert "deleted %s/%s" % (taken["folder"], taken["old"]) in taken["result"].stdout


def test_restore_brings_back_the_moment_of_the_backup(taken):
    backup = the_backup(taken)
    restored, marker = taken["restored"], taken["marker"]
    result = run(RESTORE, taken["conf"], backup, restored)
    assert result.returncode == 0, result.stderr
    names = query(
        restored,
        "SELECT name FROM res_partner WHERE name LIKE %s",
        (marker + "%",),
    )
    assert names == [(marker + "-before",)]
    # the attachment: its row, and its file in the restored database's own filestore
    rows = query(
        restored,
        "SELECT store_fname, checksum FROM ir_attachment WHERE id = %s",
        (taken["attachment_id"],),
    )
    assert rows and rows[0][0] == taken["store_fname"]
    assert (filestore(restored) / taken["store_fname"]).read_bytes() == taken["content"]
    # as many files as the original had at the time of the backup
    manifest = json.loads((backup / "manifest.json").read_text())
    files = [path for path in filestore(restored).rglob("*") if path.is_file()]
    assert len(files) == manifest["filestore_files"]
    # no temporary database or folder left
    assert not query(
        "postgres",
        "SELECT datname FROM pg_database WHERE datname LIKE %s",
        ("%_restoring_%",),
    )
    assert not list(filestore(restored).parent.glob(".*restoring*"))


def test_restore_refuses_an_existing_database_unless_forced(taken):
    backup = the_backup(taken)
    restored, marker = taken["restored"], taken["marker"]
    if not query(
        "postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (restored,)
    ):
        assert run(RESTORE, taken["conf"], backup, restored).returncode == 0
    # a change of the restored database: a refused restore must leave it there
    with odoo.sql_db.db_connect(restored).cursor() as cr:
        cr.execute("UPDATE res_partner SET name = %s WHERE name = %s",
                   (marker + "-changed", marker + "-before"))  # fmt: skip
    result = run(RESTORE, taken["conf"], backup, restored)
    assert result.returncode != 0
    assert "the database %s exists" % restored in result.stderr
    assert query(
        restored, "SELECT 1 FROM res_partner WHERE name = %s", (marker + "-changed",)
    )
    # --force replaces it, --neutralize makes it a harmless copy
    odoo.sql_db.close_db(restored)
    result = run(RESTORE, "--force", "--neutralize", taken["conf"], backup, restored)
    assert result.returncode == 0, result.stderr
    assert "(neutralized)" in result.stdout
    names = query(
        restored, "SELECT name FROM res_partner WHERE name LIKE %s", (marker + "%",)
    )
    assert names == [(marker + "-before",)]

    def parameters(db_name):
        return dict(
            query(
                db_name,
                "SELECT key, value FROM ir_config_parameter WHERE key IN "
                "('database.uuid', 'database.secret', 'database.is_neutralized')",
            )
        )

    original, copy = parameters(taken["db_name"]), parameters(restored)
    assert copy["database.is_neutralized"] == "true"
    assert copy["database.uuid"] != original["database.uuid"]
    assert copy["database.secret"] != original["database.secret"]
    # no mail leaves the copy, no scheduled action runs on it (but Odoo's autovacuum)
    assert query(
        restored,
        "SELECT smtp_host FROM ir_mail_server WHERE active",
    ) == [("invalid",)]
    active_crons = query(restored, "SELECT count(*) FROM ir_cron WHERE active")
    assert active_crons == [(1,)]
    assert (filestore(restored) / taken["store_fname"]).read_bytes() == taken["content"]


def test_restore_refuses_a_damaged_backup(taken, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(the_backup(taken), damaged)
    with open(damaged / "database.dump", "r+b") as dump:
        dump.truncate(dump.seek(0, 2) // 2)
    name = "%s_damaged_%d" % (taken["db_name"], os.getpid())
    result = run(RESTORE, taken["conf"], damaged, name)
    assert result.returncode != 0
    assert "is damaged or incomplete" in result.stderr
    assert "database.dump" in result.stderr
    assert not query(
        "postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
    )
    assert not filestore(name).exists()


def test_failed_backup_says_why_and_leaves_no_backup(taken, tmp_path):
    the_backup(taken)
    before = backup_folders(taken["folder"])
    backup_dir = taken["folder"].parent
    # a database that does not exist
    result = run(BACKUP, taken["conf"], "pf_no_such_town", backup_dir, KEEP_DAYS="0")
    assert result.returncode != 0
    assert "no database pf_no_such_town" in result.stderr
    assert backup_folders(backup_dir / "pf_no_such_town") == []
    # a failure after pg_dump wrote the dump (tar cannot read the filestore): nothing
    # that looks like a backup, and no old backup deleted (KEEP_DAYS=0 would delete all)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "tar").write_text("#!/bin/sh\necho 'tar: disk on fire' >&2\nexit 2\n")
    (fake_bin / "tar").chmod(0o755)
    result = run(
        BACKUP,
        taken["conf"],
        taken["db_name"],
        backup_dir,
        KEEP_DAYS="0",
        PATH="%s:%s" % (fake_bin, os.environ["PATH"]),
    )
    assert result.returncode != 0
    assert "reading the filestore" in result.stderr
    assert "disk on fire" in result.stderr
    assert backup_folders(taken["folder"]) == before
    # a configuration whose data_dir is not the filestore's: no backup without the files
    conf = tmp_path / "wrong-data-dir.conf"
    text = Path(taken["conf"]).read_text()
    data_dir = "data_dir = %s" % odoo.tools.config["data_dir"]
    assert data_dir in text
    conf.write_text(text.replace(data_dir, "data_dir = %s" % tmp_path))
    result = run(BACKUP, conf, taken["db_name"], backup_dir, KEEP_DAYS="0")
    assert result.returncode != 0
    assert (
        "%s/filestore/%s does not exist: is data_dir of %s right?"
        % (
            tmp_path,
            taken["db_name"],
            conf,
        )
        in result.stderr
    )
    assert backup_folders(taken["folder"]) == before


def test_backup_says_which_files_were_already_missing(taken, tmp_path):
    """A file lost from the filestore before the backup: the backup is taken, says
    which, and its manifest counts it."""
    registry = odoo.modules.registry.Registry(taken["db_name"])
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        lost = env["ir.attachment"].create({"name": "lost.txt", "raw": b"lost file"})
        lost_id, lost_fname = lost.id, lost.store_fname
    try:
        (filestore(taken["db_name"]) / lost_fname).unlink()
        result = run(BACKUP, taken["conf"], taken["db_name"], tmp_path)
        assert result.returncode == 0, result.stderr
        assert "backup.sh: WARNING: " in result.stderr
        assert lost_fname in result.stderr
        (backup,) = (tmp_path / taken["db_name"]).iterdir()
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["missing_files"] >= 1
    finally:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.attachment"].browse(lost_id).unlink()


def test_systemd_units_are_valid(tmp_path):
    """The units of deploy/ as systemd reads them (with the paths of this checkout)."""
    for name in (
        "portail-famille.service",
        "portail-famille-backup.service",
        "portail-famille-backup.timer",
    ):
        text = (ROOT / "deploy" / name).read_text()
        (tmp_path / name).write_text(text.replace("/opt/portail_famille", str(ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    service = (tmp_path / "portail-famille-backup.service").read_text()
    assert "ExecStart=%s/deploy/backup.sh " % ROOT in service


HELD_TAR = """#!/bin/sh
# tar held while the test works on the database (5 minutes at most)
touch "%(hold)s/reading"
i=0
while [ ! -e "%(hold)s/go" ] && [ $i -lt 1500 ]; do sleep 0.2; i=$((i + 1)); done
exec %(tar)s "$@"
"""


def test_backup_and_its_filestore_are_one_moment(taken, tmp_path):
    """While the backup reads the filestore, Odoo's garbage collector cannot delete the
    file of an attachment deleted after the snapshot (the restored database has both),
    and parents can still add documents (not in the backup)."""
    db_name = taken["db_name"]
    registry = odoo.modules.registry.Registry(db_name)
    content = b"document of %s" % uuid.uuid4().hex.encode()

    def attachment(name, data):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            record = env["ir.attachment"].create(
                {"name": name, "raw": data, "res_model": "res.partner", "res_id": 1}
            )
            return record.id, record.store_fname

    kept_id, kept_fname = attachment("kept.txt", content)
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "tar").write_text(HELD_TAR % {"hold": hold, "tar": shutil.which("tar")})
    (hold / "tar").chmod(0o755)
    backup_dir = tmp_path / "backups"
    process = subprocess.Popen(
        [str(BACKUP), odoo.tools.config.rcfile, db_name, str(backup_dir)],
        env={**os.environ, "PATH": "%s:%s" % (hold, os.environ["PATH"])},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    restored = "%s_moment_%d" % (db_name, os.getpid())
    added_id = None
    try:
        deadline = time.monotonic() + 300
        while not (hold / "reading").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the backup never read the filestore"
            time.sleep(0.2)
        # the attachment deleted now: Odoo's garbage collector may not delete its file
        with registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["ir.attachment"].browse(
                kept_id
            ).unlink()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            assert env["ir.attachment"]._gc_file_store() is False  # lock not available
        assert (filestore(db_name) / kept_fname).read_bytes() == content
        # a parent's new document meanwhile: not blocked
        started = time.monotonic()
        added_id, _fname = attachment("added.txt", b"added during the backup")
        assert time.monotonic() - started < 5
        (hold / "go").touch()
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        (backup,) = (backup_dir / db_name).iterdir()
        result = run(RESTORE, odoo.tools.config.rcfile, backup, restored)
        assert result.returncode == 0, result.stderr
        assert query(
            restored, "SELECT store_fname FROM ir_attachment WHERE id = %s", (kept_id,)
        ) == [(kept_fname,)]
        assert (filestore(restored) / kept_fname).read_bytes() == content
        assert not query(
            restored, "SELECT 1 FROM ir_attachment WHERE id = %s", (added_id,)
        )
        # after the backup, the garbage collector does its work again
        with registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["ir.attachment"]._gc_file_store()
        assert not (filestore(db_name) / kept_fname).exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        drop_database(restored)
        if added_id:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["ir.attachment"].browse(added_id).unlink()
