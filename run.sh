#!/usr/bin/env bash
# Run the Portail Famille DEMO TOWN: sets up whatever is missing, then serves Odoo on
# http://localhost:8069 (this machine only). For a town's real server, see "Production" in README.md.
#   ./run.sh              (Ctrl-C stops Odoo and the project's PostgreSQL)
# Environment: ODOO_HOME (default /opt/odoo), DB_NAME (default portail_famille), HTTP_PORT (8069),
# HTTP_INTERFACE (default 127.0.0.1; 0.0.0.0 to serve the network), ODOO_USER (the unprivileged
# user that runs Odoo when this is started as root; default portail-famille).
source "$(dirname "$0")/scripts/lib.sh"
DB_NAME="${DB_NAME:-portail_famille}"
ADMIN_PASSWORD_FILE="$LOCAL_DIR/run-admin-password-$DB_NAME"

setup_all run
trap pg_stop EXIT
run_as_odoo_user

installed() {
    psql -d "$DB_NAME" -tAc "SELECT 1 FROM ir_module_module WHERE name='portail_famille' AND state='installed'" 2>/dev/null | grep -q 1
}
if ! db_exists "$DB_NAME" || ! installed; then
    say "Creating database $DB_NAME with portail_famille and its demo town (in French); takes a few minutes"
    odoo_bin -d "$DB_NAME" -i "$INSTALL_MODULES" --load-language=fr_FR --stop-after-init \
        --log-level=warn || die "installing portail_famille failed (see the log above)"
    rm -f "$ADMIN_PASSWORD_FILE"
fi
# the administrator's password is not the demo's admin/admin: generated once, kept in .local
if [ ! -s "$ADMIN_PASSWORD_FILE" ]; then
    say "Generating the administrator's password into $ADMIN_PASSWORD_FILE"
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(12))' > "$ADMIN_PASSWORD_FILE.new")
    ADMIN_PASSWORD="$(cat "$ADMIN_PASSWORD_FILE.new")" "${ODOO_AS[@]}" "$PY" "$ODOO_HOME/odoo-bin" shell \
        -c "$ODOO_CONF" -d "$DB_NAME" --no-http --log-level=warn >/dev/null <<'PYTHON' \
        || die "setting the administrator's password failed (see above)"
import os
env.ref("base.user_admin").password = os.environ["ADMIN_PASSWORD"]
env.cr.commit()
PYTHON
    mv "$ADMIN_PASSWORD_FILE.new" "$ADMIN_PASSWORD_FILE"
fi
admin_password="$(cat "$ADMIN_PASSWORD_FILE")"
interface="${HTTP_INTERFACE:-127.0.0.1}"
host="localhost"
[ "$interface" = 127.0.0.1 ] || host="$interface"

cat <<MSG

  DEMO TOWN: Portail Famille is starting on  http://$host:${HTTP_PORT:-8069}   (database $DB_NAME)
  It holds invented families and well-known passwords: never put real families in it.
  A town's server is set up with the recipe of deploy/ (README.md, section "Production").

  Demo logins (login / password):
    Parent (famille Martin, 2 children)  parent@demo.portail-famille.fr / parent
    Staff agent                           agent@demo.portail-famille.fr  / agent
    Manager                               manager@demo.portail-famille.fr / manager
    Odoo administrator                    admin / $admin_password   (generated: $ADMIN_PASSWORD_FILE)

  Listening on $interface only$([ "$interface" = 127.0.0.1 ] && echo " (this machine; HTTP_INTERFACE=0.0.0.0 to serve the network)").
  Database manager off; master password in $MASTER_PASSWORD_FILE.
  PostgreSQL: durable cluster in .local/pg-run.$([ ${#ODOO_AS[@]} -gt 0 ] && echo " Odoo runs as the user $ODOO_USER.")

MSG
odoo_bin -d "$DB_NAME" --db-filter="^${DB_NAME}\$" "$@"
