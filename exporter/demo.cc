#include "exporter/demo.h"

#include <chrono>
#include <iomanip>
#include <map>

#include "exporter/demo_data.h"
#include "vigil/notify.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/rules.h"
#include "vigil/textparse.h"
#include "vigil/tsdb.h"

namespace vigil::demo {
namespace {

constexpr int64_t kScrapeIntervalMs = 30 * 1000;
constexpr int64_t kSimulatedMs = 6 * 60 * 1000;

absl::Status Ingest(tsdb::Head& head, std::string_view exposition,
                    int64_t t_ms) {
  textparse::Parser parser(exposition, textparse::Format::kPrometheusText);
  textparse::SeriesLabelsBuilder labels;
  auto app = head.NewAppender();
  while (true) {
    auto next = parser.Next();
    if (!next.ok()) return next.status();
    if (*next == textparse::EntryType::kEof) break;
    if (*next != textparse::EntryType::kSeries) continue;
    auto ref = app->Append(labels.Build(parser), t_ms, parser.entry().value);
    if (!ref.ok()) return ref.status();
  }
  return app->Commit();
}

std::string Clock(int64_t t_ms, int64_t start_ms) {
  const int64_t s = (t_ms - start_ms) / 1000;
  std::ostringstream o;
  o << "t+" << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60
    << "s";
  return o.str();
}

}  // namespace

int RunDemo(std::ostream& out) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t start = now - now % kScrapeIntervalMs - kSimulatedMs;

  tsdb::Head head;
  promql::Engine engine;
  auto specs = ParseRuleFile(kRulePack, "<embedded rule pack>");
  if (!specs.ok()) {
    out << "vigil demo: " << specs.status().message() << "\n";
    return 1;
  }
  std::vector<std::pair<std::string, std::vector<rules::Alert>>> sent;
  rules::GroupOptions options;
  options.storage = &head;
  options.appender = [&head] { return head.NewAppender(); };
  options.engine = &engine;
  options.external_url = "http://vigil.demo:9090";
  options.notify = [&sent](const std::string& expr,
                           const std::vector<rules::Alert>& alerts) {
    sent.emplace_back(expr, alerts);
  };
  auto group = rules::RuleGroup::Create((*specs)[0], options);
  if (!group.ok()) {
    out << "vigil demo: " << group.status().message() << "\n";
    return 1;
  }
  (*group)->SetRestored();

  out << "vigil demo: a simulated cluster scraped every 30s for 6m, rule "
         "group \"kubernetes-security\" evaluated every 30s\n\n";
  std::map<std::string, rules::AlertState> last_state;
  for (int64_t t = start; t <= start + kSimulatedMs; t += kScrapeIntervalMs) {
    if (absl::Status s = Ingest(head, kClusterExposition, t); !s.ok()) {
      out << "vigil demo: scrape failed: " << s.message() << "\n";
      return 1;
    }
    (*group)->Eval(t);
    for (const auto& rule : (*group)->rules()) {
      if (rule->health() == rules::RuleHealth::kBad) {
        out << Clock(t, start) << "  rule " << rule->name()
            << " failed: " << rule->last_error() << "\n";
        return 1;
      }
      for (const rules::Alert& a : rule->alerts()) {
        const std::string key = a.labels.ToString();
        auto [it, inserted] = last_state.emplace(key, a.state);
        if (inserted || it->second != a.state) {
          it->second = a.state;
          out << Clock(t, start) << "  " << rules::AlertStateName(a.state)
              << "  " << key << "\n";
        }
      }
    }
  }

  auto privileged = engine.InstantQuery(head, "namespace:privileged_pods:count",
                                        start + kSimulatedMs);
  if (privileged.ok()) {
    out << "\nrecorded namespace:privileged_pods:count:\n";
    for (const auto& s : std::get<promql::Vector>(privileged->value)) {
      out << "  " << s.metric.ToString() << " " << s.v << "\n";
    }
  }

  out << "\nfiring alerts as they would be POSTed to Alertmanager "
         "(/api/v2/alerts):\n";
  size_t firing = 0;
  for (const auto& [expr, alerts] : sent) {
    auto batch = notify::FromRuleAlerts(expr, alerts, options.external_url);
    firing += batch.size();
    out << notify::EncodeAlertsJson(batch) << "\n";
  }
  out << "\n" << firing << " alert(s) fired.\n";
  return firing > 0 ? 0 : 1;
}

}  // namespace vigil::demo
