#!/usr/bin/env bash
# Query speed and memory of vigil and the real Prometheus over the same
# data, end to end over HTTP. bench/query_data.py writes a cluster of PODS
# pods × 3 containers (cAdvisor- and kube-state-metrics-shaped series, a
# classic histogram) sampled every 30 s for HOURS hours as OpenMetrics;
# promtool backfills it into blocks for Prometheus, vigil loads the same
# files with --storage.load. bench/query_compare.py then runs the query
# set of bench/query_side_by_side.queries as range queries (RANGE seconds
# at 30 s steps, ending at the newest data) and as instant queries,
# alternating between the servers, and prints per-query medians, the
# ratios and their geometric means; this script adds both servers'
# resident and in-use memory after the run. It fails when any answer of
# vigil differs from Prometheus's.
#
# The query times sit 15 s off the sample grid: Prometheus 2.42's range
# selectors are closed on the left, 3.x's (and vigil's) open, and only
# samples exactly on a window's start would tell them apart.
#
# usage: bench/query_side_by_side.sh <build-dir> [pods=1000] [hours=6]
#                                    [rounds=7]
#
# Environment: PROMETHEUS, PROMTOOL (default: on PATH), RANGE (seconds,
# default 7200, shortened to fit the data), DATA_DIR keeps the generated
# data and Prometheus's blocks there and reuses them when they were made
# for the same pods and hours, SETTLE (seconds between the last query and
# the memory readings, default 2), VIGIL_ENV (e.g. "MALLOC_CONF=narenas:4")
# extra environment for vigil alone, RT=0 runs the measured phase
# at normal priority (by default it runs under `chrt -f 10` when this
# script may: real-time FIFO for both servers and the client, so that other
# jobs on the machine do not land inside a measurement), KEEP_TMP=1 keeps
# the temp dir (data, blocks, logs, answers), MODES (e.g. "instant") and
# ONLY (a regular expression on query names) measure a part of the set.
set -Eeuo pipefail

HARNESS=query_side_by_side
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ $# -ge 1 && $# -le 4 ]] ||
  die "usage: $0 <build-dir> [pods=1000] [hours=6] [rounds=7]"
BUILD=$(cd "$1" && pwd) || die "no build dir $1"
VIGIL=$BUILD/exporter/vigil
PROM=${PROMETHEUS:-$(command -v prometheus || true)}
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
[[ -x $VIGIL ]] || die "$VIGIL missing: build the vigil target"
[[ -n $PROM && -x $PROM ]] || die "no prometheus binary (set PROMETHEUS=)"
[[ -n $PROMTOOL && -x $PROMTOOL ]] || die "no promtool (set PROMTOOL=)"
for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
PODS=${2:-1000}
HOURS=${3:-6}
ROUNDS=${4:-7}
RANGE=${RANGE:-7200}
STEP=30
[[ $PODS =~ ^[1-9][0-9]*$ ]] || die "pods must be a positive integer: $PODS"
[[ $HOURS =~ ^[1-9][0-9]*$ ]] || die "hours must be a positive integer"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "rounds must be a positive integer"
[[ $RANGE =~ ^[1-9][0-9]*$ ]] || die "RANGE must be a positive integer"

# Real time only where it can be had: as root, with chrt present.
RT_PREFIX=()
if [[ ${RT:-1} == 1 ]] && command -v chrt >/dev/null &&
  chrt -f 10 true 2>/dev/null; then
  RT_PREFIX=(chrt -f 10)
fi

harness_start query

# --- data ---------------------------------------------------------------------
DATA=${DATA_DIR:-$TMP}
mkdir -p "$DATA"
STAMP="pods=$PODS hours=$HOURS step=$STEP"
if [[ -f $DATA/stamp && $(<"$DATA/stamp") == "$STAMP" ]]; then
  log "reusing the data and blocks in $DATA"
  mapfile -t GEN <"$DATA/generated"
  read -r -a FILES <<<"${GEN[0]}"
else
  rm -rf "${DATA:?}/data" "$DATA/prom-data" "$DATA/stamp"
  log "writing $PODS pods × 3 containers, ${HOURS}h at ${STEP}s"
  python3 "$HERE/query_data.py" "$PODS" "$HOURS" "$STEP" "$DATA/data" \
    >"$DATA/generated"
  mapfile -t GEN <"$DATA/generated"
  read -r -a FILES <<<"${GEN[0]}"
  log "${GEN[1]}"
  log "backfilling into Prometheus blocks with promtool"
  for f in "${FILES[@]}"; do
    "$PROMTOOL" tsdb create-blocks-from openmetrics --quiet "$f" \
      "$DATA/prom-data" >>"$TMP/promtool.log" 2>&1 ||
      { tail -n 20 "$TMP/promtool.log" >&2; die "promtool failed on $f"; }
  done
  echo "$STAMP" >"$DATA/stamp"
fi
FIRST=$(sed -n 's/.*start=\([0-9]*\).*/\1/p' <<<"${GEN[1]}")
LAST=$(sed -n 's/.* end=\([0-9]*\).*/\1/p' <<<"${GEN[1]}")
SERIES=$(sed -n 's/.* series=\([0-9]*\).*/\1/p' <<<"${GEN[1]}")
END=$((LAST - STEP / 2))
# Keep a rate window of data before the first step.
((RANGE <= END - FIRST - 600)) ||
  RANGE=$(((END - FIRST - 600) / STEP * STEP))
((RANGE > 0)) || die "too little data for a range query: ${HOURS}h"
START=$((END - RANGE))

printf 'global:\n  scrape_interval: 1h\n' >"$TMP/empty.yml"

# --- servers ------------------------------------------------------------------
PROM_PORT=$(free_port)
# No compaction during the measurements: the backfilled 2h blocks stay as
# they are (a background compaction would land inside some of them).
"$PROM" --config.file="$TMP/empty.yml" --storage.tsdb.path="$DATA/prom-data" \
  --storage.tsdb.retention.time=100y \
  --storage.tsdb.min-block-duration=2h --storage.tsdb.max-block-duration=2h \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")

VIGIL_PORT=$(free_port)
LOAD_FLAGS=()
for f in "${FILES[@]}"; do LOAD_FLAGS+=(--storage.load "$f"); done
log "loading the data into vigil"
LOAD_START=$EPOCHREALTIME
read -r -a EXTRA_ENV <<<"${VIGIL_ENV:-}"
env "${EXTRA_ENV[@]}" "$VIGIL" run --config.file="$TMP/empty.yml" "${LOAD_FLAGS[@]}" \
  --web.listen-address="127.0.0.1:$VIGIL_PORT" >"$TMP/vigil.log" 2>&1 &
VIGIL_PID=$!
PIDS+=("$VIGIL_PID")
wait_http "http://127.0.0.1:$VIGIL_PORT/-/ready" "$VIGIL_PID" vigil 900
log "vigil ready after $(python3 -c \
  "print('%.1f' % ($EPOCHREALTIME - $LOAD_START))") s"
wait_http "http://127.0.0.1:$PROM_PORT/-/ready" "$PROM_PID" prometheus 300

# Both must hold every series, or the comparison means nothing.
for name in prometheus vigil; do
  port=$PROM_PORT
  [[ $name == vigil ]] && port=$VIGIL_PORT
  n=$(curl -sf --max-time 300 --get --data-urlencode 'query=count({__name__=~".+"})' \
    --data-urlencode "time=$END" "http://127.0.0.1:$port/api/v1/query" |
    python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else 0)' || echo "no answer")
  [[ $n == "$SERIES" ]] ||
    die "$name holds $n series at the end of the data, not $SERIES"
done

# What each holds before any query: the figure a query's leftovers add to.
rss_loaded_prom=$(proc_bytes "$PROM_PID" VmRSS)
rss_loaded_vigil=$(proc_bytes "$VIGIL_PID" VmRSS)

# --- measured phase -----------------------------------------------------------
if ((${#RT_PREFIX[@]})); then
  # Threads created later inherit the policy of the thread creating them.
  chrt -a -f -p 10 "$PROM_PID" >/dev/null
  chrt -a -f -p 10 "$VIGIL_PID" >/dev/null
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "measuring: $ROUNDS rounds${RT_PREFIX[*]:+ under ${RT_PREFIX[*]}}"
STATUS=0
"${RT_PREFIX[@]}" python3 "$HERE/query_compare.py" \
  "$HERE/query_side_by_side.queries" "$PROM_PORT" "$VIGIL_PORT" "$START" \
  "$END" "$STEP" "$ROUNDS" >"$TMP/report.txt" || STATUS=$?
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
# Memory at rest after the run: both servers give freed memory back in
# the background (Go's scavenger, vigil's trimmer a second after the last
# query), so it is read SETTLE seconds later.
sleep "${SETTLE:-2}"

heap_prom=$(self_metric "$PROM_PORT" go_memstats_heap_inuse_bytes)
heap_vigil=$(self_metric "$VIGIL_PORT" vigil_malloc_in_use_bytes)
rss_prom=$(proc_bytes "$PROM_PID" VmRSS)
rss_vigil=$(proc_bytes "$VIGIL_PID" VmRSS)
hwm_prom=$(proc_bytes "$PROM_PID" VmHWM)
hwm_vigil=$(proc_bytes "$VIGIL_PID" VmHWM)

echo
echo "$PODS pods × 3 containers, ${HOURS}h at ${STEP}s: ${GEN[1]}"
echo "range queries: $RANGE s at ${STEP}s steps ending $END;" \
  "instant queries at $END; $ROUNDS rounds, medians"
echo "$("$PROM" --version 2>&1 | head -n 1)"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER;" \
  "priority: ${RT_PREFIX[*]:-normal}"
cat "$TMP/report.txt"
echo "vigil: ${VIGIL_ENV:+$VIGIL_ENV }$("$VIGIL" version 2>&1 | head -n 1)"
# vigil's heap in use is malloc's (jemalloc's stats.allocated, or glibc's
# mallinfo2: arenas and mapped blocks),
# which counts buffers allocated and never touched, such as civetweb's
# request buffer per worker thread; Prometheus's is the Go heap's in-use
# spans. "loaded": after the data was loaded, before any query.
python3 - "$rss_prom" "$heap_prom" "$hwm_prom" "$rss_loaded_prom" \
  "$rss_vigil" "$heap_vigil" "$hwm_vigil" "$rss_loaded_vigil" <<'EOF'
import sys
v = [float(x) if x not in ("", "nan") else float("nan") for x in sys.argv[1:]]
def ratio(a, b): return a / b if b else float("nan")
print("memory after the run  %11s %12s %11s %11s %9s %10s" %
      ("RSS", "heap in use", "peak RSS", "RSS loaded", "RSS/heap",
       "RSS/loaded"))
for name, (rss, heap, hwm, loaded) in (("prometheus", v[0:4]),
                                       ("vigil", v[4:8])):
    print("  %-19s %8.1f MB %9.1f MB %8.1f MB %8.1f MB %9.2f %10.2f" %
          (name, rss / 1e6, heap / 1e6, hwm / 1e6, loaded / 1e6,
           ratio(rss, heap), ratio(rss, loaded)))
EOF
((STATUS == 0)) || die "vigil's answers differ from Prometheus's (above)"
