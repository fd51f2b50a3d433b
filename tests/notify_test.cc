#include "vigil/notify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lib/httpclient/http_client.h"
#include "tests/support/alertmanager_process.h"

namespace vigil::notify {
namespace {

using ::testing::HasSubstr;

NotifierAlert PodPrivileged(std::string pod, int64_t now_ms) {
  NotifierAlert a;
  a.labels =
      Labels::FromStrings({"alertname", "PodPrivilegedMode", "pod", pod,
                           "namespace", "payments", "severity", "critical"});
  a.annotations = Labels::FromStrings({"summary", "privileged " + pod});
  a.starts_at_ms = now_ms - 60000;
  a.ends_at_ms = now_ms + 240000;
  a.generator_url = "http://vigil:9090/graph?g0.expr=up&g0.tab=1";
  return a;
}

AlertmanagerTarget Target(std::string url, std::chrono::milliseconds timeout) {
  AlertmanagerTarget t;
  t.url = std::move(url);
  t.timeout = timeout;
  return t;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(AlertJsonTest, EncodesApiV2PostableAlerts) {
  NotifierAlert a = PodPrivileged("ledger-0", 1700000000500);
  auto j = nlohmann::json::parse(EncodeAlertsJson({a}));
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j[0]["labels"]["pod"], "ledger-0");
  EXPECT_EQ(j[0]["annotations"]["summary"], "privileged ledger-0");
  EXPECT_EQ(j[0]["startsAt"], "2023-11-14T22:12:20.5Z");
  EXPECT_EQ(j[0]["endsAt"], "2023-11-14T22:17:20.5Z");
  EXPECT_EQ(j[0]["generatorURL"],
            "http://vigil:9090/graph?g0.expr=up&g0.tab=1");
}

TEST(AlertJsonTest, FromRuleAlertsFollowsPrometheus) {
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

TEST(NotifierTest, QueueOverflowDropsOldest) {
  NotifierOptions o;
  o.queue_capacity = 2;
  // A target nobody listens on: sends fail fast, nothing blocks Send().
  auto port = testing::FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  o.alertmanagers.push_back(Target("http://127.0.0.1:" + std::to_string(*port),
                                   std::chrono::seconds(1)));
  Notifier n(o);
  std::vector<NotifierAlert> many;
  for (int i = 0; i < 5; ++i)
    many.push_back(PodPrivileged("p" + std::to_string(i), NowMs()));
  n.Send(many);
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  NotifierStats s = n.Stats();
  EXPECT_EQ(s.alerts_sent, 0u);
  EXPECT_EQ(s.alerts_dropped, 5u);  // 3 by overflow, 2 undeliverable
  EXPECT_GE(s.send_errors, 1u);
}

TEST(NotifierTest, ExternalLabelsAndRelabelingApply) {
  NotifierOptions o;
  o.external_labels =
      Labels::FromStrings({"cluster", "prod", "pod", "ignored"});
  std::vector<Labels> seen;
  o.relabel = [&seen](const Labels& l) -> std::optional<Labels> {
    seen.push_back(l);
    if (l.Get("pod") == "drop-me") return std::nullopt;
    return l;
  };
  Notifier n(o);
  n.Send({PodPrivileged("keep", NowMs()), PodPrivileged("drop-me", NowMs())});
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Get("cluster"), "prod");
  EXPECT_EQ(seen[0].Get("pod"), "keep") << "the alert's own label wins";
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(n.Stats().alerts_dropped, 1u) << "no Alertmanager: undeliverable";
}

// Against the real Alertmanager from Debian's prometheus-alertmanager.
TEST(NotifierIntegrationTest, RealAlertmanagerReceivesTheAlert) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  NotifierOptions o;
  o.alertmanagers.push_back(Target(am->url(), std::chrono::seconds(5)));
  o.external_labels = Labels::FromStrings({"cluster", "kind-1"});
  Notifier n(o);
  n.Send({PodPrivileged("ledger-0", NowMs())});
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(n.Stats().alerts_sent, 1u);
  EXPECT_EQ(n.Stats().send_errors, 0u);

  http::Request get;
  get.url = am->url() + "/api/v2/alerts";
  auto resp = http::Perform(get);
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->status, 200) << resp->body;
  auto alerts = nlohmann::json::parse(resp->body);
  ASSERT_EQ(alerts.size(), 1u) << resp->body;
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "PodPrivilegedMode");
  EXPECT_EQ(alerts[0]["labels"]["cluster"], "kind-1");
  EXPECT_EQ(alerts[0]["annotations"]["summary"], "privileged ledger-0");
  EXPECT_EQ(alerts[0]["status"]["state"], "active");
}

TEST(NotifierIntegrationTest, OneDeadAlertmanagerDoesNotFailTheBatch) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  auto dead = testing::FreeLoopbackPort();
  ASSERT_TRUE(dead.ok());
  NotifierOptions o;
  o.alertmanagers.push_back(Target(am->url(), std::chrono::seconds(5)));
  o.alertmanagers.push_back(Target("http://127.0.0.1:" + std::to_string(*dead),
                                   std::chrono::seconds(1)));
  Notifier n(o);
  n.Send({PodPrivileged("ledger-0", NowMs())});
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(n.Stats().alerts_sent, 1u);
  EXPECT_EQ(n.Stats().send_errors, 1u);
}

}  // namespace
}  // namespace vigil::notify
