// Series descriptions: the `metric{a="b"} 1+2x10 _ stale _x3` notation of
// Prometheus's test language (promqltest `load` blocks) and of promtool's
// rule unit tests (`input_series`): a compact way to write test data.
#ifndef VIGIL_PROMQL_SERIES_DESCRIPTION_H_
#define VIGIL_PROMQL_SERIES_DESCRIPTION_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"

namespace vigil::promql {

struct SeriesDescription {
  Labels labels;
  // One entry per step: nullopt for a gap (`_`), StaleNaN() for `stale`.
  std::vector<std::optional<double>> values;
  // Native histogram values (`{{...}}`), parallel to `values` and empty
  // when the series has none; where one is set, values[i] is nullopt.
  std::vector<HistogramPtr> histograms;
};

// Expanding notation as Prometheus defines it:
//   N            one value          NxK      K+1 copies of N
//   N+DxK/N-DxK  K+1 values from N in steps of D
//   _            one gap            _xK      K gaps
//   stale        the staleness marker
//   {{schema:0 sum:5 count:4 buckets:[1 2 1]}}   one native histogram, keys
//       schema sum count z_bucket z_bucket_w buckets offset n_buckets
//       n_offset custom_values counter_reset_hint (reset, not_reset, gauge,
//       unknown)
//   {{...}}xK, {{...}}+{{...}}xK, {{...}}-{{...}}xK   as for numbers
// Numbers accept what PromQL's lexer accepts (hex, Inf, NaN, signs) and a
// duration such as `1m` means its seconds. Malformed input gives
// InvalidArgument with the byte offset of the problem. A pure function:
// safe from any thread.
absl::StatusOr<SeriesDescription> ParseSeriesDescription(
    std::string_view input);

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_SERIES_DESCRIPTION_H_
