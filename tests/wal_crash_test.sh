#!/usr/bin/env bash
# Durability end to end (--storage.tsdb.path): vigil scrapes a
# kube-state-metrics-shaped target every second and is SIGKILLed at random
# moments, 30 times; after each restart every sample committed before the
# kill is there (count_over_time at a time safely before the kill is the
# same before and after), nothing is duplicated (every series of the
# target has as many samples as `up` has scrapes) and /-/ready answers
# again. Then a `for: 20s` alert pending for about 12 s is killed and
# restarted: it fires after the remaining time, not after a new 20 s.
# Usage: wal_crash_test.sh VIGIL_BINARY [ITERATIONS]
set -eu
vigil=$1
iterations=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; echo "--- vigil log" >&2; tail -40 "$work/vigil.log" >&2 || true; exit 1; }

mkdir "$work/peer"
{
  echo '# TYPE kube_pod_container_status_running gauge'
  for p in $(seq 1 40); do
    for c in app sidecar; do
      echo "kube_pod_container_status_running{namespace=\"ns$((p % 4))\",pod=\"p$p\",container=\"$c\"} 1"
    done
  done
} >"$work/peer/ksm.prom"
start_peer "$work/peer"
peer=$peer_port

cat >"$work/rules.yml" <<'YAML'
groups:
  - name: crash
    interval: 1s
    rules:
      - alert: AlwaysPending
        expr: vector(1)
        for: 20s
YAML
cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
rule_files: [$work/rules.yml]
scrape_configs:
  - job_name: ksm
    static_configs: [{targets: ['127.0.0.1:$peer']}]
YAML

port=$(free_port)
api="http://127.0.0.1:$port/api/v1"
start_vigil() {
  "$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
    --storage.tsdb.path="$work/data" --rules.alert.for-grace-period=1s \
    >>"$work/vigil.log" 2>&1 &
  vigil_pid=$!
  pids+=($vigil_pid)
  wait_http "http://127.0.0.1:$port/-/ready" || fail "vigil not ready after a restart"
}
# query EXPR TIME → the single result's value ("" when empty)
query() {
  curl -fsS "$api/query" --data-urlencode "query=$1" --data-urlencode "time=$2" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
# Samples of every target series at TIME: "<count per series, distinct>/<up's count>"
counts() {
  local per_series up
  per_series=$(curl -fsS "$api/query" \
    --data-urlencode "query=count_over_time(kube_pod_container_status_running[1h])" \
    --data-urlencode "time=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(len(r), ",".join(sorted({v["value"][1] for v in r})))')
  up=$(query 'count_over_time(up{job="ksm"}[1h])' "$1")
  echo "$per_series/$up"
}

start_vigil
# Until the first scrapes are two seconds old.
for _ in $(seq 1 150); do
  t=$(python3 -c 'import time; print(f"{time.time() - 2:.3f}")')
  case $(counts "$t") in "80 "*) break ;; esac
  sleep 0.2
done
for i in $(seq 1 "$iterations"); do
  # A moment safely in the past: every scrape at or before it committed.
  t=$(python3 -c 'import time; print(f"{time.time() - 2:.3f}")')
  before=$(counts "$t")
  case $before in "80 "*) ;; *) fail "iteration $i: before the kill: $before" ;; esac
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.05, 1.2), 2))')"
  { kill -9 "$vigil_pid"; wait "$vigil_pid"; } 2>/dev/null || true
  start_vigil
  after=$(counts "$t")
  [ "$before" = "$after" ] || fail "iteration $i: $before before the kill, $after after"
  # One count for all 80 series, equal to up's: no sample twice, none lost.
  now=$(python3 -c 'import time; print(f"{time.time():.3f}")')
  c=$(counts "$now")
  per=${c#80 }
  per=${per%/*}
  up=${c#*/}
  [ "$per" = "$up" ] || fail "iteration $i: per-series counts $c differ from up's"
done
grep -q 'level=error' "$work/vigil.log" && fail "vigil logged an error: $(grep 'level=error' "$work/vigil.log" | head -3)"

# `for` survives a crash through ALERTS_FOR_STATE in the log. The rule has
# been pending since the first start, 30+ restarts ago, with each restart
# shifting its clock by the downtime; start over with a fresh directory.
{ kill -9 "$vigil_pid"; wait "$vigil_pid"; } 2>/dev/null || true
rm -rf "$work/data"
start_vigil
state() {  # → pending/firing/""
  curl -fsS "$api/alerts" | python3 -c 'import json,sys; a=json.load(sys.stdin)["data"]["alerts"]; print(a[0]["state"] if a else "")'
}
for _ in $(seq 1 100); do [ "$(state)" = pending ] && break; sleep 0.1; done
[ "$(state)" = pending ] || fail "AlwaysPending never went pending"
pending_since=$SECONDS
sleep 12
{ kill -9 "$vigil_pid"; wait "$vigil_pid"; } 2>/dev/null || true
start_vigil
restarted=$SECONDS
for _ in $(seq 1 300); do [ "$(state)" = firing ] && break; sleep 0.1; done
[ "$(state)" = firing ] || fail "AlwaysPending did not fire within 30 s of the restart"
took=$((SECONDS - restarted))
# Pending for about 12 s of its 20 before the kill: about 8 s remain. A
# clock started over would need 20.
[ "$took" -lt 16 ] || fail "fired $took s after the restart: the for clock started over"

# A clean shutdown writes a snapshot; the next start loads it and has every
# sample the stopped process had.
t=$(python3 -c 'import time; print(f"{time.time() - 2:.3f}")')
before=$(counts "$t")
kill -TERM "$vigil_pid"
wait "$vigil_pid" 2>/dev/null || true
grep -q 'msg="Wrote the shutdown snapshot"' "$work/vigil.log" || fail "no shutdown snapshot"
start_vigil
after=$(counts "$t")
[ "$before" = "$after" ] || fail "after the snapshot: $before before, $after after"
grep 'msg="WAL replay completed"' "$work/vigil.log" | tail -1 | grep -q 'snapshot_series=[1-9]' ||
  fail "the snapshot was not loaded: $(grep 'WAL replay completed' "$work/vigil.log" | tail -1)"

# During replay /-/healthy answers and /-/ready says 503. A segment that is
# a FIFO holds the replay until this test writes to it: no timing involved.
{ kill -TERM "$vigil_pid"; wait "$vigil_pid"; } 2>/dev/null || true
rm -rf "$work/data"
mkdir -p "$work/data/wal"
mkfifo "$work/data/wal/00000000"
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  --storage.tsdb.path="$work/data" >>"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
wait_http "http://127.0.0.1:$port/-/healthy" || fail "no /-/healthy during replay"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/-/ready")
[ "$code" = 503 ] || fail "/-/ready answered $code during replay"
# Held open for writing: the header check reads the header, the read that
# follows finds a writer there and the FIFO's size, 0: a torn segment.
exec 3>"$work/data/wal/00000000"
printf 'VWAL\001\000\000\000' >&3
wait_http "http://127.0.0.1:$port/-/ready" || fail "not ready after the replay"
exec 3>&-
echo "PASS ($iterations kills; pending $((restarted - pending_since)) s before the kill, fired $took s after the restart)"
