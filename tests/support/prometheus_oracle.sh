# Sourced by the tests that ask the real Prometheus and vigil the same
# queries: both serve one OpenMetrics file, Prometheus from promtool's
# blocks of it, vigil from `run --storage.load`. The sourcing script sets
# `work`, `vigil`, `promtool` and `prometheus` first and defines `die`.
source "$(dirname "${BASH_SOURCE[0]}")/shell_helpers.sh"

# start_oracle_pair FILE: sets `prom` and `vigil_url` once both are ready.
start_oracle_pair() {
  local data=$1
  "$promtool" tsdb create-blocks-from openmetrics "$data" "$work/blocks" \
    >"$work/promtool.log" 2>&1 || die "promtool: $(cat "$work/promtool.log")"
  printf 'global: {}\n' >"$work/empty.yml"
  local prom_port vigil_port
  prom_port=$(free_port)
  "$prometheus" --config.file="$work/empty.yml" --storage.tsdb.path="$work/blocks" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
    >"$work/prometheus.log" 2>&1 &
  pids+=($!)
  vigil_port=$(free_port)
  "$vigil" run --config.file="$work/empty.yml" --storage.load "$data" \
    --web.listen-address="127.0.0.1:$vigil_port" --storage.retention=1h \
    >"$work/vigil.log" 2>&1 &
  pids+=($!)
  prom="http://127.0.0.1:$prom_port"
  vigil_url="http://127.0.0.1:$vigil_port"
  wait_http "$prom/-/ready" || die "prometheus not ready: $(cat "$work/prometheus.log")"
  wait_http "$vigil_url/-/ready" || die "vigil not ready: $(cat "$work/vigil.log")"
}
