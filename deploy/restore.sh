#!/usr/bin/env bash
# Restores a backup of deploy/backup.sh into a NEW database (README.md, section "Production"):
#   deploy/restore.sh [--force] [--neutralize] CONF BACKUP NEW_DB
# BACKUP is a folder BACKUP_DIR/<database>/<YYYY-MM-DD_HHMMSS>; its files are checked against
# its manifest first. The database is restored under a temporary name, the filestore into a
# temporary folder of data_dir/filestore; both get their name only once complete.
#   --force       replace NEW_DB (and its filestore) if it exists; without it, an existing
#                 NEW_DB is refused and left untouched
#   --neutralize  for a test copy: Odoo's own `odoo-bin neutralize` (mail servers and
#                 scheduled actions off, payment providers disabled, a "neutralized" banner)
#                 and a new database.uuid and database.secret (sessions and links of the
#                 original are not valid on the copy); needs ODOO_HOME and PY
# CONF is Odoo's configuration (database server, data_dir). Run it as the user that runs Odoo
# (e.g. sudo -u odoo); run as root, the filestore is given to the owner of data_dir.
# Environment: ODOO_HOME [/opt/odoo], PY [python3: the venv's python].
set -euo pipefail
usage() { sed -n '2,15p' "$0" >&2; exit 2; }
FORCE=0
NEUTRALIZE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --force) FORCE=1; shift ;;
        --neutralize) NEUTRALIZE=1; shift ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ $# -eq 3 ] || usage
CONF="$1"
BACKUP="${2%/}"
NEW_DB="$3"
ODOO_HOME="${ODOO_HOME:-/opt/odoo}"
PY="${PY:-python3}"
umask 077
SCRIPT=restore.sh
# shellcheck source=deploy/odoo-conf.sh
source "$(dirname "$0")/odoo-conf.sh"

check_db_name "$NEW_DB"
use_conf "$CONF"
[ -f "$BACKUP/manifest.json" ] || die "$BACKUP is not a backup of deploy/backup.sh (no manifest.json)"

# the files, as the manifest describes them
"$PY" - "$BACKUP" <<'PY' || die "$BACKUP is damaged or incomplete: do not restore it"
import hashlib
import json
import os
import sys

folder = sys.argv[1]
with open(os.path.join(folder, "manifest.json")) as manifest:
    files = json.load(manifest)["files"]
for name in ("database.dump", "filestore.tar"):
    path = os.path.join(folder, name)
    if name not in files or not os.path.isfile(path):
        sys.exit("%s: missing" % name)
    if os.path.getsize(path) != files[name]["size"]:
        sys.exit("%s: %d bytes instead of %d" % (name, os.path.getsize(path), files[name]["size"]))
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != files[name]["sha256"]:
        sys.exit("%s: its sha256 is not the manifest's" % name)
PY

FILESTORE="$DATA_DIR/filestore/$NEW_DB"
if [ "$FORCE" != 1 ]; then
    ! db_exists "$NEW_DB" || die "the database $NEW_DB exists: choose a new name (or --force to replace it)"
    [ ! -e "$FILESTORE" ] || die "the filestore $FILESTORE exists: choose a new name (or --force to replace it)"
fi

TMP_DB="${NEW_DB:0:40}_restoring_$$"
TMP_FILESTORE=""
created=0
error="$(mktemp)"
cleanup() {
    if [ "$created" = 1 ]; then
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$TMP_DB\"" >/dev/null 2>&1 || true
    fi
    if [ -n "$TMP_FILESTORE" ]; then rm -rf "$TMP_FILESTORE"; fi
    rm -f "$error"
}
trap cleanup EXIT
trap 'die "interrupted"' INT TERM

# as Odoo creates its databases (odoo.service.db._create_empty_database)
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "CREATE DATABASE \"$TMP_DB\" ENCODING 'unicode' LC_COLLATE 'C' TEMPLATE template0" 2>"$error" \
    || die "cannot create a database: $(cat "$error")"
created=1
pg_restore --no-owner --no-acl --exit-on-error -d "$TMP_DB" "$BACKUP/database.dump" 2>"$error" \
    || die "pg_restore failed: $(cat "$error")"

if [ "$NEUTRALIZE" = 1 ]; then
    PYTHONPATH="$ODOO_HOME${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$ODOO_HOME/odoo-bin" neutralize \
        -c "$CONF" -d "$TMP_DB" --log-level=warn 2>"$error" \
        || die "odoo-bin neutralize failed: $(cat "$error")"
    psql -X -q -v ON_ERROR_STOP=1 -d "$TMP_DB" 2>"$error" >/dev/null <<'SQL' \
        || die "cannot renew the copy's database.uuid: $(cat "$error")"
UPDATE ir_config_parameter SET value = gen_random_uuid()::text
 WHERE key IN ('database.uuid', 'database.secret');
SQL
fi

mkdir -p "$DATA_DIR/filestore"
TMP_FILESTORE="$(mktemp -d "$DATA_DIR/filestore/.$NEW_DB.restoring.XXXXXX")"
tar -C "$TMP_FILESTORE" -xf "$BACKUP/filestore.tar" 2>"$error" \
    || die "cannot extract the filestore into $TMP_FILESTORE: $(cat "$error")"
chmod 755 "$TMP_FILESTORE"
if [ "$(id -u)" -eq 0 ]; then
    chown -R --reference="$DATA_DIR" "$TMP_FILESTORE"
fi

if [ "$FORCE" = 1 ]; then
    if db_exists "$NEW_DB"; then
        psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE \"$NEW_DB\" WITH (FORCE)" 2>"$error" \
            || die "cannot drop the database $NEW_DB: $(cat "$error")"
    fi
    rm -rf "$FILESTORE"
fi
# from here on, the restored database is kept whatever happens
created=0
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER DATABASE \"$TMP_DB\" RENAME TO \"$NEW_DB\"" 2>"$error" \
    || die "cannot rename $TMP_DB to $NEW_DB (the restored database is kept as $TMP_DB): $(cat "$error")"
mv -T "$TMP_FILESTORE" "$FILESTORE" || die "cannot rename $TMP_FILESTORE to $FILESTORE"
TMP_FILESTORE=""
echo "$BACKUP restored into the database $NEW_DB and $FILESTORE$([ "$NEUTRALIZE" = 1 ] && echo " (neutralized)")"
