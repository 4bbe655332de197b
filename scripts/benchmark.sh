#!/usr/bin/env bash
# Reservation benchmark: ./scripts/benchmark.sh [--families 5000] [--keep] [--portal]
# Billing benchmark: ./scripts/benchmark.sh --billing [--households 6000] (the month's
# invoices through family.billing.run next to a plain account.move batch; see
# scripts/benchmark_billing.py).
# Race benchmark: ./scripts/benchmark.sh --races [--http] [--sizes 100,500,1000] [--workers 32]
# (N parents booking the same day at once, each in its own transaction with Odoo's
# retries; --http also serves the database and posts each parent's "Terminer"; see
# scripts/benchmark_races.py).
# Opening rush: ./scripts/benchmark.sh --rush [--parents 300] [--logins 2500] [--capacity 40]
# [--admission-rate 4] [--idle 10] (a generated town served as in production: prefork Odoo,
# nginx, the waiting room; locust plays the parents, with open sessions, booking at once;
# see scripts/benchmark_rush.py and scripts/locustfile.py).
# --portal keeps the town, gives one family a portal login and 20 pending days, serves Odoo and times
# the planning page and the recap over HTTP (p95, target under 150 ms).
# Same set-up as ./run.sh, on the database pf_bench (BENCH_DB=...), dropped and created afresh at each run
# (addon installed without demo data); the generated town is rolled back at the end unless --keep is given.
source "$(dirname "$0")/lib.sh"
DB_NAME="${BENCH_DB:-pf_bench}"
setup_all
trap pg_stop EXIT
export PYTHONPATH="$ODOO_HOME${PYTHONPATH:+:$PYTHONPATH}"
PORTAL=0
BILLING=0
RACES=0
RUSH=0
HTTP=0
ARGS=()
for arg in "$@"; do
    case "$arg" in
        --portal) PORTAL=1 ;;
        --billing) BILLING=1 ;;
        --races) RACES=1 ;;
        --rush) RUSH=1 ;;
        --http) HTTP=1 ;;
        *) ARGS+=("$arg") ;;
    esac
done
if db_exists "$DB_NAME"; then
    # a town kept by an earlier run (--keep, --portal) would double the volume measured
    say "Dropping $DB_NAME left by an earlier run"
    psql -d postgres -qc "DROP DATABASE \"$DB_NAME\" WITH (FORCE)" || die "could not drop $DB_NAME"
    rm -rf "$LOCAL_DIR/filestore/filestore/$DB_NAME"
fi
say "Creating $DB_NAME (portail_famille without demo data)"
odoo_bin -d "$DB_NAME" -i portail_famille --without-demo=all --load-language=fr_FR --stop-after-init --log-level=warn \
    || die "installing portail_famille failed"
if [ "$RACES" = 1 ]; then
    if [ "$HTTP" = 1 ]; then
        # Odoo's threaded server, as ./run.sh runs it, with connections for the racers
        SERVER_LOG="$LOCAL_DIR/benchmark-races-server.log"
        "$PY" "$ODOO_HOME/odoo-bin" -c "$ODOO_CONF" -d "$DB_NAME" --db-filter="^$DB_NAME\$" --workers=0 \
            --db_maxconn=80 --log-level=warn --logfile="$SERVER_LOG" &
        SERVER=$!
        trap 'kill $SERVER 2>/dev/null || true; sleep 2; kill -9 $SERVER 2>/dev/null || true; pg_stop' EXIT
        for _ in $(seq 60); do curl -s -o /dev/null "http://localhost:${HTTP_PORT:-8069}/web/login" && break; sleep 1; done
        ARGS+=(--url "http://localhost:${HTTP_PORT:-8069}")
    fi
    "$PY" "$PROJECT_DIR/scripts/benchmark_races.py" --config "$ODOO_CONF" --database "$DB_NAME" "${ARGS[@]}"
    exit
fi
if [ "$RUSH" = 1 ]; then
    "$PY" "$PROJECT_DIR/scripts/benchmark_rush.py" --config "$ODOO_CONF" --database "$DB_NAME" "${ARGS[@]}"
    exit
fi
if [ "$BILLING" = 1 ]; then
    "$PY" "$PROJECT_DIR/scripts/benchmark_billing.py" --config "$ODOO_CONF" --database "$DB_NAME" "${ARGS[@]}"
    exit
fi
if [ "$PORTAL" = 0 ]; then
    "$PY" "$PROJECT_DIR/scripts/benchmark_reservations.py" --config "$ODOO_CONF" --database "$DB_NAME" "${ARGS[@]}"
    exit
fi
# --portal: keep the town, give one family a portal login and a recap, then time the portal pages over HTTP
LOGIN="bench.parent.$$@example.com"
TOWN_LOG="$LOCAL_DIR/benchmark-town.log"
"$PY" "$PROJECT_DIR/scripts/benchmark_reservations.py" --config "$ODOO_CONF" --database "$DB_NAME" \
    --keep --portal-login "$LOGIN" "${ARGS[@]}" | tee "$TOWN_LOG"
OUT="$(cat "$TOWN_LOG")"
CHILD="$(sed -n 's/.*portal family: login [^ ]*, child \([0-9]*\),.*/\1/p' <<<"$OUT")"
[ -n "$CHILD" ] || die "the benchmark family was not prepared"
say "Timing the portal pages on http://localhost:${HTTP_PORT:-8069}"
SERVER_LOG="$LOCAL_DIR/benchmark-server.log"
rm -f "$SERVER_LOG"
# odoo-bin itself in the background (not the odoo_bin function's subshell), so that $! is the server
"$PY" "$ODOO_HOME/odoo-bin" -c "$ODOO_CONF" -d "$DB_NAME" --db-filter="^$DB_NAME\$" --workers=0 \
    --log-level=info --logfile="$SERVER_LOG" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; sleep 2; kill -9 $SERVER 2>/dev/null || true; pg_stop' EXIT
for _ in $(seq 60); do curl -s -o /dev/null "http://localhost:${HTTP_PORT:-8069}/web/login" && break; sleep 1; done
"$PY" "$PROJECT_DIR/scripts/benchmark_portal.py" --url "http://localhost:${HTTP_PORT:-8069}" --login "$LOGIN" \
    --child "$CHILD" --server-log "$SERVER_LOG"
