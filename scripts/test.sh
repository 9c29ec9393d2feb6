#!/usr/bin/env bash
# Builds everything (warnings in our code fail the build) and runs every test, unit and integration.
# Run as root (as CI is), the unit tests also run a second time as the unprivileged user `nobody`: some tests only
# mean something without root (root ignores file modes), others only with it (dropping privileges).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh
scripts/build.sh
if [ "$(id -u)" -eq 0 ]; then
    scripts/test-unprivileged.sh
fi
# Last, so that its closing line is the run's.
swift test --skip-build
