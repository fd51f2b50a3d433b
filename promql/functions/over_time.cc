// The *_over_time aggregations over a range vector, one value per series.
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "lib/model/go_float.h"
#include "lib/model/go_quote.h"
#include "promql/functions/common.h"
#include "promql/functions/histogram_sum.h"
#include "promql/functions/impls.h"
#include "promql/functions/quantile.h"

namespace vigil::promql::functions {
namespace {

using Window = std::span<const Sample>;

template <typename Fn>
absl::Status Aggregate(const FunctionArgs& args, EvalVector* out, Fn fn,
                       NamePolicy policy = NamePolicy::kDrop) {
  return ForEachWindow(
      args, policy,
      [&](const WindowSeries& series) -> std::optional<double> {
        return fn(series.samples);
      },
      out);
}

// Prometheus's avg_over_time: the direct mean with Kahan summation while the
// running sum stays finite, then an incremental mean, which cannot overflow.
double Average(Window s) {
  double sum = s[0].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < s.size(); ++i) {
    count = static_cast<double>(i + 1);
    double v = s[i].v;
    if (!incremental) {
      auto [new_sum, new_c] = KahanInc(v, sum, c);
      if (!std::isinf(new_sum)) {
        sum = new_sum;
        c = new_c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= (count - 1);
    }
    double q = (count - 1) / count;
    std::tie(mean, c) = KahanInc(v / count, q * mean, q * c);
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double Sum(Window s) {
  double sum = 0, c = 0;
  for (const Sample& x : s) std::tie(sum, c) = KahanInc(x.v, sum, c);
  // Adding the compensation to an infinite sum would turn it into NaN.
  if (std::isinf(sum)) return sum;
  return sum + c;
}

// Welford's online variance with Kahan-compensated mean and sum of squares,
// as Prometheus's varianceOverTime.
double Variance(Window s) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const Sample& x : s) {
    count++;
    double delta = x.v - (mean + c_mean);
    std::tie(mean, c_mean) = KahanInc(delta / count, mean, c_mean);
    std::tie(aux, c_aux) =
        KahanInc(delta * (x.v - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

// Prometheus's compareOverTime: keeps the sample for which `better(cur,
// best)` last held; a NaN best is always replaced.
template <typename Better>
const Sample& Pick(Window s, Better better) {
  const Sample* best = &s[0];
  for (const Sample& x : s) {
    if (better(x.v, best->v) || std::isnan(best->v)) best = &x;
  }
  return *best;
}

std::string MetricNameOf(const WindowSeries& w) {
  return w.metric != nullptr ? std::string(w.metric->MetricName()) : "";
}

// sum_over_time and avg_over_time over a window holding histograms
// (Prometheus's aggrHistOverTime): a mix with floats has no result, nor do
// histograms of exponential and custom schemas together. avg keeps an
// incremental mean.
absl::Status HistogramOverTime(const FunctionArgs& args, const WindowSeries& w,
                               bool avg, EvalVector* out) {
  for (const HistogramPtr& h : w.hists) {
    if (h == nullptr) {
      Warn(args,
           "encountered a mix of histograms and floats for metric name " +
               QuoteString(MetricNameOf(w)),
           ArgPos(args, 0));
      return absl::OkStatus();
    }
  }
  bool reset_seen = false, not_reset_seen = false, reconciled = false;
  auto track = [&](const FloatHistogram& h) {
    reset_seen |= h.counter_reset_hint == CounterResetHint::kCounterReset;
    not_reset_seen |=
        h.counter_reset_hint == CounterResetHint::kNotCounterReset;
  };
  HistogramSummer acc(*w.hists[0], avg);
  track(*w.hists[0]);
  for (size_t i = 1; i < w.hists.size(); ++i) {
    const FloatHistogram& h = *w.hists[i];
    track(h);
    FloatHistogram::AddInfo info;
    absl::Status s = acc.Add(h, &info);
    reconciled |= info.nhcb_bounds_reconciled;
    if (!s.ok()) {
      Warn(args,
           "vector contains a mix of histograms with exponential and custom "
           "buckets schemas for metric name " +
               QuoteString(MetricNameOf(w)),
           ArgPos(args, 0));
      return absl::OkStatus();
    }
  }
  if (reset_seen && not_reset_seen) {
    Warn(args, "conflicting counter resets during histogram aggregation",
         ArgPos(args, 0));
  }
  if (reconciled) {
    Info(args, "mismatched custom buckets were reconciled during aggregation",
         ArgPos(args, 0));
  }
  AppendForSeries(args, w, NamePolicy::kDrop, 0, out);
  out->back().h = std::make_shared<const FloatHistogram>(acc.Result());
  return absl::OkStatus();
}

// Runs `floats` over the float windows and HistogramOverTime over the
// others.
template <typename Fn>
absl::Status SumOrAvg(const FunctionArgs& args, EvalVector* out, bool avg,
                      Fn floats) {
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix == nullptr) return absl::OkStatus();
  const size_t first = out->size();
  for (const WindowSeries& w : *matrix) {
    if (w.samples.empty()) continue;
    if (!w.hists.empty()) {
      absl::Status s = HistogramOverTime(args, w, avg, out);
      if (!s.ok()) return s;
      continue;
    }
    AppendForSeries(args, w, NamePolicy::kDrop, floats(w.samples), out);
  }
  if (!args.delayed_name_removal) return CheckNoDuplicateLabelsets(*out, first);
  return absl::OkStatus();
}

}  // namespace

absl::Status AvgOverTime(const FunctionArgs& args, EvalVector* out) {
  return SumOrAvg(args, out, /*avg=*/true, Average);
}

absl::Status SumOverTime(const FunctionArgs& args, EvalVector* out) {
  return SumOrAvg(args, out, /*avg=*/false, Sum);
}

absl::Status CountOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out,
                   [](Window s) { return static_cast<double>(s.size()); });
}

absl::Status MinOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) {
    return Pick(s, [](double cur, double best) { return cur < best; }).v;
  });
}

absl::Status MaxOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) {
    return Pick(s, [](double cur, double best) { return cur > best; }).v;
  });
}

// The ts_of_ variants prefer the latest of equal extremes (>=, <=).
absl::Status TsOfMinOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) {
    const Sample& p =
        Pick(s, [](double cur, double best) { return cur <= best; });
    return static_cast<double>(p.t) / 1000;
  });
}

absl::Status TsOfMaxOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) {
    const Sample& p =
        Pick(s, [](double cur, double best) { return cur >= best; });
    return static_cast<double>(p.t) / 1000;
  });
}

absl::Status TsOfFirstOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) {
    return static_cast<double>(s.front().t) / 1000;
  });
}

absl::Status TsOfLastOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) {
    return static_cast<double>(s.back().t) / 1000;
  });
}

absl::Status QuantileOverTime(const FunctionArgs& args, EvalVector* out) {
  double q = ScalarArg(args, 0);
  std::vector<double> values;
  return Aggregate(args, out, [&](Window s) {
    if (std::isnan(q) || q < 0 || q > 1) {
      Warn(args,
           "quantile value should be between 0 and 1, got " + GoFormatFloat(q),
           ArgPos(args, 0));
    }
    values.clear();
    for (const Sample& x : s) values.push_back(x.v);
    return Quantile(q, &values);
  });
}

absl::Status StddevOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window s) { return std::sqrt(Variance(s)); });
}

absl::Status StdvarOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, Variance);
}

// last_over_time and first_over_time act like an offset, so they keep the
// metric name (Prometheus's engine exempts them from dropping it).
namespace {

// Gives the samples Aggregate appended from `first` on the histogram at
// `pick` of their window, when it is one.
void AttachHistograms(const FunctionArgs& args, size_t first, bool last,
                      EvalVector* out) {
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix == nullptr) return;
  size_t k = first;
  for (const WindowSeries& w : *matrix) {
    if (w.samples.empty()) continue;
    if (k >= out->size()) break;
    if (!w.hists.empty()) (*out)[k].h = last ? w.hists.back() : w.hists.front();
    ++k;
  }
}

}  // namespace

absl::Status LastOverTime(const FunctionArgs& args, EvalVector* out) {
  const size_t first = out->size();
  absl::Status s = Aggregate(
      args, out, [](Window s) { return s.back().v; }, NamePolicy::kKeep);
  if (s.ok()) AttachHistograms(args, first, true, out);
  return s;
}

absl::Status FirstOverTime(const FunctionArgs& args, EvalVector* out) {
  const size_t first = out->size();
  absl::Status s = Aggregate(
      args, out, [](Window s) { return s.front().v; }, NamePolicy::kKeep);
  if (s.ok()) AttachHistograms(args, first, false, out);
  return s;
}

absl::Status PresentOverTime(const FunctionArgs& args, EvalVector* out) {
  return Aggregate(args, out, [](Window) { return 1.0; });
}

// The median of the absolute deviations from the median.
absl::Status MadOverTime(const FunctionArgs& args, EvalVector* out) {
  std::vector<double> values;
  return Aggregate(args, out, [&](Window s) {
    values.clear();
    for (const Sample& x : s) {
      // Prometheus: a NaN makes the median undefined, so it propagates
      // rather than being sorted aside.
      if (std::isnan(x.v)) return std::numeric_limits<double>::quiet_NaN();
      values.push_back(x.v);
    }
    double median = Quantile(0.5, &values);
    values.clear();
    for (const Sample& x : s) values.push_back(std::fabs(x.v - median));
    return Quantile(0.5, &values);
  });
}

}  // namespace vigil::promql::functions
