#!/usr/bin/env bash
# Restart-to-ready of vigil and the real Prometheus on the same data: each
# server alone scrapes the large kube-state-metrics payload
# (bench/ksm_payload.h) into its on-disk storage for a while, then is
# restarted after a SIGKILL and after a SIGTERM, and the time from process
# start to the first 200 from /-/ready is measured, with the storage's size
# on disk at that moment, the peak RSS of the start and what came back.
#
# usage: bench/restart_side_by_side.sh <build-dir> [pods=10000] [seconds=240]
#
# Restarts (each from the state the previous one left):
#   vigil       SIGKILL   replays the write-ahead log (and its checkpoint)
#   vigil       SIGTERM   loads the shutdown snapshot
#   prometheus  SIGKILL   replays its WAL and m-mapped head chunks
#   prometheus  SIGTERM   the same: 2.42 keeps no snapshot by default
#   prometheus  SIGTERM   with --enable-feature=memory-snapshot-on-shutdown
#                         (one unmeasured start with the feature first, so
#                         that a shutdown with it writes the snapshot)
# The restarts run with no scrape targets, so the series and samples
# counted after /-/ready are exactly those recovered from disk.
#
# Environment: PROMETHEUS (default: prometheus on PATH), INTERVAL (scrape
# interval in seconds, default 2), TIMEOUT (scrape timeout, default
# INTERVAL: Prometheus 2.42 needs over a second to scrape 674k series, and
# accepts no timeout above the interval), READY_TIMEOUT (seconds a start
# may take, default 900), STOP_TIMEOUT (seconds a clean shutdown may take,
# default 600), KEEP_TMP=1 keeps the temp dir (payload, data, logs).
set -Eeuo pipefail

HARNESS=restart_side_by_side
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

[[ $# -ge 1 && $# -le 3 ]] ||
  die "usage: $0 <build-dir> [pods=10000] [seconds=240]"
find_binaries "$1"
PODS=${2:-10000}
FILL_SECONDS=${3:-240}
INTERVAL=${INTERVAL:-2}
TIMEOUT=${TIMEOUT:-$INTERVAL}
READY_TIMEOUT=${READY_TIMEOUT:-900}
STOP_TIMEOUT=${STOP_TIMEOUT:-600}
[[ $PODS =~ ^[1-9][0-9]*$ ]] || die "pods must be a positive integer: $PODS"
[[ $FILL_SECONDS =~ ^[1-9][0-9]*$ ]] ||
  die "seconds must be a positive integer: $FILL_SECONDS"
[[ $INTERVAL =~ ^[1-9][0-9]*$ ]] || die "INTERVAL must be a positive integer"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ && $TIMEOUT -le $INTERVAL ]] ||
  die "TIMEOUT must be a positive integer <= INTERVAL ($INTERVAL)"
for v in READY_TIMEOUT STOP_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done

SNAPSHOT_FEATURE=memory-snapshot-on-shutdown
# Read whole: grep -q would quit early, and pipefail count the broken pipe.
PROM_HELP=$("$PROM" --help 2>&1 || true)
grep -q "$SNAPSHOT_FEATURE" <<<"$PROM_HELP" ||
  die "$PROM does not know --enable-feature=$SNAPSHOT_FEATURE"

harness_start restart
RESULTS=$TMP/results.tsv

# The crash: nothing of the process's own shutdown runs.
kill_pid() {
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

# Launches server `name` (prometheus|vigil) on its data dir with config
# `cfg` and any extra flags; sets SERVER_PID, SERVER_PORT, SERVER_LOG and
# STARTED (EPOCHREALTIME just before the launch).
launch() {
  local name=$1 cfg=$2 tag=$3
  shift 3
  SERVER_PORT=$(free_port)
  SERVER_LOG=$TMP/$name-$tag.log
  STARTED=$EPOCHREALTIME
  case $name in
    prometheus)
      "$PROM" --config.file="$cfg" --storage.tsdb.path="$TMP/prometheus-data" \
        --web.listen-address="127.0.0.1:$SERVER_PORT" "$@" \
        >"$SERVER_LOG" 2>&1 &
      ;;
    vigil)
      "$VIGIL" run --config.file="$cfg" --storage.tsdb.path="$TMP/vigil-data" \
        --web.listen-address="127.0.0.1:$SERVER_PORT" "$@" \
        >"$SERVER_LOG" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

# Polls /-/ready every 50 ms until the first 200; sets READY_SECS to the
# time since STARTED. Connection refused and 503 (replaying) both mean
# "not yet"; the process dying or READY_TIMEOUT passing is an error.
wait_ready() {
  local what=$1 url=http://127.0.0.1:$SERVER_PORT/-/ready code
  local deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" ||
      true)
    [[ $code == 200 ]] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 20 "$SERVER_LOG" >&2 || true
      die "$what exited before /-/ready answered 200"
    fi
    ((SECONDS < deadline)) ||
      die "$what: /-/ready not 200 after ${READY_TIMEOUT}s (last: $code)"
    sleep 0.05
  done
  READY_SECS=$(python3 -c "print('%.2f' % ($EPOCHREALTIME - $STARTED))")
}

# Phase 1: `name` scrapes the payload into its data dir for FILL_SECONDS,
# then is SIGKILLed; what it held just before goes to $TMP/fill.tsv.
fill() {
  local name=$1 health err
  rm -rf "${TMP:?}/$name-data"
  log "$name: scraping $PODS pods every ${INTERVAL}s for ${FILL_SECONDS}s"
  launch "$name" "$TMP/ksm.yml" fill
  wait_ready "$name-fill"
  local pid=$SERVER_PID port=$SERVER_PORT deadline=$((SECONDS + 60))
  # The clock starts at the first scrape: Prometheus only syncs its
  # targets every 5 s and then waits for the target's offset.
  until [[ $(query "$port" 'count_over_time(up{job="ksm"}[1d])') != nan ]]; do
    alive_or_die "$name" "$pid"
    ((SECONDS < deadline)) || die "$name: no scrape in 60s"
    sleep 0.5
  done
  # A down target would make every figure below meaningless.
  IFS=$'\t' read -r health err < <(target_health "$port")
  log "$name: ksm target health=$health ${err:+error=$err}"
  [[ $health == up ]] || die "$name: ksm target is $health: $err"
  local end=$((SECONDS + FILL_SECONDS))
  while ((SECONDS < end)); do
    alive_or_die "$name" "$pid"
    sleep 1
  done
  IFS=$'\t' read -r health err < <(target_health "$port")
  [[ $health == up ]] || log "$name: WARNING ksm target is $health: $err"
  # Counted before the kill: a scrape may still commit in between, so the
  # restart may find one more, never fewer.
  local up_samples series rss
  up_samples=$(query "$port" 'count_over_time(up{job="ksm"}[1d])')
  series=$(self_metric "$port" "$(series_metric "$name")")
  rss=$(proc_bytes "$pid" VmRSS)
  log "$name: $up_samples scrapes, $series series, RSS $rss; SIGKILL"
  printf '%s\tfill\t%s\t%s\t%s\n' "$name" "$up_samples" "$series" "$rss" \
    >>"$TMP/fill.tsv"
  kill_pid "$pid"
}

alive_or_die() {
  kill -0 "$2" 2>/dev/null || {
    tail -n 20 "$SERVER_LOG" >&2
    die "$1 died while scraping"
  }
}

series_metric() {
  if [[ $1 == prometheus ]]; then
    echo prometheus_tsdb_head_series
  else
    echo vigil_tsdb_head_series
  fi
}

# The server's own account of the replay, from its log.
replay_line() {
  if [[ $1 == prometheus ]]; then
    grep -i -m 1 'msg="chunk snapshot loaded"' "$SERVER_LOG" |
      grep -o 'num_series=.*' || true
    grep -m 1 'msg="WAL replay completed"' "$SERVER_LOG" |
      grep -o 'checkpoint_replay_duration=.*' || true
  else
    grep -m 1 'msg="WAL replay completed"' "$SERVER_LOG" |
      grep -o 'segments=.*' || true
  fi
}

# Phase 2: starts `name` with no targets on the data dir as the previous
# run left it, times it to ready and records a row of the table. `kind`
# names the restart; `record` 0 makes it a preparation step only. The
# server is left running (SERVER_PID) for the caller to stop.
restart() {
  local name=$1 kind=$2 record=$3 tag=$4
  shift 4
  local disk
  disk=$(du -sb "$TMP/$name-data" | cut -f1)
  log "$name: start after $kind ($disk bytes on disk)"
  launch "$name" "$TMP/idle.yml" "$tag" "$@"
  wait_ready "$name-$tag"
  local hwm series up_samples up_ok pod_samples load
  # On a shared machine the times mean little without the load they ran in.
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  hwm=$(proc_bytes "$SERVER_PID" VmHWM)
  series=$(self_metric "$SERVER_PORT" "$(series_metric "$name")")
  up_samples=$(query "$SERVER_PORT" 'count_over_time(up{job="ksm"}[1d])')
  up_ok=$(query "$SERVER_PORT" 'sum_over_time(up{job="ksm"}[1d])')
  pod_samples=$(query "$SERVER_PORT" \
    'sum(count_over_time(kube_pod_info[1d]))')
  log "$name: ready in ${READY_SECS}s (loadavg $load);" \
    "$series series, $up_samples scrapes," \
    "$pod_samples kube_pod_info samples, peak RSS $hwm;" \
    "$(replay_line "$name" | tr '\n' ' ')"
  if ((record)); then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$kind" \
      "$READY_SECS" "$disk" "$series" "$up_samples" "$pod_samples" "$hwm" \
      "$SHUTDOWN_SECS" "$up_ok" >>"$RESULTS"
  fi
}

# Stops the running server cleanly, as an orchestrator would; the shutdown
# must finish (a snapshot cut short would measure something else). Sets
# SHUTDOWN_SECS.
clean_stop() {
  local what=$1 t0=$EPOCHREALTIME
  stop_pid "$SERVER_PID" "$STOP_TIMEOUT"
  ((STOP_FORCED == 0)) ||
    die "$what: still running ${STOP_TIMEOUT}s after SIGTERM"
  SHUTDOWN_SECS=$(python3 -c "print('%.2f' % ($EPOCHREALTIME - $t0))")
  log "$what: SIGTERM took ${SHUTDOWN_SECS}s"
  if [[ $what == vigil* ]]; then
    grep -q 'msg="Wrote the shutdown snapshot"' "$SERVER_LOG" ||
      die "$what: no shutdown snapshot in $SERVER_LOG"
  fi
}

run_vigil() {
  fill vigil
  SHUTDOWN_SECS=-
  restart vigil SIGKILL 1 after-kill
  clean_stop vigil-after-kill
  restart vigil SIGTERM 1 after-term
  stop_pid "$SERVER_PID" "$STOP_TIMEOUT"
}

run_prometheus() {
  fill prometheus
  SHUTDOWN_SECS=-
  restart prometheus SIGKILL 1 after-kill
  clean_stop prometheus-after-kill
  restart prometheus SIGTERM 1 after-term
  # This start replays the WAL like the one above; only its shutdown, with
  # the feature on, matters: it writes the snapshot the next start loads.
  clean_stop prometheus-after-term
  restart prometheus "SIGTERM (default), feature on" 0 snapshot-prep \
    --enable-feature="$SNAPSHOT_FEATURE"
  clean_stop prometheus-snapshot-prep
  restart prometheus "SIGTERM, $SNAPSHOT_FEATURE" 1 after-snapshot \
    --enable-feature="$SNAPSHOT_FEATURE"
  stop_pid "$SERVER_PID" "$STOP_TIMEOUT"
}

# --- payload -----------------------------------------------------------------
serve_payload "$DUMP" "$PODS"
write_configs

# --- runs: each server alone -------------------------------------------------
: >"$RESULTS"
: >"$TMP/fill.tsv"
run_vigil
run_prometheus

# --- report ------------------------------------------------------------------
python3 - "$RESULTS" "$TMP/fill.tsv" "$PODS" "$EXPECTED_SERIES" \
  "$PAYLOAD_BYTES" "$INTERVAL" "$TIMEOUT" "$FILL_SECONDS" \
  "$("$PROM" --version 2>&1 | sed -n 1p)" <<'EOF'
import math, sys

results, fills = sys.argv[1], sys.argv[2]
pods, expected, size, interval, timeout, secs, prom_version = sys.argv[3:10]
MiB = 1024 * 1024

def num(v):
    try:
        return float(v)
    except ValueError:
        return math.nan

def mib(v):
    return "n/a" if math.isnan(num(v)) else "%.1f MiB" % (num(v) / MiB)

def count(v):
    return "n/a" if math.isnan(num(v)) else "%d" % num(v)

fill = {}
for line in open(fills):
    name, _, up, series, rss = line.rstrip("\n").split("\t")
    fill[name] = (up, series, rss)

rows = [line.rstrip("\n").split("\t") for line in open(results)]
print()
print("KSM payload: %s pods, %s series, %.1f MiB; scrape_interval %ss, "
      "scrape_timeout %ss, %ss of scraping" %
      (pods, expected, int(size) / MiB, interval, timeout, secs))
print("prometheus: %s" % prom_version)
for name, (up, series, rss) in sorted(fill.items()):
    print("%s before the SIGKILL: %s scrapes, %s series, RSS %s"
          % (name, count(up), count(series), mib(rss)))
head = ("server", "restart after", "ready (s)", "disk", "series",
        "scrapes", "kube_pod_info samples", "peak RSS", "shutdown before (s)")
table = [head] + [(r[0], r[1], r[2], mib(r[3]), count(r[4]), count(r[5]),
                   count(r[6]), mib(r[7]), r[8]) for r in rows]
widths = [max(len(t[i]) for t in table) for i in range(len(head))]
for t in table:
    print("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(t, widths))))
print("(series = payload series + 5 per-target report series; scrapes = "
      "samples of up; disk = du -sb of the data dir before the start)")

# Every restart must have brought back what was scraped, or the times
# compare nothing.
problems = []
want_series = int(expected) + 5
for r in rows:
    name, kind, series, up, pods_n, up_ok = r[0], r[1], r[4], r[5], r[6], r[9]
    if num(series) != want_series:
        problems.append("%s after %s: %s series, want %d"
                        % (name, kind, series, want_series))
    before = num(fill[name][0])
    if not num(up) >= before:
        problems.append("%s after %s: %s scrapes, %d before the kill"
                        % (name, kind, up, before))
    # A failed scrape stores up = 0 and no kube_pod_info sample.
    if num(pods_n) != num(up_ok) * int(pods):
        problems.append("%s after %s: %s kube_pod_info samples for %s "
                        "good scrapes of %s pods"
                        % (name, kind, pods_n, up_ok, pods))
for name in fill:
    ups = {r[5] for r in rows if r[0] == name}
    if len(ups) > 1:
        problems.append("%s: restarts disagree on the scrapes: %s"
                        % (name, sorted(ups)))
if problems:
    sys.exit("restart_side_by_side: data differs:\n  " + "\n  ".join(problems))
EOF
