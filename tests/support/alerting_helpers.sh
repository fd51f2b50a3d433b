# Sourced by the shell tests of alerting (after shell_helpers.sh): the real
# Alertmanager, and alerts and counters as vigil and Alertmanager show them.

# start_alertmanager: Debian's Alertmanager on a free port, its log in
# $work/am.log, stopped with the test; sets am_port (ready on return, or 1).
start_alertmanager() {
  am_port=$(free_port)
  printf 'route: {receiver: blackhole, group_wait: 0s}\nreceivers: [{name: blackhole}]\n' \
    >"$work/am.yml"
  /usr/bin/prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
    --log.level=warn >"$work/am.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$am_port/-/ready"
}

# am_alerts: one line per active alert in Alertmanager, its sorted labels.
am_alerts() {
  curl -fsS "http://127.0.0.1:$am_port/api/v2/alerts?active=true" | python3 -c '
import json, sys
for a in json.load(sys.stdin):
    print(",".join(f"{k}={v}" for k, v in sorted(a["labels"].items())))' | sort
}

# firing URL [with_active_at] [EXTRA_LABEL=VALUE]: one line per alert vigil
# at URL fires, its sorted labels (with EXTRA added, and activeAt).
firing() {
  curl -fsS "$1/api/v1/alerts" | python3 -c '
import json, sys
with_active = "with_active_at" in sys.argv[1:]
extra = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a)
for a in json.load(sys.stdin)["data"]["alerts"]:
    if a["state"] != "firing": continue
    l = dict(a["labels"], **extra)
    line = ",".join(f"{k}={v}" for k, v in sorted(l.items()))
    print(line + (" " + a["activeAt"] if with_active else ""))' "${@:2}" | sort
}

# metric URL NAME: the sum of NAME's series on URL/metrics, as an integer.
metric() {
  curl -fsS "$1/metrics" |
    awk -v n="$2" 'index($1, n "{") == 1 || $1 == n {s += $2} END {printf "%d\n", s}'
}
