// Binary operators between two instant vectors: one-to-one, many-to-one and
// one-to-many matching with on/ignoring, group_left/group_right, the set
// operators and the experimental fill modifiers, with Prometheus's errors.
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/model/label_text.h"
#include "promql/evaluator.h"

namespace vigil::promql::eval {

namespace {

constexpr std::string_view kOneToOneDuplicate =
    "multiple matches for labels: many-to-one matching must be explicit "
    "(group_left/group_right)";
constexpr std::string_view kManyToOneDuplicate =
    "multiple matches for labels: grouping labels must ensure unique matches";

// The labels of a matched pair (Prometheus's resultMetric): the many side's
// labels, without the name for arithmetic, reduced to the matching labels
// for one-to-one matching, plus the group_x labels from the one side.
Labels ResultMetric(const Labels& lhs, const Labels& rhs, BinaryOp op,
                    const VectorMatching& m) {
  LabelsBuilder b(lhs);
  if (IsArithmetic(op)) {
    b.Del(kMetricName);
    b.Del("__type__");
    b.Del("__unit__");
  }
  if (m.card == MatchCardinality::kOneToOne) {
    if (m.on) {
      b.Keep(m.matching_labels);
    } else {
      for (const auto& n : m.matching_labels) b.Del(n);
    }
  }
  for (const auto& n : m.include) {
    std::string_view v = rhs.Get(n);
    if (!v.empty()) {
      b.Set(n, v);
    } else {
      b.Del(n);
    }
  }
  return b.Build();
}

struct Side {
  const EvalVector* vec;
  const std::vector<int>* series;  // source series index per element
  const std::vector<int>* sigs;    // signature ordinal per source series
  int Sig(size_t i) const { return (*sigs)[(*series)[i]]; }
};

}  // namespace

absl::StatusOr<Value> Evaluator::EvalVectorBinary(const BinaryExpr& e) {
  VectorMatching set_default;
  set_default.card = MatchCardinality::kManyToMany;
  const VectorMatching& m =
      e.matching ? *e.matching
                 : (IsSetOperator(e.op) ? set_default : VectorMatching{});

  int64_t original = q_->current_samples;
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value lv, Eval(*e.lhs));
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value rv, Eval(*e.rhs));

  // Join signatures, computed once per series and numbered.
  std::vector<std::string> names = m.matching_labels;
  std::sort(names.begin(), names.end());
  absl::flat_hash_map<uint64_t, int> ordinals;
  std::vector<int> lsigs(lv.matrix.size());
  std::vector<int> rsigs(rv.matrix.size());
  auto number = [&](const Matrix& mat, std::vector<int>* sigs) {
    for (size_t i = 0; i < mat.size(); ++i) {
      uint64_t h = mat[i].metric.HashFor(names, m.on);
      auto [it, _] = ordinals.try_emplace(h, static_cast<int>(ordinals.size()));
      (*sigs)[i] = it->second;
    }
  };
  number(lv.matrix, &lsigs);
  number(rv.matrix, &rsigs);
  const size_t num_sigs = ordinals.size();

  std::vector<uint8_t> present(num_sigs, 0);
  std::vector<int> right_at(num_sigs, -1);
  std::vector<int> touched;
  absl::flat_hash_set<int> matched_one;
  absl::flat_hash_set<std::pair<int, uint64_t>> matched_many;
  absl::flat_hash_map<uint64_t, Labels> result_cache;
  const bool delayed = q_->delayed_name_removal;

  auto set_op = [&](int64_t, std::span<StepInput> in,
                    EvalVector* out) -> absl::Status {
    Side l{&in[0].vec, &in[0].series, &lsigs};
    Side r{&in[1].vec, &in[1].series, &rsigs};
    const EvalVector& lhs = in[0].vec;
    const EvalVector& rhs = in[1].vec;
    for (int s : touched) present[s] = 0;
    touched.clear();
    switch (e.op) {
      case BinaryOp::kAnd:
        if (lhs.empty() || rhs.empty()) return absl::OkStatus();
        for (size_t i = 0; i < rhs.size(); ++i) {
          present[r.Sig(i)] = 1;
          touched.push_back(r.Sig(i));
        }
        for (size_t i = 0; i < lhs.size(); ++i) {
          if (present[l.Sig(i)]) out->push_back(lhs[i]);
        }
        break;
      case BinaryOp::kOr:
        out->insert(out->end(), lhs.begin(), lhs.end());
        for (size_t i = 0; i < lhs.size(); ++i) {
          present[l.Sig(i)] = 1;
          touched.push_back(l.Sig(i));
        }
        for (size_t i = 0; i < rhs.size(); ++i) {
          if (!present[r.Sig(i)]) out->push_back(rhs[i]);
        }
        break;
      case BinaryOp::kUnless:
        for (size_t i = 0; i < rhs.size(); ++i) {
          present[r.Sig(i)] = 1;
          touched.push_back(r.Sig(i));
        }
        for (size_t i = 0; i < lhs.size(); ++i) {
          if (!present[l.Sig(i)]) out->push_back(lhs[i]);
        }
        break;
      default:
        break;
    }
    return absl::OkStatus();
  };

  auto binop = [&](int64_t, std::span<StepInput> in,
                   EvalVector* out) -> absl::Status {
    Side l{&in[0].vec, &in[0].series, &lsigs};
    Side r{&in[1].vec, &in[1].series, &rsigs};
    const bool no_fill = !m.fill_left && !m.fill_right;
    if ((l.vec->empty() && r.vec->empty()) ||
        ((l.vec->empty() || r.vec->empty()) && no_fill)) {
      return absl::OkStatus();
    }
    // One-to-many is many-to-one with the sides swapped.
    const bool swapped = m.card == MatchCardinality::kOneToMany;
    if (swapped) std::swap(l, r);
    // Prometheus applies fill_right to a missing "one" side and fill_left to
    // a missing "many" side, whichever way the matching goes.
    const std::optional<double> fill_r = m.fill_right;
    const std::optional<double> fill_l = m.fill_left;

    for (int s : touched) right_at[s] = -1;
    touched.clear();
    for (size_t i = 0; i < r.vec->size(); ++i) {
      int sig = r.Sig(i);
      if (right_at[sig] >= 0) {
        const EvalSample& rs = (*r.vec)[i];
        const EvalSample& dup = (*r.vec)[right_at[sig]];
        return ExecError(absl::StrCat(
            "found duplicate series for the match group ",
            GoLabelsString(MatchLabels(rs.metric, m.on, m.matching_labels)),
            " on the ", swapped ? "left" : "right",
            " hand-side of the operation: [", GoLabelsString(dup.metric), ", ",
            GoLabelsString(rs.metric),
            "];many-to-many matching not allowed: matching labels must be "
            "unique on one side"));
      }
      right_at[sig] = static_cast<int>(i);
      touched.push_back(sig);
    }
    matched_one.clear();
    matched_many.clear();

    // `li`/`ri` index the elements, -1 for a fill value standing in.
    auto apply = [&](int li, int ri, int sig) -> absl::Status {
      const EvalSample* ls = li >= 0 ? &(*l.vec)[li] : nullptr;
      const EvalSample* rs = ri >= 0 ? &(*r.vec)[ri] : nullptr;
      double fl = ls ? ls->v : *fill_l;
      double fr = rs ? rs->v : *fill_r;
      if (swapped) std::swap(fl, fr);
      ElemResult res = VectorElemBinop(e.op, fl, fr);
      if (e.return_bool) res.value = res.keep ? 1 : 0;

      uint64_t key =
          (static_cast<uint64_t>(li >= 0 ? (*l.series)[li] + 1 : 0) << 32) |
          static_cast<uint64_t>(ri >= 0 ? (*r.series)[ri] + 1 : 0);
      auto it = result_cache.find(key);
      if (it == result_cache.end()) {
        // A missing side filled in carries only the matching labels.
        Labels lm =
            ls ? ls->metric : MatchLabels(rs->metric, m.on, m.matching_labels);
        Labels rm =
            rs ? rs->metric : MatchLabels(ls->metric, m.on, m.matching_labels);
        Labels metric = ResultMetric(lm, rm, e.op, m);
        if (!delayed && e.return_bool) metric = DropMetadataLabels(metric);
        it = result_cache.emplace(key, std::move(metric)).first;
      }
      const Labels& metric = it->second;
      if (m.card == MatchCardinality::kOneToOne) {
        if (!matched_one.insert(sig).second) {
          return ExecError(kOneToOneDuplicate);
        }
      } else {
        matched_one.insert(sig);
        if (!matched_many.insert({sig, metric.Hash()}).second) {
          return ExecError(kManyToOneDuplicate);
        }
      }
      if (!res.keep && !e.return_bool) return absl::OkStatus();
      EvalSample o;
      o.metric = metric;
      o.v = res.value;
      o.drop_name = e.return_bool;
      out->push_back(std::move(o));
      return absl::OkStatus();
    };

    for (size_t i = 0; i < l.vec->size(); ++i) {
      int sig = l.Sig(i);
      int ri = right_at[sig];
      if (ri < 0 && !fill_r) continue;
      VIGIL_EVAL_RETURN_IF_ERROR(apply(static_cast<int>(i), ri, sig));
    }
    if (fill_l) {
      for (size_t i = 0; i < r.vec->size(); ++i) {
        int sig = r.Sig(i);
        if (matched_one.contains(sig)) continue;
        VIGIL_EVAL_RETURN_IF_ERROR(apply(-1, static_cast<int>(i), sig));
      }
    }
    return absl::OkStatus();
  };

  Matrix* inputs[] = {&lv.matrix, &rv.matrix};
  Value out;
  if (IsSetOperator(e.op)) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(out.matrix, RangeEvalMatrices(inputs, set_op));
  } else {
    VIGIL_EVAL_ASSIGN_OR_RETURN(out.matrix, RangeEvalMatrices(inputs, binop));
  }
  int64_t total = 0;
  for (const auto& s : out.matrix) total += s.points.size();
  q_->current_samples = original + total;
  return out;
}

}  // namespace vigil::promql::eval
