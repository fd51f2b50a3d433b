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
