#!/usr/bin/env python3
"""Evaluates every query of the Grafana dashboard through Prometheus's HTTP API. Each must parse and return at
least one series; a query over what the load exercised must have a non-zero value (NaN does not count).
Grafana's variables become what a dashboard over all nodes would send: $node matches every node, $__rate_interval
is a window a few scrapes long. Prints one line per query and exits 1 on any failure."""
import json
import math
import sys
import urllib.parse
import urllib.request

dashboard_path, prometheus = sys.argv[1], sys.argv[2]
# Series the short load does not move: a healthy server's event loops do not stall, no password check waits for a
# full queue, and no journal row is committing between QUITs. They must still answer with series.
may_be_zero = {
    ("Event-loop lag (worst in 10-20 s)", "A"),
    ("Event-loop stalls", "A"),
    ("Deletion journal rows", "A"),
    # Password checks waiting right now, and checks refused because the queue was full: none between short logins.
    ("Hashing queue", "B"),
    ("Hashing queue", "C"),
}


def panels(items):
    for item in items:
        if item.get("type") == "row":
            yield from panels(item.get("panels", []))
        else:
            yield item


def query(expr):
    url = prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        return json.load(error)


dashboard = json.load(open(dashboard_path))
failures = 0
count = 0
for panel in panels(dashboard["panels"]):
    for target in panel.get("targets", []):
        count += 1
        expr = target["expr"]
        if "or vector(" in expr.replace(" ", "").replace("orvector(", "or vector("):
            print("FAIL %s/%s pads its answer: %s" % (panel["title"], target["refId"], expr))
            failures += 1
            continue
        expr = expr.replace("$__rate_interval", "1m").replace('"$node"', '".*"')
        answer = query(expr)
        if answer.get("status") != "success":
            print("FAIL %s/%s: %s\n     %s" % (panel["title"], target["refId"], answer.get("error"), expr))
            failures += 1
            continue
        result = answer["data"]["result"]
        values = [float(series["value"][1]) for series in result]
        nonzero = [v for v in values if v != 0 and not math.isnan(v)]
        exercised = (panel["title"], target["refId"]) not in may_be_zero
        ok = len(result) >= 1 and (nonzero or not exercised)
        failures += 0 if ok else 1
        def named(series):
            labels = ",".join("%s=%s" % item for item in sorted(series["metric"].items()) if item[0] != "__name__")
            return ("{%s} " % labels if labels else "") + "%.6g" % float(series["value"][1])

        shown = ", ".join(named(series) for series in result[:4]) + (" ..." if len(result) > 4 else "")
        print(
            "%s %-36s %s  series=%d  values=[%s]%s"
            % ("ok  " if ok else "FAIL", panel["title"], target["refId"], len(result), shown,
               "" if exercised else "  (not exercised by the load)")
        )
print("%d queries, %d failed" % (count, failures))
sys.exit(1 if failures else 0)
