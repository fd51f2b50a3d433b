#!/usr/bin/env bash
# Native histograms over remote write, with Debian's Prometheus 2.42 as the
# receiver (--web.enable-remote-write-receiver
# --enable-feature=native-histograms): vigil scrapes protobuf payloads with
# native histograms (tests/support/proto_payload_gen: exponential
# histograms of schemas 0..3 with positive, negative and zero buckets, a
# classic histogram, a counter), records a histogram-valued rule, and
# follows its write-ahead log with send_native_histograms: true. Prometheus
# then holds what vigil holds: the raw histogram series and the histogram
# queries answer the same on both, compared within 1e-9 relative.
#
# histogram_quantile over native exponential buckets is the exception
# (tests/support/compare_query_answers.py): vigil follows Prometheus 3's
# interpolation, 2.42 interpolates linearly, so those answers may differ by
# up to a bucket's width over the same data.
# Usage: remote_write_histogram_e2e_test.sh VIGIL PROMETHEUS GEN
set -eu
vigil=$1
prometheus=$2
gen=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
now() { python3 -c 'import time; print(f"{time.time():.3f}")'; }
# metric URL NAME: the sum of NAME's series in vigil's /metrics.
metric() {
  curl -fsS "$1/metrics" | awk -v n="$2" '
    $1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.3f\n", s }'
}

# Payloads without timestamps: vigil stamps each scrape, and remote write
# sends only what was appended after its queue started.
steps=20
mkdir "$work/payloads"
for k in $(seq 0 $((steps - 1))); do
  "$gen" --step "$k" --pods 4 >"$work/payloads/step-$k.bin"
done
python3 "$here/support/proto_payload_server.py" "$work/payloads" &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/payloads/port" ] && break; sleep 0.05; done
target="127.0.0.1:$(cat "$work/payloads/port")"

prom_port=$(free_port)
echo 'global: {scrape_interval: 1m}' >"$work/prom.yml"
"$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
  --web.enable-remote-write-receiver --enable-feature=native-histograms \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prom.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"
wait_http "$prom/-/ready" || fail "prometheus did not start"

cat >"$work/rules.yml" <<'YAML'
groups:
  - name: hist
    interval: 1s
    rules:
      # A float histogram, as PromQL computes it.
      - record: job_kind:demo_latency_seconds:rate1m
        expr: sum by (job_kind) (rate(demo_latency_seconds[1m]))
YAML
cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: demo
    scrape_native_histograms: true
    static_configs: [{targets: ['$target']}]
remote_write:
  - url: $prom/api/v1/write
    name: receiver
    send_native_histograms: true
    queue_config: {max_samples_per_send: 50, batch_send_deadline: 100ms}
    metadata_config: {send: false}
YAML
port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$work/vigil-data" >"$work/vigil.log" 2>&1 &
pids+=($!)
vigil_url="http://127.0.0.1:$port"
wait_http "$vigil_url/-/ready" || fail "vigil did not start"

# vigil has scraped every step (then the last again), and sent past it.
for _ in $(seq 1 600); do
  python3 - "$target" "$steps" <<'PY' && break
import json, sys, urllib.request
counts = json.load(urllib.request.urlopen("http://%s/status" % sys.argv[1]))
sys.exit(0 if counts.get("vigil", 0) > int(sys.argv[2]) + 2 else 1)
PY
  sleep 0.2
done
at=$(now)
for _ in $(seq 1 300); do
  sent=$(metric "$vigil_url" vigil_remote_storage_queue_highest_sent_timestamp_seconds)
  python3 -c "import sys; sys.exit(0 if $sent >= $at + 2 else 1)" && break
  sleep 0.2
done
python3 -c "import sys; sys.exit(0 if $sent >= $at + 2 else 1)" ||
  fail "vigil did not send past $at (highest sent: $sent)"
histograms=$(metric "$vigil_url" vigil_remote_storage_histograms_total)
failed=$(metric "$vigil_url" vigil_remote_storage_histograms_failed_total)
python3 -c "import sys; sys.exit(0 if $histograms > 0 and $failed == 0 else 1)" ||
  fail "histograms sent: $histograms, failed: $failed"
echo "vigil sent $histograms histograms"

python3 "$here/support/compare_query_answers.py" "$vigil_url" "$prom" "$at" <<'Q' ||
histogram: demo_latency_seconds
histogram: job_kind:demo_latency_seconds:rate1m
demo_requests_total
histogram_count(demo_latency_seconds)
histogram_sum(demo_latency_seconds)
histogram_count(rate(demo_latency_seconds[1m]))
histogram_sum(rate(demo_latency_seconds[1m]))
histogram_count(job_kind:demo_latency_seconds:rate1m)
histogram_sum(job_kind:demo_latency_seconds:rate1m)
histogram_quantile(0.9, rate(demo_latency_seconds[1m]))
histogram_quantile(0.99, demo_latency_seconds)
histogram_quantile(0.5, job_kind:demo_latency_seconds:rate1m)
sum by (job_kind) (demo_latency_seconds)
count_over_time(demo_latency_seconds[1m])
histogram_quantile(0.9, sum by (le) (rate(demo_size_bytes_bucket[1m])))
Q
  fail "answers differ"
echo PASS
