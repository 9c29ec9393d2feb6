#!/usr/bin/env bash
# The cluster leg of the tests: two or more pop3d nodes on one throwaway PostgreSQL database and one maildir, with
# HAProxy in front where a test needs it (the suites whose names start with Cluster). Build first (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v haproxy >/dev/null; then
    echo "error: HAProxy is not installed: install the Debian package haproxy (scripts/install-prerequisites.sh does)" >&2
    exit 1
fi
exec scripts/test-postgresql.sh --filter '^IntegrationTests\.Cluster'
