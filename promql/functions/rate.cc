// rate, increase, delta (Prometheus's extrapolatedRate and, for anchored or
// smoothed selectors, extendedRate) and irate, idelta (instantValue).
// rate, increase and irate also read start timestamps, which reveal counter
// resets and where a counter started (the extended forms ignore them, as
// Prometheus does).
#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/model/go_quote.h"
#include "promql/functions/common.h"
#include "promql/functions/impls.h"
#include "promql/functions/interpolate.h"

namespace vigil::promql::functions {
namespace {

// Prometheus extrapolates to a window boundary when the first or last sample
// lies within 110% of the average sample interval from it.
constexpr double kExtrapolationThresholdFactor = 1.1;

double RangeSeconds(const FunctionArgs& args) {
  return static_cast<double>(args.range_end - args.range_start) / 1000;
}

// Prometheus's StartTimeOverlapWarning, once per series and window.
void WarnStartTimeOverlap(const FunctionArgs& args,
                          const WindowSeries& series) {
  std::string_view name =
      series.metric != nullptr ? series.metric->MetricName() : "";
  Warn(args,
       "sample has start time that overlaps with previous sample timestamp "
       "for metric " +
           QuoteString(name),
       ArgPos(args, 0));
}

// The plain difference plus, for counters, the value lost at each reset: a
// drop in value, or a start timestamp saying the counter restarted.
double CounterIncrease(const FunctionArgs& args, const WindowSeries& series,
                       bool is_counter) {
  std::span<const Sample> s = series.samples;
  double result = s.back().v - s.front().v;
  if (!is_counter) return result;
  std::span<const int64_t> st = series.start_timestamps;
  if (st.empty()) {
    // A drop means a reset: the counter restarted from zero, so everything
    // up to the previous value was lost from the plain difference.
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i].v < s[i - 1].v) result += s[i - 1].v;
    }
    return result;
  }
  bool overlap_seen = false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (!overlap_seen && StartTimeOverlaps(st[i - 1], s[i - 1].t, st[i])) {
      WarnStartTimeOverlap(args, series);
      overlap_seen = true;
    }
    if (s[i].v < s[i - 1].v ||
        IsStartTimestampReset(st[i - 1], s[i - 1].t, st[i], s[i].t)) {
      result += s[i - 1].v;
    }
  }
  return result;
}

// The float path of Prometheus 3's extrapolatedRate.
std::optional<double> ExtrapolatedRate(const FunctionArgs& args,
                                       const WindowSeries& series,
                                       bool is_counter, bool is_rate) {
  std::span<const Sample> s = series.samples;
  if (s.empty()) return std::nullopt;
  const Sample& first = s.front();
  const Sample& last = s.back();
  double result = CounterIncrease(args, series, is_counter);
  double to_start = static_cast<double>(first.t - args.range_start) / 1000;
  double to_end = static_cast<double>(args.range_end - last.t) / 1000;
  double sampled = static_cast<double>(last.t - first.t) / 1000;
  double average = 0;
  if (s.size() > 1) average = sampled / static_cast<double>(s.size() - 1);
  const double threshold = average * kExtrapolationThresholdFactor;
  std::span<const int64_t> st = series.start_timestamps;
  if (is_counter && !st.empty() && st[0] != 0 && st[0] > args.range_start &&
      st[0] < first.t) {
    // Prometheus: the first sample's start lies inside the (left-open)
    // range, so the counter was zero there. Count from that point instead of
    // extrapolating to the left; this also gives a single sample a rate,
    // though without extrapolation to the right (no average interval).
    to_start = 0;
    sampled = static_cast<double>(last.t - st[0]) / 1000;
    result += first.v;
  } else if (s.size() < 2) {
    return std::nullopt;
  } else {
    if (to_start >= threshold) to_start = average / 2;
    if (is_counter) {
      // A counter cannot go below zero: never extrapolate further back than
      // the point where the slope reaches zero.
      double to_zero = to_start;
      if (result > 0 && first.v >= 0) to_zero = sampled * (first.v / result);
      if (to_zero < to_start) to_start = to_zero;
    }
  }
  if (to_end >= threshold) to_end = average / 2;
  double factor = 1;
  if (sampled != 0) factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= RangeSeconds(args);
  return result * factor;
}

// Linear interpolation between two samples at t; for counters a drop means
// the later value counted up from zero.
double Interpolate(const Sample& p1, const Sample& p2, int64_t t,
                   bool is_counter) {
  double y1 = p1.v;
  double y2 = p2.v;
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - p1.t) /
                  static_cast<double>(p2.t - p1.t);
}

// The first index in [0, n) for which pred holds, or n (Go's sort.Search).
template <typename Pred>
size_t SearchFirst(size_t n, Pred pred) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (pred(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// Prometheus's extendedRate, for `anchored` and `smoothed` selectors whose
// windows also hold the samples just outside the range.
std::optional<double> ExtendedRate(const FunctionArgs& args,
                                   std::span<const Sample> f, bool is_counter,
                                   bool is_rate) {
  if (f.empty()) return std::nullopt;
  const int64_t range_start = args.range_start;
  const int64_t range_end = args.range_end;
  size_t last = f.size() - 1;
  size_t found =
      SearchFirst(last, [&](size_t i) { return f[i].t > range_start; });
  size_t first = found > 0 ? found - 1 : 0;
  if (args.smoothed) {
    last = SearchFirst(last, [&](size_t i) { return f[i].t >= range_end; });
  }
  // Nothing to measure when every sample lies before or after the range
  // (a smoothed window also holds the samples just outside it).
  if (f[last].t <= range_start || f[first].t > range_end) return std::nullopt;

  double left = f[first].v;
  if (args.smoothed && f[first].t < range_start && first + 1 < f.size()) {
    left = Interpolate(f[first], f[first + 1], range_start, is_counter);
  }
  double right = f[last].v;
  if (args.smoothed && last > 0 && f[last].t > range_end) {
    right = Interpolate(f[last - 1], f[last], range_end, is_counter);
  }
  double result = right - left;
  if (is_counter) {
    // Only samples strictly inside the range can carry a reset the boundary
    // values have not already accounted for.
    size_t lo = first;
    size_t hi = last + 1;  // exclusive
    if (f[first].t <= range_start) ++lo;
    if (f[last].t >= range_end) --hi;
    double correction = 0;
    double prev = left;
    for (size_t i = lo; i < hi; ++i) {
      if (f[i].v < prev) correction += prev;
      prev = f[i].v;
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (is_rate) result /= RangeSeconds(args);
  return result;
}

// Prometheus's PossibleNonCounterInfo, raised by rate() and increase() for
// a named float series whose name does not look like a counter's.
void CheckCounterName(const FunctionArgs& args, const WindowSeries& series) {
  if (series.metric == nullptr) return;
  std::string_view name = series.metric->MetricName();
  if (name.empty()) return;
  for (std::string_view suffix : {"_total", "_sum", "_count", "_bucket"}) {
    if (name.ends_with(suffix)) return;
  }
  Info(args,
       "metric might not be a counter, name does not end in "
       "_total/_sum/_count/_bucket: " +
           QuoteString(name),
       ArgPos(args, 0));
}

std::string_view NameOf(const WindowSeries& series) {
  return series.metric != nullptr ? series.metric->MetricName() : "";
}

void WarnNotCounter(const FunctionArgs& args, const WindowSeries& series) {
  Warn(args,
       "this native histogram metric is not a counter: " +
           QuoteString(NameOf(series)),
       ArgPos(args, 0));
}

void WarnNotGauge(const FunctionArgs& args, const WindowSeries& series) {
  Warn(args,
       "this native histogram metric is not a gauge: " +
           QuoteString(NameOf(series)),
       ArgPos(args, 0));
}

void WarnMixedTypes(const FunctionArgs& args, const WindowSeries& series) {
  Warn(args,
       "encountered a mix of histograms and floats for metric name " +
           QuoteString(NameOf(series)),
       ArgPos(args, 0));
}

void WarnMixedSchemas(const FunctionArgs& args, const WindowSeries& series) {
  Warn(args,
       "vector contains a mix of histograms with exponential and custom "
       "buckets schemas for metric name " +
           QuoteString(NameOf(series)),
       ArgPos(args, 0));
}

bool IsGauge(const FloatHistogram& h) {
  return h.counter_reset_hint == CounterResetHint::kGauge;
}

// last - first (minus what counter resets lost), Prometheus's
// histogramRate; nullopt with a warning when the window cannot give one.
std::optional<FloatHistogram> HistogramIncrease(
    const FunctionArgs& args, const WindowSeries& series,
    std::span<const HistogramPtr> points, bool is_counter) {
  FloatHistogram prev = *points.front();
  const FloatHistogram& last = *points.back();
  if (is_counter && (IsGauge(prev) || IsGauge(last))) {
    WarnNotCounter(args, series);
  }
  // A counter reset before points[i]: a drop in the histogram, or a start
  // timestamp saying the counter restarted (as for floats).
  std::span<const int64_t> st = series.start_timestamps;
  std::span<const Sample> s = series.samples;
  auto st_reset = [&](size_t i) {
    return !st.empty() &&
           IsStartTimestampReset(st[i - 1], s[i - 1].t, st[i], s[i].t);
  };
  if (is_counter && !st.empty()) {
    for (size_t i = 1; i < points.size(); ++i) {
      if (StartTimeOverlaps(st[i - 1], s[i - 1].t, st[i])) {
        WarnStartTimeOverlap(args, series);
        break;
      }
    }
  }
  bool custom = prev.UsesCustomBuckets();
  // A reset between the first two samples makes the first irrelevant,
  // including its bucket layout.
  if (is_counter && points.size() > 1 &&
      (points[1]->DetectReset(*points.front()) || st_reset(1))) {
    prev = FloatHistogram{};
    prev.schema = points[1]->schema;
    prev.custom_values = points[1]->custom_values;
    custom = points[1]->UsesCustomBuckets();
  }
  if (last.UsesCustomBuckets() != custom) {
    WarnMixedSchemas(args, series);
    return std::nullopt;
  }
  int32_t min_schema = std::min(prev.schema, last.schema);
  for (size_t i = 1; i + 1 < points.size(); ++i) {
    if (!is_counter) continue;
    const FloatHistogram& cur = *points[i];
    if (IsGauge(cur)) WarnNotCounter(args, series);
    min_schema = std::min(min_schema, cur.schema);
    if (cur.UsesCustomBuckets() != custom) {
      WarnMixedSchemas(args, series);
      return std::nullopt;
    }
  }
  FloatHistogram h = last;
  if (!h.UsesCustomBuckets() && h.schema > min_schema) {
    h.ReduceResolution(min_schema);
  }
  FloatHistogram::AddInfo info;
  if (!h.Sub(prev, &info).ok()) {
    WarnMixedSchemas(args, series);
    return std::nullopt;
  }
  bool reconciled = info.nhcb_bounds_reconciled;
  if (is_counter) {
    const FloatHistogram* before = &prev;
    for (size_t i = 1; i < points.size(); ++i) {
      const FloatHistogram& cur = *points[i];
      if (cur.DetectReset(*before) || st_reset(i)) {
        if (!h.Add(*before, &info).ok()) {
          WarnMixedSchemas(args, series);
          return std::nullopt;
        }
        reconciled = reconciled || info.nhcb_bounds_reconciled;
      }
      before = &cur;
    }
  } else if (!IsGauge(*points.front()) || !IsGauge(last)) {
    WarnNotGauge(args, series);
  }
  if (reconciled) {
    Info(args, "mismatched custom buckets were reconciled during subtraction",
         ArgPos(args, 0));
  }
  h.counter_reset_hint = CounterResetHint::kGauge;
  h.Compact(0);
  return h;
}

// Prometheus's extendedHistogramRate: rate, increase and delta over an
// anchored or smoothed window of native histograms.
absl::Status ExtendedHistogramRate(const FunctionArgs& args,
                                   const WindowSeries& series, bool is_counter,
                                   bool is_rate, EvalVector* out) {
  std::span<const Sample> f = series.samples;
  std::span<const HistogramPtr> h = series.hists;
  size_t last = f.size() - 1;
  const int64_t range_start = args.range_start;
  const int64_t range_end = args.range_end;
  size_t found =
      SearchFirst(last, [&](size_t i) { return f[i].t > range_start; });
  const size_t first = found > 0 ? found - 1 : 0;
  if (args.smoothed) {
    last = SearchFirst(last, [&](size_t i) { return f[i].t >= range_end; });
  }
  if (f[last].t <= range_start) return absl::OkStatus();
  if (args.smoothed && f[first].t > range_end) return absl::OkStatus();
  const bool custom = h[first]->UsesCustomBuckets();
  for (size_t i = first; i <= last; ++i) {
    if (h[i]->UsesCustomBuckets() != custom) {
      WarnMixedSchemas(args, series);
      return absl::OkStatus();
    }
    if (is_counter && IsGauge(*h[i])) WarnNotCounter(args, series);
  }
  bool reconciled = false;
  std::optional<FloatHistogram> left =
      args.smoothed && f[first].t < range_start
          ? InterpolateHistograms(*h[first], f[first].t, *h[first + 1],
                                  f[first + 1].t, range_start, is_counter,
                                  &reconciled)
          : std::optional<FloatHistogram>(*h[first]);
  std::optional<FloatHistogram> right =
      args.smoothed && last > 0 && f[last].t > range_end
          ? InterpolateHistograms(*h[last - 1], f[last - 1].t, *h[last],
                                  f[last].t, range_end, is_counter, &reconciled)
          : std::optional<FloatHistogram>(*h[last]);
  if (!left.has_value() || !right.has_value()) {
    WarnMixedSchemas(args, series);
    return absl::OkStatus();
  }
  if (!is_counter && (!IsGauge(*left) || !IsGauge(*right))) {
    WarnNotGauge(args, series);
  }
  FloatHistogram result = *right;
  FloatHistogram::AddInfo info;
  if (!result.Sub(*left, &info).ok()) {
    WarnMixedSchemas(args, series);
    return absl::OkStatus();
  }
  if (info.nhcb_bounds_reconciled) reconciled = true;
  if (is_counter) {
    // Resets between the boundary values; `left` stands for h[first].
    size_t lo = first + 1;
    const FloatHistogram* prev = &*left;
    if (args.smoothed && f[first].t < range_start && first + 1 < h.size() &&
        h[first + 1]->DetectReset(*h[first])) {
      // The left interpolation already spans that reset.
      prev = h[first + 1].get();
      ++lo;
    }
    std::optional<FloatHistogram> correction;
    auto add = [&](const FloatHistogram& x) {
      if (!correction.has_value()) {
        correction = x;
        return true;
      }
      return correction->Add(x).ok();
    };
    if (lo <= last) {
      for (size_t i = lo; i + 1 <= last; ++i) {
        if (h[i]->DetectReset(*prev) && !add(*prev)) {
          WarnMixedSchemas(args, series);
          return absl::OkStatus();
        }
        prev = h[i].get();
      }
      if (right->DetectReset(*prev) && !add(*prev)) {
        WarnMixedSchemas(args, series);
        return absl::OkStatus();
      }
    }
    if (correction.has_value() && !result.Add(*correction, &info).ok()) {
      WarnMixedSchemas(args, series);
      return absl::OkStatus();
    }
  }
  if (reconciled) {
    Info(args, "mismatched custom buckets were reconciled during subtraction",
         ArgPos(args, 0));
  }
  if (is_rate) result.Div(RangeSeconds(args));
  result.counter_reset_hint = CounterResetHint::kGauge;
  result.Compact(0);
  AppendForSeries(args, series, NamePolicy::kDrop, 0, out);
  out->back().h = std::make_shared<const FloatHistogram>(std::move(result));
  return absl::OkStatus();
}

// rate, increase and delta over a window of native histograms.
absl::Status HistogramRate(const FunctionArgs& args, const WindowSeries& series,
                           bool is_counter, bool is_rate, EvalVector* out) {
  std::span<const HistogramPtr> hs = series.hists;
  if (std::any_of(hs.begin(), hs.end(),
                  [](const HistogramPtr& h) { return h == nullptr; })) {
    WarnMixedTypes(args, series);
    return absl::OkStatus();
  }
  if (args.anchored || args.smoothed) {
    return ExtendedHistogramRate(args, series, is_counter, is_rate, out);
  }
  std::span<const Sample> s = series.samples;
  std::span<const int64_t> st = series.start_timestamps;
  // The first sample's start inside the (left-open) range: the counter was
  // zero there, as for floats.
  const bool from_start = is_counter && !st.empty() && st[0] != 0 &&
                          st[0] > args.range_start && st[0] < s.front().t;
  if (hs.size() < 2 && !from_start) return absl::OkStatus();
  std::optional<FloatHistogram> h =
      HistogramIncrease(args, series, hs, is_counter);
  if (!h.has_value()) return absl::OkStatus();
  double sampled = static_cast<double>(s.back().t - s.front().t) / 1000;
  double average = 0;
  if (s.size() > 1) average = sampled / static_cast<double>(s.size() - 1);
  const double threshold = average * kExtrapolationThresholdFactor;
  double to_start = static_cast<double>(s.front().t - args.range_start) / 1000;
  double to_end = static_cast<double>(args.range_end - s.back().t) / 1000;
  if (from_start) {
    to_start = 0;
    sampled = static_cast<double>(s.back().t - st[0]) / 1000;
    if (!h->Add(*hs.front()).ok()) {
      WarnMixedSchemas(args, series);
      return absl::OkStatus();
    }
    h->Compact(0);
  } else {
    if (to_start >= threshold) to_start = average / 2;
    if (is_counter && h->count > 0 && hs.front()->count >= 0) {
      const double to_zero = sampled * (hs.front()->count / h->count);
      if (to_zero < to_start) to_start = to_zero;
    }
  }
  if (to_end >= threshold) to_end = average / 2;
  double factor = 1;
  if (sampled != 0) factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= RangeSeconds(args);
  h->Mul(factor);
  AppendForSeries(args, series, NamePolicy::kDrop, 0, out);
  out->back().h = std::make_shared<const FloatHistogram>(std::move(*h));
  return absl::OkStatus();
}

absl::Status RateLike(const FunctionArgs& args, EvalVector* out,
                      bool is_counter, bool is_rate, bool check_name) {
  const bool extended = args.anchored || args.smoothed;
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix == nullptr) return absl::OkStatus();
  const size_t first = out->size();
  for (const WindowSeries& series : *matrix) {
    if (series.samples.empty()) continue;
    if (!series.hists.empty()) {
      absl::Status s = HistogramRate(args, series, is_counter, is_rate, out);
      if (!s.ok()) return s;
      continue;
    }
    std::optional<double> v =
        extended ? ExtendedRate(args, series.samples, is_counter, is_rate)
                 : ExtrapolatedRate(args, series, is_counter, is_rate);
    if (!v.has_value()) continue;
    // With values_only the caller (EvalMatrixCall) checks the name once per
    // series with the same annotation; per window it was ~8 % of a range
    // rate (a label lookup and four suffix compares per step).
    if (check_name && !args.values_only) CheckCounterName(args, series);
    AppendForSeries(args, series, NamePolicy::kDrop, *v, out);
  }
  if (!args.delayed_name_removal) return CheckNoDuplicateLabelsets(*out, first);
  return absl::OkStatus();
}

// irate and idelta over the last two samples when either is a histogram
// (Prometheus's instantValue).
absl::Status InstantHistogramValue(const FunctionArgs& args,
                                   const WindowSeries& series, bool is_rate,
                                   EvalVector* out) {
  const size_t n = series.samples.size();
  if (n < 2) return absl::OkStatus();
  const HistogramPtr& hp = series.hists[n - 2];
  const HistogramPtr& hl = series.hists[n - 1];
  const int64_t interval = series.samples[n - 1].t - series.samples[n - 2].t;
  if (interval == 0) return absl::OkStatus();
  if (hp == nullptr || hl == nullptr) {
    WarnMixedTypes(args, series);
    return absl::OkStatus();
  }
  FloatHistogram h = *hl;
  if (is_rate && (IsGauge(*hl) || IsGauge(*hp))) WarnNotCounter(args, series);
  if (!is_rate && (!IsGauge(*hl) || !IsGauge(*hp))) WarnNotGauge(args, series);
  // After a counter reset, by value or by start timestamp, the last
  // histogram is the increase since it.
  std::span<const int64_t> st = series.start_timestamps;
  const bool reset = hl->DetectReset(*hp) ||
                     (!st.empty() && IsStartTimestampReset(
                                         st[n - 2], series.samples[n - 2].t,
                                         st[n - 1], series.samples[n - 1].t));
  if (!is_rate || !reset) {
    FloatHistogram::AddInfo info;
    if (!h.Sub(*hp, &info).ok()) {
      WarnMixedSchemas(args, series);
      return absl::OkStatus();
    }
    if (info.nhcb_bounds_reconciled) {
      Info(args, "mismatched custom buckets were reconciled during subtraction",
           ArgPos(args, 0));
    }
  }
  h.counter_reset_hint = CounterResetHint::kGauge;
  h.Compact(0);
  if (is_rate) h.Div(static_cast<double>(interval) / 1000);
  AppendForSeries(args, series, NamePolicy::kDrop, 0, out);
  out->back().h = std::make_shared<const FloatHistogram>(std::move(h));
  return absl::OkStatus();
}

// Prometheus's instantValue: the last two samples only.
absl::Status InstantValue(const FunctionArgs& args, EvalVector* out,
                          bool is_rate) {
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix != nullptr &&
      std::any_of(matrix->begin(), matrix->end(),
                  [](const WindowSeries& w) { return !w.hists.empty(); })) {
    const size_t first = out->size();
    for (const WindowSeries& series : *matrix) {
      if (series.hists.empty()) continue;
      absl::Status s = InstantHistogramValue(args, series, is_rate, out);
      if (!s.ok()) return s;
    }
    if (!args.delayed_name_removal) {
      absl::Status s = CheckNoDuplicateLabelsets(*out, first);
      if (!s.ok()) return s;
    }
    if (std::all_of(matrix->begin(), matrix->end(),
                    [](const WindowSeries& w) { return !w.hists.empty(); })) {
      return absl::OkStatus();
    }
  }
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [&](const WindowSeries& series) -> std::optional<double> {
        if (!series.hists.empty()) return std::nullopt;  // done above
        std::span<const Sample> s = series.samples;
        if (s.size() < 2) return std::nullopt;
        const size_t n = s.size();
        const Sample& prev = s[n - 2];
        const Sample& last = s.back();
        int64_t interval = last.t - prev.t;
        if (interval == 0) return std::nullopt;
        // After a counter reset, by value or by start timestamp, the last
        // value is the increase since it; a NaN comparison is false and so
        // keeps the difference.
        std::span<const int64_t> st = series.start_timestamps;
        bool reset = last.v < prev.v;
        if (is_rate && !reset && !st.empty()) {
          reset = IsStartTimestampReset(st[n - 2], prev.t, st[n - 1], last.t);
        }
        double v = last.v;
        if (!is_rate || !reset) v = last.v - prev.v;
        if (is_rate) v /= static_cast<double>(interval) / 1000;
        return v;
      },
      out);
}

}  // namespace

absl::Status Rate(const FunctionArgs& args, EvalVector* out) {
  return RateLike(args, out, /*is_counter=*/true, /*is_rate=*/true,
                  /*check_name=*/true);
}

absl::Status Increase(const FunctionArgs& args, EvalVector* out) {
  return RateLike(args, out, /*is_counter=*/true, /*is_rate=*/false,
                  /*check_name=*/true);
}

absl::Status Delta(const FunctionArgs& args, EvalVector* out) {
  return RateLike(args, out, /*is_counter=*/false, /*is_rate=*/false,
                  /*check_name=*/false);
}

absl::Status Irate(const FunctionArgs& args, EvalVector* out) {
  return InstantValue(args, out, /*is_rate=*/true);
}

absl::Status Idelta(const FunctionArgs& args, EvalVector* out) {
  return InstantValue(args, out, /*is_rate=*/false);
}

}  // namespace vigil::promql::functions
