#!/usr/bin/env bash
# Compares two builds of pop3d in one run: a baseline (say, a release build of an earlier commit in a git worktree)
# against this checkout's release build, on the same fixtures, alternating (baseline, current, baseline, …), and
# prints a table of medians with the ratio current/baseline. Use it when a change may have cost speed and single
# runs of bench-vs-dovecot.sh vary too much to tell: both builds see the same machine state, run after run.
#
#   scripts/bench-two-builds.sh BASELINE_BIN_DIR      (the folder holding the baseline's pop3d)
#
# Environment: SCENARIOS (default "B C"), RUNS (default 5), SCALE (full|smoke), A_SECONDS (default 5),
# KEEP=1 keeps the temporary directory, SKIP_BUILD=1 uses this checkout's release build as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

BASELINE_BIN=${1:?usage: bench-two-builds.sh BASELINE_BIN_DIR}
[[ -x "$BASELINE_BIN/pop3d" ]] || { echo "bench-two-builds: no pop3d in $BASELINE_BIN" >&2; exit 2; }
SCENARIOS=${SCENARIOS:-B C}
RUNS=${RUNS:-5}
SCALE=${SCALE:-full}
A_SECONDS=${A_SECONDS:-5}
PASSWORD=benchpass
TOKEN=123456789abcdef1
declare -A PORT=([baseline]=31200 [current]=31210)
declare -A MONITOR=([baseline]=31201 [current]=31211)
declare -A PID=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d, pop3ctl and pop3bench (release)"
    for product in pop3d pop3ctl pop3bench; do
        if ! output=$(swift build -c release --product "$product" 2>&1); then
            echo "$output" | tail -30 >&2
            exit 2
        fi
    done
fi
BIN=$(swift build -c release --show-bin-path)
declare -A SERVER_BIN=([baseline]="$BASELINE_BIN" [current]="$BIN")

WORK=$(mktemp -d)
cleanup() {
    for server in "${!PID[@]}"; do
        kill -TERM "${PID[$server]}" 2>/dev/null && wait "${PID[$server]}" 2>/dev/null || true
    done
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "writing fixtures ($SCALE) into $WORK"
"$BIN/pop3bench" fixtures --dir "$WORK/fixtures" --scale "$SCALE" --password "$PASSWORD" >&2
grep -v '^d' "$WORK/fixtures/users.txt" >"$WORK/users.txt"

source scripts/lib/pop3d-flags.sh
start() {
    local server=$1
    cp -a "$WORK/fixtures/maildir" "$WORK/$server-mail"
    "${SERVER_BIN[$server]}/pop3d" --port "${PORT[$server]}" --listen 127.0.0.1 --maildir "$WORK/$server-mail" \
        --database "$WORK/$server.sqlite" --monitor-port "${MONITOR[$server]}" --log-level warning --password-cost 10 \
        $(pop3d_start_flags "${SERVER_BIN[$server]}") \
        >>"$WORK/$server.log" 2>&1 &
    PID[$server]=$!
    for _ in $(seq 1 100); do
        "$BIN/pop3ctl" ping --port "${MONITOR[$server]}" --token "$TOKEN" >/dev/null 2>&1 && break
        sleep 0.1
    done
    log "importing users into the $server pop3d"
    "$BIN/pop3ctl" users import "$WORK/users.txt" --port "${MONITOR[$server]}" --token "$TOKEN" --timeout 60 >/dev/null
}
start baseline
start current

RESULTS="$WORK/results.tsv"
source scripts/lib/bench-results.sh
for scenario in $SCENARIOS; do
    args=()
    case $scenario in
        A)
            args=(--duration "$A_SECONDS")
            for server in baseline current; do  # fills the auth cache
                "$BIN/pop3bench" run --scenario A --port "${PORT[$server]}" --scale "$SCALE" --password "$PASSWORD" \
                    --runs 1 --duration 10 >/dev/null || true
            done
            ;;
        B | C) args=(--passes 3) ;;
        E) ;;
        *) echo "bench-two-builds: scenario $scenario is not supported here" >&2; exit 2 ;;
    esac
    log "$scenario"
    for run in $(seq 0 $((RUNS - 1))); do
        run_bench "$scenario" baseline "${PORT[baseline]}" "$scenario" "$run" "${args[@]}"
        run_bench "$scenario" current "${PORT[current]}" "$scenario" "$run" "${args[@]}"
    done
done

all() { awk -F'\t' -v r="$1" -v s="$2" -v f="$3" '$1 == r && $2 == s && $3 == f { printf "%s ", $4 }' "$RESULTS"; }
row() {
    local label=$1 scenario=$2 name=$3
    [[ " $SCENARIOS " == *" $scenario "* ]] || return 0
    local base current
    base=$(figure "$scenario" baseline "$name")
    current=$(figure "$scenario" current "$name")
    awk -v l="$label" -v b="$base" -v c="$current" -v ba="$(all "$scenario" baseline "$name")" \
        -v ca="$(all "$scenario" current "$name")" 'BEGIN {
        ratio = (b + 0 > 0) ? sprintf("%.2f", c / b) : "n/a"
        printf "| %s | %s | %s | %s | %s| %s|\n", l, b, c, ratio, ba, ca }'
}
echo
echo "pop3d current ($(git rev-parse --short HEAD)) vs baseline ($BASELINE_BIN), $(date -u +%Y-%m-%dT%H:%MZ)," \
    "$(nproc) cores, scale $SCALE, runs $RUNS"
echo
echo "| figure | baseline (median) | current (median) | current/baseline | baseline runs | current runs |"
echo "|---|---|---|---|---|---|"
row "A login storm, sessions/s (higher is better)" A sessions_per_s
row "B small messages, msgs/s (higher is better)" B msgs_per_s
row "C 50 MB message, MB/s (higher is better)" C mb_per_s
row "E second session, connect→STAT ms (lower is better)" E second_session_ms
errors=$(awk -F'\t' '$3 == "errors" { t += ($4 == "missing" ? 1 : $4) } END { print t + 0 }' "$RESULTS")
echo "correctness errors, both builds: $errors"
