#!/usr/bin/env bash
# End to end, the reason vigil exists: a fake Kubernetes API lists pod p1
# with a privileged container and p2 without; a kube-state-metrics-shaped
# target says both run; vigil collects the security contexts, scrapes the
# target, evaluates PodPrivilegedMode (the seed's expression, `for` cut to
# 2s) and sends to the real Alertmanager: p1 arrives, p2 never; p1 goes
# away and its alert resolves.
# Usage: security_e2e_test.sh VIGIL_BINARY
set -eu  # no pipefail: `curl | grep -q` may SIGPIPE curl
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
am_bin=/usr/bin/prometheus-alertmanager
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; echo "--- vigil log" >&2; cat "$work/vigil.log" >&2 || true; exit 1; }

mkdir "$work/peer"
pod() {  # NAME PRIVILEGED
  printf '{"metadata": {"name": "%s", "namespace": "shop", "uid": "uid-%s"},
   "spec": {"containers": [{"name": "app", "securityContext": {"privileged": %s}},
                           {"name": "sidecar"}]}}' "$1" "$1" "$2"
}
ksm() {  # NAME...
  echo '# TYPE kube_pod_container_status_running gauge'
  for p in "$@"; do
    for c in app sidecar; do
      echo "kube_pod_container_status_running{namespace=\"shop\",pod=\"$p\",uid=\"uid-$p\",container=\"$c\"} 1"
    done
  done
}
echo "{\"kind\": \"PodList\", \"items\": [$(pod p1 true), $(pod p2 false)]}" >"$work/peer/pods.json"
ksm p1 p2 >"$work/peer/ksm.prom"
start_peer "$work/peer"
peer=$peer_port

am_port=$(free_port)
printf 'route: {receiver: blackhole, group_wait: 0s}\nreceivers: [{name: blackhole}]\n' >"$work/am.yml"
"$am_bin" --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
  --log.level=warn >"$work/am.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$am_port/-/ready" || fail "Alertmanager did not start"

cat >"$work/rules.yml" <<'YAML'
groups:
  - name: pod-security
    interval: 1s
    rules:
      - alert: PodPrivilegedMode
        expr: kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0
        for: 2s
        labels: {severity: warning}
        annotations:
          summary: "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} runs in privileged mode"
YAML
cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: kube-state-metrics
    static_configs: [{targets: ["127.0.0.1:$peer"]}]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$am_port"]}]
YAML
port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" --web.listen-address="127.0.0.1:$port" \
  --kube.api-url="http://127.0.0.1:$peer" --kube.collect-interval=1s \
  --rules.alert.resend-delay=1m >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
wait_http "http://127.0.0.1:$port/-/ready" || fail "vigil did not start"

# am_pods: "pod/container" of every active PodPrivilegedMode in Alertmanager.
am_pods() {
  curl -fsS "http://127.0.0.1:$am_port/api/v2/alerts" | python3 -c '
import json, sys
for a in json.load(sys.stdin):
    l = a["labels"]
    if l.get("alertname") == "PodPrivilegedMode":
        print(l["pod"] + "/" + l["container"])' | sort | tr '\n' ' '
}

got=""
for _ in $(seq 1 100); do
  got=$(am_pods)
  [ "$got" = "p1/app p1/sidecar " ] && break
  sleep 0.2
done
[ "$got" = "p1/app p1/sidecar " ] || fail "Alertmanager has [$got], want p1's two containers"
summary=$(curl -fsS "http://127.0.0.1:$am_port/api/v2/alerts" | python3 -c '
import json, sys
print(sorted(a["annotations"]["summary"] for a in json.load(sys.stdin))[0])')
[ "$summary" = "Container app of pod shop/p1 runs in privileged mode" ] || fail "summary: $summary"

# p2 stays unprivileged: still absent a few evaluations later.
sleep 3
[ "$(am_pods)" = "p1/app p1/sidecar " ] || fail "after 3s Alertmanager has [$(am_pods)]"

# p1 is deleted: gone from the API and from kube-state-metrics. Its alerts'
# endsAt is 4 resend delays (4 min) away, so only vigil's resolve can make
# them leave Alertmanager within the 10 s allowed here.
echo "{\"kind\": \"PodList\", \"items\": [$(pod p2 false)]}" >"$work/peer/pods.json.tmp"
mv "$work/peer/pods.json.tmp" "$work/peer/pods.json"
ksm p2 >"$work/peer/ksm.prom.tmp"
mv "$work/peer/ksm.prom.tmp" "$work/peer/ksm.prom"
for _ in $(seq 1 50); do
  got=$(am_pods)
  [ -z "$got" ] && break
  sleep 0.2
done
[ -z "$got" ] || fail "p1's alert did not resolve: [$got]"
grep -q 'level=warn' "$work/vigil.log" && fail "vigil warned: $(grep 'level=warn' "$work/vigil.log")"

# SIGTERM: a clean exit, in time (Kubernetes' default grace is 30 s).
kill -TERM "$vigil_pid"
for _ in $(seq 1 100); do kill -0 "$vigil_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$vigil_pid" 2>/dev/null && fail "vigil still running 10 s after SIGTERM"
wait "$vigil_pid" || fail "vigil exited $? after SIGTERM"
grep -q 'msg="See you next time!"' "$work/vigil.log" || fail "no clean shutdown in the log"
echo "security e2e: all checks passed"
