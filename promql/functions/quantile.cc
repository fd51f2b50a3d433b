#include "promql/functions/quantile.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigil::promql::functions {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Prometheus's util/almost.Equal.
bool AlmostEqual(double a, double b, double epsilon) {
  constexpr double kMinNormal = std::numeric_limits<double>::min();
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) {
    return diff < epsilon * kMinNormal;
  }
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

void SortByUpperBound(std::vector<Bucket>* buckets) {
  std::stable_sort(buckets->begin(), buckets->end(),
                   [](const Bucket& a, const Bucket& b) {
                     return a.upper_bound < b.upper_bound;
                   });
}

// Merges buckets with equal bounds (sorted input), e.g. `le="1"` and
// `le="1.0"` of one histogram.
void CoalesceBuckets(std::vector<Bucket>* buckets) {
  std::vector<Bucket>& b = *buckets;
  Bucket last = b[0];
  size_t i = 0;
  for (size_t k = 1; k < b.size(); ++k) {
    if (b[k].upper_bound == last.upper_bound) {
      last.count += b[k].count;
    } else {
      b[i++] = last;
      last = b[k];
    }
  }
  b[i] = last;
  b.resize(i + 1);
}

// Ignores numerically insignificant differences, then takes the envelope of
// the counts: Prometheus's ensureMonotonicAndIgnoreSmallDeltas. `prev` only
// moves on accepted counts.
void EnsureMonotonic(std::vector<Bucket>* buckets, BucketQuantileResult* r) {
  std::vector<Bucket>& b = *buckets;
  r->min_bucket = kInf;
  r->max_bucket = -kInf;
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    double curr = b[i].count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, kSmallDeltaTolerance)) {
      b[i].count = prev;
      r->fixed_precision = true;
      continue;
    }
    if (curr < prev) {
      b[i].count = prev;
      r->forced_monotonic = true;
      r->min_bucket = std::min(r->min_bucket, b[i].upper_bound);
      r->max_bucket = std::max(r->max_bucket, b[i].upper_bound);
      r->max_diff = std::max(r->max_diff, prev - curr);
      continue;
    }
    prev = curr;
  }
}

// Go's sort order for quantiles: NaNs first.
constexpr auto kNanFirstLess = [](double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  if (std::isnan(b)) return false;
  return a < b;
};

template <typename SortFn>
double QuantileSortedBy(double q, std::vector<double>* values, SortFn sort) {
  if (values->empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  sort(values->begin(), values->end(), kNanFirstLess);
  double n = static_cast<double>(values->size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
}

}  // namespace

double Quantile(double q, std::vector<double>* values) {
  return QuantileSortedBy(q, values, [](auto first, auto last, auto less) {
    std::stable_sort(first, last, less);
  });
}

double QuantileUnstable(double q, std::vector<double>* values) {
  return QuantileSortedBy(q, values, [](auto first, auto last, auto less) {
    std::sort(first, last, less);
  });
}

BucketQuantileResult BucketQuantile(double q, std::vector<Bucket>* buckets) {
  BucketQuantileResult r;
  if (std::isnan(q)) {
    r.value = kNaN;
    return r;
  }
  if (q < 0 || q > 1) {
    r.value = q < 0 ? -kInf : kInf;
    return r;
  }
  SortByUpperBound(buckets);
  std::vector<Bucket>& b = *buckets;
  if (!(std::isinf(b.back().upper_bound) && b.back().upper_bound > 0)) {
    r.value = kNaN;
    return r;
  }
  CoalesceBuckets(buckets);
  EnsureMonotonic(buckets, &r);
  if (b.size() < 2 || b.back().count == 0) {
    r.value = kNaN;
    return r;
  }
  double observations = b.back().count;
  double rank = q * observations;
  // The first bucket (excluding +Inf) whose cumulative count reaches rank.
  size_t idx =
      std::partition_point(b.begin(), b.end() - 1,
                           [&](const Bucket& x) { return x.count < rank; }) -
      b.begin();
  if (idx == b.size() - 1) {
    // In the +Inf bucket: the best estimate is the highest finite bound.
    r.value = b[b.size() - 2].upper_bound;
    return r;
  }
  if (idx == 0 && b[0].upper_bound <= 0) {
    r.value = b[0].upper_bound;
    return r;
  }
  double start = 0;
  double end = b[idx].upper_bound;
  double count = b[idx].count;
  if (idx > 0) {
    start = b[idx - 1].upper_bound;
    count -= b[idx - 1].count;
    rank -= b[idx - 1].count;
  }
  r.value = start + (end - start) * (rank / count);
  return r;
}

double BucketFraction(double lower, double upper,
                      std::vector<Bucket>* buckets) {
  SortByUpperBound(buckets);
  std::vector<Bucket>& b = *buckets;
  if (!(std::isinf(b.back().upper_bound) && b.back().upper_bound > 0)) {
    return kNaN;
  }
  CoalesceBuckets(buckets);
  double count = b.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;

  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  // A positive first bound means the histogram starts at 0.
  double lower_bound = b[0].upper_bound <= 0 ? -kInf : 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0) lower_bound = b[i - 1].upper_bound;
    double upper_bound = b[i].upper_bound;
    // Counts are cumulative, so a bucket holds b[i].count - rank.
    auto interpolate = [&](double v) {
      if (std::isinf(lower_bound) && lower_bound < 0) return b[i].count;
      return rank + (b[i].count - rank) * (v - lower_bound) /
                        (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lower_bound >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lower_bound < upper && upper_bound > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = b[i].count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

}  // namespace vigil::promql::functions
