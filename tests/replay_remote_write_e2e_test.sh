#!/usr/bin/env bash
# `vigil replay --remote-write` into Debian's Prometheus 2.42 started with
# --web.enable-remote-write-receiver: the receiver ends up holding every
# sample the replay produced — recording results, ALERTS and
# ALERTS_FOR_STATE, the same ones `--output` writes — and a receiver that
# refuses the requests stops the replay with exit 2 and the answer.
#
# usage: replay_remote_write_e2e_test.sh VIGIL RULES_DIR PROMETHEUS
set -eu
vigil=$1 rules_dir=$2 prometheus=$3
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
start=$t0 end=$((t0 + 150 * 60))
# Two and a half hours, longer than the one-hour window batches and the
# receiver's one-hour head tolerance. prod/web-1 is privileged and stops
# for 20 minutes; prod/db-0 becomes privileged at minute 10; falco detects
# a shell now and then.
python3 - "$work/data.om" "$t0" <<'PY'
import sys
path, t0 = sys.argv[1], int(sys.argv[2])
lines = []
def series(name, value_at):
    for i in range(0, 151):
        v = value_at(i)
        if v is not None:
            lines.append(f"{name} {v} {t0 + i * 60}")
for pod, priv, cont in (("web-1", "true", "nginx"), ("db-0", "true", "pg"),
                        ("api-1", "false", "api")):
    running = (lambda i: 1 if i < 40 or i >= 60 else 0) if pod == "web-1" else \
              (lambda i: 1 if i >= 10 else None) if pod == "db-0" else (lambda i: 1)
    series(f'kube_pod_container_status_running{{namespace="prod",pod="{pod}",container="{cont}"}}', running)
    series(f'kube_pod_security_context{{namespace="prod",pod="{pod}",privileged="{priv}"}}', lambda i: 1)
    series(f'kube_pod_container_security_context{{namespace="prod",pod="{pod}",container="{cont}",'
           f'container_type="container",privileged="{priv}",run_as_user="{0 if pod == "db-0" else 1000}"}}',
           lambda i: 1)
series('falcosecurity_falcosidekick_falco_events_total{rule="Terminal shell in container",'
       'priority="Notice",k8s_ns_name="prod",k8s_pod_name="web-1"}', lambda i: i // 50)
open(path, "w").write("\n".join(lines) + "\n# EOF\n")
PY

printf 'global: {}\n' >"$work/empty.yml"
prom_port=$(free_port)
"$prometheus" --config.file="$work/empty.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --web.enable-remote-write-receiver \
  --log.level=warn >>"$work/prometheus.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"
wait_http "$prom/-/ready" || fail "Prometheus did not start"

"$vigil" replay --rules "$pack" --data "$work/data.om" --start "$start" --end "$end" \
  --no-timeline --output "$work/out.om" --remote-write "$prom/api/v1/write" \
  >"$work/report.txt" 2>"$work/replay.err" || fail "replay: $(cat "$work/replay.err")"
grep -Eq "^vigil replay: sent [1-9][0-9]* samples to $prom/api/v1/write in [1-9][0-9]* requests$" \
  "$work/replay.err" || fail "no send summary: $(cat "$work/replay.err")"

# Every sample of --output (staleness markers aside, which it cannot
# carry) must be in Prometheus, and nothing else of those names.
python3 - "$work/out.om" "$prom" "$start" "$end" <<'PY' || fail "the receiver's series differ"
import json, re, sys, urllib.parse, urllib.request
path, prom, start, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
want = {}
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+) (\S+)$')
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
for line in open(path):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    m = line_re.match(line)
    assert m, line
    labels = dict(label_re.findall(m.group(3) or ""))
    labels["__name__"] = m.group(1)
    key = tuple(sorted(labels.items()))
    want.setdefault(key, []).append((round(float(m.group(5)) * 1000), float(m.group(4))))
names = sorted({dict(k)["__name__"] for k in want})
assert {"ALERTS", "ALERTS_FOR_STATE", "container:kube_pod_container_security_context:running",
        "falco:detections:new10m"} <= set(names), names
# One raw-sample query per name over the whole range (2.x ranges are closed).
got = {}
for name in names:
    q = f'{{__name__="{name}"}}[{end - start + 3600}s]'
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": end})
    body = json.load(urllib.request.urlopen(url))
    assert body["status"] == "success", body
    for s in body["data"]["result"]:
        key = tuple(sorted(s["metric"].items()))
        got[key] = [(round(float(t) * 1000), float(v)) for t, v in s["values"]]
missing = [k for k in want if k not in got]
extra = [k for k in got if k not in want]
differ = [k for k in want if k in got and got[k] != want[k]]
for k in missing[:3] + extra[:3] + differ[:3]:
    print("series", dict(k), "want", want.get(k, [])[:5], "got", got.get(k, [])[:5], file=sys.stderr)
assert not missing and not extra and not differ, (len(missing), len(extra), len(differ))
print(f"{len(want)} series, {sum(len(v) for v in want.values())} samples", file=sys.stderr)
PY

# A receiver that refuses (404: no such path): exit 2 with the answer.
set +e
"$vigil" replay --rules "$pack" --data "$work/data.om" --start "$start" --end "$end" \
  --no-timeline --remote-write "$prom/no/such/path" >"$work/bad.out" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "exit $rc with a refusing receiver, want 2: $(cat "$work/bad.err")"
grep -q "remote write to $prom/no/such/path failed (.* samples lost): HTTP 404" "$work/bad.err" ||
  fail "the error does not name the receiver and its answer: $(cat "$work/bad.err")"
echo PASS
