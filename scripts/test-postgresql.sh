#!/usr/bin/env bash
# The PostgreSQL leg of the tests: starts a throwaway PostgreSQL server (scripts/postgres-test-server.sh) in a
# temporary folder, points the tests at it (POP3D_TEST_POSTGRES_URL, POP3D_TEST_POSTGRES_PASSWORD_FILE) and runs the
# built integration and storage tests; every test makes a database of its own there. The server stops on exit.
#   scripts/test-postgresql.sh                    IntegrationTests (but the Cluster suites) and StorageTests
#   scripts/test-postgresql.sh --filter NAME      other swift test options instead of the default filter
# Build first (scripts/build.sh). Works as root: the server then runs as the postgres account.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in psql pg_dump; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: PostgreSQL is not installed ($tool is missing): install the Debian package postgresql" \
            "(scripts/install-prerequisites.sh does)" >&2
        exit 1
    fi
done
if ! ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "error: PostgreSQL's server is not installed: install the Debian package postgresql" \
        "(scripts/install-prerequisites.sh does)" >&2
    exit 1
fi
if [ ! -x "$(swift build --show-bin-path)/pop3dPackageTests.xctest" ]; then
    echo "error: the tests are not built: run scripts/build.sh first" >&2
    exit 1
fi

folder=$(mktemp -d -t pop3d-postgres.XXXXXX)
trap 'scripts/postgres-test-server.sh stop "$folder"' EXIT
url=$(scripts/postgres-test-server.sh start "$folder")
export POP3D_TEST_POSTGRES_URL="$url"
export POP3D_TEST_POSTGRES_PASSWORD_FILE="$folder/password"
echo "test-postgresql: PostgreSQL test server at $url"

if [ $# -eq 0 ]; then
    # The cluster suites are a step of their own (scripts/test-cluster.sh).
    set -- --filter '^(IntegrationTests|StorageTests)\.' --skip '^IntegrationTests\.Cluster'
fi
swift test --skip-build "$@"
