// The function implementation table, exercised directly through
// LookupFunctionImpl with hand-built arguments: the values and annotations
// Prometheus 3 produces for each function.
#include <cmath>
#include <compare>
#include <limits>
#include <memory>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/model/go_float.h"
#include "promql/eval_types.h"
#include "promql/functions/common.h"
#include "promql/functions/quantile.h"
#include "vigil/promql/ast.h"

namespace vigil::promql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A call expression with `n` placeholder arguments at known positions:
// argument i spans [10 * (i + 1), 10 * (i + 1) + 5).
std::unique_ptr<Call> MakeCall(size_t n) {
  auto call = std::make_unique<Call>();
  call->pos = {0, 100};
  for (size_t i = 0; i < n; ++i) {
    auto arg = std::make_unique<NumberLiteral>();
    arg->pos = {static_cast<int32_t>(10 * (i + 1)),
                static_cast<int32_t>(10 * (i + 1) + 5)};
    call->args.push_back(std::move(arg));
  }
  return call;
}

// Builds the arguments of one call and runs the named implementation.
class Invocation {
 public:
  explicit Invocation(std::string name, size_t nargs)
      : name_(std::move(name)), call_(MakeCall(nargs)), values_(nargs) {}

  Invocation& Vector(size_t i, EvalVector v) {
    vectors_.push_back(std::make_unique<EvalVector>(std::move(v)));
    values_[i].vector = vectors_.back().get();
    return *this;
  }
  Invocation& Scalar(size_t i, double v) {
    values_[i].scalar = v;
    return *this;
  }
  Invocation& String(size_t i, std::string s) {
    strings_.push_back(std::make_unique<std::string>(std::move(s)));
    values_[i].string = *strings_.back();
    return *this;
  }
  // A range-vector argument of one series per entry.
  Invocation& Matrix(size_t i, std::vector<Labels> metrics,
                     std::vector<std::vector<Sample>> samples,
                     int64_t range_start, int64_t range_end,
                     bool drop_name = false) {
    metrics_ = std::move(metrics);
    samples_ = std::move(samples);
    window_.clear();
    for (size_t k = 0; k < metrics_.size(); ++k) {
      window_.push_back(WindowSeries{&metrics_[k], samples_[k], drop_name});
    }
    values_[i].matrix = &window_;
    range_start_ = range_start;
    range_end_ = range_end;
    return *this;
  }
  // Start timestamps of the matrix argument's series (after Matrix()), one
  // list per series parallel to its samples.
  Invocation& MatrixStartTimestamps(std::vector<std::vector<int64_t>> sts) {
    matrix_sts_ = std::move(sts);
    for (size_t k = 0; k < window_.size() && k < matrix_sts_.size(); ++k) {
      window_[k].start_timestamps = matrix_sts_[k];
    }
    return *this;
  }
  // Start timestamps of the vector argument's samples, as the evaluator
  // passes them for a selector argument of start_timestamp().
  Invocation& VectorStartTimestamps(std::vector<int64_t> sts) {
    vector_sts_ = std::move(sts);
    return *this;
  }
  Invocation& At(int64_t t) {
    t_ = t;
    return *this;
  }
  Invocation& Delayed(bool on = true) {
    delayed_ = on;
    return *this;
  }
  Call& call() { return *call_; }

  absl::Status Run(EvalVector* out) {
    FunctionImpl impl = LookupFunctionImpl(name_);
    if (impl == nullptr) return absl::NotFoundError(name_);
    FunctionArgs args{*call_, values_, t_};
    args.range_start = range_start_;
    args.range_end = range_end_;
    args.annotations = &annotations_;
    args.delayed_name_removal = delayed_;
    args.start_timestamps = vector_sts_;
    return impl(args, out);
  }
  EvalVector Out() {
    EvalVector out;
    absl::Status s = Run(&out);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  // The single value of a one-sample result.
  double Value() {
    EvalVector out = Out();
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? kNaN : out[0].v;
  }
  const std::vector<Annotation>& annotations() const {
    return annotations_.all();
  }

 private:
  std::string name_;
  std::unique_ptr<Call> call_;
  std::vector<ArgValue> values_;
  std::vector<std::unique_ptr<EvalVector>> vectors_;
  std::vector<std::unique_ptr<std::string>> strings_;
  std::vector<Labels> metrics_;
  std::vector<std::vector<Sample>> samples_;
  std::vector<WindowSeries> window_;
  std::vector<std::vector<int64_t>> matrix_sts_;
  std::vector<int64_t> vector_sts_;
  int64_t t_ = 0;
  int64_t range_start_ = 0;
  int64_t range_end_ = 0;
  bool delayed_ = false;
  Annotations annotations_;
};

Labels L(std::initializer_list<std::string_view> kv) {
  return Labels::FromStrings(kv);
}

EvalSample S(Labels l, double v) { return EvalSample{std::move(l), 0, v}; }

// rate/increase/delta over one series in the window (0, 60s].
double RangeFn(const std::string& name, std::vector<Sample> samples,
               std::string metric = "x_total") {
  Invocation inv(name, 1);
  inv.Matrix(0, {L({"__name__", metric})}, {std::move(samples)}, 0, 60000)
      .At(60000);
  return inv.Value();
}

TEST(RegistryTest, CoversEverySignatureExceptEvaluatorOnes) {
  for (const FunctionSignature& sig : AllFunctions()) {
    std::string_view n = sig.name;
    if (n == "info" || n == "start" || n == "end" || n == "step" ||
        n == "range" || n == "integral") {
      continue;
    }
    EXPECT_NE(LookupFunctionImpl(n), nullptr) << n;
  }
  EXPECT_EQ(LookupFunctionImpl("no_such_function"), nullptr);
}

TEST(RateTest, ExtrapolatesToWindowBoundaries) {
  // Samples every 10s from 10s to 60s: 10s short of the start, which is
  // within 1.1 intervals, so the increase covers the whole minute.
  std::vector<Sample> s;
  for (int i = 1; i <= 6; ++i) s.push_back({i * 10000, i * 10.0});
  EXPECT_DOUBLE_EQ(RangeFn("increase", s), 60);
  EXPECT_DOUBLE_EQ(RangeFn("rate", s), 1);
  EXPECT_DOUBLE_EQ(RangeFn("delta", s), 60);
}

TEST(RateTest, ExtrapolatesHalfAnIntervalWhenFarFromBoundaries) {
  // 20s from both boundaries with 10s intervals: half an interval each
  // side; a counter starting at 0 is not extrapolated below zero.
  std::vector<Sample> s = {{20000, 0}, {30000, 10}, {40000, 20}};
  EXPECT_DOUBLE_EQ(RangeFn("increase", s), 25);
  EXPECT_DOUBLE_EQ(RangeFn("delta", s), 30);
}

TEST(RateTest, ExtrapolationStopsAtTheCounterZeroPoint) {
  // 1 -> 11 over 30s: the zero point lies 3s before the first sample.
  std::vector<Sample> s = {{30000, 1}, {60000, 11}};
  EXPECT_DOUBLE_EQ(RangeFn("increase", s), 11);
  EXPECT_DOUBLE_EQ(RangeFn("delta", s), 20);  // gauges extrapolate fully
}

TEST(RateTest, CorrectsCounterResets) {
  std::vector<Sample> s = {{15000, 10}, {30000, 20}, {45000, 5}, {60000, 15}};
  // 25 raw increase over 45s, extrapolated by 15s at the start.
  EXPECT_NEAR(RangeFn("increase", s), 25.0 * 60 / 45, 1e-12);
  EXPECT_NEAR(RangeFn("delta", s), 5.0 * 60 / 45, 1e-12);
}

TEST(RateTest, NeedsTwoSamples) {
  Invocation inv("rate", 1);
  inv.Matrix(0, {L({"__name__", "x_total"})}, {{{60000, 1}}}, 0, 60000);
  EXPECT_THAT(inv.Out(), IsEmpty());
}

TEST(RateTest, NonCounterNameGivesInfoAtArgumentPosition) {
  Invocation inv("rate", 1);
  inv.Matrix(0, {L({"__name__", "foo"})}, {{{0, 1}, {30000, 2}}}, -30000,
             30000);
  inv.Out();
  ASSERT_EQ(inv.annotations().size(), 1u);
  EXPECT_EQ(inv.annotations()[0].level, Annotation::Level::kInfo);
  EXPECT_EQ(inv.annotations()[0].message,
            "metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"foo\"");
  EXPECT_EQ(inv.annotations()[0].pos.start, 10);

  Invocation counter("rate", 1);
  counter.Matrix(0, {L({"__name__", "foo_bucket"})}, {{{0, 1}, {30000, 2}}},
                 -30000, 30000);
  counter.Out();
  EXPECT_THAT(counter.annotations(), IsEmpty());

  Invocation delta("delta", 1);  // only rate and increase check
  delta.Matrix(0, {L({"__name__", "foo"})}, {{{0, 1}, {30000, 2}}}, -30000,
               30000);
  delta.Out();
  EXPECT_THAT(delta.annotations(), IsEmpty());
}

TEST(RateTest, DropsNameOrMarksItWithDelayedRemoval) {
  Labels metric = L({"__name__", "x_total", "job", "a"});
  Invocation now("rate", 1);
  now.Matrix(0, {metric}, {{{0, 1}, {30000, 2}}}, -30000, 30000).At(30000);
  EvalVector out = now.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric, L({"job", "a"}));
  EXPECT_EQ(out[0].t, 30000);

  Invocation delayed("rate", 1);
  delayed.Matrix(0, {metric}, {{{0, 1}, {30000, 2}}}, -30000, 30000).Delayed();
  out = delayed.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric, metric);
  EXPECT_TRUE(out[0].drop_name);
}

TEST(RateTest, DroppedNamesMustNotCollide) {
  Invocation inv("rate", 1);
  inv.Matrix(0, {L({"__name__", "a_total"}), L({"__name__", "b_total"})},
             {{{0, 1}, {30000, 2}}, {{0, 1}, {30000, 2}}}, -30000, 30000);
  EvalVector out;
  absl::Status s = inv.Run(&out);
  EXPECT_EQ(s.message(),
            "vector cannot contain metrics with the same labelset");
}

TEST(IrateTest, UsesTheLastTwoSamples) {
  std::vector<Sample> s = {{0, 100}, {10000, 5}, {20000, 25}};
  Invocation irate("irate", 1);
  irate.Matrix(0, {L({"__name__", "x"})}, {s}, -60000, 20000);
  EXPECT_DOUBLE_EQ(irate.Value(), 2);
  Invocation idelta("idelta", 1);
  idelta.Matrix(0, {L({"__name__", "x"})}, {s}, -60000, 20000);
  EXPECT_DOUBLE_EQ(idelta.Value(), 20);

  // A reset between the last two: the last value is the increase.
  std::vector<Sample> reset = {{0, 100}, {10000, 30}};
  Invocation r("irate", 1);
  r.Matrix(0, {L({"__name__", "x"})}, {reset}, -60000, 10000);
  EXPECT_DOUBLE_EQ(r.Value(), 3);
  Invocation d("idelta", 1);
  d.Matrix(0, {L({"__name__", "x"})}, {reset}, -60000, 10000);
  EXPECT_DOUBLE_EQ(d.Value(), -70);
}

TEST(StartTimestampTest, ResetRules) {
  using functions::IsStartTimestampReset;
  // (prev_st, prev_t, cur_st, cur_t)
  EXPECT_FALSE(IsStartTimestampReset(0, 10, 0, 20));   // none
  EXPECT_FALSE(IsStartTimestampReset(0, 10, 20, 20));  // OTel unknown start
  EXPECT_FALSE(IsStartTimestampReset(0, 10, 25, 20));  // after the sample
  EXPECT_FALSE(IsStartTimestampReset(5, 10, 5, 20));   // cumulative
  EXPECT_TRUE(IsStartTimestampReset(5, 10, 15, 20));   // after prev sample
  EXPECT_TRUE(IsStartTimestampReset(5, 10, 10, 20));   // delta
  EXPECT_FALSE(IsStartTimestampReset(0, 10, 10, 20));  // unknown prev start
  EXPECT_FALSE(IsStartTimestampReset(10, 10, 10, 20));
  EXPECT_FALSE(IsStartTimestampReset(15, 10, 10, 20));  // invalid prev start

  using functions::StartTimeOverlaps;
  EXPECT_FALSE(StartTimeOverlaps(0, 10, 0));
  EXPECT_FALSE(StartTimeOverlaps(5, 10, 10));  // delta
  EXPECT_FALSE(StartTimeOverlaps(5, 10, 5));   // cumulative
  EXPECT_TRUE(StartTimeOverlaps(5, 10, 7));
}

// rate/increase/delta/irate/resets over one series with start timestamps in
// the window (0, 60s].
double RangeFnWithST(const std::string& name, std::vector<Sample> samples,
                     std::vector<int64_t> sts) {
  Invocation inv(name, 1);
  inv.Matrix(0, {L({"__name__", "x_total"})}, {std::move(samples)}, 0, 60000)
      .MatrixStartTimestamps({std::move(sts)})
      .At(60000);
  return inv.Value();
}

TEST(RateTest, StartTimestampsRevealResetsAndTheCounterStart) {
  // Deltas of 10 every 20s, each starting where the previous one was taken.
  std::vector<Sample> s = {{20000, 10}, {40000, 10}, {60000, 10}};
  std::vector<int64_t> delta_st = {10000, 20000, 40000};
  // Two resets (20) plus the first sample, counted from its start at 10s
  // inside the range instead of extrapolated.
  EXPECT_DOUBLE_EQ(RangeFnWithST("increase", s, delta_st), 30);
  EXPECT_DOUBLE_EQ(RangeFnWithST("rate", s, delta_st), 0.5);
  EXPECT_DOUBLE_EQ(RangeFnWithST("irate", s, delta_st), 0.5);
  EXPECT_DOUBLE_EQ(RangeFnWithST("resets", s, delta_st), 2);
  // delta() treats its input as a gauge and ignores them.
  EXPECT_DOUBLE_EQ(RangeFnWithST("delta", s, delta_st), 0);
  EXPECT_DOUBLE_EQ(RangeFn("increase", s), 0);

  // A single sample whose start lies inside the range has an increase; one
  // starting at the (exclusive) range start has none.
  EXPECT_DOUBLE_EQ(RangeFnWithST("increase", {{60000, 5}}, {30000}), 5);
  Invocation outside("increase", 1);
  outside.Matrix(0, {L({"__name__", "x_total"})}, {{{60000, 5}}}, 0, 60000)
      .MatrixStartTimestamps({{0}});
  EXPECT_THAT(outside.Out(), IsEmpty());
}

TEST(RateTest, OverlappingStartTimestampsWarnOncePerSeries) {
  Invocation inv("rate", 1);
  inv.Matrix(0, {L({"__name__", "x_total"})},
             {{{20000, 1}, {40000, 2}, {60000, 3}}}, 0, 60000)
      .MatrixStartTimestamps({{5000, 10000, 30000}});
  inv.Out();
  ASSERT_EQ(inv.annotations().size(), 1u);
  EXPECT_EQ(inv.annotations()[0].level, Annotation::Level::kWarning);
  EXPECT_EQ(inv.annotations()[0].message,
            "sample has start time that overlaps with previous sample "
            "timestamp for metric \"x_total\"");
  EXPECT_EQ(inv.annotations()[0].pos.start, 10);
}

double OverTime(const std::string& name, std::vector<double> values) {
  std::vector<Sample> s;
  for (size_t i = 0; i < values.size(); ++i) {
    s.push_back({static_cast<int64_t>(i) * 1000, values[i]});
  }
  Invocation inv(name, 1);
  inv.Matrix(0, {L({"__name__", "m"})}, {s}, -1, 100000);
  return inv.Value();
}

TEST(OverTimeTest, Aggregates) {
  EXPECT_DOUBLE_EQ(OverTime("avg_over_time", {1, 2, 3, 6}), 3);
  EXPECT_DOUBLE_EQ(OverTime("sum_over_time", {1, 2, 3, 6}), 12);
  EXPECT_DOUBLE_EQ(OverTime("count_over_time", {1, 2, 3, 6}), 4);
  EXPECT_DOUBLE_EQ(OverTime("min_over_time", {3, 1, 2}), 1);
  EXPECT_DOUBLE_EQ(OverTime("max_over_time", {3, 1, 2}), 3);
  EXPECT_DOUBLE_EQ(OverTime("last_over_time", {3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(OverTime("first_over_time", {3, 1, 2}), 3);
  EXPECT_DOUBLE_EQ(OverTime("present_over_time", {3, 1, 2}), 1);
  EXPECT_DOUBLE_EQ(OverTime("stdvar_over_time", {2, 4, 4, 4, 5, 5, 7, 9}), 4);
  EXPECT_DOUBLE_EQ(OverTime("stddev_over_time", {2, 4, 4, 4, 5, 5, 7, 9}), 2);
  EXPECT_DOUBLE_EQ(OverTime("mad_over_time", {1, 1, 2, 2, 4, 6, 9}), 1);
  EXPECT_TRUE(std::isnan(OverTime("mad_over_time", {1, 2, kNaN, 4})));
  EXPECT_DOUBLE_EQ(OverTime("ts_of_max_over_time", {1, 5, 5, 2}), 2);
  EXPECT_DOUBLE_EQ(OverTime("ts_of_min_over_time", {1, 5, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(OverTime("ts_of_first_over_time", {1, 5}), 0);
  EXPECT_DOUBLE_EQ(OverTime("ts_of_last_over_time", {1, 5}), 1);
}

TEST(OverTimeTest, KahanSummationAndAverageOverflow) {
  EXPECT_DOUBLE_EQ(OverTime("sum_over_time", {1, 1e100, 1, -1e100}), 2);
  EXPECT_DOUBLE_EQ(OverTime("avg_over_time", {1.5e308, 1.5e308}), 1.5e308);
  EXPECT_NEAR(OverTime("avg_over_time", {1.5e308, 1.5e308, -1e308}),
              2.0 / 3 * 1e308, 1e295);
  EXPECT_EQ(OverTime("sum_over_time", {kInf, 1}), kInf);
}

TEST(OverTimeTest, NaNHandling) {
  // A NaN maximum is replaced by any later value.
  EXPECT_DOUBLE_EQ(OverTime("max_over_time", {kNaN, 1, 3}), 3);
  EXPECT_TRUE(std::isnan(OverTime("max_over_time", {kNaN})));
  EXPECT_DOUBLE_EQ(OverTime("min_over_time", {2, kNaN, 1}), 1);
  EXPECT_TRUE(std::isnan(OverTime("avg_over_time", {1, kNaN})));
}

TEST(OverTimeTest, LastOverTimeKeepsNameAndPendingDrop) {
  Labels metric = L({"__name__", "m", "a", "b"});
  Invocation inv("last_over_time", 1);
  inv.Matrix(0, {metric}, {{{0, 7}}}, -1, 0, /*drop_name=*/true);
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric, metric);
  EXPECT_TRUE(out[0].drop_name);

  Invocation max("max_over_time", 1);
  max.Matrix(0, {metric}, {{{0, 7}}}, -1, 0);
  out = max.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric, L({"a", "b"}));
}

TEST(OverTimeTest, QuantileOverTimeWarnsOnInvalidQuantile) {
  Invocation inv("quantile_over_time", 2);
  inv.Scalar(0, 1.5).Matrix(1, {L({"__name__", "m"})}, {{{0, 1}, {1000, 2}}},
                            -1, 1000);
  EXPECT_EQ(inv.Value(), kInf);
  ASSERT_EQ(inv.annotations().size(), 1u);
  EXPECT_EQ(inv.annotations()[0].message,
            "quantile value should be between 0 and 1, got 1.5");
  EXPECT_EQ(inv.annotations()[0].pos.start, 10);

  Invocation mid("quantile_over_time", 2);
  mid.Scalar(0, 0.25).Matrix(1, {L({"__name__", "m"})},
                             {{{0, 4}, {1000, 1}, {2000, 3}, {3000, 2}}}, -1,
                             3000);
  EXPECT_DOUBLE_EQ(mid.Value(), 1.75);
  EXPECT_THAT(mid.annotations(), IsEmpty());
}

TEST(CountersTest, ChangesAndResets) {
  EXPECT_DOUBLE_EQ(OverTime("changes", {1, 1, 2, 2, 1}), 2);
  EXPECT_DOUBLE_EQ(OverTime("changes", {kNaN, kNaN, 1, kNaN}), 2);
  EXPECT_DOUBLE_EQ(OverTime("resets", {1, 2, 0, 5, 4}), 2);
  EXPECT_DOUBLE_EQ(OverTime("resets", {1, kNaN, 0}), 0);
  EXPECT_DOUBLE_EQ(OverTime("changes", {3}), 0);
}

TEST(RegressionTest, DerivAndPredictLinear) {
  std::vector<Sample> s = {{0, 1}, {10000, 3}, {20000, 5}};
  Invocation deriv("deriv", 1);
  deriv.Matrix(0, {L({"__name__", "m"})}, {s}, -1, 20000);
  EXPECT_NEAR(deriv.Value(), 0.2, 1e-12);

  // The intercept is taken at the evaluation time.
  Invocation predict("predict_linear", 2);
  predict.Matrix(0, {L({"__name__", "m"})}, {s}, -1, 20000)
      .Scalar(1, 100)
      .At(20000);
  EXPECT_NEAR(predict.Value(), 25, 1e-9);

  Invocation flat("deriv", 1);
  flat.Matrix(0, {L({"__name__", "m"})}, {{{0, 4}, {1000, 4}}}, -1, 1000);
  EXPECT_EQ(flat.Value(), 0);
}

TEST(RegressionTest, DoubleExponentialSmoothing) {
  std::vector<Sample> s = {{0, 0}, {1000, 10}, {2000, 20}, {3000, 30}};
  Invocation inv("double_exponential_smoothing", 3);
  inv.Matrix(0, {L({"__name__", "m"})}, {s}, -1, 3000)
      .Scalar(1, 0.5)
      .Scalar(2, 0.5);
  // A straight line is followed exactly.
  EXPECT_NEAR(inv.Value(), 30, 1e-9);

  Invocation bad("double_exponential_smoothing", 3);
  bad.Matrix(0, {L({"__name__", "m"})}, {s}, -1, 3000)
      .Scalar(1, 1)
      .Scalar(2, 0.5);
  EvalVector out;
  EXPECT_EQ(bad.Run(&out).message(),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");

  Invocation bad_trend("double_exponential_smoothing", 3);
  bad_trend.Matrix(0, {L({"__name__", "m"})}, {s}, -1, 3000)
      .Scalar(1, 0.5)
      .Scalar(2, 0);
  EXPECT_EQ(bad_trend.Run(&out).message(),
            "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");

  // Without data nothing is checked.
  Invocation empty("double_exponential_smoothing", 3);
  empty.Matrix(0, {}, {}, -1, 3000).Scalar(1, 2).Scalar(2, 2);
  EXPECT_TRUE(empty.Run(&out).ok());
}

TEST(MathTest, ElementWiseAndNameDropping) {
  Invocation abs("abs", 1);
  abs.Vector(0, {S(L({"__name__", "m", "a", "1"}), -2)});
  EvalVector out = abs.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].v, 2);
  EXPECT_EQ(out[0].metric, L({"a", "1"}));

  Invocation delayed("sqrt", 1);
  delayed.Vector(0, {S(L({"__name__", "m"}), 9)}).Delayed();
  out = delayed.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].v, 3);
  EXPECT_EQ(out[0].metric, L({"__name__", "m"}));
  EXPECT_TRUE(out[0].drop_name);

  Invocation sgn("sgn", 1);
  sgn.Vector(
      0, {S(L({"a", "1"}), -3), S(L({"a", "2"}), 0), S(L({"a", "3"}), kNaN)});
  out = sgn.Out();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].v, -1);
  EXPECT_EQ(out[1].v, 0);
  EXPECT_TRUE(std::isnan(out[2].v));

  Invocation deg("deg", 1);
  deg.Vector(0, {S(L({}), std::numbers::pi)});
  EXPECT_DOUBLE_EQ(deg.Value(), 180);
}

TEST(MathTest, RoundAndClamp) {
  Invocation round("round", 2);
  round.Vector(0, {S(L({}), 2.5), S(L({"a", "b"}), -2.5)}).Scalar(1, 1);
  EvalVector out = round.Out();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].v, 3);  // ties round up
  EXPECT_EQ(out[1].v, -2);

  Invocation nearest("round", 2);
  nearest.Vector(0, {S(L({}), 7.3)}).Scalar(1, 5);
  EXPECT_EQ(nearest.Value(), 5);

  Invocation clamp("clamp", 3);
  clamp.Vector(0, {S(L({}), -5), S(L({"a", "1"}), 5), S(L({"a", "2"}), kNaN)})
      .Scalar(1, 0)
      .Scalar(2, 1);
  out = clamp.Out();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].v, 0);
  EXPECT_EQ(out[1].v, 1);
  EXPECT_TRUE(std::isnan(out[2].v));

  Invocation inverted("clamp", 3);
  inverted.Vector(0, {S(L({}), 1)}).Scalar(1, 2).Scalar(2, 1);
  EXPECT_THAT(inverted.Out(), IsEmpty());

  Invocation clamp_max("clamp_max", 2);
  clamp_max.Vector(0, {S(L({}), 7)}).Scalar(1, 3);
  EXPECT_EQ(clamp_max.Value(), 3);
}

TEST(MathTest, ScalarFunctions) {
  Invocation pi("pi", 0);
  EXPECT_DOUBLE_EQ(pi.Value(), std::numbers::pi);
  Invocation min_of("min_of", 2);
  min_of.Scalar(0, 3).Scalar(1, 5);
  EXPECT_EQ(min_of.Value(), 3);
  Invocation max_of("max_of", 2);
  max_of.Scalar(0, kNaN).Scalar(1, 5);
  EXPECT_TRUE(std::isnan(max_of.Value()));
}

TEST(TimeTest, TimeAndDates) {
  Invocation time("time", 0);
  time.At(1500);
  EXPECT_DOUBLE_EQ(time.Value(), 1.5);

  // Without an argument the evaluation time is used: 1970-01-01 Thursday.
  Invocation year("year", 0);
  EXPECT_EQ(year.Value(), 1970);
  Invocation dow("day_of_week", 0);
  EXPECT_EQ(dow.Value(), 4);

  struct Case {
    const char* fn;
    double ts;
    double want;
  };
  for (const Case& c : std::vector<Case>{
           {"year", 1136239445, 2006},
           {"month", 1136239445, 1},
           {"day_of_month", 1136239445, 2},
           {"hour", 1136239445, 22},
           {"minute", 1136239445, 4},
           {"day_of_year", 1483191420, 366},
           {"day_of_year", 1672493820, 365},
           {"days_in_month", 1454284800, 29},
           {"days_in_month", 1485907200, 28},
           {"year", 1230767999, 2008},
           {"year", 1230768000, 2009},
           {"day_of_week", -86400, 3},
       }) {
    Invocation inv(c.fn, 1);
    inv.Vector(0, {S(L({"__name__", "x"}), c.ts)});
    EvalVector out = inv.Out();
    ASSERT_EQ(out.size(), 1u) << c.fn;
    EXPECT_EQ(out[0].v, c.want) << c.fn << " " << c.ts;
    EXPECT_TRUE(out[0].metric.empty());
  }
}

// Values that are no times: Prometheus converts with time.Unix(int64(v), 0),
// and int64 of NaN, ±Inf or anything beyond ±2^63 is math.MinInt64 on amd64,
// which Go's time package shows as 292277026596-12-04T15:30:08Z (its
// absolute seconds wrap). Prometheus answers these for NaN, +Inf and 1e19
// (`hour(vector(NaN))` is 15); the rows near -9.2233720287e18 follow Go
// 1.23's calendar, where Unix times before March 1 of -292277022400 wrap
// 2^64 seconds ahead and days_in_month is 32 minus a wrapped day.
TEST(TimeTest, DatesOfValuesThatAreNoTimes) {
  struct Case {
    double v;
    // year, month, day_of_month, day_of_year, day_of_week, hour, minute,
    // days_in_month
    std::vector<double> want;
  };
  const std::vector<double> min_int64 = {292277026596, 12, 4, 339, 0,
                                         15,           30, 31};
  const char* fns[] = {"year",        "month", "day_of_month", "day_of_year",
                       "day_of_week", "hour",  "minute",       "days_in_month"};
  for (const Case& c : std::vector<Case>{
           {kNaN, min_int64},
           {kInf, min_int64},
           {-kInf, min_int64},
           {9223372036854775808.0, min_int64},   // 2^63
           {-9223372036854775808.0, min_int64},  // -2^63 is MinInt64 itself
           {1e19, min_int64},
           {-1e300, min_int64},
           // The largest float below 2^63.
           {9223372036854774784.0, {292277026596, 12, 4, 339, 0, 15, 13, 31}},
           // Go's absolute epoch, and the float before it.
           {-9223372028741760000.0, {-292277022400, 3, 1, 61, 3, 0, 0, 31}},
           {-9223372028741761024.0, {292277026854, 1, 7, 7, 3, 6, 43, 7}},
           {-9223372028715321344.0, {-292277022399, 1, 1, 1, 1, 0, 4, 31}},
           // Truncated toward zero, as int64(v) does.
           {-1.5, {1969, 12, 31, 365, 3, 23, 59, 31}},
           {-62135596800.5, {1, 1, 1, 1, 1, 0, 0, 31}},
           {951782400, {2000, 2, 29, 60, 2, 0, 0, 29}},
           {4107542399, {2100, 2, 28, 59, 0, 23, 59, 28}},
       }) {
    for (size_t i = 0; i < std::size(fns); ++i) {
      Invocation inv(fns[i], 1);
      inv.Vector(0, {S(L({"__name__", "x"}), c.v)});
      EXPECT_EQ(inv.Value(), c.want[i]) << fns[i] << "(" << c.v << ")";
    }
  }
}

TEST(TimeTest, StartTimestampNeedsTheSelectorsStartTimestamps) {
  EvalVector in = {EvalSample{L({"__name__", "x", "a", "b"}), 12345, 1},
                   EvalSample{L({"__name__", "x", "a", "c"}), 12345, 1}};
  Invocation inv("start_timestamp", 1);
  inv.Vector(0, in).VectorStartTimestamps({2500, 0}).At(20000);
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].v, 2.5);
  EXPECT_EQ(out[0].t, 20000);
  EXPECT_EQ(out[0].metric, L({"a", "b"}));
  EXPECT_DOUBLE_EQ(out[1].v, 0);
  // A computed vector (no start timestamps passed) gives nothing.
  Invocation computed("start_timestamp", 1);
  computed.Vector(0, in);
  EXPECT_THAT(computed.Out(), IsEmpty());
}

TEST(TimeTest, TimestampUsesEachSamplesTime) {
  Invocation inv("timestamp", 1);
  inv.Vector(0, {EvalSample{L({"__name__", "x", "a", "b"}), 12345, 1}})
      .At(20000);
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].v, 12.345);
  EXPECT_EQ(out[0].t, 20000);
  EXPECT_EQ(out[0].metric, L({"a", "b"}));
}

EvalVector Replace(std::string dst, std::string repl, std::string src,
                   std::string regex, EvalVector in, absl::Status* status) {
  Invocation inv("label_replace", 5);
  inv.Vector(0, std::move(in))
      .String(1, dst)
      .String(2, repl)
      .String(3, src)
      .String(4, regex);
  EvalVector out;
  *status = inv.Run(&out);
  return out;
}

TEST(LabelReplaceTest, ExpandsGroupsLikeGo) {
  absl::Status st;
  EvalVector in = {S(L({"__name__", "m", "src", "source-value-10"}), 1)};
  EvalVector out = Replace("dst", "destination-value-$1", "src",
                           "source-value-(.*)", in, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric.Get("dst"), "destination-value-10");
  EXPECT_EQ(out[0].metric.MetricName(), "m");  // the name stays

  // "$1x" names a group "1x", which does not exist; ${1}x is group 1.
  out = Replace("dst", "$1x|${1}x|$$|${name}|$", "src",
                "source-value-(?P<name>.*)", in, &st);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric.Get("dst"), "|10x|$|10|$");

  // Fully anchored: a partial match leaves the series alone.
  out = Replace("dst", "x", "src", "value-(.*)", in, &st);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].metric.Has("dst"));

  // An empty replacement deletes the label.
  out = Replace("src", "", "src", ".*", in, &st);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].metric.Has("src"));
}

TEST(LabelReplaceTest, Errors) {
  absl::Status st;
  EvalVector in = {S(L({"src", "a"}), 1), S(L({"src", "b"}), 2)};
  Replace("dst", "", "src", "(.*", in, &st);
  EXPECT_EQ(st.message(), "invalid regular expression in label_replace(): (.*");
  Replace("\xff", "", "src", "(.*)", in, &st);
  EXPECT_EQ(st.message(),
            "invalid destination label name in label_replace(): \xff");
  Replace("src", "", "", "", in, &st);
  EXPECT_EQ(st.message(),
            "vector cannot contain metrics with the same labelset");
  // The pattern is checked even without input.
  Replace("dst", "", "src", "(.*", {}, &st);
  EXPECT_FALSE(st.ok());
}

TEST(LabelReplaceTest, WritingTheNameCancelsItsDrop) {
  absl::Status st;
  EvalVector in = {EvalSample{L({"__name__", "m"}), 0, 1, true}};
  EvalVector out = Replace("__name__", "rate_$1", "__name__", "(.+)", in, &st);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric.MetricName(), "rate_m");
  EXPECT_FALSE(out[0].drop_name);
  out = Replace("my_name", "$1", "__name__", "(.+)", in, &st);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].drop_name);
}

TEST(LabelJoinTest, JoinsAndValidates) {
  Invocation inv("label_join", 6);
  inv.Vector(0, {S(L({"src", "a", "src1", "b", "src2", "c"}), 1)})
      .String(1, "dst")
      .String(2, "-")
      .String(3, "src")
      .String(4, "missing")
      .String(5, "src2");
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].metric.Get("dst"), "a--c");

  Invocation bad("label_join", 4);
  bad.Vector(0, {}).String(1, "dst").String(2, ",").String(3, "");
  EXPECT_EQ(bad.Run(&out).message(),
            "invalid source label name in label_join(): ");

  Invocation dup("label_join", 4);
  dup.Vector(0, {S(L({"label", "a", "this", "x"}), 1),
                 S(L({"label", "b", "this", "x"}), 2)})
      .String(1, "label")
      .String(2, "")
      .String(3, "this");
  EXPECT_EQ(dup.Run(&out).message(),
            "vector cannot contain metrics with the same labelset");
}

std::vector<double> Values(const EvalVector& v) {
  std::vector<double> out;
  for (const EvalSample& s : v) out.push_back(s.v);
  return out;
}

TEST(SortTest, ByValueWithNaNLast) {
  EvalVector in = {S(L({"a", "1"}), 3), S(L({"a", "2"}), kNaN),
                   S(L({"a", "3"}), 1), S(L({"a", "4"}), 2)};
  Invocation sort("sort", 1);
  sort.Vector(0, in);
  EvalVector out = sort.Out();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].v, 1);
  EXPECT_EQ(out[1].v, 2);
  EXPECT_EQ(out[2].v, 3);
  EXPECT_TRUE(std::isnan(out[3].v));

  Invocation desc("sort_desc", 1);
  desc.Vector(0, in);
  out = desc.Out();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].v, 3);
  EXPECT_EQ(out[2].v, 1);
  EXPECT_TRUE(std::isnan(out[3].v));
}

TEST(SortTest, ByLabelInNaturalOrder) {
  EvalVector in = {S(L({"i", "host10"}), 1), S(L({"i", "host9"}), 2),
                   S(L({"i", "host1"}), 3), S(L({"i", "alpha"}), 4)};
  Invocation asc("sort_by_label", 2);
  asc.Vector(0, in).String(1, "i");
  EXPECT_THAT(Values(asc.Out()), ElementsAre(4, 3, 2, 1));
  Invocation desc("sort_by_label_desc", 2);
  desc.Vector(0, in).String(1, "i");
  EXPECT_THAT(Values(desc.Out()), ElementsAre(1, 2, 3, 4));

  // Ties on the named labels fall back to the full label set.
  EvalVector ties = {S(L({"i", "x", "z", "2"}), 1),
                     S(L({"i", "x", "z", "1"}), 2)};
  Invocation tie("sort_by_label", 2);
  tie.Vector(0, ties).String(1, "i");
  EXPECT_THAT(Values(tie.Out()), ElementsAre(2, 1));
}

EvalVector Buckets(std::string name,
                   std::vector<std::pair<std::string, double>> buckets) {
  EvalVector v;
  for (auto& [le, count] : buckets) {
    v.push_back(S(L({"__name__", name, "le", le, "job", "a"}), count));
  }
  return v;
}

TEST(HistogramQuantileTest, InterpolatesInsideBuckets) {
  Invocation inv("histogram_quantile", 2);
  inv.Scalar(0, 0.5).Vector(
      1, Buckets("h_bucket", {{"0.1", 10}, {"1", 50}, {"+Inf", 100}}));
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].v, 1);  // the rank is exactly bucket 1's count
  EXPECT_EQ(out[0].metric, L({"job", "a"}));
  EXPECT_THAT(inv.annotations(), IsEmpty());

  Invocation low("histogram_quantile", 2);
  low.Scalar(0, 0.25).Vector(
      1, Buckets("h_bucket", {{"0.1", 10}, {"1", 50}, {"+Inf", 100}}));
  EXPECT_DOUBLE_EQ(low.Value(), 0.1 + 0.9 * 15 / 40);
}

TEST(HistogramQuantileTest, ForcedMonotonicityGivesInfo) {
  Invocation inv("histogram_quantile", 2);
  inv.Scalar(0, 0.5)
      .Vector(1, Buckets("nonmonotonic_bucket", {{"0.1", 20},
                                                 {"1", 10},
                                                 {"10", 50},
                                                 {"100", 40},
                                                 {"1000", 90},
                                                 {"+Inf", 80}}))
      .Delayed();
  EXPECT_DOUBLE_EQ(inv.Value(), 8.5);
  ASSERT_EQ(inv.annotations().size(), 1u);
  const Annotation& a = inv.annotations()[0];
  EXPECT_EQ(a.level, Annotation::Level::kInfo);
  EXPECT_EQ(a.pos.start, 20);
  EXPECT_EQ(a.message,
            "input to histogram_quantile needed to be fixed for monotonicity "
            "(see https://prometheus.io/docs/prometheus/latest/querying/"
            "functions/#histogram_quantile) for metric name "
            "\"nonmonotonic_bucket\", from buckets 1 to +Inf, with a max diff "
            "of 10, over 1 samples from 1970-01-01T00:00:00Z to "
            "1970-01-01T00:00:00Z");
}

TEST(HistogramQuantileTest, WarnsOnBadInput) {
  Invocation inv("histogram_quantile", 2);
  EvalVector in = Buckets("h_bucket", {{"1", 1}, {"+Inf", 2}});
  in.push_back(S(L({"__name__", "other", "le", "Hello World"}), 1));
  inv.Scalar(0, -1).Vector(1, in);
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].v, -kInf);
  ASSERT_EQ(inv.annotations().size(), 2u);
  EXPECT_EQ(inv.annotations()[0].message,
            "quantile value should be between 0 and 1, got -1");
  EXPECT_EQ(inv.annotations()[0].pos.start, 10);
  EXPECT_EQ(inv.annotations()[1].message,
            "bucket label \"le\" is missing or has a malformed value of "
            "\"Hello World\" for metric name \"other\"");
  EXPECT_EQ(inv.annotations()[1].pos.start, 20);
}

TEST(HistogramQuantileTest, QuantilesLabelsEachResult) {
  Invocation inv("histogram_quantiles", 5);
  inv.Vector(0, Buckets("h_bucket", {{"1", 50}, {"+Inf", 100}}))
      .String(1, "q")
      .Scalar(2, 0)
      .Scalar(3, 0.25)
      .Scalar(4, 1);
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].metric, L({"job", "a", "q", "0.0"}));
  EXPECT_EQ(out[1].metric, L({"job", "a", "q", "0.25"}));
  EXPECT_DOUBLE_EQ(out[1].v, 0.5);
  EXPECT_EQ(out[2].metric, L({"job", "a", "q", "1.0"}));

  Invocation clash("histogram_quantiles", 3);
  EvalVector two = Buckets("h_bucket", {{"1", 50}, {"+Inf", 100}});
  for (EvalSample s : Buckets("h_bucket", {{"1", 5}, {"+Inf", 10}})) {
    s.metric = LabelsBuilder(s.metric).Set("job", "b").Build();
    two.push_back(s);
  }
  clash.Vector(0, two).String(1, "job").Scalar(2, 0.5);
  EXPECT_EQ(clash.Run(&out).message(),
            "vector cannot contain metrics with the same labelset");
}

TEST(HistogramFractionTest, ClassicBuckets) {
  Invocation inv("histogram_fraction", 3);
  inv.Scalar(0, 0).Scalar(1, 0.5).Vector(
      2, Buckets("h_bucket", {{"1", 50}, {"2", 80}, {"+Inf", 100}}));
  EXPECT_DOUBLE_EQ(inv.Value(), 0.25);

  Invocation above("histogram_fraction", 3);
  above.Scalar(0, 2).Scalar(1, kInf).Vector(
      2, Buckets("h_bucket", {{"1", 50}, {"2", 80}, {"+Inf", 100}}));
  EXPECT_DOUBLE_EQ(above.Value(), 0.2);
}

TEST(HistogramTest, NativeOnlyFunctionsIgnoreFloats) {
  for (const char* fn : {"histogram_count", "histogram_sum", "histogram_avg",
                         "histogram_stddev", "histogram_stdvar"}) {
    Invocation inv(fn, 1);
    inv.Vector(0, {S(L({"__name__", "x"}), 1)});
    EXPECT_THAT(inv.Out(), IsEmpty()) << fn;
  }
}

TEST(AbsentTest, LabelsFromEqualityMatchers) {
  Invocation inv("absent", 1);
  auto vs = std::make_unique<VectorSelector>();
  for (auto [type, name, value] :
       std::vector<std::tuple<MatchType, std::string, std::string>>{
           {MatchType::kEqual, "__name__", "nonexistent"},
           {MatchType::kEqual, "job", "a"},
           {MatchType::kEqual, "job", "b"},
           {MatchType::kEqual, "instance", "i"},
           {MatchType::kRegexMatch, "env", "p.*"},
       }) {
    vs->matchers.push_back(*Matcher::Create(type, name, value));
  }
  auto paren = std::make_unique<ParenExpr>();
  paren->expr = std::move(vs);
  inv.call().args[0] = std::move(paren);
  inv.Vector(0, {});
  EvalVector out = inv.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].v, 1);
  EXPECT_EQ(out[0].metric, L({"instance", "i"}));

  Invocation present("absent", 1);
  present.Vector(0, {S(L({}), 1)});
  EXPECT_THAT(present.Out(), IsEmpty());

  Invocation over_time("absent_over_time", 1);
  over_time.Matrix(0, {L({"__name__", "x"})}, {{}}, 0, 10);
  EXPECT_EQ(over_time.Value(), 1);
  Invocation found("absent_over_time", 1);
  found.Matrix(0, {L({"__name__", "x"})}, {{{5, 1}}}, 0, 10);
  EXPECT_THAT(found.Out(), IsEmpty());
}

TEST(MiscTest, ScalarAndVector) {
  Invocation one("scalar", 1);
  one.Vector(0, {S(L({"a", "b"}), 4)});
  EXPECT_EQ(one.Value(), 4);
  Invocation two("scalar", 1);
  two.Vector(0, {S(L({"a", "b"}), 4), S(L({"a", "c"}), 5)});
  EXPECT_TRUE(std::isnan(two.Value()));
  Invocation none("scalar", 1);
  none.Vector(0, {});
  EXPECT_TRUE(std::isnan(none.Value()));

  Invocation vector("vector", 1);
  vector.Scalar(0, 7).At(3000);
  EvalVector out = vector.Out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].v, 7);
  EXPECT_EQ(out[0].t, 3000);
  EXPECT_TRUE(out[0].metric.empty());
}

TEST(QuantileHelperTest, MatchesPrometheus) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(functions::Quantile(0.5, &v), 2.5);
  v = {kNaN, 1, 2};
  EXPECT_TRUE(std::isnan(functions::Quantile(0, &v)));  // NaN sorts first
  v = {};
  EXPECT_TRUE(std::isnan(functions::Quantile(0.5, &v)));
  v = {1};
  EXPECT_EQ(functions::Quantile(-0.1, &v), -kInf);

  std::vector<functions::Bucket> b = {{kInf, 10}, {1, 4}};
  EXPECT_DOUBLE_EQ(functions::BucketQuantile(0.2, &b).value, 0.5);
  b = {{1, 4}, {2, 4}};  // no +Inf bucket
  EXPECT_TRUE(std::isnan(functions::BucketQuantile(0.2, &b).value));
  b = {{-1, 4}, {kInf, 10}};  // non-positive first bound is returned as is
  EXPECT_DOUBLE_EQ(functions::BucketQuantile(0.2, &b).value, -1);
}

TEST(GoFormatTest, FormatsLikeStrconv) {
  // strconv.FormatFloat(v, 'g', prec, 64) is lib/model's GoFormatFloat.
  const auto FormatGoFloat = [](double v, int prec = -1) {
    return GoFormatFloat(v, 'g', prec);
  };
  EXPECT_EQ(FormatGoFloat(1.5), "1.5");
  EXPECT_EQ(FormatGoFloat(-0.1), "-0.1");
  EXPECT_EQ(FormatGoFloat(0), "0");
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(kInf), "+Inf");
  EXPECT_EQ(FormatGoFloat(kNaN), "NaN");
  EXPECT_EQ(FormatGoFloat(10, 2), "10");
  EXPECT_EQ(FormatGoFloat(100, 2), "1e+02");
  EXPECT_EQ(FormatGoFloat(0.123456, 2), "0.12");
}

TEST(DropLabelsTest, DropMetadataLabelsRemovesNameTypeAndUnitOnly) {
  const Labels in = Labels::FromStrings(
      {"A", "upper", "__name__", "m", "__type__", "counter", "__unit__",
       "bytes", "__x__", "kept", "le", "0.5", "zone", "a-zone-name-past-sso"});
  const Labels out = functions::DropMetadataLabels(in);
  EXPECT_EQ(out, Labels::FromStrings({"A", "upper", "__x__", "kept", "le",
                                      "0.5", "zone", "a-zone-name-past-sso"}));
  // The input is untouched; a set without any comes back as it is.
  EXPECT_EQ(in.MetricName(), "m");
  EXPECT_EQ(functions::DropMetadataLabels(out), out);
  EXPECT_TRUE(
      functions::DropMetadataLabels(Labels::FromStrings({"__name__", "m"}))
          .empty());
  EXPECT_TRUE(functions::DropMetadataLabels(Labels()).empty());
}

TEST(DropLabelsTest, DropMetricNameKeepsTypeAndUnit) {
  const Labels in = Labels::FromStrings(
      {"__name__", "m", "__type__", "counter", "__unit__", "bytes", "a", "b"});
  EXPECT_EQ(functions::DropMetricName(in),
            Labels::FromStrings(
                {"__type__", "counter", "__unit__", "bytes", "a", "b"}));
  const Labels nameless = Labels::FromStrings({"a", "b"});
  EXPECT_EQ(functions::DropMetricName(nameless), nameless);
}

TEST(DropLabelsTest, DroppedSetsHashAndCompareAsBuiltOnes) {
  // Labels::Hash() values feed scrape offsets and alert state: a set made
  // by dropping must hash as the same set built directly.
  const Labels dropped = functions::DropMetadataLabels(
      Labels::FromStrings({"__name__", "m", "job", "api", "le", "+Inf"}));
  const Labels direct = Labels::FromStrings({"job", "api", "le", "+Inf"});
  EXPECT_EQ(dropped.Hash(), direct.Hash());
  EXPECT_EQ(dropped <=> direct, std::strong_ordering::equal);
}

bool AnySame(const std::vector<Labels>& sets) {
  return functions::AnySameLabelset(
      sets.size(), [&](size_t i) -> const Labels& { return sets[i]; });
}

TEST(AnySameLabelsetTest, FindsEqualSetsOnly) {
  EXPECT_FALSE(AnySame({}));
  EXPECT_FALSE(AnySame({Labels::FromStrings({"a", "b"})}));
  EXPECT_FALSE(
      AnySame({Labels::FromStrings({"a", "b"}), Labels::FromStrings({"a", "c"}),
               Labels(), Labels::FromStrings({"a", "b", "c", "d"})}));
  // Equal sets built separately (not sharing a representation).
  EXPECT_TRUE(AnySame({Labels::FromStrings({"a", "b", "c", "d"}),
                       Labels::FromStrings({"x", "y"}),
                       Labels::FromStrings({"a", "b", "c", "d"})}));
  EXPECT_TRUE(AnySame({Labels(), Labels::FromStrings({"a", "b"}), Labels()}));
}

TEST(AnySameLabelsetTest, PairBoundariesAreNotAmbiguous) {
  // The same bytes split differently between names and values, or between
  // pairs, are different sets.
  EXPECT_FALSE(AnySame(
      {Labels::FromStrings({"ab", "c"}), Labels::FromStrings({"a", "bc"})}));
  EXPECT_FALSE(AnySame({Labels::FromStrings({"a", "b", "c", "d"}),
                        Labels::FromStrings({"a", "bcd"})}));
}

TEST(AnySameLabelsetTest, ManySetsDifferingInOneValue) {
  std::vector<Labels> sets;
  for (int i = 0; i < 1000; ++i) {
    sets.push_back(
        Labels::FromStrings({"instance", "api-" + std::to_string(i % 100),
                             "job", "api", "le", std::to_string(i / 100)}));
  }
  EXPECT_FALSE(AnySame(sets));
  sets.push_back(
      Labels::FromStrings({"instance", "api-42", "job", "api", "le", "7"}));
  EXPECT_TRUE(AnySame(sets));
}

}  // namespace
}  // namespace vigil::promql
