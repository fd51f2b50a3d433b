// Histogram interpolation (Prometheus's interpolateHistograms).
#include "promql/functions/interpolate.h"

namespace vigil::promql::functions {

std::optional<FloatHistogram> InterpolateHistograms(
    const FloatHistogram& h1, int64_t t1, const FloatHistogram& h2, int64_t t2,
    int64_t t, bool is_counter, bool* reconciled) {
  if (t == t1) return h1;
  if (t == t2) return h2;
  const double fraction =
      static_cast<double>(t - t1) / static_cast<double>(t2 - t1);
  FloatHistogram r = h2;
  if (is_counter && h2.DetectReset(h1)) return r.Mul(fraction);
  FloatHistogram::AddInfo info;
  if (!r.Sub(h1, &info).ok()) return std::nullopt;
  *reconciled |= info.nhcb_bounds_reconciled;
  r.Mul(fraction);
  if (!r.Add(h1, &info).ok()) return std::nullopt;
  *reconciled |= info.nhcb_bounds_reconciled;
  return r;
}

}  // namespace vigil::promql::functions
