// Rule alerts → Alertmanager alerts: the glue between the rule manager and
// the notifier that Prometheus keeps in cmd/prometheus (sendAlerts), so that
// neither library knows the other.
#ifndef VIGIL_EXPORTER_RULE_ALERTS_H_
#define VIGIL_EXPORTER_RULE_ALERTS_H_

#include <string>
#include <vector>

#include "vigil/notify.h"
#include "vigil/rules.h"

namespace vigil::exporter {

// startsAt = fired_at, endsAt = resolved_at or valid_until, and a generator
// URL linking to the expression in the table view of `external_url`.
std::vector<notify::NotifierAlert> FromRuleAlerts(
    const std::string& expr, const std::vector<rules::Alert>& alerts,
    const std::string& external_url);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_RULE_ALERTS_H_
