// Prometheus's quantile helpers (promql/quantile.go): the φ-quantile of a set
// of values, shared by quantile_over_time, mad_over_time and the evaluator's
// quantile aggregation, and the classic-histogram bucket quantile and
// fraction behind histogram_quantile and histogram_fraction.
#ifndef VIGIL_PROMQL_FUNCTIONS_QUANTILE_H_
#define VIGIL_PROMQL_FUNCTIONS_QUANTILE_H_

#include <vector>

namespace vigil::promql::functions {

// The φ-quantile of `values`, which is sorted in place (NaNs first). NaN for
// no values or a NaN q, -Inf for q < 0, +Inf for q > 1; between two values
// the result is their weighted average.
double Quantile(double q, std::vector<double>* values);
// Quantile with an unstable sort, as the quantile aggregation has always
// sorted: no temporary buffer per step and group, and equal values (only
// -0 and +0 can be told apart) may come out in either order.
double QuantileUnstable(double q, std::vector<double>* values);

// One classic histogram bucket: the `le` bound and its cumulative count.
struct Bucket {
  double upper_bound = 0;
  double count = 0;
};

// Relative difference below which neighbouring bucket counts are taken to be
// equal (floating-point noise), as Prometheus's smallDeltaTolerance.
inline constexpr double kSmallDeltaTolerance = 1e-12;

struct BucketQuantileResult {
  double value = 0;
  // Whether a decrease in the cumulative counts had to be removed, and the
  // range of bounds and the largest decrease involved (for the annotation).
  bool forced_monotonic = false;
  bool fixed_precision = false;
  double min_bucket = 0;
  double max_bucket = 0;
  double max_diff = 0;
};

// Prometheus's BucketQuantile. `buckets` (non-empty) is sorted and may be
// rewritten. NaN when the highest bound is not +Inf, with fewer than two
// buckets or without observations; linear interpolation inside a bucket,
// with 0 as the lower bound of a positive first bucket.
BucketQuantileResult BucketQuantile(double q, std::vector<Bucket>* buckets);

// Prometheus's BucketFraction: the estimated fraction of observations in
// (lower, upper]. `buckets` (non-empty) is sorted and may be rewritten.
double BucketFraction(double lower, double upper, std::vector<Bucket>* buckets);

}  // namespace vigil::promql::functions

#endif  // VIGIL_PROMQL_FUNCTIONS_QUANTILE_H_
