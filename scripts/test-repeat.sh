#!/usr/bin/env bash
# Flake check: runs the already built test suite N times (default 20) and reports every failure with its test
# name and the issue it recorded. Not part of CI's default run; build first (scripts/build.sh).
#
#   scripts/test-repeat.sh 20              # 20 runs of the whole suite
#   scripts/test-repeat.sh 5 --filter Lock # extra arguments go to `swift test`
#
# Each run's full log is kept in a temporary folder (printed at the end) for a closer look.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
shift || true
logs=$(mktemp -d -t pop3d-test-repeat.XXXXXX)
passed=0
failed=0
started=$(date +%s)
for run in $(seq 1 "$runs"); do
    log="$logs/run-$run.log"
    run_started=$(date +%s)
    swift test --skip-build "$@" >"$log" 2>&1
    status=$?
    seconds=$(($(date +%s) - run_started))
    # A run counts as green only when swift test exited 0 and Swift Testing said the run passed.
    if [ "$status" -eq 0 ] && grep -Eq "^✔ Test run with [0-9]+ tests? .*passed" "$log"; then
        passed=$((passed + 1))
        echo "run $run/$runs: passed in ${seconds} s"
    else
        failed=$((failed + 1))
        echo "run $run/$runs: FAILED in ${seconds} s (exit $status, log $log)"
        # Swift Testing: "✘ Test name() recorded an issue at File.swift:24:9: ..."; XCTest: "error: ... failed".
        grep -E "^✘ Test .* recorded an issue|error: -\[|: error: " "$log" | cut -c1-400 | sed 's/^/    /'
        grep -Eq "^✘|error:" "$log" || tail -20 "$log" | sed 's/^/    /'
    fi
done
echo
echo "test-repeat: $passed of $runs runs green, $failed failed, $(($(date +%s) - started)) s in all; logs in $logs"
if [ "$failed" -gt 0 ]; then
    echo "failing tests, with the number of runs each failed in:"
    for log in "$logs"/run-*.log; do
        sed -n -E 's/^✘ Test (.*) (recorded an issue|failed after).*/\1/p' "$log" | grep -v '^run with ' | sort -u
    done | sort | uniq -c | sort -rn | sed 's/^/    /'
    exit 1
fi
