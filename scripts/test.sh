#!/usr/bin/env bash
# Builds everything (warnings in our code fail the build) and runs every test, unit and integration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
if grep -E "^$(pwd)/(Sources|Tests|Migrations|Benchmarks)/.*: warning:" "$log"; then
    echo "error: the build has warnings in our code (see above)" >&2
    exit 1
fi
swift test --skip-build
