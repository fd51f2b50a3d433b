// The range engine's shortcuts held to the plain evaluation: aggregation
// series by series within blocks of steps (against instant queries at each
// step), and range functions and selections split among threads (against
// the same engine on one thread). Answers must agree bit for bit, with
// annotations in the same order and the same errors, on data shaped to
// catch a change in summation order (Kahan) or in which samples a step
// sees (gaps, staleness markers, histograms).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/support/memory_storage.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil::promql {
namespace {

constexpr int64_t kStep = 30'000;
constexpr int kSteps = 241;

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class RangeEvalTest : public ::testing::Test {
 protected:
  // `series` series of `metric` in `groups` groups (label g), sampled every
  // 30 s over the query's range and the 5 minutes before it, with values
  // that make summation order matter and random gaps and staleness
  // markers.
  void LoadSeries(const std::string& metric, int series, int groups,
                  bool counter, uint32_t seed) {
    ForSeries(
        metric, series, groups, counter, seed,
        [&](const Labels& ls, int64_t t, double v) { storage_.Add(ls, t, v); });
  }

  // Calls add(labels, t, v) for every sample LoadSeries stores.
  template <typename Add>
  static void ForSeries(const std::string& metric, int series, int groups,
                        bool counter, uint32_t seed, const Add& add) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> unit(0, 1);
    const double scales[] = {1e16, 1, 1e-3, -1e16, 3.7};
    for (int i = 0; i < series; ++i) {
      Labels ls = Labels::FromStrings({"__name__", metric, "g",
                                       std::to_string(i % groups), "i",
                                       std::to_string(i), "m", metric});
      double v = counter ? 0 : scales[i % 5];
      for (int k = -10; k < kSteps + 10; ++k) {
        const double r = unit(rng);
        if (r < 0.03) continue;  // a missed scrape
        const int64_t t = kStart + k * kStep - 7'000;
        if (r < 0.05) {
          add(ls, t, StaleNaN());
          continue;
        }
        if (counter) {
          v += unit(rng) * 10;
          if (r > 0.995) v = unit(rng);  // a reset
        } else {
          v = scales[(i + k + 10) % 5] * (1 + unit(rng));
        }
        add(ls, t, v);
      }
    }
  }

  // Compares the range query over `steps` steps with instant queries at each
  // step.
  void ExpectRangeEqualsInstants(const Engine& engine, const std::string& q,
                                 int steps = kSteps) {
    const int64_t end = kStart + (steps - 1) * kStep;
    auto range = engine.RangeQuery(storage_, q, kStart, end, kStep);
    ASSERT_TRUE(range.ok()) << q << ": " << range.status();
    const auto& mat = std::get<Matrix>(range->value);
    std::map<std::string, const MatrixSeries*> by_labels;
    for (const auto& ms : mat) by_labels[ms.metric.ToString()] = &ms;
    size_t compared = 0;
    for (int k = 0; k < steps; ++k) {
      const int64_t t = kStart + k * kStep;
      auto inst = engine.InstantQuery(storage_, q, t);
      ASSERT_TRUE(inst.ok()) << q << " at " << t << ": " << inst.status();
      for (const auto& s : std::get<Vector>(inst->value)) {
        auto it = by_labels.find(s.metric.ToString());
        const MatrixSeries* found =
            it == by_labels.end() ? nullptr : it->second;
        ASSERT_NE(found, nullptr) << q << ": " << s.metric.ToString() << " at "
                                  << t << " missing from the range";
        bool hit = false;
        for (const Sample& p : found->samples) {
          if (p.t != t) continue;
          hit = true;
          EXPECT_TRUE(SameBits(p.v, s.v))
              << q << ": " << s.metric.ToString() << " at " << t << ": range "
              << p.v << ", instant " << s.v;
        }
        EXPECT_TRUE(hit) << q << ": " << s.metric.ToString() << " at " << t;
        ++compared;
      }
    }
    // And nothing more in the range answer than the instants had.
    size_t points = 0;
    for (const auto& ms : mat) points += ms.samples.size();
    EXPECT_EQ(points, compared) << q;
    EXPECT_GT(compared, 0u) << q;
  }

  static constexpr int64_t kStart = 3'600'000;
  testing::MemoryStorage storage_;
};

// 50 groups: blocks of 81 steps, the last one shorter; 1100 groups: blocks
// of three steps.
TEST_F(RangeEvalTest, AggregationsEqualInstantQueriesAcrossStepBlocks) {
  LoadSeries("gauge", 100, 50, false, 1);
  LoadSeries("wide", 1100, 1100, false, 2);
  const Engine engine;
  for (const char* op :
       {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"}) {
    ExpectRangeEqualsInstants(engine, std::string(op) + " by (g) (gauge)");
    ExpectRangeEqualsInstants(engine, std::string(op) + " (gauge)");
  }
  // 31 steps: eleven blocks, the last of one step.
  ExpectRangeEqualsInstants(engine, "sum by (g) (wide)", 31);
  ExpectRangeEqualsInstants(engine, "sum by (g) (gauge offset 3m)");
}

// Whole answers of two engines: values bit for bit, label sets, order,
// annotations in order, or the same error.
void ExpectSameAnswer(const absl::StatusOr<QueryResult>& a,
                      const absl::StatusOr<QueryResult>& b,
                      const std::string& q) {
  ASSERT_EQ(a.ok(), b.ok()) << q << ": " << a.status() << " / " << b.status();
  if (!a.ok()) {
    EXPECT_EQ(a.status(), b.status()) << q;
    return;
  }
  EXPECT_EQ(a->warnings, b->warnings) << q;
  EXPECT_EQ(a->infos, b->infos) << q;
  const auto& ma = std::get<Matrix>(a->value);
  const auto& mb = std::get<Matrix>(b->value);
  ASSERT_EQ(ma.size(), mb.size()) << q;
  for (size_t i = 0; i < ma.size(); ++i) {
    ASSERT_EQ(ma[i].metric, mb[i].metric) << q;
    ASSERT_EQ(ma[i].samples.size(), mb[i].samples.size())
        << q << " " << ma[i].metric.ToString();
    for (size_t j = 0; j < ma[i].samples.size(); ++j) {
      EXPECT_EQ(ma[i].samples[j].t, mb[i].samples[j].t) << q;
      EXPECT_TRUE(SameBits(ma[i].samples[j].v, mb[i].samples[j].v))
          << q << " " << ma[i].metric.ToString() << " at " << ma[i].samples[j].t
          << ": " << ma[i].samples[j].v << " vs " << mb[i].samples[j].v;
    }
  }
}

EngineOptions Split(int64_t min_samples, int64_t max_samples = 50'000'000) {
  EngineOptions o;
  o.parallel_min_samples = min_samples;
  o.max_samples = max_samples;
  return o;
}

// A range function over many series, split among threads (every selection
// split: parallel_min_samples 0) and on one thread (-1): the same answer,
// annotations in the same order, the same errors.
TEST_F(RangeEvalTest, RangeFunctionsSplitAmongThreadsEqualOneThread) {
  LoadSeries("c_total", 300, 7, true, 3);
  // Names that are not a counter's: rate() says so once per name, in the
  // order of the series.
  for (int m = 0; m < 12; ++m) {
    LoadSeries("gauge_" + std::to_string(m), 25, 5, false, 10 + m);
  }
  const Engine serial(Split(-1));
  const Engine split(Split(0));
  const int64_t end = kStart + (kSteps - 1) * kStep;
  for (const char* q : {
           "rate(c_total[5m])",
           "increase(c_total[2m])",
           "irate(c_total[5m])",
           "resets(c_total[10m])",
           "rate({__name__=~\"gauge_.*\"}[5m])",
           "delta({__name__=~\"gauge_.*\"}[5m])",
           "sum_over_time({__name__=~\"gauge_.*\"}[5m])",
           "avg_over_time({__name__=~\"gauge_.*\"}[7m])",
           "stddev_over_time({__name__=~\"gauge_.*\"}[5m])",
           "quantile_over_time(0.3, {__name__=~\"gauge_.*\"}[5m])",
           "predict_linear({__name__=~\"gauge_.*\"}[5m], 60)",
           "last_over_time({__name__=~\"gauge_.*\"}[5m])",
           "changes({__name__=~\"gauge_.*\"}[5m] offset 1m)",
           "count(rate(c_total[5m]))",
       }) {
    SCOPED_TRACE(q);
    ExpectSameAnswer(serial.RangeQuery(storage_, q, kStart, end, kStep),
                     split.RangeQuery(storage_, q, kStart, end, kStep), q);
  }
  auto r = split.RangeQuery(storage_, "rate({__name__=~\"gauge_.*\"}[5m])",
                            kStart, end, kStep);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->infos.size(), 12u);
}

// The sample limit fails a query at the same point split or not: a limit
// between what the windows and what the answer needs, and one below a
// single window.
TEST_F(RangeEvalTest, SampleLimitSplitAmongThreadsEqualsOneThread) {
  LoadSeries("c_total", 200, 7, true, 4);
  const int64_t end = kStart + (kSteps - 1) * kStep;
  for (int64_t limit : {5, 11, 1000, 24'000, 47'000, 48'500, 60'000}) {
    SCOPED_TRACE(limit);
    const Engine serial(Split(-1, limit));
    const Engine split(Split(0, limit));
    for (const char* q : {"rate(c_total[5m])", "sum_over_time(c_total[10m])"}) {
      ExpectSameAnswer(serial.RangeQuery(storage_, q, kStart, end, kStep),
                       split.RangeQuery(storage_, q, kStart, end, kStep), q);
    }
  }
  // Windows of 120 samples, answers of 10 points a series (2000 in all):
  // only the windows break these limits.
  const int64_t start = kStart + 150 * kStep;
  for (int64_t limit : {100, 2000}) {
    SCOPED_TRACE(limit);
    const Engine serial(Split(-1, limit));
    const Engine split(Split(0, limit));
    const char* q = "sum_over_time(c_total[1h])";
    auto a = serial.RangeQuery(storage_, q, start, start + 9 * kStep, kStep);
    EXPECT_FALSE(a.ok()) << limit;
    ExpectSameAnswer(
        a, split.RangeQuery(storage_, q, start, start + 9 * kStep, kStep), q);
  }
}

// Over the Head, whose iterators may move between threads, a large
// selection is also decoded in parts: floats with staleness markers, and
// native histograms with a reset, a marker and series that switch between
// floats and histograms.
TEST_F(RangeEvalTest, HeadSelectionsDecodedAmongThreadsEqualOneThread) {
  tsdb::Head head;
  auto app = head.NewAppender();
  auto add = [&](const Labels& ls, int64_t t, double v) {
    ASSERT_TRUE(app->Append(ls, t, v).ok()) << ls.ToString() << " " << t;
  };
  ForSeries("c_total", 400, 9, true, 5, add);
  ForSeries("gauge", 400, 9, false, 6, add);
  for (int i = 0; i < 40; ++i) {
    const Labels ls = Labels::FromStrings(
        {"__name__", "h", "g", std::to_string(i % 4), "i", std::to_string(i)});
    double count = 0;
    for (int k = -10; k < kSteps + 10; ++k) {
      const int64_t t = kStart + k * kStep - 7'000;
      if (i % 10 == 3 && k % 50 == 7) {
        // A float among the histograms.
        ASSERT_TRUE(app->Append(ls, t, k).ok());
        continue;
      }
      FloatHistogram h;
      if (k == 100 + i) {
        h.sum = StaleNaN();
      } else {
        count = k == 150 ? 1 : count + 1 + i % 3;  // a reset at 150
        h.schema = 1;
        h.positive_spans = {{0, 3}};
        h.positive_buckets = {count, 2 * count, 0.5 * count};
        h.count = 3.5 * count;
        h.sum = 1.25 * count;
      }
      ASSERT_TRUE(app->AppendHistogram(0, ls, t, h).ok());
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  const Engine serial(Split(-1));
  const Engine split(Split(0));
  const int64_t end = kStart + (kSteps - 1) * kStep;
  for (const char* q : {
           "rate(c_total[5m])",
           "sum by (g) (rate(c_total[5m]))",
           "gauge",
           "max by (g) (gauge)",
           "h",
           "rate(h[5m])",
           "histogram_count(rate(h[5m]))",
           "sum by (g) (rate(h[5m]))",
           "count_over_time(h[3m])",
       }) {
    SCOPED_TRACE(q);
    auto want = serial.RangeQuery(head, q, kStart, end, kStep);
    EXPECT_TRUE(want.ok()) << want.status();
    ExpectSameAnswer(want, split.RangeQuery(head, q, kStart, end, kStep), q);
  }
}

}  // namespace
}  // namespace vigil::promql
