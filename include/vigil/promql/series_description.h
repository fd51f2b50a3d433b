// Series descriptions: the `metric{a="b"} 1+2x10 _ stale _x3` notation of
// Prometheus's test language (promqltest `load` blocks) and of promtool's
// rule unit tests (`input_series`): a compact way to write test data.
#ifndef VIGIL_PROMQL_SERIES_DESCRIPTION_H_
#define VIGIL_PROMQL_SERIES_DESCRIPTION_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/labels.h"

namespace vigil::promql {

struct SeriesDescription {
  Labels labels;
  // One entry per step: nullopt for a gap (`_`), StaleNaN() for `stale`.
  std::vector<std::optional<double>> values;
};

// Expanding notation as Prometheus defines it:
//   N            one value          NxK      K+1 copies of N
//   N+DxK/N-DxK  K+1 values from N in steps of D
//   _            one gap            _xK      K gaps
//   stale        the staleness marker
// Numbers accept what PromQL's lexer accepts (hex, Inf, NaN, signs) and a
// duration such as `1m` means its seconds. Native histogram values
// (`{{...}}`) give Unimplemented; every other malformed input
// InvalidArgument with the byte offset of the problem. A pure function:
// safe from any thread.
absl::StatusOr<SeriesDescription> ParseSeriesDescription(
    std::string_view input);

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_SERIES_DESCRIPTION_H_
