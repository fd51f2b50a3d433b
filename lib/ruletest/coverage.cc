// Which rules the selected tests exercise: an alert counts when an
// alert_rule_test names it, a recording rule when a promql_expr_test's
// expression selects its record name. Rules are identified by file, name
// and kind, so a rule file shared by several test files is counted once.
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <set>
#include <tuple>

#include "vigil/ruletest.h"

namespace vigil::ruletest {

Coverage ComputeCoverage(const std::vector<FileResult>& results) {
  std::set<std::string> alerts, metrics;
  for (const FileResult& r : results) {
    alerts.insert(r.tested_alerts.begin(), r.tested_alerts.end());
    metrics.insert(r.queried_metrics.begin(), r.queried_metrics.end());
  }
  Coverage c;
  std::set<std::tuple<std::string, std::string, bool>> seen;
  for (const FileResult& r : results) {
    for (const RuleRef& rule : r.rules) {
      if (!seen.emplace(rule.file, rule.name, rule.is_alert).second) continue;
      c.rules.push_back(rule);
      const bool hit = rule.is_alert ? alerts.count(rule.name) > 0
                                     : metrics.count(rule.name) > 0;
      if (!hit) c.unexercised.push_back(rule);
    }
  }
  if (!c.rules.empty()) {
    c.percent = 100.0 *
                static_cast<double>(c.rules.size() - c.unexercised.size()) /
                static_cast<double>(c.rules.size());
  }
  return c;
}

void PrintCoverage(const Coverage& c, std::ostream& out) {
  char pct[32];
  std::snprintf(pct, sizeof(pct), "%.1f%%", c.percent);
  out << "Rule coverage: " << (c.rules.size() - c.unexercised.size()) << "/"
      << c.rules.size() << " rules exercised (" << pct << ")\n";
  if (c.unexercised.empty()) return;
  out << "  not exercised by any test:\n";
  for (const RuleRef& r : c.unexercised) {
    out << "    " << r.file << ":" << r.position.line << ":"
        << r.position.column << ": " << (r.is_alert ? "alert " : "record ")
        << r.name << "\n";
  }
}

}  // namespace vigil::ruletest
