#!/usr/bin/env bash
# `vigil replay --data DIR` over what `vigil run --storage.tsdb.path DIR`
# recorded: read while vigil still runs (the directory locked and being
# written), and after a clean stop (a snapshot); the ALERTS the live rules
# wrote are left out and counted; the report has the alert the live
# evaluator fired; not a byte of the stopped directory changes.
# `vigil query --data DIR` reads the same directories, every series kept.
#
# usage: replay_storage_e2e_test.sh VIGIL
set -eu
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=support/shell_helpers.sh
. "$here/support/shell_helpers.sh"
fail() { echo "FAIL: $*" >&2; echo "--- vigil log" >&2; tail -40 "$work/vigil.log" >&2 || true; exit 1; }

mkdir "$work/peer"
{
  echo '# TYPE kube_pod_container_status_running gauge'
  echo 'kube_pod_container_status_running{namespace="prod",pod="web-1",container="nginx"} 0'
  echo 'kube_pod_container_status_running{namespace="prod",pod="api-1",container="api"} 1'
} >"$work/peer/ksm.prom"
start_peer "$work/peer"

cat >"$work/rules.yml" <<'YAML'
groups:
  - name: pods
    interval: 1s
    rules:
      - alert: ContainerDown
        expr: kube_pod_container_status_running == 0
        for: 2s
YAML
cat >"$work/vigil.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
rule_files: [$work/rules.yml]
scrape_configs:
  - job_name: ksm
    static_configs: [{targets: ['127.0.0.1:$peer_port']}]
YAML

port=$(free_port)
"$vigil" run --config.file="$work/vigil.yml" \
  --web.listen-address="127.0.0.1:$port" --storage.tsdb.path="$work/data" \
  >"$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=($vigil_pid)
wait_http "http://127.0.0.1:$port/-/ready" || fail "vigil not ready"
# Until the live alert has fired, so the log holds ALERTS samples.
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/api/v1/alerts" | grep -q '"state":"firing"' && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/api/v1/alerts" | grep -q '"state":"firing"' ||
  fail "the live alert never fired"
# And until the data spans 5 s (six scrapes), so the replay's `for: 2s`
# has the time to fire within the recorded range too.
scrapes() {
  curl -fsS "http://127.0.0.1:$port/api/v1/query" \
    --data-urlencode 'query=count_over_time(up{job="ksm"}[1m])' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
for _ in $(seq 1 150); do
  [ "$(scrapes)" -ge 6 ] && break
  sleep 0.2
done
[ "$(scrapes)" -ge 6 ] || fail "fewer than six scrapes: $(scrapes)"

# replay_ok OUT: the report names the alert, ALERTS was left out.
replay_ok() {
  "$vigil" replay --rules "$work/rules.yml" --data "$work/data" --step 1s \
    >"$work/$1" 2>"$work/$1.err" || fail "replay exited $?: $(cat "$work/$1.err")"
  grep -qF "ContainerDown{container=\"nginx\", instance=\"127.0.0.1:$peer_port\", job=\"ksm\", namespace=\"prod\", pod=\"web-1\"}" "$work/$1" ||
    fail "no ContainerDown timeline: $(cat "$work/$1")"
  grep -q '^  pending .* → firing ' "$work/$1" || fail "never fired: $(cat "$work/$1")"
  grep -Eq '^vigil replay: ignoring [0-9]+ samples of ALERTS in the data: the rules produce it$' \
    "$work/$1.err" || fail "ALERTS not reported as left out: $(cat "$work/$1.err")"
}

# query_ok OUT: the scraped series and the live alert, read back.
query_ok() {
  "$vigil" query --data "$work/data" --format table \
    'up{job="ksm"} or ALERTS{alertstate="firing"}' \
    >"$work/$1" 2>"$work/$1.err" || fail "query exited $?: $(cat "$work/$1.err")"
  grep -qF "up{instance=\"127.0.0.1:$peer_port\", job=\"ksm\"}" "$work/$1" ||
    fail "no up in the query's answer: $(cat "$work/$1")"
  grep -qF 'ALERTS{alertname="ContainerDown", alertstate="firing"' "$work/$1" ||
    fail "no firing ALERTS in the query's answer: $(cat "$work/$1")"
}

# While vigil holds the directory.
replay_ok live.txt
query_ok live-query.txt

kill "$vigil_pid"
wait "$vigil_pid" || fail "vigil exited $? on SIGTERM"
ls "$work/data" | grep -q '^snapshot\.' || fail "no snapshot after a clean stop: $(ls "$work/data")"
before=$(cd "$work/data" && find . -type f -exec sha256sum {} + | sort; find . | sort)
replay_ok stopped.txt
query_ok stopped-query.txt
after=$(cd "$work/data" && find . -type f -exec sha256sum {} + | sort; find . | sort)
[ "$before" = "$after" ] || fail "the replay changed the directory: $(diff <(echo "$before") <(echo "$after"))"

# Not a storage directory: said, exit 2.
mkdir "$work/empty"
set +e
"$vigil" replay --rules "$work/rules.yml" --data "$work/empty" >/dev/null 2>"$work/empty.err"
code=$?
set -e
[ "$code" = 2 ] || fail "exit $code for an empty directory"
grep -q "$work/empty is not a vigil storage directory" "$work/empty.err" ||
  fail "empty directory: $(cat "$work/empty.err")"
echo PASS
