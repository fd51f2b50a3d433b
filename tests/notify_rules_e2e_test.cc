// PodPrivilegedMode end to end: a RuleGroup over a tsdb::Head with the
// Notifier as its AlertSink, delivering to the real Alertmanager.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/time/time.h"
#include "exporter/rule_alerts.h"
#include "lib/model/wall_clock.h"
#include "tests/support/alertmanager_process.h"
#include "vigil/http_client.h"
#include "vigil/notify.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/rules.h"
#include "vigil/storage.h"
#include "vigil/tsdb.h"

namespace vigil::notify {
namespace {

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;

constexpr std::string_view kPodPrivileged = R"(groups:
- name: security
  interval: 30s
  rules:
  - alert: PodPrivilegedMode
    expr: kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0
    for: 5m
    labels:
      severity: critical
    annotations:
      summary: Pod {{ $labels.namespace }}/{{ $labels.pod }} runs a privileged container
)";

int64_t ParseMs(const nlohmann::json& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(
      absl::ParseTime(absl::RFC3339_full, rfc3339.get<std::string>(), &t, &err))
      << rfc3339 << ": " << err;
  return absl::ToUnixMillis(t);
}

class PodPrivilegedE2eTest : public ::testing::Test {
 protected:
  void Add(const Labels& l, int64_t t, double v) {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  static Labels Running(const std::string& pod) {
    return Labels::FromStrings({"__name__", "kube_pod_container_status_running",
                                "namespace", "payments", "pod", pod,
                                "container", "app", "uid", "u-" + pod});
  }
  static Labels SecurityContext(const std::string& pod, bool privileged) {
    return Labels::FromStrings({"__name__", "kube_pod_security_context",
                                "namespace", "payments", "pod", pod,
                                "privileged", privileged ? "true" : "false"});
  }
  nlohmann::json ActiveAlerts(const std::string& url) {
    http::Request get;
    get.url = url + "/api/v2/alerts";
    auto resp = http::Perform(get);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok() || resp->status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(resp->body);
  }

  tsdb::Head head_;
  promql::Engine engine_;
};

TEST_F(PodPrivilegedE2eTest, FiresForThePrivilegedPodThenResolves) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  NotifierOptions no;
  AlertmanagerTarget target;
  target.url = am->url();
  target.timeout = std::chrono::seconds(2);
  no.alertmanagers.push_back(target);
  no.retry_initial_backoff = std::chrono::milliseconds(200);
  Notifier notifier(no);

  // Rule time runs in the recent past so that Alertmanager, on the wall
  // clock, sees the firing alert's endsAt ahead and the resolved one's
  // behind.
  const int64_t t0 = (WallClockMs() / kMin - 10) * kMin;
  for (int64_t t = t0; t <= t0 + 8 * kMin; t += 30 * kSec) {
    Add(Running("p1"), t, 1);
    Add(Running("p2"), t, 1);
    Add(SecurityContext("p1", true), t, 1);
    Add(SecurityContext("p2", false), t, 1);
  }
  // p1's container stops: its series goes stale.
  Add(Running("p1"), t0 + 8 * kMin + 15 * kSec, StaleNaN());

  auto specs = ParseRuleFile(kPodPrivileged, "pod-security.yml");
  ASSERT_TRUE(specs.ok()) << specs.status();
  rules::GroupOptions o;
  o.storage = &head_;
  o.appendable = &head_;
  o.engine = &engine_;
  o.resend_delay_ms = 2 * kMin;  // valid_until = fired_at + 8m, ahead of now
  const std::string external_url = "http://vigil.example:9090";
  o.external_url = external_url;
  o.notify = [&](const std::string& expr,
                 const std::vector<rules::Alert>& alerts) {
    notifier.Send(exporter::FromRuleAlerts(expr, alerts, external_url));
  };
  auto group = rules::RuleGroup::Create((*specs)[0], o);
  ASSERT_TRUE(group.ok()) << group.status();
  (*group)->SetRestored();

  (*group)->Eval(t0);  // pending: nothing sent
  ASSERT_TRUE(notifier.Flush(std::chrono::seconds(5)));
  EXPECT_EQ(notifier.Stats().alerts_sent, 0u);
  EXPECT_TRUE(ActiveAlerts(am->url()).empty());

  (*group)->Eval(t0 + 5 * kMin);  // `for` elapsed: firing
  ASSERT_TRUE(notifier.Flush(std::chrono::seconds(5)));
  nlohmann::json firing = ActiveAlerts(am->url());
  ASSERT_EQ(firing.size(), 1u) << firing.dump() << " (p2 never appears)";
  const nlohmann::json& a = firing[0];
  EXPECT_EQ(a["labels"], nlohmann::json({{"alertname", "PodPrivilegedMode"},
                                         {"severity", "critical"},
                                         {"namespace", "payments"},
                                         {"pod", "p1"},
                                         {"container", "app"},
                                         {"uid", "u-p1"}}));
  EXPECT_EQ(a["annotations"]["summary"],
            "Pod payments/p1 runs a privileged container");
  EXPECT_EQ(ParseMs(a["startsAt"]), t0 + 5 * kMin);
  EXPECT_EQ(ParseMs(a["endsAt"]), t0 + 5 * kMin + 4 * o.resend_delay_ms);
  EXPECT_EQ(a["status"]["state"], "active");
  EXPECT_THAT(a["generatorURL"].get<std::string>(),
              ::testing::StartsWith(external_url + "/graph?g0.expr="));

  // Past the stale marker the condition is gone: resolved, sent at once.
  (*group)->Eval(t0 + 8 * kMin + 30 * kSec);
  ASSERT_TRUE(notifier.Flush(std::chrono::seconds(5)));
  EXPECT_TRUE(ActiveAlerts(am->url()).empty())
      << ActiveAlerts(am->url()).dump();
  NotifierStats s = notifier.Stats();
  EXPECT_EQ(s.alerts_sent, 2u);  // firing, then resolved
  EXPECT_EQ(s.send_errors, 0u);
}

}  // namespace
}  // namespace vigil::notify
