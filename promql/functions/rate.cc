// rate, increase, delta (Prometheus's extrapolatedRate and, for anchored or
// smoothed selectors, extendedRate) and irate, idelta (instantValue).
// rate, increase and irate also read start timestamps, which reveal counter
// resets and where a counter started (the extended forms ignore them, as
// Prometheus does).
#include <algorithm>
#include <optional>
#include <span>
#include <string>

#include "lib/model/go_quote.h"
#include "promql/functions/common.h"
#include "promql/functions/impls.h"

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

absl::Status RateLike(const FunctionArgs& args, EvalVector* out,
                      bool is_counter, bool is_rate, bool check_name) {
  bool extended = args.anchored || args.smoothed;
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [&](const WindowSeries& series) {
        std::optional<double> v =
            extended ? ExtendedRate(args, series.samples, is_counter, is_rate)
                     : ExtrapolatedRate(args, series, is_counter, is_rate);
        if (v.has_value() && check_name) CheckCounterName(args, series);
        return v;
      },
      out);
}

// Prometheus's instantValue: the last two samples only.
absl::Status InstantValue(const FunctionArgs& args, EvalVector* out,
                          bool is_rate) {
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [&](const WindowSeries& series) -> std::optional<double> {
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
