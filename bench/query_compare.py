#!/usr/bin/env python3
"""The measured phase of query_side_by_side.sh: runs every query of QUERIES
against both servers as a range query and as an instant query, ROUNDS
times, alternating which server goes first, and times each answer from
request to last byte over a kept-alive connection (no compression asked,
as curl and Grafana without a proxy). Then prints the median per query and
server, Prometheus / vigil, and the geometric means of those ratios per
mode; and exits 1 when any answer of vigil differs from Prometheus's:
same status, result type, series (label sets) and timestamps, values equal
within a relative 1e-9 (Prometheus 2.42 and 3.x sum in different orders);
native histograms bucket by bucket within the same tolerance.

usage: query_compare.py QUERIES PROM_PORT VIGIL_PORT START END STEP ROUNDS
  QUERIES: a file of "name<TAB>expression" lines (a name starting with "~"
  is compared but a difference does not fail); START/END unix seconds
  (END is also the instant queries' time); STEP seconds.
environment: MODES ("range,instant" by default) runs only those modes,
  ONLY (a regular expression) only the queries whose names it matches.
"""
import http.client
import json
import math
import os
import re
import statistics
import sys
import time
import urllib.parse

REL_TOL = 1e-9


def fetch(server, conn, path, params):
    # Bytes, so that http.client sends headers and body in one segment:
    # a second small segment would wait for a delayed ACK (Nagle).
    body = urllib.parse.urlencode(params).encode()
    for attempt in (1, 2):
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body,
                         {"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            data = resp.read()
            return time.perf_counter() - t0, resp.status, data
        except (ConnectionError, http.client.HTTPException) as e:
            # A server may close a kept-alive connection; a new one is timed.
            print(f"{server}: {e!r}; reconnecting", file=sys.stderr)
            conn.close()
            if attempt == 2:
                raise


def same_value(a, b):
    if isinstance(a, dict) or isinstance(b, dict):
        return same_histogram(a, b)
    fa, fb = float(a), float(b)
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return abs(fa - fb) <= REL_TOL * max(abs(fa), abs(fb)) + 1e-300


def same_histogram(a, b):
    """Native histograms as the API encodes them: count, sum and every
    bucket's boundary rule, bounds and count."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if not (same_value(a["count"], b["count"]) and
            same_value(a["sum"], b["sum"])):
        return False
    ba, bb = a.get("buckets", []), b.get("buckets", [])
    return len(ba) == len(bb) and all(
        x[0] == y[0] and all(same_value(p, q) for p, q in zip(x[1:], y[1:]))
        for x, y in zip(ba, bb))


def points(series):
    """A series' float and histogram points in time order."""
    out = list(series.get("values", [])) + list(series.get("histograms", []))
    for single in ("value", "histogram"):
        if single in series:
            out.append(series[single])
    return sorted(out, key=lambda p: p[0])


def differences(prom, vigil):
    """Why two answers differ, at most a few lines; [] when they agree."""
    p, v = json.loads(prom), json.loads(vigil)
    if p.get("status") != v.get("status"):
        return [f"status {p.get('status')} vs {v.get('status')}: "
                f"{v.get('error') or p.get('error')}"]
    if p["status"] != "success":
        return []
    pd, vd = p["data"], v["data"]
    if pd["resultType"] != vd["resultType"]:
        return [f"resultType {pd['resultType']} vs {vd['resultType']}"]
    if pd["resultType"] in ("scalar", "string"):
        ok = pd["result"][0] == vd["result"][0] and same_value(
            pd["result"][1], vd["result"][1])
        return [] if ok else [f"{pd['result']} vs {vd['result']}"]
    pm = {frozenset(s["metric"].items()): points(s) for s in pd["result"]}
    vm = {frozenset(s["metric"].items()): points(s) for s in vd["result"]}
    out = []
    for key in pm.keys() - vm.keys():
        out.append(f"only Prometheus has {dict(key)}")
    for key in vm.keys() - pm.keys():
        out.append(f"only vigil has {dict(key)}")
    for key in pm.keys() & vm.keys():
        a, b = pm[key], vm[key]
        if len(a) != len(b):
            out.append(f"{dict(key)}: {len(a)} vs {len(b)} points")
            continue
        for (ta, va), (tb, vb) in zip(a, b):
            if ta != tb or not same_value(va, vb):
                out.append(f"{dict(key)}: [{ta}, {va}] vs [{tb}, {vb}]")
                break
    return out[:5]


def main():
    qfile, prom_port, vigil_port, start, end, step, rounds = sys.argv[1:8]
    rounds = int(rounds)
    queries = [line.rstrip("\n").split("\t", 1) for line in open(qfile)
               if line.strip() and not line.startswith("#")]
    only = re.compile(os.environ.get("ONLY", ""))
    queries = [q for q in queries if only.search(q[0])]
    if not queries:
        sys.exit(f"no query of {qfile} matches ONLY={only.pattern}")
    servers = {
        "prometheus": http.client.HTTPConnection("127.0.0.1", int(prom_port),
                                                 timeout=600),
        "vigil": http.client.HTTPConnection("127.0.0.1", int(vigil_port),
                                            timeout=600),
    }
    modes = {
        "range": ("/api/v1/query_range",
                  {"start": start, "end": end, "step": step}),
        "instant": ("/api/v1/query", {"time": end}),
    }
    wanted = os.environ.get("MODES", "range,instant").split(",")
    for mode in wanted:
        if mode not in modes:
            sys.exit(f"MODES: unknown mode {mode!r} (range, instant)")
    modes = {m: modes[m] for m in wanted}
    times = {}  # (mode, name, server) -> [seconds]
    sizes = {}  # (mode, name, server) -> bytes
    failures = []
    for r in range(rounds):
        for mode, (path, params) in modes.items():
            for name, expr in queries:
                order = ["prometheus", "vigil"]
                if r % 2 == 1:
                    order.reverse()
                bodies = {}
                for server in order:
                    secs, status, body = fetch(server, servers[server],
                                               path, dict(params, query=expr))
                    times.setdefault((mode, name, server), []).append(secs)
                    sizes[(mode, name, server)] = len(body)
                    bodies[server] = (status, body)
                if r == 0:
                    diff = differences(bodies["prometheus"][1],
                                       bodies["vigil"][1])
                    if bodies["prometheus"][0] != 200:
                        diff.insert(0, "Prometheus answered "
                                    f"{bodies['prometheus'][0]}")
                    if diff:
                        failures.append((mode, name, diff))

    print(f"{'mode':8} {'query':28} {'prometheus':>11} {'vigil':>9} "
          f"{'prom/vigil':>10} {'answer':>10}")
    for mode in modes:
        ratios = []
        for name, _ in queries:
            p = statistics.median(times[(mode, name, "prometheus")]) * 1000
            v = statistics.median(times[(mode, name, "vigil")]) * 1000
            ratios.append(p / v)
            size = sizes[(mode, name, "vigil")]
            print(f"{mode:8} {name:28} {p:9.1f}ms {v:7.1f}ms "
                  f"{p / v:10.2f} {size / 1e6:8.2f}MB")
        geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        print(f"{mode:8} {'geometric mean':28} {'':11} {'':9} {geo:10.2f}")
    for mode, name, diff in failures:
        print(f"DIFFERENT {mode} {name}:", file=sys.stderr)
        for line in diff:
            print(f"  {line}", file=sys.stderr)
    binding = [name for _, name, _ in failures if not name.startswith("~")]
    return 1 if binding else 0


if __name__ == "__main__":
    sys.exit(main())
