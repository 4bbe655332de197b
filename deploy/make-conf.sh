#!/usr/bin/env bash
# Writes a town's Odoo configuration from deploy/odoo.conf (README.md, section "Production").
#   deploy/make-conf.sh OUTPUT DB_NAME
# Environment (defaults in brackets): ODOO_HOME [/opt/odoo], PY [python3: the venv's python],
# ADDONS_PATH [Odoo's, the venv's OCA addons, this checkout], DATA_DIR [/var/lib/odoo],
# DB_HOST [False: the local socket], DB_PORT [5432], DB_USER [odoo], DB_PASSWORD [False],
# HTTP_INTERFACE [127.0.0.1: nginx on the same machine; the private address nginx reaches
# otherwise], HTTP_PORT [8069], GEVENT_PORT [8072], WORKERS [2 x cores + 1], LOG_FILE [False:
# stderr, i.e. the journal under systemd], MASTER_PASSWORD_FILE [OUTPUT.master-password].
# The master password is generated into MASTER_PASSWORD_FILE (mode 600) when missing; the
# configuration holds only its hash. OUTPUT is written mode 640.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
OUTPUT="$1"
DB_NAME="$2"
DEPLOY_DIR="$(cd "$(dirname "$0")" && pwd)"
PROJECT_DIR="$(dirname "$DEPLOY_DIR")"
ODOO_HOME="${ODOO_HOME:-/opt/odoo}"
PY="${PY:-python3}"
oca="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"] + "/odoo/addons")')"
ADDONS_PATH="${ADDONS_PATH:-$ODOO_HOME/odoo/addons,$ODOO_HOME/addons,$oca,$PROJECT_DIR}"
MASTER_PASSWORD_FILE="${MASTER_PASSWORD_FILE:-$OUTPUT.master-password}"
WORKERS="${WORKERS:-$((2 * $(nproc) + 1))}"

# queue_job is a server-wide module only where it is installed
server_wide="base,web"
IFS=, read -ra dirs <<< "$ADDONS_PATH"
for d in "${dirs[@]}"; do
    [ -f "$d/queue_job/__manifest__.py" ] && server_wide="base,web,queue_job" && break
done

if [ ! -s "$MASTER_PASSWORD_FILE" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$MASTER_PASSWORD_FILE")
fi
hash="$("$PY" -c 'import sys; from passlib.context import CryptContext
print(CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=600_000).hash(sys.stdin.readline().strip()))' \
    < "$MASTER_PASSWORD_FILE")"

(umask 027 && sed \
    -e "s|@ADDONS_PATH@|$ADDONS_PATH|" \
    -e "s|@DATA_DIR@|${DATA_DIR:-/var/lib/odoo}|" \
    -e "s|@DB_HOST@|${DB_HOST:-False}|" \
    -e "s|@DB_PORT@|${DB_PORT:-5432}|" \
    -e "s|@DB_USER@|${DB_USER:-odoo}|" \
    -e "s|@DB_PASSWORD@|${DB_PASSWORD:-False}|" \
    -e "s|@DB_NAME@|$DB_NAME|g" \
    -e "s|@ADMIN_PASSWD_HASH@|$hash|" \
    -e "s|@HTTP_INTERFACE@|${HTTP_INTERFACE:-127.0.0.1}|" \
    -e "s|@HTTP_PORT@|${HTTP_PORT:-8069}|" \
    -e "s|@GEVENT_PORT@|${GEVENT_PORT:-8072}|" \
    -e "s|@WORKERS@|$WORKERS|g" \
    -e "s|@SERVER_WIDE_MODULES@|$server_wide|" \
    -e "s|@LOG_FILE@|${LOG_FILE:-False}|" \
    "$DEPLOY_DIR/odoo.conf" > "$OUTPUT")
echo "$OUTPUT written ($WORKERS workers, server-wide modules $server_wide); master password in $MASTER_PASSWORD_FILE" >&2
