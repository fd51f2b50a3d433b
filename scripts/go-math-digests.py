#!/usr/bin/env python3
"""Prints tests/go_math_test.cc's sweep table from a real Prometheus.

Each sweep is one range query, `fn(vector(time() * k + c))` (or the ^ and
atan2 operators with a second such term), whose points Prometheus computes
with Go's math package; the digest is FNV-1a over the little-endian bits of
the answers in time order (every NaN as 0x7ff8000000000000). The test
recomputes the same arguments the way PromQL does (float64(t_ms) / 1000,
then * k + c) and compares digests, so it checks bit for bit without
carrying the answers themselves.

Usage: go-math-digests.py http://127.0.0.1:9090   (an amd64 Prometheus on a
CPU with AVX and FMA: Go's Exp takes its fused path there, and so does
vigil's on such a CPU).
"""
import json
import math
import struct
import sys
import urllib.parse
import urllib.request

# fn, k, c, k2, c2, start, end, step (seconds): x = t * k + c.
SWEEPS = [
    ("exp", 0.001, -750.0, 0, 0, 0, 1500000, 150),
    ("exp", 1e-7, -1.0, 0, 0, 0, 20000000, 2000),
    ("exp", 1e-5, 709.3, 0, 0, 0, 20000, 2),
    ("ln", 0.001, 0.0, 0, 0, 1, 10000, 1),
    ("ln", 1e-9, 0.5, 0, 0, 0, 1000000000, 100000),
    ("ln", 123.456, 0.0, 0, 0, 0, 10000000, 1000),
    ("log2", 0.0001, 0.0, 0, 0, 0, 100000, 10),
    ("log2", 1.5e6, 0.0, 0, 0, 0, 10000000, 1000),
    ("log10", 0.0003, 0.0, 0, 0, 0, 100000, 10),
    ("sin", 0.001, -500.0, 0, 0, 0, 1000000, 100),
    ("cos", 0.001, -500.0, 0, 0, 0, 1000000, 100),
    ("tan", 0.001, -500.0, 0, 0, 0, 1000000, 100),
    ("sin", 1e10, 0.0, 0, 0, 0, 100000, 10),
    ("cos", 3.3e150, 0.0, 0, 0, 0, 100000, 10),
    ("tan", 7.7e290, 0.0, 0, 0, 0, 100000, 10),
    ("asin", 2e-6, -1.0, 0, 0, 0, 1000000, 100),
    ("acos", 2e-6, -1.0, 0, 0, 0, 1000000, 100),
    ("atan", 0.001, -50.0, 0, 0, 0, 100000, 10),
    ("atan", 1e3, -5e6, 0, 0, 0, 10000, 1),
    ("sinh", 0.0001, -1.0, 0, 0, 0, 20000, 2),
    ("sinh", 0.001, -712.0, 0, 0, 0, 1424000, 130),
    ("cosh", 0.001, -712.0, 0, 0, 0, 1424000, 130),
    ("tanh", 0.0001, -2.0, 0, 0, 0, 40000, 4),
    ("tanh", 0.001, -50.0, 0, 0, 0, 100000, 10),
    ("asinh", 0.001, -50.0, 0, 0, 0, 100000, 10),
    ("asinh", 1e6, 0.0, 0, 0, 0, 1000000, 100),
    ("acosh", 0.0001, 1.0, 0, 0, 0, 100000, 10),
    ("acosh", 1e5, 0.0, 0, 0, 0, 1000000, 100),
    ("atanh", 2e-6, -1.0, 0, 0, 0, 1000000, 100),
    ("^", 0.001, 0.0, 0.0, 2.5, 0, 100000, 10),
    ("^", 0.0001, 0.5, 0.0, 3.0, 0, 100000, 10),
    ("^", 0.0001, 0.5, 0.0, 7.0, 0, 100000, 10),
    ("^", 0.0, 1.0001, 0.01, -500.0, 0, 100000, 10),
    ("^", 0.0, 10.0, 0.0001, -3.0, 0, 100000, 10),
    ("^", 0.0003, -15.0, 0.0, 3.0, 0, 100000, 10),
    ("atan2", 0.001, -50.0, -0.0007, 30.0, 0, 100000, 10),
]


def term(k, c):
    return "time() * %r + %r" % (k, c)


def expr(fn, k, c, k2, c2):
    if fn in ("^", "atan2"):
        return "vector(%s) %s vector(%s)" % (term(k, c), fn, term(k2, c2))
    return "%s(vector(%s))" % (fn, term(k, c))


def fnv(values):
    h = 0xCBF29CE484222325
    for v in values:
        bits = 0x7FF8000000000000 if math.isnan(v) else struct.unpack(
            "<Q", struct.pack("<d", v))[0]
        for i in range(8):
            h ^= (bits >> (8 * i)) & 0xFF
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    url = sys.argv[1].rstrip("/")
    for fn, k, c, k2, c2, start, end, step in SWEEPS:
        q = urllib.parse.urlencode({
            "query": expr(fn, k, c, k2, c2),
            "start": start,
            "end": end,
            "step": step,
        })
        body = json.load(urllib.request.urlopen(url + "/api/v1/query_range?" + q))
        points = body["data"]["result"][0]["values"]
        if len(points) != (end - start) // step + 1:
            sys.exit("%s: a point is missing" % expr(fn, k, c, k2, c2))
        vals = [float(v.replace("Inf", "inf")) for _, v in points]
        print('    {"%s", %r, %r, %r, %r, %d, %d, %d, 0x%016xu},' %
              (fn, k, c, k2, c2, start, end, step, fnv(vals)))


if __name__ == "__main__":
    main()
