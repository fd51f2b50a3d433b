#!/usr/bin/env bash
# `vigil query` against the real Prometheus: one recorded OpenMetrics file
# is turned into TSDB blocks by promtool and served by Debian's prometheus,
# and loaded by `vigil run --storage.load`. For each expression,
#   vigil query --data FILE          (in-process)
#   vigil query --server prometheus  (the oracle)
#   vigil query --server vigil       (vigil's HTTP API over the loaded data)
# must give the same result. Then: exit codes and messages of bad input, the
# table format, and vigil's own HTTP request metrics on /metrics.
# Query times sit 7s off the 15s sample grid, so that Prometheus 2.x's
# left-closed windows and 3.x's left-open ones select the same samples.
# Usage: query_oracle_test.sh VIGIL PROMTOOL PROMETHEUS
set -u
vigil=$1
promtool=$2
prometheus=$3
work=$(mktemp -d)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/support/prometheus_oracle.sh"

# Two hours of 15s samples from 1700000000: counters (one resets), a gauge,
# a classic histogram.
python3 - >"$work/data.om" <<'PY'
base, step = 1700000000, 15
n = 2 * 3600 // step
out = ["# HELP http_requests Requests served.", "# TYPE http_requests counter"]
for code, inst, rate in (("200", "a", 10), ("500", "a", 0.5), ("200", "b", 7)):
    v = 0.0
    for i in range(n + 1):
        v += rate * step
        if inst == "b" and i == n // 2:
            v = 3.0
        out.append('http_requests_total{code="%s",instance="%s"} %g %d'
                   % (code, inst, v, base + i * step))
out.append("# TYPE temp gauge")
for i in range(n + 1):
    out.append("temp %g %d" % (20 + (i % 17) * 0.25, base + i * step))
out.append("# TYPE req_duration_seconds histogram")
for i in range(n + 1):
    t = base + i * step
    counts = [3 * i, 5 * i, 6 * i, 6 * i + i // 4]
    for le, c in zip(("0.1", "0.5", "1.0", "+Inf"), counts):
        out.append('req_duration_seconds_bucket{le="%s"} %d %d' % (le, c, t))
    out.append("req_duration_seconds_sum %g %d" % (2.5 * i, t))
    out.append("req_duration_seconds_count %d %d" % (counts[-1], t))
out.append("# EOF")
print("\n".join(out))
PY

start_oracle_pair "$work/data.om"

# The results' data, vectors sorted by labels, values compared as numbers.
cat >"$work/same.py" <<'PY'
import json, math, sys
def norm(path):
    body = json.load(open(path))
    if body.get("status") != "success":
        return body
    data = body["data"]
    if data["resultType"] in ("vector", "matrix"):
        data["result"].sort(key=lambda s: json.dumps(s["metric"], sort_keys=True))
    return data
def close(a, b):
    if isinstance(a, str) and isinstance(b, str):
        try:
            x, y = float(a), float(b)
        except ValueError:
            return a == b
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    return a == b
# same.py WORK N: case i has args.i and its three outputs.
work, bad = sys.argv[1], 0
for i in range(1, int(sys.argv[2]) + 1):
    args = open("%s/args.%d" % (work, i)).read().strip()
    want = norm("%s/prom.%d" % (work, i))
    for kind in ("data", "vigil"):
        got = norm("%s/%s.%d" % (work, kind, i))
        if not close(want, got):
            print("FAIL: %s: prometheus: %s\n  vigil (%s): %s"
                  % (args, json.dumps(want), kind, json.dumps(got)))
            bad += 1
            break
    else:
        print("ok %s" % args)
sys.exit(1 if bad else 0)
PY

n=0
compare() {  # ARGS... (the query flags and EXPR); judged by same.py below
  local i=$((n + 1))
  "$vigil" query --server "$prom" "$@" >"$work/prom.$i" 2>&1 ||
    { fail "prometheus rejected: $* ($(cat "$work/prom.$i"))"; return; }
  "$vigil" query --data "$work/data.om" "$@" >"$work/data.$i" 2>&1 ||
    { fail "vigil query --data: $* ($(cat "$work/data.$i"))"; return; }
  "$vigil" query --server "$vigil_url" "$@" >"$work/vigil.$i" 2>&1 ||
    { fail "vigil query --server vigil: $* ($(cat "$work/vigil.$i"))"; return; }
  echo "$*" >"$work/args.$i"
  n=$i
}

t=1700003607  # 7s after the counter reset of instance b
compare --time "$t" 'temp'
compare --time "$t" 'http_requests_total'
compare --time "$t" 'rate(http_requests_total[5m])'
compare --time "$t" 'sum by (code) (rate(http_requests_total[5m]))'
compare --time "$t" 'increase(http_requests_total{instance="b"}[10m])'
compare --time "$t" 'histogram_quantile(0.9, sum by (le) (rate(req_duration_seconds_bucket[5m])))'
compare --time "$t" 'avg_over_time(temp[10m])'
compare --time "$t" 'quantile_over_time(0.5, temp[30m])'
compare --time "$t" 'temp offset 30m > 21'
compare --time "$t" 'topk(2, http_requests_total)'
compare --time "$t" 'count by (instance) (http_requests_total)'
compare --time "$t" 'scalar(sum(http_requests_total))'
compare --time "$t" 'absent(nonexistent)'
compare --time "$t" 'timestamp(temp)'
compare --time 2023-11-14T23:13:27Z 'deriv(temp[15m])'
compare --start 1700000307 --end 1700007007 --step 60 'sum(rate(http_requests_total[5m]))'
compare --start 1700000307 --end 1700007007 --step 5m 'temp'
compare --start 2023-11-14T22:18:27Z --end 2023-11-14T23:58:27Z --step 120 \
  'histogram_quantile(0.5, rate(req_duration_seconds_bucket[5m]))'

python3 "$work/same.py" "$work" "$n" || fail "results differ from Prometheus's"

# Without --time, --data queries at the newest sample (1700007200).
"$vigil" query --data "$work/data.om" 'temp' >"$work/default.json" ||
  fail "default time query failed"
grep -q '"value":\[1700007200,' "$work/default.json" ||
  fail "--data default time is not the newest sample: $(cat "$work/default.json")"

# --format table.
"$vigil" query --data "$work/data.om" --format table --time "$t" \
  'sort(http_requests_total)' >"$work/table" || fail "table query failed"
head -1 "$work/table" | grep -q '^SERIES  *TIMESTAMP  *VALUE$' ||
  fail "table header: $(cat "$work/table")"
grep -q '^http_requests_total{code="500", instance="a"}  *2023-11-14T23:13:27Z  *1807.5$' \
  "$work/table" || fail "table row: $(cat "$work/table")"

# expect_exit WANT STDERR_SUBSTRING ARGS...
expect_exit() {
  local want=$1 needle=$2
  shift 2
  "$vigil" query "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || fail "vigil query $*: exit $got, want $want ($(cat "$work/err"))"
  grep -qF -- "$needle" "$work/err" ||
    fail "vigil query $*: stderr lacks '$needle': $(cat "$work/err")"
}
expect_exit 2 "parse error" --data "$work/data.om" 'sum(temp'
expect_exit 2 "parse error" --server "$prom" 'sum(temp'
expect_exit 2 "parse error" --server "$vigil_url" 'sum(temp'
printf 'a 1 200\na 2 100\n# EOF\n' >"$work/bad.om"
expect_exit 2 "bad.om:2:5: out of order sample" --data "$work/bad.om" 'a'
expect_exit 2 "missing.om" --data "$work/missing.om" 'a'
expect_exit 2 "cannot query" --server "http://127.0.0.1:1" 'up'
expect_exit 2 "either --data" --data "$work/data.om" --server "$prom" 'up'
expect_exit 2 "invalid --time" --data "$work/data.om" --time yesterday 'up'
# Many-to-many matching fails at run time: exit 1, here and on Prometheus.
expect_exit 1 "many-to-many" --data "$work/data.om" --time "$t" \
  'http_requests_total + on(code) http_requests_total'
expect_exit 1 "many-to-many" --server "$prom" --time "$t" \
  'http_requests_total + on(code) http_requests_total'

# vigil run refuses a bad --storage.load file, naming file:line:col.
"$vigil" run --config.file="$work/empty.yml" --storage.load "$work/bad.om" \
  --web.listen-address=127.0.0.1:0 >"$work/bad-run.log" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "vigil run with a bad --storage.load: exit $rc"
grep -q 'bad.om:2:5: out of order' "$work/bad-run.log" ||
  fail "vigil run: $(cat "$work/bad-run.log")"

# vigil's request metrics: by route pattern, never the raw URL.
curl -fsS "$vigil_url/api/v1/label/__name__/values" >/dev/null || fail "label values"
curl -sS "$vigil_url/no/such/page" >/dev/null || true
curl -fsS "$vigil_url/metrics" >"$work/metrics" || fail "/metrics"
for re in \
  '^vigil_http_requests_total{code="200",handler="/api/v1/query"} [1-9]' \
  '^vigil_http_requests_total{code="400",handler="/api/v1/query"} [1-9]' \
  '^vigil_http_requests_total{code="200",handler="/api/v1/query_range"} [1-9]' \
  '^vigil_http_requests_total{code="200",handler="/api/v1/label/:name/values"} 1$' \
  '^vigil_http_requests_total{code="404",handler="other"} 1$' \
  '^vigil_http_request_duration_seconds_bucket{handler="/api/v1/query",le="0.1"} [1-9]' \
  '^vigil_http_request_duration_seconds_count{handler="/api/v1/query_range"} [1-9]'; do
  grep -q "$re" "$work/metrics" || fail "/metrics lacks $re"
done
if grep -q 'handler="/no/such/page"\|handler="/api/v1/label/__name__' "$work/metrics"; then
  fail "/metrics has a raw URL as handler"
fi

if [ "$failures" -ne 0 ]; then
  echo "query oracle: $failures failure(s)" >&2
  exit 1
fi
echo "query oracle: all checks passed"
