#!/usr/bin/env bash
# Reservation benchmark: ./scripts/benchmark.sh [--families 5000] [--keep]
# Same set-up as ./run.sh, on the database pf_bench (addon installed without demo data);
# the generated town is rolled back at the end unless --keep is given.
source "$(dirname "$0")/lib.sh"
DB_NAME="${BENCH_DB:-pf_bench}"
setup_all
trap pg_stop EXIT
export PYTHONPATH="$ODOO_HOME${PYTHONPATH:+:$PYTHONPATH}"
if ! db_exists "$DB_NAME"; then
    say "Creating $DB_NAME (portail_famille without demo data)"
    odoo_bin -d "$DB_NAME" -i portail_famille --without-demo=all --stop-after-init --log-level=warn \
        || die "installing portail_famille failed"
else
    odoo_bin -d "$DB_NAME" -u portail_famille --stop-after-init --log-level=warn || die "update failed"
fi
"$PY" "$PROJECT_DIR/scripts/benchmark_reservations.py" --config "$ODOO_CONF" --database "$DB_NAME" "$@"
