#!/usr/bin/env bash
# Issue 6's comparison: scenarios A–E against a private Dovecot and against pop3d (release builds), alternately
# (Dovecot, pop3d, Dovecot, pop3d, …), then a table of medians with the ratio pop3d/Dovecot.
# The system's Dovecot configuration is never read or changed: Dovecot runs from a config in a temporary
# directory with its own base_dir, on loopback, and both servers are stopped by PID at the end.
#
# F (a crowd of first logins by D's 10,000 users, 100 and 500 in flight) restarts pop3d before each run, so its auth
# cache is cold and every login costs a scrypt check (cost 10, D's hashes).
#
# Environment: SCENARIOS (default "A B C E D F"), RUNS (default 3), D_RUNS (default 2), F_RUNS (default 1),
# SCALE (full|smoke), A_SECONDS (default 5),
# KEEP=1 keeps the temporary directory, CONFIG=debug and SKIP_BUILD=1 are for trying the script itself.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh

SCENARIOS=${SCENARIOS:-A B C E D F}
RUNS=${RUNS:-3}
D_RUNS=${D_RUNS:-2}
F_RUNS=${F_RUNS:-1}
SCALE=${SCALE:-full}
A_SECONDS=${A_SECONDS:-5}
DOVECOT_PORT=${DOVECOT_PORT:-31110}
POP3_PORT=${POP3_PORT:-31100}
MONITOR_PORT=${MONITOR_PORT:-31081}
TOKEN=123456789abcdef1
PASSWORD=benchpass

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------------------
if ! command -v dovecot >/dev/null || ! dpkg -s dovecot-pop3d >/dev/null 2>&1; then
    log "installing dovecot-core and dovecot-pop3d"
    apt-get update -qq  # a fresh machine may have no package lists yet
    DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-core dovecot-pop3d >/dev/null
fi
for tool in sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "bench-vs-dovecot: $tool is needed" >&2; exit 2; }
done
CONFIG=${CONFIG:-release}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d, pop3ctl and pop3bench ($CONFIG; a first release build takes several minutes)"
    build_products "$CONFIG"
fi
BIN=$(swift build -c "$CONFIG" --show-bin-path)

# Scenario D holds 10,000 sessions: the client, pop3d and Dovecot's log process each need more than 10,000 files.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
chmod 755 "$WORK"  # Dovecot's mail processes run as user mail and must reach their maildirs
source scripts/lib/server-processes.sh
source scripts/lib/pop3d-flags.sh

# --- fixtures: one set, copied for each server -------------------------------------------------------------------
log "writing fixtures ($SCALE) into $WORK"
"$BIN/pop3bench" fixtures --dir "$WORK/fixtures" --scale "$SCALE" --password "$PASSWORD" >&2
cp -a "$WORK/fixtures/maildir" "$WORK/pop3d-mail"
cp -a "$WORK/fixtures/maildir" "$WORK/dovecot-mail"
chown -R mail:mail "$WORK/dovecot-mail"
MAIL_UID=$(id -u mail)
MAIL_GID=$(id -g mail)

# --- Dovecot: private config, plain-text passwords in a passwd-file, high-performance login mode ----------------
awk -F: -v uid="$MAIL_UID" -v gid="$MAIL_GID" -v root="$WORK/dovecot-mail" \
    '{ printf "%s:{PLAIN}%s:%s:%s::%s/%s::\n", $1, $2, uid, gid, root, $1 }' \
    "$WORK/fixtures/users.txt" >"$WORK/dovecot-users"
write_dovecot_config pop3bench-dovecot "$WORK/dovecot-users" "mail_location = maildir:~
pop3_lock_session = yes
pop3_uidl_format = %08Xu%08Xv
mail_max_userip_connections = 1000
default_process_limit = 12000
default_client_limit = 30000" "  service_count = 0
  process_min_avail = 2" "service pop3 {
  process_limit = 12000
}"
start_dovecot

# --- pop3d ---------------------------------------------------------------------------------------------------------
start_pop3d() {
    "$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$WORK/pop3d-mail" \
        --database "$WORK/pop3d.sqlite" --monitor-port "$MONITOR_PORT" --log-level warning $(pop3d_start_flags "$BIN") "$@" \
        >>"$WORK/pop3d.log" 2>&1 &
    POP3D_PID=$!
    for _ in $(seq 1 100); do
        "$BIN/pop3ctl" ping --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench-vs-dovecot: pop3d did not start" >&2
    tail "$WORK/pop3d.log" >&2
    exit 2
}
log "starting pop3d on 127.0.0.1:$POP3_PORT"
start_pop3d

# Users of A, B, C and E through the monitor, hashed by pop3d at its default scrypt cost (15).
grep -v '^d' "$WORK/fixtures/users.txt" >"$WORK/users-scrypt15.txt"
log "importing $(wc -l <"$WORK/users-scrypt15.txt") users through pop3ctl (scrypt cost 15)"
"$BIN/pop3ctl" users import "$WORK/users-scrypt15.txt" --port "$MONITOR_PORT" --token "$TOKEN" --timeout 30 >/dev/null
# Scenario D's users get a cost-10 hash written with sqlite3: 10,000 cost-15 checks would take about 7 minutes
# of both cores and D measures memory, not logins.
HASH_D=$(python3 - "$PASSWORD" <<'PY'
import base64, hashlib, os, sys
salt = os.urandom(16)
derived = hashlib.scrypt(sys.argv[1].encode(), salt=salt, n=1 << 10, r=8, p=1, dklen=32)
b64 = lambda raw: base64.b64encode(raw).decode().rstrip("=")
print(f"$scrypt$ln=10,r=8,p=1${b64(salt)}${b64(derived)}")
PY
)
{
    echo ".timeout 10000"
    echo "BEGIN;"
    grep '^d' "$WORK/fixtures/users.txt" | cut -d: -f1 | while read -r user; do
        echo "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES ('$user', '$HASH_D', unixepoch(), unixepoch());"
    done
    echo "COMMIT;"
} | sqlite3 "$WORK/pop3d.sqlite"

# From here on pop3d runs with --password-cost 10 so that it does not upgrade D's cost-10 hashes at login; the
# cost-15 hashes of the other users stay as they are and are checked at cost 15.
stop_pid "$POP3D_PID"
log "restarting pop3d with its auth cache off for the cold rows"
start_pop3d --auth-cache-ttl 0 --password-cost 10

wait_for_dovecot

# --- runs ----------------------------------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"
source scripts/lib/bench-results.sh
# bench SERVER ROW SCENARIO RUN ARGS… : one run against Dovecot or pop3d (run_bench records it).
bench() {
    local server=$1 row=$2 scenario=$3 run=$4
    shift 4
    local port=$DOVECOT_PORT
    if [[ $server == pop3d ]]; then
        port=$POP3_PORT
        if [[ $scenario == D ]]; then set -- "$@" --server-pid "$POP3D_PID"; fi
    fi
    run_bench "$row" "$server" "$port" "$scenario" "$run" "$@"
}
alternate() {
    local row=$1 scenario=$2 runs=$3
    shift 3
    for run in $(seq 0 $((runs - 1))); do
        bench dovecot "$row" "$scenario" "$run" "$@"
        bench pop3d "$row" "$scenario" "$run" "$@"
    done
}

wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }
if wants A; then
    log "A cold: pop3d without its auth cache (scrypt per login)"
    alternate A-cold A "$RUNS" --duration "$A_SECONDS"
fi
stop_pid "$POP3D_PID"
log "restarting pop3d with its default auth cache"
start_pop3d --password-cost 10
if wants A; then
    log "A warm (after one untimed pass that fills the cache)"
    "$BIN/pop3bench" run --scenario A --port "$POP3_PORT" --scale "$SCALE" --password "$PASSWORD" --runs 1 \
        --duration 30 >/dev/null || true  # 200 cost-15 checks at about 8 per second
    alternate A A "$RUNS" --duration "$A_SECONDS"
fi
if wants B; then log "B"; alternate B B "$RUNS" --passes 3; fi
if wants C; then log "C"; alternate C C "$RUNS" --passes 3; fi
if wants E; then log "E"; alternate E E "$RUNS"; fi
if wants D; then
    # D measures the machine's used memory, so each server must start from a quiet machine: pop3d is restarted
    # (its heap from the last run would hide growth) and runs first; Dovecot's 10,000 processes must have exited
    # before the next baseline.
    log "D"
    dovecot_idle=$(pgrep -c -P "$DOVECOT_PID" || true)
    for run in $(seq 0 $((D_RUNS - 1))); do
        stop_pid "$POP3D_PID"
        start_pop3d --password-cost 10
        bench pop3d D D "$run"
        bench dovecot D D "$run"
        for _ in $(seq 1 120); do
            (($(pgrep -c -P "$DOVECOT_PID" || true) <= dovecot_idle)) && break
            sleep 1
        done
    done
fi

if wants F; then
    for in_flight in 100 500; do
        log "F crowd of first logins, $in_flight in flight"
        for run in $(seq 0 $((F_RUNS - 1))); do
            bench dovecot "F$in_flight" F "$run" --concurrency "$in_flight"
            stop_pid "$POP3D_PID"
            start_pop3d --password-cost 10
            bench pop3d "F$in_flight" F "$run" --concurrency "$in_flight"
        done
    done
fi

# --- table ---------------------------------------------------------------------------------------------------------
errors() { awk -F'\t' -v s="$1" '$2 == s && $3 == "errors" { t += ($4 == "missing" ? 1 : $4) } END { print t + 0 }' "$RESULTS"; }
row() {
    local label=$1 row=$2 name=$3 better=$4
    local dovecot pop3d
    dovecot=$(figure "$row" dovecot "$name")
    pop3d=$(figure "$row" pop3d "$name")
    awk -v l="$label" -v d="$dovecot" -v p="$pop3d" -v b="$better" 'BEGIN {
        ratio = (d + 0 > 0) ? sprintf("%.2f", p / d) : "n/a"
        printf "| %s | %s | %s | %s (%s is better) |\n", l, d, p, ratio, b }'
}
echo
echo "pop3d vs Dovecot $(dovecot --version | cut -d' ' -f1), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores," \
    "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), scale $SCALE, runs $RUNS (D: $D_RUNS)"
echo
echo "| scenario | Dovecot (median) | pop3d (median) | ratio pop3d/Dovecot |"
echo "|---|---|---|---|"
row "A login storm, sessions/s (pop3d auth cache warm)" A sessions_per_s higher
row "A login storm, sessions/s (pop3d auth cache off: scrypt each login)" A-cold sessions_per_s higher
row "B small messages, msgs/s" B msgs_per_s higher
row "B small messages, MB/s" B mb_per_s higher
row "C 50 MB message, MB/s" C mb_per_s higher
row "D idle sessions held" D sessions_held higher
row "D KB per session (machine used memory, client's growth subtracted)" D kb_per_session lower
echo "| D pop3d resident-set growth per session, KB | | $(figure D pop3d server_rss_kb_per_session) | |"
row "E first session, connect→STAT ms" E first_session_ms lower
row "E second session, connect→STAT ms" E second_session_ms lower
row "E steady state (indexed, nothing changed, polled again), connect→STAT ms" E steady_session_ms lower
for in_flight in 100 500; do
    row "F crowd: logins that succeeded (of 10,000), $in_flight in flight" "F$in_flight" logins_ok higher
    row "F crowd: time to the last login, s, $in_flight in flight" "F$in_flight" last_login_s lower
    row "F crowd: p99 login latency, ms, $in_flight in flight" "F$in_flight" p99_login_ms lower
done
echo
echo "client CPU seconds per run (median): A $(figure A pop3d client_cpu_s)/$(figure A dovecot client_cpu_s)" \
    "B $(figure B pop3d client_cpu_s)/$(figure B dovecot client_cpu_s)" \
    "C $(figure C pop3d client_cpu_s)/$(figure C dovecot client_cpu_s) (pop3d/Dovecot runs); wall s:" \
    "A $(figure A pop3d wall_s) B $(figure B pop3d wall_s)/$(figure B dovecot wall_s) C $(figure C pop3d wall_s)/$(figure C dovecot wall_s)"
echo "correctness errors: Dovecot $(errors dovecot), pop3d $(errors pop3d)"
cp "$RESULTS" "${RESULTS_COPY:-/dev/null}" 2>/dev/null || true
