// PromQL over native histograms stored in the Head: the same queries over
// the same samples give what they give over the test storage
// (tests/support/memory_storage.h), which models Prometheus's TSDB and
// against which the engine's histogram functions are checked.
#include <cmath>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/support/memory_storage.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil {
namespace {

constexpr int64_t kScrapeMs = 15'000;
constexpr int kScrapes = 240;  // an hour

// A schema-3 request-duration histogram at scrape `i`: about 20 populated
// buckets, one more appearing at scrape 60, a counter reset (a restart) at
// scrape 120 and a staleness marker at 200 (the target gone for a minute).
FloatHistogram Durations(int i, int pod) {
  const int n = i >= 120 ? i - 119 : i + 1;
  FloatHistogram h;
  h.schema = 3;
  h.zero_threshold = 1e-128;
  h.zero_count = n;
  const uint32_t buckets = i >= 60 && i < 120 ? 21 : 20;
  h.positive_spans = {{-8, buckets}};
  h.count = h.zero_count;
  for (uint32_t b = 0; b < buckets; ++b) {
    const double v =
        std::floor(n * (1 + (b * 7 + static_cast<uint32_t>(pod)) % 11) * 0.5);
    h.positive_buckets.push_back(v);
    h.count += v;
  }
  h.sum = 0.013 * h.count * (pod + 1);
  return h;
}

// A custom-bucket (NHCB) histogram of the same shape of life.
FloatHistogram Sizes(int i) {
  const int n = i >= 120 ? i - 119 : i + 1;
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = {100, 1000, 10000, 100000};
  h.positive_spans = {{0, 5}};
  for (int b = 0; b < 5; ++b) {
    h.positive_buckets.push_back(static_cast<double>(n * (5 - b)));
    h.count += h.positive_buckets.back();
  }
  h.sum = 900.5 * n;
  return h;
}

class HistogramOverHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int i = 0; i < kScrapes; ++i) {
      const int64_t t = i * kScrapeMs + (i % 4);  // a little jitter
      for (int pod = 0; pod < 3; ++pod) {
        const Labels l =
            Labels::FromStrings({"__name__", "request_duration_seconds", "pod",
                                 "p" + std::to_string(pod)});
        FloatHistogram h = Durations(i, pod);
        if (i >= 200 && i < 204 && pod == 1) {
          if (i > 200) continue;
          h = FloatHistogram();
          h.sum = StaleNaN();
        }
        ASSERT_TRUE(app->AppendHistogram(0, l, t, h).ok());
        reference_.AddHistogram(l, t, h);
      }
      const Labels l = Labels::FromStrings({"__name__", "response_bytes"});
      ASSERT_TRUE(app->AppendHistogram(0, l, t, Sizes(i)).ok());
      reference_.AddHistogram(l, t, Sizes(i));
      if (i % 30 == 29) {
        ASSERT_TRUE(app->Commit().ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  // A range query's result as text; histograms without empty buckets (a
  // chunk rewritten on wider spans keeps zeros where a sample had no
  // bucket) and, with `hints` false, without their counter reset hint (a
  // store's chunk boundaries decide it: Prometheus cuts histogram chunks by
  // size, the test storage every 120 samples).
  std::vector<std::string> Run(Storage& storage, const std::string& query,
                               bool hints, int64_t step_ms) {
    auto res =
        engine_.RangeQuery(storage, query, 0, kScrapes * kScrapeMs, step_ms);
    EXPECT_TRUE(res.ok()) << query << ": " << res.status();
    std::vector<std::string> out;
    if (!res.ok()) return out;
    for (const promql::MatrixSeries& s : std::get<promql::Matrix>(res->value)) {
      for (const Sample& p : s.samples) {
        out.push_back(
            absl::StrFormat("%s %d %.17g", s.metric.ToString(), p.t, p.v));
      }
      for (const promql::HistogramPoint& p : s.histograms) {
        FloatHistogram h = *p.h;
        h.Compact(0);
        if (!hints) h.counter_reset_hint = CounterResetHint::kUnknown;
        out.push_back(absl::StrFormat("%s %d %s", s.metric.ToString(), p.t,
                                      h.TestExpression()));
      }
    }
    for (const std::string& w : res->warnings) out.push_back("warning " + w);
    for (const std::string& i : res->infos) out.push_back("info " + i);
    return out;
  }

  // Every minute; raw histograms (long to print) every five.
  void ExpectSameAnswers(const std::string& query, bool hints = true,
                         int64_t step_ms = 60'000) {
    const std::vector<std::string> want =
        Run(reference_, query, hints, step_ms);
    const std::vector<std::string> got = Run(head_, query, hints, step_ms);
    EXPECT_FALSE(want.empty()) << query;
    EXPECT_EQ(got, want) << query;
  }

  tsdb::Head head_;
  testing::MemoryStorage reference_;
  promql::Engine engine_;
};

TEST_F(HistogramOverHeadTest, RateAndQuantilesAnswerAsOverTheTestStorage) {
  ExpectSameAnswers("rate(request_duration_seconds[5m])");
  ExpectSameAnswers(
      "histogram_quantile(0.9, sum by (pod) "
      "(rate(request_duration_seconds[5m])))");
  ExpectSameAnswers("histogram_quantile(0.5, rate(response_bytes[2m]))");
  ExpectSameAnswers("increase(response_bytes[10m])");
  ExpectSameAnswers("histogram_count(rate(request_duration_seconds[1m]))");
  ExpectSameAnswers("histogram_sum(request_duration_seconds)");
  ExpectSameAnswers(
      "histogram_fraction(0, 0.2, rate(request_duration_seconds[5m]))");
  ExpectSameAnswers("resets(request_duration_seconds[30m])");
  ExpectSameAnswers("count_over_time(request_duration_seconds[5m])");
}

TEST_F(HistogramOverHeadTest, RawHistogramsAnswerAsOverTheTestStorage) {
  ExpectSameAnswers("request_duration_seconds", /*hints=*/false, 300'000);
  ExpectSameAnswers("response_bytes", /*hints=*/false, 300'000);
}

}  // namespace
}  // namespace vigil
