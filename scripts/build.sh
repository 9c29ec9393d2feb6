#!/usr/bin/env bash
# Builds everything, tests included; a warning in our own code fails the build. (An incremental build only
# re-reports warnings of files it recompiles, so CI runs this first, on a fresh clone.)
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log" | grep -E "warning:|error:|Compiling (pop3d|Server|Storage)|Build complete" || true
if grep -q "error:" "$log" || ! grep -q "Build complete" "$log"; then
    tail -40 "$log" >&2
    echo "error: the build failed" >&2
    exit 1
fi
if grep -E "^$(pwd)/(Sources|Tests|Migrations|Benchmarks)/.*: warning:" "$log"; then
    echo "error: the build has warnings in our code (see above)" >&2
    exit 1
fi
