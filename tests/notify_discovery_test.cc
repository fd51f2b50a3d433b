// Alertmanager discovery: static_configs and file_sd_configs, relabeled as
// Prometheus's notifier relabels them, and a Notifier following its files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "lib/model/wall_clock.h"
#include "lib/notify/alertmanager_discovery.h"
#include "tests/support/wait_for.h"
#include "vigil/notify.h"

namespace vigil::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

discovery::TargetGroup Group(std::vector<std::string> addresses,
                             Labels labels = {}) {
  discovery::TargetGroup g;
  for (const std::string& a : addresses) {
    g.targets.push_back(Labels::FromStrings({"__address__", a}));
  }
  g.labels = std::move(labels);
  g.source = "0";
  return g;
}

relabel::Config Relabel(std::string_view yaml) {
  auto configs = relabel::ParseConfigs(yaml);
  EXPECT_TRUE(configs.ok()) << configs.status();
  EXPECT_EQ(configs.ok() ? configs->size() : 0u, 1u);
  return configs.ok() && !configs->empty() ? (*configs)[0] : relabel::Config{};
}

std::vector<std::string> Urls(const std::vector<AlertmanagerTarget>& ts) {
  std::vector<std::string> out;
  for (const AlertmanagerTarget& t : ts) out.push_back(AlertsUrl(t));
  return out;
}

TEST(AlertmanagerDiscoveryTest, StaticTargetsGetSchemePrefixAndClient) {
  AlertmanagerConfig c;
  c.scheme = "https";
  c.path_prefix = "/alertmanager/";
  c.timeout = std::chrono::seconds(3);
  c.client.bearer_token = "secret";
  ResolvedAlertmanagers r;
  ResolveAlertmanagers(c, {Group({"am-0:9093", "am-1:9093", "am-0:9093"})}, r);
  EXPECT_THAT(Urls(r.active),
              ElementsAre("https://am-0:9093/alertmanager/api/v2/alerts",
                          "https://am-1:9093/alertmanager/api/v2/alerts"))
      << "the trailing slash of the prefix goes, duplicates collapse";
  ASSERT_EQ(r.active.size(), 2u);
  EXPECT_EQ(r.active[0].bearer_token, "secret");
  EXPECT_EQ(r.active[0].timeout, std::chrono::seconds(3));
  EXPECT_THAT(r.dropped, IsEmpty());
  EXPECT_THAT(r.errors, IsEmpty());
}

TEST(AlertmanagerDiscoveryTest, RelabelingDropsAndRewrites) {
  AlertmanagerConfig c;
  // Keep only the group labelled role=alerting, then serve it under /v2.
  c.relabel_configs.push_back(Relabel(R"(
- source_labels: [role]
  regex: alerting
  action: keep
)"));
  c.relabel_configs.push_back(Relabel(R"(
- target_label: __alerts_path__
  replacement: /v2/api/v2/alerts
)"));
  ResolvedAlertmanagers r;
  ResolveAlertmanagers(
      c,
      {Group({"am-0:9093"}, Labels::FromStrings({"role", "alerting"})),
       Group({"other:9093"}, Labels::FromStrings({"role", "web"}))},
      r);
  EXPECT_THAT(Urls(r.active), ElementsAre("http://am-0:9093/v2/api/v2/alerts"));
  EXPECT_THAT(r.dropped, ElementsAre("http://other:9093/api/v2/alerts"))
      << "dropped ones are listed by their URL before relabeling";
}

TEST(AlertmanagerDiscoveryTest, RelativeAlertsPathGetsItsSlash) {
  AlertmanagerConfig c;
  c.relabel_configs.push_back(Relabel(R"(
- target_label: __alerts_path__
  replacement: am/api/v2/alerts
)"));
  ResolvedAlertmanagers r;
  ResolveAlertmanagers(c, {Group({"am-0:9093"})}, r);
  EXPECT_THAT(Urls(r.active), ElementsAre("http://am-0:9093/am/api/v2/alerts"));
}

TEST(AlertmanagerDiscoveryTest, UnusableAddressesAreErrorsNotTargets) {
  AlertmanagerConfig c;
  c.relabel_configs.push_back(Relabel(R"(
- source_labels: [__address__]
  regex: bad
  target_label: __address__
  replacement: host/path
)"));
  ResolvedAlertmanagers r;
  ResolveAlertmanagers(c, {Group({"bad", "am-0:9093"})}, r);
  EXPECT_THAT(Urls(r.active), ElementsAre("http://am-0:9093/api/v2/alerts"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("\"host/path\" is not a valid hostname"));
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "vigil-am-discovery-XXXXXX")
            .string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(std::string_view name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

void Write(const std::string& path, std::string_view text) {
  // Written aside and renamed, as tools that generate file_sd files do, so
  // the watcher never reads half a file.
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << text;
  std::filesystem::rename(tmp, path);
}

using testing::WaitFor;

NotifierOptions FileSdOptions(const std::string& file,
                              std::chrono::milliseconds refresh) {
  AlertmanagerConfig c;
  c.timeout = std::chrono::milliseconds(500);
  discovery::FileSdConfig sd;
  sd.files = {file};
  sd.refresh_interval_ms = refresh.count();
  c.file_sd_configs.push_back(sd);
  NotifierOptions o;
  o.alertmanager_configs.push_back(std::move(c));
  // Nothing listens on these ports: sends fail and alerts stay queued.
  o.retry_initial_backoff = std::chrono::seconds(30);
  return o;
}

TEST(NotifierDiscoveryTest, FollowsItsFileSdFile) {
  TempDir dir;
  const std::string file = dir.File("alertmanagers.yml");
  Write(file, "- targets: ['127.0.0.1:1', '127.0.0.1:2']\n");
  std::mutex mu;
  std::vector<std::string> errors;
  NotifierOptions o = FileSdOptions(file, std::chrono::hours(1));
  o.on_discovery_error = [&](const std::string& e) {
    std::lock_guard lock(mu);
    errors.push_back(e);
  };
  Notifier n(o);
  EXPECT_THAT(n.Alertmanagers().active,
              ElementsAre("http://127.0.0.1:1/api/v2/alerts",
                          "http://127.0.0.1:2/api/v2/alerts"))
      << "read when the options are applied";

  Write(file, "- targets: ['127.0.0.1:2']\n  labels: {zone: b}\n");
  n.RefreshDiscovery();
  EXPECT_THAT(n.Alertmanagers().active,
              ElementsAre("http://127.0.0.1:2/api/v2/alerts"));
  EXPECT_EQ(n.Stats().alertmanagers, 1u);

  // A broken file keeps the last good Alertmanagers and says why.
  Write(file, "- targets: [127.0.0.1:3\n");
  n.RefreshDiscovery();
  EXPECT_THAT(n.Alertmanagers().active,
              ElementsAre("http://127.0.0.1:2/api/v2/alerts"));
  std::lock_guard lock(mu);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr(file + ":"));
}

TEST(NotifierDiscoveryTest, RefreshesOnItsOwnAndKeepsQueuesOfKeptTargets) {
  TempDir dir;
  const std::string file = dir.File("alertmanagers.json");
  Write(file, R"([{"targets": ["127.0.0.1:1"]}])");
  Notifier n(FileSdOptions(file, std::chrono::milliseconds(50)));
  NotifierAlert a;
  a.labels = Labels::FromStrings({"alertname", "PodPrivilegedMode"});
  a.ends_at_ms = WallClockMs() + 600000;
  n.Send({a});
  ASSERT_TRUE(WaitFor([&] { return n.Stats().send_errors >= 1; },
                      std::chrono::seconds(5)));

  Write(file, R"([{"targets": ["127.0.0.1:1", "127.0.0.1:2"]}])");
  ASSERT_TRUE(WaitFor([&] { return n.Alertmanagers().active.size() == 2; },
                      std::chrono::seconds(5)))
      << "no RefreshDiscovery() call: the refresh_interval does it";
  const NotifierStats s = n.Stats();
  ASSERT_EQ(s.per_alertmanager.size(), 2u);
  EXPECT_EQ(s.per_alertmanager[0].alerts_url,
            "http://127.0.0.1:1/api/v2/alerts");
  EXPECT_EQ(s.per_alertmanager[0].queue_length, 1u)
      << "the Alertmanager that stayed kept its queued alert";
  EXPECT_EQ(s.per_alertmanager[1].queue_length, 0u);
  EXPECT_EQ(s.alerts_dropped, 0u);
}

TEST(NotifierDiscoveryTest, ANewRefreshIntervalAppliesAtOnce) {
  TempDir dir;
  const std::string file = dir.File("alertmanagers.yml");
  Write(file, "- targets: ['127.0.0.1:1']\n");
  Notifier n(FileSdOptions(file, std::chrono::hours(1)));
  // A reload shortens the interval: the hour-long wait must not hold.
  n.ApplyOptions(FileSdOptions(file, std::chrono::milliseconds(50)));
  Write(file, "- targets: ['127.0.0.1:1', '127.0.0.1:2']\n");
  EXPECT_TRUE(WaitFor([&] { return n.Alertmanagers().active.size() == 2; },
                      std::chrono::seconds(5)));
}

TEST(NotifierDiscoveryTest, StaticAndDroppedAlertmanagersAreListed) {
  AlertmanagerConfig c;
  c.static_configs.push_back(Group({"127.0.0.1:1", "127.0.0.1:2"}));
  c.relabel_configs.push_back(Relabel(R"(
- source_labels: [__address__]
  regex: .*:2
  action: drop
)"));
  NotifierOptions o;
  o.alertmanager_configs.push_back(c);
  Notifier n(o);
  const AlertmanagerUrls urls = n.Alertmanagers();
  EXPECT_THAT(urls.active, ElementsAre("http://127.0.0.1:1/api/v2/alerts"));
  EXPECT_THAT(urls.dropped, ElementsAre("http://127.0.0.1:2/api/v2/alerts"));

  // A reload without Alertmanagers empties both lists.
  n.ApplyOptions(NotifierOptions{});
  EXPECT_THAT(n.Alertmanagers().active, IsEmpty());
  EXPECT_THAT(n.Alertmanagers().dropped, IsEmpty());
}

}  // namespace
}  // namespace vigil::notify
