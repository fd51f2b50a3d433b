# shellcheck shell=bash
# Shared by the side-by-side harnesses (side_by_side.sh,
# restart_side_by_side.sh), which run vigil and the real Prometheus against
# the same kube-state-metrics payload: logging, a temp dir and every
# process started stopped by PID on any exit, the payload served over
# HTTP, and the questions both servers answer alike.
#
# Sourced by a script running under `set -Eeuo pipefail` that sets HARNESS
# (its name, for messages) first.

: "${HARNESS:?set HARNESS before sourcing harness.sh}"

die() {
  echo "$HARNESS: $*" >&2
  exit 1
}
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Finds vigil and ksm_payload_dump in `build-dir` and Prometheus
# (PROMETHEUS, or on PATH); sets BUILD, VIGIL, DUMP and PROM.
find_binaries() {
  BUILD=$(cd "$1" && pwd) || die "no build dir $1"
  VIGIL=$BUILD/exporter/vigil
  DUMP=$BUILD/bench/ksm_payload_dump
  PROM=${PROMETHEUS:-$(command -v prometheus || true)}
  [[ -x $VIGIL ]] || die "$VIGIL missing: build the vigil target"
  [[ -x $DUMP ]] || die "$DUMP missing: ninja -C $BUILD ksm_payload_dump"
  [[ -n $PROM && -x $PROM ]] || die "no prometheus binary (set PROMETHEUS=)"
  local tool
  for tool in curl python3; do
    command -v "$tool" >/dev/null || die "$tool is required"
  done
}

# Creates TMP and the traps that stop every PID in PIDS and remove TMP
# (KEEP_TMP=1 keeps it) however the script ends.
harness_start() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-$1.XXXXXX")
  PIDS=()
  trap cleanup EXIT
  trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
  trap 'log "interrupted"; exit 130' INT TERM
}

forget_pid() {
  local kept=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# Stops one process by PID: TERM, then KILL if it is still there after
# `secs` (default 20), so that a wedged server cannot leave the next
# measurement sharing the machine. STOP_FORCED says whether it took a KILL.
# shellcheck disable=SC2034  # STOP_FORCED is for the caller
stop_pid() {
  local pid=$1 secs=${2:-20} i
  STOP_FORCED=0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 20; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid ignored SIGTERM for ${secs}s; killing"
      kill -KILL "$pid" 2>/dev/null || true
      STOP_FORCED=1
    fi
  fi
  wait "$pid" 2>/dev/null || true
  # Forget it, so cleanup never signals a recycled PID.
  forget_pid "$pid"
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done  # copy: stop_pid edits
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Waits until `url` answers 2xx, failing early if `pid` died meanwhile.
wait_http() {
  local url=$1 pid=$2 what=$3 secs=$4 deadline=$((SECONDS + $4))
  until curl -sf -o /dev/null --max-time 5 "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$TMP/$what.log" >&2 || true
      die "$what exited before $url answered"
    fi
    ((SECONDS < deadline)) || die "$what: $url not up after ${secs}s"
    sleep 0.3
  done
}

# Prints the first value of an instant query's result, or "nan" if empty.
query() {
  local port=$1 expr=$2
  curl -sf --max-time 300 --get --data-urlencode "query=$expr" \
    "http://127.0.0.1:$port/api/v1/query" |
    python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "nan")' 2>/dev/null ||
    echo nan
}

# Prints an unlabelled sample from the server's own /metrics, or "nan".
# awk reads to the end: exiting early would fail curl with a broken pipe.
self_metric() {
  local port=$1 name=$2
  curl -sf --max-time 60 "http://127.0.0.1:$port/metrics" |
    awk -v n="$name" '$1 == n && !found { print $2; found = 1 }
                      END { if (!found) print "nan" }' ||
    echo nan
}

# A kB field of /proc/PID/status (VmRSS, VmHWM) in bytes: measured the same
# way for both servers.
proc_bytes() {
  awk -v k="$2:" '$1 == k { printf "%.0f\n", $2 * 1024 }' "/proc/$1/status"
}

# Prints "health<TAB>lastError" of the ksm target, from /api/v1/targets.
target_health() {
  curl -sf --max-time 60 "http://127.0.0.1:$1/api/v1/targets" |
    python3 -c 'import json, sys
ts = [t for t in json.load(sys.stdin)["data"]["activeTargets"]
      if t["labels"].get("job") == "ksm"]
print("%s\t%s" % ((ts[0]["health"], ts[0]["lastError"]) if ts
                  else ("missing", "no ksm target")))' 2>/dev/null ||
    printf 'unknown\t/api/v1/targets failed\n'
}

# Dumps the payload for `pods` pods with the ksm_payload_dump binary `dump`
# and serves it; sets EXPECTED_SERIES, PAYLOAD_BYTES and PAYLOAD_PORT.
serve_payload() {
  local dump=$1 pods=$2 line
  log "dumping the payload for $pods pods"
  mkdir -p "$TMP/www"
  line=$("$dump" "$pods" "$TMP/www/metrics")
  log "$line"
  EXPECTED_SERIES=$(sed -n 's/.* series=\([0-9]*\).*/\1/p' <<<"$line")
  PAYLOAD_BYTES=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$line")
  [[ -n $EXPECTED_SERIES && -n $PAYLOAD_BYTES ]] ||
    die "cannot read series= and bytes= from: $line"

  # python's http.server would call an extensionless file
  # application/octet-stream, which vigil (like Prometheus 3) refuses
  # without fallback_scrape_protocol and Prometheus 2.42 does not know that
  # option; so the payload is served as KSM serves it.
  PAYLOAD_PORT=$(free_port)
  python3 - "$PAYLOAD_PORT" "$TMP/www" >"$TMP/http.log" 2>&1 <<'EOF' &
import functools, http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path):
        return "text/plain; version=0.0.4; charset=utf-8"

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(
    ("127.0.0.1", int(sys.argv[1])),
    functools.partial(Handler, directory=sys.argv[2])).serve_forever()
EOF
  local pid=$!
  PIDS+=("$pid")
  wait_http "http://127.0.0.1:$PAYLOAD_PORT/metrics" "$pid" http 30
  log "payload at http://127.0.0.1:$PAYLOAD_PORT/metrics ($(curl -sfI \
    "http://127.0.0.1:$PAYLOAD_PORT/metrics" | tr -d '\r' |
    sed -n 's/^Content-Type: //Ip'))"
}

# Writes $TMP/idle.yml (no targets) and $TMP/ksm.yml (the payload), both
# scraping every INTERVAL seconds with a TIMEOUT.
write_configs() {
  printf 'global:\n  scrape_interval: %ss\n  scrape_timeout: %ss\n' \
    "$INTERVAL" "$TIMEOUT" >"$TMP/idle.yml"
  cp "$TMP/idle.yml" "$TMP/ksm.yml"
  cat >>"$TMP/ksm.yml" <<EOF
scrape_configs:
  - job_name: ksm
    static_configs:
      - targets: ['127.0.0.1:$PAYLOAD_PORT']
EOF
}
