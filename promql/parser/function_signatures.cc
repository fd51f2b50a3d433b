// The signature of every function Prometheus 3.x knows, as
// promql/parser/functions.go lists them (name, argument types, variadic
// arity, return type, experimental). Aggregations such as limitk are
// operators, not functions, and live in the grammar.
#include <algorithm>
#include <vector>

#include "vigil/promql/ast.h"

namespace vigil::promql {

const std::vector<FunctionSignature>& AllFunctions() {
  using T = ValueType;
  // Sorted by name so that lookups can bisect.
  static const std::vector<
      FunctionSignature>* const kFunctions = new std::vector<FunctionSignature>{
      {"abs", {T::kVector}, 0, T::kVector, false},
      {"absent", {T::kVector}, 0, T::kVector, false},
      {"absent_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"acos", {T::kVector}, 0, T::kVector, false},
      {"acosh", {T::kVector}, 0, T::kVector, false},
      {"asin", {T::kVector}, 0, T::kVector, false},
      {"asinh", {T::kVector}, 0, T::kVector, false},
      {"atan", {T::kVector}, 0, T::kVector, false},
      {"atanh", {T::kVector}, 0, T::kVector, false},
      {"avg_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"ceil", {T::kVector}, 0, T::kVector, false},
      {"changes", {T::kMatrix}, 0, T::kVector, false},
      {"clamp", {T::kVector, T::kScalar, T::kScalar}, 0, T::kVector, false},
      {"clamp_max", {T::kVector, T::kScalar}, 0, T::kVector, false},
      {"clamp_min", {T::kVector, T::kScalar}, 0, T::kVector, false},
      {"cos", {T::kVector}, 0, T::kVector, false},
      {"cosh", {T::kVector}, 0, T::kVector, false},
      {"count_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"day_of_month", {T::kVector}, 1, T::kVector, false},
      {"day_of_week", {T::kVector}, 1, T::kVector, false},
      {"day_of_year", {T::kVector}, 1, T::kVector, false},
      {"days_in_month", {T::kVector}, 1, T::kVector, false},
      {"deg", {T::kVector}, 0, T::kVector, false},
      {"delta", {T::kMatrix}, 0, T::kVector, false},
      {"deriv", {T::kMatrix}, 0, T::kVector, false},
      {"double_exponential_smoothing",
       {T::kMatrix, T::kScalar, T::kScalar},
       0,
       T::kVector,
       true},
      {"end", {}, 0, T::kScalar, true},
      {"exp", {T::kVector}, 0, T::kVector, false},
      {"first_over_time", {T::kMatrix}, 0, T::kVector, true},
      {"floor", {T::kVector}, 0, T::kVector, false},
      {"histogram_avg", {T::kVector}, 0, T::kVector, false},
      {"histogram_count", {T::kVector}, 0, T::kVector, false},
      {"histogram_fraction",
       {T::kScalar, T::kScalar, T::kVector},
       0,
       T::kVector,
       false},
      {"histogram_quantile", {T::kScalar, T::kVector}, 0, T::kVector, false},
      {"histogram_quantiles",
       {T::kVector, T::kString, T::kScalar, T::kScalar},
       9,
       T::kVector,
       true},
      {"histogram_stddev", {T::kVector}, 0, T::kVector, false},
      {"histogram_stdvar", {T::kVector}, 0, T::kVector, false},
      {"histogram_sum", {T::kVector}, 0, T::kVector, false},
      {"hour", {T::kVector}, 1, T::kVector, false},
      {"idelta", {T::kMatrix}, 0, T::kVector, false},
      {"increase", {T::kMatrix}, 0, T::kVector, false},
      {"info", {T::kVector, T::kVector}, 1, T::kVector, true},
      {"integral", {T::kMatrix, T::kScalar}, 1, T::kVector, true},
      {"irate", {T::kMatrix}, 0, T::kVector, false},
      {"label_join",
       {T::kVector, T::kString, T::kString, T::kString},
       -1,
       T::kVector,
       false},
      {"label_replace",
       {T::kVector, T::kString, T::kString, T::kString, T::kString},
       0,
       T::kVector,
       false},
      {"last_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"ln", {T::kVector}, 0, T::kVector, false},
      {"log10", {T::kVector}, 0, T::kVector, false},
      {"log2", {T::kVector}, 0, T::kVector, false},
      {"mad_over_time", {T::kMatrix}, 0, T::kVector, true},
      {"max_of", {T::kScalar, T::kScalar}, 0, T::kScalar, true},
      {"max_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"min_of", {T::kScalar, T::kScalar}, 0, T::kScalar, true},
      {"min_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"minute", {T::kVector}, 1, T::kVector, false},
      {"month", {T::kVector}, 1, T::kVector, false},
      {"pi", {}, 0, T::kScalar, false},
      {"predict_linear", {T::kMatrix, T::kScalar}, 0, T::kVector, false},
      {"present_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"quantile_over_time", {T::kScalar, T::kMatrix}, 0, T::kVector, false},
      {"rad", {T::kVector}, 0, T::kVector, false},
      {"range", {}, 0, T::kScalar, true},
      {"rate", {T::kMatrix}, 0, T::kVector, false},
      {"resets", {T::kMatrix}, 0, T::kVector, false},
      {"round", {T::kVector, T::kScalar}, 1, T::kVector, false},
      {"scalar", {T::kVector}, 0, T::kScalar, false},
      {"sgn", {T::kVector}, 0, T::kVector, false},
      {"sin", {T::kVector}, 0, T::kVector, false},
      {"sinh", {T::kVector}, 0, T::kVector, false},
      {"sort", {T::kVector}, 0, T::kVector, false},
      {"sort_by_label", {T::kVector, T::kString}, -1, T::kVector, true},
      {"sort_by_label_desc", {T::kVector, T::kString}, -1, T::kVector, true},
      {"sort_desc", {T::kVector}, 0, T::kVector, false},
      {"sqrt", {T::kVector}, 0, T::kVector, false},
      {"start", {}, 0, T::kScalar, true},
      {"start_timestamp", {T::kVector}, 0, T::kVector, true},
      {"stddev_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"stdvar_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"step", {}, 0, T::kScalar, true},
      {"sum_over_time", {T::kMatrix}, 0, T::kVector, false},
      {"tan", {T::kVector}, 0, T::kVector, false},
      {"tanh", {T::kVector}, 0, T::kVector, false},
      {"time", {}, 0, T::kScalar, false},
      {"timestamp", {T::kVector}, 0, T::kVector, false},
      {"ts_of_first_over_time", {T::kMatrix}, 0, T::kVector, true},
      {"ts_of_last_over_time", {T::kMatrix}, 0, T::kVector, true},
      {"ts_of_max_over_time", {T::kMatrix}, 0, T::kVector, true},
      {"ts_of_min_over_time", {T::kMatrix}, 0, T::kVector, true},
      {"vector", {T::kScalar}, 0, T::kVector, false},
      {"year", {T::kVector}, 1, T::kVector, false},
  };
  return *kFunctions;
}

const FunctionSignature* LookupFunction(std::string_view name) {
  const std::vector<FunctionSignature>& all = AllFunctions();
  auto it = std::lower_bound(all.begin(), all.end(), name,
                             [](const FunctionSignature& f,
                                std::string_view n) { return f.name < n; });
  if (it == all.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace vigil::promql
