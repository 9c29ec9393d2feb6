#!/usr/bin/env bash
# Runs the built unit tests (StorageTests, ServerTests, MonitorProtocolTests, ClientTests) as an unprivileged user,
# so that tests enabled only without root (file modes, permission errors) run on a machine where the suite runs
# as root. Needs root to switch users; build first (scripts/build.sh). The user is `nobody` unless TEST_USER says.
set -euo pipefail
cd "$(dirname "$0")/.."
user="${TEST_USER:-nobody}"
group="$(id -gn "$user")"
bundle="$(swift build --show-bin-path)/pop3dPackageTests.xctest"
[ -x "$bundle" ] || { echo "test-unprivileged: $bundle is not built (run scripts/build.sh)" >&2; exit 1; }
as_user() { setpriv --reuid="$user" --regid="$group" --clear-groups --reset-env "$@"; }

# The test binary runs from a private copy the user can read; the migration tests also read Migrations/ from the
# checkout, which a checkout under a private folder (such as /root) does not let the user see.
work=$(mktemp -d -t pop3d-unprivileged.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$bundle" "$work/tests"
chmod 755 "$work" "$work/tests"
filter='^(StorageTests|ServerTests|MonitorProtocolTests|ClientTests)\.'
skip=()
if ! as_user test -r "$PWD/Migrations/0001_initial.sql"; then
    echo "test-unprivileged: $user cannot read this checkout; MigrationTests run only in the root pass"
    skip=(--skip 'MigrationTests')
fi
echo "test-unprivileged: the unit tests as $user ($(as_user id -u)):"
cd "$work"
as_user ./tests --testing-library swift-testing --filter "$filter" "${skip[@]}"
