#!/usr/bin/env bash
# End to end: the `vigil` binary scrapes itself, evaluates a rule file,
# sends the alert to a real Alertmanager, answers the HTTP API, rejects a
# bad reload while the old config keeps running, and exits on /-/quit.
# Usage: exporter_e2e_test.sh VIGIL_BINARY
set -eu  # no pipefail: `curl | grep -q` may SIGPIPE curl
vigil=$1
am_bin=/usr/bin/prometheus-alertmanager
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$(cd "$(dirname "$0")" && pwd)/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

am_port=$(free_port)
cat >"$work/am.yml" <<YAML
route: {receiver: blackhole, group_wait: 0s}
receivers: [{name: blackhole}]
YAML
"$am_bin" --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
  --log.level=warn >"$work/am.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$am_port/-/ready"

port=$(free_port)
cat >"$work/rules.yml" <<YAML
groups:
  - name: e2e
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: VigilIsUp
        expr: up{job="vigil"} == 1
        labels: {severity: info}
        annotations:
          summary: "{{ \$labels.job }} is up"
YAML
cat >"$work/vigil.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels: {cluster: e2e}
rule_files: [rules.yml]
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: ["127.0.0.1:$port"]}]
alerting:
  alertmanagers:
    # Relative to this file, as Prometheus resolves file_sd paths.
    - file_sd_configs: [{files: [alertmanagers.yml], refresh_interval: 1s}]
YAML
echo "- targets: ['127.0.0.1:$am_port']" >"$work/alertmanagers.yml"
"$vigil" run --config.file="$work/vigil.yml" \
  --web.listen-address="127.0.0.1:$port" --web.enable-lifecycle \
  --rules.alert.resend-delay=1s >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
base="http://127.0.0.1:$port"
wait_http "$base/-/ready"

curl -fsS "$base/metrics" | grep -q '^vigil_build_info{version="0.1.0"} 1' ||
  fail "/metrics lacks vigil_build_info"
am_url="http://127.0.0.1:$am_port/api/v2/alerts"
curl -fsS "$base/api/v1/alertmanagers" |
  grep -qF "{\"activeAlertmanagers\":[{\"url\":\"$am_url\"}]" ||
  fail "/api/v1/alertmanagers lacks the file_sd Alertmanager"
curl -fsS "$base/metrics" |
  grep -qF "vigil_notifications_retries_total{alertmanager=\"$am_url\"}" ||
  fail "/metrics lacks vigil_notifications_retries_total for $am_url"

# The self-scrape lands, the recording rule runs, the alert reaches the AM.
ok=""
for _ in $(seq 1 100); do
  if curl -fsS "$base/api/v1/query?query=job:up:sum" | grep -q '"job":"vigil"' &&
     curl -fsS "http://127.0.0.1:$am_port/api/v2/alerts" | grep -q '"alertname":"VigilIsUp"'; then
    ok=1; break
  fi
  sleep 0.2
done
[ -n "$ok" ] || { cat "$work/vigil.log" >&2; fail "rule output or alert missing"; }
curl -fsS "http://127.0.0.1:$am_port/api/v2/alerts" | grep -q '"cluster":"e2e"' ||
  fail "external label missing on the alert"
curl -fsS "$base/api/v1/targets" | grep -q '"health":"up"' || fail "target not up"
curl -fsS "$base/api/v1/rules" | grep -q '"name":"VigilIsUp"' || fail "rules API"
curl -fsS "$base/api/v1/alerts" | grep -q '"state":"firing"' || fail "alerts API"
# Request metrics by route pattern (the queries above were counted).
curl -fsS "$base/metrics" |
  grep -q '^vigil_http_requests_total{code="200",handler="/api/v1/query"} [1-9]' ||
  fail "/metrics lacks vigil_http_requests_total for /api/v1/query"
# Memory: malloc's bytes in use (more than the Head's few series need) and
# the Head's interned label strings.
curl -fsS "$base/metrics" |
  awk '$1 == "vigil_malloc_in_use_bytes" && $2 > 1e6 { f = 1 } END { exit !f }' ||
  fail "/metrics lacks a plausible vigil_malloc_in_use_bytes"
curl -fsS "$base/metrics" | grep -q '^vigil_tsdb_head_symbols [1-9]' ||
  fail "/metrics lacks vigil_tsdb_head_symbols"

# A bad config is rejected; the old one keeps running.
cp "$work/vigil.yml" "$work/vigil.yml.good"
echo "scrape_configs: [{job_name: x, bogus: 1}]" >"$work/vigil.yml"
code=$(curl -s -o "$work/reload.out" -w '%{http_code}' -X POST "$base/-/reload")
[ "$code" = 500 ] || fail "bad reload answered $code"
grep -q "vigil.yml:1:" "$work/reload.out" || fail "reload error lacks position: $(cat "$work/reload.out")"
curl -fsS "$base/api/v1/query?query=up" | grep -q '"job":"vigil"' || fail "old config lost"
cp "$work/vigil.yml.good" "$work/vigil.yml"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/-/reload")
[ "$code" = 200 ] || fail "good reload answered $code"

# SIGHUP reloads too; /-/quit exits cleanly.
kill -HUP "$vigil_pid"
sleep 0.5
curl -fsS -X POST "$base/-/quit" >/dev/null
for _ in $(seq 1 100); do kill -0 "$vigil_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$vigil_pid" 2>/dev/null; then fail "vigil did not exit on /-/quit"; fi
wait "$vigil_pid" || fail "vigil exited non-zero"
echo "exporter e2e: all checks passed"
