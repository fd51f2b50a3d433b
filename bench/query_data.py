#!/usr/bin/env python3
"""Writes the dataset of query_side_by_side.sh: PODS pods of 3 containers
sampled every STEP seconds for HOURS hours, shaped as cAdvisor and
kube-state-metrics expose them, as timestamped OpenMetrics (the input of
`promtool tsdb create-blocks-from openmetrics` and `vigil run
--storage.load`), split into files of at most ~400 MB (both readers cap a
file at 512 MiB).

Per container: container_cpu_usage_seconds_total (a counter),
container_memory_working_set_bytes, kube_pod_container_status_running and
kube_pod_container_resource_limits{resource="memory"}; per pod:
kube_pod_security_context (every 20th pod privileged); and 20 instances of
a classic histogram http_request_duration_seconds (12 buckets, _sum,
_count). Values come from a fixed-seed generator, so a run is repeatable.

Prints the files, then "start=<first sample, unix s> end=<last> series=<n>
samples=<n>".

usage: query_data.py PODS HOURS STEP OUTDIR
"""
import os
import random
import sys

MAX_FILE = 400 << 20
START = 1_700_000_000
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0",
           "2.5", "5.0", "10.0", "+Inf"]
CONTAINERS = ["app", "sidecar", "proxy"]


class Writer:
    def __init__(self, outdir):
        self.outdir, self.files, self.out, self.size = outdir, [], None, 0
        self.series = self.samples = 0
        self.open_next()

    def open_next(self):
        self.close()
        path = os.path.join(self.outdir, f"part{len(self.files):03d}.om")
        self.files.append(path)
        self.out, self.size = open(path, "w"), 0

    def close(self):
        if self.out is not None:
            self.out.write("# EOF\n")
            self.out.close()
            self.out = None

    def series_of(self, name, values, times):
        """One series: `values` is a list of value texts, one per time."""
        text = "".join(f"{name} {v} {t}\n" for v, t in zip(values, times))
        if self.size + len(text) > MAX_FILE:
            self.open_next()
        self.out.write(text)
        self.size += len(text)
        self.series += 1
        self.samples += len(times)


def counter(rng, n, per_step):
    """A counter's texts: increments of per_step, ±50 %."""
    v, out = rng.uniform(0, 1000 * per_step), []
    for _ in range(n):
        v += per_step * rng.uniform(0.5, 1.5)
        out.append(repr(v))
    return out


def main():
    pods, hours, step, outdir = (int(sys.argv[1]), float(sys.argv[2]),
                                 int(sys.argv[3]), sys.argv[4])
    if pods <= 0 or hours <= 0 or step <= 0:
        sys.exit("query_data.py: PODS, HOURS and STEP must be positive")
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(42)
    times = [START + i * step for i in range(int(hours * 3600 / step) + 1)]
    n = len(times)
    w = Writer(outdir)
    for p in range(pods):
        ns, pod, node = f"ns-{p % 50}", f"pod-{p}", f"node-{p % 40}"
        priv = "true" if p % 20 == 0 else "false"
        w.series_of(
            f'kube_pod_security_context{{job="kube-state-metrics",'
            f'namespace="{ns}",pod="{pod}",privileged="{priv}"}}',
            ["1"] * n, times)
        for c in CONTAINERS:
            ids = f'namespace="{ns}",pod="{pod}",container="{c}"'
            w.series_of(
                f'container_cpu_usage_seconds_total{{job="kubelet",'
                f'node="{node}",{ids},cpu="total"}}',
                counter(rng, n, step * rng.uniform(0.01, 2)), times)
            base = rng.randrange(50 << 20, 2 << 30)
            w.series_of(
                f'container_memory_working_set_bytes{{job="kubelet",'
                f'node="{node}",{ids}}}',
                [str(base + rng.randrange(0, 64 << 20)) for _ in range(n)],
                times)
            w.series_of(
                f'kube_pod_container_status_running{{job="kube-state-metrics",'
                f'{ids}}}', ["1"] * n, times)
            w.series_of(
                f'kube_pod_container_resource_limits{{job="kube-state-metrics",'
                f'{ids},resource="memory",unit="byte"}}',
                [str(4 << 30)] * n, times)
    for i in range(20):
        inst = f'job="api",instance="api-{i}",handler="/api/v1/query"'
        total = [0.0] * n
        # Each bucket counts at least what the one below it counts.
        for le in BUCKETS:
            inc = [rng.uniform(0, step * 2) for _ in range(n)]
            acc = 0.0
            for k in range(n):
                acc += inc[k]
                total[k] += acc
            w.series_of(f'http_request_duration_seconds_bucket{{{inst},'
                        f'le="{le}"}}', [repr(float(int(x))) for x in total],
                        times)
        w.series_of(f'http_request_duration_seconds_count{{{inst}}}',
                    [repr(float(int(x))) for x in total], times)
        w.series_of(f'http_request_duration_seconds_sum{{{inst}}}',
                    counter(rng, n, step * 0.3), times)
    w.close()
    print(" ".join(w.files))
    print(f"start={times[0]} end={times[-1]} series={w.series} "
          f"samples={w.samples}")


if __name__ == "__main__":
    main()
