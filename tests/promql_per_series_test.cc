// Range queries of the binary operators evaluated series by series
// (promql/per_series.h) — a vector compared with a number, and, or,
// unless — against the step-by-step path they replace and against instant
// queries at every step, over series that come, go and flap: the same
// series and points, the same answers at each step, and the sample limit
// failing at the same count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/memory_storage.h"
#include "vigil/promql/engine.h"

namespace vigil::promql {
namespace {

constexpr int64_t kScrape = 30'000;
constexpr int64_t kStep = 60'000;
constexpr int64_t kEnd = 120 * kStep;

// a{ns,pod,c} and b{ns,pod}: values 0–2 that change at random, and
// stretches without samples longer than the lookback, so that series leave
// and come back (and enter the output at different steps).
void RandomData(testing::MemoryStorage& storage, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution flip(0.05);
  std::uniform_int_distribution<int> value(0, 2);
  auto series = [&](const Labels& ls) {
    bool present = flip(rng);
    int v = value(rng);
    for (int64_t t = 0; t <= kEnd; t += kScrape) {
      if (flip(rng)) present = !present;
      if (flip(rng)) v = value(rng);
      if (present) storage.Add(ls, t, v);
    }
  };
  for (int ns = 0; ns < 2; ++ns) {
    for (int pod = 0; pod < 6; ++pod) {
      for (int c = 0; c < 2; ++c) {
        series(
            Labels::FromStrings({"__name__", "a", "ns", absl::StrCat(ns), "pod",
                                 absl::StrCat(pod), "c", absl::StrCat(c)}));
      }
      series(Labels::FromStrings(
          {"__name__", "b", "ns", absl::StrCat(ns), "pod", absl::StrCat(pod)}));
    }
  }
}

EngineOptions WithLimit(int64_t max_samples, bool step_by_step) {
  EngineOptions o;
  o.max_samples = max_samples;
  // The series-by-series paths leave delayed name removal to the
  // step-by-step one, which is therefore what this engine runs.
  o.enable_delayed_name_removal = step_by_step;
  return o;
}

// label text -> points
std::map<std::string, std::vector<std::pair<int64_t, double>>> Points(
    const QueryResult& r) {
  std::map<std::string, std::vector<std::pair<int64_t, double>>> out;
  for (const MatrixSeries& s : std::get<Matrix>(r.value)) {
    auto& pts = out[s.metric.ToString()];
    for (const Sample& p : s.samples) pts.emplace_back(p.t, p.v);
  }
  return out;
}

// The smallest sample limit the range query runs under.
int64_t SmallestLimit(testing::MemoryStorage& storage, const std::string& q,
                      bool step_by_step) {
  int64_t lo = 1;
  int64_t hi = 1'000'000;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    Engine engine(WithLimit(mid, step_by_step));
    auto r = engine.RangeQuery(storage, q, 0, kEnd, kStep);
    if (r.ok()) {
      hi = mid;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
          << r.status();
      lo = mid + 1;
    }
  }
  return lo;
}

TEST(PerSeriesTest, SameAsStepByStepAndInstantQueries) {
  const std::vector<std::string> queries = {
      "a == 1",
      "1 < a",
      "(a) != (2)",
      "a and on (ns, pod) b",
      "a and on (ns, pod) (b == 1)",
      "a unless on (pod) b",
      "a and ignoring (c) b",
      "a or b",
      "(a > 0) or a",
      "(a == 1) or on (pod) (b == 2) or a",
      "sum by (ns) ((a > 0) or a)",
      "count by (pod) (a == 1 unless on (ns, pod) b > 1) > 1",
      "(b == 2) or on (ns, pod) a",
  };
  for (uint32_t seed : {1u, 2u, 3u}) {
    testing::MemoryStorage storage;
    RandomData(storage, seed);
    for (const std::string& q : queries) {
      SCOPED_TRACE(absl::StrCat("seed ", seed, ": ", q));
      Engine fast(WithLimit(50'000'000, false));
      Engine slow(WithLimit(50'000'000, true));
      auto by_series = fast.RangeQuery(storage, q, 0, kEnd, kStep);
      auto by_step = slow.RangeQuery(storage, q, 0, kEnd, kStep);
      ASSERT_TRUE(by_series.ok()) << by_series.status();
      ASSERT_TRUE(by_step.ok()) << by_step.status();
      const auto points = Points(*by_series);
      EXPECT_FALSE(points.empty());
      EXPECT_EQ(points, Points(*by_step));
      // Each step is the instant query at its time.
      std::map<int64_t, std::map<std::string, double>> steps;
      for (const auto& [metric, pts] : points) {
        for (const auto& [t, v] : pts) steps[t][metric] = v;
      }
      for (int64_t t = 0; t <= kEnd; t += kStep) {
        auto instant = fast.InstantQuery(storage, q, t);
        ASSERT_TRUE(instant.ok()) << instant.status();
        std::map<std::string, double> want;
        for (const VectorSample& s : std::get<Vector>(instant->value)) {
          want[s.metric.ToString()] = s.v;
        }
        EXPECT_EQ(steps[t], want) << "at " << t;
      }
      EXPECT_EQ(SmallestLimit(storage, q, false),
                SmallestLimit(storage, q, true));
    }
  }
}

}  // namespace
}  // namespace vigil::promql
