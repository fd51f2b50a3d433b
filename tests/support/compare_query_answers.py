#!/usr/bin/env python3
"""Asks vigil and Prometheus the same instant queries and compares the
answers: the same series, floats and native histograms (count, sum, every
bucket) within 1e-9 relative.

  compare_query_answers.py VIGIL_URL PROMETHEUS_URL TIME < QUERIES

QUERIES: one a line. A line "histogram: Q" also requires every series of
Q's answer in Prometheus to be a native histogram.

histogram_quantile over native exponential buckets (any histogram_quantile
not over classic `_bucket` series) is compared more loosely: Prometheus 3,
which vigil follows, interpolates exponentially within a bucket
(prometheus#14677), 2.42 linearly, so the two may differ by up to a
bucket's width (a factor of 2 at schema 0); both must be positive and
within that factor. Exits 1 when anything differs, naming each
difference."""
import json
import math
import sys
import urllib.parse
import urllib.request


def ask(base, q, at):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": at})
    r = json.load(urllib.request.urlopen(url))
    if r["status"] != "success":
        raise SystemExit("%s: %s" % (base, r))
    return {json.dumps(s["metric"], sort_keys=True): s for s in r["data"]["result"]}


def close(a, b):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def same(x, y):
    if "value" in x or "value" in y:
        return "value" in x and "value" in y and close(x["value"][1], y["value"][1])
    hx, hy = x["histogram"][1], y["histogram"][1]
    if not (close(hx["count"], hy["count"]) and close(hx["sum"], hy["sum"])):
        return False
    bx, by = hx.get("buckets", []), hy.get("buckets", [])
    return len(bx) == len(by) and all(
        p[0] == q[0] and close(p[1], q[1]) and close(p[2], q[2]) and close(p[3], q[3])
        for p, q in zip(bx, by))


def same_bucket(x, y):
    a, b = float(x["value"][1]), float(y["value"][1])
    return a > 0 and b > 0 and 0.5 <= a / b <= 2


def main():
    vigil, prom, at = sys.argv[1], sys.argv[2], sys.argv[3]
    queries = [line.strip() for line in sys.stdin if line.strip()]
    bad = 0
    for line in queries:
        must_be_histogram = line.startswith("histogram: ")
        q = line[len("histogram: "):] if must_be_histogram else line
        interpolated = q.startswith("histogram_quantile(") and "_bucket" not in q
        v, p = ask(vigil, q, at), ask(prom, q, at)
        if not p:
            print("no answer from Prometheus for", q)
            bad += 1
            continue
        if v.keys() != p.keys():
            print("series differ for", q, sorted(v), sorted(p))
            bad += 1
            continue
        for k in p:
            if must_be_histogram and "histogram" not in p[k]:
                print("not a histogram in Prometheus:", q, k, p[k])
                bad += 1
            ok = same_bucket(v[k], p[k]) if interpolated else same(v[k], p[k])
            if not ok:
                print("differ:", q, k, v[k], p[k])
                bad += 1
    print("%d queries, %d differences" % (len(queries), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
