#!/usr/bin/env bash
# Federation end to end: Debian's Prometheus scrapes vigil's /federate with
# honor_labels, as a team's existing Prometheus would, and stores vigil's
# ALERTS, recording-rule series and kube-state-metrics series as vigil has
# them: the same label sets (plus the external labels) and the same values
# at the same timestamps. A series with a UTF-8 name reaches it escaped
# (2.42 asks for no escaping, so it gets underscores).
# Usage: federate_e2e_test.sh VIGIL PROMETHEUS
set -eu
vigil=$1
prometheus=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"

mkdir "$work/peer"
{
  echo '# TYPE kube_pod_container_status_running gauge'
  for p in 1 2 3; do
    echo "kube_pod_container_status_running{namespace=\"shop\",pod=\"p$p\",container=\"app\"} 1"
  done
  echo '{"shop.orders.total","pod.phase"="up"} 5'
} >"$work/peer/ksm.prom"
start_peer "$work/peer"
peer=$peer_port

cat >"$work/rules.yml" <<'YAML'
groups:
  - name: fed
    interval: 1s
    rules:
      - record: namespace:kube_pod_container_status_running:sum
        expr: sum by (namespace) (kube_pod_container_status_running)
      - alert: PodsRunning
        expr: kube_pod_container_status_running > 0
        labels: {severity: info}
YAML
cat >"$work/vigil.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels: {cluster: fed-test}
rule_files: [rules.yml]
scrape_configs:
  - job_name: ksm
    static_configs: [{targets: ['127.0.0.1:$peer']}]
YAML
port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  >"$work/vigil.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/-/ready" || fail "vigil did not start"

prom_port=$(free_port)
cat >"$work/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      'match[]': ['{__name__=~"ALERTS|.*:.*"}', 'kube_pod_container_status_running', '{"shop.orders.total"}']
    static_configs: [{targets: ['127.0.0.1:$port']}]
YAML
"$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prom.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" || fail "prometheus did not start"

selector='{__name__=~"ALERTS|.*:.*|kube_pod_container_status_running"}'
# series SERVER TIME → one line per series: sorted labels (without the
# labels federation itself adds) and the value at TIME.
series() {
  curl -fsS "$1/api/v1/query" --data-urlencode "query=$selector" --data-urlencode "time=$2" |
    python3 -c '
import json, sys
out = []
for r in json.load(sys.stdin)["data"]["result"]:
    m = dict(r["metric"])
    # Prometheus adds its target labels where the federated series has none.
    if m.get("job") == "federate": del m["job"]
    m.pop("instance", None)
    out.append(",".join(f"{k}={v}" for k, v in sorted(m.items())) + " " + r["value"][1])
print("\n".join(sorted(out)))'
}

vigil_url="http://127.0.0.1:$port"
prom_url="http://127.0.0.1:$prom_port"
for _ in $(seq 1 150); do
  t=$(python3 -c 'import time; print(f"{time.time() - 2:.3f}")')
  [ "$(series "$prom_url" "$t" | wc -l)" -ge 7 ] && break
  sleep 0.2
done
t=$(python3 -c 'import time; print(f"{time.time() - 2:.3f}")')
want=$(series "$vigil_url" "$t" | sed 's/^/cluster=fed-test,/' | python3 -c '
import sys
for line in sys.stdin:
    labels, value = line.rstrip("\n").rsplit(" ", 1)
    print(",".join(sorted(labels.split(","))) + " " + value)' | sort)
got=$(series "$prom_url" "$t")
[ -n "$want" ] || fail "vigil has no series"
[ "$(echo "$want" | wc -l)" = 7 ] || fail "vigil has $(echo "$want" | wc -l) series, want 7 (3 scraped, 3 ALERTS, 1 recording): $want"
[ "$want" = "$got" ] || fail "Prometheus stores
$got
vigil has
$want"

# The UTF-8 names: escaped for 2.42, as asked for by a Prometheus 3.
utf8=$(curl -fsS "$prom_url/api/v1/query" --data-urlencode 'query=shop_orders_total' |
  python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    print(m.get("pod_phase"), m.get("cluster"), r["value"][1])')
[ "$utf8" = "up fed-test 5" ] || fail "Prometheus stores shop_orders_total as: $utf8"
fed="$vigil_url/federate?match%5B%5D=%7B%22shop.orders.total%22%7D"
accept='text/plain;version=0.0.4;escaping=allow-utf-8'
ctype=$(curl -fsS -o "$work/utf8.txt" -w '%{content_type}' -H "Accept: $accept" "$fed")
[ "$ctype" = "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8" ] ||
  fail "Content-Type $ctype"
grep -q '^{"shop.orders.total",instance="127.0.0.1:'"$peer"'",job="ksm","pod.phase"="up",cluster="fed-test"} 5 ' "$work/utf8.txt" ||
  fail "allow-utf-8 answer: $(cat "$work/utf8.txt")"
echo "PASS"
