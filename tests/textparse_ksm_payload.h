// A synthetic kube-state-metrics /metrics payload: the pod families KSM
// exposes, grouped by family as KSM writes them, about 4 KB per pod. Shared
// by the textparse tests and benchmarks.
#ifndef VIGIL_TESTS_TEXTPARSE_KSM_PAYLOAD_H_
#define VIGIL_TESTS_TEXTPARSE_KSM_PAYLOAD_H_

#include <algorithm>
#include <string>

namespace vigil::textparse::testing {

struct KsmPayload {
  std::string text;
  size_t series = 0;
  size_t families = 0;
};

inline KsmPayload MakeKsmPodsPayload(int pods) {
  KsmPayload out;
  std::string& s = out.text;
  s.reserve(static_cast<size_t>(pods) * 4200);
  auto id = [](int i) {
    std::string n = std::to_string(i);
    return "ns-" + std::to_string(i % 50) + "\",pod=\"web-" + n +
           "-7d9f8c6b5-x2k" + n + "\",uid=\"5f1c2a7e-9b1d-4c3e-8f00-" +
           std::string(12 - std::min<size_t>(12, n.size()), '0') + n + "\"";
  };
  auto family = [&](const char* name, const char* type, const char* help) {
    s += "# HELP ";
    s += name;
    s += " ";
    s += help;
    s += "\n# TYPE ";
    s += name;
    s += " ";
    s += type;
    s += "\n";
    ++out.families;
  };
  auto series = [&](const char* name, int pod, const std::string& extra,
                    const std::string& value) {
    s += name;
    s += "{namespace=\"";
    s += id(pod);
    s += extra;
    s += "} ";
    s += value;
    s += "\n";
    ++out.series;
  };
  const char* containers[] = {"app", "istio-proxy"};

  family("kube_pod_info", "gauge", "[STABLE] Information about pod.");
  for (int p = 0; p < pods; ++p) {
    std::string n = std::to_string(p);
    series("kube_pod_info", p,
           ",host_ip=\"10.0." + std::to_string(p % 250) +
               ".1\",pod_ip=\"172.16." + std::to_string(p % 250) +
               ".7\",node=\"node-" + std::to_string(p % 100) +
               "\",created_by_kind=\"ReplicaSet\",created_by_name=\"web-" + n +
               "-7d9f8c6b5\",priority_class=\"\",host_network=\"false\"",
           "1");
  }
  family("kube_pod_owner", "gauge",
         "[STABLE] Information about the Pod's owner.");
  for (int p = 0; p < pods; ++p) {
    series("kube_pod_owner", p,
           ",owner_kind=\"ReplicaSet\",owner_name=\"web-" + std::to_string(p) +
               "-7d9f8c6b5\",owner_is_controller=\"true\"",
           "1");
  }
  family("kube_pod_labels", "gauge",
         "[STABLE] Kubernetes labels converted to Prometheus labels.");
  for (int p = 0; p < pods; ++p) {
    series("kube_pod_labels", p,
           ",label_app=\"web\",label_team=\"payments\",label_pod_template_hash="
           "\"7d9f8c6b5\"",
           "1");
  }
  family("kube_pod_status_phase", "gauge", "[STABLE] The pods current phase.");
  for (int p = 0; p < pods; ++p) {
    for (const char* phase :
         {"Pending", "Running", "Succeeded", "Failed", "Unknown"}) {
      series("kube_pod_status_phase", p,
             std::string(",phase=\"") + phase + "\"",
             std::string(phase) == "Running" ? "1" : "0");
    }
  }
  family("kube_pod_status_ready", "gauge",
         "[STABLE] Describes whether the pod is ready to serve requests.");
  for (int p = 0; p < pods; ++p) {
    for (const char* c : {"true", "false", "unknown"}) {
      series("kube_pod_status_ready", p,
             std::string(",condition=\"") + c + "\"",
             std::string(c) == "true" ? "1" : "0");
    }
  }
  family("kube_pod_container_info", "gauge",
         "[STABLE] Information about a container in a pod.");
  for (int p = 0; p < pods; ++p) {
    for (const char* c : containers) {
      series("kube_pod_container_info", p,
             std::string(",container=\"") + c +
                 "\",image_spec=\"registry.example.com/team/" + c +
                 ":v1.2.3\",image=\"registry.example.com/team/" + c +
                 ":v1.2.3\",image_id=\"registry.example.com/team/" + c +
                 "@sha256:4e2f0c1b9a8d7e6f5a4b3c2d1e0f\",container_id="
                 "\"containerd://" +
                 std::to_string(p) + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8\"",
             "1");
    }
  }
  family("kube_pod_container_status_running", "gauge",
         "[STABLE] Describes whether the container is currently in running "
         "state.");
  for (int p = 0; p < pods; ++p) {
    for (const char* c : containers) {
      series("kube_pod_container_status_running", p,
             std::string(",container=\"") + c + "\"", "1");
    }
  }
  family("kube_pod_container_status_restarts_total", "counter",
         "[STABLE] The number of container restarts per container.");
  for (int p = 0; p < pods; ++p) {
    for (const char* c : containers) {
      series("kube_pod_container_status_restarts_total", p,
             std::string(",container=\"") + c + "\"", std::to_string(p % 7));
    }
  }
  for (const char* fam : {"kube_pod_container_resource_requests"}) {
    family(fam, "gauge", "The number of requested resource by a container.");
    for (int p = 0; p < pods; ++p) {
      for (const char* c : containers) {
        std::string node = std::to_string(p % 100);
        series(fam, p,
               std::string(",container=\"") + c + "\",node=\"node-" + node +
                   "\",resource=\"cpu\",unit=\"core\"",
               "0.25");
        series(fam, p,
               std::string(",container=\"") + c + "\",node=\"node-" + node +
                   "\",resource=\"memory\",unit=\"byte\"",
               "2.68435456e+08");
      }
    }
  }
  family("kube_pod_security_context", "gauge",
         "Security context of the pod's containers.");
  for (int p = 0; p < pods; ++p) {
    series("kube_pod_security_context", p,
           std::string(",privileged=\"") + (p % 97 == 0 ? "true" : "false") +
               "\",run_as_non_root=\"true\"",
           "1");
  }
  family("kube_pod_created", "gauge", "[STABLE] Unix creation timestamp.");
  for (int p = 0; p < pods; ++p) {
    series("kube_pod_created", p, "", "1.72683981e+09");
  }
  family("kube_pod_start_time", "gauge",
         "[STABLE] Start time in unix timestamp for a pod.");
  for (int p = 0; p < pods; ++p) {
    series("kube_pod_start_time", p, "", "1.726839815e+09");
  }
  return out;
}

}  // namespace vigil::textparse::testing

#endif  // VIGIL_TESTS_TEXTPARSE_KSM_PAYLOAD_H_
