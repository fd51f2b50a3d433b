// The machine form of a replay and of a comparison.
#include <nlohmann/json.hpp>

#include "lib/replay/time_text.h"
#include "vigil/replay_report.h"

namespace vigil::replay {
namespace {

using nlohmann::json;

json LabelsJson(const Labels& labels) {
  json j = json::object();
  for (const Label& l : labels) j[l.name] = l.value;
  return j;
}

json TimeOrNull(std::optional<int64_t> ms) {
  return ms ? json(FormatTimeMs(*ms)) : json(nullptr);
}

json SummaryJson(const std::vector<AlertSummary>& rows, bool with_name) {
  json out = json::array();
  for (const AlertSummary& s : rows) {
    json j;
    if (with_name) j["alertname"] = s.alertname;
    j["severity"] = s.severity;
    j["instances"] = s.instances;
    j["firings"] = s.firings;
    j["firing_seconds"] = static_cast<double>(s.firing_ms) / 1000.0;
    j["pending_only"] = s.pending_only;
    out.push_back(std::move(j));
  }
  return out;
}

json ResultJson(const Result& r) {
  json j;
  j["start"] = FormatTimeMs(r.start_ms);
  j["end"] = FormatTimeMs(r.end_ms);
  j["step_seconds"] = r.step_ms == 0
                          ? json(nullptr)
                          : json(static_cast<double>(r.step_ms) / 1000.0);
  j["groups"] = r.groups;
  j["alerting_rules"] = r.alerting_rules;
  j["recording_rules"] = r.recording_rules;
  j["evaluations"] = r.evaluations;
  j["wall_seconds"] = r.wall_seconds;
  json alerts = json::array();
  for (const AlertInstance& a : r.alerts) {
    json episodes = json::array();
    for (const Episode& e : a.episodes) {
      json ej;
      ej["pending"] = FormatTimeMs(e.pending_ms);
      ej["fired"] = TimeOrNull(e.fired_ms);
      ej["resolved"] = TimeOrNull(e.resolved_ms);
      const int64_t until = e.resolved_ms.value_or(r.end_ms);
      ej["firing_seconds"] =
          e.fired_ms ? static_cast<double>(until - *e.fired_ms) / 1000.0 : 0.0;
      episodes.push_back(std::move(ej));
    }
    alerts.push_back({{"alertname", a.alertname},
                      {"group", a.group},
                      {"file", a.file},
                      {"labels", LabelsJson(a.labels)},
                      {"episodes", std::move(episodes)}});
  }
  j["alerts"] = std::move(alerts);
  j["summary"] = SummaryJson(SummarizeAlerts(r), true);
  j["severities"] = SummaryJson(SummarizeSeverities(r), false);
  json errors = json::array();
  for (const RuleErrors& e : r.errors) {
    errors.push_back({{"group", e.group},
                      {"rule", e.rule},
                      {"count", e.count},
                      {"first", FormatTimeMs(e.first_ms)},
                      {"first_error", e.first_error}});
  }
  j["errors"] = std::move(errors);
  json gaps = json::array();
  for (const DataGap& g : r.gaps) {
    gaps.push_back({{"selector", g.selector},
                    {"from", FormatTimeMs(g.from_ms)},
                    {"to", FormatTimeMs(g.to_ms)},
                    {"error", g.error}});
  }
  j["gaps"] = std::move(gaps);
  return j;
}

}  // namespace

std::string ToJson(const Result& result) {
  return ResultJson(result).dump(2) + "\n";
}

std::string ToJson(const Result& before, const Result& after,
                   const std::vector<AlertChange>& changes) {
  json cj = json::array();
  for (const AlertChange& c : changes) {
    json nl = json::array(), nf = json::array();
    for (const Labels& l : c.no_longer_fire) nl.push_back(LabelsJson(l));
    for (const Labels& l : c.newly_fire) nf.push_back(LabelsJson(l));
    cj.push_back({{"alertname", c.alertname},
                  {"changed", Changed(c)},
                  {"firings_before", c.firings_before},
                  {"firings_after", c.firings_after},
                  {"firing_seconds_before",
                   static_cast<double>(c.firing_ms_before) / 1000.0},
                  {"firing_seconds_after",
                   static_cast<double>(c.firing_ms_after) / 1000.0},
                  {"no_longer_fire", std::move(nl)},
                  {"fire_only_now", std::move(nf)}});
  }
  json j;
  j["before"] = ResultJson(before);
  j["after"] = ResultJson(after);
  j["changes"] = std::move(cj);
  return j.dump(2) + "\n";
}

}  // namespace vigil::replay
