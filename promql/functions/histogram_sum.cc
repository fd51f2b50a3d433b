#include "promql/functions/histogram_sum.h"

namespace vigil::promql::functions {

HistogramSummer::HistogramSummer(const FloatHistogram& first, bool mean)
    : value_(first), mean_(mean) {}

absl::Status HistogramSummer::Add(const FloatHistogram& h,
                                  FloatHistogram::AddInfo* info) {
  count_++;
  if (!mean_ || !incremental_) {
    FloatHistogram v = value_;
    FloatHistogram c = comp_;
    absl::Status s = v.KahanAdd(h, &c, info);
    if (!s.ok()) return s;
    if (!mean_ || !v.HasOverflow()) {
      value_ = std::move(v);
      comp_ = std::move(c);
      return absl::OkStatus();
    }
    // The direct sum overflowed: continue with the mean of what came before.
    incremental_ = true;
    value_.Div(count_ - 1);
    comp_.Div(count_ - 1);
  }
  const double q = (count_ - 1) / count_;
  value_.Mul(q);
  comp_.Mul(q);
  FloatHistogram add = h;
  add.Div(count_);
  return value_.KahanAdd(add, &comp_, info);
}

FloatHistogram HistogramSummer::Result() const {
  FloatHistogram out = value_;
  if (mean_ && !incremental_) {
    FloatHistogram c = comp_;
    out.Div(count_);
    c.Div(count_);
    out.AddCompensation(c);
  } else {
    out.AddCompensation(comp_);
  }
  // The hint of a sum is the combination of the inputs' hints only.
  out.counter_reset_hint = value_.counter_reset_hint;
  out.Compact(0);
  return out;
}

}  // namespace vigil::promql::functions
