#!/usr/bin/env bash
# Side-by-side run of vigil and the real Prometheus scraping the same large
# kube-state-metrics payload (bench/ksm_payload.h), to compare memory per
# active series and scrape+ingest time. Each server runs alone, first with
# no targets (idle RSS) and then scraping the payload for a number of
# scrapes, so the two never compete for the machine's cores.
#
# usage: bench/side_by_side.sh <build-dir> [pods=10000] [scrapes=8]
#
# Environment: PROMETHEUS (default: prometheus on PATH), INTERVAL (scrape
# interval in seconds, default 15; the timeout is one second less),
# KEEP_TMP=1 keeps the temp dir (payload, configs, logs) for inspection.
set -Eeuo pipefail

HARNESS=side_by_side
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

[[ $# -ge 1 && $# -le 3 ]] ||
  die "usage: $0 <build-dir> [pods=10000] [scrapes=8]"
find_binaries "$1"
PODS=${2:-10000}
SCRAPES=${3:-8}
INTERVAL=${INTERVAL:-15}
[[ $PODS =~ ^[1-9][0-9]*$ ]] || die "pods must be a positive integer: $PODS"
[[ $SCRAPES =~ ^[1-9][0-9]*$ ]] || die "scrapes must be a positive integer"
[[ $INTERVAL =~ ^[1-9][0-9]*$ && $INTERVAL -ge 2 ]] ||
  die "INTERVAL must be an integer >= 2"
TIMEOUT=$((INTERVAL - 1))

harness_start sbs

# Prints every value of a range-vector query's first series, space separated.
query_values() {
  curl -sf --get --data-urlencode "query=$2" \
    "http://127.0.0.1:$1/api/v1/query" |
    python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(" ".join("%.3f" % float(v) for _, v in r[0]["values"]) if r else "")' \
      2>/dev/null ||
    true
}

# Starts server `name` (prometheus|vigil) with config `cfg`; sets SERVER_PID
# and SERVER_PORT.
start_server() {
  local name=$1 cfg=$2 tag=$3
  SERVER_PORT=$(free_port)
  case $name in
    prometheus)
      rm -rf "$TMP/prom-data"
      "$PROM" --config.file="$cfg" --storage.tsdb.path="$TMP/prom-data" \
        --web.listen-address="127.0.0.1:$SERVER_PORT" \
        >"$TMP/$name-$tag.log" 2>&1 &
      ;;
    vigil)
      "$VIGIL" run --config.file="$cfg" \
        --web.listen-address="127.0.0.1:$SERVER_PORT" \
        >"$TMP/$name-$tag.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_http "http://127.0.0.1:$SERVER_PORT/-/ready" "$SERVER_PID" \
    "$name-$tag" 60
}

# Runs `name` with no targets for a few seconds and records its idle RSS.
measure_idle() {
  local name=$1 out=$TMP/$1.result
  log "$name: idle run (no targets)"
  start_server "$name" "$TMP/idle.yml" idle
  sleep 5
  echo "idle_rss=$(proc_bytes "$SERVER_PID" VmRSS)" >>"$out"
  stop_pid "$SERVER_PID"
}

# Runs `name` scraping the payload until SCRAPES scrapes are in, then
# records its figures into $TMP/<name>.result.
measure_ksm() {
  local name=$1 out=$TMP/$1.result n=0 health err
  local deadline=$((SECONDS + (SCRAPES + 2) * INTERVAL + 120))
  log "$name: scraping $PODS pods until $SCRAPES scrapes are in"
  start_server "$name" "$TMP/ksm.yml" ksm
  local port=$SERVER_PORT pid=$SERVER_PID checked=0
  while :; do
    kill -0 "$pid" 2>/dev/null || {
      tail -n 20 "$TMP/$name-ksm.log" >&2
      die "$name died during the run"
    }
    n=$(query "$port" 'count_over_time(up{job="ksm"}[1h])')
    [[ $n == nan ]] && n=0
    if ((checked == 0 && n >= 1)); then
      # A down target would make every figure below meaningless.
      IFS=$'\t' read -r health err < <(target_health "$port")
      log "$name: ksm target health=$health ${err:+error=$err}"
      [[ $health == up ]] || die "$name: ksm target is $health: $err"
      checked=1
    fi
    ((n >= SCRAPES)) && break
    ((SECONDS < deadline)) ||
      die "$name: only $n of $SCRAPES scrapes after $((SECONDS))s"
    # Coarse polling: each poll costs a python start on a small machine.
    sleep 2
  done
  IFS=$'\t' read -r health err < <(target_health "$port")
  [[ $health == up ]] || log "$name: WARNING ksm target is $health: $err"
  # Heap in use: Go's figure for Prometheus, malloc's for vigil.
  local head_metric=vigil_tsdb_head_series heap_metric=vigil_malloc_in_use_bytes
  if [[ $name == prometheus ]]; then
    head_metric=prometheus_tsdb_head_series
    heap_metric=go_memstats_heap_inuse_bytes
  fi
  local heap
  heap=$(self_metric "$port" "$heap_metric")
  {
    echo "scrapes=$n"
    echo "health=$health"
    echo "series=$(self_metric "$port" "$head_metric")"
    echo "rss=$(proc_bytes "$pid" VmRSS)"
    echo "peak_rss=$(proc_bytes "$pid" VmHWM)"
    echo "self_rss=$(self_metric "$port" process_resident_memory_bytes)"
    echo "heap=$heap"
    echo "samples=$(query "$port" 'scrape_samples_scraped{job="ksm"}')"
    echo "dur_last=$(query "$port" 'scrape_duration_seconds{job="ksm"}')"
    echo "dur_avg=$(query "$port" \
      'avg_over_time(scrape_duration_seconds{job="ksm"}[1h])')"
    echo "dur_max=$(query "$port" \
      'max_over_time(scrape_duration_seconds{job="ksm"}[1h])')"
    echo "dur_all=$(query_values "$port" \
      'scrape_duration_seconds{job="ksm"}[1h]')"
  } >>"$out"
  local errors
  errors=$(grep -ci 'level=error' "$TMP/$name-ksm.log" || true)
  ((errors == 0)) ||
    log "$name: WARNING $errors error lines in its log, e.g.:
$(grep -i -m 3 'level=error' "$TMP/$name-ksm.log")"
  stop_pid "$pid"
}

# --- payload -----------------------------------------------------------------
serve_payload "$DUMP" "$PODS"
write_configs

# --- runs: each server alone -------------------------------------------------
for name in prometheus vigil; do
  measure_idle "$name"
  measure_ksm "$name"
done

# --- report ------------------------------------------------------------------
python3 - "$TMP/prometheus.result" "$TMP/vigil.result" "$PODS" \
  "$EXPECTED_SERIES" "$PAYLOAD_BYTES" "$INTERVAL" "$("$PROM" --version 2>&1 |
    head -n 1)" <<'EOF'
import math, sys

def load(path):
    out = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        out[k] = v
    return out

prom, vig = load(sys.argv[1]), load(sys.argv[2])
pods, expected, size, interval, prom_version = sys.argv[3:8]

def num(r, k):
    try:
        return float(r.get(k, "nan"))
    except ValueError:
        return math.nan

MiB = 1024 * 1024
def mib(v): return "n/a" if math.isnan(v) else "%.1f MiB" % (v / MiB)
def per(v, s): return "n/a" if math.isnan(v) or not s else "%.0f B" % (v / s)
def secs(v): return "n/a" if math.isnan(v) else "%.3f s" % v
def count(v): return "n/a" if math.isnan(v) else "%d" % v

rows = []
def row(label, fn):
    rows.append((label, fn(prom), fn(vig)))

row("scrapes", lambda r: count(num(r, "scrapes")))
row("target health", lambda r: r.get("health", "?"))
row("head series", lambda r: count(num(r, "series")))
row("scrape_samples_scraped", lambda r: count(num(r, "samples")))
row("idle RSS (no targets)", lambda r: mib(num(r, "idle_rss")))
row("RSS after scrapes", lambda r: mib(num(r, "rss")))
row("peak RSS (VmHWM)", lambda r: mib(num(r, "peak_rss")))
row("self-reported RSS", lambda r: mib(num(r, "self_rss")))
row("RSS / series", lambda r: per(num(r, "rss"), num(r, "series")))
row("(RSS - idle) / series",
    lambda r: per(num(r, "rss") - num(r, "idle_rss"), num(r, "series")))
row("peak RSS / series", lambda r: per(num(r, "peak_rss"), num(r, "series")))
row("heap in use (Go / malloc)", lambda r: mib(num(r, "heap")))
row("heap in use / series", lambda r: per(num(r, "heap"), num(r, "series")))
row("scrape duration, last", lambda r: secs(num(r, "dur_last")))
row("scrape duration, avg", lambda r: secs(num(r, "dur_avg")))
row("scrape duration, max", lambda r: secs(num(r, "dur_max")))

print()
print("KSM payload: %s pods, %s series, %.1f MiB; scrape_interval %ss"
      % (pods, expected, int(size) / MiB, interval))
print("prometheus: %s" % prom_version)
w = max(len(r[0]) for r in rows)
print("%-*s  %16s  %16s" % (w, "", "prometheus", "vigil"))
for label, p, v in rows:
    print("%-*s  %16s  %16s" % (w, label, p, v))
for name, r in (("prometheus", prom), ("vigil", vig)):
    print("%s scrape durations (s): %s" % (name, r.get("dur_all", "")))
print("(head series = payload series + 5 per-target report series)")

# Both must have stored the same thing, or the comparison means nothing.
for key in ("series", "samples"):
    if num(prom, key) != num(vig, key):
        sys.exit("side_by_side: %s differ: prometheus %s, vigil %s"
                 % (key, prom.get(key), vig.get(key)))
EOF
