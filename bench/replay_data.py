#!/usr/bin/env python3
"""Writes a recorded cluster for `vigil replay` benchmarks: PODS pods
sampled every STEP seconds for HOURS hours, as timestamped OpenMetrics
split into files of at most ~400 MB (backfill's per-file limit is 512 MiB).

Per pod, the series the shipped rule pack reads: kube_pod_status_phase,
kube_pod_container_status_running, kube_pod_security_context and
kube_pod_container_security_context; every 50th pod also a hostPath volume.
Every 20th pod is privileged, and every 7th of those runs only for part of
each 6-hour cycle, so alerts go pending, fire and resolve.

usage: replay_data.py PODS HOURS STEP OUTDIR
"""
import os
import sys

MAX_FILE = 400 << 20


def main():
    pods, hours, step, outdir = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    os.makedirs(outdir, exist_ok=True)
    start = 1_700_000_000
    times = [start + i * step for i in range(int(hours * 3600 / step) + 1)]
    cycle = 6 * 3600
    files, out, size, n = [], None, 0, 0

    def open_next():
        nonlocal out, size
        if out is not None:
            out.write("# EOF\n")
            out.close()
        path = os.path.join(outdir, f"part{len(files):03d}.om")
        files.append(path)
        out = open(path, "w")
        size = 0

    open_next()
    for p in range(pods):
        ns = f"ns{p % 100}"
        pod = f"pod-{p}"
        priv = p % 20 == 0
        flapping = priv and p % 140 == 0
        series = [
            (f'kube_pod_status_phase{{namespace="{ns}",pod="{pod}",phase="Running"}}', None),
            (f'kube_pod_container_status_running{{namespace="{ns}",pod="{pod}",container="app"}}', flapping),
            (f'kube_pod_security_context{{namespace="{ns}",pod="{pod}",privileged="{str(priv).lower()}",host_network="false",host_pid="false",host_ipc="false"}}', None),
            (f'kube_pod_container_security_context{{namespace="{ns}",pod="{pod}",container="app",container_type="container",privileged="{str(priv).lower()}",allow_privilege_escalation="{str(p % 3 == 0).lower()}",run_as_user="{0 if p % 10 == 0 else 1000}"}}', None),
        ]
        if p % 50 == 0:
            series.append((f'kube_pod_spec_volumes_host_path{{namespace="{ns}",pod="{pod}",volume="data",path="/var/lib/data"}}', None))
        for name, flaps in series:
            if flaps:
                # Runs the first 40 minutes of every 6 hours, offset per pod.
                text = "".join(
                    f"{name} {1 if (t + p * 60) % cycle < 2400 else 0} {t}\n" for t in times)
            else:
                text = "".join(f"{name} 1 {t}\n" for t in times)
            if size + len(text) > MAX_FILE:
                open_next()
            out.write(text)
            size += len(text)
            n += len(times)
    out.write("# EOF\n")
    out.close()
    print(" ".join(files))
    print(f"{n} samples", file=sys.stderr)


if __name__ == "__main__":
    main()
