#!/usr/bin/env bash
# Remote write to receivers that misbehave (tests/support/bad_remote_receiver.py):
#  - "garbage" answers in turn 500, a reply that is not HTTP, 400 with
#    2 MiB of binary, a 200 cut short, 429 with a Retry-After of "banana",
#    a closed connection, status 999, and 204: vigil keeps running, logs
#    each kind of failure clearly, retries what is retryable and counts the
#    rest as failed, samples and metadata alike.
#  - "hung" reads each request and never answers: every attempt ends at
#    remote_timeout (1 s), is counted as failed and retried.
# Usage: remote_write_bad_receiver_test.sh VIGIL
set -eu
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
fail() {
  echo "FAIL: $*" >&2
  echo "--- vigil log" >&2; tail -30 "$work/vigil.log" >&2 || true
  exit 1
}
# metric NAME REMOTE: the sum of NAME's series of remote_name REMOTE.
metric() {
  curl -fsS "$vigil_url/metrics" | awk -v n="$1" -v r="remote_name=\"$2\"" '
    index($1, n "{") == 1 && index($1, r) > 0 { s += $NF } END { printf "%.0f\n", s }'
}
# bucket NAME REMOTE LE: one cumulative bucket of a histogram.
bucket() {
  curl -fsS "$vigil_url/metrics" | awk -v n="$1_bucket{" -v r="remote_name=\"$2\"" -v le="le=\"$3\"" '
    index($1, n) == 1 && index($1, r) > 0 && index($1, le) > 0 { s += $NF } END { printf "%.0f\n", s }'
}

mkdir "$work/peer"
{
  echo '# HELP kube_pod_info Information about pod.'
  echo '# TYPE kube_pod_info gauge'
  for p in 1 2 3 4 5 6 7 8; do echo "kube_pod_info{namespace=\"shop\",pod=\"p$p\"} 1"; done
} >"$work/peer/ksm.prom"
start_peer "$work/peer"

for mode in garbage hang; do
  python3 "$here/support/bad_remote_receiver.py" "$mode" "$work/$mode.port" &
  pids+=($!)
  for _ in $(seq 1 600); do [ -s "$work/$mode.port" ] && break; sleep 0.05; done
  [ -s "$work/$mode.port" ] || fail "the $mode receiver did not start"
done
garbage_port=$(cat "$work/garbage.port")
hang_port=$(cat "$work/hang.port")

cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: ksm
    static_configs: [{targets: ['127.0.0.1:$peer_port']}]
remote_write:
  - url: http://127.0.0.1:$garbage_port/api/v1/write
    name: garbage
    remote_timeout: 5s
    queue_config: {max_shards: 1, max_samples_per_send: 10,
                   batch_send_deadline: 100ms, min_backoff: 20ms,
                   max_backoff: 100ms}
    metadata_config: {send_interval: 1s}
  - url: http://127.0.0.1:$hang_port/api/v1/write
    name: hung
    remote_timeout: 1s
    queue_config: {max_shards: 1, max_samples_per_send: 10,
                   batch_send_deadline: 100ms, min_backoff: 20ms,
                   max_backoff: 100ms}
    metadata_config: {send: false}
YAML
port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
vigil_url="http://127.0.0.1:$port"
wait_http "$vigil_url/-/ready" || fail "vigil did not start"

# Twice round the garbage receiver's answers, and three hung attempts.
for _ in $(seq 1 300); do
  g=$(cat "$work/garbage.port.requests" 2>/dev/null || true)
  g=${g:-0}
  h=$(metric vigil_remote_storage_requests_failed_total hung)
  [ "$g" -ge 16 ] && [ "$h" -ge 3 ] && break
  sleep 0.2
done
[ "$g" -ge 16 ] || fail "the garbage receiver got only $g requests"
[ "$h" -ge 3 ] || fail "only $h hung attempts ended"
kill -0 "$vigil_pid" 2>/dev/null || fail "vigil exited"
curl -fsS "$vigil_url/-/ready" >/dev/null || fail "vigil stopped answering"

# garbage: the 400, the 429 (not retried by default) and the 999 drop their
# batch; the 500, the non-HTTP reply, the cut 200 and the closed connection
# are retried.
failed=$(metric vigil_remote_storage_samples_failed_total garbage)
md_failed=$(metric vigil_remote_storage_metadata_failed_total garbage)
retried=$(metric vigil_remote_storage_samples_retried_total garbage)
md_retried=$(metric vigil_remote_storage_metadata_retried_total garbage)
req_failed=$(metric vigil_remote_storage_requests_failed_total garbage)
[ $((failed + md_failed)) -gt 0 ] || fail "garbage: nothing counted as failed"
[ $((retried + md_retried)) -gt 0 ] || fail "garbage: nothing retried"
[ "$req_failed" -ge 14 ] || fail "garbage: $req_failed failed requests of $g (7 in 8 fail)"
# One line per kind of event a minute: the first retry (the 500) and the
# first drop (the 400) of the cycle.
for text in "server returned HTTP status 500: boom!" \
            "server returned HTTP status 400: (a body that is not text)"; do
  grep -qF "$text" "$work/vigil.log" || fail "the log does not say \"$text\""
done
echo "garbage: $(cat "$work/garbage.port.requests") requests read, $req_failed failed; samples $failed failed / $retried retried; metadata $md_failed failed / $md_retried retried"

# hung: each attempt took remote_timeout (1 s): none ended before 0.5 s,
# all within 2.5 s; nothing got through.
count=$(curl -fsS "$vigil_url/metrics" | awk '
  index($1, "vigil_remote_storage_sent_batch_duration_seconds_count{") == 1 &&
  index($1, "remote_name=\"hung\"") > 0 { s += $NF } END { printf "%.0f\n", s }')
fast=$(bucket vigil_remote_storage_sent_batch_duration_seconds hung 0.5)
within=$(bucket vigil_remote_storage_sent_batch_duration_seconds hung 2.5)
[ "$fast" = 0 ] || fail "hung: $fast attempts ended before 0.5 s"
[ "$within" -ge "$count" ] || fail "hung: only $within of $count attempts ended within 2.5 s"
[ "$(metric vigil_remote_storage_samples_retried_total hung)" -gt 0 ] || fail "hung: nothing retried"
[ "$(metric vigil_remote_storage_queue_highest_sent_timestamp_seconds hung)" = 0 ] ||
  fail "hung: a sample counts as sent"
grep -q "remote_name=hung.*timed out" "$work/vigil.log" || fail "the log does not say the hung remote timed out"
echo "hung: $count attempts, each ended at remote_timeout"
grep -m3 "remote_name=" "$work/vigil.log"

# Stopping with both still failing ends within the flush deadline.
kill "$vigil_pid"
for _ in $(seq 1 100); do kill -0 "$vigil_pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$vigil_pid" 2>/dev/null && fail "vigil did not stop within 20 s"
wait "$vigil_pid" 2>/dev/null || true
echo "PASS"
