#!/usr/bin/env bash
# Builds everything (warnings in our code fail the build) and runs every test, unit and integration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh
scripts/build.sh
swift test --skip-build
