#!/usr/bin/env bash
# Cluster mode: two pop3d nodes (release builds) on one database of a throwaway PostgreSQL (fsync on) and one maildir
# folder, each node in a working folder of its own (its message index file), as on two machines. Two measurements:
#   1. Idle sessions: IDLE sessions on each node at once (pop3bench D with a hold file, one client per node, each
#      with users of its own), and while they are held: each node's PostgreSQL connections from pg_stat_activity by
#      application_name ("pop3d NODE locks" is the lock connection, "pop3d NODE" the pool, at most
#      --database-connections), sampled during the logins too; the nodes' resident set and descriptors.
#   2. Warm login storm (scenario A, 200 users, auth cache filled by an untimed pass): against one node directly,
#      and through HAProxy (TCP mode, balance source, so every connection from this host reaches the same node;
#      the direct rows use that node), alternately. When pop3d knows --proxy-trusted-network, HAProxy sends
#      PROXY v2 headers (send-proxy-v2, check-send-proxy) from 127.0.0.2, the only address pop3d trusts for them,
#      so that the direct clients on 127.0.0.1 stay plain connections; otherwise HAProxy runs without, and the
#      output says so.
# Users get a cost-10 scrypt hash written with psql and the nodes run with --password-cost 10: 10,000 logins at the
# default cost would take minutes of both cores, and the storm is measured with a warm auth cache anyway.
#
# Environment: RUNS (A runs per path, default 3), A_SECONDS (default 5), IDLE (sessions per node, default 5000),
# DB_CONNECTIONS (each node's --database-connections, default 8), KEEP=1 keeps the temporary folder,
# SKIP_BUILD=1 uses this checkout's build as it is, CONFIG=debug is for trying the script itself, POP3D_BINARY=PATH
# runs another pop3d binary (say, a build of a branch with the PROXY protocol) with this checkout's pop3bench and
# pop3ctl. Needs haproxy (installed here when missing) and PostgreSQL's server (scripts/install-prerequisites.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bench-common.sh

RUNS=${RUNS:-3}
A_SECONDS=${A_SECONDS:-5}
IDLE=${IDLE:-5000}
DB_CONNECTIONS=${DB_CONNECTIONS:-8}
PASSWORD=benchpass
TOKEN=123456789abcdef1
NODES=(node-a node-b)
declare -A PORT=([node-a]=31400 [node-b]=31410)
declare -A MONITOR=([node-a]=31401 [node-b]=31411)
declare -A PID=()
HAPROXY_PORT=31420
HAPROXY_PID=""

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------------------------
if ! command -v haproxy >/dev/null; then
    log "installing haproxy"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
for tool in psql python3 haproxy; do
    command -v "$tool" >/dev/null || { echo "bench-cluster: $tool is needed" >&2; exit 2; }
done
for port in "${PORT[@]}" "${MONITOR[@]}" "$HAPROXY_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "bench-cluster: port $port is in use" >&2
        exit 2
    fi
done
CONFIG=${CONFIG:-release}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d, pop3ctl and pop3bench ($CONFIG; a first release build takes several minutes)"
    build_products "$CONFIG"
fi
# 10,000 sessions: each node and each client holds thousands of sockets.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < IDLE + 1000)); then
    echo "bench-cluster: the open-file limit $(ulimit -n) is too low for $IDLE sessions per node" >&2
    exit 2
fi

WORK=$(mktemp -d)
chmod 755 "$WORK"  # as root PostgreSQL runs as another account and must reach its folder inside
mkdir "$WORK/bin"
# Copies, so that a rebuild of the tree during the run changes nothing.
for product in pop3d pop3ctl pop3bench; do cp "$(swift build -c "$CONFIG" --show-bin-path)/$product" "$WORK/bin/"; done
if [[ -n "${POP3D_BINARY:-}" ]]; then cp "$POP3D_BINARY" "$WORK/bin/pop3d"; fi
BIN="$WORK/bin"
PG="$WORK/postgres"
cleanup() {
    rm -f "$WORK"/hold-*  # releases idle clients still holding
    stop_pid "$HAPROXY_PID"
    for node in "${!PID[@]}"; do stop_pid "${PID[$node]}"; done
    if [[ "${KEEP:-0}" == 1 ]]; then
        log "kept $WORK (PostgreSQL still runs: scripts/postgres-test-server.sh stop $PG)"
    else
        scripts/postgres-test-server.sh stop "$PG" || true
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

log "starting PostgreSQL (fsync on)"
SERVER_URL=$(POSTGRES_TEST_FSYNC=on scripts/postgres-test-server.sh start "$PG")
POSTMASTER=$(head -1 "$PG/data/postmaster.pid")
DATABASE=pop3d_cluster
DB_URL="${SERVER_URL%/*}/$DATABASE"
psql_on() {
    local url=$1
    shift
    PGPASSWORD=$(head -1 "$PG/password") psql "$url" -X -v ON_ERROR_STOP=1 -qAt "$@"
}
psql_on "$SERVER_URL" -c "CREATE DATABASE $DATABASE"

PROXY_FLAGS=()
PROXY_SERVER_OPTIONS=""
# grep reads all of it: with pipefail, `grep -q` stopping early would fail the pipeline through SIGPIPE.
if "$BIN/pop3d" --help 2>&1 | grep -- --proxy-trusted-network >/dev/null; then
    PROXY_MODE="send-proxy-v2 from 127.0.0.2, pop3d --proxy-trusted-network 127.0.0.2/32"
    PROXY_FLAGS=(--proxy-trusted-network 127.0.0.2/32)
    PROXY_SERVER_OPTIONS="send-proxy-v2 check-send-proxy"
else
    PROXY_MODE="no PROXY protocol: this pop3d has no --proxy-trusted-network, so pop3d sees HAProxy's address"
fi
log "HAProxy: $PROXY_MODE"

# --- fixtures: scenario A's 200 users with 2 messages each; IDLE empty maildrops per node -----------------------
log "writing maildirs into $WORK/mail"
python3 - "$WORK/mail" "$IDLE" <<'PY'
import os, sys
root, idle = sys.argv[1], int(sys.argv[2])
def maildrop(user, messages=0):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, user, sub))
    for number in range(messages):
        body = "".join("line %d of a message for %s, padded to look like mail\n" % (line, user) for line in range(36))
        text = "From: sender@example.org\nTo: %s@example.org\nSubject: message %d\n\n%s" % (user, number, body)
        with open(os.path.join(root, user, "new", "1700000000.M%dP1.bench" % number), "w") as handle:
            handle.write(text)
for index in range(200):  # FixtureScale.loginUser: a000 ... a199, loginMessages 2
    maildrop("a%03d" % index, 2)
for node in range(2):
    for index in range(idle):
        maildrop("i%du%d" % (node, index))
PY

source scripts/lib/pop3d-flags.sh
# start_node NODE: pop3d NODE in its own working folder; waits until its monitor answers.
start_node() {
    local node=$1
    mkdir -p "$WORK/$node"
    (cd "$WORK/$node" && exec "$BIN/pop3d" --port "${PORT[$node]}" --listen 127.0.0.1 --maildir "$WORK/mail" \
        --database "$DB_URL" --database-password-file "$PG/password" --node-name "$node" \
        --database-connections "$DB_CONNECTIONS" --monitor-port "${MONITOR[$node]}" --password-cost 10 \
        --log-level warning $(pop3d_start_flags "$BIN") ${PROXY_FLAGS[@]+"${PROXY_FLAGS[@]}"}) \
        >>"$WORK/$node.log" 2>&1 &
    PID[$node]=$!
    for _ in $(seq 1 150); do
        "$BIN/pop3ctl" ping --port "${MONITOR[$node]}" --token "$TOKEN" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench-cluster: pop3d $node did not start" >&2
    tail "$WORK/$node.log" >&2
    exit 2
}
for node in "${NODES[@]}"; do
    log "starting pop3d $node on 127.0.0.1:${PORT[$node]}"
    start_node "$node"
done

HASH=$(python3 - "$PASSWORD" <<'PY'
import base64, hashlib, os, sys
salt = os.urandom(16)
derived = hashlib.scrypt(sys.argv[1].encode(), salt=salt, n=1 << 10, r=8, p=1, dklen=32)
b64 = lambda raw: base64.b64encode(raw).decode().rstrip("=")
print(f"$scrypt$ln=10,r=8,p=1${b64(salt)}${b64(derived)}")
PY
)
log "adding $((200 + 2 * IDLE)) users with psql (scrypt cost 10)"
psql_on "$DB_URL" <<SQL
INSERT INTO users (name, password_hash, created_at, updated_at)
SELECT name, '$HASH', extract(epoch FROM now()), extract(epoch FROM now()) FROM (
    SELECT 'a' || lpad(g::text, 3, '0') AS name FROM generate_series(0, 199) g
    UNION ALL
    SELECT 'i' || n || 'u' || g FROM generate_series(0, $((IDLE - 1))) g, (VALUES (0), (1)) v(n)
) names;
SQL

# connections NODE: "lock pool" connections the node holds now.
declare -A MAX_POOL=([node-a]=0 [node-b]=0) MAX_LOCK=([node-a]=0 [node-b]=0)
connections() {
    psql_on "$DB_URL" -c "SELECT
        count(*) FILTER (WHERE application_name = 'pop3d $1 locks'),
        count(*) FILTER (WHERE application_name = 'pop3d $1')
        FROM pg_stat_activity WHERE datname = '$DATABASE'" | tr '|' ' '
}
sample_connections() {
    local node lock pool
    for node in "${NODES[@]}"; do
        read -r lock pool <<<"$(connections "$node")"
        ((lock > MAX_LOCK[$node])) && MAX_LOCK[$node]=$lock
        ((pool > MAX_POOL[$node])) && MAX_POOL[$node]=$pool
    done
    return 0
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
cpu_seconds() {
    local total=0 pid ticks
    for pid in "$@"; do
        ticks=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$((total + ticks))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
result_figure() { grep '^RESULT' "$1" | tr ' ' '\n' | awk -F= -v f="$2" '$1 == f { print $2 }'; }

# --- 1. idle sessions ------------------------------------------------------------------------------------------------
declare -A RSS_BEFORE=() IDLE_PID=()
for node in "${NODES[@]}"; do
    sample_connections
    RSS_BEFORE[$node]=$(rss_kib "${PID[$node]}")
done
log "holding $IDLE idle sessions on each node ($((2 * IDLE)) in all)"
for index in 0 1; do
    node=${NODES[$index]}
    "$BIN/pop3bench" run --scenario D --port "${PORT[$node]}" --user-pattern "i${index}u%d" --users "$IDLE" \
        --password "$PASSWORD" --runs 1 --hold-file "$WORK/hold-$node" --server-pid "${PID[$node]}" \
        --backend "$node" >"$WORK/idle-$node.out" 2>&1 &
    IDLE_PID[$node]=$!
done
started=$SECONDS
until [[ -e "$WORK/hold-node-a" && -e "$WORK/hold-node-b" ]]; do
    sample_connections
    for node in "${NODES[@]}"; do
        if ! kill -0 "${IDLE_PID[$node]}" 2>/dev/null && [[ ! -e "$WORK/hold-$node" ]]; then
            echo "bench-cluster: the idle client of $node ended early:" >&2
            tail "$WORK/idle-$node.out" >&2
            exit 2
        fi
    done
    if ((SECONDS - started > 600)); then
        echo "bench-cluster: $((2 * IDLE)) logins took over 10 minutes" >&2
        exit 2
    fi
    sleep 0.5
done
log "all logged in after $((SECONDS - started)) s; reading connections while the sessions are held"
sleep 2  # past the burst of logins: what an idle node keeps
declare -A HELD_LOCK=() HELD_POOL=() RSS_HELD=() FDS_HELD=() ESTABLISHED=()
for node in "${NODES[@]}"; do
    read -r lock pool <<<"$(connections "$node")"
    HELD_LOCK[$node]=$lock
    HELD_POOL[$node]=$pool
    RSS_HELD[$node]=$(rss_kib "${PID[$node]}")
    FDS_HELD[$node]=$(fds "${PID[$node]}")
    ESTABLISHED[$node]=$(ss -Htn state established "( sport = :${PORT[$node]} )" | wc -l)
done
sample_connections
TOTAL_BACKENDS=$(psql_on "$DB_URL" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DATABASE'")
rm -f "$WORK/hold-node-a" "$WORK/hold-node-b"
for node in "${NODES[@]}"; do
    wait "${IDLE_PID[$node]}" || log "pop3bench D against $node exited $?"
    sed "s/^/  [idle $node] /" "$WORK/idle-$node.out" >&2
done

# --- 2. warm login storm: direct and through HAProxy -------------------------------------------------------------------
cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 4000
    stats socket $WORK/haproxy.sock mode 600 level user

defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend pop3
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend nodes

backend nodes
    balance source
    option tcp-check
    tcp-check expect string +OK
    server node-a 127.0.0.1:${PORT[node-a]} source 127.0.0.2 check $PROXY_SERVER_OPTIONS
    server node-b 127.0.0.1:${PORT[node-b]} source 127.0.0.2 check $PROXY_SERVER_OPTIONS
CFG
haproxy -c -f "$WORK/haproxy.cfg" >/dev/null
haproxy -db -f "$WORK/haproxy.cfg" >>"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$HAPROXY_PORT") 2>/dev/null && break
    sleep 0.1
done
# sessions_through NODE: sessions HAProxy has sent to that node so far (stot in `show stat`).
sessions_through() {
    python3 - "$WORK/haproxy.sock" "$1" <<'PY'
import socket, sys
connection = socket.socket(socket.AF_UNIX)
connection.connect(sys.argv[1])
connection.sendall(b"show stat\n")
text = b""
while chunk := connection.recv(65536):
    text += chunk
lines = text.decode().splitlines()
fields = lines[0].lstrip("# ").split(",")
for line in lines[1:]:
    values = dict(zip(fields, line.split(",")))
    if values.get("pxname") == "nodes" and values.get("svname") == sys.argv[2]:
        print(values["stot"])
PY
}
storm() {  # storm PORT SECONDS OUTPUT
    "$BIN/pop3bench" run --scenario A --port "$1" --password "$PASSWORD" --runs 1 --duration "$2" >"$3" 2>&1 || true
}
log "filling both nodes' auth caches (an untimed pass each)"
for node in "${NODES[@]}"; do storm "${PORT[$node]}" 3 /dev/null; done
before=$(sessions_through node-a)
storm "$HAPROXY_PORT" 2 /dev/null
if (($(sessions_through node-a) > before)); then TARGET=node-a; else TARGET=node-b; fi
log "HAProxy sends this host's connections to $TARGET; direct runs go to $TARGET too"

RESULTS="$WORK/storm.tsv"
: >"$RESULTS"
for run in $(seq 1 "$RUNS"); do
    for path in direct haproxy; do
        port=${PORT[$TARGET]}
        [[ $path == haproxy ]] && port=$HAPROXY_PORT
        pop3d_before=$(cpu_seconds "${PID[$TARGET]}")
        haproxy_before=$(cpu_seconds "$HAPROXY_PID")
        postgres_before=$(cpu_seconds "$POSTMASTER" $(pgrep -P "$POSTMASTER" || true))
        storm "$port" "$A_SECONDS" "$WORK/storm-$path-$run.out"
        sed "s/^/  [storm $path run $run] /" "$WORK/storm-$path-$run.out" >&2
        {
            printf '%s\tsessions_per_s\t%s\n' "$path" "$(result_figure "$WORK/storm-$path-$run.out" sessions_per_s)"
            printf '%s\terrors\t%s\n' "$path" "$(result_figure "$WORK/storm-$path-$run.out" errors)"
            printf '%s\tclient_cpu_s\t%s\n' "$path" "$(result_figure "$WORK/storm-$path-$run.out" client_cpu_s)"
            printf '%s\tpop3d_cpu_s\t%s\n' "$path" \
                "$(awk -v a="$pop3d_before" -v b="$(cpu_seconds "${PID[$TARGET]}")" 'BEGIN { print b - a }')"
            printf '%s\thaproxy_cpu_s\t%s\n' "$path" \
                "$(awk -v a="$haproxy_before" -v b="$(cpu_seconds "$HAPROXY_PID")" 'BEGIN { print b - a }')"
            printf '%s\tpostgres_cpu_s\t%s\n' "$path" "$(awk -v a="$postgres_before" \
                -v b="$(cpu_seconds "$POSTMASTER" $(pgrep -P "$POSTMASTER" || true))" 'BEGIN { print b - a }')"
        } >>"$RESULTS"
    done
done
OTHER_THROUGH=$(sessions_through "$([[ $TARGET == node-a ]] && echo node-b || echo node-a)")
# The client addresses the target node recorded (login attempts are written in batches; a stop flushes them).
stop_pid "$HAPROXY_PID"
for node in "${NODES[@]}"; do stop_pid "${PID[$node]}"; done
PEERS=$(psql_on "$DB_URL" -c "SELECT string_agg(peer || ' ' || n, ', ') FROM (SELECT peer, count(*) AS n
    FROM auth_events WHERE node = '$TARGET' AND user_name LIKE 'a%' GROUP BY peer ORDER BY peer) peers")

# --- tables ----------------------------------------------------------------------------------------------------------
values() { awk -F'\t' -v p="$1" -v f="$2" '$1 == p && $2 == f { print $3 }' "$RESULTS"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { values "$1" "$2" | sort -g | awk 'NR == 1 { low = $1 } { high = $1 } END { if (NR) printf "%s–%s", low, high }'; }
held() { result_figure "$WORK/idle-$1.out" "$2"; }

echo
echo "pop3d cluster bench ($(git rev-parse --short HEAD)): 2 nodes, PostgreSQL $(psql_on "$DB_URL" -c 'SHOW server_version' | cut -d' ' -f1)" \
    "fsync on, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, --database-connections $DB_CONNECTIONS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "1. $((2 * IDLE)) idle sessions, $IDLE per node (connections from pg_stat_activity while held; most seen: sampled every 0.5 s during the logins)"
echo
echo "| node | sessions held | logins took, s | lock connections held (most seen) | pool connections held (most seen; limit $DB_CONNECTIONS) | pop3d RSS MiB (growth KB/session) | descriptors | errors |"
echo "|---|---|---|---|---|---|---|---|"
for node in "${NODES[@]}"; do
    growth=$(awk -v a="${RSS_BEFORE[$node]}" -v b="${RSS_HELD[$node]}" -v n="$IDLE" 'BEGIN { printf "%.1f", (b - a) / n }')
    echo "| $node | $(held "$node" sessions_held) (sockets: ${ESTABLISHED[$node]}) | $(held "$node" login_s) |" \
        "${HELD_LOCK[$node]} (${MAX_LOCK[$node]}) | ${HELD_POOL[$node]} (${MAX_POOL[$node]}) |" \
        "$(awk -v k="${RSS_HELD[$node]}" 'BEGIN { printf "%.1f", k / 1024 }') ($growth) | ${FDS_HELD[$node]} |" \
        "$(held "$node" errors) |"
done
echo
echo "Backends of the database in all while held: $TOTAL_BACKENDS (both nodes; the script's psql is one of them)."
echo
echo "2. Warm login storm, scenario A (50 clients, 200 users, ${A_SECONDS} s per run, $RUNS runs per path, alternating), to $TARGET"
echo "   HAProxy: TCP mode, balance source; $PROXY_MODE"
echo
echo "| path | sessions/s median (min–max) | pop3d CPU s per run | HAProxy CPU s per run | PostgreSQL CPU s per run | client CPU s per run | errors |"
echo "|---|---|---|---|---|---|---|"
for path in direct haproxy; do
    label="direct to $TARGET"
    [[ $path == haproxy ]] && label="through HAProxy to $TARGET"
    echo "| $label | $(values "$path" sessions_per_s | median) ($(spread "$path" sessions_per_s)) |" \
        "$(values "$path" pop3d_cpu_s | median) | $(values "$path" haproxy_cpu_s | median) |" \
        "$(values "$path" postgres_cpu_s | median) | $(values "$path" client_cpu_s | median) |" \
        "$(values "$path" errors | awk '{ t += $1 } END { print t + 0 }') |"
done
direct=$(values direct sessions_per_s | median)
proxied=$(values haproxy sessions_per_s | median)
echo
echo "through HAProxy / direct: $(awk -v a="$direct" -v b="$proxied" 'BEGIN { print (a > 0) ? sprintf("%.2f", b / a) : "n/a" }');" \
    "sessions HAProxy sent to the other node: ${OTHER_THROUGH:-0}"
echo "storm logins $TARGET recorded, by client address (auth_events.peer): ${PEERS:-none}"
errors=$( (values direct errors; values haproxy errors; held node-a errors; held node-b errors) | awk '{ t += ($1 == "" ? 0 : $1) } END { print t + 0 }')
[[ $errors == 0 ]]
