#!/usr/bin/env bash
# Checks packaging/pop3d.service with `systemd-analyze verify`, alone and with the cluster node's drop-in. The unit names /usr/local/bin/pop3d, which
# systemd-analyze requires to exist, so a copy pointing at the freshly built binary is checked instead.
# Skips (exit 0, saying so) where systemd-analyze is missing or cannot run, as in some containers.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
    echo "verify-unit: skipped: systemd-analyze is not installed (apt-get install systemd)"
    exit 0
fi
binary="${POP3D_BINARY:-$(swift build --show-bin-path)/pop3d}"
if [ ! -x "$binary" ]; then
    echo "verify-unit: error: $binary is not built" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/pop3d|$binary|" packaging/pop3d.service > "$work/pop3d.service"
if ! systemd-analyze --version >/dev/null 2>&1; then
    echo "verify-unit: skipped: systemd-analyze cannot run here"
    exit 0
fi
# systemd-analyze exits 0 on unknown keys and bad values ("ignoring"): any line about the unit fails the check.
status=0
output=$(systemd-analyze verify --man=no "$work/pop3d.service" 2>&1) || status=$?
if [ "$status" -ne 0 ] || grep -q "pop3d.service" <<<"$output"; then
    echo "$output" >&2
    echo "verify-unit: error: packaging/pop3d.service has problems (above)" >&2
    exit 1
fi
[ -z "$output" ] || echo "$output"
echo "verify-unit: packaging/pop3d.service is valid"

# A cluster node: the same unit with packaging/cluster's drop-in beside it (systemd-analyze reads it from there).
cp -r packaging/cluster/pop3d.service.d "$work/"
status=0
output=$(systemd-analyze verify --man=no "$work/pop3d.service" 2>&1) || status=$?
if [ "$status" -ne 0 ] || grep -q "pop3d.service\|cluster.conf" <<<"$output"; then
    echo "$output" >&2
    echo "verify-unit: error: packaging/cluster/pop3d.service.d/cluster.conf has problems (above)" >&2
    exit 1
fi
[ -z "$output" ] || echo "$output"
echo "verify-unit: packaging/pop3d.service with packaging/cluster/pop3d.service.d/cluster.conf is valid"
