#include "exporter/rule_alerts.h"

#include <utility>

#include "lib/model/url_escape.h"

namespace vigil::exporter {

std::vector<notify::NotifierAlert> FromRuleAlerts(
    const std::string& expr, const std::vector<rules::Alert>& alerts,
    const std::string& external_url) {
  // strutil.TableLinkForExpression.
  const std::string generator_url =
      external_url + "/graph?g0.expr=" + QueryEscape(expr) + "&g0.tab=1";
  std::vector<notify::NotifierAlert> out;
  out.reserve(alerts.size());
  for (const rules::Alert& a : alerts) {
    notify::NotifierAlert n;
    n.labels = a.labels;
    n.annotations = Labels::FromVector(a.annotations);
    n.starts_at_ms = a.fired_at_ms;
    n.ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
    n.generator_url = generator_url;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace vigil::exporter
