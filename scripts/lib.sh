# shellcheck shell=bash
# Shared set-up for ./run.sh and ./test.sh: everything a fresh Debian machine is missing.
# Sourced, not executed. Every step is idempotent and fast when already done.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_HOME="${ODOO_HOME:-/opt/odoo}"
ODOO_BRANCH="18.0"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
LOCAL_DIR="$PROJECT_DIR/.local"
VENV="$PROJECT_DIR/.venv"
PY="$VENV/bin/python"
PG_PORT="${PG_PORT:-5432}"
PG_USER_OS="postgres"          # PostgreSQL refuses to run as root
DB_ROLE="odoo"                 # Odoo refuses to connect as the 'postgres' superuser
# Two ways to run, each with its own PostgreSQL cluster and Odoo configuration (setup_all MODE):
#   test (./test.sh, benchmarks): cluster .local/pg, started with fsync, synchronous_commit and
#        full_page_writes off (fast; a crash may corrupt it, which costs nothing for throw-away
#        databases); configuration .local/odoo-<port>.conf
#   run  (./run.sh): cluster .local/pg-run with PostgreSQL's durable defaults, Odoo run as the
#        unprivileged user $ODOO_USER when started as root; configuration .local/odoo-run-<port>.conf
# Both: Odoo on 127.0.0.1 only (run: unless HTTP_INTERFACE says otherwise), database manager off
# (list_db = False), master password generated at the first run into .local/odoo-master-password
# (mode 600, never in git) and only its pbkdf2 hash in the configuration.
ODOO_USER="${ODOO_USER:-portail-famille}"
ODOO_AS=()                     # prefix of odoo_bin: (runuser -u $ODOO_USER --) in run mode as root
# set_mode test|run: RUN_MODE and the paths that follow from it (and from LOCAL_DIR)
set_mode() {
    RUN_MODE="$1"
    MASTER_PASSWORD_FILE="$LOCAL_DIR/odoo-master-password"
    if [ "$RUN_MODE" = run ]; then
        ODOO_CONF="$LOCAL_DIR/odoo-run-${HTTP_PORT:-8069}.conf"
    else
        ODOO_CONF="$LOCAL_DIR/odoo-${HTTP_PORT:-8069}.conf"
    fi
}
set_mode test
# installed in the demo and test databases: the addon, and Odoo's demo payment provider
# (not a dependency of the addon: a town enables its own provider)
INSTALL_MODULES="portail_famille,payment_demo"
DEBIAN_PACKAGES=(postgresql libpq-dev libldap2-dev libsasl2-dev wkhtmltopdf chromium
                 fonts-dejavu-core git python3-venv nginx-light openssl)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_debian_packages() {
    local missing=()
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "Installing Debian packages: ${missing[*]}"
    command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} with your package manager."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get could not install ${missing[*]}: install them by hand, then run this again."
}

ensure_odoo() {
    if [ -f "$ODOO_HOME/odoo-bin" ] && [ -d "$ODOO_HOME/odoo/addons/base" ]; then
        return 0
    fi
    if [ -e "$ODOO_HOME" ] && [ -n "$(ls -A "$ODOO_HOME" 2>/dev/null)" ]; then
        die "ODOO_HOME=$ODOO_HOME exists but holds no Odoo source (no odoo-bin).
       Point ODOO_HOME at an Odoo $ODOO_BRANCH Community tree, e.g.
         export ODOO_HOME=/path/to/odoo"
    fi
    say "No Odoo at $ODOO_HOME: cloning Odoo's official $ODOO_BRANCH branch there (shallow, ~1 GB)"
    if ! as_root git clone --depth 1 --branch "$ODOO_BRANCH" "$ODOO_GIT_URL" "$ODOO_HOME"; then
        die "could not clone Odoo into $ODOO_HOME. Do it by hand, then run this again:
         git clone --depth 1 --branch $ODOO_BRANCH $ODOO_GIT_URL $ODOO_HOME
       (or set ODOO_HOME to an existing Odoo $ODOO_BRANCH Community tree)."
    fi
}

ensure_venv() {
    local stamp="$VENV/.requirements.sha1"
    local want
    want="$(cat "$PROJECT_DIR/requirements-odoo.txt" "$PROJECT_DIR/requirements.txt" \
        "$PROJECT_DIR/requirements-dev.txt" "$PROJECT_DIR/requirements-oca.txt" | sha1sum | cut -d' ' -f1)"
    if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "Preparing the Python virtualenv in .venv"
    # Debian's own python3 by default: ./run.sh runs Odoo as an unprivileged user, who must be
    # able to run the venv's interpreter (one under /root, e.g. pyenv's, is out of its reach)
    local python="${PYTHON:-python3}"
    [ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ] && python=/usr/bin/python3
    [ -x "$PY" ] || "$python" -m venv "$VENV" || die "$python -m venv failed: install python3-venv."
    # Old sdists among Odoo's pins need setuptools<70 and no build isolation.
    # requirements-dev.txt includes requirements-odoo.txt (Odoo's own dependencies) and
    # requirements.txt (the addons' libraries), then the test, lint and packaging tools.
    "$PY" -m pip install -q --upgrade 'pip<25' 'setuptools<70' wheel
    "$PY" -m pip install -q --no-build-isolation -r "$PROJECT_DIR/requirements-dev.txt" \
        || die "pip install failed (see above)."
    # OCA's addons (requirements-oca.txt): their wheels require an `odoo` distribution
    # that PyPI does not have, hence --no-deps (their own dependencies are pinned there).
    "$PY" -m pip install -q --no-deps -r "$PROJECT_DIR/requirements-oca.txt" \
        || die "pip install of OCA's addons failed (see above)."
    echo "$want" > "$stamp"
}

# Node tools pinned in package.json / package-lock.json, installed with `npm ci` into
# node_modules (git-ignored), again only when package-lock.json changes: the lint's formatters
# (prettier and its XML plugin, scripts/lint.sh) and axe-core, which the accessibility tests
# (tests/test_accessibility_axe.py) inject into the portal's pages.
ensure_node_tools() {
    local stamp="$PROJECT_DIR/node_modules/.package-lock.sha1"
    local want
    want="$(sha1sum "$PROJECT_DIR/package-lock.json" | cut -d' ' -f1)"
    if [ -x "$PROJECT_DIR/node_modules/.bin/prettier" ] && [ -f "$PROJECT_DIR/node_modules/axe-core/axe.min.js" ] \
        && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null; then
        say "Installing Node.js and npm (for the lint's formatters and the accessibility tests' axe-core)"
        command -v apt-get >/dev/null || die "npm not found: install Node.js and npm, then run this again."
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
            || die "apt-get could not install nodejs and npm: install them by hand, then run this again."
    fi
    say "Installing the Node tools of package-lock.json (prettier, axe-core) into node_modules"
    (cd "$PROJECT_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
        || die "npm ci failed (see above): is the npm registry reachable?"
    echo "$want" > "$stamp"
}

# --- project-local PostgreSQL cluster -------------------------------------------------
pg_bin() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    [ -n "$d" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)."
    echo "$d"
}

# The cluster lives in .local/pg (test) or .local/pg-run (run). The server runs as the
# 'postgres' OS user, which must be able to reach that folder; when a parent folder is private
# (e.g. a mktemp -d checkout), the cluster goes to /var/tmp/portail_famille-pg/<hash of the
# project path>[-run] instead, with .local/pg[-run] as a symlink to it.
pg_data_dir() {
    local name="pg" suffix=""
    [ "$RUN_MODE" = run ] && name="pg-run" && suffix="-run"
    local d="$LOCAL_DIR/$name"
    if [ -L "$d" ]; then readlink -f "$d"; return; fi
    if [ -d "$d" ]; then echo "$d"; return; fi
    mkdir -p "$LOCAL_DIR"
    if [ "$(id -u)" -ne 0 ] || su "$PG_USER_OS" -s /bin/sh -c "test -x '$LOCAL_DIR' -a -r '$LOCAL_DIR'" 2>/dev/null; then
        echo "$d"
    else
        local alt
        alt="/var/tmp/portail_famille-pg/$(echo "$PROJECT_DIR" | sha1sum | cut -c1-12)$suffix"
        mkdir -p "$alt" && ln -sfn "$alt" "$d"
        echo "$alt"
    fi
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        su "$PG_USER_OS" -s /bin/sh -c "cd / && $*"
    else
        sh -c "$*"
    fi
}

# Run mode: who may connect (pg_hba.conf, pg_ident.conf; the test cluster trusts its socket).
# Peer authentication on the socket only: the OS user running these scripts may connect as
# postgres and as Odoo's role, the user running Odoo ($ODOO_USER when started as root) as Odoo's
# role only, any other local user not at all. Returns 0 when a file changed.
pg_run_auth() {
    local data="$PGDATA_DIR/data" me hba ident changed=1
    me="$(id -un)"
    hba="# scripts/lib.sh (run mode): Unix socket only, peer authentication, users of pg_ident.conf
local all postgres peer map=portail_famille
local all $DB_ROLE peer map=portail_famille"
    ident="# scripts/lib.sh (run mode): OS user -> PostgreSQL role
portail_famille $me postgres
portail_famille $me $DB_ROLE"
    if [ "$(id -u)" -eq 0 ]; then
        ident+="
portail_famille $PG_USER_OS postgres
portail_famille $ODOO_USER $DB_ROLE"
    fi
    if [ "$(cat "$data/pg_hba.conf")" != "$hba" ] || [ "$(cat "$data/pg_ident.conf")" != "$ident" ]; then
        printf '%s\n' "$hba" > "$data/pg_hba.conf"
        printf '%s\n' "$ident" > "$data/pg_ident.conf"
        chmod 600 "$data/pg_hba.conf" "$data/pg_ident.conf"
        [ "$(id -u)" -eq 0 ] && chown "$PG_USER_OS:" "$data/pg_hba.conf" "$data/pg_ident.conf"
        changed=0
    fi
    return "$changed"
}

PGDATA_DIR=""
PGSOCK_DIR=""
pg_start() {
    local bin; bin="$(pg_bin)"
    PGDATA_DIR="$(pg_data_dir)"
    PGSOCK_DIR="$PGDATA_DIR/run"
    if [ ! -f "$PGDATA_DIR/data/PG_VERSION" ]; then
        say "Creating the project-local PostgreSQL cluster ($RUN_MODE) in $PGDATA_DIR"
        mkdir -p "$PGDATA_DIR/data" "$PGSOCK_DIR"
        [ "$(id -u)" -eq 0 ] && chown -R "$PG_USER_OS:" "$PGDATA_DIR"
        as_pg "'$bin/initdb' -D '$PGDATA_DIR/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null" \
            || die "initdb failed"
        cat >> "$PGDATA_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PGSOCK_DIR'
port = $PG_PORT
max_connections = 200
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
CONF
        # only the test cluster trades durability for speed: its databases are thrown away
        if [ "$RUN_MODE" = test ]; then
            cat >> "$PGDATA_DIR/data/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
        fi
    fi
    local auth_changed=0
    [ "$RUN_MODE" = run ] && pg_run_auth && auth_changed=1
    if as_pg "'$bin/pg_ctl' -D '$PGDATA_DIR/data' status" >/dev/null 2>&1; then
        PG_STARTED_HERE=0
        if [ "$auth_changed" = 1 ]; then
            as_pg "'$bin/pg_ctl' -D '$PGDATA_DIR/data' reload >/dev/null" || die "PostgreSQL did not reload"
        fi
    else
        as_pg "'$bin/pg_ctl' -D '$PGDATA_DIR/data' -l '$PGDATA_DIR/server.log' -w -t 60 start >/dev/null" \
            || die "PostgreSQL did not start: see $PGDATA_DIR/server.log"
        PG_STARTED_HERE=1
    fi
    export PGHOST="$PGSOCK_DIR" PGPORT="$PG_PORT"
    if [ "$RUN_MODE" = run ]; then
        local unsafe
        unsafe="$(psql -U postgres -d postgres -tAc "SELECT string_agg(name, ', ') FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') AND setting = 'off'")"
        [ -z "$unsafe" ] || die "the cluster in $PGDATA_DIR runs with $unsafe off: a power cut could
       corrupt the town's data. Remove those lines from $PGDATA_DIR/data/postgresql.conf, then
       restart it (pg_ctl -D $PGDATA_DIR/data restart, as the postgres user)."
    fi
    # Odoo's role: in run mode what Odoo needs and no more (it creates its databases and, in
    # them, the trusted extension pg_trgm; an older ./run.sh made it a superuser); the test
    # cluster keeps a superuser for its throw-away databases
    local attributes="SUPERUSER"
    [ "$RUN_MODE" = run ] && attributes="NOSUPERUSER CREATEDB"
    if ! psql -U postgres -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_ROLE'" | grep -q 1; then
        psql -q -U postgres -d postgres -c "CREATE ROLE $DB_ROLE LOGIN $attributes" >/dev/null
    elif [ "$RUN_MODE" = run ]; then
        psql -q -U postgres -d postgres -c "ALTER ROLE $DB_ROLE $attributes" >/dev/null
    fi
    export PGUSER="$DB_ROLE"
}

pg_stop() {
    [ "${PG_STARTED_HERE:-0}" = 1 ] || return 0
    local bin; bin="$(pg_bin)"
    as_pg "'$bin/pg_ctl' -D '$PGDATA_DIR/data' -m fast stop >/dev/null" || true
}

# The OCA wheels (requirements-oca.txt) install their modules into the venv's
# site-packages/odoo/addons: that folder goes on the addons path after Odoo's own.
oca_addons_dir() {
    "$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"] + "/odoo/addons")'
}

# The master password (database manager, odoo-bin db commands): generated once, kept in
# .local/odoo-master-password (mode 600, git-ignored); the configuration holds its pbkdf2-sha512
# hash (Odoo's own scheme and rounds), computed again only when the password file changes.
master_password_hash() {
    local hash_file="$MASTER_PASSWORD_FILE.hash"
    if [ ! -s "$MASTER_PASSWORD_FILE" ]; then
        mkdir -p "$LOCAL_DIR"
        (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$MASTER_PASSWORD_FILE")
    fi
    chmod 600 "$MASTER_PASSWORD_FILE"
    if [ ! -s "$hash_file" ] || [ "$MASTER_PASSWORD_FILE" -nt "$hash_file" ]; then
        (umask 077 && "$PY" -c 'import sys; from passlib.context import CryptContext
print(CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=600_000).hash(sys.stdin.readline().strip()))' \
            < "$MASTER_PASSWORD_FILE" > "$hash_file")
    fi
    cat "$hash_file"
}

# write_odoo_conf: the configuration of the current mode (see RUN_MODE at the top). The
# interface is 127.0.0.1 unless HTTP_INTERFACE is set (./run.sh only), e.g. HTTP_INTERFACE=0.0.0.0.
write_odoo_conf() {
    local data_dir="$LOCAL_DIR/filestore" interface="127.0.0.1"
    if [ "$RUN_MODE" = run ]; then
        data_dir="$LOCAL_DIR/run-data"
        interface="${HTTP_INTERFACE:-127.0.0.1}"
    fi
    mkdir -p "$data_dir"
    local oca hash
    oca="$(oca_addons_dir)"
    [ -d "$oca" ] || die "OCA's addons are missing from $oca: remove $VENV/.requirements.sha1 and run this again."
    hash="$(master_password_hash)"
    (umask 077 && cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_HOME/odoo/addons,$ODOO_HOME/addons,$oca,$PROJECT_DIR
data_dir = $data_dir
db_host = $PGSOCK_DIR
db_port = $PG_PORT
db_user = $DB_ROLE
db_password = False
admin_passwd = $hash
list_db = False
http_interface = $interface
http_port = ${HTTP_PORT:-8069}
; OCA's queue_job (the monthly billing's jobs): its runner starts with the server
; (not with --stop-after-init; test.sh turns it off) and hands the jobs to the
; server's own HTTP port, at most 2 at once (one per core); ./run.sh --workers=2
; runs them in two processes
server_wide_modules = base,web,queue_job

[queue_job]
channels = root:2,root.portail_famille_billing:2
CONF
    )
}

# ./run.sh started as root: Odoo runs as the unprivileged system user $ODOO_USER (created here),
# owner of the run data folder and of the configuration; it only reads the checkout, Odoo and
# the venv, which it must be able to reach.
run_as_odoo_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    if ! id -u "$ODOO_USER" >/dev/null 2>&1; then
        say "Creating the system user $ODOO_USER that runs Odoo (Odoo does not run as root)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$ODOO_USER" || die "useradd $ODOO_USER failed"
    fi
    chown -R "$ODOO_USER:" "$LOCAL_DIR/run-data"
    chown "$ODOO_USER:" "$ODOO_CONF"
    local interpreter
    interpreter="$(readlink -f "$PY")"
    runuser -u "$ODOO_USER" -- "$PY" -c 'import sys' 2>/dev/null || die "the user $ODOO_USER cannot run
       $PY (its interpreter $interpreter is in a folder out of its reach, e.g. /root).
       Odoo does not run as root: recreate the venv from Debian's python3, then run this again:
         rm -rf $VENV && ./run.sh"
    runuser -u "$ODOO_USER" -- test -r "$PROJECT_DIR/portail_famille/__manifest__.py" -a -r "$ODOO_HOME/odoo-bin" \
        || die "the user $ODOO_USER cannot read $PROJECT_DIR or $ODOO_HOME: put the checkout where every
       user can read it (not under a private folder such as /root)."
    ODOO_AS=(runuser -u "$ODOO_USER" --)
}

# setup_all [test|run]: everything the command needs (test by default)
setup_all() {
    set_mode "${1:-test}"
    ensure_debian_packages
    ensure_odoo
    ensure_venv
    pg_start
    write_odoo_conf
}

odoo_bin() { "${ODOO_AS[@]}" "$PY" "$ODOO_HOME/odoo-bin" -c "$ODOO_CONF" "$@"; }

db_exists() { psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }
