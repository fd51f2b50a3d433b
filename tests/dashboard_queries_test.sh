#!/usr/bin/env bash
# Every query of a Grafana dashboard, through vigil's HTTP API as Grafana
# sends it: vigil serves an hour of recorded data for every metric the
# panels read (ALERTS included: rules would only run at wall-clock time,
# after the recording), and each target's expression, with Grafana's
# variables filled in, must run and return series. `X or vector(0)` must
# also return series without the fallback, or it proves nothing.
# Usage: dashboard_queries_test.sh VIGIL DASHBOARD_JSON
set -euo pipefail
vigil=$1
dashboard=$2
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

base=1700000000  # the recording: [base, base + 3600], every 30s
python3 - "$base" >"$work/data.om" <<'PY'
import sys
base, step, n = int(sys.argv[1]), 30, 120
families = {}  # name -> (type, [(labels, value(i))])
def add(family, kind, name, labels, value):
    families.setdefault(family, (kind, []))[1].append((name, labels, value))
def info(name, labels):
    add(name, "gauge", name, labels, lambda i: 1)

for ns, pod, phase in (("prod", "web-1", "Running"), ("kube-system", "kube-proxy", "Running"),
                       ("ci", "builder", "Running"), ("batch", "job-1", "Succeeded")):
    info("kube_pod_status_phase", dict(namespace=ns, pod=pod, phase=phase))
info("kube_pod_security_context", dict(namespace="prod", pod="web-1", uid="u1", privileged="true",
     host_network="false", host_pid="false", host_ipc="false"))
info("kube_pod_security_context", dict(namespace="kube-system", pod="kube-proxy", uid="u2",
     privileged="true", host_network="true", host_pid="false", host_ipc="false"))
info("kube_pod_security_context", dict(namespace="ci", pod="builder", uid="u3", privileged="false",
     host_network="false", host_pid="true", host_ipc="false", run_as_non_root="true"))
info("kube_pod_container_security_context", dict(namespace="prod", pod="web-1", uid="u1",
     container="nginx", container_type="container", privileged="true",
     allow_privilege_escalation="true", run_as_user="0", read_only_root_filesystem="false"))
info("kube_pod_container_security_context_capabilities_added", dict(namespace="ci", pod="builder",
     uid="u3", container="build", container_type="container", capability="NET_ADMIN"))
info("kube_pod_spec_volumes_host_path", dict(namespace="ci", pod="builder", uid="u3",
     volume="docker", path="/var/run/docker.sock", type="Socket"))
info("vigil_kube_collector_up", {})
info("ALERTS", dict(alertname="ContainerPrivileged", alertstate="firing", severity="warning",
     namespace="prod", pod="web-1", container="nginx", container_type="container"))

def counter(family, labels, per_step):
    add(family, "counter", family + "_total", labels, lambda i: per_step * i)
counter("falcosecurity_falcosidekick_falco_events", dict(rule="Terminal shell in container",
        priority="Notice", hostname="node-1", k8s_ns_name="prod", k8s_pod_name="web-1"), 1)
counter("falcosecurity_falco_rules_matches", dict(rule_name="Read sensitive file untrusted",
        priority="4", source="syscall", instance="10.0.0.5:8765"), 2)
# Kubernetes' counters have no _total suffix, which OpenMetrics reserves
# for its counter type: they are recorded untyped.
add("apiserver_failed_auth_count", "unknown", "apiserver_failed_auth_count",
    dict(reason="invalid_token"), lambda i: 40 * i)
add("authentication_attempts", "unknown", "authentication_attempts",
    dict(result="failure"), lambda i: 60 * i)

out = []
for family, (kind, samples) in families.items():
    out.append("# TYPE %s %s" % (family, kind))
    for name, labels, value in samples:
        lbl = ",".join('%s="%s"' % kv for kv in labels.items())
        for i in range(n + 1):
            out.append("%s{%s} %g %d" % (name, lbl, value(i), base + i * step))
out.append("# EOF")
print("\n".join(out))
PY

printf 'global: {}\n' >"$work/vigil.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$vigil" run --config.file="$work/vigil.yml" --storage.load "$work/data.om" \
  --web.listen-address="127.0.0.1:$port" >"$work/vigil.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
  curl -fsS "$url/-/ready" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/vigil.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$url/-/ready" >/dev/null || { echo "vigil not ready" >&2; cat "$work/vigil.log" >&2; exit 1; }

python3 - "$url" "$dashboard" "$base" <<'PY'
import json, re, sys, urllib.parse, urllib.request
url, path, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
start, end, step = base + 600, base + 3600, 60

# Grafana's built-in variables, as it would fill them for this range.
variables = {
    "__rate_interval": "5m", "__interval": "1m", "__interval_ms": "60000",
    "__range": "1h", "__range_s": "3600", "__range_ms": "3600000",
}
def expand(expr):
    def sub(m):
        name = m.group(1) or m.group(2)
        if name not in variables:
            raise SystemExit("FAIL: unknown variable $%s in %s" % (name, expr))
        return variables[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", sub, expr)

def targets(panels):
    for p in panels:
        yield from targets(p.get("panels", []))
        for t in p.get("targets", []):
            if t.get("expr"):
                yield p["title"], t

def query(endpoint, **params):
    data = urllib.parse.urlencode(params).encode()
    try:
        with urllib.request.urlopen(url + endpoint, data) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)

def check(title, expr, instant):
    body = query("/api/v1/query_range", query=expr, start=start, end=end, step=step)
    if body.get("status") != "success":
        return "%s: %s" % (body.get("errorType"), body.get("error"))
    n = len(body["data"]["result"])
    if n == 0:
        return "no series over the recording"
    print("ok %-32s %3d series  %s" % (title[:32], n, expr))
    if instant:
        body = query("/api/v1/query", query=expr, time=end)
        if body.get("status") != "success" or not body["data"]["result"]:
            return "instant query: %s" % json.dumps(body)[:300]
    return None

dashboard = json.load(open(path))
failures, count = 0, 0
for title, t in targets(dashboard["panels"]):
    expr = expand(t["expr"])
    exprs = [expr]
    fallback = re.fullmatch(r"(.*\S)\s+or\s+vector\(0\)", expr, re.S)
    if fallback:
        exprs.append(fallback.group(1))
    for e in exprs:
        count += 1
        err = check(title, e, t.get("instant", False))
        if err:
            print("FAIL %s: %s\n  %s" % (title, err, e))
            failures += 1
if count == 0:
    raise SystemExit("FAIL: no queries in %s" % path)
print("%d queries, %d failed" % (count, failures))
sys.exit(1 if failures else 0)
PY
