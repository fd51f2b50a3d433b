// A realistic kube-state-metrics v2 /metrics payload for a cluster of N
// pods: every pod family KSM exports by default (pod, container, init
// container), with KSM's label names and value shapes, grouped by family
// under one HELP/TYPE as KSM writes them. Two containers and one init
// container per pod; a few pods waiting, restarted, evicted or holding a
// PVC, as a real cluster has some. 46 families; per pod about 12 KB and 67
// series (full-length container and image IDs, as containerd reports
// them): 10k pods are 121 MB and 674k series.
#ifndef VIGIL_BENCH_KSM_PAYLOAD_H_
#define VIGIL_BENCH_KSM_PAYLOAD_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vigil::bench {

struct KsmPayload {
  std::string text;
  size_t series = 0;
  size_t families = 0;
};

class KsmPayloadBuilder {
 public:
  explicit KsmPayloadBuilder(int pods) : pods_(pods) {}

  KsmPayload Build() {
    out_.text.reserve(static_cast<size_t>(pods_) * 12200);
    PodFamilies();
    ContainerFamilies("kube_pod_container", kContainers, 2);
    ContainerFamilies("kube_pod_init_container", kInitContainers, 1);
    return std::move(out_);
  }

 private:
  static constexpr const char* kContainers[] = {"app", "istio-proxy"};
  static constexpr const char* kInitContainers[] = {"istio-init"};
  static constexpr double kCreated = 1.726839815e9;

  // The identity labels of pod `p`.
  std::string Pod(int p) const {
    return absl::StrFormat(
        R"(namespace="team-%d",pod="checkout-%d-7d9f8c6b5-x2k%d",uid="5f1c2a7e-9b1d-4c3e-8f00-%012d")",
        p % 40, p, p % 97, p);
  }
  std::string Node(int p) const { return absl::StrCat("node-", p % 120); }

  void Family(const char* name, const char* type, const char* help) {
    absl::StrAppend(&out_.text, "# HELP ", name, " ", help, "\n# TYPE ", name,
                    " ", type, "\n");
    ++out_.families;
  }
  // One series line: name{<pod labels><extra>} value.
  void Series(const char* name, int p, const std::string& extra,
              const std::string& value) {
    absl::StrAppend(&out_.text, name, "{", Pod(p), extra, "} ", value, "\n");
    ++out_.series;
  }
  void ForPods(const char* name, const char* type, const char* help,
               const std::function<void(int)>& each) {
    Family(name, type, help);
    for (int p = 0; p < pods_; ++p) each(p);
  }
  static std::string Ts(double t) { return absl::StrFormat("%.9e", t); }

  void PodFamilies() {
    ForPods("kube_pod_annotations", "gauge",
            "Kubernetes annotations converted to Prometheus labels.",
            [&](int p) { Series("kube_pod_annotations", p, "", "1"); });
    ForPods(
        "kube_pod_info", "gauge", "[STABLE] Information about pod.",
        [&](int p) {
          Series(
              "kube_pod_info", p,
              absl::StrFormat(
                  R"(,host_ip="10.0.%d.%d",pod_ip="172.16.%d.%d",node="%s",created_by_kind="ReplicaSet",created_by_name="checkout-%d-7d9f8c6b5",priority_class="",host_network="false")",
                  p % 250, p % 7, p / 250 % 250, p % 250, Node(p), p),
              "1");
        });
    ForPods("kube_pod_ips", "gauge", "Pod IP addresses", [&](int p) {
      Series("kube_pod_ips", p,
             absl::StrFormat(R"(,ip="172.16.%d.%d",ip_family="4")",
                             p / 250 % 250, p % 250),
             "1");
    });
    ForPods("kube_pod_start_time", "gauge",
            "[STABLE] Start time in unix timestamp for a pod.", [&](int p) {
              Series("kube_pod_start_time", p, "", Ts(kCreated + p % 3600));
            });
    ForPods(
        "kube_pod_owner", "gauge",
        "[STABLE] Information about the Pod's owner.", [&](int p) {
          Series(
              "kube_pod_owner", p,
              absl::StrFormat(
                  R"(,owner_kind="ReplicaSet",owner_name="checkout-%d-7d9f8c6b5",owner_is_controller="true")",
                  p),
              "1");
        });
    ForPods("kube_pod_labels", "gauge",
            "[STABLE] Kubernetes labels converted to Prometheus labels.",
            [&](int p) { Series("kube_pod_labels", p, "", "1"); });
    ForPods("kube_pod_nodeselectors", "gauge",
            "Describes the Pod nodeSelectors.",
            [&](int p) { Series("kube_pod_nodeselectors", p, "", "1"); });
    ForPods("kube_pod_status_phase", "gauge",
            "[STABLE] The pods current phase.", [&](int p) {
              const char* phase = p % 50 == 7 ? "Pending" : "Running";
              for (const char* ph :
                   {"Pending", "Succeeded", "Failed", "Unknown", "Running"}) {
                Series("kube_pod_status_phase", p,
                       absl::StrCat(",phase=\"", ph, "\""),
                       std::string(ph) == phase ? "1" : "0");
              }
            });
    ForPods("kube_pod_status_qos_class", "gauge", "The pods current qosClass.",
            [&](int p) {
              for (const char* q : {"BestEffort", "Burstable", "Guaranteed"}) {
                Series("kube_pod_status_qos_class", p,
                       absl::StrCat(",qos_class=\"", q, "\""),
                       std::string(q) == "Burstable" ? "1" : "0");
              }
            });
    for (const char* fam :
         {"kube_pod_status_ready", "kube_pod_status_scheduled"}) {
      ForPods(fam, "gauge",
              "[STABLE] Describes the status of the pod condition.",
              [&](int p) {
                for (const char* c : {"true", "false", "unknown"}) {
                  Series(fam, p, absl::StrCat(",condition=\"", c, "\""),
                         std::string(c) == "true" ? "1" : "0");
                }
              });
    }
    for (const char* fam :
         {"kube_pod_status_scheduled_time", "kube_pod_status_ready_time",
          "kube_pod_status_container_ready_time", "kube_pod_created"}) {
      ForPods(fam, "gauge", "[STABLE] Unix timestamp of the pod event.",
              [&](int p) { Series(fam, p, "", Ts(kCreated + p % 3600 + 4)); });
    }
    ForPods("kube_pod_status_reason", "gauge", "The pod status reasons",
            [&](int p) {
              for (const char* r : {"Evicted", "NodeAffinity", "NodeLost",
                                    "Shutdown", "UnexpectedAdmissionError"}) {
                Series("kube_pod_status_reason", p,
                       absl::StrCat(",reason=\"", r, "\""),
                       p % 200 == 3 && std::string(r) == "Evicted" ? "1" : "0");
              }
            });
    ForPods("kube_pod_restart_policy", "gauge",
            "Describes the restart policy in use by this pod.", [&](int p) {
              Series("kube_pod_restart_policy", p, R"(,type="Always")", "1");
            });
    ForPods("kube_pod_service_account", "gauge",
            "The service account for a pod.", [&](int p) {
              Series("kube_pod_service_account", p,
                     R"(,service_account="checkout")", "1");
            });
    ForPods(
        "kube_pod_tolerations", "gauge",
        "Information about the pod tolerations", [&](int p) {
          for (const char* key : {"node.kubernetes.io/not-ready",
                                  "node.kubernetes.io/unreachable"}) {
            Series(
                "kube_pod_tolerations", p,
                absl::StrCat(
                    ",key=\"", key,
                    R"(",operator="Exists",effect="NoExecute",toleration_seconds="300")"),
                "1");
          }
        });
    ForPods(
        "kube_pod_spec_volumes_persistentvolumeclaims_info", "gauge",
        "[STABLE] Information about persistentvolumeclaim volumes in a "
        "pod.",
        [&](int p) {
          if (p % 10 != 0) return;
          Series(
              "kube_pod_spec_volumes_persistentvolumeclaims_info", p,
              absl::StrFormat(
                  R"(,volume="data",persistentvolumeclaim="data-checkout-%d")",
                  p),
              "1");
        });
  }

  // The per-container families of `prefix` ("kube_pod_container" or
  // "kube_pod_init_container").
  void ContainerFamilies(const std::string& prefix, const char* const* names,
                         int n) {
    const bool init = prefix == "kube_pod_init_container";
    auto each =
        [&](const std::string& suffix, const char* type, const char* help,
            const std::function<void(int, const char*, const std::string&)>&
                fn) {
          const std::string name = prefix + suffix;
          Family(name.c_str(), type, help);
          for (int p = 0; p < pods_; ++p) {
            for (int c = 0; c < n; ++c) fn(p, names[c], name);
          }
        };
    auto with = [](const char* container, const std::string& more = "") {
      return absl::StrCat(",container=\"", container, "\"", more);
    };
    each(
        "_info", "gauge", "[STABLE] Information about a container in a pod.",
        [&](int p, const char* c, const std::string& name) {
          Series(
              name.c_str(), p,
              with(
                  c,
                  absl::StrFormat(
                      R"(,image_spec="registry.example.com/shop/%s:v1.8.3",image="registry.example.com/shop/%s:v1.8.3",image_id="registry.example.com/shop/%s@sha256:4e2f0c1b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f",container_id="containerd://%064d")",
                      c, c, c, p)),
              "1");
        });
    each("_status_waiting", "gauge",
         "[STABLE] Describes whether the container is currently in waiting "
         "state.",
         [&](int p, const char* c, const std::string& name) {
           Series(name.c_str(), p, with(c), p % 50 == 7 && !init ? "1" : "0");
         });
    each("_status_waiting_reason", "gauge",
         "[STABLE] Describes the reason the container is currently in "
         "waiting state.",
         [&](int p, const char* c, const std::string& name) {
           if (p % 50 != 7 || init) return;
           Series(name.c_str(), p, with(c, R"(,reason="ContainerCreating")"),
                  "1");
         });
    each("_status_running", "gauge",
         "[STABLE] Describes whether the container is currently in running "
         "state.",
         [&](int p, const char* c, const std::string& name) {
           Series(name.c_str(), p, with(c), init || p % 50 == 7 ? "0" : "1");
         });
    each("_status_terminated", "gauge",
         "[STABLE] Describes whether the container is currently in "
         "terminated state.",
         [&](int p, const char* c, const std::string& name) {
           Series(name.c_str(), p, with(c), init ? "1" : "0");
         });
    each("_status_terminated_reason", "gauge",
         "Describes the reason the container is currently in terminated "
         "state.",
         [&](int p, const char* c, const std::string& name) {
           if (!init) return;
           Series(name.c_str(), p, with(c, R"(,reason="Completed")"), "1");
         });
    each("_status_last_terminated_reason", "gauge",
         "Describes the last reason the container was in terminated state.",
         [&](int p, const char* c, const std::string& name) {
           if (init || p % 13 != 0) return;
           Series(name.c_str(), p, with(c, R"(,reason="OOMKilled")"), "1");
         });
    each("_status_last_terminated_exitcode", "gauge",
         "Describes the exit code for the last container in terminated "
         "state.",
         [&](int p, const char* c, const std::string& name) {
           if (init || p % 13 != 0) return;
           Series(name.c_str(), p, with(c), "137");
         });
    each("_status_ready", "gauge",
         "[STABLE] Describes whether the containers readiness check "
         "succeeded.",
         [&](int p, const char* c, const std::string& name) {
           Series(name.c_str(), p, with(c), init || p % 50 == 7 ? "0" : "1");
         });
    each("_status_restarts_total", "counter",
         "[STABLE] The number of container restarts per container.",
         [&](int p, const char* c, const std::string& name) {
           Series(name.c_str(), p, with(c),
                  absl::StrCat(init ? 0 : (p % 13 == 0 ? 3 : 0)));
         });
    each("_state_started", "gauge",
         "[STABLE] Start time in unix timestamp for a pod container.",
         [&](int p, const char* c, const std::string& name) {
           if (init) return;
           Series(name.c_str(), p, with(c), Ts(kCreated + p % 3600 + 9));
         });
    for (const char* kind : {"requests", "limits"}) {
      each(absl::StrCat("_resource_", kind), "gauge",
           "The number of requested or limited resource by a container.",
           [&](int p, const char* c, const std::string& name) {
             const std::string node = Node(p);
             Series(name.c_str(), p,
                    with(c, absl::StrCat(",node=\"", node,
                                         R"(",resource="cpu",unit="core")")),
                    std::string(kind) == "requests" ? "0.25" : "1");
             Series(name.c_str(), p,
                    with(c, absl::StrCat(",node=\"", node,
                                         R"(",resource="memory",unit="byte")")),
                    std::string(kind) == "requests" ? "2.68435456e+08"
                                                    : "5.36870912e+08");
           });
    }
  }

  int pods_;
  KsmPayload out_;
};

inline KsmPayload MakeKsmPayload(int pods) {
  return KsmPayloadBuilder(pods).Build();
}

}  // namespace vigil::bench

#endif  // VIGIL_BENCH_KSM_PAYLOAD_H_
