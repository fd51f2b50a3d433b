#!/usr/bin/env bash
# Native against classic histograms, in vigil and in the real Prometheus,
# over the same data (issue 21's performance question, and a differential
# check of the protobuf scrape and histogram storage on the way).
#
# bench/native_histogram_payload.py serves SERIES series' request
# latencies as a classic histogram (12 buckets) and as the equivalent
# native one (schema 3), in the protobuf exposition format, one 30 s step
# per scrape at explicit timestamps: both servers scrape it every second
# until each has all its steps, so MINUTES of history fill in about
# MINUTES × 2 seconds.
# Prometheus 2.42 runs with --enable-feature=native-histograms; vigil with
# scrape_native_histograms. bench/query_compare.py then runs
# bench/native_histogram_side_by_side.queries — histogram_quantile over
# classic buckets vs over native ones, by route, fractions, counts, sums —
# as range queries over the last RANGE seconds at 30 s steps and as
# instant queries, alternating between the servers, prints medians and
# ratios, and fails when an answer differs (except queries whose semantics
# changed since 2.42, marked "~" in the query file).
#
# usage: bench/native_histogram_side_by_side.sh <build-dir> [series=1000]
#                                               [minutes=55] [rounds=7]
#
# Why not 2 hours: Prometheus 2.42 takes native histograms only from a
# scrape (promtool backfills OpenMetrics text, which has none), its head
# refuses samples more than an hour older than its newest (a scrape's own
# `up` is stamped now) and samples far in its future. So the history is
# at most 55 minutes, ending now, and range queries cover the last
# MINUTES - 10 of it.
#
# Environment: PROMETHEUS (default: on PATH), RANGE (seconds, default: all
# but the first 10 minutes of the data), RT=0 runs the measured phase at normal
# priority (by default under `chrt -f 10` where allowed), KEEP_TMP=1 keeps
# the temp dir (logs, both stores).
set -Eeuo pipefail

HARNESS=native_histogram_side_by_side
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ $# -ge 1 && $# -le 4 ]] ||
  die "usage: $0 <build-dir> [series=1000] [minutes=55] [rounds=7]"
BUILD=$(cd "$1" && pwd) || die "no build dir $1"
VIGIL=$BUILD/exporter/vigil
PROM=${PROMETHEUS:-$(command -v prometheus || true)}
[[ -x $VIGIL ]] || die "$VIGIL missing: build the vigil target"
[[ -n $PROM && -x $PROM ]] || die "no prometheus binary (set PROMETHEUS=)"
for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
SERIES=${2:-1000}
MINUTES=${3:-55}
ROUNDS=${4:-7}
RANGE=${RANGE:-$(((MINUTES - 10) * 60))}
STEP=30
[[ $SERIES =~ ^[1-9][0-9]*$ ]] || die "series must be a positive integer"
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] && ((MINUTES > 10 && MINUTES <= 55)) ||
  die "minutes must be an integer from 11 to 55"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "rounds must be a positive integer"
[[ $RANGE =~ ^[1-9][0-9]*$ ]] || die "RANGE must be a positive integer"

RT_PREFIX=()
if [[ ${RT:-1} == 1 ]] && command -v chrt >/dev/null &&
  chrt -f 10 true 2>/dev/null; then
  RT_PREFIX=(chrt -f 10)
fi

harness_start native-histograms

STEPS=$((MINUTES * 60 / STEP + 1))
# The newest step is now (see above); each step's scrape comes a second
# after the last, so the oldest stays within the hour.
LAST=$(($(date +%s) / STEP * STEP))
END=$((LAST - STEP / 2))
((RANGE <= STEPS * STEP - 600 - STEP)) ||
  RANGE=$(((STEPS * STEP - 600 - STEP) / STEP * STEP))
START=$((END - RANGE))

GEN_PORT=$(free_port)
python3 "$HERE/native_histogram_payload.py" "$GEN_PORT" "$SERIES" "$STEPS" \
  "$STEP" "$LAST" >"$TMP/payload.log" 2>&1 &
GEN_PID=$!
PIDS+=("$GEN_PID")
# It listens once every step is made (some seconds per hundred steps of
# 1000 series).
wait_http "http://127.0.0.1:$GEN_PORT/progress" "$GEN_PID" payload 1200

# Prometheus 2.42 knows no scrape_native_histograms (its feature flag
# turns native histograms on), so each server reads its own file.
scrape_config() {
  cat <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: app
    honor_timestamps: true
$1
    static_configs:
      - targets: ['127.0.0.1:$GEN_PORT']
EOF
}
scrape_config "" >"$TMP/prometheus.yml"
scrape_config "    scrape_native_histograms: true" >"$TMP/vigil.yml"

PROM_PORT=$(free_port)
"$PROM" --enable-feature=native-histograms --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/prom-data" --storage.tsdb.retention.time=100y \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
VIGIL_PORT=$(free_port)
"$VIGIL" run --config.file="$TMP/vigil.yml" \
  --web.listen-address="127.0.0.1:$VIGIL_PORT" >"$TMP/vigil.log" 2>&1 &
VIGIL_PID=$!
PIDS+=("$VIGIL_PID")
wait_http "http://127.0.0.1:$PROM_PORT/-/ready" "$PROM_PID" prometheus 120
wait_http "http://127.0.0.1:$VIGIL_PORT/-/ready" "$VIGIL_PID" vigil 120

log "serving $STEPS steps of $SERIES series to both servers"
# A scrape a second; a generous margin for a loaded machine.
SCRAPE_DEADLINE=$((SECONDS + STEPS * 3 + 120))
# Each server must have had every step, and then one more scrape to be
# sure the last one was stored (the payload repeats it).
until python3 - "$GEN_PORT" "$STEPS" <<'EOF'
import json, sys, urllib.request
port, steps = sys.argv[1], int(sys.argv[2])
with urllib.request.urlopen(f"http://127.0.0.1:{port}/progress") as r:
    progress = json.load(r)
done = [n for ua, n in progress.items()
        if ua.startswith(("Prometheus/", "vigil/")) and n > steps]
sys.exit(0 if len(done) == 2 else 1)
EOF
do
  for pid in "$PROM_PID" "$VIGIL_PID" "$GEN_PID"; do
    kill -0 "$pid" 2>/dev/null || die "pid $pid exited while scraping"
  done
  ((SECONDS < SCRAPE_DEADLINE)) ||
    die "the servers did not scrape $STEPS steps in time: $(curl -s \
      "http://127.0.0.1:$GEN_PORT/progress")"
  sleep 2
done

# The first value of an instant query at the newest step (in the past).
query_at_last() {
  curl -sf --max-time 300 --get --data-urlencode "query=$2" \
    --data-urlencode "time=$LAST" "http://127.0.0.1:$1/api/v1/query" |
    python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "nan")' 2>/dev/null ||
    echo nan
}

# Both hold every series, or the comparison means nothing.
for name in prometheus vigil; do
  port=$PROM_PORT
  [[ $name == vigil ]] && port=$VIGIL_PORT
  for metric in request_duration_native_seconds \
    request_duration_seconds_count; do
    n=$(query_at_last "$port" "count($metric)")
    [[ $n == "$SERIES" ]] || {
      tail -n 20 "$TMP/$name.log" >&2
      die "$name holds $n series of $metric, not $SERIES"
    }
  done
done

# A scrape that timed out still took its step from the payload: that
# server then lacks a step the other has. Every series must hold them all.
for name in prometheus vigil; do
  port=$PROM_PORT
  [[ $name == vigil ]] && port=$VIGIL_PORT
  n=$(query_at_last "$port" "sum(count_over_time(request_duration_seconds_count[$((
    STEPS * STEP + 60))s]))")
  [[ $n == "$((SERIES * STEPS))" ]] ||
    die "$name holds $n samples of request_duration_seconds_count, not" \
      "$((SERIES * STEPS)): a scrape timed out (a loaded machine?); run again"
done

if ((${#RT_PREFIX[@]})); then
  chrt -a -f -p 10 "$PROM_PID" >/dev/null
  chrt -a -f -p 10 "$VIGIL_PID" >/dev/null
fi
# The payload keeps being scraped (the same last step): stop it so that
# the measurements see only queries.
stop_pid "$GEN_PID"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STATUS=0
"${RT_PREFIX[@]}" python3 "$HERE/query_compare.py" \
  "$HERE/native_histogram_side_by_side.queries" "$PROM_PORT" "$VIGIL_PORT" \
  "$START" "$END" "$STEP" "$ROUNDS" >"$TMP/report.txt" || STATUS=$?
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "$SERIES series, classic (12 buckets) and native (schema 3)," \
  "$STEPS steps at ${STEP}s"
echo "range queries: $RANGE s at ${STEP}s steps ending $END;" \
  "instant queries at $END; $ROUNDS rounds, medians"
echo "$("$PROM" --version 2>&1 | head -n 1)"
echo "vigil: $("$VIGIL" version 2>&1 | head -n 1)"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER;" \
  "priority: ${RT_PREFIX[*]:-normal}"
cat "$TMP/report.txt"
((STATUS == 0)) || die "vigil's answers differ from Prometheus's (above)"
