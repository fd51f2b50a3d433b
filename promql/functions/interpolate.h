// Histogram interpolation between two samples, shared by the smoothed range
// windows of rate/increase/delta and the smoothed vector selector.
// Internal to the engine.
#ifndef VIGIL_PROMQL_FUNCTIONS_INTERPOLATE_H_
#define VIGIL_PROMQL_FUNCTIONS_INTERPOLATE_H_

#include <cstdint>
#include <optional>

#include "vigil/histogram.h"

namespace vigil::promql::functions {

// The histogram at `t` (t1 <= t <= t2) on the straight line from h1 at t1 to
// h2 at t2; for a counter, a reset between them means the counter started
// from zero, so the result is h2 scaled (Prometheus's
// interpolateHistograms). nullopt when the two cannot be combined (a mix of
// exponential and custom buckets); `*reconciled` is set when mismatched
// custom bounds were reduced to their intersection.
std::optional<FloatHistogram> InterpolateHistograms(
    const FloatHistogram& h1, int64_t t1, const FloatHistogram& h2, int64_t t2,
    int64_t t, bool is_counter, bool* reconciled);

}  // namespace vigil::promql::functions

#endif  // VIGIL_PROMQL_FUNCTIONS_INTERPOLATE_H_
