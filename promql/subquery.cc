// Subqueries: the inner expression evaluated as a range query on steps
// aligned to absolute multiples of the subquery step, as Prometheus does, so
// that successive outer steps see consistent windows.
#include <memory>

#include "promql/evaluator.h"

namespace vigil::promql::eval {

namespace {

// The first multiple of `step` strictly after `t` (floor division, so that
// negative times align as Prometheus's do).
int64_t FirstStepAfter(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return (q + 1) * step;
}

}  // namespace

int64_t Evaluator::OffsetOf(const SubqueryExpr& sq) const {
  return DurationOr(*q_, sq.offset_expr.get(), sq.offset_ms);
}

int64_t Evaluator::RangeOf(const SubqueryExpr& sq) const {
  return DurationOr(*q_, sq.range_expr.get(), sq.range_ms);
}

int64_t Evaluator::StepOf(const SubqueryExpr& sq) const {
  int64_t step = DurationOr(*q_, sq.step_expr.get(), sq.step_ms);
  if (step <= 0) step = q_->options->default_subquery_step_ms;
  return step;
}

absl::StatusOr<Value> Evaluator::EvalSubquery(const SubqueryExpr& sq) {
  const int64_t offset = OffsetOf(sq);
  const int64_t range = RangeOf(sq);
  const int64_t step = StepOf(sq);
  int64_t outer_start = start_;
  int64_t outer_end = end_;
  // With `@` every outer step sees the same window, ending at the pinned
  // time.
  if (auto at = AtOf(sq.at_ms, sq.at_modifier)) outer_start = outer_end = *at;
  const int64_t inner_start =
      FirstStepAfter(outer_start - offset - range, step);
  const int64_t inner_end = outer_end - offset;
  Evaluator inner(q_, inner_start, inner_end, step);
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value v, inner.Eval(*sq.expr));
  // A stored NotCounterReset hint is relative to the previous stored sample,
  // which a subquery's steps may skip: Prometheus then detects resets
  // explicitly. A sample repeated at several steps (the same histogram) is
  // no reset after its first appearance.
  for (auto& s : v.matrix) {
    const FloatHistogram* prev = nullptr;
    for (auto& h : s.hists) {
      const FloatHistogram* orig = h.get();
      CounterResetHint want = CounterResetHint::kUnknown;
      if (h != nullptr && h.get() == prev) {
        want = CounterResetHint::kNotCounterReset;
      } else if (h == nullptr ||
                 h->counter_reset_hint != CounterResetHint::kNotCounterReset) {
        prev = orig;
        continue;
      }
      prev = orig;
      if (h->counter_reset_hint == want ||
          h->counter_reset_hint == CounterResetHint::kGauge) {
        continue;
      }
      auto copy = std::make_shared<FloatHistogram>(*h);
      copy->counter_reset_hint = want;
      h = std::move(copy);
    }
  }
  return v;
}

}  // namespace vigil::promql::eval
