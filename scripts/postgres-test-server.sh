#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks, from Debian's postgresql package:
#   scripts/postgres-test-server.sh start FOLDER   initdb in FOLDER, start on 127.0.0.1 at a free port; prints the
#                                                  server's URL (postgresql://pop3d@127.0.0.1:PORT/postgres)
#   scripts/postgres-test-server.sh stop FOLDER    stop it by the PID in its postmaster.pid, then remove FOLDER
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` account (or `nobody`). Login is by
# password (scram-sha-256) for the role `pop3d`, a superuser; the password is in FOLDER/password (mode 0600), for
# pop3d's --database-password-file. The socket folder is FOLDER/socket, so it never meets a system server's.
# Extra server settings: POSTGRES_TEST_OPTIONS="-c name=value ...". POSTGRES_TEST_FSYNC=on keeps fsync on (for
# benchmarks, which should pay what a real server pays for a commit).
set -euo pipefail

command=${1:-}
folder=${2:-}
if [ -z "$command" ] || [ -z "$folder" ]; then
    echo "usage: $0 start|stop FOLDER" >&2
    exit 2
fi

bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
        echo "error: PostgreSQL's server is not installed (Debian package postgresql)" >&2
        exit 1
    fi
    echo "$found"
}

run_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        local account=postgres
        id postgres >/dev/null 2>&1 || account=nobody
        runuser -u "$account" -- "$@"
    else
        "$@"
    fi
}

case "$command" in
start)
    fsync=${POSTGRES_TEST_FSYNC:-off}
    if [ "$fsync" != on ] && [ "$fsync" != off ]; then
        echo "error: POSTGRES_TEST_FSYNC is on or off" >&2
        exit 2
    fi
    bin=$(bindir)
    mkdir -p "$folder"
    folder=$(cd "$folder" && pwd)
    mkdir -p "$folder/socket"
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    (umask 077 && printf '%s\n' "$password" >"$folder/password")
    printf '%s\n' "$password" >"$folder/initdb-password"
    if [ "$(id -u)" -eq 0 ]; then
        account=postgres
        id postgres >/dev/null 2>&1 || account=nobody
        chown -R "$account" "$folder"
        chown root "$folder/password"
        chmod 755 "$folder"
    fi
    run_as_owner "$bin/initdb" -D "$folder/data" -U pop3d --pwfile="$folder/initdb-password" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$folder/initdb.log" 2>&1 || {
        cat "$folder/initdb.log" >&2
        exit 1
    }
    rm -f "$folder/initdb-password"
    for attempt in 1 2 3 4 5; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        # Many test servers at once each hold a few connections; fsync is off by default because nothing here must
        # survive a crash of the machine (a crash of PostgreSQL itself still loses nothing committed).
        if run_as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -p $port -k $folder/socket -c max_connections=400 -c fsync=$fsync ${POSTGRES_TEST_OPTIONS:-}" \
            >/dev/null; then
            echo "postgresql://pop3d@127.0.0.1:$port/postgres"
            exit 0
        fi
    done
    cat "$folder/server.log" >&2
    exit 1
    ;;
stop)
    [ -d "$folder" ] || exit 0
    if [ -f "$folder/data/postmaster.pid" ]; then
        pid=$(head -1 "$folder/data/postmaster.pid")
        # SIGINT is PostgreSQL's fast shutdown: sessions end, the server exits.
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$folder"
    ;;
*)
    echo "usage: $0 start|stop FOLDER" >&2
    exit 2
    ;;
esac
