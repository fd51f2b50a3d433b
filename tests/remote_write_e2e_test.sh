#!/usr/bin/env bash
# Remote write end to end, with Debian's Prometheus as the receiver
# (--web.enable-remote-write-receiver):
#  1. vigil scrapes a KSM-shaped target and evaluates rules with
#     --storage.tsdb.path (the queue follows the write-ahead log): every
#     series has the same count_over_time in Prometheus as in vigil.
#  2. The receiver is stopped for longer than the queue can hold (capacity
#     10, one shard) and restarted on the same port: nothing is missing.
#  3. Without --storage.tsdb.path (memory mode) and no receiver, every
#     sample is either pending or counted as dropped (queue_full).
# Along the way the scrape target's metadata is sent (metadata_config) and
# accepted. Prometheus 2.42's receiver reads only the samples of a request
# (its /api/v1/metadata lists its own targets' metadata, not received
# metadata): acceptance, a 2xx, is what can be checked.
# Usage: remote_write_e2e_test.sh VIGIL PROMETHEUS [OUTAGE_SECONDS]
# OUTAGE_SECONDS (default 20): how long the receiver stays down in step 2;
# the issue's 3-minute outage is 180.
set -eu
vigil=$1
prometheus=$2
outage=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
now() { python3 -c 'import time; print(f"{time.time():.3f}")'; }
# metric URL NAME: the sum of NAME's series in vigil's /metrics.
metric() {
  curl -fsS "$1/metrics" | awk -v n="$2" '
    $1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.0f\n", s }'
}

mkdir "$work/peer"
{
  echo '# HELP kube_pod_container_status_running Describes whether the container is currently in running state.'
  echo '# TYPE kube_pod_container_status_running gauge'
  for p in 1 2 3 4 5 6; do
    echo "kube_pod_container_status_running{namespace=\"shop\",pod=\"p$p\",container=\"app\"} 1"
    echo "kube_pod_container_info{namespace=\"shop\",pod=\"p$p\",container=\"app\",image=\"shop:$p\"} 1"
  done
} >"$work/peer/ksm.prom"
start_peer "$work/peer"
peer=$peer_port

prom_port=$(free_port)
cat >"$work/prom.yml" <<'YAML'
global: {scrape_interval: 1m}
YAML
start_receiver() {
  "$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
    --web.enable-remote-write-receiver \
    --web.listen-address="127.0.0.1:$prom_port" >>"$work/prom.log" 2>&1 &
  receiver_pid=$!
  pids+=($receiver_pid)
  wait_http "http://127.0.0.1:$prom_port/-/ready" || fail "prometheus did not start"
}
start_receiver

cat >"$work/rules.yml" <<'YAML'
groups:
  - name: rw
    interval: 1s
    rules:
      - record: namespace:kube_pod_container_status_running:sum
        expr: sum by (namespace) (kube_pod_container_status_running)
      - alert: PodsRunning
        expr: kube_pod_container_status_running > 0
        for: 2s
YAML
# A tiny queue: the outage below outlasts what memory could hold.
cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: ksm
    static_configs: [{targets: ['127.0.0.1:$peer']}]
remote_write:
  - url: http://127.0.0.1:$prom_port/api/v1/write
    name: receiver
    queue_config:
      capacity: 10
      max_shards: 1
      max_samples_per_send: 10
      batch_send_deadline: 100ms
      min_backoff: 50ms
      max_backoff: 500ms
    metadata_config: {send_interval: 1s}
YAML
port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$work/vigil-data" >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
vigil_url="http://127.0.0.1:$port"
prom_url="http://127.0.0.1:$prom_port"
wait_http "$vigil_url/-/ready" || fail "vigil did not start"
start=$(now)

# wait_sent T: until vigil has sent every sample up to T (one shard sends in
# log order, so a sample sent from after T+2 s means all before T are out).
wait_sent() {
  for _ in $(seq 1 300); do
    sent=$(metric "$vigil_url" vigil_remote_storage_queue_highest_sent_timestamp_seconds)
    python3 -c "import sys; sys.exit(0 if $sent >= $1 + 2 else 1)" && return 0
    sleep 0.2
  done
  fail "vigil did not send samples past $1 (highest sent: $sent)"
}
# counts SERVER TIME RANGE: count_over_time of every series, one line each
# (counted from the range selector's samples: count_over_time itself drops
# the metric names, which would merge series).
counts() {
  curl -fsS "$1/api/v1/query" --data-urlencode "query={__name__=~\".+\"}[$3]" \
    --data-urlencode "time=$2" | python3 -c '
import json, sys
out = []
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    out.append(",".join(f"{k}={v}" for k, v in sorted(m.items())) + " " + str(len(r["values"])))
print("\n".join(sorted(out)))'
}
# compare T RANGE: the same series and counts in both.
compare() {
  want=$(counts "$vigil_url" "$1" "$2")
  got=$(counts "$prom_url" "$1" "$2")
  [ -n "$want" ] || fail "vigil has no series"
  [ "$(echo "$want" | wc -l)" -ge 14 ] || fail "vigil has only $(echo "$want" | wc -l) series: $want"
  [ "$want" = "$got" ] || fail "count_over_time differs; Prometheus:
$got
vigil:
$want"
}

# 1. Steady state.
for _ in $(seq 1 100); do
  [ "$(metric "$vigil_url" vigil_remote_storage_samples_total)" -gt 100 ] && break
  sleep 0.2
done
t1=$(now)
wait_sent "$t1"
range1=$(python3 -c "print(int($t1 - $start) + 5)")s
compare "$t1" "$range1"
echo "steady state: $(echo "$want" | wc -l) series equal"
for _ in $(seq 1 100); do
  [ "$(metric "$vigil_url" vigil_remote_storage_metadata_total)" -gt 0 ] && break
  sleep 0.2
done
md_sent=$(metric "$vigil_url" vigil_remote_storage_metadata_total)
md_failed=$(metric "$vigil_url" vigil_remote_storage_metadata_failed_total)
[ "$md_sent" -gt 0 ] || fail "no metadata was sent"
[ "$md_failed" = 0 ] || fail "the receiver refused $md_failed metadata entries"
echo "metadata: $md_sent entries accepted; the receiver's /api/v1/metadata: $(curl -fsS "$prom_url/api/v1/metadata")"

# 2. The receiver goes away for longer than the queue holds.
kill "$receiver_pid"
wait "$receiver_pid" 2>/dev/null || true
down_at=$(now)
for _ in $(seq 1 300); do
  [ "$(metric "$vigil_url" vigil_remote_storage_samples_retried_total)" -gt 0 ] && break
  sleep 0.2
done
[ "$(metric "$vigil_url" vigil_remote_storage_samples_retried_total)" -gt 0 ] ||
  fail "vigil never retried while the receiver was down"
# The outage itself: $outage s of scrapes and rules, hundreds of samples,
# far beyond the queue's 10.
while python3 -c "import sys; sys.exit(0 if $(now) - $down_at < $outage else 1)"; do sleep 1; done
appended_during=$(metric "$vigil_url" vigil_tsdb_head_samples_appended_total)
start_receiver
t2=$(now)
wait_sent "$t2"
range2=$(python3 -c "print(int($t2 - $start) + 5)")s
compare "$t2" "$range2"
dropped=$(metric "$vigil_url" vigil_remote_storage_samples_dropped_total)
failed=$(metric "$vigil_url" vigil_remote_storage_samples_failed_total)
[ "$dropped" = 0 ] || fail "log-backed mode dropped $dropped samples"
[ "$failed" = 0 ] || fail "log-backed mode failed $failed samples"
echo "after a $(python3 -c "print(int($t2 - $down_at))") s outage: $(echo "$want" | wc -l) series equal, nothing dropped ($appended_during samples appended by then)"
kill "$receiver_pid" "$vigil_pid"
wait "$receiver_pid" "$vigil_pid" 2>/dev/null || true

# 3. Memory mode, no receiver: every appended sample is pending or dropped,
# and counted as such.
dead_port=$(free_port)
sed "s#127.0.0.1:$prom_port#127.0.0.1:$dead_port#" "$work/vigil.yml" >"$work/vigil-mem.yml"
port=$(free_port)
"$vigil" run --config.file="$work/vigil-mem.yml" --web.listen-address="127.0.0.1:$port" \
  >"$work/vigil.log" 2>&1 &
pids+=($!)
vigil_url="http://127.0.0.1:$port"
wait_http "$vigil_url/-/ready" || fail "vigil (memory mode) did not start"
for _ in $(seq 1 100); do
  [ "$(metric "$vigil_url" vigil_remote_storage_samples_dropped_total)" -gt 50 ] && break
  sleep 0.2
done
# Between two scrapes nothing is appended: the counters then add up exactly.
exact=""
for _ in $(seq 1 50); do
  page=$(curl -fsS "$vigil_url/metrics")
  read -r appended queued dropped <<<"$(echo "$page" | awk '
    $1 == "vigil_tsdb_head_samples_appended_total" { a = $NF }
    index($1, "vigil_remote_storage_samples_pending{") == 1 { p += $NF }
    index($1, "vigil_remote_storage_samples_dropped_total{") == 1 { d += $NF }
    END { printf "%.0f %.0f %.0f\n", a, p, d }')"
  if [ "$appended" = "$((queued + dropped))" ]; then exact=1; break; fi
  sleep 0.1
done
[ -n "$exact" ] || fail "memory mode: $appended appended, $queued pending + $dropped dropped"
[ "$dropped" -gt 0 ] || fail "memory mode dropped nothing"
# A shard holds `capacity` queued plus the batch it is retrying.
[ "$queued" -le 20 ] || fail "memory mode holds $queued samples, more than capacity 10 + a batch of 10"
echo "memory mode: $appended appended = $queued pending + $dropped dropped"
echo "PASS"
