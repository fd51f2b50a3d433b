// The PromQL engine's evaluator: selectors, lookback and staleness, offset
// and @, binary operators and vector matching with their errors,
// aggregations, subqueries, limits and cancellation. Expected values follow
// Prometheus 3.x.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "tests/support/memory_storage.h"
#include "vigil/promql/engine.h"

namespace vigil::promql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr int64_t kMinute = 60'000;

class EngineTest : public ::testing::Test {
 protected:
  // `values[i]` lands at i * step_ms; NaN entries are gaps.
  void Load(const Labels& ls, int64_t step_ms, std::vector<double> values) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (std::isnan(values[i]) && !IsStaleNaN(values[i])) continue;
      storage_.Add(ls, static_cast<int64_t>(i) * step_ms, values[i]);
    }
  }

  // name{...} value pairs of an instant vector result, as strings.
  std::vector<std::pair<std::string, double>> Instant(
      const std::string& q, int64_t t, const Engine* engine = nullptr) {
    auto res = (engine ? engine : &engine_)->InstantQuery(storage_, q, t);
    EXPECT_TRUE(res.ok()) << q << ": " << res.status();
    std::vector<std::pair<std::string, double>> out;
    if (!res.ok()) return out;
    if (auto* s = std::get_if<Scalar>(&res->value)) {
      out.push_back({"scalar", s->v});
      return out;
    }
    for (const auto& s : std::get<Vector>(res->value)) {
      EXPECT_EQ(s.t, t);
      out.push_back({s.metric.ToString(), s.v});
    }
    return out;
  }

  absl::Status Error(const std::string& q, int64_t t) {
    auto res = engine_.InstantQuery(storage_, q, t);
    return res.status();
  }

  static EngineOptions Options() {
    EngineOptions o;
    o.parse_options = ParseOptions::AllExperimental();
    return o;
  }

  testing::MemoryStorage storage_;
  Engine engine_{Options()};
};

TEST_F(EngineTest, SelectorUsesLookbackWindow) {
  Load(Labels::FromStrings({"__name__", "m", "a", "1"}), kMinute, {1, 2, 3});
  EXPECT_THAT(Instant("m", 2 * kMinute), ElementsAre(Pair("m{a=\"1\"}", 3)));
  // The last sample is at 2m; lookback 5m keeps it until just before 7m.
  EXPECT_THAT(Instant("m", 6 * kMinute + 59'999),
              ElementsAre(Pair("m{a=\"1\"}", 3)));
  EXPECT_THAT(Instant("m", 7 * kMinute), IsEmpty());
}

TEST_F(EngineTest, StaleMarkerEndsSeries) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {1, StaleNaN(), 3});
  EXPECT_THAT(Instant("m", 0), ElementsAre(Pair("m{}", 1)));
  EXPECT_THAT(Instant("m", kMinute + 30'000), IsEmpty());
  EXPECT_THAT(Instant("m", 2 * kMinute), ElementsAre(Pair("m{}", 3)));
}

TEST_F(EngineTest, OffsetAndAt) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {0, 10, 20, 30});
  EXPECT_THAT(Instant("m offset 1m", 3 * kMinute),
              ElementsAre(Pair("m{}", 20)));
  EXPECT_THAT(Instant("m offset -1m", kMinute), ElementsAre(Pair("m{}", 20)));
  EXPECT_THAT(Instant("m @ 60", 3 * kMinute), ElementsAre(Pair("m{}", 10)));
  EXPECT_THAT(Instant("m @ 120 offset 1m", 0), ElementsAre(Pair("m{}", 10)));
}

TEST_F(EngineTest, RangeSelectorIsLeftOpen) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {0, 1, 2, 3});
  auto res = engine_.InstantQuery(storage_, "m[2m]", 3 * kMinute);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat = std::get<Matrix>(res->value);
  ASSERT_EQ(mat.size(), 1u);
  // (1m, 3m]: the sample at 1m is out.
  ASSERT_EQ(mat[0].samples.size(), 2u);
  EXPECT_EQ(mat[0].samples[0].t, 2 * kMinute);
  EXPECT_EQ(mat[0].samples[1].t, 3 * kMinute);
}

TEST_F(EngineTest, RangeQueryProducesSortedMatrix) {
  Load(Labels::FromStrings({"__name__", "m", "i", "b"}), kMinute, {1, 2, 3});
  Load(Labels::FromStrings({"__name__", "m", "i", "a"}), kMinute, {4, 5, 6});
  auto res = engine_.RangeQuery(storage_, "m * 2", 0, 2 * kMinute, kMinute);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat = std::get<Matrix>(res->value);
  ASSERT_EQ(mat.size(), 2u);
  EXPECT_EQ(mat[0].metric.ToString(), "{i=\"a\"}");
  ASSERT_EQ(mat[0].samples.size(), 3u);
  EXPECT_EQ(mat[0].samples[2].v, 12);
  EXPECT_EQ(mat[1].metric.ToString(), "{i=\"b\"}");
}

TEST_F(EngineTest, UnsortedMatrixKeepsTheEvaluationsOrder) {
  Load(Labels::FromStrings({"__name__", "m", "i", "b"}), kMinute, {1, 2, 3});
  Load(Labels::FromStrings({"__name__", "m", "i", "a"}), kMinute, {4, 5, 6});
  const std::string q = R"(m{i="b"} or m{i="a"})";
  QueryOptions unsorted;
  unsorted.unsorted_matrix = true;
  auto res = engine_.RangeQuery(storage_, q, 0, 2 * kMinute, kMinute, unsorted);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat = std::get<Matrix>(res->value);
  ASSERT_EQ(mat.size(), 2u);
  // `or` lists its left side first; sorted, "a" would come first.
  EXPECT_EQ(mat[0].metric.ToString(), "m{i=\"b\"}");
  EXPECT_EQ(mat[1].metric.ToString(), "m{i=\"a\"}");
  ASSERT_EQ(mat[1].samples.size(), 3u);
  EXPECT_EQ(mat[1].samples[2].v, 6);
  auto sorted = engine_.RangeQuery(storage_, q, 0, 2 * kMinute, kMinute);
  ASSERT_TRUE(sorted.ok()) << sorted.status();
  EXPECT_EQ(std::get<Matrix>(sorted->value)[0].metric.ToString(), "m{i=\"a\"}");
}

TEST_F(EngineTest, SharedSelectionsServeTheSameSelectorAndRange) {
  const Labels a = Labels::FromStrings({"__name__", "m", "i", "a"});
  Load(a, kMinute, {1, 2, 3});
  SharedSelections shared([](const VectorSelector& vs) {
    return vs.matchers.size() == 2;  // m{i="a"}, not m
  });
  QueryOptions opts;
  opts.shared_selections = &shared;
  auto first = engine_.RangeQuery(storage_, R"(m{i="a"} * 2)", 0, 2 * kMinute,
                                  kMinute, opts);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(shared.size(), 1u);
  // A sample added now is not seen through the shared selection (the
  // caller vouches that nothing changes): the second query shares it.
  storage_.Add(a, 2 * kMinute + 1000, 10);
  auto again = engine_.RangeQuery(storage_, R"(m{i="a"} + 0)", 0, 2 * kMinute,
                                  kMinute, opts);
  ASSERT_TRUE(again.ok()) << again.status();
  const auto& m = std::get<Matrix>(again->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].samples.size(), 3u);
  EXPECT_EQ(m[0].samples[2].v, 3);
  // Another range, or a selector not shareable, reads the store.
  auto later = engine_.RangeQuery(storage_, R"(m{i="a"})", kMinute, 3 * kMinute,
                                  kMinute, opts);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(std::get<Matrix>(later->value)[0].samples.back().v, 10);
  EXPECT_EQ(shared.size(), 2u);
  auto unshared =
      engine_.RangeQuery(storage_, "m", 0, 2 * kMinute + 1000, 1000, opts);
  ASSERT_TRUE(unshared.ok()) << unshared.status();
  EXPECT_EQ(std::get<Matrix>(unshared->value)[0].samples.back().v, 10);
  EXPECT_EQ(shared.size(), 2u);
  shared.Clear();
  EXPECT_EQ(shared.size(), 0u);
}

TEST_F(EngineTest, RangeQueryRejectsRangeVector) {
  auto res = engine_.RangeQuery(storage_, "m[5m]", 0, kMinute, kMinute);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, ScalarArithmeticAndComparison) {
  EXPECT_THAT(Instant("1 + 2 * 3", 0), ElementsAre(Pair("scalar", 7)));
  EXPECT_THAT(Instant("2 ^ 10", 0), ElementsAre(Pair("scalar", 1024)));
  EXPECT_THAT(Instant("5 % 3", 0), ElementsAre(Pair("scalar", 2)));
  EXPECT_THAT(Instant("1 < bool 2", 0), ElementsAre(Pair("scalar", 1)));
  EXPECT_THAT(Instant("-(3)", 0), ElementsAre(Pair("scalar", -3)));
}

TEST_F(EngineTest, VectorScalarDropsNameForArithmeticOnly) {
  Load(Labels::FromStrings({"__name__", "m", "a", "1"}), kMinute, {5});
  EXPECT_THAT(Instant("m * 2", 0), ElementsAre(Pair("{a=\"1\"}", 10)));
  EXPECT_THAT(Instant("m > 2", 0), ElementsAre(Pair("m{a=\"1\"}", 5)));
  EXPECT_THAT(Instant("m > 6", 0), IsEmpty());
  EXPECT_THAT(Instant("m > bool 6", 0), ElementsAre(Pair("{a=\"1\"}", 0)));
  // A comparison keeps the vector's value with the scalar on the left.
  EXPECT_THAT(Instant("1 < m", 0), ElementsAre(Pair("m{a=\"1\"}", 5)));
  EXPECT_THAT(Instant("-m", 0), ElementsAre(Pair("{a=\"1\"}", -5)));
}

TEST_F(EngineTest, OneToOneMatching) {
  Load(Labels::FromStrings({"__name__", "a", "j", "x", "i", "1"}), kMinute,
       {10});
  Load(Labels::FromStrings({"__name__", "b", "j", "x", "i", "1"}), kMinute,
       {3});
  Load(Labels::FromStrings({"__name__", "b", "j", "y", "i", "1"}), kMinute,
       {4});
  EXPECT_THAT(Instant("a - b", 0), ElementsAre(Pair("{i=\"1\", j=\"x\"}", 7)));
  EXPECT_THAT(Instant("a > on(j) b", 0), ElementsAre(Pair("{j=\"x\"}", 10)));
  EXPECT_THAT(Instant("a > ignoring(i) b", 0),
              ElementsAre(Pair("a{j=\"x\"}", 10)));
  // b has two series for i="1": many-to-many without group modifiers.
  absl::Status st = Error("a + on(i) b", 0);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("found duplicate series for the match group {i=\"1\"} "
                        "on the right hand-side of the operation"));
  st = Error("b + on(i) a", 0);
  EXPECT_EQ(st.message(),
            "multiple matches for labels: many-to-one matching must be "
            "explicit (group_left/group_right)");
}

TEST_F(EngineTest, GroupLeftAndRight) {
  Load(Labels::FromStrings({"__name__", "req", "pod", "p", "code", "200"}),
       kMinute, {10});
  Load(Labels::FromStrings({"__name__", "req", "pod", "p", "code", "500"}),
       kMinute, {2});
  Load(Labels::FromStrings({"__name__", "info", "pod", "p", "node", "n1"}),
       kMinute, {1});
  EXPECT_THAT(
      Instant("req * on(pod) group_left(node) info", 0),
      UnorderedElementsAre(Pair("{code=\"200\", node=\"n1\", pod=\"p\"}", 10),
                           Pair("{code=\"500\", node=\"n1\", pod=\"p\"}", 2)));
  EXPECT_THAT(Instant("info * on(pod) group_right req", 0),
              UnorderedElementsAre(Pair("{code=\"200\", pod=\"p\"}", 10),
                                   Pair("{code=\"500\", pod=\"p\"}", 2)));
}

TEST_F(EngineTest, SetOperators) {
  Load(Labels::FromStrings({"__name__", "a", "i", "1"}), kMinute, {1});
  Load(Labels::FromStrings({"__name__", "a", "i", "2"}), kMinute, {2});
  Load(Labels::FromStrings({"__name__", "b", "i", "2"}), kMinute, {20});
  Load(Labels::FromStrings({"__name__", "b", "i", "3"}), kMinute, {30});
  EXPECT_THAT(Instant("a and b", 0), ElementsAre(Pair("a{i=\"2\"}", 2)));
  EXPECT_THAT(Instant("a unless b", 0), ElementsAre(Pair("a{i=\"1\"}", 1)));
  EXPECT_THAT(Instant("a or b", 0),
              UnorderedElementsAre(Pair("a{i=\"1\"}", 1), Pair("a{i=\"2\"}", 2),
                                   Pair("b{i=\"3\"}", 30)));
  EXPECT_THAT(
      Instant("a and on() b", 0),
      UnorderedElementsAre(Pair("a{i=\"1\"}", 1), Pair("a{i=\"2\"}", 2)));
}

TEST_F(EngineTest, FillModifiers) {
  Load(Labels::FromStrings({"__name__", "l", "k", "a"}), kMinute, {10});
  Load(Labels::FromStrings({"__name__", "l", "k", "c"}), kMinute, {30});
  Load(Labels::FromStrings({"__name__", "r", "k", "a"}), kMinute, {100});
  Load(Labels::FromStrings({"__name__", "r", "k", "d"}), kMinute, {400});
  EXPECT_THAT(
      Instant("l + fill(0) r", 0),
      UnorderedElementsAre(Pair("{k=\"a\"}", 110), Pair("{k=\"c\"}", 30),
                           Pair("{k=\"d\"}", 400)));
  EXPECT_THAT(
      Instant("l + fill_right(1) r", 0),
      UnorderedElementsAre(Pair("{k=\"a\"}", 110), Pair("{k=\"c\"}", 31)));
}

TEST_F(EngineTest, Aggregations) {
  Load(Labels::FromStrings({"__name__", "m", "j", "x", "i", "1"}), kMinute,
       {1});
  Load(Labels::FromStrings({"__name__", "m", "j", "x", "i", "2"}), kMinute,
       {2});
  Load(Labels::FromStrings({"__name__", "m", "j", "y", "i", "3"}), kMinute,
       {6});
  EXPECT_THAT(Instant("sum(m)", 0), ElementsAre(Pair("{}", 9)));
  EXPECT_THAT(Instant("sum by (j) (m)", 0),
              UnorderedElementsAre(Pair("{j=\"x\"}", 3), Pair("{j=\"y\"}", 6)));
  EXPECT_THAT(
      Instant("avg without (i) (m)", 0),
      UnorderedElementsAre(Pair("{j=\"x\"}", 1.5), Pair("{j=\"y\"}", 6)));
  EXPECT_THAT(Instant("count(m)", 0), ElementsAre(Pair("{}", 3)));
  EXPECT_THAT(Instant("min(m)", 0), ElementsAre(Pair("{}", 1)));
  EXPECT_THAT(Instant("max(m)", 0), ElementsAre(Pair("{}", 6)));
  EXPECT_THAT(Instant("group by (j) (m)", 0),
              UnorderedElementsAre(Pair("{j=\"x\"}", 1), Pair("{j=\"y\"}", 1)));
  EXPECT_THAT(
      Instant("stdvar by (j) (m)", 0),
      UnorderedElementsAre(Pair("{j=\"x\"}", 0.25), Pair("{j=\"y\"}", 0)));
  EXPECT_THAT(
      Instant("stddev by (j) (m)", 0),
      UnorderedElementsAre(Pair("{j=\"x\"}", 0.5), Pair("{j=\"y\"}", 0)));
  EXPECT_THAT(Instant("quantile(0.5, m)", 0), ElementsAre(Pair("{}", 2)));
  EXPECT_THAT(Instant("count_values(\"v\", m)", 0),
              UnorderedElementsAre(Pair("{v=\"1\"}", 1), Pair("{v=\"2\"}", 1),
                                   Pair("{v=\"6\"}", 1)));
}

// The label text is strconv.FormatFloat(v, 'f', -1, 64), as Prometheus
// answers for the same expression.
TEST_F(EngineTest, CountValuesLabelsAreGoFloats) {
  EXPECT_THAT(Instant("count_values(\"v\", vector(2^62) or "
                      "label_replace(vector(1e-10), \"a\", \"b\", \"\", \"\"))",
                      0),
              UnorderedElementsAre(Pair("{v=\"4611686018427388000\"}", 1),
                                   Pair("{v=\"0.0000000001\"}", 1)));
}

TEST_F(EngineTest, TopkOrdersInstantResults) {
  Load(Labels::FromStrings({"__name__", "m", "i", "1"}), kMinute, {5});
  Load(Labels::FromStrings({"__name__", "m", "i", "2"}), kMinute, {9});
  Load(Labels::FromStrings({"__name__", "m", "i", "3"}), kMinute, {1});
  EXPECT_THAT(Instant("topk(2, m)", 0),
              ElementsAre(Pair("m{i=\"2\"}", 9), Pair("m{i=\"1\"}", 5)));
  EXPECT_THAT(Instant("bottomk(2, m)", 0),
              ElementsAre(Pair("m{i=\"3\"}", 1), Pair("m{i=\"1\"}", 5)));
  EXPECT_THAT(Instant("topk(0, m)", 0), IsEmpty());
  EXPECT_THAT(Instant("count(limitk(2, m))", 0), ElementsAre(Pair("{}", 2)));
  EXPECT_EQ(Error("topk(NaN, m)", 0).message(), "Parameter value is NaN");
  EXPECT_EQ(Error("limit_ratio(NaN, m)", 0).message(), "Ratio value is NaN");
}

TEST_F(EngineTest, QuantileOutOfRangeWarns) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {5});
  auto res = engine_.InstantQuery(storage_, "quantile(2, m)", 0);
  ASSERT_TRUE(res.ok());
  EXPECT_THAT(res->warnings,
              ElementsAre("PromQL warning: quantile value should be between 0 "
                          "and 1, got 2 (1:10)"));
}

TEST_F(EngineTest, SubqueryAlignsSteps) {
  Load(Labels::FromStrings({"__name__", "m"}), 10'000,
       {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  // Steps at 30s, 60s, 90s, 120s: (0, 120s] aligned to multiples of 30s.
  auto res = engine_.InstantQuery(storage_, "m[2m:30s]", 120'000);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat = std::get<Matrix>(res->value);
  ASSERT_EQ(mat.size(), 1u);
  ASSERT_EQ(mat[0].samples.size(), 4u);
  EXPECT_EQ(mat[0].samples[0].t, 30'000);
  EXPECT_EQ(mat[0].samples[0].v, 3);
  EXPECT_EQ(mat[0].samples[3].v, 12);
  // An unaligned evaluation time still uses absolute multiples.
  res = engine_.InstantQuery(storage_, "m[1m:30s]", 100'000);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat2 = std::get<Matrix>(res->value);
  ASSERT_EQ(mat2.size(), 1u);
  ASSERT_EQ(mat2[0].samples.size(), 2u);
  EXPECT_EQ(mat2[0].samples[0].t, 60'000);
  EXPECT_EQ(mat2[0].samples[1].t, 90'000);
}

TEST_F(EngineTest, StartTimestampsReachRangeFunctionsFromSelectorsOnly) {
  // A delta-style counter: every sample starts just after the previous one
  // was taken, so each is a reset although the values never drop. A stale
  // marker in between must not shift samples against start timestamps.
  Labels d = Labels::FromStrings({"__name__", "d_total"});
  storage_.Add(d, 1 * kMinute, 60, 1);
  storage_.Add(d, 2 * kMinute, 60, 1 * kMinute + 1);
  storage_.Add(d, 2 * kMinute + 30'000, StaleNaN());
  storage_.Add(d, 3 * kMinute, 60, 2 * kMinute + 1);
  storage_.Add(d, 4 * kMinute, 60, 3 * kMinute + 1);
  EXPECT_THAT(Instant("resets(d_total[3m])", 4 * kMinute),
              ElementsAre(Pair("{}", 2)));
  // (1m, 4m]: the first sample's start lies inside the range, so the count
  // starts from zero there, without extrapolation: 60 + 60 + 60.
  EXPECT_THAT(Instant("increase(d_total[3m])", 4 * kMinute),
              ElementsAre(Pair("{}", 180)));
  EXPECT_THAT(Instant("irate(d_total[3m])", 4 * kMinute),
              ElementsAre(Pair("{}", 1)));
  // Subqueries drop start timestamps: a flat series.
  EXPECT_THAT(Instant("resets(d_total[3m:1m])", 4 * kMinute),
              ElementsAre(Pair("{}", 0)));
  EXPECT_THAT(Instant("increase(d_total[3m:1m])", 4 * kMinute),
              ElementsAre(Pair("{}", 0)));
}

TEST_F(EngineTest, StartTimestampFunction) {
  Labels with = Labels::FromStrings({"__name__", "m", "st", "yes"});
  Labels without = Labels::FromStrings({"__name__", "m", "st", "no"});
  storage_.Add(with, kMinute, 1, 30'000);
  storage_.Add(with, 2 * kMinute, 2);
  storage_.Add(without, kMinute, 1);
  // The start timestamp of the sample the lookback picks, 0 for none.
  EXPECT_THAT(
      Instant("start_timestamp(m)", 90'000),
      UnorderedElementsAre(Pair("{st=\"yes\"}", 30), Pair("{st=\"no\"}", 0)));
  EXPECT_THAT(Instant("start_timestamp(m{st=\"yes\"})", 2 * kMinute),
              ElementsAre(Pair("{st=\"yes\"}", 0)));
  EXPECT_THAT(Instant("start_timestamp(m{st=\"yes\"} offset 1m)", 2 * kMinute),
              ElementsAre(Pair("{st=\"yes\"}", 30)));
  // Computed vectors carry none: Prometheus returns nothing.
  EXPECT_THAT(Instant("start_timestamp(m * 1)", 90'000), IsEmpty());
}

TEST_F(EngineTest, DelayedNameRemoval) {
  EngineOptions o = Options();
  o.enable_delayed_name_removal = true;
  Engine delayed(o);
  Load(Labels::FromStrings({"__name__", "m", "a", "1"}), kMinute, {5});
  EXPECT_THAT(Instant("m * 2", 0, &delayed),
              ElementsAre(Pair("{a=\"1\"}", 10)));
  EXPECT_THAT(Instant("sum by (__name__) (m)", 0, &delayed),
              ElementsAre(Pair("m{}", 5)));
}

TEST_F(EngineTest, DuplicateLabelsetIsAnError) {
  Load(Labels::FromStrings({"__name__", "m1", "a", "1"}), kMinute, {5});
  Load(Labels::FromStrings({"__name__", "m2", "a", "1"}), kMinute, {6});
  EXPECT_EQ(Error("-{a=\"1\"}", 0).message(),
            "vector cannot contain metrics with the same labelset");
}

TEST_F(EngineTest, MaxSamplesLimit) {
  EngineOptions o = Options();
  o.max_samples = 2;
  Engine limited(o);
  for (int i = 0; i < 3; ++i) {
    Load(Labels::FromStrings({"__name__", "m", "i", std::to_string(i)}),
         kMinute, {1});
  }
  auto res = limited.InstantQuery(storage_, "m", 0);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(res.status().message(),
            "query processing would load too many samples into memory in "
            "query execution");
}

TEST_F(EngineTest, CancellationAndTimeout) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {1});
  std::stop_source source;
  source.request_stop();
  QueryOptions qo;
  qo.stop = source.get_token();
  auto res = engine_.InstantQuery(storage_, "m", 0, qo);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kCancelled);

  EngineOptions o = Options();
  o.timeout = std::chrono::milliseconds(-1);
  Engine expired(o);
  res = expired.InstantQuery(storage_, "m", 0);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(res.status().message(), "query timed out in expression evaluation");
}

TEST_F(EngineTest, TimeoutIsMeasuredOnTheInjectedClock) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {1, 2, 3, 4, 5});
  // A clock that moves one second per reading: with a 30 s timeout the
  // query starts in time, and the deadline passes after a known number of
  // cancellation checks, whatever the machine's speed.
  int64_t readings = 0;
  EngineOptions o = Options();
  o.timeout = std::chrono::seconds(30);
  o.monotonic_clock = [&readings] {
    return std::chrono::steady_clock::time_point(
        std::chrono::seconds(readings++));
  };
  Engine engine(o);
  auto res = engine.RangeQuery(storage_, "sum(m)", 0, 60 * kMinute, 1000);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(res.status().message(), "query timed out in expression evaluation");
  EXPECT_GT(readings, 30);

  // A frozen clock never times out, however long the query runs.
  o.monotonic_clock = [] { return std::chrono::steady_clock::time_point(); };
  Engine frozen(o);
  res = frozen.RangeQuery(storage_, "sum(m)", 0, 60 * kMinute, 1000);
  EXPECT_TRUE(res.ok()) << res.status();
}

TEST_F(EngineTest, LookbackOverride) {
  Load(Labels::FromStrings({"__name__", "m"}), kMinute, {1});
  QueryOptions qo;
  qo.lookback_delta_ms = 30'000;
  auto res = engine_.InstantQuery(storage_, "m", kMinute, qo);
  ASSERT_TRUE(res.ok());
  EXPECT_THAT(std::get<Vector>(res->value), IsEmpty());
}

TEST_F(EngineTest, DurationExpressions) {
  Load(Labels::FromStrings({"__name__", "m"}), 1000,
       {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  auto res =
      engine_.RangeQuery(storage_, "m offset step()", 5000, 10'000, 5000);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat = std::get<Matrix>(res->value);
  ASSERT_EQ(mat.size(), 1u);
  EXPECT_EQ(mat[0].samples[0].v, 0);
  EXPECT_EQ(mat[0].samples[1].v, 5);
}

// info(): series gain the data labels of the target_info series with the
// same instance and job; a data-label selector picks which labels, and a
// matcher that needs a value drops series no info series matches.
TEST_F(EngineTest, InfoAddsTargetInfoDataLabels) {
  Load(Labels::FromStrings({"__name__", "m", "instance", "a", "job", "j"}),
       kMinute, {1, 2});
  Load(Labels::FromStrings({"__name__", "m", "instance", "b", "job", "j"}),
       kMinute, {3, 4});
  Load(Labels::FromStrings({"__name__", "target_info", "cluster", "c1",
                            "instance", "a", "job", "j", "region", "eu"}),
       kMinute, {1, 1});
  Load(Labels::FromStrings({"__name__", "build_info", "instance", "a", "job",
                            "j", "version", "1.2"}),
       kMinute, {1, 1});
  EXPECT_THAT(
      Instant("info(m)", kMinute),
      UnorderedElementsAre(
          Pair("m{cluster=\"c1\", instance=\"a\", job=\"j\", region=\"eu\"}",
               2),
          Pair("m{instance=\"b\", job=\"j\"}", 4)));
  EXPECT_THAT(
      Instant("info(m, {cluster=~\".+\"})", kMinute),
      ElementsAre(Pair("m{cluster=\"c1\", instance=\"a\", job=\"j\"}", 2)));
  EXPECT_THAT(Instant("info(m, {__name__=\"build_info\"})", kMinute),
              UnorderedElementsAre(
                  Pair("m{instance=\"a\", job=\"j\", version=\"1.2\"}", 2),
                  Pair("m{instance=\"b\", job=\"j\"}", 4)));
  // Info series themselves pass through unchanged.
  EXPECT_THAT(Instant("info(target_info)", kMinute),
              ElementsAre(Pair("target_info{cluster=\"c1\", instance=\"a\", "
                               "job=\"j\", region=\"eu\"}",
                               1)));
}

// Enrichment reads the info series at the time the input was read: `@` and
// offset move it, unless the input's vector paths disagree on that time.
TEST_F(EngineTest, InfoFollowsTheInputsTime) {
  Load(Labels::FromStrings({"__name__", "m", "instance", "a", "job", "j"}),
       kMinute, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Load(Labels::FromStrings({"__name__", "target_info", "instance", "a", "job",
                            "j", "version", "old"}),
       kMinute, {1, 1, 1, StaleNaN()});
  const double gap = std::nan("");
  Load(Labels::FromStrings({"__name__", "target_info", "instance", "a", "job",
                            "j", "version", "new"}),
       kMinute, {gap, gap, gap, 1, 1, 1, 1, 1, 1});
  const int64_t t = 8 * kMinute;
  EXPECT_THAT(
      Instant("info(m)", t),
      ElementsAre(Pair("m{instance=\"a\", job=\"j\", version=\"new\"}", 8)));
  EXPECT_THAT(
      Instant("info(m @ 120)", t),
      ElementsAre(Pair("m{instance=\"a\", job=\"j\", version=\"old\"}", 2)));
  EXPECT_THAT(
      Instant("info(m offset 6m)", t),
      ElementsAre(Pair("m{instance=\"a\", job=\"j\", version=\"old\"}", 2)));
  EXPECT_THAT(
      Instant("info(last_over_time(m[5m:1m] @ 120))", t),
      ElementsAre(Pair("m{instance=\"a\", job=\"j\", version=\"old\"}", 2)));
  // A scalar operand does not decide the time; paths that disagree make
  // enrichment follow the step (Prometheus 3's info()).
  EXPECT_THAT(
      Instant("info(scalar(m @ 120) * m)", t),
      ElementsAre(Pair("{instance=\"a\", job=\"j\", version=\"new\"}", 16)));
  EXPECT_THAT(
      Instant("info(m @ 120 or m offset 1m)", t),
      ElementsAre(Pair("m{instance=\"a\", job=\"j\", version=\"new\"}", 2)));

  // A range query sees the switch from old to new at 3m.
  auto res = engine_.RangeQuery(storage_, "info(m)", 2 * kMinute, 3 * kMinute,
                                kMinute);
  ASSERT_TRUE(res.ok()) << res.status();
  const auto& mat = std::get<Matrix>(res->value);
  ASSERT_EQ(mat.size(), 2u);
  EXPECT_EQ(mat[0].metric.Get("version"), "new");
  EXPECT_EQ(mat[0].samples.size(), 1u);
  EXPECT_EQ(mat[0].samples[0].t, 3 * kMinute);
  EXPECT_EQ(mat[1].metric.Get("version"), "old");
  EXPECT_EQ(mat[1].samples[0].t, 2 * kMinute);
}

TEST_F(EngineTest, InfoConflictsAreErrors) {
  Load(Labels::FromStrings({"__name__", "m", "instance", "a", "job", "j"}),
       kMinute, {1});
  Load(Labels::FromStrings(
           {"__name__", "target_info", "instance", "a", "job", "j", "x", "1"}),
       kMinute, {1});
  Load(Labels::FromStrings(
           {"__name__", "build_info", "instance", "a", "job", "j", "x", "2"}),
       kMinute, {1});
  EXPECT_EQ(Error("info(m, {__name__=~\".+_info\"})", 0).message(),
            "conflicting label: x");
  // Two target_info series for one target with samples at the same time.
  Load(Labels::FromStrings(
           {"__name__", "target_info", "instance", "a", "job", "j", "x", "3"}),
       kMinute, {1});
  EXPECT_EQ(Error("info(m)", 0).message(),
            "found duplicate series for info metric: existing "
            "{__name__=\"target_info\", instance=\"a\", job=\"j\", x=\"1\"} @ "
            "0, new {__name__=\"target_info\", instance=\"a\", job=\"j\", "
            "x=\"3\"} @ 0");
}

}  // namespace
}  // namespace vigil::promql
