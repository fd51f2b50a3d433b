#!/usr/bin/env bash
# Remote write side by side: vigil (with --storage.tsdb.path, so its queue
# follows the write-ahead log as Prometheus's does) and the real Prometheus
# scrape the same kube-state-metrics payload (bench/ksm_payload.h) and
# remote-write it to one receiver (a third Prometheus with
# --web.enable-remote-write-receiver). Each server runs alone twice, without
# and with remote_write, for the same number of scrapes; the CPU seconds
# remote write costs are the difference, divided by the samples it sent.
# Bytes on the wire come from each server's remote storage bytes counter.
#
# usage: bench/remote_write_side_by_side.sh <build-dir> [pods=1000] [scrapes=6]
#
# Environment: PROMETHEUS (default: prometheus on PATH), INTERVAL (scrape
# interval in seconds, default 15), KEEP_TMP=1 keeps the temp dir.
#
# On a shared machine, run it under real-time scheduling so that other jobs
# do not distort the phases (every process it starts inherits it):
#   chrt -f 10 bench/remote_write_side_by_side.sh build 10000
# The 1-minute load average at each phase's start and end is reported.
set -Eeuo pipefail

HARNESS=remote_write_side_by_side
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

[[ $# -ge 1 && $# -le 3 ]] ||
  die "usage: $0 <build-dir> [pods=1000] [scrapes=6]"
find_binaries "$1"
PODS=${2:-1000}
SCRAPES=${3:-6}
INTERVAL=${INTERVAL:-15}
[[ $PODS =~ ^[1-9][0-9]*$ ]] || die "pods must be a positive integer: $PODS"
[[ $SCRAPES =~ ^[1-9][0-9]*$ ]] || die "scrapes must be a positive integer"
TIMEOUT=$((INTERVAL - 1))

harness_start rwsbs

# CPU seconds (user + system) of a live process, from /proc/PID/stat.
cpu_seconds() {
  python3 - "$1" <<'EOF'
import os, sys
stat = open(f"/proc/{sys.argv[1]}/stat").read()
fields = stat[stat.rindex(")") + 2:].split()
print((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
EOF
}

# Sum of every series of a metric in a server's /metrics, or 0.
metric_sum() {
  curl -sf --max-time 60 "http://127.0.0.1:$1/metrics" |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $NF; found = 1 }
                   END { printf "%.0f\n", found ? s : 0 }'
}

serve_payload "$DUMP" "$PODS"
write_configs

RECV_PORT=$(free_port)
"$PROM" --config.file="$TMP/idle.yml" --storage.tsdb.path="$TMP/receiver" \
  --web.enable-remote-write-receiver \
  --web.listen-address="127.0.0.1:$RECV_PORT" >"$TMP/receiver.log" 2>&1 &
RECV_PID=$!
PIDS+=("$RECV_PID")
wait_http "http://127.0.0.1:$RECV_PORT/-/ready" "$RECV_PID" receiver 60

# config NAME WITH_RW: the payload config, labelled by sender so that the
# receiver keeps the two servers' series apart.
config() {
  local out=$TMP/$1-$2.yml
  {
    printf 'global:\n  scrape_interval: %ss\n  scrape_timeout: %ss\n' \
      "$INTERVAL" "$TIMEOUT"
    printf '  external_labels: {sender: %s}\n' "$1"
    printf 'scrape_configs:\n  - job_name: ksm\n'
    printf "    static_configs: [{targets: ['127.0.0.1:%s']}]\n" "$PAYLOAD_PORT"
    if [[ $2 == with ]]; then
      printf 'remote_write:\n  - url: http://127.0.0.1:%s/api/v1/write\n' \
        "$RECV_PORT"
      printf '    name: receiver\n'
    fi
  } >"$out"
  echo "$out"
}

# run NAME WITH_RW: scrapes until SCRAPES are in (and, with remote write,
# until the queue is drained), then records CPU seconds and what was sent.
run() {
  local name=$1 mode=$2 cfg port pid n prefix=vigil
  [[ $name == prometheus ]] && prefix=prometheus
  cfg=$(config "$name" "$mode")
  port=$(free_port)
  rm -rf "$TMP/$name-data"
  log "$name, remote write $mode: $SCRAPES scrapes of $PODS pods"
  case $name in
    prometheus)
      "$PROM" --config.file="$cfg" --storage.tsdb.path="$TMP/$name-data" \
        --web.listen-address="127.0.0.1:$port" >"$TMP/$name-$mode.log" 2>&1 &
      ;;
    vigil)
      "$VIGIL" run --config.file="$cfg" --storage.tsdb.path="$TMP/$name-data" \
        --web.listen-address="127.0.0.1:$port" >"$TMP/$name-$mode.log" 2>&1 &
      ;;
  esac
  pid=$!
  PIDS+=("$pid")
  local load_start
  load_start=$(cut -d' ' -f1 /proc/loadavg)
  wait_http "http://127.0.0.1:$port/-/ready" "$pid" "$name-$mode" 120
  local deadline=$((SECONDS + (SCRAPES + 2) * INTERVAL + 300))
  while :; do
    n=$(query "$port" 'count_over_time(up{job="ksm"}[1h])')
    [[ $n == nan ]] && n=0
    ((n >= SCRAPES)) && break
    ((SECONDS < deadline)) || die "$name: only $n scrapes"
    sleep 2
  done
  if [[ $mode == with ]]; then
    # Drained: the newest sample sent is from the last scrape.
    local last sent
    last=$(query "$port" 'timestamp(up{job="ksm"})')
    while :; do
      sent=$(metric_sum "$port" \
        "${prefix}_remote_storage_queue_highest_sent_timestamp_seconds")
      python3 -c "import sys; sys.exit(0 if $sent >= $last else 1)" && break
      ((SECONDS < deadline)) || die "$name: queue not drained"
      sleep 1
    done
  fi
  {
    echo "${mode}_cpu=$(cpu_seconds "$pid")"
    echo "${mode}_scrapes=$n"
    echo "${mode}_samples=$(metric_sum "$port" "${prefix}_remote_storage_samples_total")"
    echo "${mode}_bytes=$(metric_sum "$port" "${prefix}_remote_storage_bytes_total")"
    echo "${mode}_failed=$(metric_sum "$port" "${prefix}_remote_storage_samples_failed_total")"
    echo "${mode}_load_start=$load_start"
    echo "${mode}_load_end=$(cut -d' ' -f1 /proc/loadavg)"
  } >>"$TMP/$name.result"
  stop_pid "$pid"
}

for name in prometheus vigil; do
  run "$name" without
  run "$name" with
done

python3 - "$TMP/prometheus.result" "$TMP/vigil.result" "$PODS" \
  "$EXPECTED_SERIES" "$INTERVAL" "$("$PROM" --version 2>&1 | head -n 1)" <<'EOF'
import sys

def load(path):
    out = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        out[k] = float(v)
    return out

prom, vig = load(sys.argv[1]), load(sys.argv[2])
pods, series, interval, version = sys.argv[3:7]
print()
print(f"KSM payload: {pods} pods, {series} series, scrape_interval {interval}s")
print(f"prometheus: {version}")
policy = open("/proc/self/sched").read().split("policy")[1].split(":")[1].split()[0]
print(f"scheduling policy: {'SCHED_FIFO' if policy == '1' else policy}")
print(f"{'':34}{'prometheus':>16}{'vigil':>16}")
def row(label, fn):
    print(f"{label:34}{fn(prom):>16}{fn(vig):>16}")
row("scrapes (without / with)", lambda r: "%d / %d" % (r["without_scrapes"], r["with_scrapes"]))
row("CPU s without remote write", lambda r: "%.2f" % r["without_cpu"])
row("CPU s with remote write", lambda r: "%.2f" % r["with_cpu"])
row("samples sent", lambda r: "%d" % r["with_samples"])
row("samples failed", lambda r: "%d" % r["with_failed"])
row("remote write CPU µs / sample", lambda r: "%.3f" % (
    (r["with_cpu"] - r["without_cpu"]) / r["with_samples"] * 1e6))
row("bytes on the wire / sample", lambda r: "%.1f" % (r["with_bytes"] / r["with_samples"]))
row("load avg 1m, without (start-end)", lambda r: "%.2f-%.2f" % (r["without_load_start"], r["without_load_end"]))
row("load avg 1m, with (start-end)", lambda r: "%.2f-%.2f" % (r["with_load_start"], r["with_load_end"]))
EOF
