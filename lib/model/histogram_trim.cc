// FloatHistogram::Trimmed, the native histogram side of the trim operators
// `</` and `>/` (Prometheus 3.11's FloatHistogram.TrimBuckets).
//
// A bucket the threshold cuts keeps the share of its observations that the
// interpolation of histogram_fraction puts on the kept side: exponential
// inside exponential buckets, linear inside custom buckets and the zero
// bucket. The sum of a trimmed histogram is an estimate rebuilt from the
// kept buckets, each kept part counted at its representative value: the
// geometric mean of its bounds for exponential buckets, the arithmetic mean
// for custom buckets and the zero bucket.
#include <cmath>
#include <vector>

#include "vigil/histogram.h"

namespace vigil {
namespace {

// What is left of one bucket after the trim.
struct Kept {
  double count = 0;
  double value = 0;  // where the kept observations are taken to sit
};

enum class Scale { kExponential, kLinear };

// The representative value of the observations in [lo, hi].
double Representative(double lo, double hi, Scale scale) {
  if (scale == Scale::kLinear) return (lo + hi) / 2;
  const double g = std::sqrt(lo * hi);
  return hi <= 0 ? -g : g;
}

// The share of [lo, hi]'s observations at or below v (lo < v < hi).
double ShareBelow(double lo, double hi, double v, Scale scale) {
  if (scale == Scale::kLinear) return (v - lo) / (hi - lo);
  if (lo > 0) {
    return (std::log2(v) - std::log2(lo)) / (std::log2(hi) - std::log2(lo));
  }
  // Negative buckets: the distance from zero grows downwards.
  const double al = std::log2(-lo), ah = std::log2(-hi);
  return (al - std::log2(-v)) / (al - ah);
}

// Trims a bucket with finite bounds; `keep_below` is `</`.
Kept TrimFinite(double lo, double hi, double count, double t, bool keep_below,
                Scale scale) {
  if (keep_below ? hi <= t : lo >= t) {
    return {count, Representative(lo, hi, scale)};
  }
  if (keep_below ? lo >= t : hi <= t) return {};
  const double below = ShareBelow(lo, hi, t, scale);
  if (keep_below) return {count * below, Representative(lo, t, scale)};
  return {count * (1 - below), Representative(t, hi, scale)};
}

// Trims a custom bucket, whose first bucket starts at -Inf and whose last
// ends at +Inf. Prometheus: observations of an infinite bucket sit at its
// infinite bound when the threshold falls inside it, so `</` drops a +Inf
// bucket and `>/` a -Inf bucket the threshold cuts; the other operator keeps
// the whole bucket, its observations then sitting at the threshold. A first
// bucket with a positive upper bound is taken to start at 0 (as
// histogram_quantile does) unless the threshold is negative.
Kept TrimCustom(double lo, double hi, double count, double t, bool keep_below) {
  const bool inf_lo = std::isinf(lo), inf_hi = std::isinf(hi);
  if (!inf_lo && !inf_hi) {
    return TrimFinite(lo, hi, count, t, keep_below, Scale::kLinear);
  }
  // Whole-bucket values: the finite bound, or the middle of [0, hi].
  auto whole_value = [&] {
    if (inf_lo && inf_hi) return 0.0;
    if (inf_hi) return lo;
    return hi > 0 ? hi / 2 : hi;
  };
  if (keep_below ? hi <= t : lo >= t) return {count, whole_value()};
  if (keep_below ? lo >= t : hi <= t) return {};
  // The threshold is inside the bucket.
  if (inf_lo && inf_hi) return {};
  if (keep_below) {
    if (inf_hi) return {};
    if (hi <= 0) return {count, t};
    if (t <= 0) return {};
    return TrimFinite(0, hi, count, t, true, Scale::kLinear);
  }
  if (inf_hi) return {count, t};
  if (hi > 0 && t >= 0) {
    return TrimFinite(0, hi, count, t, false, Scale::kLinear);
  }
  return {};
}

}  // namespace

FloatHistogram FloatHistogram::Trimmed(double threshold,
                                       bool keep_below) const {
  FloatHistogram out = *this;
  bool changed = false;
  double count_total = 0, sum_total = 0;
  auto account = [&](double before, const Kept& k) {
    if (k.count != before) changed = true;
    if (k.count != 0) {
      count_total += k.count;
      sum_total += k.count * k.value;
    }
  };
  const bool custom = UsesCustomBuckets();
  for (const bool positive : {false, true}) {
    std::vector<double>& counts =
        positive ? out.positive_buckets : out.negative_buckets;
    const std::vector<HistogramBucket> buckets = Buckets(positive);
    for (size_t i = 0; i < buckets.size() && i < counts.size(); ++i) {
      double lo = buckets[i].lower, hi = buckets[i].upper;
      // Buckets reaching into the zero bucket end at its threshold, as in
      // Prometheus's AllBucketIterator.
      if (!custom && lo > 0 && lo < zero_threshold) lo = zero_threshold;
      if (!custom && hi < 0 && hi > -zero_threshold) hi = -zero_threshold;
      const Kept k = custom
                         ? TrimCustom(lo, hi, counts[i], threshold, keep_below)
                         : TrimFinite(lo, hi, counts[i], threshold, keep_below,
                                      Scale::kExponential);
      account(counts[i], k);
      counts[i] = k.count;
    }
  }
  if (zero_count != 0) {
    // Observations in the zero bucket share the sign of the other buckets
    // when those are all on one side (Prometheus's interpolation rule).
    double lo = -zero_threshold, hi = zero_threshold;
    if (negative_buckets.empty() && !positive_buckets.empty()) lo = 0;
    if (positive_buckets.empty() && !negative_buckets.empty()) hi = 0;
    const Kept k =
        TrimFinite(lo, hi, zero_count, threshold, keep_below, Scale::kLinear);
    account(zero_count, k);
    out.zero_count = k.count;
  }
  // Nothing removed: the histogram is returned as it was, its exact sum
  // included.
  if (!changed) return *this;
  out.count = count_total;
  out.sum = sum_total;
  return out;
}

}  // namespace vigil
