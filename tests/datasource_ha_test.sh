#!/usr/bin/env bash
# Two vigil replicas (HA) evaluate the shipped rule pack over one
# Prometheus (--datasource.url) and send to one real Alertmanager. Each
# has external_labels {cluster: prod, replica: a|b} and an
# alert_relabel_configs labeldrop of `replica`, the setup README.md and
# deploy/kubernetes/ha describe: Alertmanager holds each alert once, with
# cluster=prod and no replica label. Replica a stops; b alone keeps every
# alert alive past its endsAt.
# Usage: datasource_ha_test.sh VIGIL PROMETHEUS
set -eu  # no pipefail: `curl | grep -q` may SIGPIPE curl
vigil=$1
prometheus=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
# shellcheck source=support/alerting_helpers.sh
. "$here/support/alerting_helpers.sh"
fail() {
  echo "FAIL: $*" >&2
  for f in a b prom am; do
    echo "--- $f log" >&2
    tail -15 "$work/$f.log" >&2 || true
  done
  exit 1
}

mkdir "$work/peer"
cat >"$work/peer/ksm.prom" <<'PROM'
kube_pod_container_status_running{namespace="prod",pod="web-1",uid="u1",container="nginx"} 1
kube_pod_container_status_running{namespace="prod",pod="web-1",uid="u1",container="logger"} 1
kube_pod_status_phase{namespace="prod",pod="web-1",uid="u1",phase="Running"} 1
kube_pod_security_context{namespace="prod",pod="web-1",uid="u1",privileged="true",host_network="true",host_pid="false",host_ipc="false"} 1
kube_pod_spec_volumes_host_path{namespace="prod",pod="web-1",uid="u1",volume="etc",path="/etc"} 1
PROM
start_peer "$work/peer"
sed -E 's/^( +for: ).*/\11s/' "$here/../deploy/rules/kubernetes-security.rules.yaml" \
  >"$work/rules.yml"

start_alertmanager || fail "Alertmanager did not start"
prom_port=$(free_port)
cat >"$work/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: kube-state-metrics
    static_configs: [{targets: ['127.0.0.1:$peer_port']}]
YAML
"$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/promdata" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prom.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" || fail "Prometheus did not start"

declare -A url pid
for r in a b; do
  cat >"$work/$r.yml" <<YAML
global:
  evaluation_interval: 1s
  external_labels: {cluster: prod, replica: $r}
rule_files: [rules.yml]
alerting:
  alert_relabel_configs:
    - {action: labeldrop, regex: replica}
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$am_port"]}]
datasource:
  url: http://127.0.0.1:$prom_port
YAML
  port=$(free_port)
  # Resent every second, so an alert lives 4 s in Alertmanager unless
  # some replica sends it again.
  "$vigil" run --config.file="$work/$r.yml" --web.listen-address="127.0.0.1:$port" \
    --rules.alert.resend-delay=1s >"$work/$r.log" 2>&1 &
  pid[$r]=$!
  pids+=($!)
  url[$r]="http://127.0.0.1:$port"
done
for r in a b; do wait_http "${url[$r]}/-/ready" || fail "replica $r did not start"; done

# What a replica fires, as Alertmanager should hold it (cluster added).
firing_as_sent() { firing "$1" cluster=prod; }
sent() { metric "$1" vigil_notifications_sent_total; }

want=""
for _ in $(seq 1 150); do
  want=$(firing_as_sent "${url[a]}")
  [ "$(echo "$want" | grep -c alertname=)" -ge 4 ] && [ "$want" = "$(firing_as_sent "${url[b]}")" ] && break
  sleep 0.2
done
[ "$(echo "$want" | grep -c alertname=)" -ge 4 ] || fail "replica a fires only: $want"
[ "$want" = "$(firing_as_sent "${url[b]}")" ] || fail "replicas differ: $want vs $(firing_as_sent "${url[b]}")"
got=""
for _ in $(seq 1 100); do
  got=$(am_alerts)
  [ "$got" = "$want" ] && [ "$(sent "${url[a]}")" -gt 0 ] && [ "$(sent "${url[b]}")" -gt 0 ] && break
  sleep 0.2
done
[ "$got" = "$want" ] || fail "Alertmanager holds
$got
want each alert once, without replica:
$want"
[ "$(sent "${url[a]}")" -gt 0 ] && [ "$(sent "${url[b]}")" -gt 0 ] ||
  fail "both replicas should send: a $(sent "${url[a]}"), b $(sent "${url[b]}")"

# Replica a stops; b's resends keep every alert in Alertmanager past the
# 4 s each one would live alone (6 s of b's sends, as its counter shows).
kill "${pid[a]}"
wait "${pid[a]}" 2>/dev/null || true
n=$(echo "$want" | wc -l)
from=$(sent "${url[b]}")
for _ in $(seq 1 150); do
  [ "$(sent "${url[b]}")" -ge $((from + 6 * n)) ] && break
  sleep 0.2
done
[ "$(sent "${url[b]}")" -ge $((from + 6 * n)) ] || fail "replica b stopped sending"
[ "$(am_alerts)" = "$want" ] || fail "with replica a gone Alertmanager holds $(am_alerts)"
echo "datasource HA: all checks passed"
