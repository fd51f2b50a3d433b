#!/usr/bin/env bash
# The storage directory on real, hostile file systems: a size-limited tmpfs
# that fills up while vigil scrapes (the log fails, is counted and logged,
# scraping and queries go on from memory, logging resumes when space comes
# back), a read-only one (a clear error naming the path, exit non-zero),
# and one locked by a running vigil. Mounting needs root (or a user
# namespace); where the machine does not allow it the test exits 77, which
# ctest reports as skipped.
# Usage: wal_disk_test.sh VIGIL_BINARY
set -eu
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
mounts=()
cleanup_mounts() {
  stop_own_children
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  cleanup
}
trap cleanup_mounts EXIT
fail() { echo "FAIL: $*" >&2; echo "--- vigil log" >&2; tail -30 "$work/vigil.log" >&2 || true; exit 1; }

mkdir "$work/small" "$work/ro"
if ! mount -t tmpfs -o size=2m tmpfs "$work/small" 2>/dev/null; then
  echo "SKIPPED: this machine does not allow mounting a tmpfs"
  exit 77
fi
mounts+=("$work/small")

mkdir "$work/peer"
{
  echo '# TYPE kube_pod_container_status_running gauge'
  for p in $(seq 1 2000); do
    echo "kube_pod_container_status_running{namespace=\"ns\",pod=\"p$p\",container=\"app\"} 1"
  done
} >"$work/peer/ksm.prom"
start_peer "$work/peer"
peer=$peer_port
cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: ksm
    static_configs: [{targets: ['127.0.0.1:$peer']}]
YAML

port=$(free_port)
base="http://127.0.0.1:$port"
metric() {  # NAME → value from /metrics
  curl -fsS "$base/metrics" | awk -v n="$1" '$1 == n {print $2}'
}
ups() {
  curl -fsS "$base/api/v1/query" --data-urlencode 'query=count_over_time(up[1h])' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}

# Most of the 2 MiB taken before vigil starts: the log fills the rest.
head -c 1900000 /dev/zero >"$work/small/filler"
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$work/small/data" >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
wait_http "$base/-/ready" || fail "vigil did not start"
# Values change every scrape (the peer's file is rewritten), so the log
# grows until the file system is full.
for i in $(seq 1 300); do
  {
    echo '# TYPE kube_pod_container_status_running gauge'
    python3 -c 'import random
for p in range(1, 2001):
    print(f"kube_pod_container_status_running{{namespace=\"ns\",pod=\"p{p}\",container=\"app\"}} {random.random()}")' 
  } >"$work/peer/ksm.prom.new"
  mv "$work/peer/ksm.prom.new" "$work/peer/ksm.prom"
  failed=$(metric vigil_tsdb_wal_writes_failed_total)
  [ "${failed:-0}" != 0 ] && break
  sleep 0.2
done
[ "${failed:-0}" != 0 ] || fail "the log never failed on a full file system"
up_before=$(ups)
for _ in $(seq 1 150); do
  up_after=$(ups)
  [ "$up_after" -gt "$up_before" ] && break
  sleep 0.2
done
[ "$up_after" -gt "$up_before" ] || fail "scraping stopped with the disk full ($up_before → $up_after)"
curl -fsS -o /dev/null "$base/-/ready" || fail "not ready with the disk full"
n=$(grep -c 'Writing the write-ahead log failed' "$work/vigil.log" || true)
[ "$n" = 1 ] || fail "the failure was logged $n times in a few seconds, not once"

# Space comes back.
rm "$work/small/filler"
for _ in $(seq 1 100); do
  grep -q 'Writing the write-ahead log works again' "$work/vigil.log" && break
  sleep 0.1
done
grep -q 'Writing the write-ahead log works again' "$work/vigil.log" || fail "logging did not resume"
kill -0 "$vigil_pid" || fail "vigil died"

# A second vigil on the same directory: refused, the first unharmed.
port2=$(free_port)
if "$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port2" \
  --storage.tsdb.path="$work/small/data" >"$work/second.log" 2>&1; then
  fail "a second vigil ran on a locked directory"
fi
grep -q "$work/small/data is in use by another process" "$work/second.log" ||
  fail "no clear error for the lock: $(cat "$work/second.log")"
kill -0 "$vigil_pid" || fail "the first vigil died"
{ kill -TERM "$vigil_pid"; wait "$vigil_pid"; } 2>/dev/null || true

# Read-only: a clear error naming the path, and nothing deleted.
mount -t tmpfs -o size=1m tmpfs "$work/ro"
mounts+=("$work/ro")
mkdir -p "$work/ro/data/wal"
printf 'VWAL\001\000\000\000' >"$work/ro/data/wal/00000000"
mount -o remount,ro "$work/ro"
if "$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port2" \
  --storage.tsdb.path="$work/ro/data" >"$work/ro.log" 2>&1; then
  fail "vigil ran on a read-only directory"
fi
grep -q "$work/ro/data" "$work/ro.log" || fail "the error does not name the path: $(cat "$work/ro.log")"
[ -f "$work/ro/data/wal/00000000" ] || fail "a segment went missing"
echo "PASS"
