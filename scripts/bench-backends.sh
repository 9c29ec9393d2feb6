#!/usr/bin/env bash
# pop3d on SQLite against pop3d on PostgreSQL, one node each, in one run: release builds, a throwaway PostgreSQL
# with fsync on (scripts/postgres-test-server.sh), the same fixtures copied for every server, and the servers
# measured in turn run by run (sqlite, postgresql, postgresql-file, sqlite, …) so that all see the same machine:
#   sqlite           --database FILE
#   postgresql       --database postgresql://… --message-index-cache database (the index in PostgreSQL)
#   postgresql-file  --database postgresql://… --message-index-cache FILE (the index in a node-local SQLite file)
# Each PostgreSQL server has a database of its own on the one PostgreSQL server. Figures:
#   A warm   scenario A with the auth cache warm (one untimed pass fills it first)
#   E        scenario E: first, second and third connect → STAT of a 50,000-message maildrop
#   A cold   scenario A with --auth-cache-ttl 0 (every login runs scrypt at the default cost)
# Next to pop3bench's figures it records the CPU time pop3d and PostgreSQL used in each run.
#
# Environment: SCENARIOS (default "warm E cold"), RUNS (A runs per server, default 5), E_RUNS (default 6: the
# fixtures hold 3 fresh copies of E's maildrop; the runs after those find their copy seen before, and their rows
# are "E again", three more samples of the steady state), SCALE (full|smoke), A_SECONDS
# (default 5), COLD_SECONDS (default 10: scrypt allows a few dozen logins a second), SERVERS (default "sqlite postgresql postgresql-file"), POSTGRES_FSYNC (default on), KEEP=1 keeps the
# temporary directory, SKIP_BUILD=1 uses this checkout's release build as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh

SCENARIOS=${SCENARIOS:-warm E cold}
RUNS=${RUNS:-5}
E_RUNS=${E_RUNS:-6}
SCALE=${SCALE:-full}
A_SECONDS=${A_SECONDS:-5}
COLD_SECONDS=${COLD_SECONDS:-10}
SERVERS=${SERVERS:-sqlite postgresql postgresql-file}
PASSWORD=benchpass
TOKEN=123456789abcdef1
declare -A PORT=([sqlite]=31300 [postgresql]=31310 [postgresql-file]=31320)
declare -A MONITOR=([sqlite]=31301 [postgresql]=31311 [postgresql-file]=31321)
declare -A PID=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }

for tool in psql python3; do
    command -v "$tool" >/dev/null || { echo "bench-backends: $tool is needed (Debian package postgresql)" >&2; exit 2; }
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d, pop3ctl and pop3bench (release; a first release build takes several minutes)"
    build_products release
fi
WORK=$(mktemp -d)
chmod 755 "$WORK"
# Copies, so that a rebuild of the tree during the run changes nothing (pop3d is restarted for the cold rows).
mkdir "$WORK/bin"
for product in pop3d pop3ctl pop3bench; do cp "$(swift build -c release --show-bin-path)/$product" "$WORK/bin/"; done
BIN="$WORK/bin"
PG="$WORK/postgres"
stop_server() {
    stop_pid "${PID[$1]:-}"
    PID[$1]=""
}
cleanup() {
    for name in "${!PID[@]}"; do stop_server "$name"; done
    if [[ "${KEEP:-0}" == 1 ]]; then
        log "kept $WORK (PostgreSQL still runs: scripts/postgres-test-server.sh stop $PG)"
    else
        scripts/postgres-test-server.sh stop "$PG" || true
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

log "starting PostgreSQL (fsync ${POSTGRES_FSYNC:-on})"
SERVER_URL=$(POSTGRES_TEST_FSYNC=${POSTGRES_FSYNC:-on} scripts/postgres-test-server.sh start "$PG")
POSTMASTER=$(head -1 "$PG/data/postmaster.pid")
psql_admin() { PGPASSWORD=$(head -1 "$PG/password") psql "$SERVER_URL" -v ON_ERROR_STOP=1 -qAt "$@"; }
database_url() { echo "${SERVER_URL%/*}/pop3d_bench_${1//-/_}"; }
for name in $SERVERS; do
    [[ $name == sqlite ]] || psql_admin -c "CREATE DATABASE pop3d_bench_${name//-/_}"
done

log "writing fixtures ($SCALE) into $WORK"
"$BIN/pop3bench" fixtures --dir "$WORK/fixtures" --scale "$SCALE" --password "$PASSWORD" >&2
grep -E '^[ae]' "$WORK/fixtures/users.txt" >"$WORK/users.txt"
for name in $SERVERS; do
    mkdir -p "$WORK/$name-mail"
    cp -a "$WORK/fixtures/maildir/"[ae]* "$WORK/$name-mail/"
done

source scripts/lib/pop3d-flags.sh
# start_server NAME FLAGS…: pop3d NAME on its own port, maildir and database; waits until its monitor answers.
start_server() {
    local name=$1
    shift
    local storage=(--database "$WORK/$name.sqlite")
    case $name in
        postgresql) storage=(--database "$(database_url "$name")" --message-index-cache database) ;;
        postgresql-file)
            storage=(--database "$(database_url "$name")" --message-index-cache "$WORK/$name-index.sqlite") ;;
    esac
    if [[ $name != sqlite ]]; then storage+=(--database-password-file "$PG/password" --node-name "bench-$name"); fi
    "$BIN/pop3d" --port "${PORT[$name]}" --listen 127.0.0.1 --maildir "$WORK/$name-mail" "${storage[@]}" \
        --monitor-port "${MONITOR[$name]}" --log-level warning $(pop3d_start_flags "$BIN") "$@" \
        >>"$WORK/$name.log" 2>&1 &
    PID[$name]=$!
    for _ in $(seq 1 150); do
        "$BIN/pop3ctl" ping --port "${MONITOR[$name]}" --token "$TOKEN" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench-backends: pop3d ($name) did not start" >&2
    tail "$WORK/$name.log" >&2
    exit 2
}

for name in $SERVERS; do
    start_server "$name"
    log "importing $(wc -l <"$WORK/users.txt") users into the $name pop3d (scrypt at the default cost)"
    "$BIN/pop3ctl" users import "$WORK/users.txt" --port "${MONITOR[$name]}" --token "$TOKEN" --timeout 120 >/dev/null
done

RESULTS="$WORK/results.tsv"
source scripts/lib/bench-results.sh
# CPU seconds processes have used (utime + stime), and their children that have exited (cutime + cstime): the
# first PID's children may come and go (PostgreSQL's autovacuum workers), the postmaster reaps them.
cpu_seconds() {
    local total=0 pid ticks
    for pid in "$@"; do
        ticks=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$((total + ticks))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}
postgres_pids() { echo "$POSTMASTER" $(pgrep -P "$POSTMASTER" || true); }
# measure ROW NAME RUN ARGS…: one pop3bench run against server NAME, with the CPU time pop3d and PostgreSQL used.
measure() {
    local row=$1 name=$2 run=$3
    shift 3
    local pop3d_before postgres_before
    pop3d_before=$(cpu_seconds "${PID[$name]}")
    postgres_before=$(cpu_seconds $(postgres_pids))
    run_bench "$row" "$name" "${PORT[$name]}" "$@" --backend "$name"
    printf '%s\t%s\t%s\t%s\n' "$row" "$name" pop3d_cpu_s \
        "$(awk -v a="$pop3d_before" -v b="$(cpu_seconds "${PID[$name]}")" 'BEGIN { print b - a }')" >>"$RESULTS"
    printf '%s\t%s\t%s\t%s\n' "$row" "$name" postgres_cpu_s \
        "$(awk -v a="$postgres_before" -v b="$(cpu_seconds $(postgres_pids))" 'BEGIN { print b - a }')" >>"$RESULTS"
}
# alternate ROW SCENARIO RUNS ARGS…: RUNS rounds, each server once per round.
alternate() {
    local row=$1 scenario=$2 runs=$3
    shift 3
    for run in $(seq 0 $((runs - 1))); do
        for name in $SERVERS; do measure "$row" "$name" "$run" "$scenario" "$run" "$@"; done
    done
}

if wants warm; then
    log "A warm (after one untimed pass per server that fills its auth cache)"
    for name in $SERVERS; do
        "$BIN/pop3bench" run --scenario A --port "${PORT[$name]}" --scale "$SCALE" --password "$PASSWORD" --runs 1 \
            --duration 30 >/dev/null || true
    done
    alternate A-warm A "$RUNS" --duration "$A_SECONDS"
fi
if wants E; then
    log "E"
    copies=$([[ $SCALE == full ]] && echo 3 || echo 1)  # FixtureScale.bigMaildropCopies
    for run in $(seq 0 $((E_RUNS - 1))); do
        row=E
        ((run < copies)) || row=E-again
        for name in $SERVERS; do measure "$row" "$name" "$run" E "$run"; done
    done
fi
if wants cold; then
    log "restarting every pop3d with --auth-cache-ttl 0"
    for name in $SERVERS; do
        stop_server "$name"
        start_server "$name" --auth-cache-ttl 0
    done
    log "A cold"
    alternate A-cold A "$RUNS" --duration "$COLD_SECONDS"
fi

# --- table ---------------------------------------------------------------------------------------------------------
all() { awk -F'\t' -v r="$1" -v s="$2" -v f="$3" '$1 == r && $2 == s && $3 == f { printf "%s ", $4 }' "$RESULTS"; }
spread() { all "$@" | tr ' ' '\n' | grep . | sort -g | awk 'NR == 1 { low = $1 } { high = $1 } END { if (NR) printf "%s–%s", low, high }'; }
# row LABEL ROW FIGURE: medians (and min–max) per server, and each PostgreSQL server's median over SQLite's.
row() {
    local label=$1 row=$2 name=$3
    local line="| $label |" base
    base=$(figure "$row" sqlite "$name")
    for server in $SERVERS; do
        line+=" $(figure "$row" "$server" "$name") ($(spread "$row" "$server" "$name")) |"
    done
    for server in $SERVERS; do
        [[ $server == sqlite ]] && continue
        line+=" $(awk -v b="$base" -v p="$(figure "$row" "$server" "$name")" \
            'BEGIN { print (b + 0 > 0 && p + 0 > 0) ? sprintf("%.2f", p / b) : "n/a" }') |"
    done
    echo "$line"
}
header="| figure |"
rule="|---|"
for server in $SERVERS; do header+=" $server median (min–max) |"; rule+="---|"; done
for server in $SERVERS; do
    [[ $server == sqlite ]] && continue
    header+=" $server/sqlite |"
    rule+="---|"
done
echo
echo "pop3d on $SERVERS ($(git rev-parse --short HEAD)), PostgreSQL $(psql_admin -c 'SHOW server_version' | cut -d' ' -f1)" \
    "fsync ${POSTGRES_FSYNC:-on}, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, scale $SCALE, A runs $RUNS, E runs $E_RUNS"
echo
echo "$header"
echo "$rule"
if wants warm; then
    row "A warm logins, sessions/s" A-warm sessions_per_s
    row "A warm: pop3d CPU s per run" A-warm pop3d_cpu_s
    row "A warm: PostgreSQL CPU s per run" A-warm postgres_cpu_s
    row "A warm: client CPU s per run" A-warm client_cpu_s
fi
if wants E; then
    row "E first session, connect→STAT ms" E first_session_ms
    row "E second session, connect→STAT ms" E second_session_ms
    row "E third session, connect→STAT ms" E third_session_ms
    row "E: pop3d CPU s per run (3 sessions)" E pop3d_cpu_s
    row "E: PostgreSQL CPU s per run" E postgres_cpu_s
    if ((E_RUNS > copies)); then
        row "E again (maildrop seen before), first session ms" E-again first_session_ms
        row "E again, second session ms" E-again second_session_ms
        row "E again, third session ms" E-again third_session_ms
        row "E again: pop3d CPU s per run (3 sessions)" E-again pop3d_cpu_s
        row "E again: PostgreSQL CPU s per run" E-again postgres_cpu_s
    fi
fi
if wants cold; then
    row "A cold logins (scrypt each), sessions/s" A-cold sessions_per_s
    row "A cold: pop3d CPU s per run" A-cold pop3d_cpu_s
    row "A cold: PostgreSQL CPU s per run" A-cold postgres_cpu_s
fi
errors=$(awk -F'\t' '$3 == "errors" { t += ($4 == "missing" ? 1 : $4) } END { print t + 0 }' "$RESULTS")
echo
echo "correctness errors, every server: $errors"
cp "$RESULTS" "${RESULTS_COPY:-/dev/null}" 2>/dev/null || true
[[ $errors == 0 ]]
