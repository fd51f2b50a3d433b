// Pods in the Kubernetes API's JSON shape (GET /api/v1/pods), written for
// the kube collector tests: the fields the collector reads, plus the bulky
// ones it must skip (managedFields, env, probes, status, ...).
//
//   default/web-0           restricted: pod runAsNonRoot/runAsUser/seccomp,
//                           containers override some; an init container
//                           running as root; NET_BIND_SERVICE added.
//   kube-system/node-exp-x  hostNetwork + hostPID, no securityContext,
//                           hostPath volumes.
//   monitoring/debug-agent  hostIPC, capabilities in mixed spellings, a
//                           privileged ephemeral container.
//   prod/db-0               only its init container is privileged.
#ifndef VIGIL_TESTS_KUBE_PODS_FIXTURE_H_
#define VIGIL_TESTS_KUBE_PODS_FIXTURE_H_

namespace vigil::kube::testing {

inline constexpr char kPodItems[] = R"json([
  {
    "metadata": {
      "name": "web-0",
      "generateName": "web-",
      "namespace": "default",
      "uid": "6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0001",
      "resourceVersion": "48211",
      "creationTimestamp": "2024-05-02T10:11:12Z",
      "labels": {"app": "web", "statefulset.kubernetes.io/pod-name": "web-0"},
      "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-02T10:00:00Z"},
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                           "name": "web", "uid": "aa", "controller": true,
                           "blockOwnerDeletion": true}],
      "managedFields": [{"manager": "kube-controller-manager",
                         "operation": "Update", "apiVersion": "v1",
                         "time": "2024-05-02T10:11:12Z",
                         "fieldsType": "FieldsV1",
                         "fieldsV1": {"f:metadata": {"f:labels": {}},
                                      "f:spec": {"f:containers": {}}}}]
    },
    "spec": {
      "securityContext": {
        "runAsNonRoot": true,
        "runAsUser": 1000,
        "fsGroup": 2000,
        "seccompProfile": {"type": "RuntimeDefault"}
      },
      "initContainers": [
        {
          "name": "init-perms",
          "image": "busybox:1.36",
          "command": ["sh", "-c", "chown -R 1000 /data"],
          "securityContext": {"runAsUser": 0, "runAsNonRoot": false},
          "volumeMounts": [{"name": "data", "mountPath": "/data"}]
        }
      ],
      "containers": [
        {
          "name": "app",
          "image": "nginx:1.27",
          "ports": [{"containerPort": 8080, "protocol": "TCP"}],
          "env": [{"name": "MODE", "value": "prod"},
                  {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
          "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m"}},
          "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
          "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
          },
          "volumeMounts": [{"name": "data", "mountPath": "/data"}]
        },
        {
          "name": "sidecar",
          "image": "envoy:1.30",
          "securityContext": {"runAsUser": 2000,
                              "seccompProfile": {"type": "Localhost",
                                                 "localhostProfile": "envoy.json"}}
        }
      ],
      "volumes": [
        {"name": "data", "emptyDir": {}},
        {"name": "kube-api-access-x", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
      ],
      "serviceAccountName": "web",
      "nodeName": "node-1",
      "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}]
    },
    "status": {
      "phase": "Running",
      "podIP": "10.0.0.5",
      "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                             "state": {"running": {"startedAt": "2024-05-02T10:11:20Z"}}}]
    }
  },
  {
    "metadata": {
      "name": "node-exp-x",
      "namespace": "kube-system",
      "uid": "6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0002"
    },
    "spec": {
      "hostNetwork": true,
      "hostPID": true,
      "containers": [{"name": "node-exporter", "image": "node-exporter:1.8",
                      "args": ["--path.rootfs=/host"]}],
      "volumes": [
        {"name": "proc", "hostPath": {"path": "/proc", "type": ""}},
        {"name": "sys", "hostPath": {"path": "/sys", "type": "Directory"}},
        {"name": "root", "hostPath": {"path": "/"}}
      ]
    },
    "status": {"phase": "Running"}
  },
  {
    "metadata": {
      "name": "debug-agent",
      "namespace": "monitoring",
      "uid": "6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0003"
    },
    "spec": {
      "hostIPC": true,
      "containers": [
        {
          "name": "agent",
          "image": "agent:2",
          "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"add": ["SYS_ADMIN", "CAP_NET_ADMIN", "sys_ptrace", "SYS_ADMIN"]}
          }
        }
      ],
      "ephemeralContainers": [
        {
          "name": "debugger-7x2k",
          "image": "busybox:1.36",
          "targetContainerName": "agent",
          "securityContext": {"privileged": true}
        }
      ]
    }
  },
  {
    "metadata": {
      "name": "db-0",
      "namespace": "prod",
      "uid": "6f1d6c1e-0b9a-4a53-9d0f-2f6a1c1e0004"
    },
    "spec": {
      "initContainers": [
        {"name": "sysctl", "image": "busybox:1.36",
         "securityContext": {"privileged": true}}
      ],
      "containers": [
        {"name": "postgres", "image": "postgres:16",
         "securityContext": {"privileged": false, "runAsNonRoot": true}}
      ]
    }
  }
])json";

}  // namespace vigil::kube::testing

#endif  // VIGIL_TESTS_KUBE_PODS_FIXTURE_H_
