#!/usr/bin/env bash
# A crowd of first logins against pop3d (release build): USERS users who are not in the auth cache (pop3d is
# restarted before each run) log in once each, IN_FLIGHT at a time, at each scrypt COST; every login must succeed.
# Prints time to the last login and the login latency (median, 99th percentile), pop3d's CPU seconds for the run,
# and the load average next to it (the machine may be shared). Fixtures are fast: one hash per cost, reused for every
# user, written in one sqlite3 transaction; empty maildrops made in one pass.
#
# Environment: CASES (default "10:100 10:500 15:100", each COST:IN_FLIGHT), USERS (default 10000), USERS_15 (users
# for cost 15 and above, default USERS), RUNS (default 1), POP3D_FLAGS (more pop3d options, e.g.
# "--hashing-max-wait 120"), KEEP=1, CONFIG, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh

CASES=${CASES:-10:100 10:500 15:100}
USERS=${USERS:-10000}
USERS_15=${USERS_15:-$USERS}
RUNS=${RUNS:-1}
POP3_PORT=${POP3_PORT:-31200}
MONITOR_PORT=${MONITOR_PORT:-31281}
TOKEN=123456789abcdef1
PASSWORD=benchpass
SCALE=full

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for tool in sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "bench-crowd: $tool is needed" >&2; exit 2; }
done
CONFIG=${CONFIG:-release}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d, pop3ctl and pop3bench ($CONFIG)"
    build_products "$CONFIG"
fi
BIN=$(swift build -c "$CONFIG" --show-bin-path)
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
source scripts/lib/server-processes.sh
source scripts/lib/pop3d-flags.sh

start_pop3d() {
    "$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$WORK/mail" --database "$WORK/pop3d.sqlite" \
        --monitor-port "$MONITOR_PORT" --log-level warning $(pop3d_start_flags "$BIN") "$@" >>"$WORK/pop3d.log" 2>&1 &
    POP3D_PID=$!
    for _ in $(seq 1 200); do
        "$BIN/pop3ctl" ping --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench-crowd: pop3d did not start" >&2
    tail "$WORK/pop3d.log" >&2
    exit 2
}
# cpu_seconds PID: user + system CPU of a process so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# The largest crowd, empty maildrops for it, and the schema (one start of pop3d).
max_users=$((USERS > USERS_15 ? USERS : USERS_15))
log "fixtures: $max_users users"
python3 - "$WORK/mail" "$max_users" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for index in range(count):
    for folder in ("cur", "new", "tmp"):
        os.makedirs(f"{root}/crowd{index}/{folder}")
PY
start_pop3d
stop_pid "$POP3D_PID"

# set_hashes COST USERS: every crowd user gets one cost-COST hash of the password (the same salt: a fixture).
set_hashes() {
    local hash
    hash=$(python3 - "$PASSWORD" "$1" <<'PY'
import base64, hashlib, os, sys
salt = os.urandom(16)
cost = int(sys.argv[2])
derived = hashlib.scrypt(sys.argv[1].encode(), salt=salt, n=1 << cost, r=8, p=1, dklen=32, maxmem=1 << 30)
b64 = lambda raw: base64.b64encode(raw).decode().rstrip("=")
print(f"$scrypt$ln={cost},r=8,p=1${b64(salt)}${b64(derived)}")
PY
    )
    sqlite3 "$WORK/pop3d.sqlite" <<SQL
.timeout 10000
DELETE FROM users WHERE name LIKE 'crowd%';
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
INSERT INTO users (name, password_hash, created_at, updated_at) SELECT 'crowd' || i, '$hash', unixepoch(), unixepoch() FROM n;
SQL
}

RESULTS="$WORK/results.tsv"
source scripts/lib/bench-results.sh
echo "| scrypt cost | users | logins in flight | run | logins ok | errors | time to last login, s | p50 login, ms | p99 login, ms | max login, ms | pop3d CPU s | load (1 min) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for case in $CASES; do
    cost=${case%%:*}
    in_flight=${case##*:}
    users=$USERS
    ((cost >= 15)) && users=$USERS_15
    log "cost $cost: hashing the fixture and writing $users rows"
    set_hashes "$cost" "$users"
    for run in $(seq 1 "$RUNS"); do
        # shellcheck disable=SC2086 # POP3D_FLAGS is a list of options
        start_pop3d --password-cost "$cost" ${POP3D_FLAGS:-}
        before=$(cpu_seconds "$POP3D_PID")
        load=$(cut -d' ' -f1 /proc/loadavg)
        log "cost $cost, $in_flight in flight, run $run (load $load)"
        output=$("$BIN/pop3bench" run --scenario F --port "$POP3_PORT" --password "$PASSWORD" --runs 1 \
            --user-pattern 'crowd%d' --users "$users" --concurrency "$in_flight" 2>&1) || true
        echo "$output" | sed 's/^/  /' >&2
        cpu=$(awk -v a="$(cpu_seconds "$POP3D_PID")" -v b="$before" 'BEGIN { printf "%.1f", a - b }')
        stop_pid "$POP3D_PID"
        result=$(echo "$output" | grep '^RESULT' || echo "RESULT errors=missing")
        value() { echo "$result" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
        echo "| $cost | $users | $in_flight | $run | $(value logins_ok) | $(value errors) | $(value last_login_s) |" \
            "$(value p50_login_ms) | $(value p99_login_ms) | $(value max_login_ms) | $cpu | $load |"
    done
done
