// The functions over native histograms: histogram_count, _sum, _avg,
// _stddev, _stdvar, and the native side of histogram_quantile and
// histogram_fraction (Prometheus's promql/quantile.go HistogramQuantile and
// HistogramFraction, promql/functions.go funcHistogram*).
#include "promql/functions/histogram_native.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Applies `fn` to every histogram sample of the vector argument, dropping
// the name; float samples are skipped.
template <typename Fn>
absl::Status ForEachHistogram(const FunctionArgs& args, size_t arg, Fn fn,
                              EvalVector* out) {
  const size_t first = out->size();
  for (const EvalSample& s : VectorArg(args, arg)) {
    if (s.h == nullptr) continue;
    AppendDroppingName(args, s.metric, fn(*s.h), out);
  }
  return CheckDroppedNames(args, *out, first);
}

// The zero bucket gets 0 as a bound when the histogram has buckets on one
// side only (Prometheus's natural bound).
void NaturalZeroBounds(const FloatHistogram& h, HistogramBucket* b) {
  if (h.UsesCustomBuckets() || !(b->lower < 0 && b->upper > 0)) return;
  if (h.negative_buckets.empty() && !h.positive_buckets.empty()) {
    b->lower = 0;
  } else if (h.positive_buckets.empty() && !h.negative_buckets.empty()) {
    b->upper = 0;
  }
}

double Variance(const FloatHistogram& h) {
  const double mean = h.sum / h.count;
  double variance = 0, c = 0;
  for (const HistogramBucket& b : h.AllBuckets()) {
    if (b.count == 0) continue;
    double val;
    if (h.UsesCustomBuckets()) {
      // The arithmetic mean of the bounds for custom buckets.
      val = (b.upper + b.lower) / 2.0;
    } else if (b.lower <= 0 && b.upper >= 0) {
      val = 0;
    } else {
      // The geometric mean for exponential buckets.
      val = std::sqrt(b.upper * b.lower);
      if (b.upper < 0) val = -val;
    }
    const double delta = val - mean;
    std::tie(variance, c) = KahanInc(b.count * delta * delta, variance, c);
  }
  return (variance + c) / h.count;
}

}  // namespace

double NativeHistogramQuantile(double q, const FloatHistogram& h) {
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (h.count == 0 || std::isnan(q)) return kNaN;
  std::vector<HistogramBucket> buckets = h.AllBuckets();
  // Prometheus iterates from the top for q >= 0.5 (unless NaN observations
  // make the top unreliable), which changes rounding, so do the same.
  const bool forward = std::isnan(h.sum) || q < 0.5;
  double rank = forward ? q * h.count : (1 - q) * h.count;
  double count = 0;
  HistogramBucket bucket;
  const size_t n = buckets.size();
  for (size_t k = 0; k < n; ++k) {
    bucket = buckets[forward ? k : n - 1 - k];
    if (bucket.count == 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }
  if (h.UsesCustomBuckets()) {
    if (bucket.lower == -std::numeric_limits<double>::infinity()) {
      if (bucket.upper <= 0) return bucket.upper;
      bucket.lower = 0;
    } else if (bucket.upper == std::numeric_limits<double>::infinity()) {
      return bucket.lower;
    }
  } else {
    NaturalZeroBounds(h, &bucket);
  }
  if (count > h.count) count = h.count;
  // Short of the rank: the rest are NaN observations (Prometheus 3).
  if (count < rank) return kNaN;
  if (forward) {
    rank -= count - bucket.count;
  } else {
    rank = count - rank;
  }
  const double fraction = rank / bucket.count;
  if (h.UsesCustomBuckets() || (bucket.lower <= 0 && bucket.upper >= 0)) {
    return bucket.lower + (bucket.upper - bucket.lower) * fraction;
  }
  // Exponential buckets interpolate on a logarithmic scale.
  const double log_lower = std::log2(std::fabs(bucket.lower));
  const double log_upper = std::log2(std::fabs(bucket.upper));
  if (bucket.lower > 0) {
    return std::exp2(log_lower + (log_upper - log_lower) * fraction);
  }
  return -std::exp2(log_upper + (log_lower - log_upper) * (1 - fraction));
}

double NativeHistogramFraction(double lower, double upper,
                               const FloatHistogram& h) {
  if (h.count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  for (HistogramBucket b : h.AllBuckets()) {
    bool zero_bucket = false;
    if (b.lower <= 0 && b.upper >= 0) {
      zero_bucket = true;
      if (h.negative_buckets.empty() && !h.positive_buckets.empty()) {
        b.lower = 0;
      } else if (h.positive_buckets.empty() && !h.negative_buckets.empty()) {
        b.upper = 0;
      }
    }
    const bool linear = h.UsesCustomBuckets() || zero_bucket;
    auto interpolate = [&](double v) {
      // No interpolation in a bucket of infinite width: its observations
      // sit at its finite bound.
      if (std::isinf(b.lower)) return rank + b.count;
      if (std::isinf(b.upper)) return rank;
      if (linear) return rank + b.count * (v - b.lower) / (b.upper - b.lower);
      const double log_lower = std::log2(std::fabs(b.lower));
      const double log_upper = std::log2(std::fabs(b.upper));
      const double log_v = std::log2(std::fabs(v));
      const double fraction =
          v > 0 ? (log_v - log_lower) / (log_upper - log_lower)
                : 1 - ((log_v - log_upper) / (log_lower - log_upper));
      return rank + b.count * fraction;
    };
    if (!lower_set && b.lower >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && b.lower >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && b.lower < lower && b.upper > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && b.lower < upper && b.upper > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += b.count;
  }
  // NaN observations (a NaN sum) are in no bucket: a bound past the last
  // bucket then counts only the bucketed observations.
  const double total = std::isnan(h.sum) ? std::min(rank, h.count) : h.count;
  if (!lower_set || lower_rank > h.count) lower_rank = total;
  if (!upper_set || upper_rank > h.count) upper_rank = total;
  return (upper_rank - lower_rank) / h.count;
}

absl::Status HistogramCount(const FunctionArgs& args, EvalVector* out) {
  return ForEachHistogram(
      args, 0, [](const FloatHistogram& h) { return h.count; }, out);
}

absl::Status HistogramSum(const FunctionArgs& args, EvalVector* out) {
  return ForEachHistogram(
      args, 0, [](const FloatHistogram& h) { return h.sum; }, out);
}

absl::Status HistogramAvg(const FunctionArgs& args, EvalVector* out) {
  return ForEachHistogram(
      args, 0, [](const FloatHistogram& h) { return h.sum / h.count; }, out);
}

absl::Status HistogramStddev(const FunctionArgs& args, EvalVector* out) {
  return ForEachHistogram(
      args, 0, [](const FloatHistogram& h) { return std::sqrt(Variance(h)); },
      out);
}

absl::Status HistogramStdvar(const FunctionArgs& args, EvalVector* out) {
  return ForEachHistogram(args, 0, Variance, out);
}

}  // namespace vigil::promql::functions
