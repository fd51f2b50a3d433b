#!/usr/bin/env bash
# Native histograms end to end against Debian's Prometheus 2.42: both scrape
# the same protobuf payloads (tests/support/proto_payload_gen: exponential
# histograms of schemas 0..3 with positive, negative and zero buckets, a
# classic histogram, a counter; explicit timestamps, so both store the same
# samples), then answer the same histogram queries, compared within 1e-9
# relative.
#
# histogram_quantile over native exponential buckets is the exception:
# Prometheus 3 interpolates exponentially within a bucket
# (prometheus#14677), 2.42 linearly, so there the two may differ by up to a
# bucket's width (a factor of 2 at schema 0); the same series must answer,
# within that bound. promqltest holds 3.x's exact expectations for them.
# Usage: native_histogram_differential_test.sh VIGIL PROMETHEUS GEN
set -eu
vigil=$1
prometheus=$2
gen=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"

steps=20
step_ms=15000
serve_proto_payloads "$gen" "$steps" "$step_ms"
eval_s=$(((t0 + (steps - 1) * step_ms) / 1000))

cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
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

cat >"$work/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: demo
    static_configs: [{targets: ['$target']}]
YAML
prom_port=$(free_port)
"$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
  --enable-feature=native-histograms >"$work/prom.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"
wait_http "$vigil_url/-/ready" || fail "vigil did not start"
wait_http "$prom/-/ready" || fail "prometheus did not start"

# Each scraper has had every step once its count passes them.
for _ in $(seq 1 600); do
  python3 - "$target" "$steps" <<'PY' && break
import json, sys, urllib.request
counts = json.load(urllib.request.urlopen("http://%s/status" % sys.argv[1]))
done = [counts.get(p, 0) > int(sys.argv[2]) for p in ("vigil", "Prometheus")]
sys.exit(0 if all(done) else 1)
PY
  sleep 0.2
done
curl -fsS "http://$target/status" >"$work/status.json"

python3 "$here/support/compare_query_answers.py" "$vigil_url" "$prom" "$eval_s" <<'Q' ||
histogram_count(demo_latency_seconds)
histogram_sum(demo_latency_seconds)
histogram_count(rate(demo_latency_seconds[2m]))
histogram_sum(rate(demo_latency_seconds[2m]))
histogram_quantile(0.9, rate(demo_latency_seconds[2m]))
histogram_quantile(0.5, sum by (job_kind) (rate(demo_latency_seconds[2m])))
histogram_quantile(0.99, demo_latency_seconds)
histogram_fraction(0, 1, rate(demo_latency_seconds[2m]))
histogram_fraction(-1, 0.5, demo_latency_seconds)
sum by (job_kind) (demo_latency_seconds)
sum(rate(demo_latency_seconds[2m]))
rate(demo_requests_total[2m])
histogram_quantile(0.9, sum by (le) (rate(demo_size_bytes_bucket[2m])))
Q
  fail "answers differ"
echo PASS
