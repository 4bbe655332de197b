#!/usr/bin/env bash
# Creates a town's database, without demo data (README.md, section "Production"):
#   deploy/create-town-db.sh CONF DB_NAME "Town name" [ADMIN_LOGIN]
# Odoo's own database initialisation (as its database manager does it, which is off in
# production): base in French, company in France (EUR, French chart of accounts,
# Europe/Paris), named after the town; then portail_famille with --without-demo=all.
# The administrator's password is generated and printed once: keep it in the town's safe.
# Environment: ODOO_HOME [/opt/odoo], PY [python3: the venv's python]. Run it as the
# user that runs Odoo (e.g. sudo -u odoo), with the configuration of deploy/make-conf.sh.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
CONF="$1"
DB_NAME="$2"
TOWN="$3"
ADMIN_LOGIN="${4:-admin}"
ODOO_HOME="${ODOO_HOME:-/opt/odoo}"
PY="${PY:-python3}"
ADMIN_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(16))')"
export ADMIN_PASSWORD TOWN PYTHONPATH="$ODOO_HOME${PYTHONPATH:+:$PYTHONPATH}"

"$PY" - "$CONF" "$DB_NAME" "$ADMIN_LOGIN" <<'PY'
import os
import sys

import odoo
from odoo.service import db

conf, name, login = sys.argv[1:]
odoo.tools.config.parse_config(["-c", conf, "--without-demo=all"])
if name in db.list_dbs(force=True):
    sys.exit("database %s exists already" % name)
db._create_empty_database(name)
db._initialize_db(None, name, False, "fr_FR", os.environ["ADMIN_PASSWORD"], login, "FR")
registry = odoo.modules.registry.Registry(name)
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    company = env.ref("base.main_company")
    if (company.country_id.code, company.currency_id.name) != ("FR", "EUR"):
        sys.exit("the initialisation of %s failed (see the log above)" % name)
    company.name = os.environ["TOWN"]
    env["ir.default"].set("res.partner", "lang", "fr_FR")
PY
"$PY" "$ODOO_HOME/odoo-bin" -c "$CONF" -d "$DB_NAME" -i portail_famille --without-demo=all \
    --load-language=fr_FR --stop-after-init --workers=0 --max-cron-threads=0
cat <<MSG

  Database $DB_NAME created for "$TOWN", without demo data.
  Administrator: $ADMIN_LOGIN / $ADMIN_PASSWORD   (shown once: keep it in the town's safe)

MSG
