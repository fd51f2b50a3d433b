#!/usr/bin/env bash
# Rule evaluation of vigil and the real Prometheus over the same data: the
# rule set of bench/rules_side_by_side.rules.yml (126 recording and
# alerting rules in 14 groups, shaped like the kubernetes-mixin's) over a
# cluster of PODS pods that bench/rules_data.py serves as kube-state-
# metrics, cAdvisor, node-exporter and kubelet targets. Each server runs
# alone, scraping the targets and evaluating the rules every INTERVAL
# seconds: after WARMUP seconds (by default long enough to fill the rules'
# 10-minute windows) the durations of CYCLES evaluations of every group
# are read from Prometheus's prometheus_rule_group_last_duration_seconds
# and vigil's vigil_rule_group_last_duration_seconds; then what every
# recording rule recorded, and ALERTS, are queried. The script prints the
# per-group medians, Prometheus / vigil per group and for one full cycle
# (the sum of the groups' medians), and fails when a recording differs.
#
# The data is live, not backfilled: rules evaluate at the present, so the
# samples must be recent, and Prometheus's head refuses samples older than
# its newest block. The targets stamp every sample with the start of its
# INTERVAL bucket; gauges are constant and counters linear, so both
# servers, run one after the other, record the same values.
#
# usage: bench/rules_side_by_side.sh <build-dir> [pods=10000] [cycles=5]
#
# Environment: PROMETHEUS (default: on PATH), INTERVAL (scrape and
# evaluation interval in seconds, default 30; the rules' range windows are
# scaled by INTERVAL / 30 so that they hold as many samples as at 30 s),
# WARMUP (seconds of scraping before measuring, default 22 intervals),
# TOLERANCE (relative, for the recorded values; default 1e-9: rates come
# out exact when every scrape is on time, a few % off when one is late),
# VIGIL_ENV (e.g. "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")
# extra environment for vigil alone, RT=0 runs at normal priority (by default each server runs under
# `chrt -f 10` when this script may), KEEP_TMP=1 keeps the temp dir.
# ONLY=vigil measures vigil alone (no Prometheus needed): its per-group
# medians and cycle, and with PROM_SNAPSHOT=<file> (a prometheus.snapshot
# kept by an earlier full run with KEEP_TMP=1, same pods and INTERVAL) the
# recordings compared with it; counters are linear and gauges constant, so
# the values do not depend on when the run was — once the windows are full
# (the default WARMUP): with a shorter one, rates extrapolate over
# part-full windows and differ from run to run.
set -Eeuo pipefail

HARNESS=rules_side_by_side
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ $# -ge 1 && $# -le 3 ]] ||
  die "usage: $0 <build-dir> [pods=10000] [cycles=5]"
BUILD=$(cd "$1" && pwd) || die "no build dir $1"
VIGIL=$BUILD/exporter/vigil
PROM=${PROMETHEUS:-$(command -v prometheus || true)}
ONLY=${ONLY:-}
[[ -z $ONLY || $ONLY == vigil ]] || die "ONLY must be empty or vigil"
[[ -x $VIGIL ]] || die "$VIGIL missing: build the vigil target"
[[ -n $ONLY || (-n $PROM && -x $PROM) ]] ||
  die "no prometheus binary (set PROMETHEUS=, or ONLY=vigil)"
for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
PODS=${2:-10000}
CYCLES=${3:-5}
INTERVAL=${INTERVAL:-30}
[[ $PODS =~ ^[1-9][0-9]*$ ]] || die "pods must be a positive integer: $PODS"
[[ $CYCLES =~ ^[1-9][0-9]*$ ]] || die "cycles must be a positive integer"
[[ $INTERVAL =~ ^[1-9][0-9]*$ && $INTERVAL -ge 2 ]] ||
  die "INTERVAL must be an integer >= 2"
WARMUP=${WARMUP:-$((22 * INTERVAL))}
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a number of seconds"

RT_PREFIX=()
if [[ ${RT:-1} == 1 ]] && command -v chrt >/dev/null &&
  chrt -f 10 true 2>/dev/null; then
  RT_PREFIX=(chrt -f 10)
fi

harness_start rules

# --- targets and configuration ------------------------------------------------
DATA_PORT=$(free_port)
log "building the payloads of $PODS pods"
python3 "$HERE/rules_data.py" "$DATA_PORT" "$PODS" \
  "$TMP/summary" >"$TMP/data.log" 2>&1 &
DATA_PID=$!
PIDS+=("$DATA_PID")
wait_http "http://127.0.0.1:$DATA_PORT/node" "$DATA_PID" data 300
# The targets share the servers' priority: on a busy machine a real-time
# server would otherwise starve them into scrape timeouts.
if ((${#RT_PREFIX[@]})); then
  chrt -a -f -p 10 "$DATA_PID" >/dev/null
fi
SUMMARY=$(<"$TMP/summary")
SERIES=$(sed -n 's/^series=\([0-9]*\).*/\1/p' <<<"$SUMMARY")
log "targets up: $SUMMARY"

# The same rule file (the same path: it names the groups) for both.
python3 - "$HERE/rules_side_by_side.rules.yml" "$TMP/rules.yml" \
  "$INTERVAL" <<'EOF'
import re, sys
text, scale = open(sys.argv[1]).read(), int(sys.argv[3]) / 30
unit = {"s": 1, "m": 60, "h": 3600}
def scaled(m):
    return "[%ds]" % max(1, round(int(m.group(1)) * unit[m.group(2)] * scale))
open(sys.argv[2], "w").write(
    text if scale == 1 else re.sub(r"\[(\d+)([smh])\]", scaled, text))
EOF

cat >"$TMP/config.yml" <<EOF
global:
  scrape_interval: ${INTERVAL}s
  scrape_timeout: $((INTERVAL - 1))s
  evaluation_interval: ${INTERVAL}s
rule_files:
  - $TMP/rules.yml
scrape_configs:
EOF
for path in ksm cadvisor node kubelet; do
  cat >>"$TMP/config.yml" <<EOF
  - job_name: $path
    honor_labels: true
    metrics_path: /$path
    static_configs:
      - targets: ['127.0.0.1:$DATA_PORT']
EOF
done

# --- one server at a time -----------------------------------------------------
# Starts `name`, lets it scrape and evaluate for WARMUP seconds, then
# records CYCLES evaluations of every group and what the rules recorded.
measure() {
  local name=$1 port pid prefix started n extra_env
  port=$(free_port)
  case $name in
    prometheus)
      prefix=prometheus
      "$PROM" --config.file="$TMP/config.yml" \
        --storage.tsdb.path="$TMP/prom-data" \
        --web.listen-address="127.0.0.1:$port" >"$TMP/$name.log" 2>&1 &
      ;;
    vigil)
      prefix=vigil
      read -r -a extra_env <<<"${VIGIL_ENV:-}"
      env "${extra_env[@]}" "$VIGIL" run --config.file="$TMP/config.yml" \
        --web.listen-address="127.0.0.1:$port" >"$TMP/$name.log" 2>&1 &
      ;;
  esac
  pid=$!
  PIDS+=("$pid")
  started=$SECONDS
  wait_http "http://127.0.0.1:$port/-/ready" "$pid" "$name" 120
  if ((${#RT_PREFIX[@]})); then
    chrt -a -f -p 10 "$pid" >/dev/null
  fi
  log "$name: scraping and evaluating; measuring after ${WARMUP}s"
  sleep $((WARMUP - (SECONDS - started) > 0 ? WARMUP - (SECONDS - started) : 0))
  # Every target's samples, or the comparison means nothing.
  # (Asked again if a busy server lets the question time out.)
  for _ in 1 2 3 4 5; do
    n=$(query "$port" 'sum(scrape_samples_scraped)')
    [[ $n == nan ]] || break
    sleep 5
  done
  [[ $n == "$SERIES" ]] ||
    die "$name scraped $n samples a round, not $SERIES (see $TMP/$name.log)"
  eval "LOAD_BEFORE_$name=\"\$(cut -d' ' -f1-3 /proc/loadavg)\""
  python3 "$HERE/rules_compare.py" collect "$port" "$prefix" "$CYCLES" \
    $(((CYCLES + 3) * INTERVAL + 60)) "$TMP/$name.durations"
  eval "LOAD_AFTER_$name=\"\$(cut -d' ' -f1-3 /proc/loadavg)\""
  python3 "$HERE/rules_compare.py" snapshot "$port" "$TMP/rules.yml" \
    "$TMP/$name.snapshot"
  eval "RSS_$name=$(proc_bytes "$pid" VmRSS)"
  stop_pid "$pid" 60
  log "$name: done"
}

[[ -n $ONLY ]] || measure prometheus
measure vigil

echo
echo "$PODS pods × 3 containers: $SUMMARY"
echo "rules: $(grep -c -E '^\s*- (record|alert):' "$TMP/rules.yml") in" \
  "$(grep -c -E '^\s*- name:' "$TMP/rules.yml") groups, every ${INTERVAL}s;" \
  "$CYCLES cycles after ${WARMUP}s, medians"
echo "vigil: ${VIGIL_ENV:+$VIGIL_ENV }$("$VIGIL" version 2>&1 | head -n 1)"
if [[ -n $ONLY ]]; then
  # shellcheck disable=SC2154  # set by measure through eval
  echo "load average before/after: vigil $LOAD_BEFORE_vigil /" \
    "$LOAD_AFTER_vigil; priority: ${RT_PREFIX[*]:-normal}"
  # shellcheck disable=SC2154
  echo "RSS at the end: vigil $((RSS_vigil / 1000000)) MB"
  python3 "$HERE/rules_compare.py" report-one "$TMP/vigil.durations"
  [[ -n ${PROM_SNAPSHOT:-} ]] || exit 0
  python3 "$HERE/rules_compare.py" compare "$PROM_SNAPSHOT" \
    "$TMP/vigil.snapshot" "${TOLERANCE:-1e-9}" ||
    die "vigil's recordings differ from $PROM_SNAPSHOT's (above)"
  exit 0
fi
echo "$("$PROM" --version 2>&1 | head -n 1)"
# shellcheck disable=SC2154  # set by measure through eval
echo "load average before/after: Prometheus $LOAD_BEFORE_prometheus /" \
  "$LOAD_AFTER_prometheus, vigil $LOAD_BEFORE_vigil / $LOAD_AFTER_vigil;" \
  "priority: ${RT_PREFIX[*]:-normal}"
# shellcheck disable=SC2154
echo "RSS at the end: Prometheus $((RSS_prometheus / 1000000)) MB," \
  "vigil $((RSS_vigil / 1000000)) MB"
STATUS=0
python3 "$HERE/rules_compare.py" report "$TMP/prometheus.durations" \
  "$TMP/vigil.durations" "$TMP/prometheus.snapshot" "$TMP/vigil.snapshot" \
  "${TOLERANCE:-1e-9}" ||
  STATUS=$?
((STATUS == 0)) || die "vigil's recordings differ from Prometheus's (above)"
