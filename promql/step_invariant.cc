// FindStepInvariant: the parts of a query whose value is the same at every
// step (Prometheus's PreprocessExpr), which a range evaluation computes once
// at its first step and repeats.
//
// The value would be the same either way; doing it as Prometheus does keeps
// the work down and --query.max-samples counting what Prometheus counts: a
// repeated result costs one sample per step, the windows and subqueries
// that produced it only once.
#include <string_view>

#include "promql/evaluator.h"

namespace vigil::promql::eval {
namespace {

// Functions whose result moves with the evaluation time, or with the
// timestamps of their argument's samples, even when the argument does not
// (Prometheus's AtModifierUnsafeFunctions, plus start_timestamp, which reads
// sample times as timestamp does).
bool AtModifierUnsafe(std::string_view name) {
  static constexpr std::string_view kUnsafe[] = {
      "days_in_month",  "day_of_month", "day_of_week", "day_of_year",
      "hour",           "minute",       "month",       "year",
      "predict_linear", "time",         "timestamp",   "start_timestamp"};
  for (std::string_view u : kUnsafe) {
    if (u == name) return true;
  }
  return false;
}

bool HasAt(std::optional<int64_t> at_ms, AtModifier modifier) {
  return at_ms.has_value() || modifier != AtModifier::kNone;
}

// Whether `e` is step invariant; marks its largest invariant parts when it
// is not, as Prometheus wraps them in StepInvariantExpr.
bool Mark(const Expr& e, QueryState* q) {
  auto mark = [q](const Expr& part) { q->step_invariant.insert(&part); };
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      const auto& vs = e.As<VectorSelector>();
      return HasAt(vs.at_ms, vs.at_modifier);
    }
    case NodeKind::kMatrixSelector:
      return Mark(*e.As<MatrixSelector>().selector, q);
    case NodeKind::kSubquery: {
      // The inside is evaluated once per subquery when it is invariant,
      // whether or not the subquery itself is pinned.
      const auto& sq = e.As<SubqueryExpr>();
      if (Mark(*sq.expr, q)) mark(*sq.expr);
      return HasAt(sq.at_ms, sq.at_modifier);
    }
    case NodeKind::kAggregate:
      // Prometheus looks at the aggregated expression only, not at the
      // parameter.
      return Mark(*e.As<AggregateExpr>().expr, q);
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      const bool lhs = Mark(*b.lhs, q);
      const bool rhs = Mark(*b.rhs, q);
      if (lhs && rhs) return true;
      if (lhs) mark(*b.lhs);
      if (rhs) mark(*b.rhs);
      return false;
    }
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      bool invariant = !AtModifierUnsafe(c.func->name);
      std::vector<bool> args(c.args.size());
      for (size_t i = 0; i < c.args.size(); ++i) {
        args[i] = Mark(*c.args[i], q);
        invariant = invariant && args[i];
      }
      if (invariant) return true;
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (args[i]) mark(*c.args[i]);
      }
      return false;
    }
    case NodeKind::kParen:
      return Mark(*e.As<ParenExpr>().expr, q);
    case NodeKind::kUnary:
      return Mark(*e.As<UnaryExpr>().expr, q);
    case NodeKind::kNumber:
    case NodeKind::kString:
      return true;
    case NodeKind::kDuration:
      break;
  }
  return false;
}

}  // namespace

void FindStepInvariant(const Expr& expr, QueryState* q) {
  if (Mark(expr, q)) q->step_invariant.insert(&expr);
}

}  // namespace vigil::promql::eval
