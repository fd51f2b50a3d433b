// histogram_quantile, histogram_quantiles and histogram_fraction over
// classic histograms (series with an `le` label) and native histograms.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/model/go_float.h"
#include "lib/model/go_quote.h"
#include "promql/functions/common.h"
#include "promql/functions/histogram_native.h"
#include "promql/functions/impls.h"
#include "promql/functions/quantile.h"

namespace vigil::promql::functions {
namespace {

constexpr std::string_view kBucketLabel = "le";

// Go's strconv.ParseFloat for the decimal forms `le` values take, including
// a sign, Inf/Infinity and NaN in any case.
std::optional<double> ParseGoFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  std::string lower(body);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "inf" || lower == "infinity") {
    double inf = std::numeric_limits<double>::infinity();
    return neg ? -inf : inf;
  }
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (body.empty() || body[0] == '+' || body[0] == '-') return std::nullopt;
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ptr != body.data() + body.size()) return std::nullopt;
  if (r.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (with an error) on overflow; both are malformed.
    return std::nullopt;
  }
  if (r.ec != std::errc()) return std::nullopt;
  return neg ? -v : v;
}

// Go's time.Unix(seconds, 0).UTC().Format(time.RFC3339).
std::string FormatRfc3339(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string WithMetricName(std::string message, std::string_view name) {
  if (name.empty()) return message;
  return message + " for metric name " + QuoteString(name);
}

struct ClassicHistogram {
  Labels metric;  // the series' labels without `le`
  std::vector<Bucket> buckets;
};

// A series' labels without `le`, hashed and compared in place: only the
// first bucket of each histogram builds its label set (a range query groups
// the same buckets again at every step).
uint64_t HashWithoutLe(const Labels& metric) {
  uint64_t h = 0;
  const std::hash<std::string_view> hash;
  for (const Label& l : metric) {
    if (l.name == kBucketLabel) continue;
    for (std::string_view part :
         {std::string_view(l.name), std::string_view(l.value)}) {
      h ^= hash(part) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
  }
  return h;
}

// Whether `with_le` without its `le` label is `without`.
bool SameWithoutLe(const Labels& with_le, const Labels& without) {
  auto it = without.begin();
  for (const Label& l : with_le) {
    if (l.name == kBucketLabel) continue;
    if (it == without.end() || it->name != l.name || it->value != l.value) {
      return false;
    }
    ++it;
  }
  return it == without.end();
}

// Groups the bucket series of a vector into histograms: Prometheus's
// resetHistograms for float samples. Series with an unparsable `le` are
// skipped with a warning at the vector argument's position.
std::vector<ClassicHistogram> GroupBuckets(const FunctionArgs& args,
                                           size_t vector_index) {
  std::vector<ClassicHistogram> out;
  absl::flat_hash_map<uint64_t, std::vector<size_t>> by_hash;
  for (const EvalSample& s : VectorArg(args, vector_index)) {
    if (s.h != nullptr) continue;  // native histograms are handled apart
    std::string_view le = s.metric.Get(kBucketLabel);
    std::optional<double> bound = ParseGoFloat(le);
    if (!bound.has_value()) {
      Warn(args,
           WithMetricName("bucket label \"le\" is missing or has a malformed "
                          "value of " +
                              QuoteString(le),
                          s.metric.MetricName()),
           ArgPos(args, vector_index));
      continue;
    }
    std::vector<size_t>& candidates = by_hash[HashWithoutLe(s.metric)];
    ClassicHistogram* h = nullptr;
    for (size_t i : candidates) {
      if (SameWithoutLe(s.metric, out[i].metric)) h = &out[i];
    }
    if (h == nullptr) {
      candidates.push_back(out.size());
      out.push_back(ClassicHistogram{
          LabelsBuilder(s.metric).Del(kBucketLabel).Build(), {}});
      h = &out.back();
    }
    h->buckets.push_back(Bucket{*bound, s.v});
  }
  // Prometheus: classic buckets that share their labels with a native
  // histogram are dropped, with a warning (the native one too, see
  // MixedWithClassic).
  std::vector<ClassicHistogram> kept;
  for (ClassicHistogram& c : out) {
    bool mixed = false;
    for (const EvalSample& s : VectorArg(args, vector_index)) {
      if (s.h != nullptr && s.metric == c.metric) mixed = true;
    }
    if (mixed) {
      Warn(args,
           "vector contains a mix of classic and native histograms for metric "
           "name " +
               QuoteString(c.metric.MetricName()),
           ArgPos(args, vector_index));
      continue;
    }
    kept.push_back(std::move(c));
  }
  return kept;
}

// Whether the native histogram sample `s` has classic buckets with its
// labels in the same vector; Prometheus then drops both.
bool MixedWithClassic(const FunctionArgs& args, size_t vector_index,
                      const EvalSample& s) {
  for (const EvalSample& o : VectorArg(args, vector_index)) {
    if (o.h != nullptr || !o.metric.Has(kBucketLabel)) continue;
    if (LabelsBuilder(o.metric).Del(kBucketLabel).Build() == s.metric) {
      return true;
    }
  }
  return false;
}

// Prometheus's NaN-observation annotations for native histograms: a NaN sum
// means some observations were NaN.
void ReportNaNQuantile(const FunctionArgs& args, const EvalSample& s, double q,
                       double result, size_t arg) {
  if (!std::isnan(s.h->sum) || std::isnan(q) || q < 0 || q > 1) return;
  Info(args,
       WithMetricName(std::string("input to histogram_quantile has NaN "
                                  "observations, result is ") +
                          (std::isnan(result) ? "NaN" : "skewed higher"),
                      s.metric.MetricName()),
       ArgPos(args, arg));
}

void CheckQuantile(const FunctionArgs& args, double q, size_t arg_index) {
  if (std::isnan(q) || q < 0 || q > 1) {
    Warn(args,
         "quantile value should be between 0 and 1, got " + GoFormatFloat(q),
         ArgPos(args, arg_index));
  }
}

// Prometheus's HistogramQuantileForcedMonotonicityInfo for one step. The
// metric name is only known with delayed name removal.
void ReportForcedMonotonicity(const FunctionArgs& args,
                              const ClassicHistogram& h,
                              const BucketQuantileResult& r,
                              PositionRange pos) {
  std::string name =
      args.delayed_name_removal ? std::string(h.metric.MetricName()) : "";
  std::string when = FormatRfc3339(args.t / 1000);
  std::string message =
      WithMetricName(
          "input to histogram_quantile needed to be fixed for monotonicity "
          "(see https://prometheus.io/docs/prometheus/latest/querying/"
          "functions/#histogram_quantile)",
          name) +
      ", from buckets " + GoFormatFloat(r.min_bucket) + " to " +
      GoFormatFloat(r.max_bucket) + ", with a max diff of " +
      GoFormatFloat(r.max_diff, 'g', 2) + ", over 1 samples from " + when +
      " to " + when;
  Info(args, std::move(message), pos);
}

// Go's labels.FormatOpenMetricsFloat: %g, with ".0" added to integers.
std::string FormatOpenMetricsFloat(double f) {
  std::string s = GoFormatFloat(f);
  if (std::isnan(f) || std::isinf(f)) return s;
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

absl::Status HistogramQuantile(const FunctionArgs& args, EvalVector* out) {
  double q = ScalarArg(args, 0);
  CheckQuantile(args, q, 0);
  size_t first = out->size();
  for (const EvalSample& s : VectorArg(args, 1)) {
    if (s.h == nullptr || MixedWithClassic(args, 1, s)) continue;
    const double r = NativeHistogramQuantile(q, *s.h);
    ReportNaNQuantile(args, s, q, r, 1);
    AppendDroppingName(args, s.metric, r, out);
  }
  for (ClassicHistogram& h : GroupBuckets(args, 1)) {
    BucketQuantileResult r = BucketQuantile(q, &h.buckets);
    if (r.forced_monotonic) {
      ReportForcedMonotonicity(args, h, r, ArgPos(args, 1));
    }
    AppendDroppingName(args, h.metric, r.value, out);
  }
  return CheckDroppedNames(args, *out, first);
}

// histogram_quantiles(v, "label", q0, q1, ...): one series per histogram and
// quantile, told apart by the given label.
absl::Status HistogramQuantiles(const FunctionArgs& args, EvalVector* out) {
  std::string_view label = StringArg(args, 1);
  std::vector<double> qs;
  for (size_t i = 2; i < args.args.size(); ++i) {
    qs.push_back(ScalarArg(args, i));
    CheckQuantile(args, qs.back(), i);
  }
  std::vector<ClassicHistogram> histograms = GroupBuckets(args, 0);
  size_t first = out->size();
  for (double q : qs) {
    std::string q_value = FormatOpenMetricsFloat(q);
    for (const EvalSample& s : VectorArg(args, 0)) {
      if (s.h == nullptr || MixedWithClassic(args, 0, s)) continue;
      Labels metric = LabelsBuilder(s.metric).Set(label, q_value).Build();
      const double r = NativeHistogramQuantile(q, *s.h);
      ReportNaNQuantile(args, s, q, r, 0);
      AppendDroppingName(args, metric, r, out);
    }
    for (const ClassicHistogram& h : histograms) {
      // Each quantile works on a fresh copy: BucketQuantile rewrites.
      std::vector<Bucket> buckets = h.buckets;
      BucketQuantileResult r = BucketQuantile(q, &buckets);
      if (r.forced_monotonic) {
        ReportForcedMonotonicity(args, h, r, ArgPos(args, 0));
      }
      Labels metric = LabelsBuilder(h.metric).Set(label, q_value).Build();
      AppendDroppingName(args, metric, r.value, out);
    }
  }
  return CheckNoDuplicateLabelsets(*out, first);
}

absl::Status HistogramFraction(const FunctionArgs& args, EvalVector* out) {
  double lower = ScalarArg(args, 0);
  double upper = ScalarArg(args, 1);
  size_t first = out->size();
  for (const EvalSample& s : VectorArg(args, 2)) {
    if (s.h == nullptr || MixedWithClassic(args, 2, s)) continue;
    if (std::isnan(s.h->sum)) {
      Info(args,
           WithMetricName("input to histogram_fraction has NaN observations, "
                          "which are excluded from all fractions",
                          s.metric.MetricName()),
           ArgPos(args, 2));
    }
    AppendDroppingName(args, s.metric,
                       NativeHistogramFraction(lower, upper, *s.h), out);
  }
  for (ClassicHistogram& h : GroupBuckets(args, 2)) {
    AppendDroppingName(args, h.metric, BucketFraction(lower, upper, &h.buckets),
                       out);
  }
  return CheckDroppedNames(args, *out, first);
}

}  // namespace vigil::promql::functions
