// The evaluator's dispatch, its per-step driver (Prometheus's rangeEval) and
// the small node kinds: literals, parentheses, unary minus.
#include "promql/evaluator.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace vigil::promql::eval {

namespace {

// Prometheus's ErrQueryTimeout and ErrQueryCanceled, raised "in expression
// evaluation".
constexpr const char* kTimedOut = "query timed out in expression evaluation";
constexpr const char* kCanceled = "query was canceled in expression evaluation";
constexpr std::string_view kDuplicateLabelset =
    "vector cannot contain metrics with the same labelset";

}  // namespace

const Expr& Unparen(const Expr& e) {
  const Expr* cur = &e;
  while (cur->kind == NodeKind::kParen) cur = cur->As<ParenExpr>().expr.get();
  return *cur;
}

absl::Status Evaluator::CheckCancel() {
  if (q_->stop.stop_requested()) return absl::CancelledError(kCanceled);
  if (MonotonicNow(*q_->options) > q_->deadline) {
    return absl::DeadlineExceededError(kTimedOut);
  }
  return absl::OkStatus();
}

absl::Status TooManySamples() {
  return absl::ResourceExhaustedError(
      "query processing would load too many samples into memory in query "
      "execution");
}

int64_t HistogramCost(const FloatHistogram& h) {
  // Go's FloatHistogram.Size(): 168 bytes of struct plus 8 per span, bucket
  // and custom bound; HPoint.size() adds the 8-byte timestamp.
  const size_t elements = h.positive_spans.size() + h.negative_spans.size() +
                          h.positive_buckets.size() +
                          h.negative_buckets.size() + h.custom_values.size();
  return static_cast<int64_t>((168 + 8 * elements + 8) / 16);
}

int64_t PointsCost(std::span<const Sample> points,
                   std::span<const HistogramPtr> hists) {
  // Entries past `hists` (or all, when it is empty) are floats.
  int64_t total = points.size() > hists.size()
                      ? static_cast<int64_t>(points.size() - hists.size())
                      : 0;
  for (const HistogramPtr& h : hists) total += PointCost(h);
  return total;
}

int64_t MatrixCost(const Matrix& m) {
  int64_t total = 0;
  for (const SeriesPoints& s : m) total += PointsCost(s);
  return total;
}

absl::Status Evaluator::AddSamples(int64_t n) {
  q_->current_samples += n;
  if (q_->current_samples > q_->max_samples) {
    return TooManySamples();
  }
  return absl::OkStatus();
}

void Evaluator::DropName(Labels* metric, bool* drop_name) const {
  if (!q_->delayed_name_removal) *metric = DropMetadataLabels(*metric);
  *drop_name = true;
}

absl::StatusOr<Value> Evaluator::Eval(const Expr& expr) {
  VIGIL_EVAL_RETURN_IF_ERROR(CheckCancel());
  // Prometheus: a subquery whose aligned start falls after its end has no
  // steps and evaluates to nothing.
  if (end_ < start_) return Value{};
  if (!instant() && expr.kind != NodeKind::kNumber &&
      expr.kind != NodeKind::kString &&
      (expr.type() == ValueType::kVector ||
       expr.type() == ValueType::kScalar) &&
      q_->step_invariant.contains(&expr)) {
    return EvalStepInvariant(expr);
  }
  switch (expr.kind) {
    case NodeKind::kParen:
      return Eval(*expr.As<ParenExpr>().expr);
    case NodeKind::kNumber: {
      double v = expr.As<NumberLiteral>().value;
      Value out;
      out.matrix.emplace_back();
      auto& pts = out.matrix.back().points;
      pts.reserve(NumSteps());
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        pts.push_back({ts, v});
      }
      VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(static_cast<int64_t>(pts.size())));
      return out;
    }
    case NodeKind::kString: {
      Value out;
      out.is_string = true;
      out.str = expr.As<StringLiteral>().value;
      return out;
    }
    case NodeKind::kVectorSelector:
      return EvalVectorSelector(expr.As<VectorSelector>());
    case NodeKind::kMatrixSelector:
      if (!instant()) {
        return absl::InternalError(
            "cannot do range evaluation of matrix selector");
      }
      return EvalMatrixSelector(expr.As<MatrixSelector>());
    case NodeKind::kSubquery:
      return EvalSubquery(expr.As<SubqueryExpr>());
    case NodeKind::kUnary:
      return EvalUnary(expr.As<UnaryExpr>());
    case NodeKind::kBinary:
      return EvalBinary(expr.As<BinaryExpr>());
    case NodeKind::kAggregate:
      return EvalAggregate(expr.As<AggregateExpr>());
    case NodeKind::kCall:
      return EvalCall(expr.As<Call>());
    case NodeKind::kDuration:
      break;
  }
  return absl::InternalError("unhandled expression in evaluation");
}

absl::StatusOr<Value> Evaluator::EvalStepInvariant(const Expr& expr) {
  Evaluator once(q_, start_, start_, interval_);
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value v, once.Eval(expr));
  for (SeriesPoints& s : v.matrix) {
    if (s.points.size() != 1) {
      return absl::InternalError("step invariant part without one sample");
    }
    const double value = s.points[0].v;
    const HistogramPtr h = s.HistAt(0);
    const int64_t cost = PointCost(h);
    s.points.reserve(NumSteps());
    for (int64_t ts = start_ + interval_; ts <= end_; ts += interval_) {
      s.Push(ts, value, h);
      VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(cost));
    }
  }
  return v;
}

namespace {

// Merges series that became equal after their names were dropped; points
// at the same time are Prometheus's duplicate-labelset error
// (mergeSeriesWithSameLabelset).
absl::Status MergeSameLabelset(Matrix* mat) {
  if (mat->size() <= 1) return absl::OkStatus();
  absl::flat_hash_map<uint64_t, size_t> first;
  first.reserve(mat->size());
  bool any_dup = false;
  for (size_t i = 0; i < mat->size(); ++i) {
    if (!first.emplace((*mat)[i].metric.Hash(), i).second) any_dup = true;
  }
  if (!any_dup) return absl::OkStatus();
  Matrix merged;
  absl::flat_hash_map<uint64_t, size_t> where;
  for (auto& s : *mat) {
    uint64_t h = s.metric.Hash();
    auto it = where.find(h);
    if (it == where.end()) {
      where.emplace(h, merged.size());
      merged.push_back(std::move(s));
      continue;
    }
    SeriesPoints& into = merged[it->second];
    std::vector<std::pair<Sample, HistogramPtr>> all;
    all.reserve(into.points.size() + s.points.size());
    for (size_t k = 0; k < into.points.size(); ++k) {
      all.emplace_back(into.points[k], into.HistAt(k));
    }
    for (size_t k = 0; k < s.points.size(); ++k) {
      all.emplace_back(s.points[k], s.HistAt(k));
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first.t < b.first.t;
    });
    for (size_t k = 1; k < all.size(); ++k) {
      if (all[k].first.t == all[k - 1].first.t) {
        return ExecError(kDuplicateLabelset);
      }
    }
    into.points.clear();
    into.hists.clear();
    for (auto& [p, h] : all) into.Push(p.t, p.v, std::move(h));
  }
  *mat = std::move(merged);
  return absl::OkStatus();
}

}  // namespace

absl::Status CleanupMetricLabels(Matrix* mat) {
  for (auto& s : *mat) {
    if (s.drop_name) {
      s.metric = DropMetadataLabels(s.metric);
      s.drop_name = false;
    }
  }
  return MergeSameLabelset(mat);
}

absl::StatusOr<Value> Evaluator::EvalUnary(const UnaryExpr& e) {
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value val, Eval(*e.expr));
  if (e.op != BinaryOp::kSub) return val;
  for (auto& s : val.matrix) {
    // Prometheus: unary minus drops the metric name like arithmetic does.
    if (e.expr->type() == ValueType::kVector) DropName(&s.metric, &s.drop_name);
    for (auto& p : s.points) p.v = -p.v;
    for (auto& h : s.hists) {
      if (h == nullptr) continue;
      auto neg = std::make_shared<FloatHistogram>(*h);
      neg->Mul(-1);
      h = std::move(neg);
    }
  }
  if (!q_->delayed_name_removal) {
    VIGIL_EVAL_RETURN_IF_ERROR(MergeSameLabelset(&val.matrix));
  }
  return val;
}

absl::StatusOr<Matrix> Evaluator::RangeEval(std::span<const Expr* const> exprs,
                                            const StepFn& fn) {
  int64_t original = q_->current_samples;
  std::vector<Matrix> mats(exprs.size());
  std::vector<Matrix*> inputs(exprs.size(), nullptr);
  for (size_t i = 0; i < exprs.size(); ++i) {
    // Functions take string arguments from the expression, not its value.
    if (exprs[i] == nullptr || exprs[i]->type() == ValueType::kString) {
      continue;
    }
    VIGIL_EVAL_ASSIGN_OR_RETURN(Value v, Eval(*exprs[i]));
    mats[i] = std::move(v.matrix);
    inputs[i] = &mats[i];
  }
  auto out = RangeEvalMatrices(inputs, fn);
  // The inputs are released; the result stays.
  if (out.ok()) q_->current_samples = original + MatrixCost(*out);
  return out;
}

namespace {

// Gathers the samples of `in` at `ts`, reusing the label copies of the
// previous step when the same series sits in the same slot.
size_t Gather(int64_t ts, StepInput* in) {
  size_t n = 0;
  if (in->matrix == nullptr) {
    in->vec.clear();
    in->series.clear();
    return 0;
  }
  const Matrix& m = *in->matrix;
  // Each series' points are a stream of their own, thousands of them, which
  // the hardware does not prefetch: fetch the next point a few series ahead.
  constexpr size_t kAhead = 8;
  for (size_t si = 0; si < m.size(); ++si) {
    if (si + kAhead < m.size()) {
      __builtin_prefetch(m[si + kAhead].points.data() +
                         in->cursor[si + kAhead]);
    }
    size_t& c = in->cursor[si];
    const auto& pts = m[si].points;
    while (c < pts.size() && pts[c].t < ts) ++c;
    if (c >= pts.size() || pts[c].t != ts) continue;
    if (n >= in->vec.size()) {
      in->vec.emplace_back();
      in->slot.push_back(-1);
    }
    EvalSample& s = in->vec[n];
    if (in->slot[n] != static_cast<int>(si)) {
      s.metric = m[si].metric;
      in->slot[n] = static_cast<int>(si);
    }
    s.t = ts;
    s.v = pts[c].v;
    s.h = m[si].HistAt(c);
    s.drop_name = m[si].drop_name;
    if (n >= in->series.size()) in->series.push_back(0);
    in->series[n] = static_cast<int>(si);
    ++c;
    ++n;
  }
  in->vec.resize(n);
  in->slot.resize(n);
  in->series.resize(n);
  return n;
}

}  // namespace

absl::StatusOr<Matrix> Evaluator::RangeEvalMatrices(
    std::span<Matrix* const> inputs, const StepFn& fn) {
  std::vector<StepInput> steps(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    steps[i].matrix = inputs[i];
    if (inputs[i] != nullptr) steps[i].cursor.assign(inputs[i]->size(), 0);
  }
  Matrix result;
  absl::flat_hash_map<uint64_t, size_t> by_hash;
  // The result series of each output position at the previous step: a
  // step's output mostly repeats the previous one's series in the same
  // order, under the very same labels.
  std::vector<size_t> last_slot;
  EvalVector out;
  int64_t temp_samples = q_->current_samples;
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    VIGIL_EVAL_RETURN_IF_ERROR(CheckCancel());
    q_->current_samples = temp_samples;
    // The gathered inputs point into matrices already counted (3.x's
    // gatherVector counts nothing); each step's output is held until the
    // end.
    for (auto& in : steps) Gather(ts, &in);
    out.clear();
    VIGIL_EVAL_RETURN_IF_ERROR(fn(ts, std::span<StepInput>(steps), &out));
    int64_t out_cost = 0;
    for (const EvalSample& s : out) out_cost += PointCost(s.h);
    VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(out_cost));
    temp_samples += out_cost;

    if (instant()) {
      // Prometheus keeps the function's order for instant queries (sort,
      // topk), checking for duplicates only when names are dropped eagerly.
      if (!q_->delayed_name_removal) {
        absl::flat_hash_set<uint64_t> seen;
        for (const auto& s : out) {
          if (!seen.insert(s.metric.Hash()).second) {
            return ExecError(kDuplicateLabelset);
          }
        }
      }
      result.reserve(out.size());
      for (auto& s : out) {
        SeriesPoints sp;
        sp.metric = std::move(s.metric);
        sp.drop_name = s.drop_name;
        sp.Push(ts, s.v, std::move(s.h));
        result.push_back(std::move(sp));
      }
      return result;
    }
    if (last_slot.size() < out.size()) last_slot.resize(out.size(), SIZE_MAX);
    constexpr size_t kAhead = 4;
    for (size_t i = 0; i < out.size(); ++i) {
      if (i + kAhead < out.size() && last_slot[i + kAhead] != SIZE_MAX) {
        const auto& pts = result[last_slot[i + kAhead]].points;
        __builtin_prefetch(pts.data() + pts.size(), 1);
      }
      EvalSample& s = out[i];
      size_t slot = last_slot[i];
      if (slot == SIZE_MAX || result[slot].metric != s.metric) {
        auto [it, inserted] =
            by_hash.try_emplace(s.metric.Hash(), result.size());
        slot = it->second;
        if (inserted) {
          SeriesPoints sp;
          sp.metric = std::move(s.metric);
          sp.drop_name = s.drop_name;
          sp.points.reserve(NumSteps());
          result.push_back(std::move(sp));
        }
      }
      if (!result[slot].points.empty() && result[slot].points.back().t == ts) {
        return ExecError(kDuplicateLabelset);
      }
      result[slot].Push(ts, s.v, std::move(s.h));
      last_slot[i] = slot;
    }
  }
  return result;
}

}  // namespace vigil::promql::eval
