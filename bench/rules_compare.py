#!/usr/bin/env python3
"""The measuring side of rules_side_by_side.sh.

  rules_compare.py collect PORT PREFIX CYCLES TIMEOUT OUT
      Polls http://127.0.0.1:PORT/metrics every half second until every
      rule group has been evaluated CYCLES more times, and writes each
      group's durations (PREFIX_rule_group_last_duration_seconds, read
      after each new PREFIX_rule_group_last_evaluation_timestamp_seconds)
      and the missed iterations to OUT as JSON. PREFIX is "prometheus" or
      "vigil". Fails after TIMEOUT seconds.

  rules_compare.py snapshot PORT RULE_FILE OUT
      Queries every metric RULE_FILE records, and ALERTS, as instant
      queries at the server's now, and writes the answers to OUT as JSON.

  rules_compare.py report PROM_DURATIONS VIGIL_DURATIONS PROM_SNAPSHOT
                          VIGIL_SNAPSHOT TOLERANCE
      Prints per group the median durations and Prometheus / vigil, and the
      cycle (the sum of the groups' medians), then compares the snapshots:
      the same series for every recorded metric, values within a relative
      TOLERANCE, and the same ALERTS label sets (states are only reported:
      a `for` clock started a little apart may differ). Exits 1 when they
      differ. With a TOLERANCE above 1e-6 (scrapes too irregular for exact
      rates) alerts on a threshold may differ too, and are only reported.

  rules_compare.py report-one VIGIL_DURATIONS
      Per group the median duration and the cycle, of one server.

  rules_compare.py compare PROM_SNAPSHOT VIGIL_SNAPSHOT TOLERANCE
      The snapshots' comparison of `report` alone.
"""
import json
import math
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

LINE = re.compile(r'^(\w+)\{rule_group="((?:[^"\\]|\\.)*)"\} (\S+)')


def get(url, timeout=300):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def read_groups(port, prefix):
    """{group: (last evaluation timestamp, last duration)}."""
    ts, dur = {}, {}
    for line in get(f"http://127.0.0.1:{port}/metrics", 60).splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name, group, value = m.group(1), m.group(2), float(m.group(3))
        if name == f"{prefix}_rule_group_last_evaluation_timestamp_seconds":
            ts[group] = value
        elif name == f"{prefix}_rule_group_last_duration_seconds":
            dur[group] = value
    return {g: (ts[g], dur.get(g, math.nan)) for g in ts}


def missed(port, prefix):
    total = 0.0
    for line in get(f"http://127.0.0.1:{port}/metrics", 60).splitlines():
        if line.startswith(f"{prefix}_rule_group_iterations_missed_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def collect(port, prefix, cycles, timeout, out):
    deadline = time.time() + timeout
    first = read_groups(port, prefix)
    if not first:
        sys.exit(f"rules_compare: no {prefix}_rule_group_* on port {port}")
    seen = {g: t for g, (t, _) in first.items()}
    durations = {g: [] for g in first}
    missed_before = missed(port, prefix)
    while min(len(d) for d in durations.values()) < cycles:
        if time.time() > deadline:
            sys.exit(f"rules_compare: {prefix}: fewer than {cycles} "
                     f"evaluations of every group in {timeout} s: " +
                     ", ".join(f"{g}: {len(d)}" for g, d in durations.items()))
        time.sleep(0.5)
        for g, (t, d) in read_groups(port, prefix).items():
            if g in seen and t != seen[g]:
                seen[g] = t
                durations[g].append(d)
    with open(out, "w") as f:
        json.dump({"durations": durations,
                   "missed": missed(port, prefix) - missed_before}, f)


def query(port, expr):
    url = (f"http://127.0.0.1:{port}/api/v1/query?" +
           urllib.parse.urlencode({"query": expr}))
    body = json.loads(get(url))
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body}")
    return [(r["metric"], r["value"][1]) for r in body["data"]["result"]]


def snapshot(port, rule_file, out):
    names = []
    for line in open(rule_file):
        m = re.match(r'\s*-?\s*record:\s*"?([^"\s]+)"?\s*$', line)
        if m and m.group(1) not in names:
            names.append(m.group(1))
    answers = {n: query(port, f'{{__name__="{n}"}}') for n in names}
    answers["ALERTS"] = query(port, "ALERTS")
    with open(out, "w") as f:
        json.dump(answers, f)


def key(metric, drop=()):
    return tuple(sorted((k, v) for k, v in metric.items() if k not in drop))


def same_value(a, b, tolerance):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= tolerance * max(abs(a), abs(b))


def report(prom_d, vigil_d, prom_s, vigil_s, tolerance):
    tolerance = float(tolerance)
    pd, vd = json.load(open(prom_d)), json.load(open(vigil_d))
    groups = sorted(set(pd["durations"]) | set(vd["durations"]))
    print(f"{'rule group':46} {'Prometheus':>11} {'vigil':>10} {'ratio':>7}")
    total_p = total_v = 0.0
    for g in groups:
        p = statistics.median(pd["durations"].get(g) or [math.nan])
        v = statistics.median(vd["durations"].get(g) or [math.nan])
        total_p, total_v = total_p + p, total_v + v
        print(f"{g.split(';', 1)[-1]:46} {p * 1e3:8.1f} ms {v * 1e3:7.1f} ms "
              f"{p / v if v else math.nan:7.2f}")
    print(f"{'one full cycle (sum of medians)':46} {total_p * 1e3:8.1f} ms "
          f"{total_v * 1e3:7.1f} ms {total_p / total_v:7.2f}")
    print(f"missed iterations while measuring: Prometheus {pd['missed']:.0f},"
          f" vigil {vd['missed']:.0f}")
    return compare(prom_s, vigil_s, tolerance)


def report_one(durations):
    d = json.load(open(durations))
    print(f"{'rule group':46} {'median':>10} {'min':>10} {'max':>10}")
    total = 0.0
    for g in sorted(d["durations"]):
        runs = d["durations"][g] or [math.nan]
        m = statistics.median(runs)
        total += m
        print(f"{g.split(';', 1)[-1]:46} {m * 1e3:7.1f} ms "
              f"{min(runs) * 1e3:7.1f} ms {max(runs) * 1e3:7.1f} ms")
    print(f"{'one full cycle (sum of medians)':46} {total * 1e3:7.1f} ms")
    print(f"missed iterations while measuring: {d['missed']:.0f}")


def compare(prom_s, vigil_s, tolerance):
    tolerance = float(tolerance)
    ps, vs = json.load(open(prom_s)), json.load(open(vigil_s))
    bad = 0
    series = 0
    for name in ps:
        drop = ("alertstate",) if name == "ALERTS" else ()
        p = {key(m, drop): (v, m) for m, v in ps[name]}
        v = {key(m, drop): (x, m) for m, x in vs.get(name, [])}
        series += len(p)
        if p.keys() != v.keys():
            bad += 1 if name != "ALERTS" or tolerance <= 1e-6 else 0
            only_p, only_v = p.keys() - v.keys(), v.keys() - p.keys()
            print(f"DIFFERENT {name}: {len(p)} series in Prometheus, {len(v)}"
                  f" in vigil; only in Prometheus e.g. "
                  f"{sorted(only_p)[:1]}, only in vigil e.g. "
                  f"{sorted(only_v)[:1]}")
            continue
        if name == "ALERTS":
            states = sum(1 for k in p
                         if p[k][1].get("alertstate") !=
                         v[k][1].get("alertstate"))
            if states:
                print(f"note: {states} of {len(p)} alerts in another state")
            continue
        wrong = [k for k in p if not same_value(p[k][0], v[k][0], tolerance)]
        if wrong:
            bad += 1
            k = wrong[0]
            print(f"DIFFERENT {name}: {len(wrong)} of {len(p)} values, e.g. "
                  f"{dict(k)}: Prometheus {p[k][0]}, vigil {v[k][0]}")
    empty = [n for n in ps if not ps[n]]
    print(f"compared {len(ps) - 1} recorded metrics and ALERTS: {series} "
          f"series, {bad} different" +
          (f"; empty in both: {', '.join(empty)}" if empty else ""))
    return 1 if bad else 0


def main():
    cmd, args = sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2:]
    if cmd == "collect" and len(args) == 5:
        collect(int(args[0]), args[1], int(args[2]), float(args[3]), args[4])
    elif cmd == "snapshot" and len(args) == 3:
        snapshot(int(args[0]), args[1], args[2])
    elif cmd == "report" and len(args) == 5:
        sys.exit(report(*args))
    elif cmd == "report-one" and len(args) == 1:
        report_one(args[0])
    elif cmd == "compare" and len(args) == 3:
        sys.exit(compare(*args))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
