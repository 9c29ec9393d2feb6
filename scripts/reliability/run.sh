#!/usr/bin/env bash
# Runs the reliability checks against the real pop3d binary: fault injection (SIGKILL and restart), the soak
# (concurrency, memory, descriptors, SIGTERM) and storage faults, on SQLite; then fault injection again with pop3d
# on a throwaway PostgreSQL server (scripts/postgres-test-server.sh, started and stopped here), with one node and
# with two nodes on one database and maildir. Short forms by default (CI), --full for the long ones. Exit status: 0
# when every script passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/../.."
mode=short
if [ "${1:-}" = "--full" ]; then mode=full; fi

echo "== building pop3d"
swift build --product pop3d 2>&1 | tail -3
if [ ! -x .build/debug/pop3d ]; then
    echo "error: .build/debug/pop3d was not built" >&2
    exit 1
fi

if [ "$mode" = full ]; then
    faults=(--kills 200)
    postgres_faults=(--kills 100)
    cluster_faults=(--kills 100)
    soak=(--duration 180 --sessions 400)
    expire=(--kills 50)
else
    faults=(--kills 20)
    postgres_faults=(--kills 20)
    cluster_faults=(--kills 20)
    soak=(--duration 30 --sessions 200)
    expire=(--kills 8)
fi

logs=$(mktemp -d)
chmod 755 "$logs"  # as root the PostgreSQL server runs as another account and must reach its folder inside
postgres="$logs/postgres"
trap 'scripts/postgres-test-server.sh stop "$postgres"; rm -rf "$logs"' EXIT
failed=0
summary=()
# run LABEL SCRIPT ARGS…: one script, its output shown and kept for the summary.
run() {
    local name=$1 script=$2
    shift 2
    echo
    echo "== $name ($mode)"
    local started=$SECONDS
    python3 "scripts/reliability/$script.py" "$@" 2>&1 | tee "$logs/$name.log"
    local code=${PIPESTATUS[0]}
    local verdict=passed
    if [ "$code" -ne 0 ]; then
        verdict="FAILED (exit $code)"
        failed=1
    fi
    local last
    last=$(grep -E '^(violations|cases):' "$logs/$name.log" | tail -1)
    summary+=("$(printf '%-33s %-18s %4ds  %s' "$name" "$verdict" $((SECONDS - started)) "$last")")
}

run fault_injection fault_injection "${faults[@]}"
run soak soak "${soak[@]}"
run storage_faults storage_faults
run expire_faults expire_faults "${expire[@]}"

echo
echo "== starting a throwaway PostgreSQL"
if url=$(scripts/postgres-test-server.sh start "$postgres"); then
    run "fault_injection-postgresql" fault_injection "${postgres_faults[@]}" --postgres "$url" \
        --postgres-password-file "$postgres/password"
    run "fault_injection-postgresql-2nodes" fault_injection "${cluster_faults[@]}" --nodes 2 --postgres "$url" \
        --postgres-password-file "$postgres/password"
    run "expire_faults-postgresql" expire_faults "${expire[@]}" --postgres "$url" \
        --postgres-password-file "$postgres/password"
    scripts/postgres-test-server.sh stop "$postgres"
else
    echo "error: PostgreSQL did not start (Debian package postgresql)"
    for name in fault_injection-postgresql fault_injection-postgresql-2nodes expire_faults-postgresql; do
        summary+=("$(printf '%-33s %-18s' "$name" "FAILED (no server)")")
    done
    failed=1
fi

echo
echo "== reliability summary ($mode)"
printf '%s\n' "${summary[@]}"
exit $failed
