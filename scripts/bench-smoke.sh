#!/usr/bin/env bash
# CI smoke of the load generator: small fixtures, a few seconds per scenario A–F against pop3d (debug build),
# exit non-zero when any scenario reports a correctness error (see documentation/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

POP3_PORT=${POP3_PORT:-21100}
MONITOR_PORT=${MONITOR_PORT:-21081}
TOKEN=123456789abcdef1

source scripts/lib/bench-common.sh
build_products debug
BIN=$(swift build --show-bin-path)

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$BIN/pop3bench" fixtures --dir "$WORK" --scale smoke

source scripts/lib/pop3d-flags.sh
mapfile -t START_FLAGS < <(pop3d_start_flags "$BIN")
# A low scrypt cost keeps user creation and cold logins quick; the smoke checks correctness, not speed.
"$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$WORK/maildir" --database "$WORK/pop3d.sqlite" \
    --monitor-port "$MONITOR_PORT" --password-cost 10 --auth-failure-delay 0 --log-level warning "${START_FLAGS[@]}" \
    >"$WORK/pop3d.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    "$BIN/pop3ctl" ping --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null 2>&1 && break
    sleep 0.1
done
"$BIN/pop3ctl" users import "$WORK/users.txt" --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null

status=0
for scenario in A B C D E F; do
    echo "== scenario $scenario"
    if ! "$BIN/pop3bench" run --scenario "$scenario" --port "$POP3_PORT" --scale smoke --runs 1 --duration 2 \
        --passes 1 --concurrency 10; then
        echo "scenario $scenario: correctness errors" >&2
        status=1
    fi
done
if [[ $status -ne 0 ]]; then
    tail -20 "$WORK/pop3d.log" >&2
fi
exit $status
