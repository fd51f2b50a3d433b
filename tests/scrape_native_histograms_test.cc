// Scraping the protobuf format: content negotiation, native histograms
// (and the settings that shape them) into a store that records every
// append, classic and custom-bucket histograms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "lib/scrape/scrape_cache.h"
#include "lib/scrape/scrape_loop.h"
#include "tests/support/proto_payload.h"
#include "tests/support/scrape_loop_target.h"
#include "tests/support/storage_dump.h"
#include "tests/support/test_http_server.h"
#include "vigil/scrape.h"
#include "vigil/storage.h"
#include "vigil/tsdb.h"

namespace vigil::scrape {
namespace {

using ::testing::HasSubstr;
using vigil::testing::TestHttpServer;

constexpr char kProtoType[] =
    "application/vnd.google.protobuf; "
    "proto=io.prometheus.client.MetricFamily; encoding=delimited";

// Records what a scrape commits: the last float and histogram per series.
class RecordingStore : public Appendable {
 public:
  struct Committed {
    std::map<std::string, double> floats;
    std::map<std::string, FloatHistogram> histograms;
  };
  bool histograms_supported = true;

  std::unique_ptr<Appender> NewAppender() override {
    return std::make_unique<App>(this);
  }
  Committed committed() {
    std::lock_guard<std::mutex> lock(mu_);
    return committed_;
  }

 private:
  class App : public Appender {
   public:
    explicit App(RecordingStore* s) : s_(s) {}
    absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                     int64_t, double v) override {
      auto key = Key(ref, labels);
      if (!key.ok()) return key.status();
      pending_.floats[*key] = v;
      return s_->RefOf(*key);
    }
    absl::StatusOr<SeriesRef> AppendHistogram(
        SeriesRef ref, const Labels& labels, int64_t,
        const FloatHistogram& h) override {
      if (!s_->histograms_supported) {
        return Appender::AppendHistogram(ref, labels, 0, h);
      }
      auto key = Key(ref, labels);
      if (!key.ok()) return key.status();
      pending_.histograms[*key] = h;
      return s_->RefOf(*key);
    }
    absl::Status Commit() override {
      std::lock_guard<std::mutex> lock(s_->mu_);
      for (auto& [k, v] : pending_.floats) s_->committed_.floats[k] = v;
      for (auto& [k, h] : pending_.histograms) {
        s_->committed_.histograms[k] = h;
      }
      pending_ = {};
      return absl::OkStatus();
    }
    void Rollback() override { pending_ = {}; }

   private:
    absl::StatusOr<std::string> Key(SeriesRef ref, const Labels& labels) {
      if (!labels.empty()) return labels.ToString();
      std::lock_guard<std::mutex> lock(s_->mu_);
      auto it = s_->by_ref_.find(ref);
      if (it == s_->by_ref_.end()) return EmptyLabelsetError();
      return it->second;
    }
    RecordingStore* s_;
    Committed pending_;
  };

  SeriesRef RefOf(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = refs_.try_emplace(key, refs_.size() + 1);
    if (inserted) by_ref_[it->second] = key;
    return it->second;
  }

  std::mutex mu_;
  Committed committed_;
  std::map<std::string, SeriesRef> refs_;
  std::map<SeriesRef, std::string> by_ref_;
};

class ScrapeNativeHistogramsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    vigil::testing::PayloadOptions o;
    o.step = 2;
    server_.SetReply("/metrics",
                     {200, kProtoType, vigil::testing::DemoPayload(o), false});
  }

  std::unique_ptr<ScrapeLoop> MakeLoop(const std::string& extra_yaml = "") {
    config_ = vigil::testing::OneJobConfig(server_.address(), extra_yaml);
    LoopTarget t = vigil::testing::LoopTargetOf(config_);
    return std::make_unique<ScrapeLoop>(t, &store_, 0, nullptr);
  }

  std::string Key(const std::string& name, const std::string& extra = "") {
    return name + "{" + extra + "instance=\"" + server_.address() +
           "\", job=\"app\"" + "}";
  }
  std::string Pod(const std::string& name, int pod,
                  const std::string& extra = "") {
    return name + "{instance=\"" + server_.address() + "\", job=\"app\", " +
           (name == "demo_latency_seconds" ||
                    name.starts_with("demo_latency_seconds_")
                ? std::string("job_kind=\"") + (pod % 2 ? "b" : "a") + "\", "
                : "") +
           extra + "pod=\"pod-" + std::to_string(pod) + "\"}";
  }

  TestHttpServer server_;
  RecordingStore store_;
  std::shared_ptr<const ScrapeConfig> config_;
};

TEST_F(ScrapeNativeHistogramsTest, AcceptHeaderFollowsScrapeProtocols) {
  EXPECT_EQ(AcceptHeader(DefaultScrapeProtocols(false)),
            std::string(kScrapeAcceptHeader));
  auto loop = MakeLoop("  scrape_native_histograms: true\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(server_.LastRequest("/metrics").headers.at("accept"),
            "application/vnd.google.protobuf;"
            "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;"
            "q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
  loop =
      MakeLoop("  scrape_protocols: [PrometheusText0.0.4, PrometheusProto]\n");
  loop->ScrapeOnce(2000);
  EXPECT_EQ(server_.LastRequest("/metrics").headers.at("accept"),
            "text/plain;version=0.0.4;q=0.6,application/vnd.google.protobuf;"
            "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
            "*/*;q=0.4");
}

TEST_F(ScrapeNativeHistogramsTest, NativeHistogramsAreAppended) {
  auto loop = MakeLoop("  scrape_native_histograms: true\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp)
      << loop->status().last_error;
  auto c = store_.committed();
  ASSERT_TRUE(c.histograms.contains(Pod("demo_latency_seconds", 1)));
  const FloatHistogram& h = c.histograms[Pod("demo_latency_seconds", 1)];
  EXPECT_EQ(h.schema, 1);
  EXPECT_EQ(h.zero_threshold, 1e-3);
  EXPECT_GT(h.count, 0);
  // Its classic buckets are dropped unless asked for.
  EXPECT_FALSE(c.floats.contains(Pod("demo_latency_seconds_count", 1)));
  // Classic-only histograms and counters stay floats.
  EXPECT_TRUE(
      c.floats.contains(Pod("demo_size_bytes_bucket", 0, "le=\"+Inf\", ")));
  EXPECT_EQ(c.floats[Pod("demo_requests_total", 2)], 32);
  // Each histogram counts as one sample.
  EXPECT_EQ(c.floats[Key("scrape_samples_scraped")], 3 + 3 * 7 + 3);
}

// The same scrape into the Head: the histograms are there to query.
TEST_F(ScrapeNativeHistogramsTest, NativeHistogramsReachTheHead) {
  tsdb::Head head;
  config_ = vigil::testing::OneJobConfig(server_.address(),
                                         "  scrape_native_histograms: true\n");
  ScrapeLoop loop(vigil::testing::LoopTargetOf(config_), &head, 0, nullptr);
  loop.ScrapeOnce(1000);
  ASSERT_EQ(loop.status().health, TargetHealth::kUp)
      << loop.status().last_error;
  auto q = head.OpenQuerier(0, INT64_MAX);
  ASSERT_TRUE(q.ok());
  auto m =
      Matcher::Create(MatchType::kEqual, "__name__", "demo_latency_seconds");
  auto series = (*q)->Select({0, INT64_MAX}, {*m});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 3u);
  for (const auto& s : *series) {
    auto it = s->Iterator();
    ASSERT_TRUE(it->Next()) << s->labels().ToString();
    ASSERT_NE(it->AtHistogram(), nullptr) << s->labels().ToString();
    EXPECT_GT(it->AtHistogram()->count, 0);
  }
}

TEST_F(ScrapeNativeHistogramsTest, AlwaysScrapeClassicHistograms) {
  auto loop = MakeLoop(
      "  scrape_native_histograms: true\n"
      "  always_scrape_classic_histograms: true\n");
  loop->ScrapeOnce(1000);
  auto c = store_.committed();
  EXPECT_TRUE(c.histograms.contains(Pod("demo_latency_seconds", 0)));
  EXPECT_TRUE(
      c.floats.contains(Pod("demo_latency_seconds_bucket", 0, "le=\"0.5\", ")));
}

TEST_F(ScrapeNativeHistogramsTest, DisabledNativeHistogramsReadAsClassic) {
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp);
  auto c = store_.committed();
  EXPECT_TRUE(c.histograms.empty());
  EXPECT_TRUE(
      c.floats.contains(Pod("demo_latency_seconds_bucket", 0, "le=\"4.0\", ")));
}

TEST_F(ScrapeNativeHistogramsTest, ClassicToNhcb) {
  auto loop = MakeLoop("  convert_classic_histograms_to_nhcb: true\n");
  loop->ScrapeOnce(1000);
  auto c = store_.committed();
  ASSERT_TRUE(c.histograms.contains(Pod("demo_size_bytes", 1)));
  const FloatHistogram& h = c.histograms[Pod("demo_size_bytes", 1)];
  EXPECT_EQ(h.schema, kCustomBucketsSchema);
  EXPECT_EQ(h.custom_values, (std::vector<double>{100, 1000, 10000, 100000}));
  EXPECT_FALSE(c.floats.contains(Pod("demo_size_bytes_count", 1)));
}

constexpr char kTextHistogram[] =
    "# TYPE rpc_seconds histogram\n"
    "rpc_seconds_bucket{code=\"200\",le=\"0.1\"} 2\n"
    "rpc_seconds_bucket{code=\"200\",le=\"1\"} 5\n"
    "rpc_seconds_bucket{code=\"200\",le=\"+Inf\"} 6\n"
    "rpc_seconds_sum{code=\"200\"} 4.5\n"
    "rpc_seconds_count{code=\"200\"} 6\n"
    "rpc_seconds_bucket{code=\"500\",le=\"0.1\"} 0\n"
    "rpc_seconds_bucket{code=\"500\",le=\"1\"} 1\n"
    "rpc_seconds_bucket{code=\"500\",le=\"+Inf\"} 1\n"
    "rpc_seconds_sum{code=\"500\"} 0.5\n"
    "rpc_seconds_count{code=\"500\"} 1\n"
    "# TYPE up_total counter\n"
    "up_total 1\n";

TEST_F(ScrapeNativeHistogramsTest, TextClassicHistogramsToNhcb) {
  server_.SetReply("/metrics",
                   {200, "text/plain; version=0.0.4", kTextHistogram, false});
  auto loop = MakeLoop("  convert_classic_histograms_to_nhcb: true\n");
  loop->ScrapeOnce(1000);
  ASSERT_EQ(loop->status().health, TargetHealth::kUp)
      << loop->status().last_error;
  auto c = store_.committed();
  ASSERT_EQ(c.histograms.size(), 2u);
  EXPECT_EQ(c.histograms[Key("rpc_seconds", "code=\"200\", ")].TestExpression(),
            "{{schema:-53 count:6 sum:4.5 custom_values:[0.1 1] "
            "buckets:[2 3 1]}}");
  EXPECT_EQ(c.histograms[Key("rpc_seconds", "code=\"500\", ")].TestExpression(),
            "{{schema:-53 count:1 sum:0.5 custom_values:[0.1 1] offset:1 "
            "buckets:[1]}}");
  EXPECT_FALSE(c.floats.contains(Key("rpc_seconds_count", "code=\"200\", ")));
  EXPECT_EQ(c.floats[Key("up_total")], 1);
  // Two histograms and a counter.
  EXPECT_EQ(c.floats[Key("scrape_samples_scraped")], 3);

  // Kept as well on request.
  loop = MakeLoop(
      "  convert_classic_histograms_to_nhcb: true\n"
      "  always_scrape_classic_histograms: true\n");
  loop->ScrapeOnce(2000);
  c = store_.committed();
  EXPECT_TRUE(c.floats.contains(Key("rpc_seconds_count", "code=\"200\", ")));
  EXPECT_EQ(c.histograms.size(), 2u);
}

TEST_F(ScrapeNativeHistogramsTest, TextNhcbOfBrokenBucketsFailsTheScrape) {
  server_.SetReply("/metrics", {200, "text/plain; version=0.0.4",
                                "# TYPE h histogram\nh_bucket{le=\"1\"} 5\n"
                                "h_bucket{le=\"2\"} 3\nh_count 5\n",
                                false});
  auto loop = MakeLoop("  convert_classic_histograms_to_nhcb: true\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kDown);
  EXPECT_EQ(loop->status().last_error,
            "h{}: classic histogram bucket le=2.0 has a "
            "cumulative count below the previous bucket's");
}

TEST_F(ScrapeNativeHistogramsTest, BucketLimitLowersResolution) {
  auto loop = MakeLoop(
      "  scrape_native_histograms: true\n"
      "  native_histogram_bucket_limit: 4\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp);
  auto c = store_.committed();
  for (int pod = 0; pod < 3; ++pod) {
    const FloatHistogram& h = c.histograms[Pod("demo_latency_seconds", pod)];
    EXPECT_LE(h.positive_buckets.size() + h.negative_buckets.size(), 4u);
    EXPECT_LT(h.schema, pod % 4) << pod;
  }
}

TEST_F(ScrapeNativeHistogramsTest, BucketLimitFailsCustomBuckets) {
  auto loop = MakeLoop(
      "  convert_classic_histograms_to_nhcb: true\n"
      "  native_histogram_bucket_limit: 2\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kDown);
  EXPECT_EQ(loop->status().last_error, kBucketLimitError);
  EXPECT_EQ(store_.committed().floats[Key("up")], 0);
}

TEST_F(ScrapeNativeHistogramsTest, MinBucketFactorCapsTheSchema) {
  EXPECT_EQ(MaxSchemaForBucketFactor(0), 8);
  EXPECT_EQ(MaxSchemaForBucketFactor(1.1), 2);
  EXPECT_EQ(MaxSchemaForBucketFactor(2), 0);
  EXPECT_EQ(MaxSchemaForBucketFactor(1e9), -4);
  auto loop = MakeLoop(
      "  scrape_native_histograms: true\n"
      "  native_histogram_min_bucket_factor: 2\n");
  loop->ScrapeOnce(1000);
  auto c = store_.committed();
  for (int pod = 0; pod < 3; ++pod) {
    EXPECT_EQ(c.histograms[Pod("demo_latency_seconds", pod)].schema, 0);
  }
}

TEST_F(ScrapeNativeHistogramsTest, StoreWithoutHistogramsFailsTheScrape) {
  store_.histograms_supported = false;
  auto loop = MakeLoop("  scrape_native_histograms: true\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kDown);
  EXPECT_THAT(loop->status().last_error, HasSubstr("not supported"));
}

TEST_F(ScrapeNativeHistogramsTest, BadPayloadSaysWhere) {
  server_.SetReply("/metrics", {200, kProtoType, "\x05\x0a\x01", false});
  auto loop = MakeLoop();
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kDown);
  EXPECT_EQ(loop->status().last_error,
            "byte 0: MetricFamily message of 5 bytes is truncated: the input "
            "ends after 2");
}

TEST_F(ScrapeNativeHistogramsTest, FallbackToProtobuf) {
  vigil::testing::PayloadOptions o;
  server_.SetReply("/metrics",
                   {200, "", vigil::testing::DemoPayload(o), false});
  auto loop = MakeLoop("  fallback_scrape_protocol: PrometheusProto\n");
  loop->ScrapeOnce(1000);
  EXPECT_EQ(loop->status().health, TargetHealth::kUp)
      << loop->status().last_error;
}

}  // namespace
}  // namespace vigil::scrape
