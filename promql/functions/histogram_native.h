// Quantile and fraction estimates over one native histogram, shared by
// histogram_quantile(s) and histogram_fraction. Internal to the engine.
#ifndef VIGIL_PROMQL_FUNCTIONS_HISTOGRAM_NATIVE_H_
#define VIGIL_PROMQL_FUNCTIONS_HISTOGRAM_NATIVE_H_

#include "vigil/histogram.h"

namespace vigil::promql::functions {

// Prometheus's HistogramQuantile: NaN without observations or for a NaN q,
// ∓Inf for q outside [0, 1]; exponential interpolation inside exponential
// buckets, linear inside custom buckets and the zero bucket.
double NativeHistogramQuantile(double q, const FloatHistogram& h);
// Prometheus's HistogramFraction: the estimated share of observations in
// (lower, upper].
double NativeHistogramFraction(double lower, double upper,
                               const FloatHistogram& h);

}  // namespace vigil::promql::functions

#endif  // VIGIL_PROMQL_FUNCTIONS_HISTOGRAM_NATIVE_H_
