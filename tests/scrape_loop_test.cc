// Scrapes of a real HTTP server on 127.0.0.1 into a tsdb::Head.
#include "lib/scrape/scrape_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "lib/scrape/target.h"
#include "tests/support/scrape_loop_target.h"
#include "tests/support/storage_dump.h"
#include "tests/support/test_http_server.h"
#include "tests/support/wait_for.h"
#include "vigil/scrape.h"
#include "vigil/storage.h"
#include "vigil/tsdb.h"

namespace vigil::scrape {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vigil::testing::TestHttpServer;

constexpr char kTextType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kOpenMetricsType[] =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

std::map<std::string, std::vector<Sample>> Dump(tsdb::Head& head) {
  return vigil::testing::DumpAllSeries(head);
}

class ScrapeLoopTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  std::unique_ptr<ScrapeLoop> MakeLoop(const std::string& extra_yaml = "",
                                       ScrapeFailureHandler on_failure = {}) {
    config_ = vigil::testing::OneJobConfig(server_.address(), extra_yaml);
    LoopTarget t = vigil::testing::LoopTargetOf(config_);
    return std::make_unique<ScrapeLoop>(t, &head_, 0, nullptr,
                                        std::move(on_failure));
  }

  std::string Instance() const {
    return "instance=\"" + server_.address() + "\"";
  }
  std::string Key(const std::string& name, const std::string& extra = "") {
    return name + "{" + extra + Instance() + ", job=\"app\"}";
  }

  TestHttpServer server_;
  tsdb::Head head_;
  std::shared_ptr<const ScrapeConfig> config_;
};

TEST_F(ScrapeLoopTest, TextFormatSamplesAndReport) {
  server_.SetReply(
      "/metrics",
      {200, kTextType, "# TYPE a counter\na_total 3\nb{x=\"1\"} 4.5\n", false});
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  auto data = Dump(head_);
  ASSERT_TRUE(data.contains(Key("a_total")));
  EXPECT_EQ(data[Key("a_total")][0].t, 1000);
  EXPECT_EQ(data[Key("a_total")][0].v, 3);
  EXPECT_EQ(data[Key("b", "")].size(), 0u);  // b has label x
  const std::string b = "b{" + Instance() + ", job=\"app\", x=\"1\"}";
  ASSERT_TRUE(data.contains(b)) << b;
  EXPECT_EQ(data[b][0].v, 4.5);
  EXPECT_EQ(data[Key("up")][0].v, 1);
  EXPECT_EQ(data[Key("scrape_samples_scraped")][0].v, 2);
  EXPECT_EQ(data[Key("scrape_samples_post_metric_relabeling")][0].v, 2);
  EXPECT_EQ(data[Key("scrape_series_added")][0].v, 2);
  EXPECT_TRUE(data.contains(Key("scrape_duration_seconds")));
  EXPECT_EQ(loop->status().health, TargetHealth::kUp);

  const auto req = server_.LastRequest("/metrics");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.headers.at("accept"), std::string(kScrapeAcceptHeader));
  EXPECT_EQ(req.headers.at("x-prometheus-scrape-timeout-seconds"), "10");
  EXPECT_THAT(req.headers.at("accept-encoding"), HasSubstr("gzip"));
}

TEST_F(ScrapeLoopTest, OpenMetricsGzipAndTimestamps) {
  server_.SetReply("/metrics",
                   {200, kOpenMetricsType,
                    "# TYPE c counter\nc_total 7 2.5\n# EOF\n", true});
  auto loop = MakeLoop();
  loop->ScrapeOnce(5000);
  auto data = Dump(head_);
  ASSERT_TRUE(data.contains(Key("c_total")));
  // honor_timestamps (default true): the exposed 2.5s is kept.
  EXPECT_EQ(data[Key("c_total")][0].t, 2500);
  EXPECT_EQ(data[Key("up")][0].v, 1);
}

TEST_F(ScrapeLoopTest, HonorTimestampsFalseUsesScrapeTime) {
  server_.SetReply("/metrics", {200, kTextType, "c 7 2500\n", false});
  auto loop = MakeLoop("  honor_timestamps: false\n");
  loop->ScrapeOnce(5000);
  EXPECT_EQ(Dump(head_)[Key("c")][0].t, 5000);
}

TEST_F(ScrapeLoopTest, MetricRelabelAndConflicts) {
  server_.SetReply(
      "/metrics",
      {200, kTextType, "keep_me{job=\"exposed\",instance=\"i\"} 1\ndrop_me 2\n",
       false});
  auto loop = MakeLoop(
      "  metric_relabel_configs:\n"
      "  - source_labels: [__name__]\n    regex: drop_.*\n    action: drop\n");
  loop->ScrapeOnce(1000);
  auto data = Dump(head_);
  const std::string kept =
      "keep_me{exported_instance=\"i\", "
      "exported_job=\"exposed\", " +
      Instance() + ", job=\"app\"}";
  EXPECT_TRUE(data.contains(kept)) << kept;
  EXPECT_FALSE(data.contains(Key("drop_me")));
  EXPECT_EQ(data[Key("scrape_samples_scraped")][0].v, 2);
  EXPECT_EQ(data[Key("scrape_samples_post_metric_relabeling")][0].v, 1);
}

TEST_F(ScrapeLoopTest, HonorLabelsKeepsExposedValues) {
  server_.SetReply("/metrics",
                   {200, kTextType, "m{job=\"exposed\"} 1\n", false});
  auto loop = MakeLoop("  honor_labels: true\n");
  loop->ScrapeOnce(1000);
  auto data = Dump(head_);
  EXPECT_TRUE(data.contains("m{" + Instance() + ", job=\"exposed\"}"));
}

TEST_F(ScrapeLoopTest, SampleLimitFailsScrapeWithStaleMarkers) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false});
  auto loop = MakeLoop("  sample_limit: 2\n");
  loop->ScrapeOnce(1000);
  server_.SetReply("/metrics", {200, kTextType, "a 1\nb 2\nc 3\n", false});
  loop->ScrapeOnce(2000);
  auto data = Dump(head_);
  EXPECT_EQ(loop->status().health, TargetHealth::kDown);
  EXPECT_EQ(loop->status().last_error, "sample limit exceeded");
  ASSERT_EQ(data[Key("up")].size(), 2u);
  EXPECT_EQ(data[Key("up")][1].v, 0);
  // Nothing of the failed scrape was stored; `a` got a staleness marker.
  EXPECT_FALSE(data.contains(Key("b")));
  ASSERT_EQ(data[Key("a")].size(), 2u);
  EXPECT_EQ(data[Key("a")][1].t, 2000);
  EXPECT_TRUE(IsStaleNaN(data[Key("a")][1].v));
}

TEST_F(ScrapeLoopTest, DisappearedSeriesGetStaleMarker) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\nb 2\n", false});
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false});
  loop->ScrapeOnce(2000);
  auto data = Dump(head_);
  ASSERT_EQ(data[Key("b")].size(), 2u);
  EXPECT_TRUE(IsStaleNaN(data[Key("b")][1].v));
  ASSERT_EQ(data[Key("a")].size(), 2u);
  EXPECT_EQ(data[Key("a")][1].v, 1);
  EXPECT_EQ(data[Key("scrape_series_added")][1].v, 0);
}

// The scrape cache keeps refs, not label sets; when the Head has collected
// a series, the next scrape rebuilds its labels (relabeling included).
TEST_F(ScrapeLoopTest, SeriesCollectedByGcIsRecreatedWithItsLabels) {
  server_.SetReply("/metrics", {200, kTextType, "a{x=\"1\"} 1\n", false});
  auto loop = MakeLoop(
      "  metric_relabel_configs:\n"
      "  - target_label: team\n    replacement: payments\n");
  loop->ScrapeOnce(1000);
  const std::string key =
      "a{" + Instance() + ", job=\"app\", team=\"payments\", x=\"1\"}";
  ASSERT_TRUE(Dump(head_).contains(key));
  const int64_t later = 1000 + tsdb::kDefaultRetentionMs + 60'000;
  head_.RunGc(later);
  ASSERT_EQ(head_.Stats().series, 0u);
  server_.SetReply("/metrics", {200, kTextType, "a{x=\"1\"} 2\n", false});
  loop->ScrapeOnce(later + 10'000);
  auto data = Dump(head_);
  ASSERT_EQ(data[key].size(), 1u) << ::testing::PrintToString(data);
  EXPECT_EQ(data[key][0].v, 2);
  EXPECT_EQ(data[Key("up")].back().v, 1);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp);

  // A series gone from the payload after GC collected it needs no marker
  // and gets none (it is not recreated just to be marked stale).
  head_.RunGc(later + 10'000 + tsdb::kDefaultRetentionMs + 60'000);
  server_.SetReply("/metrics", {200, kTextType, "b 1\n", false});
  loop->ScrapeOnce(later + 10'000 + tsdb::kDefaultRetentionMs + 70'000);
  data = Dump(head_);
  EXPECT_FALSE(data.contains(key));
  EXPECT_TRUE(
      data.contains("b{" + Instance() + ", job=\"app\", team=\"payments\"}"));
}

TEST_F(ScrapeLoopTest, HttpErrorIsDown) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false});
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  server_.SetReply("/metrics", {500, kTextType, "boom", false});
  loop->ScrapeOnce(2000);
  EXPECT_EQ(loop->status().last_error,
            "server returned HTTP status 500 Internal Server Error");
  auto data = Dump(head_);
  EXPECT_EQ(data[Key("up")][1].v, 0);
  EXPECT_TRUE(IsStaleNaN(data[Key("a")][1].v));
}

TEST_F(ScrapeLoopTest, BlankContentTypeFailsWithoutFallback) {
  server_.SetReply("/metrics", {200, "", "a 1\n", false});
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  EXPECT_THAT(loop->status().last_error, HasSubstr("blank Content-Type"));
  auto loop2 = MakeLoop("  fallback_scrape_protocol: PrometheusText0.0.4\n");
  loop2->ScrapeOnce(2000);
  EXPECT_EQ(loop2->status().health, TargetHealth::kUp);
}

TEST_F(ScrapeLoopTest, StopWithStaleness) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false});
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  loop->Stop(/*mark_stale=*/true);
  auto data = Dump(head_);
  ASSERT_EQ(data[Key("a")].size(), 2u);
  EXPECT_TRUE(IsStaleNaN(data[Key("a")][1].v));
  EXPECT_TRUE(IsStaleNaN(data[Key("up")].back().v));
}

// --- Targets that misbehave: slow, hung, oversized, garbage. ---

TEST_F(ScrapeLoopTest, SlowTargetWithinTimeoutIsUp) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false, 300});
  auto loop = MakeLoop("  scrape_timeout: 5s\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp)
      << loop->status().last_error;
  auto data = Dump(head_);
  EXPECT_EQ(data[Key("a")][0].v, 1);
  EXPECT_GE(data[Key("scrape_duration_seconds")][0].v, 0.3);
}

TEST_F(ScrapeLoopTest, TimedOutTargetIsDownAndKeepsStoredData) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false});
  std::vector<ScrapeFailure> failures;
  auto loop = MakeLoop("  scrape_timeout: 300ms\n",
                       [&](const ScrapeFailure& f) { failures.push_back(f); });
  loop->ScrapeOnce(1000);
  server_.SetReply("/metrics", {200, kTextType, "a 2\n", false, 2000});
  const auto start = std::chrono::steady_clock::now();
  loop->ScrapeOnce(2000);
  // The timeout, not the target, ends the scrape.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  const std::string url = "http://" + server_.address() + "/metrics";
  EXPECT_EQ(loop->status().last_error,
            "Get \"" + url + "\": context deadline exceeded");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].scrape_pool, "app");
  EXPECT_EQ(failures[0].scrape_url, url);
  EXPECT_EQ(failures[0].error, loop->status().last_error);
  EXPECT_EQ(failures[0].timestamp_ms, 2000);
  auto data = Dump(head_);
  EXPECT_EQ(data[Key("up")][1].v, 0);
  ASSERT_EQ(data[Key("a")].size(), 2u);
  EXPECT_EQ(data[Key("a")][0].v, 1);  // what was stored stays
  EXPECT_TRUE(IsStaleNaN(data[Key("a")][1].v));
}

TEST_F(ScrapeLoopTest, OversizedBodyFailsTheScrape) {
  std::string big;
  for (int i = 0; i < 500; ++i) big.append("m" + std::to_string(i) + " 1\n");
  ASSERT_GT(big.size(), 2048u);
  server_.SetReply("/metrics", {200, kTextType, big, false});
  auto loop = MakeLoop("  body_size_limit: 2KB\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().last_error, "body size limit exceeded");
  auto data = Dump(head_);
  EXPECT_EQ(data[Key("up")][0].v, 0);
  EXPECT_FALSE(data.contains(Key("m0")));
  // The limit applies to the decompressed body: gzip is no way around it.
  server_.SetReply("/metrics", {200, kTextType, big, true});
  loop->ScrapeOnce(2000);
  EXPECT_EQ(loop->status().last_error, "body size limit exceeded");
  // Within the limit the same target is fine.
  server_.SetReply("/metrics", {200, kTextType, "m0 1\n", true});
  loop->ScrapeOnce(3000);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp);
}

TEST_F(ScrapeLoopTest, GarbagePayloadFailsWithPositionAndKeepsStoredData) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\nb 2\n", false});
  std::vector<ScrapeFailure> failures;
  auto loop =
      MakeLoop("", [&](const ScrapeFailure& f) { failures.push_back(f); });
  loop->ScrapeOnce(1000);
  // Line 2 has an unterminated label set: nothing of this scrape is kept,
  // not even the valid line before it.
  server_.SetReply("/metrics",
                   {200, kTextType, "a 5\nb{x=\"1\" 2\nc 3\n", false});
  loop->ScrapeOnce(2000);
  EXPECT_EQ(loop->status().health, TargetHealth::kDown);
  EXPECT_THAT(loop->status().last_error, ::testing::StartsWith("line 2, "));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_THAT(failures[0].error, ::testing::StartsWith("line 2, "));
  auto data = Dump(head_);
  ASSERT_EQ(data[Key("a")].size(), 2u);
  EXPECT_EQ(data[Key("a")][0].v, 1);
  EXPECT_TRUE(IsStaleNaN(data[Key("a")][1].v));
  EXPECT_FALSE(data.contains(Key("c")));
  EXPECT_EQ(data[Key("up")][1].v, 0);
}

TEST_F(ScrapeLoopTest, BinaryGarbageIsAnErrorNotACrash) {
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    junk.push_back(static_cast<char>(x >> 24));
  }
  for (const char* type : {kTextType, kOpenMetricsType}) {
    server_.SetReply("/metrics", {200, type, junk, false});
    auto loop = MakeLoop();
    loop->ScrapeOnce(1000);
    EXPECT_EQ(loop->status().health, TargetHealth::kDown) << type;
    EXPECT_THAT(loop->status().last_error, ::testing::StartsWith("line "))
        << type;
  }
}

TEST_F(ScrapeLoopTest, ManagerScrapesAndReportsTargets) {
  server_.SetReply("/metrics", {200, kTextType, "a 1\n", false});
  auto cfgs = ParseScrapeConfigs(
      "- job_name: app\n  scrape_interval: 200ms\n  scrape_timeout: 190ms\n"
      "  static_configs:\n  - targets: ['" +
          server_.address() +
          "', 'drop.me:1']\n"
          "  relabel_configs:\n  - source_labels: [__address__]\n"
          "    regex: drop.*\n    action: drop\n",
      "s.yml");
  ASSERT_TRUE(cfgs.ok()) << cfgs.status();
  ScrapeManager manager(&head_);
  ASSERT_TRUE(manager.ApplyConfig(*cfgs).ok());
  ASSERT_EQ(manager.DroppedTargets().size(), 1u);
  EXPECT_EQ(manager.DroppedTargets()[0].discovered_labels.Get("__address__"),
            "drop.me:1");
  // Wait (bounded) for a successful scrape: on a loaded machine one can
  // miss its timeout, and the next one then succeeds.
  for (int i = 0;
       i < 1500 && manager.ActiveTargets()[0].health != TargetHealth::kUp;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto active = manager.ActiveTargets();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].health, TargetHealth::kUp) << active[0].last_error;
  EXPECT_EQ(active[0].scrape_url, "http://" + server_.address() + "/metrics");
  EXPECT_EQ(active[0].labels.Get("job"), "app");
  // Reload with the same config keeps the loop (its status survives).
  ASSERT_TRUE(manager.ApplyConfig(*cfgs).ok());
  EXPECT_NE(manager.ActiveTargets()[0].last_scrape_ms, 0);
  // Removing the job ends the target's series with staleness markers.
  ASSERT_TRUE(manager.ApplyConfig({}).ok());
  EXPECT_TRUE(manager.ActiveTargets().empty());
  const auto a = Dump(head_)[Key("a")];
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(IsStaleNaN(a.back().v));
  manager.Stop();
}

TEST_F(ScrapeLoopTest, KeepsTheFamiliesMetadataUntilLongGone) {
  server_.SetReply("/metrics",
                   {200, kOpenMetricsType,
                    "# TYPE size_bytes gauge\n# UNIT size_bytes bytes\n"
                    "# HELP size_bytes Size \\\\ of \\\"it\\\".\nsize_bytes 3\n"
                    "# HELP requests Requests.\n# TYPE requests counter\n"
                    "requests_total 1\n# HELP nameless Only help.\n# EOF\n",
                    false});
  auto loop = MakeLoop();
  EXPECT_TRUE(loop->metadata()->empty());
  loop->ScrapeOnce(1000);
  const std::vector<MetricMetadata> first = *loop->metadata();
  EXPECT_EQ(first, (std::vector<MetricMetadata>{
                       {"nameless", "unknown", "Only help.", ""},
                       {"requests", "counter", "Requests.", ""},
                       {"size_bytes", "gauge", "Size \\ of \"it\".", "bytes"},
                   }));
  // An unchanged scrape republishes nothing: readers keep sharing a copy.
  const auto before = loop->metadata();
  loop->ScrapeOnce(2000);
  EXPECT_EQ(loop->metadata(), before);

  // A family that is gone stays for kCacheEvictAfterScrapes more scrapes,
  // as Prometheus keeps it for 10, and goes with the next one.
  server_.SetReply("/metrics", {200, kTextType,
                                "# HELP requests Requests, now.\n"
                                "# TYPE requests counter\nrequests 2\n",
                                false});
  for (uint64_t i = 0; i < kCacheEvictAfterScrapes; ++i) {
    loop->ScrapeOnce(3000 + static_cast<int64_t>(i) * 1000);
  }
  EXPECT_EQ(loop->metadata()->size(), 3u);
  EXPECT_EQ((*loop->metadata())[1].help, "Requests, now.");
  loop->ScrapeOnce(20000);
  EXPECT_EQ(*loop->metadata(),
            (std::vector<MetricMetadata>{
                {"requests", "counter", "Requests, now.", ""},
            }));
}

TEST_F(ScrapeLoopTest, ManagerMetadataHasEachDistinctEntryOnce) {
  server_.SetReply(
      "/metrics",
      {200, kTextType, "# HELP x First.\n# TYPE x gauge\nx 1\n", false});
  server_.SetReply(
      "/other",
      {200, kTextType, "# HELP x Second.\n# TYPE x gauge\nx 1\n", false});
  std::string yaml;
  for (const char* job : {"a", "b", "c"}) {
    yaml += std::string("- job_name: ") + job +
            "\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n" +
            (std::string(job) == "c" ? "  metrics_path: /other\n" : "") +
            "  static_configs:\n  - targets: ['" + server_.address() + "']\n";
  }
  auto cfgs = ParseScrapeConfigs(yaml, "s.yml");
  ASSERT_TRUE(cfgs.ok()) << cfgs.status();
  ScrapeManager manager(&head_);
  ASSERT_TRUE(manager.ApplyConfig(*cfgs).ok());
  ASSERT_TRUE(vigil::testing::WaitFor(
      [&] {
        for (const ActiveTarget& t : manager.ActiveTargets()) {
          if (t.last_scrape_ms == 0) return false;
        }
        return true;
      },
      std::chrono::seconds(10)));
  std::vector<MetricMetadata> got = manager.Metadata();
  std::sort(got.begin(), got.end(),
            [](const auto& a, const auto& b) { return a.help < b.help; });
  EXPECT_EQ(got, (std::vector<MetricMetadata>{{"x", "gauge", "First.", ""},
                                              {"x", "gauge", "Second.", ""}}));
  manager.Stop();
}

}  // namespace
}  // namespace vigil::scrape
