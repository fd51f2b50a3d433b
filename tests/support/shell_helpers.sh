# Sourced by the shell tests: free loopback ports, waiting for a URL, and
# stopping every process a test started (by PID) however it exits.
# The sourcing script sets `work` (its temporary directory) first.
pids=()
# Stops the processes in `pids` that are still this shell's children. A
# PID of ours that exited long ago may name another test's process by now
# (ctest runs tests side by side and PIDs wrap): never signal that one.
stop_own_children() {
  local p
  for p in "${pids[@]}"; do
    [ "$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')" = "$$" ] || continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
}
cleanup() {
  stop_own_children
  rm -rf "$work"
}
trap cleanup EXIT

# fail MESSAGE: for the tests against Prometheus — says what failed, shows
# the end of both servers' logs ($work/vigil.log, $work/prom.log), exits 1.
fail() {
  echo "FAIL: $*" >&2
  echo "--- vigil log" >&2; tail -20 "$work/vigil.log" >&2 || true
  echo "--- prometheus log" >&2; tail -20 "$work/prom.log" >&2 || true
  exit 1
}

# start_peer DIR: fake_kube_peer.py serving DIR (see its header), stopped
# with the test; sets peer_port once it listens (up to 30 s).
start_peer() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/fake_kube_peer.py" "$1" &
  pids+=($!)
  for _ in $(seq 1 600); do [ -s "$1/port" ] && break; sleep 0.05; done
  peer_port=$(cat "$1/port")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL: up to 30 s for a 2xx answer.
wait_http() {
  for _ in $(seq 1 150); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "timed out waiting for $1" >&2
  return 1
}

# serve_proto_payloads GEN STEPS STEP_MS: STEPS protobuf payloads from
# proto_payload_gen GEN (4 pods), in whole steps of STEP_MS ending a minute
# ago (inside a Prometheus head's appendable window), served by
# proto_payload_server.py (each scraper gets the next step at each scrape).
# Sets t0 (the first step's timestamp, ms) and target (host:port).
serve_proto_payloads() {
  local gen=$1 steps=$2 step_ms=$3 now_ms k
  now_ms=$(($(date +%s) * 1000))
  t0=$(((now_ms - 60000 - steps * step_ms) / step_ms * step_ms))
  mkdir "$work/payloads"
  for k in $(seq 0 $((steps - 1))); do
    "$gen" --step "$k" --pods 4 --timestamp-ms $((t0 + k * step_ms)) \
      >"$work/payloads/step-$k.bin"
  done
  python3 "$(dirname "${BASH_SOURCE[0]}")/proto_payload_server.py" "$work/payloads" &
  pids+=($!)
  for _ in $(seq 1 600); do [ -s "$work/payloads/port" ] && break; sleep 0.05; done
  target="127.0.0.1:$(cat "$work/payloads/port")"
}
