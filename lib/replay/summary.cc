// Counting a replay's timeline: per alert, per severity, and the
// difference between two replays.
#include <algorithm>
#include <map>
#include <set>

#include "vigil/replay_report.h"

namespace vigil::replay {
namespace {

int64_t FiringMs(const Episode& e, int64_t end_ms) {
  if (!e.fired_ms) return 0;
  return e.resolved_ms.value_or(end_ms) - *e.fired_ms;
}

void Add(const AlertInstance& a, int64_t end_ms, AlertSummary* s) {
  bool fired = false;
  for (const Episode& e : a.episodes) {
    if (!e.fired_ms) {
      if (e.resolved_ms) ++s->pending_only;
      continue;
    }
    fired = true;
    ++s->firings;
    s->firing_ms += FiringMs(e, end_ms);
  }
  if (fired) ++s->instances;
}

bool Fired(const AlertInstance& a) {
  return std::any_of(a.episodes.begin(), a.episodes.end(),
                     [](const Episode& e) { return e.fired_ms.has_value(); });
}

}  // namespace

std::vector<AlertSummary> SummarizeAlerts(const Result& result) {
  std::map<std::pair<std::string, std::string>, AlertSummary> rows;
  std::set<std::string> seen;
  for (const AlertInstance& a : result.alerts) {
    const std::string severity(a.labels.Get("severity"));
    AlertSummary& s = rows[{a.alertname, severity}];
    s.alertname = a.alertname;
    s.severity = severity;
    Add(a, result.end_ms, &s);
    seen.insert(a.alertname);
  }
  for (const auto& [name, severity] : result.alert_rules) {
    if (seen.contains(name)) continue;
    AlertSummary& s = rows[{name, severity}];
    s.alertname = name;
    s.severity = severity;
  }
  std::vector<AlertSummary> out;
  for (auto& [k, s] : rows) out.push_back(std::move(s));
  return out;
}

std::vector<AlertSummary> SummarizeSeverities(const Result& result) {
  std::map<std::string, AlertSummary> rows;
  for (const AlertInstance& a : result.alerts) {
    const std::string severity(a.labels.Get("severity"));
    AlertSummary& s = rows[severity];
    s.severity = severity;
    Add(a, result.end_ms, &s);
  }
  std::vector<AlertSummary> out;
  for (auto& [k, s] : rows) out.push_back(std::move(s));
  return out;
}

std::vector<AlertChange> Compare(const Result& before, const Result& after) {
  std::map<std::string, AlertChange> changes;
  std::map<std::string, std::set<Labels>> fired_before, fired_after;
  auto collect = [&](const Result& r, bool is_before) {
    for (const auto& [name, severity] : r.alert_rules) {
      changes[name].alertname = name;
    }
    for (const AlertInstance& a : r.alerts) {
      AlertChange& c = changes[a.alertname];
      c.alertname = a.alertname;
      AlertSummary s;
      Add(a, r.end_ms, &s);
      (is_before ? c.firings_before : c.firings_after) += s.firings;
      (is_before ? c.firing_ms_before : c.firing_ms_after) += s.firing_ms;
      if (Fired(a)) {
        (is_before ? fired_before : fired_after)[a.alertname].insert(a.labels);
      }
    }
  };
  collect(before, true);
  collect(after, false);
  std::vector<AlertChange> out;
  for (auto& [name, c] : changes) {
    const std::set<Labels>& b = fired_before[name];
    const std::set<Labels>& a = fired_after[name];
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(),
                        std::back_inserter(c.no_longer_fire));
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(c.newly_fire));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace vigil::replay
