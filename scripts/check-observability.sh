#!/usr/bin/env bash
# Checks pop3d's observability against the real tools (its own CI step; see documentation/observability.md):
#   1. promtool check metrics on a real scrape of a pop3d with TLS configured;
#   2. promtool check rules and promtool test rules on packaging/prometheus;
#   3. Debian's Prometheus (own data directory, 1 s scrapes, loopback, free ports, stopped by PID) scrapes that
#      pop3d under a short load, then every query of packaging/grafana/pop3d.json is evaluated through its HTTP API;
#   4. pop3ctl report --html on the same server: self-contained, the load's user and failed login ranked, and
#      opened in headless Chromium for a screenshot (OBSERVABILITY_SCREENSHOT=FILE keeps it).
# Installs what it needs (prometheus, chromium, python3, curl, openssl) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-prerequisites.sh  # what the build needs, on a fresh machine (quick when all is there)
need=()
for package in prometheus chromium python3 curl openssl; do
    [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) == "install ok installed" ]] || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# Debian's package starts a Prometheus service of its own; ours runs on its own ports and data directory.

source scripts/lib/bench-common.sh
source scripts/lib/pop3d-flags.sh
for product in pop3d pop3ctl; do
    if ! output=$(swift build --product "$product" 2>&1); then
        echo "$output" | tail -30 >&2
        exit 2
    fi
done
BIN=$(swift build --show-bin-path)

WORK=$(mktemp -d)
SERVER_PID=""
PROMETHEUS_PID=""
cleanup() {
    stop_pid "$PROMETHEUS_PID"
    stop_pid "$SERVER_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_for() {  # wait_for WHAT COMMAND...: up to 60 s, polling
    local what=$1
    shift
    for _ in $(seq 1 600); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "error: timed out waiting for $what" >&2
    return 1
}

echo "== rules: promtool check rules, promtool test rules"
promtool check rules packaging/prometheus/pop3d-rules.yml
(cd packaging/prometheus && promtool test rules pop3d-rules.test.yml)

echo "== a pop3d with TLS, the metrics port and small caps"
POP3_PORT=$(free_port)
MONITOR_PORT=$(free_port)
METRICS_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
TOKEN=123456789abcdef1
CAP=3
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
mkdir -p "$WORK/maildir/foo/"{cur,new,tmp}
for i in 1 2 3 4 5 6; do
    python3 -c "import sys; n = int(sys.argv[1]); sys.stdout.write('Subject: message %d\r\n\r\n' % n + ('line of mail %d\r\n' % n) * (40 * n ** 3))" \
        "$i" >"$WORK/maildir/foo/new/100$i.M$i.check"
done
mapfile -t START_FLAGS < <(pop3d_start_flags "$BIN")
"$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$WORK/maildir" --database "$WORK/pop3d.sqlite" \
    --monitor-port "$MONITOR_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT" --node-name check-node \
    --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --max-connections "$CAP" \
    --password-cost 10 --auth-failure-delay 0 --sample-interval 1 "${START_FLAGS[@]}" >"$WORK/pop3d.log" 2>&1 &
SERVER_PID=$!
wait_for "pop3d's monitor" "$BIN/pop3ctl" ping --port "$MONITOR_PORT" --token "$TOKEN"
wait_for "pop3d's metrics" curl -sf "http://127.0.0.1:$METRICS_PORT/metrics"

echo "== Prometheus on 127.0.0.1:$PROMETHEUS_PORT, scraping every second"
mkdir -p "$WORK/prometheus"
cat >"$WORK/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/packaging/prometheus/pop3d-rules.yml
scrape_configs:
  - job_name: pop3d
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
YAML
prometheus --config.file "$WORK/prometheus/prometheus.yml" --storage.tsdb.path "$WORK/prometheus/data" \
    --web.listen-address "127.0.0.1:$PROMETHEUS_PORT" --log.level warn >"$WORK/prometheus.log" 2>&1 &
PROMETHEUS_PID=$!
API="http://127.0.0.1:$PROMETHEUS_PORT"
wait_for "Prometheus" curl -sf "$API/-/ready"

# The load starts once Prometheus has scraped the idle server, so every counter's increase shows in rate().
scraped_idle() {
    curl -sf "$API/api/v1/query" --data-urlencode 'query=count_over_time(up{job="pop3d"}[1m]) >= 2' |
        python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["data"]["result"] else 1)'
}
wait_for "Prometheus's first scrapes" scraped_idle

echo "== load"
load=$(python3 scripts/observability/load.py 127.0.0.1 "$POP3_PORT" foo bar "$CAP")
echo "$load"
"$BIN/pop3ctl" stats --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null
# One connection stays open while the queries run, so the open-connections gauge has something to show.
exec 3<>"/dev/tcp/127.0.0.1/$POP3_PORT"
logins_ok=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["logins_ok"])' "$load")

echo "== promtool check metrics on a scrape"
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/scrape.txt"
promtool check metrics <"$WORK/scrape.txt"
echo "promtool check metrics: no problems in $(grep -vc '^#' "$WORK/scrape.txt") samples"

# Every login of the load has been scraped (and a few scrapes more, so each rate window holds several).
scraped() {
    curl -sf "$API/api/v1/query" --data-urlencode "query=sum(pop3d_logins_total{result=\"ok\"})" |
        python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and float(r[0]["value"][1]) == float(sys.argv[1]) else 1)' "$logins_ok"
}
wait_for "Prometheus to scrape the load" scraped
sleep 3
rule_health=$(curl -sf "$API/api/v1/rules" | python3 -c 'import json, sys; rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]; print(len(rules), "rules loaded,", sum(r["health"] != "ok" for r in rules), "unhealthy")')
echo "Prometheus: $rule_health"
[[ $rule_health == *" 0 unhealthy" ]]

echo "== every dashboard query through Prometheus"
python3 scripts/observability/check_dashboard.py packaging/grafana/pop3d.json "$API"

echo "== pop3ctl report --html, in headless Chromium"
"$BIN/pop3ctl" report --html "$WORK/report.html" --since 1h --port "$MONITOR_PORT" --token "$TOKEN"
report=$(<"$WORK/report.html")
for forbidden in "<script" "http://" "https://" "src=" "href=" "url("; do
    if [[ $report == *"$forbidden"* ]]; then
        echo "error: the report is not self-contained: it has '$forbidden'" >&2
        exit 1
    fi
done
# The load's user and its failed login are ranked; all four charts are drawn.
for expected in 'data-user="foo"' 'data-peer="127.0.0.1" data-failed="1"' 'id="chart-connections"' \
    'id="chart-logins"' 'id="chart-bytes"' 'id="chart-messages"' '1 session open'; do
    if [[ $report != *"$expected"* ]]; then
        echo "error: the report lacks $expected" >&2
        exit 1
    fi
done
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2050 \
    --screenshot="$WORK/report.png" "file://$WORK/report.html" >/dev/null 2>&1
if [[ $(head -c 8 "$WORK/report.png" 2>/dev/null | od -An -tx1 | tr -d ' \n') != "89504e470d0a1a0a" ]]; then
    echo "error: Chromium took no screenshot of the report" >&2
    exit 1
fi
echo "screenshot: $(stat -c %s "$WORK/report.png") bytes of PNG"
if [[ -n "${OBSERVABILITY_SCREENSHOT:-}" ]]; then cp "$WORK/report.png" "$OBSERVABILITY_SCREENSHOT"; fi
exec 3>&-
echo "observability checks passed"
