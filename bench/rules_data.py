#!/usr/bin/env python3
"""Serves the cluster of rules_side_by_side.sh for scraping: PODS pods of
3 containers in Deployments, StatefulSets, DaemonSets and Jobs over
PODS / 100 nodes, shaped as kube-state-metrics (/ksm), cAdvisor
(/cadvisor), node-exporter (/node) and the kubelet's volume stats
(/kubelet) expose them. Every series carries its own job and instance
(scrape with honor_labels), and every sample an explicit timestamp: the
time of the request. Gauges are constant and counters grow linearly from
the server's start, so that two servers scraping it at different times
record the same rates and sums (rate's extrapolation reaches the window's
ends when the samples are evenly spaced), and rule results can be compared
across runs.

Writes "series=<n> families=<n>" to SUMMARY once the payloads are built,
then serves until killed.

usage: rules_data.py PORT PODS SUMMARY
"""
import http.server
import sys
import time

CONTAINERS = ["app", "sidecar", "proxy"]
PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"]


class Payload:
    """One path's series: constant lines and linear ones, family by family
    (both text formats want a family's lines together)."""

    def __init__(self):
        self.parts = []  # ("g", [line prefix]) or ("c", [(prefix, a, b)])
        self.series = 0

    def gauge(self, lines):
        self.parts.append(("g", [f"{n}{{{l}}} {v}" for n, l, v in lines]))
        self.series += len(lines)

    def linear(self, lines):
        """Value a + b * seconds since start."""
        self.parts.append(("c", [(f"{n}{{{l}}} ", a, b) for n, l, a, b in
                                 lines]))
        self.series += len(lines)

    def render(self, ts_ms, elapsed):
        tail = f" {ts_ms}\n"
        out = []
        for kind, lines in self.parts:
            if kind == "g":
                out.append(tail.join(lines))
                out.append(tail)
            else:
                out.append("".join(f"{p}{a + b * elapsed!r}{tail}"
                                   for p, a, b in lines))
        return "".join(out).encode()


def workload(p):
    """The owner of pod p: pods come in fives, one workload each."""
    w = p // 5
    kind = {0: "StatefulSet", 1: "DaemonSet", 2: "Job"}.get(w % 10,
                                                            "Deployment")
    name = {"StatefulSet": f"db-{w}", "DaemonSet": f"agent-{w}",
            "Job": f"batch-{w}", "Deployment": f"web-{w}"}[kind]
    return w, kind, name


def build(pods):
    nodes = max(1, pods // 100)
    ksm, cad, node, kubelet = Payload(), Payload(), Payload(), Payload()
    kj = 'job="kube-state-metrics",instance="10.1.0.2:8080"'
    fam = {}  # family -> list, kept in order of first use

    def add(name, labels, value):
        fam.setdefault(("g", name), []).append((name, labels, value))

    def lin(name, labels, a, b):
        fam.setdefault(("c", name), []).append((name, labels, a, b))

    workloads = {}
    for p in range(pods):
        w, kind, wname = workload(p)
        workloads.setdefault((w, kind, wname), []).append(p)
        ns = f"ns-{w % 100}"
        pod = f"{wname}-{'rs7d9f8-' if kind == 'Deployment' else ''}{p % 5}x{p}"
        nd = f"node-{p % nodes}"
        ip = f"10.2.{p // 250 % 250}.{p % 250}"
        ids = f'namespace="{ns}",pod="{pod}"'
        owner_kind = "ReplicaSet" if kind == "Deployment" else kind
        owner_name = f"{wname}-rs7d9f8" if kind == "Deployment" else wname
        pending, failed = p % 97 == 5, p % 211 == 3
        crashing = p % 101 == 7
        phase = ("Pending" if pending else "Failed" if failed else
                 "Succeeded" if kind == "Job" else "Running")
        add("kube_pod_info", f'{kj},{ids},uid="u-{p}",host_ip="10.0.0.'
            f'{p % nodes}",pod_ip="{ip}",node="{nd}",created_by_kind='
            f'"{owner_kind}",created_by_name="{owner_name}",priority_class='
            f'"",host_network="false"', 1)
        add("kube_pod_owner", f'{kj},{ids},uid="u-{p}",owner_kind='
            f'"{owner_kind}",owner_name="{owner_name}",owner_is_controller='
            f'"true"', 1)
        for ph in PHASES:
            add("kube_pod_status_phase", f'{kj},{ids},uid="u-{p}",phase='
                f'"{ph}"', int(ph == phase))
        ready = not (pending or failed or crashing)
        for c in ("true", "false", "unknown"):
            add("kube_pod_status_ready", f'{kj},{ids},uid="u-{p}",condition='
                f'"{c}"', int((c == "true") == ready and c != "unknown"))
        cad_pod = (f'job="cadvisor",instance="10.0.0.{p % nodes}:10250",'
                   f'metrics_path="/metrics/cadvisor",{ids}')
        for i, c in enumerate(CONTAINERS):
            cids = f'{ids},container="{c}"'
            image = f"registry.example.com/{c}:v1.{p % 7}"
            waiting = pending or (crashing and c == "app")
            add("kube_pod_container_info", f'{kj},{cids},uid="u-{p}",image='
                f'"{image}",image_id="{image}@sha256:{p:064x}",container_id='
                f'"containerd://{p * 3 + i:064x}"', 1)
            lin("kube_pod_container_status_restarts_total", f"{kj},{cids}",
                2.0 if p % 13 == 0 else 0.0,
                1 / 300 if crashing and c == "app" else 0.0)
            add("kube_pod_container_status_waiting", f"{kj},{cids}",
                int(waiting))
            if waiting:
                reason = "ContainerCreating" if pending else "CrashLoopBackOff"
                add("kube_pod_container_status_waiting_reason",
                    f'{kj},{cids},reason="{reason}"', 1)
            add("kube_pod_container_status_running", f"{kj},{cids}",
                int(not waiting and phase == "Running"))
            add("kube_pod_container_status_ready", f"{kj},{cids}",
                int(ready))
            cpu_req = 0.1 * (1 + (p + i) % 4)
            mem_req = (128 << 20) * (1 + (p * 3 + i) % 4)
            for kindr, mult in (("requests", 1), ("limits", 2)):
                add(f"kube_pod_container_resource_{kindr}",
                    f'{kj},{cids},node="{nd}",resource="cpu",unit="core"',
                    repr(cpu_req * mult))
                add(f"kube_pod_container_resource_{kindr}",
                    f'{kj},{cids},node="{nd}",resource="memory",unit="byte"',
                    mem_req * mult)
            cc = (f'{cad_pod},container="{c}",image="{image}",name='
                  f'"{p * 3 + i:016x}",id="/kubepods/burstable/podu-{p}/'
                  f'{p * 3 + i:016x}"')
            usage = cpu_req * (0.3 + (p * 7 + i) % 10 / 5)
            lin("container_cpu_usage_seconds_total", f'{cc},cpu="total"',
                100.0 * usage, usage)
            lin("container_cpu_cfs_periods_total", cc, 1000.0, 10.0)
            lin("container_cpu_cfs_throttled_periods_total", cc, 0.0,
                (p * 3 + i) % 9 * 0.5 + 0.2)
            ws = mem_req * (0.4 + (p + i) % 9 / 10)
            add("container_memory_working_set_bytes", cc, int(ws))
            add("container_memory_rss", cc, int(ws * 0.8))
            add("container_memory_cache", cc, int(ws * 0.3))
            add("container_memory_swap", cc, 0)
        pc = f'{cad_pod},container="",image="",id="/kubepods/burstable/podu-{p}"'
        lin("container_cpu_usage_seconds_total", f'{pc},cpu="total"', 500.0,
            0.5 + p % 5 / 10)
        add("container_memory_working_set_bytes", pc, 900 << 20)
        for d in ("receive", "transmit"):
            lin(f"container_network_{d}_bytes_total", f'{pc},interface="eth0"',
                1e6, 1000.0 * (1 + p % 50))
            lin(f"container_network_{d}_packets_dropped_total",
                f'{pc},interface="eth0"', 0.0, p % 3 * 0.01)
        if p % 10 == 0:
            kv = (f'job="kubelet",instance="10.0.0.{p % nodes}:10250",'
                  f'metrics_path="/metrics",namespace="{ns}",'
                  f'persistentvolumeclaim="data-{pod}"')
            cap = 10 << 30
            add("kubelet_volume_stats_capacity_bytes", kv, cap)
            add("kubelet_volume_stats_available_bytes", kv,
                int(cap * (0.02 + p % 70 / 100)))
            add("kubelet_volume_stats_inodes", kv, 655360)
            add("kubelet_volume_stats_inodes_used", kv, 1000 + p % 600000)
            add("kubelet_volume_stats_inodes_free", kv,
                655360 - 1000 - p % 600000)
    for (w, kind, wname), ps in workloads.items():
        ns = f"ns-{w % 100}"
        wl = f'{kj},namespace="{ns}"'
        n, short = len(ps), w % 37 == 3
        if kind == "Deployment":
            d = f'{wl},deployment="{wname}"'
            add("kube_replicaset_owner", f'{wl},replicaset="{wname}-rs7d9f8",'
                f'owner_kind="Deployment",owner_name="{wname}",'
                f'owner_is_controller="true"', 1)
            add("kube_deployment_spec_replicas", d, n)
            add("kube_deployment_status_replicas", d, n)
            add("kube_deployment_status_replicas_available", d,
                n - 1 if short else n)
            add("kube_deployment_status_replicas_updated", d, n)
            add("kube_deployment_metadata_generation", d, 3)
            add("kube_deployment_status_observed_generation", d,
                2 if w % 41 == 4 else 3)
        elif kind == "StatefulSet":
            s = f'{wl},statefulset="{wname}"'
            add("kube_statefulset_replicas", s, n)
            add("kube_statefulset_status_replicas", s, n)
            add("kube_statefulset_status_replicas_ready", s,
                n - 1 if short else n)
            add("kube_statefulset_status_replicas_updated", s, n)
            add("kube_statefulset_metadata_generation", s, 2)
            add("kube_statefulset_status_observed_generation", s, 2)
            add("kube_statefulset_status_current_revision",
                f'{s},revision="{wname}-5c8"', 1)
            add("kube_statefulset_status_update_revision",
                f'{s},revision="{wname}-5c8"', 1)
        elif kind == "DaemonSet":
            s = f'{wl},daemonset="{wname}"'
            add("kube_daemonset_status_desired_number_scheduled", s, n)
            add("kube_daemonset_status_current_number_scheduled", s,
                n - 1 if short else n)
            add("kube_daemonset_status_number_misscheduled", s, 0)
            add("kube_daemonset_status_number_available", s, n)
            add("kube_daemonset_status_updated_number_scheduled", s, n)
            add("kube_daemonset_metadata_generation", s, 1)
            add("kube_daemonset_status_observed_generation", s, 1)
        else:
            s = f'{wl},job_name="{wname}"'
            add("kube_job_owner", f'{s},owner_kind="CronJob",owner_name='
                f'"{wname}-cron",owner_is_controller="true"', 1)
            add("kube_job_spec_completions", s, n)
            add("kube_job_status_active", s, 0)
            add("kube_job_status_succeeded", s, n)
            add("kube_job_status_failed", s, 1 if short else 0)
    for w in range(100):
        q = f'{kj},namespace="ns-{w}",resourcequota="quota"'
        per_ns = max(1, pods // 100)
        for res, hard, used in (
                ("requests.cpu", per_ns * 0.95, per_ns * 0.75),
                ("requests.memory", per_ns * 1.2e9, per_ns * 1.05e9),
                ("limits.cpu", per_ns * 2.0, per_ns * 1.5),
                ("limits.memory", per_ns * 2.4e9, per_ns * 2.1e9),
                ("pods", per_ns * 1.1, per_ns * (1.1 if w % 23 == 1 else
                                                 1.0))):
            add("kube_resourcequota", f'{q},resource="{res}",type="hard"',
                repr(float(hard)))
            add("kube_resourcequota", f'{q},resource="{res}",type="used"',
                repr(float(used)))
    for n in range(nodes):
        nl = f'{kj},node="node-{n}"'
        not_ready = n % 53 == 11
        add("kube_node_info", f'{nl},kernel_version="6.1.0",os_image='
            f'"Debian 12",container_runtime_version="containerd://1.7",'
            f'kubelet_version="v1.28.4",internal_ip="10.0.0.{n}"', 1)
        add("kube_node_spec_unschedulable", nl, 0)
        for res, cap, unit in (("cpu", 64, "core"), ("memory", 256 << 30,
                                                     "byte"),
                               ("pods", 110, "integer")):
            add("kube_node_status_capacity",
                f'{nl},resource="{res}",unit="{unit}"', cap)
            add("kube_node_status_allocatable",
                f'{nl},resource="{res}",unit="{unit}"',
                cap if res == "pods" else int(cap * 0.95))
        for cond in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
            ok = "true" if cond == "Ready" and not not_ready else "false"
            for st in ("true", "false", "unknown"):
                add("kube_node_status_condition",
                    f'{nl},condition="{cond}",status="{st}"', int(st == ok))
        if not_ready:
            add("kube_node_spec_taint", f'{nl},key="node.kubernetes.io/'
                f'unreachable",value="",effect="NoSchedule"', 1)
        ne = f'job="node-exporter",instance="node-{n}:9100"'
        for cpu in range(8):
            for mode, share in (("idle", 0.6), ("user", 0.25),
                                ("system", 0.1), ("iowait", 0.05)):
                lin("node_cpu_seconds_total", f'{ne},cpu="{cpu}",mode="{mode}"',
                    1e5 * share, share * (1 + (n + cpu) % 3 / 10))
        add("node_memory_MemTotal_bytes", ne, 256 << 30)
        add("node_memory_MemAvailable_bytes", ne, (40 + n % 150) << 30)
        add("node_load1", ne, repr(1.5 + n % 10))
        add("node_filesystem_avail_bytes", f'{ne},device="/dev/sda1",'
            f'fstype="ext4",mountpoint="/"', (20 + n % 80) << 30)
        add("node_filesystem_size_bytes", f'{ne},device="/dev/sda1",'
            f'fstype="ext4",mountpoint="/"', 200 << 30)
    for (kind, name), lines in fam.items():
        target = (ksm if name.startswith("kube_") else
                  kubelet if name.startswith("kubelet_") else
                  node if name.startswith("node_") else cad)
        (target.gauge if kind == "g" else target.linear)(lines)
    return {"/ksm": ksm, "/cadvisor": cad, "/node": node, "/kubelet": kubelet}


def main():
    port, pods, summary = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if pods <= 0:
        sys.exit("rules_data.py: PODS must be positive")
    payloads = build(pods)
    # Integer milliseconds: seconds since the start stay exact to a few
    # ulps, or rates over a short window would differ in the 8th digit.
    start_ms = int(time.time() * 1000)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path not in payloads:
                self.send_error(404)
                return
            # Uncompressed: gzip would cost this process more than the
            # servers under measurement spend on the whole scrape.
            now_ms = int(time.time() * 1000)
            data = payloads[self.path].render(now_ms,
                                              (now_ms - start_ms) / 1000)
            self.send_response(200)
            self.send_header("Content-Type",
                             "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    with open(summary, "w") as f:
        f.write("series=%d %s\n" % (
            sum(p.series for p in payloads.values()),
            " ".join(f"{k[1:]}={v.series}" for k, v in payloads.items())))
    server.serve_forever()


if __name__ == "__main__":
    main()
