// FloatHistogram arithmetic with Prometheus's semantics
// (model/histogram/float_histogram.go). Buckets are handled as sorted
// (index, count) lists rather than by editing spans in place: simpler, and
// the results only differ from Prometheus's in where empty buckets sit,
// which Compact() normalizes.
#include "vigil/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

namespace vigil {
namespace {

using IndexedBuckets = std::vector<std::pair<int32_t, double>>;

IndexedBuckets Expand(const std::vector<HistogramSpan>& spans,
                      const std::vector<double>& buckets) {
  IndexedBuckets out;
  out.reserve(buckets.size());
  int64_t idx = 0;
  size_t b = 0;
  for (size_t s = 0; s < spans.size(); ++s) {
    idx += spans[s].offset;
    for (uint32_t k = 0; k < spans[s].length && b < buckets.size(); ++k) {
      out.emplace_back(static_cast<int32_t>(idx), buckets[b++]);
      ++idx;
    }
  }
  return out;
}

// Spans of consecutive indices; empty buckets in the list are kept.
void Build(const IndexedBuckets& list, std::vector<HistogramSpan>* spans,
           std::vector<double>* buckets) {
  spans->clear();
  buckets->clear();
  buckets->reserve(list.size());
  int64_t next = 0;  // index after the last span's end
  for (const auto& [idx, c] : list) {
    if (!spans->empty() && idx == next) {
      ++spans->back().length;
    } else {
      spans->push_back(
          {static_cast<int32_t>(spans->empty() ? idx : idx - next), 1});
    }
    next = static_cast<int64_t>(idx) + 1;
    buckets->push_back(c);
  }
}

// Sums buckets that land on the same index (input sorted by index).
IndexedBuckets ReduceList(const IndexedBuckets& in, int32_t from, int32_t to) {
  if (from == to) return in;
  IndexedBuckets out;
  const int32_t shift = from - to;
  for (const auto& [idx, c] : in) {
    // In 64 bits: idx - 1 may leave int32 and a scrape's reserved schemas
    // (up to 52) shift by more than 31. The result fits in int32 again.
    const int32_t t = static_cast<int32_t>(
        ((static_cast<int64_t>(idx) - 1) >> std::min(shift, 62)) + 1);
    if (!out.empty() && out.back().first == t) {
      out.back().second += c;
    } else {
      out.emplace_back(t, c);
    }
  }
  return out;
}

// Merges b into a (b's counts times `sign`), skipping b's leading buckets
// whose upper bound is at most `threshold` (they are in the zero bucket).
IndexedBuckets MergeLists(const IndexedBuckets& a, const IndexedBuckets& b,
                          double sign, int32_t schema, double threshold) {
  IndexedBuckets out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  const std::vector<double> none;
  if (IsExponentialSchema(schema)) {
    while (j < b.size() &&
           BucketUpperBound(b[j].first, schema, none) <= threshold) {
      ++j;
    }
  }
  while (i < a.size() || j < b.size()) {
    if (j >= b.size() || (i < a.size() && a[i].first < b[j].first)) {
      out.push_back(a[i++]);
    } else if (i >= a.size() || b[j].first < a[i].first) {
      out.emplace_back(b[j].first, sign * b[j].second);
      ++j;
    } else {
      out.emplace_back(a[i].first, a[i].second + sign * b[j].second);
      ++i;
      ++j;
    }
  }
  return out;
}

std::vector<double> IntersectBounds(const std::vector<double>& a,
                                    const std::vector<double>& b) {
  std::vector<double> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      out.push_back(a[i]);
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

// Custom buckets re-bucketed onto `target` bounds: each bucket goes to the
// first target bound at or above its own upper bound (+Inf last).
std::vector<double> MapCustom(const IndexedBuckets& list,
                              const std::vector<double>& bounds,
                              const std::vector<double>& target) {
  std::vector<double> out(target.size() + 1, 0.0);
  size_t t = 0;
  for (const auto& [idx, c] : list) {
    size_t dst = target.size();
    if (idx >= 0 && static_cast<size_t>(idx) < bounds.size()) {
      const double bound = bounds[static_cast<size_t>(idx)];
      while (t < target.size() && target[t] < bound) ++t;
      dst = t;
    }
    out[dst] += c;
  }
  return out;
}

CounterResetHint CombineHints(CounterResetHint a, CounterResetHint b,
                              bool* collision) {
  *collision = false;
  if (a == b) return a;
  if (a == CounterResetHint::kGauge || b == CounterResetHint::kGauge) {
    return CounterResetHint::kGauge;
  }
  if (a == CounterResetHint::kUnknown || b == CounterResetHint::kUnknown) {
    return CounterResetHint::kUnknown;
  }
  *collision = true;
  return CounterResetHint::kUnknown;
}

// What h's zero count would be with the larger threshold `larger`, and the
// threshold actually needed so that it does not cut a populated bucket
// (Prometheus's zeroCountForLargerThreshold).
std::pair<double, double> ZeroCountForLargerThreshold(const FloatHistogram& h,
                                                      double larger) {
  if (larger <= h.zero_threshold) return {h.zero_count, h.zero_threshold};
  const auto pos = h.Buckets(true);
  const auto neg = h.Buckets(false);
  for (;;) {
    double count = h.zero_count;
    bool again = false;
    for (const auto& b : pos) {
      if (b.lower >= larger) break;
      count += b.count;
      if (b.upper > larger) {
        if (b.count != 0) {
          larger = b.upper;
          again = true;
        }
        break;
      }
    }
    if (again) continue;
    for (const auto& b : neg) {
      if (b.upper <= -larger) break;
      count += b.count;
      if (b.lower < -larger) {
        if (b.count != 0) {
          larger = -b.lower;
          again = true;
        }
        break;
      }
    }
    if (!again) return {count, larger};
  }
}

// Drops the buckets inside the zero bucket, whose counts the zero count
// already holds.
void TrimBucketsInZeroBucket(FloatHistogram* h) {
  auto trim = [&](std::vector<HistogramSpan>* spans,
                  std::vector<double>* buckets) {
    IndexedBuckets list = Expand(*spans, *buckets);
    IndexedBuckets kept;
    const std::vector<double> none;
    for (const auto& e : list) {
      if (BucketUpperBound(e.first, h->schema, none) <= h->zero_threshold) {
        continue;
      }
      kept.push_back(e);
    }
    Build(kept, spans, buckets);
  };
  trim(&h->positive_spans, &h->positive_buckets);
  trim(&h->negative_spans, &h->negative_buckets);
}

// Widens the zero buckets of h and (virtually) of other to a common
// threshold; returns other's zero count at that threshold.
double ReconcileZeroBuckets(FloatHistogram* h, const FloatHistogram& other) {
  double other_count = other.zero_count;
  double other_threshold = other.zero_threshold;
  // Each round only widens a threshold to a bucket bound; a NaN threshold
  // (hostile input) never compares equal, so it ends the loop too.
  for (int round = 0;
       other_threshold != h->zero_threshold && round < 1000 &&
       !std::isnan(other_threshold) && !std::isnan(h->zero_threshold);
       ++round) {
    if (h->zero_threshold > other_threshold) {
      std::tie(other_count, other_threshold) =
          ZeroCountForLargerThreshold(other, h->zero_threshold);
    }
    if (other_threshold > h->zero_threshold) {
      std::tie(h->zero_count, h->zero_threshold) =
          ZeroCountForLargerThreshold(*h, other_threshold);
      TrimBucketsInZeroBucket(h);
    }
  }
  return other_count;
}

absl::Status AddOrSub(FloatHistogram* h, const FloatHistogram& other,
                      double sign, FloatHistogram::AddInfo* info) {
  if (h->UsesCustomBuckets() != other.UsesCustomBuckets()) {
    return absl::InvalidArgumentError(kIncompatibleSchemaError);
  }
  FloatHistogram::AddInfo local;
  h->counter_reset_hint =
      CombineHints(h->counter_reset_hint, other.counter_reset_hint,
                   &local.counter_reset_collision);
  if (!h->UsesCustomBuckets()) {
    h->zero_count += sign * ReconcileZeroBuckets(h, other);
  }
  h->count += sign * other.count;
  h->sum += sign * other.sum;
  IndexedBuckets hp = Expand(h->positive_spans, h->positive_buckets);
  IndexedBuckets op = Expand(other.positive_spans, other.positive_buckets);
  if (h->UsesCustomBuckets()) {
    if (CustomBucketBoundsMatch(h->custom_values, other.custom_values)) {
      Build(MergeLists(hp, op, sign, h->schema, 0), &h->positive_spans,
            &h->positive_buckets);
    } else {
      local.nhcb_bounds_reconciled = true;
      std::vector<double> target =
          IntersectBounds(h->custom_values, other.custom_values);
      std::vector<double> a = MapCustom(hp, h->custom_values, target);
      std::vector<double> b = MapCustom(op, other.custom_values, target);
      IndexedBuckets merged;
      for (size_t i = 0; i < a.size(); ++i) {
        const double c = a[i] + sign * b[i];
        if (c != 0) merged.emplace_back(static_cast<int32_t>(i), c);
      }
      Build(merged, &h->positive_spans, &h->positive_buckets);
      h->custom_values = std::move(target);
    }
    if (info != nullptr) *info = local;
    return absl::OkStatus();
  }
  IndexedBuckets hn = Expand(h->negative_spans, h->negative_buckets);
  IndexedBuckets on = Expand(other.negative_spans, other.negative_buckets);
  const int32_t target = std::min(h->schema, other.schema);
  hp = ReduceList(hp, h->schema, target);
  hn = ReduceList(hn, h->schema, target);
  op = ReduceList(op, other.schema, target);
  on = ReduceList(on, other.schema, target);
  h->schema = target;
  Build(MergeLists(hp, op, sign, target, h->zero_threshold), &h->positive_spans,
        &h->positive_buckets);
  Build(MergeLists(hn, on, sign, target, h->zero_threshold), &h->negative_spans,
        &h->negative_buckets);
  if (info != nullptr) *info = local;
  return absl::OkStatus();
}

void CompactSide(int max_empty, std::vector<HistogramSpan>* spans,
                 std::vector<double>* buckets) {
  IndexedBuckets list = Expand(*spans, *buckets);
  IndexedBuckets out;
  int64_t last = 0;
  for (const auto& [idx, c] : list) {
    if (c == 0) continue;
    if (!out.empty()) {
      const int64_t gap = static_cast<int64_t>(idx) - last - 1;
      if (gap > 0 && gap <= max_empty) {
        for (int64_t k = last + 1; k < idx; ++k) {
          out.emplace_back(static_cast<int32_t>(k), 0.0);
        }
      }
    }
    out.emplace_back(idx, c);
    last = idx;
  }
  Build(out, spans, buckets);
}

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

bool ListsEqual(const IndexedBuckets& a, const IndexedBuckets& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || !SameBits(a[i].second, b[i].second)) {
      return false;
    }
  }
  return true;
}

// Whether a populated bucket of prev is missing or smaller in curr; both at
// the same schema, buckets inside the zero bucket skipped.
bool BucketsReset(const IndexedBuckets& curr, const IndexedBuckets& prev,
                  int32_t schema, double threshold) {
  const std::vector<double> none;
  size_t i = 0;
  for (const auto& [idx, c] : prev) {
    if (BucketUpperBound(idx, schema, none) <= threshold) continue;
    while (i < curr.size() && curr[i].first < idx) ++i;
    if (i < curr.size() && curr[i].first == idx) {
      if (curr[i].second < c) return true;
    } else if (c != 0) {
      return true;
    }
  }
  return false;
}

inline std::pair<double, double> Kahan(double inc, double sum, double c) {
  const double t = sum + inc;
  if (std::isinf(t)) return {t, 0};
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return {t, c};
}

// Moves the buckets of `h` inside a zero bucket of width `threshold` (at
// least h's own) into its zero count.
void WidenZeroBucket(FloatHistogram* h, double threshold) {
  if (threshold <= h->zero_threshold) return;
  auto widen = [&](std::vector<HistogramSpan>* spans,
                   std::vector<double>* buckets) {
    IndexedBuckets kept;
    for (const auto& e : Expand(*spans, *buckets)) {
      if (BucketUpperBound(e.first, h->schema, {}) <= threshold) {
        h->zero_count += e.second;
      } else {
        kept.push_back(e);
      }
    }
    Build(kept, spans, buckets);
  };
  widen(&h->positive_spans, &h->positive_buckets);
  widen(&h->negative_spans, &h->negative_buckets);
  h->zero_threshold = threshold;
}

// Bucket-wise Kahan summation of `add` into `sum` with compensation `comp`,
// all three sorted by index; `comp` gets `sum`'s indices.
void KahanMerge(IndexedBuckets* sum, IndexedBuckets* comp,
                const IndexedBuckets& add) {
  std::map<int32_t, std::pair<double, double>> acc;
  for (const auto& [i, v] : *sum) acc[i].first = v;
  for (const auto& [i, v] : *comp) acc[i].second = v;
  for (const auto& [i, v] : add) {
    auto& [s, c] = acc[i];
    std::tie(s, c) = Kahan(v, s, c);
  }
  sum->clear();
  comp->clear();
  for (const auto& [i, sc] : acc) {
    sum->emplace_back(i, sc.first);
    comp->emplace_back(i, sc.second);
  }
}

}  // namespace

absl::Status FloatHistogram::KahanAdd(const FloatHistogram& other,
                                      FloatHistogram* comp, AddInfo* info) {
  if (UsesCustomBuckets() != other.UsesCustomBuckets()) {
    return absl::InvalidArgumentError(kIncompatibleSchemaError);
  }
  AddInfo local;
  counter_reset_hint =
      CombineHints(counter_reset_hint, other.counter_reset_hint,
                   &local.counter_reset_collision);
  // The compensation follows this histogram's layout.
  comp->schema = std::max(comp->schema, schema);
  if (comp->positive_buckets.empty() && comp->negative_buckets.empty()) {
    comp->schema = schema;
    comp->custom_values = custom_values;
  }
  IndexedBuckets op = Expand(other.positive_spans, other.positive_buckets);
  IndexedBuckets on = Expand(other.negative_spans, other.negative_buckets);
  IndexedBuckets hp = Expand(positive_spans, positive_buckets);
  IndexedBuckets hn = Expand(negative_spans, negative_buckets);
  IndexedBuckets cp = Expand(comp->positive_spans, comp->positive_buckets);
  IndexedBuckets cn = Expand(comp->negative_spans, comp->negative_buckets);
  double other_zero = other.zero_count;
  if (UsesCustomBuckets()) {
    if (!CustomBucketBoundsMatch(custom_values, other.custom_values)) {
      local.nhcb_bounds_reconciled = true;
      std::vector<double> target =
          IntersectBounds(custom_values, other.custom_values);
      auto remap = [&](const IndexedBuckets& list,
                       const std::vector<double>& bounds) {
        std::vector<double> mapped = MapCustom(list, bounds, target);
        IndexedBuckets out;
        for (size_t i = 0; i < mapped.size(); ++i) {
          if (mapped[i] != 0)
            out.emplace_back(static_cast<int32_t>(i), mapped[i]);
        }
        return out;
      };
      hp = remap(hp, custom_values);
      cp = remap(cp, custom_values);
      op = remap(op, other.custom_values);
      custom_values = target;
      comp->custom_values = std::move(target);
    }
  } else {
    FloatHistogram probe = *this;
    other_zero = ReconcileZeroBuckets(&probe, other);
    if (probe.zero_threshold != zero_threshold) {
      WidenZeroBucket(this, probe.zero_threshold);
      comp->schema = schema;
      WidenZeroBucket(comp, probe.zero_threshold);
      hp = Expand(positive_spans, positive_buckets);
      hn = Expand(negative_spans, negative_buckets);
      cp = Expand(comp->positive_spans, comp->positive_buckets);
      cn = Expand(comp->negative_spans, comp->negative_buckets);
    }
    comp->zero_threshold = zero_threshold;
    const int32_t target = std::min(schema, other.schema);
    hp = ReduceList(hp, schema, target);
    hn = ReduceList(hn, schema, target);
    cp = ReduceList(cp, schema, target);
    cn = ReduceList(cn, schema, target);
    op = ReduceList(op, other.schema, target);
    on = ReduceList(on, other.schema, target);
    schema = target;
    comp->schema = target;
    // The other's buckets inside our zero bucket are in other_zero.
    auto skip = [&](IndexedBuckets* l) {
      IndexedBuckets kept;
      for (const auto& e : *l) {
        if (BucketUpperBound(e.first, schema, {}) > zero_threshold) {
          kept.push_back(e);
        }
      }
      *l = std::move(kept);
    };
    skip(&op);
    skip(&on);
    std::tie(zero_count, comp->zero_count) =
        Kahan(other_zero, zero_count, comp->zero_count);
    KahanMerge(&hn, &cn, on);
    Build(hn, &negative_spans, &negative_buckets);
    Build(cn, &comp->negative_spans, &comp->negative_buckets);
  }
  std::tie(count, comp->count) = Kahan(other.count, count, comp->count);
  std::tie(sum, comp->sum) = Kahan(other.sum, sum, comp->sum);
  KahanMerge(&hp, &cp, op);
  Build(hp, &positive_spans, &positive_buckets);
  Build(cp, &comp->positive_spans, &comp->positive_buckets);
  if (info != nullptr) *info = local;
  return absl::OkStatus();
}

void FloatHistogram::AddCompensation(const FloatHistogram& comp) {
  count += comp.count;
  sum += comp.sum;
  zero_count += comp.zero_count;
  auto add = [](std::vector<HistogramSpan>* spans, std::vector<double>* b,
                const std::vector<HistogramSpan>& cs,
                const std::vector<double>& cb) {
    IndexedBuckets l = Expand(*spans, *b);
    IndexedBuckets c = Expand(cs, cb);
    size_t j = 0;
    for (auto& [i, v] : l) {
      while (j < c.size() && c[j].first < i) ++j;
      if (j < c.size() && c[j].first == i && !std::isinf(v)) v += c[j].second;
    }
    Build(l, spans, b);
  };
  add(&positive_spans, &positive_buckets, comp.positive_spans,
      comp.positive_buckets);
  add(&negative_spans, &negative_buckets, comp.negative_spans,
      comp.negative_buckets);
}

bool FloatHistogram::HasOverflow() const {
  if (std::isinf(count) || std::isinf(sum) || std::isinf(zero_count)) {
    return true;
  }
  for (double b : positive_buckets) {
    if (std::isinf(b)) return true;
  }
  for (double b : negative_buckets) {
    if (std::isinf(b)) return true;
  }
  return false;
}

double BucketUpperBound(int32_t index, int32_t schema,
                        const std::vector<double>& custom_values) {
  if (IsCustomBucketsSchema(schema)) {
    if (index < 0) return -std::numeric_limits<double>::infinity();
    if (static_cast<size_t>(index) >= custom_values.size()) {
      return std::numeric_limits<double>::infinity();
    }
    return custom_values[static_cast<size_t>(index)];
  }
  if (schema < 0) {
    const int64_t exp = static_cast<int64_t>(index) << -schema;
    if (exp == 1024) return std::numeric_limits<double>::max();
    if (exp > 1100) return std::numeric_limits<double>::infinity();
    if (exp < -1100) return 0;
    return std::ldexp(1.0, static_cast<int>(exp));
  }
  const int32_t frac_idx = index & ((1 << schema) - 1);
  const double frac = std::exp2(static_cast<double>(frac_idx) /
                                static_cast<double>(1 << schema)) /
                      2;
  const int64_t exp = (static_cast<int64_t>(index) >> schema) + 1;
  if (frac == 0.5 && exp == 1025) return std::numeric_limits<double>::max();
  if (exp > 1100) return std::numeric_limits<double>::infinity();
  if (exp < -1100) return 0;
  return std::ldexp(frac, static_cast<int>(exp));
}

bool CustomBucketBoundsMatch(const std::vector<double>& a,
                             const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

absl::Status FloatHistogram::Add(const FloatHistogram& other, AddInfo* info) {
  return AddOrSub(this, other, 1, info);
}

absl::Status FloatHistogram::Sub(const FloatHistogram& other, AddInfo* info) {
  return AddOrSub(this, other, -1, info);
}

FloatHistogram& FloatHistogram::Mul(double factor) {
  zero_count *= factor;
  count *= factor;
  sum *= factor;
  for (double& b : positive_buckets) b *= factor;
  for (double& b : negative_buckets) b *= factor;
  if (factor < 0) counter_reset_hint = CounterResetHint::kGauge;
  return *this;
}

FloatHistogram& FloatHistogram::Div(double divisor) {
  zero_count /= divisor;
  count /= divisor;
  sum /= divisor;
  if (divisor == 0) {
    positive_buckets.clear();
    negative_buckets.clear();
    positive_spans.clear();
    negative_spans.clear();
    return *this;
  }
  for (double& b : positive_buckets) b /= divisor;
  for (double& b : negative_buckets) b /= divisor;
  if (divisor < 0) counter_reset_hint = CounterResetHint::kGauge;
  return *this;
}

FloatHistogram& FloatHistogram::Compact(int max_empty_buckets) {
  CompactSide(max_empty_buckets, &positive_spans, &positive_buckets);
  CompactSide(max_empty_buckets, &negative_spans, &negative_buckets);
  return *this;
}

void FloatHistogram::ReduceResolution(int32_t target) {
  if (UsesCustomBuckets() || target >= schema) return;
  Build(ReduceList(Expand(positive_spans, positive_buckets), schema, target),
        &positive_spans, &positive_buckets);
  Build(ReduceList(Expand(negative_spans, negative_buckets), schema, target),
        &negative_spans, &negative_buckets);
  schema = target;
}

bool FloatHistogram::Equals(const FloatHistogram& o) const {
  if (schema != o.schema || !SameBits(count, o.count) ||
      !SameBits(sum, o.sum)) {
    return false;
  }
  if (UsesCustomBuckets() &&
      !CustomBucketBoundsMatch(custom_values, o.custom_values)) {
    return false;
  }
  if (zero_threshold != o.zero_threshold ||
      !SameBits(zero_count, o.zero_count)) {
    return false;
  }
  return ListsEqual(Expand(positive_spans, positive_buckets),
                    Expand(o.positive_spans, o.positive_buckets)) &&
         ListsEqual(Expand(negative_spans, negative_buckets),
                    Expand(o.negative_spans, o.negative_buckets));
}

bool FloatHistogram::DetectReset(const FloatHistogram& prev) const {
  if (counter_reset_hint == CounterResetHint::kCounterReset) return true;
  if (counter_reset_hint == CounterResetHint::kNotCounterReset) return false;
  if (count < prev.count) return true;
  if (UsesCustomBuckets()) {
    if (!prev.UsesCustomBuckets()) return true;
    if (!CustomBucketBoundsMatch(custom_values, prev.custom_values)) {
      std::vector<double> target =
          IntersectBounds(custom_values, prev.custom_values);
      std::vector<double> a = MapCustom(
          Expand(positive_spans, positive_buckets), custom_values, target);
      std::vector<double> b =
          MapCustom(Expand(prev.positive_spans, prev.positive_buckets),
                    prev.custom_values, target);
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] < b[i]) return true;
      }
      return false;
    }
  }
  if (schema > prev.schema) return true;
  if (zero_threshold < prev.zero_threshold) return true;
  auto [prev_zero, threshold] =
      ZeroCountForLargerThreshold(prev, zero_threshold);
  if (threshold != zero_threshold) return true;
  if (zero_count < prev_zero) return true;
  const double skip = UsesCustomBuckets() ? -1 : zero_threshold;
  if (BucketsReset(
          Expand(positive_spans, positive_buckets),
          ReduceList(Expand(prev.positive_spans, prev.positive_buckets),
                     prev.schema, schema),
          schema, skip)) {
    return true;
  }
  return BucketsReset(
      Expand(negative_spans, negative_buckets),
      ReduceList(Expand(prev.negative_spans, prev.negative_buckets),
                 prev.schema, schema),
      schema, skip);
}

std::vector<HistogramBucket> FloatHistogram::Buckets(bool positive) const {
  const IndexedBuckets list = positive
                                  ? Expand(positive_spans, positive_buckets)
                                  : Expand(negative_spans, negative_buckets);
  std::vector<HistogramBucket> out;
  out.reserve(list.size());
  const bool custom = UsesCustomBuckets();
  for (const auto& [idx, c] : list) {
    HistogramBucket b;
    const double up = BucketUpperBound(idx, schema, custom_values);
    const double lo = BucketUpperBound(idx - 1, schema, custom_values);
    b.index = idx;
    b.count = c;
    if (positive) {
      b.upper = up;
      b.lower = lo;
    } else {
      b.lower = -up;
      b.upper = -lo;
    }
    if (custom) {
      b.lower_inclusive = idx == 0;
      b.upper_inclusive = true;
    } else {
      b.lower_inclusive = b.lower < 0;
      b.upper_inclusive = b.upper > 0;
    }
    out.push_back(b);
  }
  return out;
}

std::vector<HistogramBucket> FloatHistogram::AllBuckets() const {
  std::vector<HistogramBucket> out;
  std::vector<HistogramBucket> neg = Buckets(false);
  for (auto it = neg.rbegin(); it != neg.rend(); ++it) {
    HistogramBucket b = *it;
    if (b.upper < 0 && b.upper > -zero_threshold) b.upper = -zero_threshold;
    out.push_back(b);
  }
  if (zero_count > 0) {
    HistogramBucket z;
    z.lower = -zero_threshold;
    z.upper = zero_threshold;
    z.lower_inclusive = true;
    z.upper_inclusive = true;
    z.count = zero_count;
    out.push_back(z);
  }
  for (HistogramBucket b : Buckets(true)) {
    if (b.lower > 0 && b.lower < zero_threshold) b.lower = zero_threshold;
    out.push_back(b);
  }
  return out;
}

FloatHistogram Histogram::ToFloat() const {
  FloatHistogram fh;
  fh.counter_reset_hint = counter_reset_hint;
  fh.schema = schema;
  fh.zero_threshold = zero_threshold;
  fh.zero_count = static_cast<double>(zero_count);
  fh.count = static_cast<double>(count);
  fh.sum = sum;
  fh.positive_spans = positive_spans;
  fh.negative_spans = negative_spans;
  fh.custom_values = custom_values;
  auto absolute = [](const std::vector<int64_t>& deltas) {
    std::vector<double> out;
    out.reserve(deltas.size());
    int64_t cur = 0;
    for (int64_t d : deltas) {
      cur += d;
      out.push_back(static_cast<double>(cur));
    }
    return out;
  };
  fh.positive_buckets = absolute(positive_buckets);
  fh.negative_buckets = absolute(negative_buckets);
  return fh;
}

}  // namespace vigil
