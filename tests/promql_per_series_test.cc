// Range queries of the binary operators evaluated series by series
// (promql/per_series.h) — a vector compared with a number, and, or,
// unless, vector matching with fixed pairs — against the step-by-step path they
// replace and against instant queries at every step, over series that come, go
// and flap: the same series and points, the same answers at each step, and the
// sample limit failing at the same count.
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
// and come back (and enter the output at different steps). With `joins`,
// for vector matching also s{ns,pod,node} (one per pod, as b), d{ns,pod,k}
// (two per pod, k=0 for the first 40 minutes, k=1 from the 60th: never at
// the same step) and e{ns,pod,c="x"}.
void RandomData(testing::MemoryStorage& storage, uint32_t seed,
                bool joins = false) {
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
  if (!joins) return;
  for (int ns = 0; ns < 2; ++ns) {
    for (int pod = 0; pod < 6; ++pod) {
      const std::string n = absl::StrCat(ns);
      const std::string p = absl::StrCat(pod);
      series(Labels::FromStrings(
          {"__name__", "s", "node", absl::StrCat(pod % 3), "ns", n, "pod", p}));
      series(
          Labels::FromStrings({"__name__", "e", "c", "x", "ns", n, "pod", p}));
      for (int k = 0; k < 2; ++k) {
        const Labels d = Labels::FromStrings(
            {"__name__", "d", "k", absl::StrCat(k), "ns", n, "pod", p});
        const int v = value(rng);
        for (int64_t t = k == 0 ? 0 : 60 * kStep;
             t <= (k == 0 ? 40 * kStep : kEnd); t += kScrape) {
          storage.Add(d, t, v);
        }
      }
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

// label text -> points (values as text: a NaN equals no other)
std::map<std::string, std::vector<std::pair<int64_t, std::string>>> Points(
    const QueryResult& r) {
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> out;
  for (const MatrixSeries& s : std::get<Matrix>(r.value)) {
    auto& pts = out[s.metric.ToString()];
    for (const Sample& p : s.samples) pts.emplace_back(p.t, absl::StrCat(p.v));
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

// The range query series by series against step by step, at every step
// against the instant query, and the smallest sample limit each runs
// under. A query that fails must fail alike: with the message of the
// first step whose instant query fails.
void ExpectSameAnswers(testing::MemoryStorage& storage, const std::string& q,
                       bool fails) {
  Engine fast(WithLimit(50'000'000, false));
  Engine slow(WithLimit(50'000'000, true));
  auto by_series = fast.RangeQuery(storage, q, 0, kEnd, kStep);
  auto by_step = slow.RangeQuery(storage, q, 0, kEnd, kStep);
  if (fails) {
    ASSERT_FALSE(by_series.ok());
    ASSERT_FALSE(by_step.ok());
    EXPECT_EQ(by_series.status(), by_step.status());
    for (int64_t t = 0; t <= kEnd; t += kStep) {
      auto instant = fast.InstantQuery(storage, q, t);
      if (instant.ok()) continue;
      EXPECT_EQ(instant.status(), by_series.status()) << "at " << t;
      return;
    }
    ADD_FAILURE() << "no instant query fails";
    return;
  }
  ASSERT_TRUE(by_series.ok()) << by_series.status();
  ASSERT_TRUE(by_step.ok()) << by_step.status();
  const auto points = Points(*by_series);
  EXPECT_FALSE(points.empty());
  EXPECT_EQ(points, Points(*by_step));
  // Each step is the instant query at its time.
  std::map<int64_t, std::map<std::string, std::string>> steps;
  for (const auto& [metric, pts] : points) {
    for (const auto& [t, v] : pts) steps[t][metric] = v;
  }
  for (int64_t t = 0; t <= kEnd; t += kStep) {
    auto instant = fast.InstantQuery(storage, q, t);
    ASSERT_TRUE(instant.ok()) << instant.status();
    std::map<std::string, std::string> want;
    for (const VectorSample& s : std::get<Vector>(instant->value)) {
      want[s.metric.ToString()] = absl::StrCat(s.v);
    }
    EXPECT_EQ(steps[t], want) << "at " << t;
  }
  EXPECT_EQ(SmallestLimit(storage, q, false), SmallestLimit(storage, q, true));
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
      ExpectSameAnswers(storage, q, false);
    }
  }
}

TEST(PerSeriesTest, VectorMatchingSameAsStepByStepAndInstantQueries) {
  const std::vector<std::string> queries = {
      // PodPrivilegedMode's shape.
      "a{c!=\"\"} * on (pod, ns) group_left s{node!=\"\"} > 0",
      "a * on (pod, ns) group_left b",
      "a * on (pod, ns) group_left (node) s",
      "s * on (pod, ns) group_right (node) a",
      "b - on (ns, pod) group_right a",
      "a / ignoring (c) group_left b",
      "a % on (ns, pod) group_left (node) (s > 0)",
      "a > bool on (ns, pod) group_left b",
      "a >= on (ns, pod) group_left b",
      "b < on (ns, pod) group_right a",
      "b == bool ignoring (node) s",
      "sum by (ns, pod) (a) / on (ns, pod) b",
      "b + b",
      "b atan2 ignoring (node) s",
      "(a * on (pod, ns) group_left b) + on (ns, pod, c) group_left a",
      // Two series of a signature on the "one" side, never at one step:
      // step by step.
      "a * on (ns, pod) group_left d",
      "a * on (ns, pod) group_left (k) d",
  };
  // Step by step, and failing there as in Prometheus.
  const std::vector<std::string> failing = {
      // found duplicate series for the match group ... right hand-side
      "a * on (ns, pod) group_left b + on (ns, pod) group_left a",
      "a * on (ns, pod) group_left a",
      // ... left hand-side
      "a * on (ns, pod) group_right b",
      // multiple matches for labels: many-to-one matching must be explicit
      "a + on (ns, pod) b",
      // (two names, the same signature: labels that differ in the output)
      "{__name__=~\"b|s\"} >= ignoring (node) b",
      // multiple matches for labels: grouping labels must ensure unique
      // matches
      "a * on (ns, pod) group_left (c) e",
  };
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    testing::MemoryStorage storage;
    RandomData(storage, seed, true);
    for (const std::string& q : queries) {
      SCOPED_TRACE(absl::StrCat("seed ", seed, ": ", q));
      ExpectSameAnswers(storage, q, false);
    }
    for (const std::string& q : failing) {
      SCOPED_TRACE(absl::StrCat("seed ", seed, ": ", q));
      ExpectSameAnswers(storage, q, true);
    }
  }
}

}  // namespace
}  // namespace vigil::promql
