// The notifier against the real Alertmanager (Debian's
// prometheus-alertmanager): outages and resolution.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "lib/model/wall_clock.h"
#include "tests/support/alertmanager_process.h"
#include "vigil/http_client.h"
#include "vigil/notify.h"

namespace vigil::notify {
namespace {

using std::chrono::milliseconds;

NotifierAlert Firing(std::string pod, int64_t now_ms) {
  NotifierAlert a;
  a.labels = Labels::FromStrings(
      {"alertname", "PodPrivilegedMode", "pod", pod, "namespace", "payments"});
  a.annotations = Labels::FromStrings({"summary", "privileged " + pod});
  a.starts_at_ms = now_ms - 60000;
  a.ends_at_ms = now_ms + 240000;  // Prometheus: 4 resend delays ahead
  return a;
}

NotifierOptions Options(const std::string& url) {
  NotifierOptions o;
  AlertmanagerTarget t;
  t.url = url;
  t.timeout = std::chrono::seconds(2);
  o.alertmanagers.push_back(t);
  o.retry_initial_backoff = milliseconds(200);
  o.retry_max_backoff = milliseconds(800);
  return o;
}

// GET /api/v2/alerts: the alerts Alertmanager holds active (it leaves out
// those whose endsAt has passed).
nlohmann::json ActiveAlerts(const std::string& url) {
  http::Request get;
  get.url = url + "/api/v2/alerts";
  auto resp = http::Perform(get);
  EXPECT_TRUE(resp.ok()) << resp.status();
  if (!resp.ok()) return nlohmann::json::array();
  EXPECT_EQ(resp->status, 200) << resp->body;
  return nlohmann::json::parse(resp->body);
}

std::set<std::string> Pods(const nlohmann::json& alerts) {
  std::set<std::string> pods;
  for (const auto& a : alerts) pods.insert(a["labels"]["pod"]);
  return pods;
}

TEST(NotifierAlertmanagerTest, AlertsSentDuringAnOutageArriveAfterRestart) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  Notifier n(Options(am->url()));
  am->Stop();

  // Two resend intervals of 500 ms while it is down: every round resends
  // the pods already firing (as the rules layer does) and adds one.
  constexpr milliseconds kResend(500);
  std::set<std::string> want;
  for (int round = 0; round < 3; ++round) {
    want.insert("p" + std::to_string(round));
    std::vector<NotifierAlert> batch;
    for (const std::string& pod : want)
      batch.push_back(Firing(pod, WallClockMs()));
    const uint64_t errors = n.Stats().send_errors;
    n.Send(batch);
    // Every copy fails at least once, so what arrives later came by retry.
    const auto deadline = std::chrono::steady_clock::now() + kResend * 4;
    while (n.Stats().send_errors == errors &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_GT(n.Stats().send_errors, errors);
    if (round < 2) std::this_thread::sleep_for(kResend);
  }
  EXPECT_FALSE(n.Flush(milliseconds(100))) << "nobody to deliver to";
  NotifierStats during = n.Stats();
  EXPECT_EQ(during.alerts_sent, 0u);
  EXPECT_GE(during.retries, 1u);
  EXPECT_GE(during.alerts_superseded, 1u) << "resends replace queued copies";
  EXPECT_EQ(during.alerts_expired, 0u);

  ASSERT_TRUE(am->Restart().ok());
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(Pods(ActiveAlerts(am->url())), want) << "none lost";
  NotifierStats after = n.Stats();
  EXPECT_EQ(after.alerts_sent, want.size()) << "only the newest copies";
  EXPECT_GT(after.retries, during.retries);
  EXPECT_EQ(after.alerts_expired, 0u);
  EXPECT_EQ(after.alerts_dropped, after.alerts_superseded)
      << "only superseded copies were let go";
}

TEST(NotifierAlertmanagerTest, ResolvedAlertIsNoLongerActive) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  Notifier n(Options(am->url()));

  NotifierAlert a = Firing("ledger-0", WallClockMs());
  n.Send({a, Firing("ledger-1", WallClockMs())});
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  nlohmann::json firing = ActiveAlerts(am->url());
  EXPECT_EQ(Pods(firing), (std::set<std::string>{"ledger-0", "ledger-1"}));
  for (const auto& f : firing) EXPECT_EQ(f["status"]["state"], "active");

  // Prometheus resolves by resending with endsAt = the resolve time.
  a.ends_at_ms = WallClockMs();
  n.Send({a});
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  std::this_thread::sleep_for(milliseconds(10));  // endsAt strictly past
  EXPECT_EQ(Pods(ActiveAlerts(am->url())), std::set<std::string>{"ledger-1"});
  EXPECT_EQ(n.Stats().alerts_sent, 3u);
  EXPECT_EQ(n.Stats().send_errors, 0u);
}

TEST(NotifierAlertmanagerTest, ResolveSentDuringAnOutageArrivesAfterRestart) {
  auto am = testing::AlertmanagerProcess::Start();
  ASSERT_TRUE(am.ok()) << am.status();
  Notifier n(Options(am->url()));
  am->Stop();

  // A resolve carries an endsAt already past; it must not count as expired
  // while Alertmanager is down, or the alert would stay firing there.
  NotifierAlert resolve = Firing("ledger-0", WallClockMs());
  resolve.ends_at_ms = WallClockMs() - 1000;
  n.Send({resolve});
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (n.Stats().retries < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  NotifierStats during = n.Stats();
  ASSERT_GE(during.retries, 2u) << "retried, not dropped";
  EXPECT_EQ(during.alerts_expired, 0u);
  EXPECT_EQ(during.queue_length, 1u);

  ASSERT_TRUE(am->Restart().ok());
  ASSERT_TRUE(n.Flush(std::chrono::seconds(10)));
  EXPECT_EQ(n.Stats().alerts_sent, 1u);
  EXPECT_EQ(n.Stats().alerts_dropped, 0u);
}

}  // namespace
}  // namespace vigil::notify
