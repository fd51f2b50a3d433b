// Helpers shared by the function implementations in promql/functions/: how
// results are labelled (Prometheus's __name__ dropping rules), reading the
// evaluated arguments, Kahan summation and Go's number formatting for
// annotation texts. Internal to vigil's engine; not installed.
#ifndef VIGIL_PROMQL_FUNCTIONS_COMMON_H_
#define VIGIL_PROMQL_FUNCTIONS_COMMON_H_

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "promql/eval_types.h"
#include "vigil/labels.h"

namespace vigil::promql::functions {

// The message Prometheus uses whenever a step's vector would hold two
// samples with one labelset.
inline constexpr std::string_view kDuplicateLabelsetError =
    "vector cannot contain metrics with the same labelset";

// Prometheus's schema.IsMetadataLabel: __name__, __type__ and __unit__, the
// labels that instant-vector functions drop along with the name.
bool IsMetadataLabel(std::string_view name);
Labels DropMetadataLabels(const Labels& metric);
Labels DropMetricName(const Labels& metric);

// Whether two of the `n` label sets at(0), ..., at(n - 1) are equal: the
// check behind kDuplicateLabelsetError. Exact, where Prometheus compares
// hashes. The sets checked are mostly new ones (their name just dropped),
// so it hashes with absl's hash, a word at a time, rather than computing
// and keeping Labels::Hash(), a byte at a time, for each.
bool AnySameLabelset(size_t n, absl::FunctionRef<const Labels&(size_t)> at);

// Appends the result of a name-dropping instant-vector function (math, date,
// clamp, histogram_quantile, ...): with delayed removal the labels stay and
// drop_name is set, otherwise the metadata labels go now (Prometheus's
// simpleFloatFunc).
void AppendDroppingName(const FunctionArgs& args, const Labels& metric,
                        double v, EvalVector* out);

// Appends the result of a range-vector function for one series. Every such
// function drops the name except last_over_time and first_over_time, which
// act like an offset and keep the series (and its pending drop) as is.
enum class NamePolicy { kDrop, kKeep };
void AppendForSeries(const FunctionArgs& args, const WindowSeries& series,
                     NamePolicy policy, double v, EvalVector* out);

// Argument accessors; the parser's type checking guarantees the kinds.
const EvalVector& VectorArg(const FunctionArgs& args, size_t i);
double ScalarArg(const FunctionArgs& args, size_t i);
std::string_view StringArg(const FunctionArgs& args, size_t i);
// The range-vector argument (at most one per call), or nullptr.
const std::vector<WindowSeries>* MatrixArg(const FunctionArgs& args);
// The position of argument i's expression, falling back to the call's.
PositionRange ArgPos(const FunctionArgs& args, size_t i);

// Adds an annotation when the evaluator gave somewhere to put it.
void Warn(const FunctionArgs& args, std::string message, PositionRange pos);
void Info(const FunctionArgs& args, std::string message, PositionRange pos);

// Runs a per-series range-vector function over the matrix argument: `fn`
// returns the value for one non-empty window, or nullopt for no output.
// Without delayed name removal, dropping the name may make two series equal,
// which Prometheus rejects with kDuplicateLabelsetError.
template <typename Fn>
absl::Status ForEachWindow(const FunctionArgs& args, NamePolicy policy, Fn fn,
                           EvalVector* out);
absl::Status CheckNoDuplicateLabelsets(const EvalVector& vec, size_t from);
// After appending name-dropped samples from index `from` on: without delayed
// removal the dropped names may have made two of them equal.
absl::Status CheckDroppedNames(const FunctionArgs& args, const EvalVector& vec,
                               size_t from);

// Start timestamps (WindowSeries::start_timestamps; 0 means none), as
// Prometheus's isStartTimestampReset: whether the counter restarted between
// two neighbouring samples although the values need not show it. A start
// timestamp after the previous sample is a reset; one equal to it is a reset
// only when the previous sample's start was known (an OTel delta), not for
// a cumulative series whose start is unknown.
bool IsStartTimestampReset(int64_t prev_st, int64_t prev_t, int64_t cur_st,
                           int64_t cur_t);
// Prometheus's checkStartTimeOverlap: a start timestamp before the previous
// sample that is not the previous one's either, so the two samples' intervals
// overlap (rate warns).
bool StartTimeOverlaps(int64_t prev_st, int64_t prev_t, int64_t cur_st);

// Prometheus's util/kahansum.Inc: Neumaier's variant of Kahan summation.
inline std::pair<double, double> KahanInc(double inc, double sum, double c);

// Go's math.Max / math.Min, whose NaN and infinity rules differ from
// std::fmax / std::fmin: an infinity wins over NaN, and NaN wins otherwise.
double GoMax(double x, double y);
double GoMin(double x, double y);

// Go's conversion int64(f) on amd64: values out of range, and NaN, become
// the minimum int64.
int64_t GoFloatToInt64(double f);

// ---------------------------------------------------------------------------

inline std::pair<double, double> KahanInc(double inc, double sum, double c) {
  double t = sum + inc;
  if (std::isinf(t)) return {t, 0};  // the compensation is moot
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return {t, c};
}

template <typename Fn>
absl::Status ForEachWindow(const FunctionArgs& args, NamePolicy policy, Fn fn,
                           EvalVector* out) {
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix == nullptr) return absl::OkStatus();
  size_t first = out->size();
  for (const WindowSeries& series : *matrix) {
    if (series.samples.empty()) continue;
    std::optional<double> v = fn(series);
    if (v.has_value()) AppendForSeries(args, series, policy, *v, out);
  }
  if (policy == NamePolicy::kDrop && !args.delayed_name_removal) {
    return CheckNoDuplicateLabelsets(*out, first);
  }
  return absl::OkStatus();
}

}  // namespace vigil::promql::functions

#endif  // VIGIL_PROMQL_FUNCTIONS_COMMON_H_
