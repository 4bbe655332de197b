# shellcheck shell=bash
# Sourced by deploy/backup.sh and deploy/restore.sh: Odoo's configuration read from bash, and
# PostgreSQL reached as Odoo reaches it. SCRIPT (the caller's name) prefixes the messages.

die() { printf '%s: ERROR: %s\n' "${SCRIPT:-deploy}" "$*" >&2; exit 1; }

# check_db_name NAME: Odoo's own rule for database names (odoo.service.db.DB_NAME_RE)
check_db_name() {
    [[ "$1" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ ]] || die "'$1' is not a database name"
}

# conf_get CONF KEY: the value of KEY in the [options] section of CONF ("" when absent or False)
conf_get() {
    awk -v key="$2" '
        /^[ \t]*\[/ { options = ($0 ~ /^[ \t]*\[options\]/); next }
        options && index($0, "=") {
            k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1)
            gsub(/^[ \t]+|[ \t\r]+$/, "", k); gsub(/^[ \t]+|[ \t\r]+$/, "", v)
            if (k == key) { if (v != "False") print v; exit }
        }' "$1"
}

# use_conf CONF: PG* variables from CONF's db_host, db_port, db_user and db_password (none
# from the environment: the database Odoo uses, not another), and DATA_DIR from its data_dir
use_conf() {
    [ -r "$1" ] || die "cannot read the configuration $1"
    unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSERVICEFILE PGPASSFILE
    local pair value
    for pair in PGHOST:db_host PGPORT:db_port PGUSER:db_user PGPASSWORD:db_password; do
        value="$(conf_get "$1" "${pair#*:}")"
        if [ -n "$value" ]; then export "${pair%%:*}=$value"; fi
    done
    DATA_DIR="$(conf_get "$1" data_dir)"
    [ -n "$DATA_DIR" ] || die "$1 has no data_dir: the filestore's folder is not known"
}

# db_exists NAME
db_exists() {
    [ "$(psql -X -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}
