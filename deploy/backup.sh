#!/usr/bin/env bash
# Backs up one town's database with its filestore (README.md, section "Production"):
#   deploy/backup.sh CONF DB_NAME BACKUP_DIR
# Writes BACKUP_DIR/DB_NAME/<YYYY-MM-DD_HHMMSS>/ (UTC): database.dump (pg_dump -Fc),
# filestore.tar (the database's folder of data_dir/filestore) and manifest.json (database,
# versions of Odoo and of the addons, size and sha256 of each file); deploy/restore.sh
# restores it. The folder is written under a hidden temporary name and renamed only once
# complete; then the backups of DB_NAME older than KEEP_DAYS days (default 14) are deleted.
# Database and filestore are one moment: pg_dump reads a snapshot taken while ir_attachment
# is locked against Odoo's filestore garbage collector, which stays locked until the
# filestore is read (attachments can still be created and deleted meanwhile).
# CONF is Odoo's configuration (db_host, db_port, db_user, db_password, data_dir). Run it as
# the user that runs Odoo (e.g. sudo -u odoo): it must read the filestore. The backups hold
# the families' personal data: they are written mode 600 in folders mode 700.
set -euo pipefail
[ $# -eq 3 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
CONF="$1"
DB_NAME="$2"
BACKUP_DIR="$3"
KEEP_DAYS="${KEEP_DAYS:-14}"
umask 077
SCRIPT=backup.sh
# shellcheck source=deploy/odoo-conf.sh
source "$(dirname "$0")/odoo-conf.sh"

[[ "$KEEP_DAYS" =~ ^[0-9]+$ ]] || die "KEEP_DAYS must be a number of days, not '$KEEP_DAYS'"
check_db_name "$DB_NAME"
use_conf "$CONF"
FILESTORE="$DATA_DIR/filestore/$DB_NAME"

now="$(date +%s)"
stamp="$(date -u -d "@$now" +%Y-%m-%d_%H%M%S)"
mkdir -p "$BACKUP_DIR/$DB_NAME" || die "cannot create $BACKUP_DIR/$DB_NAME"
chmod 700 "$BACKUP_DIR/$DB_NAME"
FINAL="$BACKUP_DIR/$DB_NAME/$stamp"
[ ! -e "$FINAL" ] || die "$FINAL exists already"
WORK="$(mktemp -d "$BACKUP_DIR/$DB_NAME/.$stamp.partial.XXXXXX")" || die "cannot write into $BACKUP_DIR/$DB_NAME"
ERR="$WORK/.error"
locker=""
cleanup() {
    if [ -n "$locker" ]; then kill "$locker" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'die "interrupted"' INT TERM

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB_NAME" -Atc "$1"; }
db_exists "$DB_NAME" 2>"$ERR" || die "no database $DB_NAME on the server of $CONF $(cat "$ERR")"
versions="$(psql_q "SELECT string_agg(format('\"%s\": \"%s\"', name, latest_version), ', ' ORDER BY name)
    FROM ir_module_module WHERE state = 'installed'
    AND name IN ('base', 'portail_famille', 'payment_payfip', 'queue_job')" 2>"$ERR")" \
    || die "$DB_NAME is not an Odoo database: $(cat "$ERR")"

# The snapshot's session: ir_attachment locked against the garbage collector (which takes
# it IN SHARE MODE; this mode lets attachments be created and deleted), then the snapshot
# exported for pg_dump; the session stays open until the filestore is read.
coproc LOCKER { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB_NAME" 2>&1; }
locker="$LOCKER_PID" to_locker="${LOCKER[1]}" from_locker="${LOCKER[0]}"
cat >&"$to_locker" <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL lock_timeout = '10min';
LOCK TABLE ir_attachment IN SHARE UPDATE EXCLUSIVE MODE;
SELECT 'snapshot=' || pg_export_snapshot();
SQL
snapshot=""
while IFS= read -r -t 660 line <&"$from_locker"; do
    case "$line" in
        snapshot=*) snapshot="${line#snapshot=}"; break ;;
        *) die "cannot lock ir_attachment of $DB_NAME: $line" ;;
    esac
done
[ -n "$snapshot" ] || die "no snapshot from $DB_NAME (the session ended)"
# the files the snapshot's attachments refer to, to check the filestore against
printf '%s\n' "\\copy (SELECT DISTINCT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL) TO '$WORK/.referenced'" \
    "SELECT 'listed';" >&"$to_locker"
IFS= read -r -t 600 line <&"$from_locker" || line="the session ended"
[ "$line" = listed ] || die "cannot list the attachments' files of $DB_NAME: $line"
referenced="$(wc -l < "$WORK/.referenced")"
if [ "$referenced" -gt 0 ] && [ ! -d "$FILESTORE" ]; then
    die "$DB_NAME has $referenced files in its filestore, but $FILESTORE does not exist: is data_dir of $CONF right?"
fi

pg_dump -Fc --snapshot="$snapshot" -d "$DB_NAME" -f "$WORK/database.dump" 2>"$ERR" \
    || die "pg_dump of $DB_NAME failed: $(cat "$ERR")"
if [ -d "$FILESTORE" ]; then
    # files created meanwhile belong to attachments the snapshot does not have: tar's exit
    # status 1 ("file changed as we read it") is no failure here, anything above is
    rc=0
    tar -C "$FILESTORE" -cf "$WORK/filestore.tar" --warning=no-file-changed . 2>"$ERR" || rc=$?
    [ "$rc" -le 1 ] || die "reading the filestore $FILESTORE failed: $(cat "$ERR")"
else
    # no attachment in the filestore yet: an empty archive
    tar -cf "$WORK/filestore.tar" -T /dev/null
fi
tar -tf "$WORK/filestore.tar" > "$WORK/.listed" 2>"$ERR" || die "cannot read filestore.tar back: $(cat "$ERR")"
sed -i -n 's|^\./\(.*[^/]\)$|\1|p' "$WORK/.listed"
LC_ALL=C sort -o "$WORK/.listed" "$WORK/.listed"
files="$(wc -l < "$WORK/.listed")"
# files lost before this backup (not by it): said, counted in the manifest, not fatal
missing="$(LC_ALL=C sort "$WORK/.referenced" | LC_ALL=C comm -23 - "$WORK/.listed")"
missing_count=0
if [ -n "$missing" ]; then
    missing_count="$(printf '%s\n' "$missing" | wc -l)"
    printf 'backup.sh: WARNING: %s files of attachments of %s are missing from %s (already before this backup): %s\n' \
        "$missing_count" "$DB_NAME" "$FILESTORE" "$(printf '%s\n' "$missing" | head -n 5 | tr '\n' ' ')" >&2
fi
echo "COMMIT;" >&"$to_locker"
exec {to_locker}>&-
wait "$locker" || die "the snapshot's session of $DB_NAME failed"
locker=""

file_json() {
    printf '"%s": {"size": %s, "sha256": "%s"}' "$1" "$(stat -c %s "$WORK/$1")" \
        "$(sha256sum "$WORK/$1" | cut -d' ' -f1)"
}
cat > "$WORK/manifest.json" <<JSON
{
  "database": "$DB_NAME",
  "created_at": "$(date -u -d "@$now" +%FT%TZ)",
  "modules": {$versions},
  "postgresql": "$(psql_q "SHOW server_version")",
  "pg_dump": "$(pg_dump --version | sed 's/^pg_dump (PostgreSQL) //')",
  "filestore_files": $files,
  "missing_files": $missing_count,
  "files": {
    $(file_json database.dump),
    $(file_json filestore.tar)
  }
}
JSON
rm -f "$ERR" "$WORK/.referenced" "$WORK/.listed"
sync -f "$WORK" 2>/dev/null || sync
mv -T "$WORK" "$FINAL" || die "cannot rename $WORK to $FINAL"
chmod 700 "$FINAL"
echo "backup of $DB_NAME written to $FINAL ($(du -sh "$FINAL" | cut -f1), $files filestore files)"

# only after a backup that succeeded: the backups older than KEEP_DAYS days (by the date in
# their name), and temporary folders a killed backup left more than a day ago
cutoff="$(date -u -d "-$KEEP_DAYS days" +%Y-%m-%d_%H%M%S)"
for old in "$BACKUP_DIR/$DB_NAME"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]; do
    [ -d "$old" ] && [ "$old" != "$FINAL" ] || continue
    if [[ "$(basename "$old")" < "$cutoff" ]]; then
        rm -rf "$old" && echo "deleted $old (older than $KEEP_DAYS days)"
    fi
done
find "$BACKUP_DIR/$DB_NAME" -maxdepth 1 -name '.*.partial.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
