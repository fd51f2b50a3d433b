#include "exporter/demo.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "exporter/bundled_rule_pack.h"
#include "exporter/demo_data.h"
#include "lib/model/absl_compat.h"
#include "lib/model/wall_clock.h"

namespace vigil::demo {
namespace {

constexpr char kExpositionType[] = "text/plain; version=0.0.4; charset=utf-8";

api::HttpResponse Exposition(std::string body) {
  api::HttpResponse r;
  r.content_type = kExpositionType;
  r.body = std::move(body);
  return r;
}

std::string PodLabels(const DemoPod& p) {
  return absl::StrFormat(R"(namespace="%s",pod="%s",uid="%s")",
                         ToAbsl(p.namespace_name), ToAbsl(p.name),
                         ToAbsl(p.uid));
}

// The pod families of kube-state-metrics v2 that the rule pack joins with,
// in its exposition format.
std::string KubeStateMetrics() {
  std::string out;
  absl::StrAppend(&out,
                  "# HELP kube_pod_info [STABLE] Information about pod.\n"
                  "# TYPE kube_pod_info gauge\n");
  for (const DemoPod& p : kPods) {
    absl::StrAppendFormat(
        &out,
        "kube_pod_info{%s,host_network=\"%s\",node=\"%s\",created_by_kind="
        "\"<none>\",created_by_name=\"<none>\",priority_class=\"\"} 1\n",
        PodLabels(p), p.name == "node-exporter-x7k2p" ? "true" : "false",
        ToAbsl(p.node));
  }
  absl::StrAppend(&out,
                  "# HELP kube_pod_status_phase [STABLE] The pods current "
                  "phase.\n# TYPE kube_pod_status_phase gauge\n");
  for (const DemoPod& p : kPods) {
    for (std::string_view phase :
         {"Pending", "Succeeded", "Failed", "Unknown", "Running"}) {
      absl::StrAppendFormat(&out, "kube_pod_status_phase{%s,phase=\"%s\"} %d\n",
                            PodLabels(p), ToAbsl(phase), phase == p.phase);
    }
  }
  absl::StrAppend(&out,
                  "# HELP kube_pod_container_status_running [STABLE] "
                  "Describes whether the container is currently in running "
                  "state.\n# TYPE kube_pod_container_status_running gauge\n");
  for (const DemoPod& p : kPods) {
    for (int i = 0; i < p.container_count; ++i) {
      absl::StrAppendFormat(
          &out, "kube_pod_container_status_running{%s,container=\"%s\"} %d\n",
          PodLabels(p), ToAbsl(p.containers[i].name), p.containers[i].running);
    }
  }
  absl::StrAppend(&out,
                  "# HELP kube_pod_container_status_restarts_total [STABLE] "
                  "The number of container restarts per container.\n"
                  "# TYPE kube_pod_container_status_restarts_total counter\n");
  for (const DemoPod& p : kPods) {
    for (int i = 0; i < p.container_count; ++i) {
      absl::StrAppendFormat(
          &out,
          "kube_pod_container_status_restarts_total{%s,container=\"%s\"} 0\n",
          PodLabels(p), ToAbsl(p.containers[i].name));
    }
  }
  return out;
}

// kube-apiserver's authentication counter: steady traffic plus a client
// with a revoked token retrying three times a second.
std::string ApiServerMetrics(double elapsed_s) {
  return absl::StrFormat(
      "# HELP authentication_attempts [ALPHA] Counter of authenticated "
      "attempts.\n"
      "# TYPE authentication_attempts counter\n"
      "authentication_attempts{result=\"failure\"} %.0f\n"
      "authentication_attempts{result=\"success\"} %.0f\n",
      3 * elapsed_s, 40 * elapsed_s);
}

// falcosidekick's counter: a terminal shell in dev/debug-shell after a
// minute, then the seed's sudo exploit (Critical) a minute later. A series
// appears at its first event, as falcosidekick's do.
std::string FalcosidekickMetrics(int64_t elapsed_ms) {
  std::string out =
      "# HELP falcosecurity_falcosidekick_falco_events_total Number of "
      "events received from Falco.\n"
      "# TYPE falcosecurity_falcosidekick_falco_events_total counter\n";
  struct Detection {
    int64_t after_ms;
    const char* rule;
    const char* priority;
  };
  for (const Detection& d :
       {Detection{kShellDetectedAfterMs, "Terminal shell in container",
                  "Notice"},
        Detection{kSudoDetectedAfterMs, "Sudo Potential Privilege Escalation",
                  "Critical"}}) {
    if (elapsed_ms < d.after_ms) continue;
    absl::StrAppendFormat(
        &out,
        "falcosecurity_falcosidekick_falco_events_total{hostname=\"node-b\","
        "k8s_ns_name=\"dev\",k8s_pod_name=\"debug-shell\",priority=\"%s\","
        "rule=\"%s\",source=\"syscall\"} %d\n",
        d.priority, d.rule, 1 + (elapsed_ms - d.after_ms) / (5 * 60 * 1000));
  }
  return out;
}

}  // namespace

std::map<std::string, api::HttpHandler> Handlers(int64_t start_ms) {
  std::map<std::string, api::HttpHandler> h;
  h["/demo/kube-state-metrics/metrics"] = [](const api::HttpRequest&) {
    return Exposition(KubeStateMetrics());
  };
  h["/demo/kubernetes/api/v1/pods"] = [](const api::HttpRequest&) {
    api::HttpResponse r;
    r.content_type = "application/json";
    r.body = std::string(kPodList);
    return r;
  };
  h["/demo/apiserver/metrics"] = [start_ms](const api::HttpRequest&) {
    return Exposition(ApiServerMetrics(
        static_cast<double>(std::max<int64_t>(0, WallClockMs() - start_ms)) /
        1000));
  };
  h["/demo/falcosidekick/metrics"] = [start_ms](const api::HttpRequest&) {
    return Exposition(FalcosidekickMetrics(WallClockMs() - start_ms));
  };
  return h;
}

std::string ConfigYaml(int port) {
  return absl::StrFormat(
      R"(# vigil's built-in demo: targets served by vigil itself under /demo/.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels:
    cluster: demo
scrape_configs:
  - job_name: kube-state-metrics
    metrics_path: /demo/kube-state-metrics/metrics
    static_configs: [{targets: ["127.0.0.1:%d"]}]
  - job_name: apiserver
    metrics_path: /demo/apiserver/metrics
    static_configs: [{targets: ["127.0.0.1:%d"]}]
  - job_name: falcosidekick
    metrics_path: /demo/falcosidekick/metrics
    static_configs: [{targets: ["127.0.0.1:%d"]}]
  - job_name: vigil
    static_configs: [{targets: ["127.0.0.1:%d"]}]
)",
      port, port, port, port);
}

std::string KubeApiUrl(int port) {
  return absl::StrCat("http://127.0.0.1:", port, "/demo/kubernetes");
}

std::vector<rules::RuleManager::RuleFileText> RuleFiles() {
  return {
      {std::string(exporter::kRulePackName), std::string(exporter::kRulePack)}};
}

std::vector<std::string> Timeline(int port) {
  const std::string base = absl::StrCat("http://localhost:", port);
  return {
      "within 15s: kube-state-metrics, the API server and falcosidekick "
      "are scraped, and the pod list gives the security-context series (" +
          base + "/kube/metrics)",
      "within 30s: posture alerts go pending (PodPrivilegedMode, "
      "ContainerPrivileged, ContainerRunningAsRoot, …; for: 5m)",
      "after 1m: FalcoShellInContainer fires (a terminal shell in "
      "dev/debug-shell); after 2m: FalcoCriticalDetection (sudo)",
      "after 5m: the posture alerts fire — PodPrivilegedMode for "
      "payments/ledger-0 — and are listed on " +
          base + "/api/v1/alerts",
      "after 10m: KubeAPIAuthenticationFailures fires (3 failed "
      "authentications per second)",
      "batch/report-28461 is privileged but finished: it never alerts",
  };
}

}  // namespace vigil::demo
