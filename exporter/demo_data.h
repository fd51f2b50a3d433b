// The demo cluster: five pods as the Kubernetes API lists them, in the
// API's JSON shape (what vigil's security-context collector reads), and
// their running state (what kube-state-metrics would report).
//
//   payments/ledger-0         container "ledger" privileged — PodPrivilegedMode
//                             (both running containers), ContainerPrivileged
//   web/frontend-6d9f         hardened: non-root, read-only root, drops ALL,
//                             adds only NET_BIND_SERVICE — no alert
//   monitoring/node-exporter  hostNetwork + hostPID, hostPath / and /proc —
//                             PodHostNamespaces, PodSensitiveHostPathMount
//   dev/debug-shell           root, privilege escalation allowed, SYS_PTRACE
//                             — ContainerRunningAsRoot,
//                             ContainerPrivilegeEscalationAllowed,
//                             ContainerDangerousCapability; Falco sees a
//                             terminal shell in it after a minute
//   batch/report-28461        privileged but Succeeded: not running, so no
//                             alert (the join with running state at work)
#ifndef VIGIL_EXPORTER_DEMO_DATA_H_
#define VIGIL_EXPORTER_DEMO_DATA_H_

#include <string_view>

namespace vigil::demo {

struct DemoContainer {
  std::string_view name;
  bool running;
};

struct DemoPod {
  std::string_view namespace_name;
  std::string_view name;
  std::string_view uid;
  std::string_view phase;
  std::string_view node;
  DemoContainer containers[2];
  int container_count;
};

inline constexpr DemoPod kPods[] = {
    {"payments",
     "ledger-0",
     "3f0c7a52-8e61-4d0b-9a57-1c2d3e4f5a01",
     "Running",
     "node-a",
     {{"ledger", true}, {"log-shipper", true}},
     2},
    {"web",
     "frontend-6d9f",
     "8b2e4c11-0f7a-4e3d-b5c6-2d3e4f5a6b02",
     "Running",
     "node-a",
     {{"nginx", true}},
     1},
    {"monitoring",
     "node-exporter-x7k2p",
     "c4d5e6f7-1a2b-4c3d-8e9f-3e4f5a6b7c03",
     "Running",
     "node-b",
     {{"node-exporter", true}},
     1},
    {"dev",
     "debug-shell",
     "d1e2f3a4-5b6c-4d7e-9f80-4f5a6b7c8d04",
     "Running",
     "node-b",
     {{"shell", true}},
     1},
    {"batch",
     "report-28461",
     "e9f8a7b6-c5d4-4e3f-a2b1-5a6b7c8d9e05",
     "Succeeded",
     "node-a",
     {{"report", false}},
     1},
};

// GET /api/v1/pods, one page.
inline constexpr std::string_view kPodList = R"json({
  "kind": "PodList",
  "apiVersion": "v1",
  "metadata": {"resourceVersion": "912873"},
  "items": [
    {
      "metadata": {"name": "ledger-0", "namespace": "payments",
                   "uid": "3f0c7a52-8e61-4d0b-9a57-1c2d3e4f5a01",
                   "labels": {"app": "ledger"}},
      "spec": {
        "nodeName": "node-a",
        "containers": [
          {"name": "ledger", "image": "registry.example/ledger:2.3.1",
           "securityContext": {"privileged": true}},
          {"name": "log-shipper", "image": "fluent/fluent-bit:3.0",
           "securityContext": {"runAsNonRoot": true, "runAsUser": 10001,
                               "allowPrivilegeEscalation": false,
                               "readOnlyRootFilesystem": true}}
        ]
      },
      "status": {"phase": "Running"}
    },
    {
      "metadata": {"name": "frontend-6d9f", "namespace": "web",
                   "uid": "8b2e4c11-0f7a-4e3d-b5c6-2d3e4f5a6b02",
                   "labels": {"app": "frontend"}},
      "spec": {
        "nodeName": "node-a",
        "securityContext": {"runAsNonRoot": true, "runAsUser": 101,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
          {"name": "nginx", "image": "nginxinc/nginx-unprivileged:1.27",
           "securityContext": {"allowPrivilegeEscalation": false,
                               "readOnlyRootFilesystem": true,
                               "capabilities": {"drop": ["ALL"],
                                                "add": ["NET_BIND_SERVICE"]}}}
        ]
      },
      "status": {"phase": "Running"}
    },
    {
      "metadata": {"name": "node-exporter-x7k2p", "namespace": "monitoring",
                   "uid": "c4d5e6f7-1a2b-4c3d-8e9f-3e4f5a6b7c03",
                   "labels": {"app": "node-exporter"}},
      "spec": {
        "nodeName": "node-b",
        "hostNetwork": true,
        "hostPID": true,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 65534},
        "containers": [
          {"name": "node-exporter", "image": "quay.io/prometheus/node-exporter:v1.8.2",
           "args": ["--path.rootfs=/host"],
           "securityContext": {"allowPrivilegeEscalation": false,
                               "readOnlyRootFilesystem": true},
           "volumeMounts": [{"name": "root", "mountPath": "/host", "readOnly": true},
                            {"name": "proc", "mountPath": "/host/proc", "readOnly": true}]}
        ],
        "volumes": [
          {"name": "root", "hostPath": {"path": "/", "type": ""}},
          {"name": "proc", "hostPath": {"path": "/proc", "type": "Directory"}}
        ]
      },
      "status": {"phase": "Running"}
    },
    {
      "metadata": {"name": "debug-shell", "namespace": "dev",
                   "uid": "d1e2f3a4-5b6c-4d7e-9f80-4f5a6b7c8d04",
                   "labels": {"run": "debug-shell"}},
      "spec": {
        "nodeName": "node-b",
        "containers": [
          {"name": "shell", "image": "nicolaka/netshoot:v0.13",
           "command": ["sleep", "infinity"],
           "securityContext": {"runAsUser": 0,
                               "capabilities": {"add": ["SYS_PTRACE", "NET_RAW"]}}}
        ]
      },
      "status": {"phase": "Running"}
    },
    {
      "metadata": {"name": "report-28461", "namespace": "batch",
                   "uid": "e9f8a7b6-c5d4-4e3f-a2b1-5a6b7c8d9e05",
                   "labels": {"job-name": "report-28461"}},
      "spec": {
        "nodeName": "node-a",
        "restartPolicy": "Never",
        "containers": [
          {"name": "report", "image": "registry.example/report:1.0",
           "securityContext": {"privileged": true}}
        ]
      },
      "status": {"phase": "Succeeded"}
    }
  ]
})json";

}  // namespace vigil::demo

#endif  // VIGIL_EXPORTER_DEMO_DATA_H_
