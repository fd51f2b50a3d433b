// Binary operators between scalars and between a vector and a scalar; the
// element operation shared with vector matching.
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "lib/model/go_math.h"
#include "promql/evaluator.h"
#include "promql/per_series.h"

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

bool IsTrim(BinaryOp op) {
  return op == BinaryOp::kTrimUpper || op == BinaryOp::kTrimLower;
}

void NoteFloatTrim(BinaryOp op, PositionRange pos, Annotations* annotations) {
  const std::string_view name = BinaryOpString(op);
  annotations->Info(
      absl::StrCat("incompatible sample types encountered for binary "
                   "operator \"",
                   ToAbsl(name), "\": float ", ToAbsl(name), " float"),
      pos);
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

HistElemResult HistogramElemBinop(BinaryOp op, double lf, double rf,
                                  const HistogramPtr& hl,
                                  const HistogramPtr& hr, PositionRange pos,
                                  Annotations* annotations) {
  const std::string_view name = BinaryOpString(op);
  auto incompatible = [&](std::string_view lt, std::string_view rt) {
    annotations->Info(
        absl::StrCat("incompatible sample types encountered for binary "
                     "operator \"",
                     ToAbsl(name), "\": ", ToAbsl(lt), " ", ToAbsl(name), " ",
                     ToAbsl(rt)),
        pos);
    HistElemResult r;
    r.incompatible = true;
    return r;
  };
  auto scaled = [](const FloatHistogram& h, double f, bool divide) {
    auto r = std::make_shared<FloatHistogram>(h);
    if (divide) {
      r->Div(f);
    } else {
      r->Mul(f);
    }
    r->Compact(0);
    return HistElemResult{0, std::move(r), true};
  };
  if (hl == nullptr) {
    if (op == BinaryOp::kMul) return scaled(*hr, lf, false);
    return incompatible("float", "histogram");
  }
  if (hr == nullptr) {
    if (op == BinaryOp::kMul) return scaled(*hl, rf, false);
    if (op == BinaryOp::kDiv) return scaled(*hl, rf, true);
    if (IsTrim(op)) {
      return HistElemResult{0,
                            std::make_shared<FloatHistogram>(
                                hl->Trimmed(rf, op == BinaryOp::kTrimUpper)),
                            true};
    }
    return incompatible("histogram", "float");
  }
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub: {
      auto r = std::make_shared<FloatHistogram>(*hl);
      FloatHistogram::AddInfo info;
      const bool add = op == BinaryOp::kAdd;
      absl::Status s = add ? r->Add(*hr, &info) : r->Sub(*hr, &info);
      if (!s.ok()) {
        annotations->Warn(
            absl::StrCat("incompatible bucket layout encountered for binary "
                         "operator ",
                         ToAbsl(name)),
            pos);
        HistElemResult r;
        r.incompatible = true;
        return r;
      }
      const char* what = add ? "addition" : "subtraction";
      if (!add) r->counter_reset_hint = CounterResetHint::kGauge;
      if (info.counter_reset_collision) {
        annotations->Warn(
            absl::StrCat("conflicting counter resets during histogram ", what),
            pos);
      }
      if (info.nhcb_bounds_reconciled) {
        annotations->Info(
            absl::StrCat("mismatched custom buckets were reconciled during ",
                         what),
            pos);
      }
      r->Compact(0);
      return HistElemResult{0, std::move(r), true};
    }
    case BinaryOp::kEql:
    case BinaryOp::kNeq: {
      FloatHistogram a = *hl, b = *hr;
      a.Compact(0);
      b.Compact(0);
      const bool eq = a.Equals(b);
      return HistElemResult{0, hl, op == BinaryOp::kEql ? eq : !eq};
    }
    default:
      return incompatible("histogram", "histogram");
  }
}

double ScalarBinop(BinaryOp op, double lhs, double rhs) {
  ElemResult r = VectorElemBinop(op, lhs, rhs);
  // Comparisons between scalars yield 0 or 1 (the parser demands `bool`).
  if (IsComparison(op)) return r.keep ? 1 : 0;
  return r.value;
}

namespace {

// A number literal, in parentheses or not: the same at every step.
bool IsNumber(const Expr& e) {
  const Expr* x = &e;
  while (x->kind == NodeKind::kParen) {
    x = static_cast<const ParenExpr*>(x)->expr.get();
  }
  return x->kind == NodeKind::kNumber;
}

}  // namespace

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
  const bool trim = IsTrim(e.op);
  const bool swap = lt == ValueType::kScalar;
  const size_t vi = swap ? 1 : 0;
  const bool arithmetic = IsArithmetic(e.op);
  const bool cmp = IsComparison(e.op);
  const StepFn step = [&](int64_t, std::span<StepInput> in,
                          EvalVector* res) -> absl::Status {
    if (in[1 - vi].vec.empty()) return absl::OkStatus();
    const double scalar = in[1 - vi].vec[0].v;
    for (const EvalSample& s : in[vi].vec) {
      if (s.h != nullptr) {
        HistogramPtr hl = s.h, hr;
        double lf = 0, rf = scalar;
        if (swap) {
          std::swap(lf, rf);
          std::swap(hl, hr);
        }
        HistElemResult r =
            HistogramElemBinop(e.op, lf, rf, hl, hr, e.pos, &q_->annotations);
        if (r.incompatible) continue;
        // A comparison keeps the vector's value.
        if (cmp) r.h = s.h;
        if (e.return_bool) {
          r.h = nullptr;
          r.value = r.keep ? 1 : 0;
          r.keep = true;
        }
        if (!r.keep) continue;
        EvalSample o = s;
        o.v = r.value;
        o.h = std::move(r.h);
        if (arithmetic || e.return_bool) DropName(&o.metric, &o.drop_name);
        res->push_back(std::move(o));
        continue;
      }
      if (trim) {
        NoteFloatTrim(e.op, e.pos, &q_->annotations);
        continue;
      }
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
      if (arithmetic || e.return_bool) DropName(&o.metric, &o.drop_name);
      res->push_back(std::move(o));
    }
    return absl::OkStatus();
  };
  if (instant() || !cmp || e.return_bool || q_->delayed_name_removal ||
      !IsNumber(*exprs[1 - vi])) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(out.matrix, RangeEval(exprs, step));
    return out;
  }
  // A vector compared with a number over a range: series by series
  // (per_series.h), unless a histogram is in it. RangeEval's accounting.
  const int64_t original = q_->current_samples;
  Matrix mats[2];
  for (size_t i = 0; i < 2; ++i) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(Value v, Eval(*exprs[i]));
    mats[i] = std::move(v.matrix);
  }
  if (FloatsOnly(mats[vi])) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(
        out.matrix, CompareWithNumber(*this, e.op, std::move(mats[vi]),
                                      mats[1 - vi], swap));
  } else {
    Matrix* inputs[] = {&mats[0], &mats[1]};
    VIGIL_EVAL_ASSIGN_OR_RETURN(out.matrix, RangeEvalMatrices(inputs, step));
  }
  int64_t total = 0;
  for (const auto& s : out.matrix)
    total += static_cast<int64_t>(s.points.size());
  q_->current_samples = original + total;
  return out;
}

}  // namespace vigil::promql::eval
