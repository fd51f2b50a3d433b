// deriv, predict_linear (least-squares regression) and
// double_exponential_smoothing (Holt's linear trend method).
#include <cmath>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

// Prometheus's linearRegression: slope per second and the value at
// `intercept_time`, with Kahan-compensated sums. x is measured from
// intercept_time to keep the sums small (prometheus/prometheus#2674).
std::pair<double, double> LinearRegression(std::span<const Sample> s,
                                           int64_t intercept_time) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0,
         sum_x2 = 0, c_x2 = 0;
  double init_y = s[0].v;
  bool const_y = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (const_y && i > 0 && s[i].v != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    std::tie(sum_x, c_x) = KahanInc(x, sum_x, c_x);
    std::tie(sum_y, c_y) = KahanInc(s[i].v, sum_y, c_y);
    std::tie(sum_xy, c_xy) = KahanInc(x * s[i].v, sum_xy, c_xy);
    std::tie(sum_x2, c_x2) = KahanInc(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    // A flat line has slope 0 exactly, except a flat infinite one.
    if (std::isinf(init_y)) return {NAN, NAN};
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  double slope = cov_xy / var_x;
  double intercept = sum_y / n - slope * sum_x / n;
  return {slope, intercept};
}

// Go's fmt %f: six decimals, with Go's spelling of NaN and infinities.
std::string GoFixed(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

bool AnyNonEmptyWindow(const FunctionArgs& args) {
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix == nullptr) return false;
  for (const WindowSeries& s : *matrix) {
    if (!s.samples.empty()) return true;
  }
  return false;
}

}  // namespace

absl::Status Deriv(const FunctionArgs& args, EvalVector* out) {
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [](const WindowSeries& series) -> std::optional<double> {
        if (series.samples.size() < 2) return std::nullopt;
        return LinearRegression(series.samples, series.samples[0].t).first;
      },
      out);
}

absl::Status PredictLinear(const FunctionArgs& args, EvalVector* out) {
  double duration = ScalarArg(args, 1);
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [&](const WindowSeries& series) -> std::optional<double> {
        if (series.samples.size() < 2) return std::nullopt;
        auto [slope, intercept] = LinearRegression(series.samples, args.t);
        return slope * duration + intercept;
      },
      out);
}

absl::Status DoubleExponentialSmoothing(const FunctionArgs& args,
                                        EvalVector* out) {
  double sf = ScalarArg(args, 1);
  double tf = ScalarArg(args, 2);
  // Prometheus validates the factors per series, so an empty range vector
  // never fails.
  if (AnyNonEmptyWindow(args)) {
    if (!(sf > 0 && sf < 1)) {
      return absl::InvalidArgumentError(
          "invalid smoothing factor. Expected: 0 < sf < 1, got: " +
          GoFixed(sf));
    }
    if (!(tf > 0 && tf < 1)) {
      return absl::InvalidArgumentError(
          "invalid trend factor. Expected: 0 < tf < 1, got: " + GoFixed(tf));
    }
  }
  return ForEachWindow(
      args, NamePolicy::kDrop,
      [&](const WindowSeries& series) -> std::optional<double> {
        std::span<const Sample> s = series.samples;
        if (s.size() < 2) return std::nullopt;
        // s0, s1: the previous and current smoothed values; b: the trend.
        double s0 = 0, s1 = s[0].v, b = s[1].v - s[0].v;
        for (size_t i = 1; i < s.size(); ++i) {
          double x = sf * s[i].v;
          if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
          double y = (1 - sf) * (s1 + b);
          s0 = s1;
          s1 = x + y;
        }
        return s1;
      },
      out);
}

}  // namespace vigil::promql::functions
