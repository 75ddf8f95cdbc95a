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
# Started first by `up`, before migrations and services (used by the scripts sourcing this).
# shellcheck disable=SC2034
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

# Names of the processes in deploy/local/Procfile, one a line, in file order.
procfile_names() {
    sed -n -E 's/^([A-Za-z0-9_-]+):.*/\1/p' "$LOCAL_DIR/Procfile"
}

# State of a supervisord program (RUNNING, STOPPED, EXITED, FATAL, BACKOFF, STARTING...).
program_state() {
    sctl status "$1" 2>/dev/null | awk 'NR==1 {print $2}'
}

# Print the last N (default 30) lines of a program's log, framed.
show_log_tail() {
    local name="$1" n="${2:-30}" file="$VAR/log/$1.log"
    if [[ -f "$file" ]]; then
        printf -- '----- last %s lines of var/log/%s.log -----\n' "$n" "$name" >&2
        tail -n "$n" "$file" >&2
        printf -- '----- end of var/log/%s.log -----\n' "$name" >&2
    else
        printf 'no log file var/log/%s.log\n' "$name" >&2
    fi
}

# Wait until Kafka accepts connections on 127.0.0.1:9092 and, when a log offset is given,
# until var/log/kafka.log says "Kafka Server started" after that byte offset.
# Whether var/log/kafka.log says "Kafka Server started" after byte <offset>. supervisord may
# rotate the log while the broker starts (kafka.log -> kafka.log.1): then the line is in the
# rest of the previous file or in the new one.
kafka_started_since() {
    local offset="$1" log="$VAR/log/kafka.log"
    # grep reads to the end (no -q): an early exit would SIGPIPE tail and, under pipefail,
    # fail even when the line is there.
    if (("$(stat -c %s "$log" 2>/dev/null || echo 0)" < offset)); then
        { tail -c +"$((offset + 1))" "$log.1" 2>/dev/null; cat "$log" 2>/dev/null; } | grep 'Kafka Server started' >/dev/null
    else
        tail -c +"$((offset + 1))" "$log" 2>/dev/null | grep 'Kafka Server started' >/dev/null
    fi
}

# Usage: wait_kafka <timeout seconds> [log offset]
wait_kafka() {
    local timeout="$1" offset="${2:-}" deadline=$((SECONDS + $1)) state
    while ((SECONDS < deadline)); do
        if port_open 127.0.0.1 9092; then
            if [[ -z "$offset" ]] || kafka_started_since "$offset"; then
                return 0
            fi
        fi
        state="$(program_state kafka)"
        case "$state" in
            EXITED|FATAL|STOPPED) warn "kafka is $state"; show_log_tail kafka 30; return 1 ;;
        esac
        sleep 1
    done
    warn "Kafka not ready on 127.0.0.1:9092 after ${timeout}s"
    show_log_tail kafka 30
    return 1
}

# Start a supervisord program unless it is already running; fail when it does not stay up.
start_program() {
    local name="$1" state
    state="$(program_state "$name")"
    if [[ "$state" == RUNNING ]]; then
        return 0
    fi
    log "starting $name"
    if ! sctl start "$name" >/dev/null; then
        warn "$name did not start"
        show_log_tail "$name" 30
        return 1
    fi
}

# HTTP status code of a GET (000 when nothing answers).
http_status() {
    "$VENV/bin/python" - "$1" <<'PY' 2>/dev/null || echo 000
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
}
