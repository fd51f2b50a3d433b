// --query.max-samples: the peak number of samples a query holds at once, as
// Prometheus 3.x counts it. Each case names the exact peak of 3.x's engine
// (its TestMaxQuerySamples): the query passes with that limit and fails
// with one less, so a count that is too high or too low both fail here.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tests/promqltest/test_file_parser.h"
#include "tests/support/memory_storage.h"
#include "vigil/promql/engine.h"
#include "vigil/promql/series_description.h"

namespace vigil::promql {
namespace {

struct PeakCase {
  std::string query;
  int64_t peak;
  int64_t start_s;
  int64_t end_s = 0;  // with step_s == 0: an instant query at start_s
  int64_t step_s = 0;
};

// The series of 3.x's TestMaxQuerySamples and TestQueryStatistics.
constexpr std::string_view kData = R"(
load 10s
  metric 1+1x100
  bigmetric{a="1"} 1+1x100
  bigmetric{a="2"} 1+1x100
  metricWith1SampleEvery10Seconds 1+1x100
  metricWith3SampleEvery10Seconds{a="1",b="1"} 1+1x100
  metricWith3SampleEvery10Seconds{a="2",b="2"} 1+1x100
  metricWith3SampleEvery10Seconds{a="3",b="2"} 1+1x100
  metricWith1HistogramEvery10Seconds {{schema:1 count:5 sum:20 buckets:[1 2 1 1]}}+{{schema:1 count:10 sum:5 buckets:[1 2 3 4]}}x100
)";

class MaxSamplesTest : public ::testing::TestWithParam<PeakCase> {
 protected:
  static void SetUpTestSuite() {
    storage_ = new testing::MemoryStorage();
    auto file = promqltest::ParseTestFile(kData, [](std::string_view line) {
      return ParseSeriesDescription(line);
    });
    ASSERT_TRUE(file.ok()) << file.status();
    for (const auto& cmd : file->commands) {
      const auto& load = std::get<promqltest::LoadCommand>(cmd);
      for (const auto& series : load.series) {
        for (size_t i = 0; i < series.values.size(); ++i) {
          if (!series.values[i].has_value()) continue;
          storage_->Add(series.labels, i * load.step_ms, *series.values[i]);
        }
        for (size_t i = 0; i < series.histograms.size(); ++i) {
          if (series.histograms[i] == nullptr) continue;
          storage_->AddHistogram(series.labels, i * load.step_ms,
                                 *series.histograms[i]);
        }
      }
    }
  }
  static void TearDownTestSuite() {
    delete storage_;
    storage_ = nullptr;
  }

  static absl::Status Run(const PeakCase& c, int64_t max_samples) {
    EngineOptions o;
    o.max_samples = max_samples;
    Engine engine(o);
    if (c.step_s == 0) {
      return engine.InstantQuery(*storage_, c.query, c.start_s * 1000).status();
    }
    return engine
        .RangeQuery(*storage_, c.query, c.start_s * 1000, c.end_s * 1000,
                    c.step_s * 1000)
        .status();
  }

  static testing::MemoryStorage* storage_;
};

testing::MemoryStorage* MaxSamplesTest::storage_ = nullptr;

// Printed in failures instead of the struct's bytes.
void PrintTo(const PeakCase& c, std::ostream* os) {
  *os << c.query << " peak " << c.peak;
}

TEST_P(MaxSamplesTest, PassesAtThePeakAndFailsBelowIt) {
  const PeakCase& c = GetParam();
  const absl::Status at_peak = Run(c, c.peak);
  EXPECT_TRUE(at_peak.ok()) << at_peak;
  const absl::Status below = Run(c, c.peak - 1);
  EXPECT_EQ(below.code(), absl::StatusCode::kResourceExhausted) << below;
  EXPECT_EQ(below.message(),
            "query processing would load too many samples into memory in "
            "query execution");
  if (at_peak.ok() && !below.ok()) return;
  // Says what vigil's peak is instead.
  int64_t lowest = 4 * c.peak;
  while (lowest > 0 && Run(c, lowest - 1).ok()) --lowest;
  ADD_FAILURE() << "vigil's peak is " << lowest;
}

INSTANTIATE_TEST_SUITE_P(
    Prometheus3Peaks, MaxSamplesTest,
    ::testing::Values(
        // Instant queries.
        PeakCase{"1", 1, 1}, PeakCase{"metric", 1, 1},
        PeakCase{"metric[20s]", 2, 10}, PeakCase{"rate(metric[20s])", 3, 10},
        PeakCase{"metric[20s:5s]", 3, 10}, PeakCase{"metric[20s] @ 10", 2, 0},
        // Range queries.
        PeakCase{"1", 3, 0, 2, 1}, PeakCase{"metric", 3, 0, 2, 1},
        PeakCase{"metric", 3, 0, 10, 5},
        PeakCase{"rate(bigmetric[1s])", 1, 0, 10, 5},
        // The step-invariant result is repeated for each step.
        PeakCase{"metric @ 10", 3, 0, 10, 5},
        // The subquery (20) + one series' buffer (10) + the two results.
        PeakCase{"rate(bigmetric[10s:1s] @ 10)", 32, 0, 10, 5},
        // One side at its peak while the other's 2 results are held.
        PeakCase{"rate(bigmetric[10s:1s] @ 10) + rate(bigmetric[10s:1s] @ 30)",
                 34, 0, 10, 5},
        // The side that is not step invariant touches more time.
        PeakCase{"rate(bigmetric[10s:1s]) + rate(bigmetric[10s:1s] @ 30)", 56,
                 10, 20, 5},
        // Nested subqueries: the innermost rate is the peak...
        PeakCase{
            "rate(rate(bigmetric[10:1s] @ 10)[100s:25s] @ 1000)[100s:20s] @ "
            "2000",
            32, 10},
        // ... unless the outermost produces more.
        PeakCase{
            "rate(rate(bigmetric[10s:1s] @ 10)[100s:25s] @ 1000)[17s:1s] @ "
            "2000",
            34, 10}));

// 3.x's TestQueryStatistics: the peaks of selectors, functions, subqueries
// and `@` over one, three and histogram series.
INSTANTIATE_TEST_SUITE_P(
    Prometheus3StatisticsPeaks, MaxSamplesTest,
    ::testing::Values(
        PeakCase{"1", 1, 21},
        PeakCase{"metricWith1SampleEvery10Seconds", 1, 21},
        PeakCase{"metricWith1HistogramEvery10Seconds", 13, 21},
        PeakCase{"timestamp(metricWith1SampleEvery10Seconds)", 2, 21},
        PeakCase{"timestamp(metricWith1HistogramEvery10Seconds)", 2, 21},
        PeakCase{"metricWith1SampleEvery10Seconds", 1, 22},
        PeakCase{"metricWith1SampleEvery10Seconds offset 10s", 1, 21},
        PeakCase{"metricWith1SampleEvery10Seconds @ 15", 1, 21},
        PeakCase{"metricWith3SampleEvery10Seconds{a=\"1\"}", 1, 21},
        PeakCase{"metricWith3SampleEvery10Seconds{a=\"1\"} @ 19", 1, 21},
        PeakCase{"metricWith3SampleEvery10Seconds{a=\"1\"}[20s] @ 19", 2, 21},
        PeakCase{"metricWith3SampleEvery10Seconds", 3, 21},
        PeakCase{"metricWith1SampleEvery10Seconds[60s]", 6, 201},
        PeakCase{"metricWith1HistogramEvery10Seconds[60s]", 78, 201},
        PeakCase{"max_over_time(metricWith1SampleEvery10Seconds[60s])[20s:5s]",
                 10, 201},
        PeakCase{"max_over_time(metricWith1SampleEvery10Seconds[61s])[20s:5s]",
                 11, 201},
        PeakCase{
            "max_over_time(metricWith1HistogramEvery10Seconds[60s])[20s:5s]",
            78, 201},
        PeakCase{"metricWith1SampleEvery10Seconds[60s] @ 30", 4, 201},
        PeakCase{"metricWith1HistogramEvery10Seconds[60s] @ 30", 52, 201},
        PeakCase{
            "sum(max_over_time(metricWith3SampleEvery10Seconds[60s] @ 30))", 7,
            201},
        PeakCase{
            "sum by (b) (max_over_time(metricWith3SampleEvery10Seconds[60s] "
            "@ 30))",
            7, 201},
        PeakCase{"metricWith1SampleEvery10Seconds[60s] offset 10s", 6, 201},
        PeakCase{"metricWith3SampleEvery10Seconds[60s]", 18, 201},
        PeakCase{"max_over_time(metricWith1SampleEvery10Seconds[60s])", 7, 201},
        PeakCase{"absent_over_time(metricWith1SampleEvery10Seconds[60s])", 7,
                 201},
        PeakCase{"max_over_time(metricWith3SampleEvery10Seconds[60s])", 9, 201},
        PeakCase{"metricWith1SampleEvery10Seconds[60s:5s]", 12, 201},
        PeakCase{"metricWith1SampleEvery10Seconds[60s:5s] offset 10s", 12, 201},
        PeakCase{"max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 51,
                 201},
        PeakCase{
            "sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s])) + "
            "sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))",
            52, 201},
        // Range queries.
        PeakCase{"metricWith3SampleEvery10Seconds{a=\"1\"}", 4, 201, 220, 5},
        PeakCase{"metricWith3SampleEvery10Seconds{a=\"1\"}", 4, 204, 223, 5},
        PeakCase{"metricWith1HistogramEvery10Seconds", 52, 204, 223, 5},
        PeakCase{"timestamp(metricWith1SampleEvery10Seconds)", 5, 201, 220, 5},
        PeakCase{"timestamp(metricWith1HistogramEvery10Seconds)", 5, 201, 220,
                 5},
        PeakCase{"max_over_time(metricWith3SampleEvery10Seconds{a=\"1\"}[10s])",
                 2, 991, 1021, 10},
        PeakCase{"metricWith3SampleEvery10Seconds{a=\"1\"} offset 10s", 4, 201,
                 220, 5},
        PeakCase{"max_over_time(metricWith3SampleEvery10Seconds[60s] @ 30)", 12,
                 201, 220, 5},
        PeakCase{"metricWith3SampleEvery10Seconds", 12, 201, 220, 5},
        PeakCase{"max_over_time(metricWith3SampleEvery10Seconds[60s])", 18, 201,
                 220, 5},
        PeakCase{"max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 72,
                 201, 220, 5},
        PeakCase{"max_over_time(metricWith1SampleEvery10Seconds[60s:5s])", 32,
                 201, 220, 5},
        PeakCase{"sum by (b) "
                 "(max_over_time(metricWith1SampleEvery10Seconds[60s:5s]))",
                 32, 201, 220, 5},
        PeakCase{
            "sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s])) + "
            "sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))",
            76, 201, 220, 5},
        PeakCase{
            "sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s])) + "
            "sum(max_over_time(metricWith1SampleEvery10Seconds[60s:5s]))",
            72, 201, 220, 5}));

}  // namespace
}  // namespace vigil::promql
