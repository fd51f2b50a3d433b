#!/usr/bin/env bash
# vigil against the real Prometheus, bit for bit: a few hundred generated
# PromQL expressions over the same data (one OpenMetrics file, turned into
# TSDB blocks by promtool for Prometheus and loaded by `vigil run
# --storage.load`), each asked of both HTTP APIs; the answers' data must be
# the same JSON text, numbers compared as the strings they are sent as —
# "4157438965351694300" and "4157438965351694336" are the same float and
# still a failure.
#
# The expressions stay where Prometheus 2.x (Debian's binary) and 3.x agree:
# query times sit 7s off the 15s sample grid (2.x's left-closed windows and
# 3.x's left-open ones select the same samples), and no sum or avg (3.x adds
# with Kahan compensation, 2.x does not). Within that, they aim at the
# edges: values past 2^53 and 1e21 and below 1e-6, exp/sinh/cosh near their
# overflow, ln of subnormals, trigonometry past 2^29, ^ with fractional
# exponents, date functions on values that are no times, count_values
# labels, scalar results. The generator is seeded: a failure reproduces.
# Usage: promql_differential_test.sh VIGIL PROMTOOL PROMETHEUS
set -u
vigil=$1
promtool=$2
prometheus=$3
work=$(mktemp -d)
die() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/support/prometheus_oracle.sh"

# One hour of 15s samples from 1700000000.
python3 - >"$work/data.om" <<'PY'
import math
base, step, n = 1700000000, 15, 241
edges = [709.43, 709.5, 710.0, 710.5, 0.7071067811865476, 5e-324,
         2.2250738585072014e-308, 1.0000000000000002, 21.5, 1e300,
         536870912.0, -745.1, 0.5, 2.0, 9.3e18, -9.3e18, 44.1, 0.625]
def series(labels, f):
    return ['g{%s} %r %d' % (labels, f(i), base + i * step) for i in range(n)]
out = ["# TYPE g gauge"]
out += series('kind="big"', lambda i: 4157438965351694336.0 + i * 2.0 ** 40)
out += series('kind="huge"', lambda i: 1e21 * (1 + i / 1000))
out += series('kind="tiny"', lambda i: 1e-7 * (1 + i % 7))
out += series('kind="neg"', lambda i: -3.5 - i * 0.25)
out += series('kind="unit"', lambda i: round(math.sin(i / 10), 6))
out += series('kind="edge"', lambda i: edges[i % len(edges)])
out += series('kind="time"', lambda i: 1.7e9 + i * 3600 * 7.25)
out.append("# TYPE c counter")
for job, rate in (("a", 1.5), ("b", 1e15)):
    v = 0.0
    for i in range(n):
        v = 3.0 if (job == "a" and i == 120) else v + rate * step
        out.append('c_total{job="%s"} %r %d' % (job, v, base + i * step))
out.append("# EOF")
print("\n".join(out))
PY

start_oracle_pair "$work/data.om"

python3 - "$prom" "$vigil_url" <<'PY'
import json, os, random, sys, urllib.error, urllib.parse, urllib.request
prom, vigil = sys.argv[1], sys.argv[2]
# VIGIL_DIFF_SEED and VIGIL_DIFF_SCALE explore further; CI runs the default.
rnd = random.Random(int(os.environ.get("VIGIL_DIFF_SEED", "20240622")))
scale = int(os.environ.get("VIGIL_DIFF_SCALE", "1"))
base = 1700000000

KINDS = ["big", "huge", "tiny", "neg", "unit", "edge", "time"]
MATH = ["exp", "ln", "log2", "log10", "sqrt", "sin", "cos", "tan", "asin",
        "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
        "deg", "rad", "abs", "ceil", "floor", "round", "sgn"]
DATE = ["hour", "minute", "month", "year", "day_of_week", "day_of_month",
        "day_of_year", "days_in_month"]
OVER_TIME = ["max_over_time", "min_over_time", "last_over_time",
             "changes", "deriv", "delta", "idelta", "resets"]
OPS = ["+", "-", "*", "/", "%", "^", "atan2"]
NUMS = ["2", "3", "0.5", "-2", "0.3", "1e21", "1e-7", "9007199254740993",
        "4157438965351694336", "1/3", "709.5", "1e-300", "2^62", "7.5",
        "NaN", "Inf", "-0.5", "60"]

def selector():
    return 'g{kind="%s"}' % rnd.choice(KINDS)

def vector(depth):
    r = rnd.random()
    if depth <= 0 or r < 0.25:
        if rnd.random() < 0.15:
            return "vector(%s)" % rnd.choice(NUMS)
        return selector()
    if r < 0.5:
        return "%s(%s)" % (rnd.choice(MATH), vector(depth - 1))
    if r < 0.6:
        return "%s(%s)" % (rnd.choice(DATE), vector(depth - 1))
    if r < 0.8:
        lhs, rhs = vector(depth - 1), rnd.choice(NUMS)
        op = rnd.choice(OPS)
        if op == "atan2":
            # Prometheus keeps the name here before 2.46 (fixed in #12595).
            lhs = "(%s * 1)" % lhs
        return "(%s %s %s)" % ((lhs, op, rhs) if rnd.random() < 0.6 else (rhs, op, lhs))
    if r < 0.9:
        return "%s(%s[10m])" % (rnd.choice(OVER_TIME), selector())
    agg = rnd.choice(["min", "max", "count", "group"])
    return "%s without (kind) (%s)" % (agg, vector(depth - 1))

def scalar_expr():
    r = rnd.random()
    if r < 0.3:
        return "%s %s %s" % (rnd.choice(NUMS), rnd.choice(OPS), rnd.choice(NUMS))
    if r < 0.5:
        return "%s / time()" % rnd.choice(["1", "1e-9", "1e15", "-3"])
    if r < 0.8:
        return 'scalar(%s)' % vector(1)
    return "%s(vector(%s))" % (rnd.choice(MATH), rnd.choice(NUMS))

def query(server, params):
    path = "/api/v1/query_range" if "step" in params else "/api/v1/query"
    url = server + path + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
    # Numbers stay the text they were sent as.
    return json.loads(body, parse_float=str, parse_int=str)

def data(resp):
    if resp.get("status") != "success":
        return ("error", resp.get("errorType"))
    d = resp["data"]
    if d["resultType"] in ("vector", "matrix"):
        d["result"].sort(key=lambda s: json.dumps(s["metric"], sort_keys=True))
    return d

cases = []
for i in range(260 * scale):
    t = str(base + 607 + 60 * rnd.randrange(50))
    cases.append({"query": vector(3), "time": t})
for i in range(60 * scale):
    t = str(base + 607 + 60 * rnd.randrange(50))
    cases.append({"query": scalar_expr(), "time": t})
for i in range(25 * scale):
    t = str(base + 607 + 60 * rnd.randrange(50))
    cases.append({"query": 'count_values("v", %s)' % vector(2), "time": t})
for i in range(30 * scale):
    start = base + 607 + 60 * rnd.randrange(20)
    q = vector(2) if rnd.random() < 0.7 else scalar_expr()
    cases.append({"query": q, "start": str(start), "end": str(start + 1800),
                  "step": "60"})

failures = 0
answered = 0
for c in cases:
    want, got = data(query(prom, c)), data(query(vigil, c))
    if want != got:
        failures += 1
        if failures <= 15:
            print("FAIL: %s\n  prometheus: %s\n  vigil:      %s"
                  % (json.dumps(c), json.dumps(want)[:600], json.dumps(got)[:600]))
    elif isinstance(want, dict) and (want["result"] or
                                     want["resultType"] == "scalar"):
        answered += 1
print("differential: %d expressions, %d answered alike with data, %d differ"
      % (len(cases), answered, failures))
# Most expressions must have data: a generator that only makes errors or
# empty results would prove nothing.
if answered < len(cases) * 0.8:
    print("FAIL: only %d of %d expressions gave data" % (answered, len(cases)))
    failures += 1
sys.exit(1 if failures else 0)
PY
