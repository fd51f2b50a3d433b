// Security overview: the posture alerts by namespace and pod, the pods the
// security-context collector reports as privileged, sharing the node's
// namespaces or mounting host paths, and Falco's detections of the last
// hour. The tables are instant queries over the store, each linked to the
// Query page so the numbers can be checked.
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/model/absl_compat.h"
#include "lib/web/html.h"
#include "lib/web/pages.h"

namespace vigil::web {
namespace {

constexpr std::string_view kPrivilegedQuery =
    "kube_pod_security_context{privileged=\"true\"}";
constexpr std::string_view kHostNamespacesQuery =
    "kube_pod_security_context{host_network=\"true\"} or "
    "kube_pod_security_context{host_pid=\"true\"} or "
    "kube_pod_security_context{host_ipc=\"true\"}";
constexpr std::string_view kHostPathQuery = "kube_pod_spec_volumes_host_path";
constexpr std::string_view kPhaseQuery = "kube_pod_status_phase == 1";
// The rule pack's falco:detections:new10m over an hour: a series younger
// than the window counts whole, since increase() cannot see its first
// event.
constexpr std::string_view kFalcoQuery =
    "sum by (k8s_ns_name, k8s_pod_name, rule, priority) (\n"
    "    (falcosecurity_falcosidekick_falco_events_total\n"
    "      unless falcosecurity_falcosidekick_falco_events_total offset 1h)\n"
    "  or\n"
    "    increase(falcosecurity_falcosidekick_falco_events_total[1h]) > 0\n"
    ")";

struct QueryOutcome {
  promql::Vector vector;
  std::string error;
};

QueryOutcome Run(const PageContext& ctx, std::string_view query) {
  QueryOutcome out;
  auto r =
      ctx.sources.engine->InstantQuery(*ctx.sources.storage, query, ctx.now_ms);
  if (!r.ok()) {
    out.error = std::string(r.status().message());
  } else if (auto* v = std::get_if<promql::Vector>(&r->value)) {
    out.vector = std::move(*v);
  }
  return out;
}

// `name` linked to the Query page running `query`, and the query's error
// if it failed.
std::string QueryNote(std::string_view name, std::string_view query,
                      const QueryOutcome& q) {
  std::string out = Cat("<a href=\"", HtmlEscape(QueryLink(query)),
                        "\" title=\"", HtmlEscape(query), "\">", name, "</a>");
  if (!q.error.empty()) {
    Append(&out, " <span class=\"error\">(", HtmlEscape(q.error), ")</span>");
  }
  return out;
}

using PodKey = std::pair<std::string, std::string>;  // namespace, pod

PodKey PodOf(const Labels& l) {
  std::string_view ns = l.Get("namespace");
  if (ns.empty()) ns = l.Get("k8s_ns_name");
  std::string_view pod = l.Get("pod");
  if (pod.empty()) pod = l.Get("k8s_pod_name");
  return {std::string(ns), std::string(pod)};
}

std::string AlertsByPod(const PageContext& ctx) {
  std::string out =
      "<section id=\"alerts-by-pod\"><h2>Alerts by namespace "
      "and pod</h2>";
  std::map<PodKey, std::vector<const rules::Alert*>> by_pod;
  std::vector<rules::Alert> alerts;
  if (ctx.sources.rules != nullptr) {
    for (const auto& g : ctx.sources.rules->groups()) {
      for (const auto& r : g->rules()) {
        for (rules::Alert& a : r->alerts()) {
          if (a.resolved_at_ms == 0 &&
              a.state != rules::AlertState::kInactive &&
              !PodOf(a.labels).first.empty()) {
            alerts.push_back(std::move(a));
          }
        }
      }
    }
  }
  for (const rules::Alert& a : alerts) by_pod[PodOf(a.labels)].push_back(&a);
  if (by_pod.empty()) {
    Append(&out,
           "<p>No pending or firing alert names a "
           "namespace.</p></section>\n");
    return out;
  }
  Append(&out,
         "<table class=\"security\"><thead><tr><th>Namespace</th>"
         "<th>Pod</th><th>Alerts</th></tr></thead><tbody>");
  for (const auto& [pod, list] : by_pod) {
    Append(&out, "<tr><td>", HtmlEscape(pod.first), "</td><td>",
           HtmlEscape(pod.second.empty() ? "(namespace)" : pod.second),
           "</td><td>");
    for (const rules::Alert* a : list) {
      const std::string_view state = rules::AlertStateName(a->state);
      Append(&out, "<div><span class=\"badge state-", state, "\">", state,
             "</span> <b>", HtmlEscape(a->labels.Get(rules::kAlertNameLabel)),
             "</b>");
      for (std::string_view extra :
           {"container", "capability", "path", "rule", "severity"}) {
        if (std::string_view v = a->labels.Get(extra); !v.empty()) {
          Append(&out, " <span class=\"muted\">", extra, "=</span>",
                 HtmlEscape(v));
        }
      }
      Append(&out, "</div>");
    }
    Append(&out, "</td></tr>");
  }
  Append(&out, "</tbody></table></section>\n");
  return out;
}

struct PodPosture {
  bool privileged = false;
  std::vector<std::string> host_namespaces;
  std::vector<std::string> host_paths;
};

std::string Posture(const PageContext& ctx) {
  std::string out =
      "<section id=\"posture\"><h2>Privileged, host-namespace "
      "and hostPath pods</h2>";
  const QueryOutcome privileged = Run(ctx, kPrivilegedQuery);
  const QueryOutcome host_ns = Run(ctx, kHostNamespacesQuery);
  const QueryOutcome host_path = Run(ctx, kHostPathQuery);
  const QueryOutcome phase = Run(ctx, kPhaseQuery);
  std::map<PodKey, PodPosture> pods;
  for (const auto& s : privileged.vector)
    pods[PodOf(s.metric)].privileged = true;
  for (const auto& s : host_ns.vector) {
    std::vector<std::string>& ns = pods[PodOf(s.metric)].host_namespaces;
    ns.clear();  // one series per pod carries all three flags
    for (std::string_view name : {"network", "pid", "ipc"}) {
      if (s.metric.Get(Cat("host_", name)) == "true") {
        ns.emplace_back(name);
      }
    }
  }
  for (const auto& s : host_path.vector) {
    pods[PodOf(s.metric)].host_paths.push_back(
        Cat(s.metric.Get("volume"), ": ", s.metric.Get("path")));
  }
  std::map<PodKey, std::string> phases;
  for (const auto& s : phase.vector) {
    phases[PodOf(s.metric)] = std::string(s.metric.Get("phase"));
  }
  if (pods.empty()) {
    Append(&out,
           "<p>No pod is privileged, shares the node's "
           "namespaces or mounts a host path (or the "
           "security-context collector is off).</p>");
  } else {
    Append(
        &out,
        "<table class=\"security\" id=\"posture-table\"><thead><tr><th>"
        "Namespace</th><th>Pod</th><th>Phase</th><th>Privileged</th><th>Host "
        "namespaces</th><th>hostPath volumes</th></tr></thead><tbody>");
    for (const auto& [pod, p] : pods) {
      auto it = phases.find(pod);
      const std::string phase_text = it == phases.end() ? "?" : it->second;
      Append(
          &out, "<tr", phase_text == "Running" ? "" : " class=\"not-running\"",
          "><td>", HtmlEscape(pod.first), "</td><td>", HtmlEscape(pod.second),
          "</td><td>", HtmlEscape(phase_text), "</td><td>",
          p.privileged ? "<span class=\"badge state-firing\">privileged</span>"
                       : "",
          "</td><td>", HtmlEscape(absl::StrJoin(p.host_namespaces, ", ")),
          "</td><td>", HtmlEscape(absl::StrJoin(p.host_paths, ", ")),
          "</td></tr>");
    }
    Append(&out, "</tbody></table>");
  }
  Append(&out, "<p class=\"muted source\">Queries: ",
         QueryNote("privileged", kPrivilegedQuery, privileged), " · ",
         QueryNote("host namespaces", kHostNamespacesQuery, host_ns), " · ",
         QueryNote("hostPath", kHostPathQuery, host_path), " · ",
         QueryNote("phase", kPhaseQuery, phase), "</p></section>\n");
  return out;
}

std::string Falco(const PageContext& ctx) {
  std::string out =
      "<section id=\"falco\"><h2>Falco detections, last hour</h2>";
  QueryOutcome q = Run(ctx, kFalcoQuery);
  std::sort(q.vector.begin(), q.vector.end(),
            [](const auto& a, const auto& b) { return a.metric < b.metric; });
  if (q.vector.empty()) {
    Append(&out, "<p>No detections in the last hour.</p>");
  } else {
    Append(&out,
           "<table class=\"security\" id=\"falco-table\"><thead><tr>"
           "<th>Namespace</th><th>Pod</th><th>Rule</th><th>Priority"
           "</th><th>Events</th></tr></thead><tbody>");
    for (const auto& s : q.vector) {
      const PodKey pod = PodOf(s.metric);
      Append(&out, "<tr><td>", HtmlEscape(pod.first), "</td><td>",
             HtmlEscape(pod.second), "</td><td>",
             HtmlEscape(s.metric.Get("rule")), "</td><td>",
             HtmlEscape(s.metric.Get("priority")), "</td><td>",
             absl::StrFormat("%g", s.v), "</td></tr>");
    }
    Append(&out, "</tbody></table>");
  }
  Append(&out, "<p class=\"muted source\">Query: ",
         QueryNote("detections", kFalcoQuery, q), "</p></section>\n");
  return out;
}

}  // namespace

std::string SecurityBody(const PageContext& ctx) {
  return Cat(AlertsByPod(ctx), Posture(ctx), Falco(ctx));
}

}  // namespace vigil::web
