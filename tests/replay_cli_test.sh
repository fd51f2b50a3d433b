#!/usr/bin/env bash
# `vigil replay` end to end: the shipped rule pack over a small recording,
# text and JSON reports, --output imported by `vigil query --data` and (when
# installed) by `promtool tsdb create-blocks-from openmetrics`, --compare,
# --progress, and bad input with exit code 2.
#
# usage: replay_cli_test.sh VIGIL RULES_DIR [PROMTOOL]
set -euo pipefail
vigil=$1 rules_dir=$2 promtool=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

pack=$rules_dir/kubernetes-security.rules.yaml
t0=1700000000
# prod/web-1 is privileged and runs 40 minutes, stops for 20, runs 20 more;
# prod/api-1 is not privileged.
python3 - "$work/data.om" "$t0" <<'PY'
import sys
path, t0 = sys.argv[1], int(sys.argv[2])
lines = []
def series(name, value_at):
    for i in range(0, 81):
        lines.append(f"{name} {value_at(i)} {t0 + i * 60}")
series('kube_pod_container_status_running{namespace="prod",pod="web-1",container="nginx"}',
       lambda i: 1 if i < 40 or i >= 60 else 0)
series('kube_pod_security_context{namespace="prod",pod="web-1",privileged="true"}', lambda i: 1)
series('kube_pod_container_status_running{namespace="prod",pod="api-1",container="api"}', lambda i: 1)
series('kube_pod_security_context{namespace="prod",pod="api-1",privileged="false"}', lambda i: 1)
open(path, "w").write("\n".join(lines) + "\n# EOF\n")
PY

# Text: the timeline of each firing and the summary.
"$vigil" replay --rules "$pack" --data "$work/data.om" --step 1m \
  > "$work/text" 2> "$work/err" || fail "replay exited $?: $(cat "$work/err")"
grep -q 'PodPrivilegedMode{container="nginx", namespace="prod", pod="web-1", severity="warning"}' "$work/text" ||
  fail "no PodPrivilegedMode timeline: $(cat "$work/text")"
grep -q '  pending 2023-11-14T22:13:20Z → firing 2023-11-14T22:18:20Z → resolved 2023-11-14T22:53:20Z (fired 35m)' "$work/text" ||
  fail "first episode: $(cat "$work/text")"
grep -q '  pending 2023-11-14T23:13:20Z → firing 2023-11-14T23:18:20Z → still firing at the end (fired 15m)' "$work/text" ||
  fail "second episode: $(cat "$work/text")"
grep -Eq '^PodPrivilegedMode +warning +1 +2 +50m +0$' "$work/text" ||
  fail "summary row: $(cat "$work/text")"
[ ! -s "$work/err" ] || fail "stderr without --progress: $(cat "$work/err")"

# JSON carries the same.
"$vigil" replay --rules "$pack" --data "$work/data.om" --step 1m --format json > "$work/json"
python3 - "$work/json" <<'PY' || fail "json: $(cat "$work/json")"
import json, sys
j = json.load(open(sys.argv[1]))
[a] = [a for a in j["alerts"] if a["alertname"] == "PodPrivilegedMode"]
assert a["labels"]["pod"] == "web-1", a
assert [e["firing_seconds"] for e in a["episodes"]] == [2100, 900], a
[s] = [s for s in j["summary"] if s["alertname"] == "PodPrivilegedMode"]
assert s["firings"] == 2 and s["instances"] == 1, s
PY

# --output: ALERTS and the recording results, importable.
"$vigil" replay --rules "$pack" --data "$work/data.om" --step 1m \
  --output "$work/out.om" > /dev/null
tail -n 1 "$work/out.om" | grep -qx '# EOF' || fail "--output does not end in # EOF"
"$vigil" query --data "$work/out.om" --time $((t0 + 30 * 60)) --format table \
  'ALERTS{alertstate="firing"}' > "$work/q" || fail "vigil query --data out.om"
grep -q 'PodPrivilegedMode' "$work/q" || fail "ALERTS not in the output: $(cat "$work/q")"
if [ -n "$promtool" ]; then
  "$promtool" tsdb create-blocks-from openmetrics "$work/out.om" "$work/blocks" \
    > "$work/promtool.log" 2>&1 || fail "promtool import: $(cat "$work/promtool.log")"
  "$promtool" tsdb list "$work/blocks" > "$work/blocks.txt" 2>&1
  [ "$(grep -c '^[0-9A-Z]\{26\}' "$work/blocks.txt")" -ge 1 ] ||
    fail "promtool made no block: $(cat "$work/blocks.txt")"
fi

# --compare: the same pack with PodPrivilegedMode's `for` at 30m.
sed '/alert: PodPrivilegedMode/,/for:/ s/for: 5m/for: 30m/' "$pack" > "$work/slow.yaml"
grep -q 'for: 30m' "$work/slow.yaml" || fail "sed did not change the rule"
"$vigil" replay --rules "$pack" --compare "$work/slow.yaml" --data "$work/data.om" \
  --step 1m > "$work/cmp"
grep -qx 'PodPrivilegedMode: 2 → 1 firing, firing time 50m → 10m' "$work/cmp" ||
  fail "compare: $(cat "$work/cmp")"
grep -qx '10 alerts unchanged.' "$work/cmp" || fail "compare: $(cat "$work/cmp")"

# --progress: on stderr even when it is not a terminal.
"$vigil" replay --rules "$pack" --data "$work/data.om" --step 1m --progress \
  > /dev/null 2> "$work/progress"
grep -q '243/243 evaluations, 100%' "$work/progress" || fail "progress: $(cat "$work/progress")"

# Bad input: exit 2 and where.
expect_bad() {
  local want=$1; shift
  set +e
  "$vigil" replay "$@" > "$work/out" 2> "$work/err"
  local rc=$?
  set -e
  [ "$rc" = 2 ] || fail "exit $rc, want 2, for $*: $(cat "$work/err")"
  grep -qF -- "$want" "$work/err" || fail "want \"$want\" in: $(cat "$work/err")"
}
printf 'groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up ==\n' > "$work/bad.yaml"
expect_bad "$work/bad.yaml:5:" --rules "$work/bad.yaml" --data "$work/data.om"
expect_bad "no data in the range" --rules "$pack" --data "$work/data.om" --start 2020-01-01T00:00:00Z --end 2020-01-02T00:00:00Z
expect_bad "missing --data" --rules "$pack"
expect_bad "no such file" --rules "$work/none.yaml" --data "$work/data.om"
printf 'up 1 100\nup 1 50\n# EOF\n' > "$work/disorder.om"
expect_bad "disorder.om:2:" --rules "$pack" --data "$work/disorder.om"
expect_bad "invalid --step" --rules "$pack" --data "$work/data.om" --step 0s
expect_bad "exclude each other" --rules "$pack" --data "$work/data.om" --datasource.url http://127.0.0.1:1
expect_bad "needs --start and --end" --rules "$pack" --datasource.url http://127.0.0.1:1 --start 0
expect_bad "--keep-going is for a datasource replay" --rules "$pack" --data "$work/data.om" --keep-going
expect_bad "must be http:// or https://" --rules "$pack" --datasource.url ftp://x --start 0 --end 60
printf 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up @ 100\n' > "$work/at.yaml"
expect_bad "an @ modifier" --rules "$work/at.yaml" --datasource.url http://127.0.0.1:1 --start 0 --end 60
printf 'datasource:\n  timeout: 0s\n' > "$work/bad-ds.yml"
expect_bad "bad-ds.yml:2:" --rules "$pack" --config.file "$work/bad-ds.yml" --start 0 --end 60
printf 'global: {}\n' > "$work/no-ds.yml"
expect_bad "--datasource.url is empty" --rules "$pack" --datasource.url "" --start 0 --end 60
expect_bad "must be at least 1m" --rules "$pack" --datasource.url http://127.0.0.1:1 --datasource.piece 1s --start 0 --end 60
expect_bad "has no datasource url" --rules "$pack" --config.file "$work/no-ds.yml" --start 0 --end 60
echo PASS
