// Native histograms, as Prometheus's model/histogram package defines them:
// exponential bucket schemas -4..8 (each power of two split into 2^schema
// buckets, bucket i covering (base^(i-1), base^i]), a zero bucket of width
// zero_threshold on either side of 0, and the custom-bucket schema -53
// (NHCB) whose upper bounds are `custom_values`, with an implicit +Inf
// bucket.
//
// Buckets are sparse: `spans` give runs of consecutive bucket indices, the
// first offset absolute, later ones relative to the end of the previous run.
//
// FloatHistogram holds absolute float counts; it is what PromQL computes
// with (and what the engine sees for every histogram sample). Histogram is
// the integer form the exposition formats carry, with delta-encoded bucket
// counts; ToFloat() turns it into a FloatHistogram.
//
// A histogram whose sum is StaleNaN() (see storage.h) is the staleness
// marker of a histogram series, as in Prometheus.
//
// Value types without hidden sharing: copy freely. Not thread-safe to mutate
// concurrently.
#ifndef VIGIL_HISTOGRAM_H_
#define VIGIL_HISTOGRAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace vigil {

inline constexpr int32_t kCustomBucketsSchema = -53;
inline constexpr int32_t kMinExponentialSchema = -4;
inline constexpr int32_t kMaxExponentialSchema = 8;

inline bool IsCustomBucketsSchema(int32_t s) {
  return s == kCustomBucketsSchema;
}
inline bool IsExponentialSchema(int32_t s) {
  return s >= kMinExponentialSchema && s <= kMaxExponentialSchema;
}

// Prometheus's CounterResetHint: what the producer or the store knows about
// a counter reset before this histogram.
enum class CounterResetHint : uint8_t {
  kUnknown = 0,
  kCounterReset = 1,
  kNotCounterReset = 2,
  kGauge = 3,
};

struct HistogramSpan {
  int32_t offset = 0;
  uint32_t length = 0;
  bool operator==(const HistogramSpan&) const = default;
};

// One bucket with its bounds, for iteration.
struct HistogramBucket {
  double lower = 0;
  double upper = 0;
  bool lower_inclusive = false;
  bool upper_inclusive = true;
  double count = 0;
  int32_t index = 0;
};

class FloatHistogram {
 public:
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;
  double count = 0;
  double sum = 0;
  std::vector<HistogramSpan> positive_spans;
  std::vector<HistogramSpan> negative_spans;
  std::vector<double> positive_buckets;
  std::vector<double> negative_buckets;
  std::vector<double> custom_values;

  bool UsesCustomBuckets() const { return IsCustomBucketsSchema(schema); }

  // The result flags of Add and Sub (Prometheus returns them as bools).
  struct AddInfo {
    // One operand said CounterReset, the other NotCounterReset.
    bool counter_reset_collision = false;
    // Custom bounds differed and were reduced to their intersection.
    bool nhcb_bounds_reconciled = false;
  };
  // this += other / this -= other. Reconciles zero thresholds and schemas
  // (the result has the lower resolution). Fails with
  // kIncompatibleSchemaError when one uses custom buckets and the other not.
  // The result may hold empty buckets: Compact() removes them.
  absl::Status Add(const FloatHistogram& other, AddInfo* info = nullptr);
  absl::Status Sub(const FloatHistogram& other, AddInfo* info = nullptr);
  // this += other with Neumaier-compensated (Kahan) summation of every
  // count, the sum and each bucket, as Prometheus's KahanAdd: `comp` holds
  // the running compensation (start with an empty one) and is kept in this
  // histogram's layout. The final result is this plus `comp`
  // (AddCompensation).
  absl::Status KahanAdd(const FloatHistogram& other, FloatHistogram* comp,
                        AddInfo* info = nullptr);
  // this += comp, after KahanAdd.
  void AddCompensation(const FloatHistogram& comp);
  // Whether any count, the sum or a bucket is infinite.
  bool HasOverflow() const;
  // Scales every count and the sum; a negative factor makes it a gauge.
  FloatHistogram& Mul(double factor);
  // Division by zero leaves no buckets (Prometheus).
  FloatHistogram& Div(double divisor);

  // Drops empty buckets at span edges, merges spans at most
  // `max_empty_buckets` apart and splits longer empty runs.
  FloatHistogram& Compact(int max_empty_buckets);
  // Lowers the resolution of an exponential histogram to `target` (< schema).
  void ReduceResolution(int32_t target);
  // The trim operators: this histogram without its observations above
  // `threshold` (`</`, keep_below) or below it (`>/`), interpolating inside
  // the bucket the threshold cuts. The count and the sum are estimated from
  // the kept buckets; a trim that removes nothing returns the histogram
  // unchanged. The bucket layout stays (trimmed buckets hold 0).
  FloatHistogram Trimmed(double threshold, bool keep_below) const;

  // Bitwise equality of the data (spans may differ by empty spans only).
  bool Equals(const FloatHistogram& other) const;
  // Whether this histogram, following `previous`, starts a new counter
  // (Prometheus's DetectReset, hints included).
  bool DetectReset(const FloatHistogram& previous) const;

  // Buckets in ascending order: negative buckets, the zero bucket (when
  // populated), positive buckets; the buckets next to the zero bucket are
  // clipped to its threshold as Prometheus's AllBucketIterator does.
  std::vector<HistogramBucket> AllBuckets() const;
  // Positive (or negative) buckets in increasing distance from zero.
  std::vector<HistogramBucket> Buckets(bool positive) const;

  // The promqltest notation, e.g.
  // {{schema:1 count:3 sum:5 buckets:[1 2]}} (Prometheus's TestExpression).
  std::string TestExpression() const;
  // Prometheus's String(): {count:3, sum:5, (0.5,1]:1, (1,2]:2}.
  std::string String() const;
};

using HistogramPtr = std::shared_ptr<const FloatHistogram>;

// Prometheus's ErrHistogramsIncompatibleSchema text.
inline constexpr const char* kIncompatibleSchemaError =
    "cannot apply this operation on histograms with a mix of exponential and "
    "custom bucket schemas";

// The integer histogram of the exposition formats: bucket counts are deltas
// from the previous bucket of the same sign.
struct Histogram {
  CounterResetHint counter_reset_hint = CounterResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  uint64_t count = 0;
  double sum = 0;
  std::vector<HistogramSpan> positive_spans;
  std::vector<HistogramSpan> negative_spans;
  std::vector<int64_t> positive_buckets;  // deltas
  std::vector<int64_t> negative_buckets;  // deltas
  std::vector<double> custom_values;

  FloatHistogram ToFloat() const;
};

// The upper bound of bucket `index` in an exponential schema (Prometheus's
// getBoundExponential), or of a custom bucket (+Inf past the last value).
double BucketUpperBound(int32_t index, int32_t schema,
                        const std::vector<double>& custom_values);

// Whether two sets of custom bounds are the same (bitwise).
bool CustomBucketBoundsMatch(const std::vector<double>& a,
                             const std::vector<double>& b);

}  // namespace vigil

#endif  // VIGIL_HISTOGRAM_H_
