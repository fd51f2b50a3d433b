// The built-in demo: `vigil run` without --config.file (or with --demo) runs
// the real exporter against targets it serves itself under /demo/ — a
// kube-state-metrics endpoint, a Kubernetes API listing five pods (read by
// vigil's own security-context collector, exactly as in a cluster), and the
// metrics of a kube-apiserver and of falcosidekick. Everything is scraped
// over HTTP every 15 s and the bundled rule pack (deploy/rules, compiled in)
// is evaluated every 15 s; alerts are logged as they go pending, fire and
// resolve, and are listed on /api/v1/alerts. Nothing outside the process
// is needed. demo_data.h says which pod trips which alert.
#ifndef VIGIL_EXPORTER_DEMO_H_
#define VIGIL_EXPORTER_DEMO_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vigil/api.h"
#include "vigil/rules.h"

namespace vigil::demo {

inline constexpr int64_t kIntervalMs = 15 * 1000;
// When the simulated Falco detections first appear, after the start.
inline constexpr int64_t kShellDetectedAfterMs = 60 * 1000;
inline constexpr int64_t kSudoDetectedAfterMs = 120 * 1000;

// The in-process endpoints, by path. Counters grow from `start_ms`; the
// handlers read the clock themselves.
std::map<std::string, api::HttpHandler> Handlers(int64_t start_ms);

// The configuration vigil runs with when the demo serves on `port`.
std::string ConfigYaml(int port);
// The Kubernetes API URL the collector lists pods from.
std::string KubeApiUrl(int port);
// The bundled rule pack.
std::vector<rules::RuleManager::RuleFileText> RuleFiles();
// What the user will see and when, logged at start.
std::vector<std::string> Timeline(int port);

}  // namespace vigil::demo

#endif  // VIGIL_EXPORTER_DEMO_H_
