// The implementation table: PromQL function name -> implementation, the
// engine's twin of the parser's signature table (Prometheus's FunctionCalls
// map in promql/functions.go).
#include <algorithm>
#include <array>
#include <string_view>

#include "promql/eval_types.h"
#include "promql/functions/impls.h"

namespace vigil::promql {
namespace {

namespace fn = functions;

struct Entry {
  std::string_view name;
  FunctionImpl impl;
  bool histograms = false;  // sees native histogram samples
};
constexpr bool kH = true;

// Sorted by name for binary search. Absent on purpose: `info` needs the
// storage, and start(), end(), step() and range() are folded from the
// query's parameters before evaluation, as in Prometheus; both are the
// evaluator's.
constexpr std::array kTable = {
    Entry{"abs", fn::Abs},
    Entry{"absent", fn::Absent, kH},
    Entry{"absent_over_time", fn::AbsentOverTime, kH},
    Entry{"acos", fn::Acos},
    Entry{"acosh", fn::Acosh},
    Entry{"asin", fn::Asin},
    Entry{"asinh", fn::Asinh},
    Entry{"atan", fn::Atan},
    Entry{"atanh", fn::Atanh},
    Entry{"avg_over_time", fn::AvgOverTime, kH},
    Entry{"ceil", fn::Ceil},
    Entry{"changes", fn::Changes, kH},
    Entry{"clamp", fn::Clamp},
    Entry{"clamp_max", fn::ClampMax},
    Entry{"clamp_min", fn::ClampMin},
    Entry{"cos", fn::Cos},
    Entry{"cosh", fn::Cosh},
    Entry{"count_over_time", fn::CountOverTime, kH},
    Entry{"day_of_month", fn::DayOfMonth},
    Entry{"day_of_week", fn::DayOfWeek},
    Entry{"day_of_year", fn::DayOfYear},
    Entry{"days_in_month", fn::DaysInMonth},
    Entry{"deg", fn::Deg},
    Entry{"delta", fn::Delta, kH},
    Entry{"deriv", fn::Deriv},
    Entry{"double_exponential_smoothing", fn::DoubleExponentialSmoothing},
    Entry{"exp", fn::Exp},
    Entry{"first_over_time", fn::FirstOverTime, kH},
    Entry{"floor", fn::Floor},
    Entry{"histogram_avg", fn::HistogramAvg, kH},
    Entry{"histogram_count", fn::HistogramCount, kH},
    Entry{"histogram_fraction", fn::HistogramFraction, kH},
    Entry{"histogram_quantile", fn::HistogramQuantile, kH},
    Entry{"histogram_quantiles", fn::HistogramQuantiles, kH},
    Entry{"histogram_stddev", fn::HistogramStddev, kH},
    Entry{"histogram_stdvar", fn::HistogramStdvar, kH},
    Entry{"histogram_sum", fn::HistogramSum, kH},
    Entry{"hour", fn::Hour},
    Entry{"idelta", fn::Idelta, kH},
    Entry{"increase", fn::Increase, kH},
    Entry{"irate", fn::Irate, kH},
    Entry{"label_join", fn::LabelJoin, kH},
    Entry{"label_replace", fn::LabelReplace, kH},
    Entry{"last_over_time", fn::LastOverTime, kH},
    Entry{"ln", fn::Ln},
    Entry{"log10", fn::Log10},
    Entry{"log2", fn::Log2},
    Entry{"mad_over_time", fn::MadOverTime},
    Entry{"max_of", fn::MaxOf},
    Entry{"max_over_time", fn::MaxOverTime},
    Entry{"min_of", fn::MinOf},
    Entry{"min_over_time", fn::MinOverTime},
    Entry{"minute", fn::Minute},
    Entry{"month", fn::Month},
    Entry{"pi", fn::Pi},
    Entry{"predict_linear", fn::PredictLinear},
    Entry{"present_over_time", fn::PresentOverTime, kH},
    Entry{"quantile_over_time", fn::QuantileOverTime},
    Entry{"rad", fn::Rad},
    Entry{"rate", fn::Rate, kH},
    Entry{"resets", fn::Resets, kH},
    Entry{"round", fn::Round},
    Entry{"scalar", fn::Scalar},
    Entry{"sgn", fn::Sgn},
    Entry{"sin", fn::Sin},
    Entry{"sinh", fn::Sinh},
    Entry{"sort", fn::Sort},
    Entry{"sort_by_label", fn::SortByLabel, kH},
    Entry{"sort_by_label_desc", fn::SortByLabelDesc, kH},
    Entry{"sort_desc", fn::SortDesc},
    Entry{"sqrt", fn::Sqrt},
    Entry{"start_timestamp", fn::StartTimestamp},
    Entry{"stddev_over_time", fn::StddevOverTime},
    Entry{"stdvar_over_time", fn::StdvarOverTime},
    Entry{"sum_over_time", fn::SumOverTime, kH},
    Entry{"tan", fn::Tan},
    Entry{"tanh", fn::Tanh},
    Entry{"time", fn::Time},
    Entry{"timestamp", fn::Timestamp, kH},
    Entry{"ts_of_first_over_time", fn::TsOfFirstOverTime, kH},
    Entry{"ts_of_last_over_time", fn::TsOfLastOverTime, kH},
    Entry{"ts_of_max_over_time", fn::TsOfMaxOverTime},
    Entry{"ts_of_min_over_time", fn::TsOfMinOverTime},
    Entry{"vector", fn::Vector},
    Entry{"year", fn::Year},
};

constexpr bool IsSorted() {
  for (size_t i = 1; i < kTable.size(); ++i) {
    if (!(kTable[i - 1].name < kTable[i].name)) return false;
  }
  return true;
}
static_assert(IsSorted(), "kTable must stay sorted by name");

}  // namespace

FunctionImpl LookupFunctionImpl(std::string_view name) {
  auto it = std::lower_bound(
      kTable.begin(), kTable.end(), name,
      [](const Entry& e, std::string_view n) { return e.name < n; });
  if (it == kTable.end() || it->name != name) return nullptr;
  return it->impl;
}

bool FunctionTakesHistograms(std::string_view name) {
  auto it = std::lower_bound(
      kTable.begin(), kTable.end(), name,
      [](const Entry& e, std::string_view n) { return e.name < n; });
  return it != kTable.end() && it->name == name && it->histograms;
}

}  // namespace vigil::promql
