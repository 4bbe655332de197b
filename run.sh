#!/usr/bin/env bash
# Run the Portail Famille: sets up whatever is missing, then serves Odoo on http://localhost:8069
#   ./run.sh              (Ctrl-C stops Odoo and the project's PostgreSQL)
# Environment: ODOO_HOME (default /opt/odoo), DB_NAME (default portail_famille), HTTP_PORT (8069)
source "$(dirname "$0")/scripts/lib.sh"
DB_NAME="${DB_NAME:-portail_famille}"

setup_all
trap pg_stop EXIT

installed() {
    psql -d "$DB_NAME" -tAc "SELECT 1 FROM ir_module_module WHERE name='portail_famille' AND state='installed'" 2>/dev/null | grep -q 1
}
if ! db_exists "$DB_NAME" || ! installed; then
    say "Creating database $DB_NAME with portail_famille and its demo town (in French); takes a few minutes"
    odoo_bin -d "$DB_NAME" -i "$INSTALL_MODULES" --load-language=fr_FR --stop-after-init \
        --log-level=warn || die "installing portail_famille failed (see the log above)"
fi

cat <<MSG

  Portail Famille is starting on  http://localhost:${HTTP_PORT:-8069}   (database $DB_NAME)

  Demo logins (login / password):
    Parent (famille Martin, 2 children)  parent@demo.portail-famille.fr / parent
    Staff agent                           agent@demo.portail-famille.fr  / agent
    Manager                               manager@demo.portail-famille.fr / manager
    Odoo administrator                    admin / admin

MSG
odoo_bin -d "$DB_NAME" --db-filter="^${DB_NAME}\$" "$@"
