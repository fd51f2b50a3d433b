// Experimental duration expressions (`[5m * 2]`, `offset step()`,
// `[min_of(step(), 1m)]`): evaluated once per query to milliseconds, as
// Prometheus's durationVisitor does before evaluation starts.
#include <cmath>

#include "lib/model/go_math.h"
#include "promql/evaluator.h"

namespace vigil::promql::eval {

namespace {

absl::StatusOr<double> EvalSeconds(const DurationExpr& d, int64_t step_ms,
                                   int64_t range_ms) {
  double lhs = 0;
  double rhs = 0;
  if (d.lhs != nullptr) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(lhs, EvalSeconds(*d.lhs, step_ms, range_ms));
  }
  if (d.rhs != nullptr) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(rhs, EvalSeconds(*d.rhs, step_ms, range_ms));
  }
  switch (d.op) {
    case DurationOp::kLiteral:
      return d.number_seconds;
    case DurationOp::kAdd:
      return lhs + rhs;
    case DurationOp::kSub:
      return lhs - rhs;
    case DurationOp::kMul:
      return lhs * rhs;
    case DurationOp::kDiv:
      if (rhs == 0) return absl::InvalidArgumentError("division by zero");
      return lhs / rhs;
    case DurationOp::kMod:
      if (rhs == 0) return absl::InvalidArgumentError("modulo by zero");
      return std::fmod(lhs, rhs);
    case DurationOp::kPow:
      return gomath::Pow(lhs, rhs);  // Go's math.Pow
    case DurationOp::kNeg:
      return -(d.lhs != nullptr ? lhs : rhs);
    case DurationOp::kStep:
      return static_cast<double>(step_ms) / 1000.0;
    case DurationOp::kRange:
      return static_cast<double>(range_ms) / 1000.0;
    case DurationOp::kMinOf:
      return std::fmin(lhs, rhs);
    case DurationOp::kMaxOf:
      return std::fmax(lhs, rhs);
  }
  return absl::InvalidArgumentError("unexpected duration expression");
}

}  // namespace

absl::StatusOr<int64_t> EvalDuration(const DurationExpr& d, int64_t step_ms,
                                     int64_t range_ms, bool allow_negative) {
  VIGIL_EVAL_ASSIGN_OR_RETURN(double secs, EvalSeconds(d, step_ms, range_ms));
  if (secs <= 0 && !allow_negative) {
    return absl::InvalidArgumentError("duration must be greater than 0");
  }
  // Prometheus converts through time.Duration: seconds*1000 truncated to
  // whole milliseconds.
  double ms = secs * 1000.0;
  if (!(ms < 9.2e18 && ms > -9.2e18)) {
    return absl::InvalidArgumentError("duration is out of range");
  }
  return static_cast<int64_t>(ms);
}

absl::Status ResolveDurations(const Expr& expr, QueryState* q) {
  const int64_t step = q->query_step;
  const int64_t range = q->query_end - q->query_start;
  absl::Status status;
  auto resolve = [&](const DurationExpr* d, bool allow_negative) {
    if (d == nullptr || !status.ok()) return;
    auto v = EvalDuration(*d, step, range, allow_negative);
    if (!v.ok()) {
      status = v.status();
      return;
    }
    q->durations[d] = *v;
  };
  std::function<void(const Expr&)> walk = [&](const Expr& e) {
    switch (e.kind) {
      case NodeKind::kVectorSelector:
        resolve(e.As<VectorSelector>().offset_expr.get(), true);
        break;
      case NodeKind::kMatrixSelector:
        resolve(e.As<MatrixSelector>().range_expr.get(), false);
        break;
      case NodeKind::kSubquery: {
        const auto& sq = e.As<SubqueryExpr>();
        resolve(sq.offset_expr.get(), true);
        resolve(sq.step_expr.get(), false);
        resolve(sq.range_expr.get(), false);
        break;
      }
      default:
        break;
    }
    VisitChildren(e, walk);
  };
  walk(expr);
  return status;
}

}  // namespace vigil::promql::eval
