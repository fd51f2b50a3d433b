#!/usr/bin/env bash
# `vigil replay --datasource.url` against Debian's Prometheus 2.42 holding
# the same recording as a local OpenMetrics file (backfilled with promtool):
# the shipped rule pack gives the same timeline from both sources, through
# --datasource.url and through --config.file's datasource block. Then the
# server stops mid-way (a proxy in front of it stops it at the first query
# past a cutoff): the replay exits 2 naming the query and the time; with
# --keep-going it finishes, exits 1 and reports the gaps.
#
# usage: replay_datasource_e2e_test.sh VIGIL RULES_DIR PROMTOOL PROMETHEUS
set -eu
vigil=$1 rules_dir=$2 promtool=$3 prometheus=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
fail() {
  echo "FAIL: $*" >&2
  tail -20 "$work/prometheus.log" >&2 2>/dev/null || true
  exit 1
}

pack=$rules_dir/kubernetes-security.rules.yaml
t0=1700000000
start=$t0 end=$((t0 + 80 * 60)) cutoff=$((t0 + 40 * 60))
# prod/web-1 is privileged and runs 40 minutes, stops for 20, runs 20 more;
# prod/db-0 is privileged from minute 10 on; prod/api-1 is not privileged.
python3 - "$work/data.om" "$t0" <<'PY'
import sys
path, t0 = sys.argv[1], int(sys.argv[2])
lines = []
def series(name, value_at):
    for i in range(0, 81):
        v = value_at(i)
        if v is not None:
            lines.append(f"{name} {v} {t0 + i * 60}")
series('kube_pod_container_status_running{namespace="prod",pod="web-1",container="nginx"}',
       lambda i: 1 if i < 40 or i >= 60 else 0)
series('kube_pod_security_context{namespace="prod",pod="web-1",privileged="true"}', lambda i: 1)
series('kube_pod_container_status_running{namespace="prod",pod="db-0",container="pg"}',
       lambda i: 1 if i >= 10 else None)
series('kube_pod_security_context{namespace="prod",pod="db-0",privileged="true"}',
       lambda i: 1 if i >= 10 else None)
series('kube_pod_container_status_running{namespace="prod",pod="api-1",container="api"}', lambda i: 1)
series('kube_pod_security_context{namespace="prod",pod="api-1",privileged="false"}', lambda i: 1)
open(path, "w").write("\n".join(lines) + "\n# EOF\n")
PY
"$promtool" tsdb create-blocks-from openmetrics "$work/data.om" "$work/blocks" \
  >"$work/promtool.log" 2>&1 || fail "promtool: $(cat "$work/promtool.log")"
printf 'global: {}\n' >"$work/empty.yml"
start_prometheus() {
  prom_port=$(free_port)
  "$prometheus" --config.file="$work/empty.yml" --storage.tsdb.path="$work/blocks" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn \
    >>"$work/prometheus.log" 2>&1 &
  prom_pid=$!
  pids+=($prom_pid)
  prom="http://127.0.0.1:$prom_port"
  wait_http "$prom/-/ready" || fail "Prometheus did not start"
}
start_prometheus

range=(--start "$start" --end "$end")
# The reports without the wall time, for comparing.
timeline() {
  python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
j.pop("wall_seconds", None)
print(json.dumps(j, indent=1, sort_keys=True))' "$1"
}
"$vigil" replay --rules "$pack" --data "$work/data.om" "${range[@]}" --format json \
  >"$work/local.json" 2>"$work/local.err" || fail "local replay: $(cat "$work/local.err")"
timeline "$work/local.json" >"$work/local.tl"
python3 - "$work/local.json" <<'PY' || fail "local replay: $(cat "$work/local.json")"
import json, sys
j = json.load(open(sys.argv[1]))
fired = {(a["alertname"], a["labels"]["pod"]): len(a["episodes"]) for a in j["alerts"]
         if a["alertname"] == "PodPrivilegedMode"}
assert fired == {("PodPrivilegedMode", "web-1"): 2, ("PodPrivilegedMode", "db-0"): 1}, fired
PY

# The same from Prometheus, in 20-minute pieces: the same timeline.
"$vigil" replay --rules "$pack" --datasource.url "$prom" --datasource.piece 20m \
  "${range[@]}" --format json >"$work/remote.json" 2>"$work/remote.err" ||
  fail "datasource replay exited $?: $(cat "$work/remote.err")"
timeline "$work/remote.json" >"$work/remote.tl"
diff -u "$work/local.tl" "$work/remote.tl" >&2 || fail "the timelines differ"

# The datasource block of a `vigil run` config (timeout, headers), in one
# piece: the same timeline again, in text.
cat >"$work/vigil.yml" <<YAML
datasource:
  url: $prom
  timeout: 10s
  headers: {X-Scope-OrgID: replay}
YAML
"$vigil" replay --rules "$pack" --data "$work/data.om" "${range[@]}" --no-timeline \
  | sed 1d >"$work/local.txt"
"$vigil" replay --rules "$pack" --config.file "$work/vigil.yml" "${range[@]}" --no-timeline \
  2>"$work/cfg.err" | sed 1d >"$work/cfg.txt" || fail "--config.file: $(cat "$work/cfg.err")"
diff -u "$work/local.txt" "$work/cfg.txt" >&2 || fail "--config.file gives another summary"
grep -Eq '^PodPrivilegedMode +warning +2 +3 ' "$work/cfg.txt" || fail "summary: $(cat "$work/cfg.txt")"

# The server stops at the first query past the cutoff.
start_proxy() {
  rm -f "$work/proxy.port"
  python3 "$here/support/stopping_proxy.py" "$prom" "$cutoff" "$prom_pid" "$work/proxy.port" &
  pids+=($!)
  for _ in $(seq 1 600); do [ -s "$work/proxy.port" ] && break; sleep 0.05; done
  [ -s "$work/proxy.port" ] || fail "the proxy did not start"
  proxy="http://127.0.0.1:$(cat "$work/proxy.port")"
}
start_proxy
set +e
"$vigil" replay --rules "$pack" --datasource.url "$proxy" --datasource.piece 20m \
  "${range[@]}" >"$work/stop.out" 2>"$work/stop.err"
rc=$?
set -e
wait "$prom_pid" 2>/dev/null || true
[ "$rc" = 2 ] || fail "exit $rc with the server stopped, want 2: $(cat "$work/stop.err")"
grep -Eq "^vigil replay: fetching \{.*\} from 2023-11-14T[0-9:.]+Z to 2023-11-14T[0-9:.]+Z \(query \"\{.*\}\[[0-9]+ms\]\" at 2023-11-14T[0-9:.]+Z\): datasource $proxy: " \
  "$work/stop.err" || fail "the error does not name the query and the time: $(cat "$work/stop.err")"
[ ! -s "$work/stop.out" ] || fail "a report after a failed fetch: $(cat "$work/stop.out")"

# --keep-going: the replay finishes, reports the gaps and exits 1.
start_prometheus
start_proxy
set +e
"$vigil" replay --rules "$pack" --datasource.url "$proxy" --datasource.piece 20m \
  "${range[@]}" --keep-going --format json >"$work/gaps.json" 2>"$work/gaps.err"
rc=$?
set -e
wait "$prom_pid" 2>/dev/null || true
[ "$rc" = 1 ] || fail "exit $rc with --keep-going, want 1: $(cat "$work/gaps.err")"
grep -q 'data gaps' "$work/gaps.err" || fail "no gaps on stderr: $(cat "$work/gaps.err")"
python3 - "$work/gaps.json" "$cutoff" "$end" "$work/local.json" <<'PY' || fail "gaps: $(cat "$work/gaps.json")"
import datetime, json, sys
j = json.load(open(sys.argv[1]))
cutoff, end = int(sys.argv[2]), int(sys.argv[3])
local = json.load(open(sys.argv[4]))
def secs(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
gaps = j["gaps"]
assert gaps, "no gaps"
selectors = {g["selector"] for g in gaps}
assert len(selectors) == len(gaps), "one gap per selector: %s" % gaps
for g in gaps:
    # From the first piece whose end is past the cutoff to the last piece.
    assert secs(g["from"]) <= cutoff < secs(g["from"]) + 20 * 60, g
    assert secs(g["to"]) >= end, g
    assert "datasource http://127.0.0.1:" in g["error"], g
# Before the outage the timeline is the local one: the same instances went
# pending at the same times.
def pending(j):
    return sorted((a["alertname"], json.dumps(a["labels"], sort_keys=True), e["pending"])
                  for a in j["alerts"] for e in a["episodes"] if secs(e["pending"]) < cutoff - 20 * 60)
assert pending(j) == pending(local), (pending(j), pending(local))
PY
echo "replay datasource e2e: all checks passed"
