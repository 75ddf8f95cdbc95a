# shellcheck shell=bash
# Shared helpers for deploy/local/bin/* scripts. Source it; do not execute it.
# Sets REPO (absolute repo root) and the fixed local paths, and defines small helpers.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL_DIR="$REPO/deploy/local"
VAR="$REPO/var"
ENV_FILE="$VAR/local.env"
SUPERVISOR_CONF="$VAR/supervisord.conf"
SUPERVISOR_SOCK="$VAR/run/supervisor.sock"
VENV="$REPO/.venv"
PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
INFRA_PROGRAMS=(kafka mailsink gateway)

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Print "<name> <port>" for each service of deploy/local/services.txt.
service_lines() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LOCAL_DIR/services.txt"
}

# Print the service names, one a line.
service_names() {
    service_lines | awk '{print $1}'
}

# Upper-case prefix for a service's settings: contracts -> CONTRACTS.
env_prefix() {
    printf '%s' "$1" | tr '[:lower:]-' '[:upper:]_'
}

# Load var/local.env into the environment (exported).
load_env() {
    [[ -f "$ENV_FILE" ]] || die "$ENV_FILE is missing; run deploy/local/bin/secrets first"
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
}

# True when something accepts TCP connections on host:port.
port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

ensure_var_dirs() {
    mkdir -p "$VAR"/{kafka,log,run,nginx,secrets} "$VAR"/mail/{cur,new,tmp}
    chmod 700 "$VAR/secrets"
}

# supervisorctl against the stack's own supervisord.
sctl() {
    "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@"
}

# True when the stack's supervisord answers on its socket.
supervisord_running() {
    [[ -S "$SUPERVISOR_SOCK" && -x "$VENV/bin/supervisorctl" && -f "$SUPERVISOR_CONF" ]] || return 1
    # `pid` answers with supervisord's own pid when it is up.
    local out
    out="$(sctl pid 2>/dev/null)" || return 1
    [[ "$out" =~ ^[0-9]+$ ]]
}
