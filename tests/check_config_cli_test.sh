#!/usr/bin/env bash
# `vigil check config`: the same stdout and exit status as promtool's on
# good configs (rule_files globs resolved relative to the config file), the
# same exit status on bad ones, and vigil's errors with file:line:col.
# Usage: check_config_cli_test.sh VIGIL [PROMTOOL]
set -u
vigil=$(realpath "$1")
promtool=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

mkdir -p "$work/conf/rules"
cat >"$work/conf/good.yml" <<'YAML'
global:
  scrape_interval: 15s
  evaluation_interval: 30s
rule_files:
  - rules/*.yml
  - other.yml
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["localhost:9100"]}]
YAML
cat >"$work/conf/rules/a.yml" <<'YAML'
groups:
  - name: a
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Down
        expr: up == 0
YAML
cat >"$work/conf/other.yml" <<'YAML'
groups:
  - name: other
    rules:
      - record: x:y
        expr: sum(up)
YAML
cat >"$work/conf/empty-glob.yml" <<'YAML'
rule_files: [nothing/*.yml]
YAML
cat >"$work/conf/bad-field.yml" <<'YAML'
global:
  scrape_interval: 15s
  bogus: 1
YAML
# vigil's own datasource block (promtool knows no such field: exit 1 too).
cat >"$work/conf/bad-datasource-url.yml" <<'YAML'
datasource:
  timeout: 10s
  url: prometheus:9090
YAML
cat >"$work/conf/bad-datasource-header.yml" <<'YAML'
datasource:
  url: http://prometheus:9090
  headers: {Authorization: x}
YAML
cat >"$work/conf/bad-datasource-field.yml" <<'YAML'
datasource:
  url: http://prometheus:9090
  query: up
YAML
cat >"$work/conf/bad-yaml.yml" <<'YAML'
global:
  scrape_interval: [15s
YAML
# yaml-cpp 0.7 alone would load the list and ignore the comma.
printf -- '- a\n,\n' >"$work/conf/stray-comma.yml"
# 300 references to a target group of 1000 targets: 300,000 targets from
# 6 KB, which yaml.v2 refuses to decode.
{
  printf 'scrape_configs:\n- job_name: j\n  static_configs: [&g {targets: [a:1'
  for ((i = 0; i < 1000; i++)); do printf ', a:1'; done
  printf ']}'
  for ((i = 0; i < 300; i++)); do printf ', *g'; done
  printf ']\n'
} >"$work/conf/alias-bomb.yml"
cat >"$work/conf/missing-rule.yml" <<'YAML'
rule_files: [absent.yml]
YAML
printf 'groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum(\n' \
  >"$work/conf/broken-rules.yml"
cat >"$work/conf/bad-rule.yml" <<'YAML'
rule_files: [broken-rules.yml]
YAML
printf 'groups:\n  - name: d\n    rules:\n      - record: dup\n        expr: up\n      - record: dup\n        expr: up\n' \
  >"$work/conf/dup-rules.yml"
cat >"$work/conf/dup.yml" <<'YAML'
rule_files: [dup-rules.yml]
YAML

cat >"$work/conf/remote-write.yml" <<'YAML'
global: {external_labels: {cluster: a}}
remote_write:
  - url: http://receiver:9090/api/v1/write
    name: receiver
    remote_timeout: 10s
    headers: {X-Scope-OrgID: team-a}
    write_relabel_configs:
      - source_labels: [__name__]
        regex: 'ALERTS|.*:.*'
        action: keep
    queue_config: {capacity: 500, max_shards: 4, retry_on_http_429: true}
    metadata_config: {send: false}
YAML
cat >"$work/conf/remote-write-no-url.yml" <<'YAML'
remote_write:
  - name: receiver
YAML
# expect NAME WANT_EXIT [STDERR_SUBSTRING] -- ARGS...
expect() {
  local name=$1 want=$2 needle=$3 before=$failures
  shift 4
  (cd "$work/conf" && "$vigil" check config "$@") >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || fail "$name: exit $got, want $want; stderr: $(cat "$work/err")"
  if [ -n "$needle" ] && ! grep -qF -- "$needle" "$work/err"; then
    fail "$name: stderr lacks '$needle': $(cat "$work/err")"
  fi
  if [ -n "$promtool" ]; then
    (cd "$work/conf" && "$promtool" check config "$@") >"$work/pout" 2>"$work/perr"
    local pgot=$?
    [ "$pgot" = "$got" ] || fail "$name: vigil exit $got, promtool exit $pgot"
    if [ "$want" = 0 ] || [ "$want" = 3 ]; then
      diff -u "$work/pout" "$work/out" >"$work/diff" ||
        fail "$name: stdout differs from promtool's: $(cat "$work/diff")"
    fi
  fi
  [ "$failures" = "$before" ] && echo "ok $name: exit $got"
}

expect good 0 "" -- good.yml
expect empty-glob 0 "" -- empty-glob.yml
expect two-files 0 "" -- good.yml empty-glob.yml
expect bad-field 1 "bad-field.yml:3:3: field bogus not found" -- bad-field.yml
expect bad-datasource-url 1 'bad-datasource-url.yml:3:8: datasource url "prometheus:9090" must be http:// or https://' -- bad-datasource-url.yml
expect bad-datasource-header 1 "bad-datasource-header.yml:3:13: Authorization is a reserved header" -- bad-datasource-header.yml
expect bad-datasource-field 1 "bad-datasource-field.yml:3:3: field query not found in type config.DatasourceConfig" -- bad-datasource-field.yml
expect bad-yaml 1 "bad-yaml.yml:3:1: yaml:" -- bad-yaml.yml
expect stray-comma 1 "stray-comma.yml:2:1: yaml: did not find expected node content" -- stray-comma.yml
expect alias-bomb 1 "alias-bomb.yml: yaml: document contains excessive aliasing" -- alias-bomb.yml
expect missing-rule-file 1 '"absent.yml" does not point to an existing file' -- missing-rule.yml
expect bad-rule-file 1 "broken-rules.yml:5:" -- bad-rule.yml
expect good-then-bad 1 "bad-field.yml:3:3:" -- good.yml bad-field.yml
expect duplicate-rules 0 "" -- dup.yml
expect duplicate-rules-fatal 3 "" -- --lint-fatal dup.yml
expect missing-config 1 "no-such.yml" -- no-such.yml
expect remote-write 0 "" -- remote-write.yml
expect remote-write-no-url 1 "remote-write-no-url.yml:2:5: url for remote_write is empty" -- remote-write-no-url.yml

# From another directory: rule files resolve against the config's own.
"$vigil" check config "$work/conf/good.yml" >"$work/out" 2>&1 ||
  fail "absolute path: $(cat "$work/out")"
grep -qF "Checking $work/conf/rules/a.yml" "$work/out" ||
  fail "rule file not resolved against the config's directory: $(cat "$work/out")"

(cd "$work/conf" && "$vigil" check config --syntax-only missing-rule.yml) >/dev/null 2>&1 ||
  fail "--syntax-only still checked the rule files"
"$vigil" check config --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "unknown flag: want exit 2"

if [ "$failures" -ne 0 ]; then
  echo "check config: $failures failure(s)" >&2
  exit 1
fi
echo "check config: all checks passed"
