// Binary operators between scalars and between a vector and a scalar; the
// element operation shared with vector matching.
#include <cmath>

#include "lib/model/go_math.h"
#include "promql/evaluator.h"

namespace vigil::promql::eval {

bool IsArithmetic(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
    case BinaryOp::kAtan2:
      return true;
    default:
      return false;
  }
}

ElemResult VectorElemBinop(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kAdd:
      return {lhs + rhs, true};
    case BinaryOp::kSub:
      return {lhs - rhs, true};
    case BinaryOp::kMul:
      return {lhs * rhs, true};
    case BinaryOp::kDiv:
      return {lhs / rhs, true};
    case BinaryOp::kMod:
      // Go's math.Mod and C's fmod agree, NaN and Inf cases included.
      return {std::fmod(lhs, rhs), true};
    case BinaryOp::kPow:
      // Go's math.Pow and math.Atan2, not the C library's: Pow is not
      // correctly rounded (2^0.3 differs from glibc's in the last bit).
      return {gomath::Pow(lhs, rhs), true};
    case BinaryOp::kAtan2:
      return {gomath::Atan2(lhs, rhs), true};
    case BinaryOp::kEql:
      return {lhs, lhs == rhs};
    case BinaryOp::kNeq:
      return {lhs, lhs != rhs};
    case BinaryOp::kGtr:
      return {lhs, lhs > rhs};
    case BinaryOp::kLss:
      return {lhs, lhs < rhs};
    case BinaryOp::kGte:
      return {lhs, lhs >= rhs};
    case BinaryOp::kLte:
      return {lhs, lhs <= rhs};
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kUnless:
    case BinaryOp::kTrimUpper:
    case BinaryOp::kTrimLower:
      break;
  }
  return {0, false};
}

double ScalarBinop(BinaryOp op, double lhs, double rhs) {
  ElemResult r = VectorElemBinop(op, lhs, rhs);
  // Comparisons between scalars yield 0 or 1 (the parser demands `bool`).
  if (IsComparison(op)) return r.keep ? 1 : 0;
  return r.value;
}

absl::StatusOr<Value> Evaluator::EvalBinary(const BinaryExpr& e) {
  const ValueType lt = e.lhs->type();
  const ValueType rt = e.rhs->type();
  const Expr* exprs[] = {e.lhs.get(), e.rhs.get()};
  Value out;
  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(
        out.matrix, RangeEval(exprs,
                              [&](int64_t, std::span<StepInput> in,
                                  EvalVector* res) -> absl::Status {
                                if (in[0].vec.empty() || in[1].vec.empty())
                                  return absl::OkStatus();
                                EvalSample s;
                                s.v = ScalarBinop(e.op, in[0].vec[0].v,
                                                  in[1].vec[0].v);
                                res->push_back(std::move(s));
                                return absl::OkStatus();
                              }));
    return out;
  }
  if (lt == ValueType::kVector && rt == ValueType::kVector) {
    return EvalVectorBinary(e);
  }
  const bool swap = lt == ValueType::kScalar;
  const size_t vi = swap ? 1 : 0;
  const bool arithmetic = IsArithmetic(e.op);
  const bool cmp = IsComparison(e.op);
  VIGIL_EVAL_ASSIGN_OR_RETURN(
      out.matrix, RangeEval(exprs,
                            [&](int64_t, std::span<StepInput> in,
                                EvalVector* res) -> absl::Status {
                              if (in[1 - vi].vec.empty())
                                return absl::OkStatus();
                              const double scalar = in[1 - vi].vec[0].v;
                              for (const EvalSample& s : in[vi].vec) {
                                double lf = s.v;
                                double rf = scalar;
                                if (swap) std::swap(lf, rf);
                                ElemResult r = VectorElemBinop(e.op, lf, rf);
                                // A comparison keeps the vector's value even
                                // when the scalar is on the left.
                                if (cmp && swap) r.value = rf;
                                if (e.return_bool) {
                                  r.value = r.keep ? 1 : 0;
                                  r.keep = true;
                                }
                                if (!r.keep) continue;
                                EvalSample o = s;
                                o.v = r.value;
                                if (arithmetic || e.return_bool)
                                  DropName(&o.metric, &o.drop_name);
                                res->push_back(std::move(o));
                              }
                              return absl::OkStatus();
                            }));
  return out;
}

}  // namespace vigil::promql::eval
