#!/usr/bin/env bash
# Scaling curves (documentation/performance.md, "Scaling"): how pop3d's cost grows with the size of what it serves,
# against a release build, one dimension at a time, each on its own pop3d and database:
#   maildrop  messages in one maildrop (MAILDROP_SIZES): first STAT (fresh maildrop, new mail moved and measured),
#             steady STAT (polled again, nothing changed; median of 3), UIDL time, pop3d's resident-set growth per
#             message during the first and the steady session;
#   users     rows in the users table (USER_COUNTS): warm-cache login latency (200 users spread over the table,
#             each logged in once untimed, then timed), database size;
#   history   a year of metric samples at the default 10 s interval as the roll-up leaves them (the last 7 days raw,
#             the rest hourly, for every metric pop3d records): database size, `pop3ctl history --since 365d` and
#             `--since 24h` (median of 3);
#   sessions  a year of 10,000 logins a day (2,000 users, 5 sessions each a day; a session and a login attempt
#             row each), folded by pop3d's own history retention (90 days) at start: database size, and the time
#             of the sqlite3 views over them (median of 3).
# Prints one table row per tier; the growth exponent between the two largest tiers is log(t2/t1)/log(n2/n1).
# Fixtures are fast: one password hash (cost 10) reused for every user, rows written by one SQL statement, message
# files by one Python loop. The load average is printed with each dimension (the machine may be shared).
#
# Environment: DIMENSIONS (default "maildrop users history sessions"), MAILDROP_SIZES (default
# "1000 10000 100000 1000000"), USER_COUNTS (default "1000 100000 1000000"), LOGINS_PER_DAY (default 10000),
# SCALING_DIR (where the work folder goes, default /var/tmp), KEEP=1, CONFIG, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh

DIMENSIONS=${DIMENSIONS:-maildrop users history sessions}
MAILDROP_SIZES=${MAILDROP_SIZES:-1000 10000 100000 1000000}
USER_COUNTS=${USER_COUNTS:-1000 100000 1000000}
LOGINS_PER_DAY=${LOGINS_PER_DAY:-10000}
POP3_PORT=${POP3_PORT:-31300}
MONITOR_PORT=${MONITOR_PORT:-31381}
TOKEN=123456789abcdef1
PASSWORD=benchpass

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for tool in sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "bench-scaling: $tool is needed" >&2; exit 2; }
done
CONFIG=${CONFIG:-release}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d, pop3ctl and pop3bench ($CONFIG)"
    build_products "$CONFIG"
fi
BIN=$(swift build -c "$CONFIG" --show-bin-path)
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d -p "${SCALING_DIR:-/var/tmp}")
source scripts/lib/server-processes.sh
source scripts/lib/pop3d-flags.sh

# start_pop3d DIR ARGS…: a pop3d on DIR/mail and DIR/pop3d.sqlite.
start_pop3d() {
    local dir=$1
    shift
    "$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$dir/mail" --database "$dir/pop3d.sqlite" \
        --monitor-port "$MONITOR_PORT" --password-cost 10 --log-level warning $(pop3d_start_flags "$BIN") "$@" \
        >>"$dir/pop3d.log" 2>&1 &
    POP3D_PID=$!
    for _ in $(seq 1 600); do
        "$BIN/pop3ctl" ping --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null 2>&1 && return 0
        kill -0 "$POP3D_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench-scaling: pop3d did not start" >&2
    tail "$dir/pop3d.log" >&2
    exit 2
}
stop_pop3d() { stop_pid "$POP3D_PID"; POP3D_PID=""; }
# new_database DIR: the schema, from one start of pop3d.
new_database() {
    mkdir -p "$1/mail"
    start_pop3d "$1"
    stop_pop3d
}
HASH=$(python3 - "$PASSWORD" <<'PY'
import base64, hashlib, os, sys
salt = os.urandom(16)
derived = hashlib.scrypt(sys.argv[1].encode(), salt=salt, n=1 << 10, r=8, p=1, dklen=32)
b64 = lambda raw: base64.b64encode(raw).decode().rstrip("=")
print(f"$scrypt$ln=10,r=8,p=1${b64(salt)}${b64(derived)}")
PY
)
# add_users DB PREFIX COUNT: users PREFIX0 … PREFIX<COUNT-1>, all with HASH, in one statement.
add_users() {
    sqlite3 "$1" ".timeout 10000" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $3)
        INSERT INTO users (name, password_hash, created_at, updated_at)
        SELECT '$2' || i, '$HASH', unixepoch(), unixepoch() FROM n;"
}
database_bytes() {
    sqlite3 "$1" ".timeout 10000" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    local total=0 file
    for file in "$1" "$1-wal"; do [[ -f $file ]] && total=$((total + $(stat -c %s "$file"))); done
    echo "$total"
}
# probe ARGS…: one pop3bench run; prints its RESULT line (errors make the script say so).
probe() {
    local output
    output=$("$BIN/pop3bench" run --port "$POP3_PORT" --password "$PASSWORD" --runs 1 "$@" 2>&1) || true
    echo "$output" | sed 's/^/    /' >&2
    echo "$output" | grep '^RESULT' || echo "RESULT errors=missing"
}
value() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
median3() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# seconds COMMAND…: wall seconds of one run (output discarded).
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
wants() { [[ " $DIMENSIONS " == *" $1 "* ]]; }

if wants maildrop; then
    echo
    echo "maildrop size (load $(load))"
    echo
    echo "| messages | first STAT, ms | steady STAT, ms | UIDL, ms | RSS growth per message, first / steady session, bytes | listing file, bytes |"
    echo "|---|---|---|---|---|---|"
    for size in $MAILDROP_SIZES; do
        dir="$WORK/maildrop-$size"
        new_database "$dir"
        user="s${size}x0"
        add_users "$dir/pop3d.sqlite" "s${size}x" 1
        log "maildrop: writing $size messages"
        if ! python3 - "$dir/mail/$user" "$size" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for folder in ("cur", "new", "tmp"):
    os.makedirs(f"{root}/{folder}", exist_ok=True)
body = "".join(f"line {n} of a message body, about seventy octets long, for the scaling runs\n" for n in range(12))
for index in range(count):
    with open(f"{root}/new/{1700000000 + index // 100}.M{index}P1.bench", "w") as f:
        f.write(f"From: a@example.org\nTo: b@example.org\nSubject: message {index}\n\n{body}")
PY
        then
            echo "| $size | could not write the fixture (see the log) | | | | |"
            continue
        fi
        start_pop3d "$dir"
        first=$(probe --scenario G --user-pattern "s${size}x%d" --users 1 --server-pid "$POP3D_PID")
        sleep 2.5  # past the 2 s change-detection granularity: the next scan writes a listing the next login trusts
        probe --scenario G --user-pattern "s${size}x%d" --users 1 >/dev/null
        steady=() uidl=() rss=()
        for _ in 1 2 3; do
            result=$(probe --scenario G --user-pattern "s${size}x%d" --users 1 --server-pid "$POP3D_PID")
            steady+=("$(value "$result" stat_ms)")
            uidl+=("$(value "$result" uidl_ms)")
            rss+=("$(value "$result" server_rss_bytes_per_message)")
        done
        stop_pop3d
        listing=$(stat -c %s "$dir/mail/$user/.pop3d-listing" 2>/dev/null || echo none)
        echo "| $size | $(value "$first" stat_ms) | $(median3 "${steady[@]}") | $(median3 "${uidl[@]}") |" \
            "$(value "$first" server_rss_bytes_per_message) / $(median3 "${rss[@]}") | $listing |"
        [[ $(value "$first" errors) == 0 ]] || echo "(errors in the first session: $first)"
        rm -rf "$dir"
    done
fi

if wants users; then
    echo
    echo "users (load $(load))"
    echo
    echo "| users | warm login p50, ms | warm login p99, ms | database, bytes |"
    echo "|---|---|---|---|"
    for count in $USER_COUNTS; do
        dir="$WORK/users-$count"
        new_database "$dir"
        log "users: writing $count rows"
        add_users "$dir/pop3d.sqlite" u "$count"
        bytes=$(database_bytes "$dir/pop3d.sqlite")
        start_pop3d "$dir"
        result=$(probe --scenario H --user-pattern "u%d" --users "$count")
        stop_pop3d
        echo "| $count | $(value "$result" warm_login_p50_ms) | $(value "$result" warm_login_p99_ms) | $bytes |"
        rm -rf "$dir"
    done
fi

if wants history; then
    dir="$WORK/history"
    new_database "$dir"
    # The metrics pop3d records: run it until it has written its first samples.
    start_pop3d "$dir" --sample-interval 1
    for _ in $(seq 1 100); do
        (($(sqlite3 "$dir/pop3d.sqlite" ".timeout 5000" "SELECT count(DISTINCT metric) FROM metric_samples;") > 0)) && break
        sleep 0.2
    done
    stop_pop3d
    metrics=$(sqlite3 "$dir/pop3d.sqlite" "SELECT count(DISTINCT metric) FROM metric_samples;")
    log "history: a year of samples for $metrics metrics"
    now=$(date +%s)
    sqlite3 "$dir/pop3d.sqlite" ".timeout 10000" "
        CREATE TEMP TABLE names AS SELECT DISTINCT metric FROM metric_samples;
        DELETE FROM metric_samples;
        WITH RECURSIVE t(x) AS (SELECT $now - 7 * 86400 UNION ALL SELECT x + 10 FROM t WHERE x + 10 < $now)
        INSERT INTO metric_samples (metric, resolution, time, value, maximum, last)
        SELECT metric, 'raw', x, x % 1000, x % 1000, x % 1000 FROM names, t;
        WITH RECURSIVE h(x) AS (SELECT ($now - 365 * 86400) / 3600 * 3600 UNION ALL SELECT x + 3600 FROM h WHERE x + 3600 < $now - 7 * 86400)
        INSERT INTO metric_samples (metric, resolution, time, value, maximum, last)
        SELECT metric, 'hourly', x, x % 1000, x % 1000, x % 1000 FROM names, h;"
    rows=$(sqlite3 "$dir/pop3d.sqlite" "SELECT count(*) FROM metric_samples;")
    bytes=$(database_bytes "$dir/pop3d.sqlite")
    start_pop3d "$dir"
    year=() day=()
    for _ in 1 2 3; do
        year+=("$(seconds "$BIN/pop3ctl" history connections_total --since 365d --step 1d --port "$MONITOR_PORT" --token "$TOKEN")")
        day+=("$(seconds "$BIN/pop3ctl" history connections_total --since 24h --port "$MONITOR_PORT" --token "$TOKEN")")
    done
    stop_pop3d
    echo
    echo "history (load $(load))"
    echo
    echo "| metrics | sample rows | database, bytes | history --since 365d --step 1d, s | history --since 24h, s |"
    echo "|---|---|---|---|---|"
    echo "| $metrics | $rows | $bytes | $(median3 "${year[@]}") | $(median3 "${day[@]}") |"
    rm -rf "$dir"
fi

if wants sessions; then
    dir="$WORK/sessions"
    new_database "$dir"
    log "sessions: a year of $LOGINS_PER_DAY logins a day"
    now=$(date +%s)
    rows=$((LOGINS_PER_DAY * 365))
    spacing=$(awk -v n="$LOGINS_PER_DAY" 'BEGIN { print 86400 / n }')
    sqlite3 "$dir/pop3d.sqlite" ".timeout 10000" "
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $rows)
        INSERT INTO sessions (session_id, user, peer, started_at, ended_at, bytes_in, bytes_out, retr_count, top_count, dele_count, end_reason)
        SELECT printf('%016x', i), 'u' || (i % 2000), '192.0.2.' || (i % 250), $now - 365 * 86400 + i * $spacing, $now - 365 * 86400 + i * $spacing + 5,
               60, 20000 + i % 5000, i % 3, 0, i % 2, 'quit' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $rows)
        INSERT INTO auth_events (time, user_name, peer, result)
        SELECT $now - 365 * 86400 + i * $spacing, 'u' || (i % 2000), '192.0.2.' || (i % 250), 'ok' FROM n;"
    before=$(database_bytes "$dir/pop3d.sqlite")
    # pop3d folds rows past the retention at start; wait until it has.
    start_pop3d "$dir"
    cutoff=$((now - 90 * 86400 - 86400))
    for _ in $(seq 1 1800); do
        left=$(sqlite3 "$dir/pop3d.sqlite" ".timeout 10000" "SELECT count(*) FROM sessions WHERE ended_at < $cutoff;")
        ((left == 0)) && break
        sleep 1
    done
    stop_pop3d
    sqlite3 "$dir/pop3d.sqlite" "VACUUM;"
    after=$(database_bytes "$dir/pop3d.sqlite")
    kept=$(sqlite3 "$dir/pop3d.sqlite" "SELECT count(*) FROM sessions;")
    daily=$(sqlite3 "$dir/pop3d.sqlite" "SELECT count(*) FROM sessions_daily;")
    views=""
    for view in daily_stats top_users_by_bytes logins_by_user failed_logins_by_peer; do
        times=()
        for _ in 1 2 3; do times+=("$(seconds sqlite3 "$dir/pop3d.sqlite" "SELECT * FROM $view;")"); done
        views+="$view $(median3 "${times[@]}") s; "
    done
    echo
    echo "sessions (load $(load))"
    echo
    echo "| rows written | database before folding, bytes | rows kept / daily rows | database after (vacuumed), bytes | views |"
    echo "|---|---|---|---|---|"
    echo "| $rows sessions + $rows login attempts | $before | $kept / $daily | $after | $views |"
    rm -rf "$dir"
fi
