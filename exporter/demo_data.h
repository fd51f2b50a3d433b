// The embedded data of `vigil run --demo`: a kube-state-metrics snapshot of
// a small cluster, the security-context series vigil's collector adds, and
// the rule pack that watches them. Nothing outside the binary is needed.
#ifndef VIGIL_EXPORTER_DEMO_DATA_H_
#define VIGIL_EXPORTER_DEMO_DATA_H_

#include <string_view>

namespace vigil::demo {

// What kube-state-metrics and vigil's security-context collector would
// expose for four pods, one of them privileged.
inline constexpr std::string_view kClusterExposition =
    R"(# HELP kube_pod_container_status_running Describes whether the container is currently in running state.
# TYPE kube_pod_container_status_running gauge
kube_pod_container_status_running{namespace="payments",pod="ledger-0",uid="7c1e0c4e-1",container="ledger"} 1
kube_pod_container_status_running{namespace="payments",pod="ledger-0",uid="7c1e0c4e-1",container="log-shipper"} 1
kube_pod_container_status_running{namespace="web",pod="frontend-6d9f",uid="1b2a9d10-2",container="nginx"} 1
kube_pod_container_status_running{namespace="kube-system",pod="cilium-x2kq",uid="5d0f3a77-3",container="cilium-agent"} 1
kube_pod_container_status_running{namespace="batch",pod="report-28461",uid="9e7c1b02-4",container="report"} 0
# HELP kube_pod_security_context Security context of the pod; privileged is true when any container is.
# TYPE kube_pod_security_context gauge
kube_pod_security_context{namespace="payments",pod="ledger-0",uid="7c1e0c4e-1",privileged="true"} 1
kube_pod_security_context{namespace="web",pod="frontend-6d9f",uid="1b2a9d10-2",privileged="false"} 1
kube_pod_security_context{namespace="kube-system",pod="cilium-x2kq",uid="5d0f3a77-3",privileged="true"} 1
kube_pod_security_context{namespace="batch",pod="report-28461",uid="9e7c1b02-4",privileged="true"} 1
# HELP apiserver_failed_auth_count_total Failed authentication attempts.
# TYPE apiserver_failed_auth_count_total counter
apiserver_failed_auth_count_total{reason="invalid_token"} 12
apiserver_failed_auth_count_total{reason="expired_certificate"} 3
)";

inline constexpr std::string_view kRulePack = R"(groups:
  - name: kubernetes-security
    interval: 30s
    rules:
      - record: namespace:privileged_pods:count
        expr: count by (namespace) (kube_pod_security_context{privileged="true"})
      - alert: PodPrivilegedMode
        expr: kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: Privileged container in {{ $labels.namespace }}/{{ $labels.pod }}
          description: Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} runs privileged.
)";

}  // namespace vigil::demo

#endif  // VIGIL_EXPORTER_DEMO_DATA_H_
