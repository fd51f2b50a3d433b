#!/usr/bin/env bash
# `vigil kuberhealthy` against a fake Kubernetes API and a fake Kuberhealthy
# receiver on loopback: OK on a clean namespace; one error per alert of the
# bundled rule pack otherwise (a finished privileged job never counts); the
# list failing is reported, not hidden; the run UUID travels as a header.
# Usage: kuberhealthy_test.sh VIGIL_BINARY
set -eu
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$(cd "$(dirname "$0")" && pwd)/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$work/pods.json" <<'JSON'
{"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
 "items": [
  {"metadata": {"name": "frontend-1", "namespace": "web", "uid": "u-web"},
   "spec": {"securityContext": {"runAsNonRoot": true, "runAsUser": 101},
            "containers": [{"name": "nginx", "securityContext": {
              "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
              "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}}]},
   "status": {"phase": "Running", "containerStatuses": [
     {"name": "nginx", "state": {"running": {"startedAt": "2026-11-28T07:00:00Z"}}}]}},
  {"metadata": {"name": "ledger-0", "namespace": "payments", "uid": "u-ledger"},
   "spec": {"containers": [
     {"name": "ledger", "securityContext": {"privileged": true}},
     {"name": "log-shipper", "securityContext": {"runAsNonRoot": true,
       "runAsUser": 10001, "allowPrivilegeEscalation": false}}]},
   "status": {"phase": "Running", "containerStatuses": [
     {"name": "ledger", "state": {"running": {"startedAt": "2026-11-28T07:00:00Z"}}},
     {"name": "log-shipper", "state": {"running": {"startedAt": "2026-11-28T07:00:00Z"}}}]}},
  {"metadata": {"name": "report-1", "namespace": "payments", "uid": "u-report"},
   "spec": {"containers": [{"name": "report", "securityContext": {"privileged": true}}]},
   "status": {"phase": "Succeeded", "containerStatuses": [
     {"name": "report", "state": {"terminated": {"exitCode": 0}}}]}},
  {"metadata": {"name": "debug", "namespace": "dev", "uid": "u-debug"},
   "spec": {"containers": [{"name": "shell", "securityContext": {
     "runAsUser": 0, "capabilities": {"add": ["SYS_PTRACE"]}}}]},
   "status": {"phase": "Running", "containerStatuses": [
     {"name": "shell", "state": {"running": {"startedAt": "2026-11-28T07:00:00Z"}}}]}}
 ]}
JSON

start_peer "$work"
port=$peer_port

# check NAMESPACE: runs the check with CHECK_NAMESPACE=NAMESPACE ("" = all).
check() {
  rm -f "$work/report.json" "$work/report.uuid"
  env KH_REPORTING_URL="http://127.0.0.1:$port/report" KH_RUN_UUID=run-42 \
    KH_CHECK_RUN_DEADLINE=$(( $(date +%s) + 60 )) CHECK_NAMESPACE="$1" \
    "$vigil" kuberhealthy --kube.api-url="http://127.0.0.1:$port" >"$work/out" 2>&1
}
# expect PYTHON_LIST: the report's Errors, exactly.
expect() {
  python3 - "$work/report.json" "$1" <<'PY' || { cat "$work/out" >&2; fail "report: $(cat "$work/report.json")"; }
import ast, json, sys
report = json.load(open(sys.argv[1]))
want = ast.literal_eval(sys.argv[2])
assert report["Errors"] == want, report["Errors"]
assert report["OK"] is (not want), report
PY
}

check web || fail "exit $? on a clean namespace"
expect '[]'
[ "$(cat "$work/report.uuid")" = run-42 ] || fail "kh-run-uuid header: $(cat "$work/report.uuid")"

check payments || fail "exit $? for payments"
expect '[
  "ContainerPrivileged: Container payments/ledger-0/ledger is privileged",
  "PodPrivilegedMode: Container ledger of pod payments/ledger-0 runs in privileged mode",
  "PodPrivilegedMode: Container log-shipper of pod payments/ledger-0 runs in privileged mode",
]'

check "" || fail "exit $? for all namespaces"
python3 - "$work/report.json" <<'PY' || fail "all namespaces: $(cat "$work/report.json")"
import json, sys
errors = json.load(open(sys.argv[1]))["Errors"]
alerts = sorted({e.split(":")[0] for e in errors})
assert alerts == ["ContainerDangerousCapability", "ContainerPrivilegeEscalationAllowed",
                  "ContainerPrivileged", "ContainerRunningAsRoot",
                  "PodPrivilegedMode"], alerts
assert not any("report-1" in e for e in errors), "a finished job counted"
assert not any("frontend" in e for e in errors), "the hardened pod counted"
PY

# The API refusing the list fails the check with the reason.
echo 403 >"$work/pods.status"
echo '{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:kh:vigil\" cannot list resource \"pods\"","reason":"Forbidden","code":403}' >"$work/pods.json"
check web || fail "exit $? when the list is forbidden"
python3 - "$work/report.json" <<'PY' || fail "forbidden: $(cat "$work/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["OK"] is False and len(r["Errors"]) == 1, r
assert r["Errors"][0].startswith("listing pods: "), r
assert "cannot list resource" in r["Errors"][0], r
PY

# An API too slow for the deadline: the check still reports, in time, why.
rm -f "$work/pods.status" "$work/report.json"
echo 30 >"$work/pods.delay"
start=$(date +%s)
env KH_REPORTING_URL="http://127.0.0.1:$port/report" KH_RUN_UUID=run-43 \
  KH_CHECK_RUN_DEADLINE=$(( start + 8 )) \
  "$vigil" kuberhealthy --kube.api-url="http://127.0.0.1:$port" >"$work/out" 2>&1 ||
  fail "exit $? with a slow API: $(cat "$work/out")"
[ $(( $(date +%s) - start )) -le 8 ] || fail "reported after the deadline"
python3 - "$work/report.json" <<'PY' || fail "slow API: $(cat "$work/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["OK"] is False and len(r["Errors"]) == 1, r
assert r["Errors"][0].startswith("listing pods: "), r
PY
rm -f "$work/pods.delay"

# Kuberhealthy refusing the report (e.g. a stale run) is exit 1.
echo 400 >"$work/report.status"
if check web; then fail "a refused report exited 0"; fi
grep -q "HTTP 400" "$work/out" || fail "refusal not explained: $(cat "$work/out")"

# Without KH_REPORTING_URL it is not run by Kuberhealthy: usage error.
set +e
env -u KH_REPORTING_URL "$vigil" kuberhealthy >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "no KH_REPORTING_URL: exit $rc, want 2"
echo "kuberhealthy: all checks passed"
