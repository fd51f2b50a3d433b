#!/usr/bin/env bash
# Native histograms through /federate, end to end: vigil scrapes protobuf
# payloads (tests/support/proto_payload_gen: exponential histograms of
# schemas 0..3 with negative, zero and positive buckets, a classic
# histogram, a counter; explicit timestamps), then Debian's Prometheus 2.42
# with --enable-feature=native-histograms (which makes it ask for the
# protobuf format first) scrapes vigil's /federate with honor_labels. What
# it stores must be what vigil has: the same series (plus vigil's external
# label), the same histograms bucket for bucket (the bucket bounds to the
# last digits, which 2.42 computes differently), and the same
# histogram_count and histogram_sum. A recording rule's float histograms
# (sent with float counts, the scraped ones with integer deltas) arrive
# sample for sample.
#
# histogram_quantile is compared within a bucket: Prometheus 3 (and vigil)
# interpolate exponentially inside a native bucket (prometheus#14677), 2.42
# linearly; the buckets themselves are compared exactly.
# Usage: federate_native_histograms_e2e_test.sh VIGIL PROMETHEUS GEN
set -eu
vigil=$1
prometheus=$2
gen=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"

steps=4
step_ms=15000
# Ending a minute ago, so also inside vigil's 5 minute federation lookback.
serve_proto_payloads "$gen" "$steps" "$step_ms"
last_ms=$((t0 + (steps - 1) * step_ms))
at=$((last_ms / 1000))

# A float histogram (counts × 0.3 are not whole): sent with float counts.
cat >"$work/rules.yml" <<'YAML'
groups:
  - name: fed
    interval: 1s
    rules:
      - record: demo:latency_seconds:scaled
        expr: demo_latency_seconds * 0.3
YAML
cat >"$work/vigil.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
  external_labels: {cluster: fed-nh}
rule_files: [rules.yml]
scrape_configs:
  - job_name: demo
    scrape_native_histograms: true
    static_configs: [{targets: ['$target']}]
YAML
port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" \
  --web.listen-address="127.0.0.1:$port" >"$work/vigil.log" 2>&1 &
pids+=($!)
vigil_url="http://127.0.0.1:$port"
wait_http "$vigil_url/-/ready" || fail "vigil did not start"

cat >"$work/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      'match[]': ['{job="demo"}']
    static_configs: [{targets: ['127.0.0.1:$port']}]
YAML
prom_port=$(free_port)
"$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
  --enable-feature=native-histograms >"$work/prom.log" 2>&1 &
pids+=($!)
prom_url="http://127.0.0.1:$prom_port"
wait_http "$prom_url/-/ready" || fail "prometheus did not start"

# The answer really is protobuf for what Prometheus asks.
accept='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,text/plain;version=0.0.4;q=0.5'
ctype=$(curl -fsS -o /dev/null -w '%{content_type}' -H "Accept: $accept" \
  "$vigil_url/federate?match%5B%5D=%7Bjob%3D%22demo%22%7D")
[ "$ctype" = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores" ] ||
  fail "Content-Type $ctype"

# Prometheus has the last step once the counter, federated in the same
# answers as the histograms, carries its timestamp for every pod.
for _ in $(seq 1 300); do
  n=$(curl -fsS "$prom_url/api/v1/query" \
    --data-urlencode "query=count(timestamp(demo_requests_total) == $at)" \
    --data-urlencode "time=$at" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  [ "$n" = 4 ] && break
  sleep 0.2
done
[ "$n" = 4 ] || fail "Prometheus did not get the last step ($n of 4 pods)"

python3 - "$vigil_url" "$prom_url" "$at" <<'PY' || fail "answers differ"
import json, math, sys, urllib.parse, urllib.request
vigil, prom, at = sys.argv[1], sys.argv[2], sys.argv[3]
def ask(base, q):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": at})
    r = json.load(urllib.request.urlopen(url))
    if r["status"] != "success":
        raise SystemExit("%s: %s" % (base, r))
    out = {}
    for s in r["data"]["result"]:
        m = dict(s["metric"])
        if base == vigil and m:
            m["cluster"] = "fed-nh"  # vigil's external label, added by /federate
        out[json.dumps(m, sort_keys=True)] = s
    return out
def bound(a, b):
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
def exact(x, y):
    if "value" in x or "value" in y:
        return x.get("value") == y.get("value")
    (tx, hx), (ty, hy) = x["histogram"], y["histogram"]
    if tx != ty or hx["count"] != hy["count"] or hx["sum"] != hy["sum"]:
        return False
    bx, by = hx.get("buckets", []), hy.get("buckets", [])
    # Counts and boundary rules exactly; bounds to the last digits, which
    # 2.42 computes differently from 3.x for schemas above 0.
    return len(bx) == len(by) and all(
        p[0] == q[0] and bound(p[1], q[1]) and bound(p[2], q[2]) and p[3] == q[3]
        for p, q in zip(bx, by))
def same_bucket(x, y):
    a, b = float(x["value"][1]), float(y["value"][1])
    return a > 0 and b > 0 and 0.5 <= a / b <= 2
bad = 0
histograms = 0
for q, check in [
    ("demo_latency_seconds", exact),
    ("histogram_count(demo_latency_seconds)", exact),
    ("histogram_sum(demo_latency_seconds)", exact),
    ("histogram_quantile(0.9, demo_latency_seconds)", same_bucket),
    ("histogram_quantile(0.5, demo_latency_seconds)", same_bucket),
    ("demo_requests_total", exact),
]:
    v, p = ask(vigil, q), ask(prom, q)
    if not v:
        print("vigil has nothing for", q); bad += 1; continue
    if v.keys() != p.keys():
        print("series differ for", q, sorted(v), sorted(p)); bad += 1; continue
    for k in v:
        histograms += "histogram" in v[k]
        if not check(v[k], p[k]):
            print("differ:", q, k, v[k], p[k]); bad += 1
if histograms != 4:
    print("want 4 native histograms, vigil answered", histograms); bad += 1
print("%d differences" % bad)
sys.exit(1 if bad else 0)
PY

# The recorded float histograms: every sample Prometheus took from
# /federate is vigil's sample at the same timestamp.
python3 - "$vigil_url" "$prom_url" <<'PY' || fail "recorded float histograms differ"
import json, sys, time, urllib.parse, urllib.request
vigil, prom = sys.argv[1], sys.argv[2]
Q = "demo:latency_seconds:scaled[5m]"
def ask(base, at):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": Q, "time": at})
    r = json.load(urllib.request.urlopen(url))
    out = {}
    for s in r["data"]["result"]:
        m = dict(s["metric"])
        m.pop("cluster", None)
        out[json.dumps(m, sort_keys=True)] = {t: h for t, h in s.get("histograms", [])}
    return out
def bound(a, b):
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
def same(x, y):
    bx, by = x.get("buckets", []), y.get("buckets", [])
    return x["count"] == y["count"] and x["sum"] == y["sum"] and len(bx) == len(by) and all(
        p[0] == q[0] and bound(p[1], q[1]) and bound(p[2], q[2]) and p[3] == q[3]
        for p, q in zip(bx, by))
for _ in range(150):
    at = time.time()
    p = ask(prom, at)
    if len(p) == 4 and all(p.values()):
        break
    time.sleep(0.2)
else:
    sys.exit("Prometheus has no recorded histograms: %s" % p)
v = ask(vigil, at)
bad = 0
whole = True
for k, samples in p.items():
    for t, h in samples.items():
        whole = whole and all(float(b[3]).is_integer() for b in h.get("buckets", []))
        if k not in v or t not in v[k] or not same(v[k][t], h):
            print("differ:", k, t, h, v.get(k, {}).get(t)); bad += 1
if whole:
    print("no float counts: the float form went untested"); bad += 1
print("%d recorded samples, %d differences" % (sum(map(len, p.values())), bad))
sys.exit(1 if bad else 0)
PY
echo PASS
