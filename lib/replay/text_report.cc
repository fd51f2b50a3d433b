// The human form of a replay and of a comparison.
#include <algorithm>
#include <iomanip>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/model/duration.h"
#include "lib/replay/time_text.h"
#include "vigil/replay_report.h"
#include "vigil/rules.h"

namespace vigil::replay {
namespace {

// alertname{other labels}: how Prometheus's UI names an alert.
std::string AlertTitle(std::string_view alertname, const Labels& labels) {
  LabelsBuilder b(labels);
  b.Del(rules::kAlertNameLabel);
  b.Set(kMetricName, alertname);
  return b.Build().ToString();
}

// Whole seconds from a second up: a group's grid offset would otherwise put
// milliseconds into every total.
std::string Duration(int64_t ms) {
  if (ms <= 0) return "0s";
  return FormatDurationMs(ms >= 1000 ? ms / 1000 * 1000 : ms);
}

std::string EpisodeLine(const Episode& e, int64_t end_ms) {
  std::string line = absl::StrCat("  pending ", FormatTimeMs(e.pending_ms));
  if (e.fired_ms) {
    absl::StrAppend(&line, " → firing ", FormatTimeMs(*e.fired_ms));
    if (e.resolved_ms) {
      absl::StrAppend(&line, " → resolved ", FormatTimeMs(*e.resolved_ms),
                      " (fired ", Duration(*e.resolved_ms - *e.fired_ms), ")");
    } else {
      absl::StrAppend(&line, " → still firing at the end (fired ",
                      Duration(end_ms - *e.fired_ms), ")");
    }
  } else if (e.resolved_ms) {
    absl::StrAppend(&line, " → cleared ", FormatTimeMs(*e.resolved_ms),
                    " (never fired)");
  } else {
    absl::StrAppend(&line, " → still pending at the end");
  }
  return line;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows,
                std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

std::vector<std::string> SummaryRow(std::string first, const AlertSummary& s) {
  return {std::move(first),          s.severity.empty() ? "-" : s.severity,
          absl::StrCat(s.instances), absl::StrCat(s.firings),
          Duration(s.firing_ms),     absl::StrCat(s.pending_only)};
}

std::string LabelList(const std::vector<Labels>& labels) {
  return absl::StrJoin(labels, ", ", [](std::string* out, const Labels& l) {
    LabelsBuilder b(l);
    b.Del(rules::kAlertNameLabel);
    absl::StrAppend(out, b.Build().ToString());
  });
}

}  // namespace

void PrintText(const Result& result, const TextOptions& options,
               std::ostream& out) {
  const double range_s =
      static_cast<double>(result.end_ms - result.start_ms) / 1000.0;
  out << "Replayed " << result.groups << " groups (" << result.alerting_rules
      << " alerting, " << result.recording_rules << " recording rules) from "
      << FormatTimeMs(result.start_ms) << " to " << FormatTimeMs(result.end_ms)
      << (result.step_ms != 0
              ? absl::StrCat(" every ", Duration(result.step_ms))
              : std::string(" at each group's interval"))
      << ": " << result.evaluations << " evaluations in "
      << absl::StrFormat("%.2f", result.wall_seconds) << " s";
  if (result.wall_seconds > 0 && range_s > 0) {
    out << absl::StrFormat(" (%.0f× real time)", range_s / result.wall_seconds);
  }
  out << ".\n";

  if (options.timeline) {
    for (const AlertInstance& a : result.alerts) {
      out << "\n"
          << AlertTitle(a.alertname, a.labels) << "  (group " << a.group
          << ")\n";
      for (const Episode& e : a.episodes) {
        out << EpisodeLine(e, result.end_ms) << "\n";
      }
    }
  }

  out << "\nAlerts\n";
  std::vector<std::vector<std::string>> rows = {
      {"ALERT", "SEVERITY", "INSTANCES", "FIRINGS", "FIRING TIME",
       "PENDING ONLY"}};
  for (const AlertSummary& s : SummarizeAlerts(result)) {
    rows.push_back(SummaryRow(s.alertname, s));
  }
  PrintTable(rows, out);

  out << "\nSeverities\n";
  rows = {{"SEVERITY", "INSTANCES", "FIRINGS", "FIRING TIME", "PENDING ONLY"}};
  for (const AlertSummary& s : SummarizeSeverities(result)) {
    std::vector<std::string> row = SummaryRow("", s);
    row.erase(row.begin());
    rows.push_back(std::move(row));
  }
  PrintTable(rows, out);

  if (!result.errors.empty()) {
    out << "\nRule evaluation errors\n";
    for (const RuleErrors& e : result.errors) {
      out << "  group " << e.group << ", rule " << e.rule << ": " << e.count
          << " failed evaluations, the first at " << FormatTimeMs(e.first_ms)
          << ": " << e.first_error << "\n";
    }
  }
  if (!result.gaps.empty()) {
    out << "\nData gaps: the rules saw no samples of these selectors there\n";
    for (const DataGap& g : result.gaps) {
      out << "  " << g.selector << " from " << FormatTimeMs(g.from_ms) << " to "
          << FormatTimeMs(g.to_ms) << ": " << g.error << "\n";
    }
  }
}

void PrintComparison(const std::vector<AlertChange>& changes,
                     std::ostream& out) {
  size_t unchanged = 0;
  for (const AlertChange& c : changes) {
    if (!Changed(c)) {
      ++unchanged;
      continue;
    }
    out << c.alertname << ": " << c.firings_before << " → " << c.firings_after
        << (c.firings_after == 1 ? " firing" : " firings") << ", firing time "
        << Duration(c.firing_ms_before) << " → " << Duration(c.firing_ms_after);
    if (!c.no_longer_fire.empty()) {
      out << "; " << c.no_longer_fire.size()
          << (c.no_longer_fire.size() == 1 ? " instance no longer fires: "
                                           : " instances no longer fire: ")
          << LabelList(c.no_longer_fire);
    }
    if (!c.newly_fire.empty()) {
      out << "; " << c.newly_fire.size()
          << (c.newly_fire.size() == 1 ? " instance fires only now: "
                                       : " instances fire only now: ")
          << LabelList(c.newly_fire);
    }
    out << "\n";
  }
  out << unchanged << (unchanged == 1 ? " alert" : " alerts")
      << " unchanged.\n";
}

}  // namespace vigil::replay
