#!/usr/bin/env bash
# The README's run command: `vigil run` with no config starts the built-in
# demo. Within its first half minute the targets it serves itself are
# scraped over HTTP, the security-context collector lists the demo pods,
# the bundled rule pack puts the posture alerts in pending (logged and on
# /api/v1/alerts) for the right pods only, and the seed's Grafana query
# answers. Firing takes the rules' `for: 5m`; the unit tests cover that.
# Usage: demo_test.sh VIGIL_BINARY
set -eu  # no pipefail: `curl | grep -q` may SIGPIPE curl
vigil=$1
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$(cd "$(dirname "$0")" && pwd)/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; echo "--- vigil log" >&2; cat "$work/vigil.log" >&2; exit 1; }

port=$(free_port)
base="http://127.0.0.1:$port"
"$vigil" run --web.listen-address="127.0.0.1:$port" --web.enable-lifecycle \
  >"$work/vigil.log" 2>&1 &
pid=$!
pids+=($pid)

# Pending needs a scrape, a collection and an evaluation: 15 s intervals
# with their offsets, so up to about 35 s.
ok=""
for _ in $(seq 1 300); do
  if curl -fsS "$base/api/v1/alerts" 2>/dev/null | grep -q '"alertname":"PodPrivilegedMode"'; then
    ok=1; break
  fi
  sleep 0.2
done
[ -n "$ok" ] || fail "PodPrivilegedMode never became pending"

grep -q 'msg="No --config.file: running the built-in demo' "$work/vigil.log" ||
  fail "the log does not say it runs the demo"
grep -q 'msg="Demo: after 5m: the posture alerts fire' "$work/vigil.log" ||
  fail "the log does not say when alerts fire"

alerts=$(curl -fsS "$base/api/v1/alerts")
echo "$alerts" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)["data"]["alerts"]
priv = [a for a in alerts if a["labels"]["alertname"] == "PodPrivilegedMode"]
pods = sorted({(a["labels"]["namespace"], a["labels"]["pod"]) for a in priv})
assert pods == [("payments", "ledger-0")], pods
containers = sorted(a["labels"]["container"] for a in priv)
assert containers == ["ledger", "log-shipper"], containers
assert all(a["state"] == "pending" for a in priv), priv
assert all(a["labels"]["severity"] == "warning" for a in priv), priv
# The finished privileged job never alerts; the hardened pod neither.
for a in alerts:
    assert a["labels"].get("pod") not in ("report-28461", "frontend-6d9f"), a
' || fail "unexpected alerts: $alerts"

# The log says so too (the alert transition log looks every second).
ok=""
for _ in $(seq 1 25); do
  grep -q 'msg="Alert pending" alertname=PodPrivilegedMode' "$work/vigil.log" && { ok=1; break; }
  sleep 0.2
done
[ -n "$ok" ] || fail "no 'Alert pending' line for PodPrivilegedMode"

# Every demo target is scraped over HTTP and up (each at its own offset in
# the 15 s interval).
targets_up() {
  curl -fsS "$base/api/v1/targets" | python3 -c '
import json, sys
active = json.load(sys.stdin)["data"]["activeTargets"]
jobs = sorted(t["scrapePool"] for t in active)
assert jobs == ["apiserver", "falcosidekick", "kube-state-metrics", "vigil"], jobs
assert all(t["health"] == "up" for t in active), active
' 2>/dev/null
}
ok=""
for _ in $(seq 1 100); do targets_up && { ok=1; break; }; sleep 0.2; done
[ -n "$ok" ] || fail "targets: $(curl -fsS "$base/api/v1/targets")"

# The collector read the demo pods: one pod-level series per pod.
curl -fsS "$base/kube/metrics" | grep '^kube_pod_security_context{' |
  grep 'pod="ledger-0"' | grep -q 'privileged="true"' ||
  fail "/kube/metrics lacks ledger-0's security context"
n=$(curl -fsS --get "$base/api/v1/query" --data-urlencode 'query=count(kube_pod_security_context)' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
[ "$n" = 5 ] || fail "count(kube_pod_security_context) = $n, want 5"

# The seed's Grafana panel over the demo's API server counter, once two
# scrapes of it give rate() something to work with.
auth_rate() {
  local now
  now=$(date +%s)
  range=$(curl -fsS --get "$base/api/v1/query_range" \
    --data-urlencode 'query=sum(rate(authentication_attempts{result="failure"}[1m])) by (result)' \
    --data-urlencode "start=$((now - 60))" --data-urlencode "end=$now" --data-urlencode step=15)
  echo "$range" | python3 -c '
import json, sys
d = json.load(sys.stdin)["data"]
assert d["resultType"] == "matrix", d
assert d["result"], d
rate = float(d["result"][0]["values"][-1][1])
# 3 failures a second; with few samples in the window, rate()
# extrapolates (as Prometheus does) to less.
assert 0.5 < rate < 3.5, rate
' 2>/dev/null
}
ok=""
for _ in $(seq 1 100); do auth_rate && { ok=1; break; }; sleep 0.3; done
[ -n "$ok" ] || fail "failed-auth query_range: $range"

curl -fsS -X POST "$base/-/quit" >/dev/null
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" || fail "vigil exited non-zero"
echo "demo: all checks passed"
