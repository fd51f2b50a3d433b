// The exporter's glue from rule alerts to Alertmanager alerts
// (Prometheus's sendAlerts).
#include <gtest/gtest.h>

#include "exporter/rule_alerts.h"

namespace vigil::exporter {
namespace {

TEST(RuleAlertsTest, FromRuleAlertsFollowsPrometheus) {
  rules::Alert firing;
  firing.labels = Labels::FromStrings({"alertname", "A"});
  firing.fired_at_ms = 1000;
  firing.valid_until_ms = 5000;
  rules::Alert resolved = firing;
  resolved.resolved_at_ms = 3000;
  auto out = FromRuleAlerts("up == 0", {firing, resolved}, "http://x");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].starts_at_ms, 1000);
  EXPECT_EQ(out[0].ends_at_ms, 5000);  // valid_until while firing
  EXPECT_EQ(out[1].ends_at_ms, 3000);  // resolved_at once resolved
  EXPECT_EQ(out[0].generator_url,
            "http://x/graph?g0.expr=up+%3D%3D+0&g0.tab=1");
}

}  // namespace
}  // namespace vigil::exporter
