#!/usr/bin/env bash
# Rules over a remote datasource end to end: Debian's Prometheus and a vigil
# ("local") scrape the same kube-state-metrics-shaped target, carrying the
# security series of the rule pack's unit tests; a second vigil ("remote")
# has no data of its own and evaluates the shipped rule pack by instant
# queries to that Prometheus (--datasource.url), sending to the real
# Alertmanager. Both vigils fire the same alerts with the same labels, and
# Alertmanager holds exactly those. Then Prometheus stops: the remote
# vigil's evaluations fail and are counted, its rules say why in
# /api/v1/rules, and its alerts stay as they were; Prometheus comes back on
# the same port and the same alerts go on firing, not fired anew. Recording
# rules' results reach Prometheus through its federation of the remote
# vigil, as remote write would carry them.
# Usage: datasource_e2e_test.sh VIGIL PROMETHEUS
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
  for f in local remote prom am; do
    echo "--- $f log" >&2
    tail -15 "$work/$f.log" >&2 || true
  done
  exit 1
}

# The input series of the rule pack's "running containers" unit test, as
# kube-state-metrics and vigil's collector expose them.
mkdir "$work/peer"
cat >"$work/peer/ksm.prom" <<'PROM'
kube_pod_container_status_running{namespace="prod",pod="web-1",uid="u1",container="nginx"} 1
kube_pod_container_status_running{namespace="prod",pod="web-1",uid="u1",container="logger"} 1
kube_pod_container_status_running{namespace="prod",pod="api-1",uid="u2",container="api"} 1
kube_pod_init_container_status_running{namespace="prod",pod="db-0",uid="u3",container="setup"} 1
kube_pod_init_container_status_running{namespace="prod",pod="db-0",uid="u3",container="proxy"} 0
kube_pod_status_phase{namespace="dev",pod="debug-x",uid="u4",phase="Running"} 1
kube_pod_status_phase{namespace="prod",pod="web-1",uid="u1",phase="Running"} 1
kube_pod_security_context{namespace="prod",pod="web-1",uid="u1",privileged="true",host_network="true",host_pid="false",host_ipc="false"} 1
kube_pod_security_context{namespace="prod",pod="api-1",uid="u2",privileged="false",host_network="false",host_pid="false",host_ipc="false"} 1
kube_pod_spec_volumes_host_path{namespace="prod",pod="web-1",uid="u1",volume="logs",path="/var/log"} 1
kube_pod_spec_volumes_host_path{namespace="prod",pod="web-1",uid="u1",volume="etc",path="/etc"} 1
kube_pod_container_security_context{namespace="prod",pod="web-1",uid="u1",container="nginx",container_type="container",privileged="true",allow_privilege_escalation="true",run_as_user="0",read_only_root_filesystem="false"} 1
kube_pod_container_security_context{namespace="prod",pod="web-1",uid="u1",container="logger",container_type="container",privileged="false",allow_privilege_escalation="false",run_as_non_root="true",run_as_user="1000",read_only_root_filesystem="true",seccomp_profile_type="RuntimeDefault"} 1
kube_pod_container_security_context{namespace="prod",pod="api-1",uid="u2",container="api",container_type="container",privileged="false",allow_privilege_escalation="true",read_only_root_filesystem="false"} 1
kube_pod_container_security_context_capabilities_added{namespace="prod",pod="api-1",uid="u2",container="api",container_type="container",capability="NET_ADMIN"} 1
kube_pod_container_security_context_capabilities_added{namespace="prod",pod="api-1",uid="u2",container="api",container_type="container",capability="NET_BIND_SERVICE"} 1
kube_pod_container_security_context{namespace="prod",pod="db-0",uid="u3",container="setup",container_type="init",privileged="true",allow_privilege_escalation="true",read_only_root_filesystem="false"} 1
kube_pod_container_security_context{namespace="prod",pod="db-0",uid="u3",container="proxy",container_type="init",privileged="false",allow_privilege_escalation="true",run_as_user="1337",read_only_root_filesystem="true"} 1
kube_pod_container_security_context{namespace="dev",pod="debug-x",uid="u4",container="debugger",container_type="ephemeral",privileged="true",allow_privilege_escalation="true",read_only_root_filesystem="false"} 1
PROM
start_peer "$work/peer"
peer=$peer_port

# The shipped rule pack with `for` cut to 2s.
sed -E 's/^( +for: ).*/\12s/' "$here/../deploy/rules/kubernetes-security.rules.yaml" \
  >"$work/rules.yml"
grep -q 'for: 2s' "$work/rules.yml" || fail "rule pack without a for"

start_alertmanager || fail "Alertmanager did not start"

scrape="scrape_configs:
  - job_name: kube-state-metrics
    static_configs: [{targets: ['127.0.0.1:$peer']}]"
prom_port=$(free_port)
local_port=$(free_port)
remote_port=$(free_port)
# Rules that read recording rules see them once they are in the
# datasource: here Prometheus federates them (and ALERTS_FOR_STATE) from
# the remote vigil, as remote write would bring them.
cat >"$work/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms}
$scrape
  - job_name: vigil-rules
    honor_labels: true
    metrics_path: /federate
    params: {'match[]': ['{__name__=~".*:.*|ALERTS_FOR_STATE"}']}
    static_configs: [{targets: ['127.0.0.1:$remote_port']}]
    # The series as vigil has them: without the job and instance labels
    # honor_labels would add where a series has none.
    metric_relabel_configs:
      - {source_labels: [job, instance], regex: 'vigil-rules;127.0.0.1:$remote_port', target_label: instance, replacement: ''}
      - {source_labels: [job], regex: vigil-rules, target_label: job, replacement: ''}
YAML
start_prometheus() {
  "$prometheus" --config.file="$work/prom.yml" --storage.tsdb.path="$work/promdata" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >>"$work/prom.log" 2>&1 &
  prom_pid=$!
  pids+=($prom_pid)
}
start_prometheus
# The remote vigil counts every query Prometheus does not answer.
wait_http "http://127.0.0.1:$prom_port/-/ready" || fail "Prometheus did not start"

printf 'global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [rules.yml]\n%s\n' \
  "$scrape" >"$work/local.yml"
cat >"$work/remote.yml" <<YAML
global: {evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$am_port"]}]
datasource:
  timeout: 2s
YAML
"$vigil" run --config.file="$work/local.yml" --web.listen-address="127.0.0.1:$local_port" \
  >"$work/local.log" 2>&1 &
pids+=($!)
start_remote() {
  "$vigil" run --config.file="$work/remote.yml" --web.listen-address="127.0.0.1:$remote_port" \
    --datasource.url="http://127.0.0.1:$prom_port" --rules.alert.resend-delay=1m \
    --rules.alert.for-grace-period=1s >>"$work/remote.log" 2>&1 &
  remote_pid=$!
  pids+=($remote_pid)
}
start_remote
local_url="http://127.0.0.1:$local_port"
remote_url="http://127.0.0.1:$remote_port"
wait_http "$local_url/-/ready" || fail "local vigil did not start"
wait_http "$remote_url/-/ready" || fail "remote vigil did not start"

# The posture alerts this data raises, in the local vigil: the set is
# complete once it has stayed the same for 3 s after every rule ran.
want=""
stable=0
for _ in $(seq 1 150); do
  now=$(firing "$local_url")
  if [ -n "$now" ] && [ "$now" = "$want" ]; then
    stable=$((stable + 1))
    [ "$stable" -ge 15 ] && break
  else
    stable=0
  fi
  want=$now
  sleep 0.2
done
[ "$(echo "$want" | wc -l)" -ge 8 ] || fail "local vigil fires only: $want"
for name in PodPrivilegedMode ContainerPrivileged ContainerRunningAsRoot \
  ContainerDangerousCapability PodHostNamespaces PodHostPathMount PodSensitiveHostPathMount; do
  echo "$want" | grep -q "alertname=$name," || fail "local vigil does not fire $name: $want"
done

got=""
for _ in $(seq 1 150); do
  got=$(firing "$remote_url")
  [ "$got" = "$want" ] && break
  sleep 0.2
done
[ "$got" = "$want" ] || fail "over the datasource vigil fires
$got
evaluating its own store
$want"
in_am=""
for _ in $(seq 1 100); do
  in_am=$(am_alerts)
  [ "$in_am" = "$want" ] && break
  sleep 0.2
done
[ "$in_am" = "$want" ] || fail "Alertmanager holds
$in_am
want
$want"
[ "$(metric "$remote_url" vigil_rule_evaluation_failures_total)" = 0 ] ||
  fail "failures while Prometheus answers: $(grep -i 'level=warn' "$work/remote.log")"
[ "$(metric "$remote_url" vigil_rule_evaluations_total)" -gt 0 ] || fail "no evaluations counted"
before=$(firing "$remote_url" with_active_at)

# Prometheus stops: every evaluation fails, is counted and says why; the
# alerts stay firing with the same activeAt.
kill "$prom_pid"
wait "$prom_pid" 2>/dev/null || true
failures=0
for _ in $(seq 1 100); do
  failures=$(metric "$remote_url" vigil_rule_evaluation_failures_total)
  [ "$failures" -ge 20 ] && break
  sleep 0.2
done
[ "$failures" -ge 20 ] || fail "only $failures failures counted with Prometheus down"
rules_json=$(curl -fsS "$remote_url/api/v1/rules")
echo "$rules_json" | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
bad = [r for r in rules if r["health"] == "err"]
assert bad, "no rule in error"
assert all("datasource http://127.0.0.1" in r["lastError"] for r in bad), bad[0]["lastError"]' ||
  fail "/api/v1/rules does not show the datasource error: $rules_json"
grep -q 'level=warn msg="Evaluating rule failed".*datasource http://127.0.0.1' "$work/remote.log" ||
  fail "no failed evaluation in the log"
[ "$(firing "$remote_url" with_active_at)" = "$before" ] ||
  fail "alerts changed while the datasource was down: $(firing "$remote_url" with_active_at)"
[ "$(am_alerts)" = "$want" ] || fail "Alertmanager lost alerts during the outage: $(am_alerts)"

# Prometheus comes back on the same port and data: evaluations succeed
# again, the alerts are the same ones (activeAt kept: not fired anew).
start_prometheus
wait_http "http://127.0.0.1:$prom_port/-/ready" || fail "Prometheus did not restart"
healthy=""
for _ in $(seq 1 150); do
  healthy=$(curl -fsS "$remote_url/api/v1/rules" | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
print("yes" if all(r["health"] == "ok" for r in rules) else "no")')
  [ "$healthy" = yes ] && break
  sleep 0.2
done
[ "$healthy" = yes ] || fail "rules did not recover: $(curl -fsS "$remote_url/api/v1/rules")"
after_failures=$(metric "$remote_url" vigil_rule_evaluation_failures_total)
[ "$(firing "$remote_url" with_active_at)" = "$before" ] ||
  fail "after the outage the alerts are
$(firing "$remote_url" with_active_at)
before it
$before"
# Still healthy and not failing a few evaluations later.
evals=$(metric "$remote_url" vigil_rule_evaluations_total)
for _ in $(seq 1 100); do
  [ "$(metric "$remote_url" vigil_rule_evaluations_total)" -ge $((evals + 40)) ] && break
  sleep 0.1
done
[ "$(metric "$remote_url" vigil_rule_evaluation_failures_total)" = "$after_failures" ] ||
  fail "evaluations still failing after Prometheus came back"
[ "$(firing "$remote_url" with_active_at)" = "$before" ] || fail "alerts changed after recovery"
# The remote vigil restarts without a log: its store has no
# ALERTS_FOR_STATE, so the `for` clocks come from the datasource's (vmalert's
# restore). Alerts that only read Prometheus's own series are there at the
# first evaluation and keep their activeAt (ALERTS_FOR_STATE holds seconds);
# those over recordings start over, as in Prometheus, since the recordings
# went stale while nothing served them.
seconds() { sed -E 's/\.[0-9]+Z$/Z/'; }
direct='alertname=(PodPrivilegedMode|PodHostNamespaces|PodHostPathMount|PodSensitiveHostPathMount),'
want_restored=$(echo "$before" | grep -E "^$direct" | seconds)
[ "$(echo "$want_restored" | wc -l)" = 5 ] || fail "expected 5 direct alerts: $want_restored"
kill "$remote_pid"
wait "$remote_pid" 2>/dev/null || true
start_remote
wait_http "$remote_url/-/ready" || fail "remote vigil did not restart"
restored=""
for _ in $(seq 1 100); do
  restored=$(firing "$remote_url" with_active_at | grep -E "^$direct" | seconds)
  [ "$restored" = "$want_restored" ] && break
  sleep 0.2
done
[ "$restored" = "$want_restored" ] || fail "after a restart the alerts are
$restored
restored from the datasource they should be
$want_restored"
echo "datasource e2e: all checks passed"
