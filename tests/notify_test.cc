#include "vigil/notify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "lib/model/wall_clock.h"
#include "tests/support/alertmanager_process.h"
#include "tests/support/wait_for.h"
#include "vigil/http_client.h"

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

// A target nobody listens on: sends fail fast, nothing blocks Send().
AlertmanagerTarget DeadTarget() {
  auto port = testing::FreeLoopbackPort();
  EXPECT_TRUE(port.ok());
  return Target("http://127.0.0.1:" + std::to_string(port.value_or(1)),
                std::chrono::seconds(1));
}

using testing::WaitFor;

TEST(NotifierTest, QueueOverflowDropsOldest) {
  NotifierOptions o;
  o.queue_capacity = 2;
  o.alertmanagers.push_back(DeadTarget());
  o.retry_initial_backoff = std::chrono::milliseconds(50);
  o.retry_max_backoff = std::chrono::milliseconds(100);
  Notifier n(o);
  std::vector<NotifierAlert> many;
  for (int i = 0; i < 5; ++i) {
    many.push_back(PodPrivileged("p" + std::to_string(i), WallClockMs()));
    many.back().ends_at_ms = WallClockMs() + 500;  // retried until then
  }
  n.Send(many);
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  NotifierStats s = n.Stats();
  EXPECT_EQ(s.alerts_sent, 0u);
  EXPECT_EQ(s.alerts_dropped, 5u);  // 3 by overflow, 2 expired in retry
  EXPECT_EQ(s.alerts_expired, 2u);
  EXPECT_GE(s.send_errors, 2u);
  EXPECT_GE(s.retries, 1u);
  EXPECT_EQ(s.queue_length, 0u);
}

TEST(NotifierTest, FailedBatchIsRetriedWithGrowingBackoff) {
  NotifierOptions o;
  o.alertmanagers.push_back(DeadTarget());
  o.retry_initial_backoff = std::chrono::milliseconds(50);
  o.retry_max_backoff = std::chrono::milliseconds(400);
  Notifier n(o);
  NotifierAlert a = PodPrivileged("ledger-0", WallClockMs());
  a.ends_at_ms = WallClockMs() + 1500;
  n.Send({a});
  EXPECT_FALSE(n.Flush(std::chrono::milliseconds(1000)))
      << "still retrying: undelivered";
  NotifierStats s = n.Stats();
  EXPECT_EQ(s.queue_length, 1u);
  // Tries at 0, 50, 150, 350, 750 ms, then every 400 ms: a handful, not
  // a busy loop.
  EXPECT_GE(s.retries, 2u);
  EXPECT_LE(s.retries, 6u);
  EXPECT_GE(s.send_errors, s.retries);  // one POST may be in flight
  EXPECT_LE(s.send_errors, s.retries + 1);
  ASSERT_TRUE(n.Flush(std::chrono::seconds(5)));
  EXPECT_EQ(n.Stats().alerts_expired, 1u);
}

TEST(NotifierTest, NewerCopySupersedesTheRetriedAlert) {
  NotifierOptions o;
  o.alertmanagers.push_back(DeadTarget());
  o.retry_initial_backoff = std::chrono::milliseconds(200);
  o.retry_max_backoff = std::chrono::milliseconds(200);
  Notifier n(o);
  NotifierAlert a = PodPrivileged("ledger-0", WallClockMs());
  a.ends_at_ms = WallClockMs() + 1000;
  n.Send({a});
  ASSERT_TRUE(WaitFor([&] { return n.Stats().send_errors >= 1; },
                      std::chrono::seconds(5)));
  a.annotations = Labels::FromStrings({"summary", "newer"});
  NotifierAlert other = PodPrivileged("other", WallClockMs());
  other.ends_at_ms = a.ends_at_ms;
  n.Send({a, other});
  ASSERT_TRUE(
      WaitFor([&] { return n.Stats().retries >= 1; }, std::chrono::seconds(5)));
  NotifierStats s = n.Stats();
  EXPECT_EQ(s.alerts_superseded, 1u);
  EXPECT_EQ(s.alerts_dropped, 1u);
  EXPECT_EQ(s.queue_length, 2u) << "the newer copy and the other pod";
  ASSERT_EQ(s.per_alertmanager.size(), 1u);
  EXPECT_EQ(s.per_alertmanager[0].alerts_superseded, 1u);
}

TEST(NotifierTest, StatsPerAlertmanagerAndApplyOptionsKeepsQueues) {
  NotifierOptions o;
  AlertmanagerTarget dead = DeadTarget();
  o.alertmanagers.push_back(dead);
  o.retry_initial_backoff = std::chrono::seconds(30);  // one try, then wait
  Notifier n(o);
  n.Send({PodPrivileged("ledger-0", WallClockMs())});
  ASSERT_TRUE(WaitFor([&] { return n.Stats().send_errors >= 1; },
                      std::chrono::seconds(5)));
  NotifierStats s = n.Stats();
  ASSERT_EQ(s.per_alertmanager.size(), 1u);
  EXPECT_EQ(s.per_alertmanager[0].url, dead.url);
  EXPECT_EQ(s.per_alertmanager[0].queue_length, 1u);

  // Same url: the queue stays. A second Alertmanager starts empty.
  NotifierOptions again = o;
  again.alertmanagers.push_back(DeadTarget());
  n.ApplyOptions(again);
  s = n.Stats();
  ASSERT_EQ(s.alertmanagers, 2u);
  EXPECT_EQ(s.per_alertmanager[0].queue_length, 1u);
  EXPECT_EQ(s.per_alertmanager[1].queue_length, 0u);
  EXPECT_EQ(s.send_errors, 1u);

  // Removed: its queue is dropped and counted, its counters kept.
  n.ApplyOptions(NotifierOptions{});
  s = n.Stats();
  EXPECT_EQ(s.alertmanagers, 0u);
  EXPECT_EQ(s.queue_length, 0u);
  EXPECT_EQ(s.alerts_dropped, 1u);
  EXPECT_EQ(s.send_errors, 1u);
  EXPECT_TRUE(n.Flush(std::chrono::milliseconds(100)));
}

TEST(NotifierTest, DestructorGivesUpRetryingAfterOneLastTry) {
  NotifierOptions o;
  o.alertmanagers.push_back(DeadTarget());
  o.retry_initial_backoff = std::chrono::seconds(10);
  auto n = std::make_unique<Notifier>(o);
  n->Send({PodPrivileged("ledger-0", WallClockMs())});  // valid for 4 minutes
  ASSERT_TRUE(WaitFor([&] { return n->Stats().send_errors >= 1; },
                      std::chrono::seconds(5)));
  const auto start = std::chrono::steady_clock::now();
  n.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2))
      << "neither the backoff nor the flush timeout is waited out";
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
  n.Send({PodPrivileged("keep", WallClockMs()),
          PodPrivileged("drop-me", WallClockMs())});
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
  n.Send({PodPrivileged("ledger-0", WallClockMs())});
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

TEST(NotifierIntegrationTest, DeadAlertmanagerDoesNotDelayTheOthers) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  NotifierOptions o;
  o.alertmanagers.push_back(DeadTarget());
  o.alertmanagers.push_back(Target(am->url(), std::chrono::seconds(5)));
  o.retry_initial_backoff = std::chrono::milliseconds(100);
  Notifier n(o);
  NotifierAlert a = PodPrivileged("ledger-0", WallClockMs());
  a.ends_at_ms = WallClockMs() + 1500;  // the dead one gives up then
  n.Send({a});
  ASSERT_TRUE(
      WaitFor([&] { return n.Stats().per_alertmanager[1].alerts_sent == 1; },
              std::chrono::seconds(5)));
  EXPECT_FALSE(n.Flush(std::chrono::milliseconds(300)))
      << "the dead Alertmanager still has it";
  NotifierStats s = n.Stats();
  EXPECT_EQ(s.alerts_sent, 1u);
  EXPECT_GE(s.per_alertmanager[0].send_errors, 1u);
  EXPECT_EQ(s.per_alertmanager[0].queue_length, 1u);
  EXPECT_EQ(s.per_alertmanager[1].send_errors, 0u);
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(n.Stats().per_alertmanager[0].alerts_expired, 1u);
}

TEST(NotifierIntegrationTest, RejectedBatchIsNotRetried) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  NotifierOptions o;
  o.alertmanagers.push_back(Target(am->url(), std::chrono::seconds(5)));
  o.retry_initial_backoff = std::chrono::milliseconds(50);
  Notifier n(o);
  NotifierAlert a = PodPrivileged("ledger-0", WallClockMs());
  // Alertmanager answers 400 to an invalid label name.
  a.labels = Labels::FromStrings({"alertname", "A", "bad-name", "x"});
  n.Send({a});
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  NotifierStats s = n.Stats();
  EXPECT_EQ(s.send_errors, 1u);
  EXPECT_EQ(s.retries, 0u);
  EXPECT_EQ(s.alerts_dropped, 1u);
}

}  // namespace
}  // namespace vigil::notify
