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
#include "promql/per_series.h"

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

// The matching of one binary expression over all steps: the join signature
// of every input series, numbered once, and the per-step scratch state
// reused from step to step.
class VectorMatcher {
 public:
  VectorMatcher(const BinaryExpr& e, const VectorMatching& m,
                bool delayed_name_removal, const Matrix& lhs,
                const Matrix& rhs);

  // and, or, unless at one step.
  absl::Status SetOp(std::span<StepInput> in, EvalVector* out);
  // The other operators at one step: one-to-one or many-to-one (one-to-many
  // swapped), with the fill modifiers.
  absl::Status Binop(std::span<StepInput> in, EvalVector* out);
  // Where histogram operations report their annotations.
  void set_annotations(Annotations* a) { annotations_ = a; }
  // The signature ordinal of each input series, and how many there are.
  const std::vector<int>& lsigs() const { return lsigs_; }
  const std::vector<int>& rsigs() const { return rsigs_; }
  size_t num_sigs() const { return present_.size(); }

 private:
  Side LeftOf(std::span<StepInput> in) const {
    return Side{&in[0].vec, &in[0].series, &lsigs_};
  }
  Side RightOf(std::span<StepInput> in) const {
    return Side{&in[1].vec, &in[1].series, &rsigs_};
  }
  // Flags the signatures of `side` present for this step.
  void MarkPresent(const Side& side);
  // Indexes the "one" side by signature; fails on a duplicate.
  absl::Status IndexOneSide(const Side& r, bool swapped);
  // The result of one matched pair; `li`/`ri` index the elements, -1 for a
  // fill value standing in.
  absl::Status ApplyPair(const Side& l, const Side& r, int li, int ri, int sig,
                         bool swapped, EvalVector* out);
  // The result labels of a pair, computed once per pair of source series.
  const Labels& PairMetric(const Side& l, const Side& r, int li, int ri);

  const BinaryExpr& e_;
  const VectorMatching& m_;
  const bool delayed_;
  Annotations* annotations_ = nullptr;
  std::vector<int> lsigs_;
  std::vector<int> rsigs_;
  std::vector<uint8_t> present_;
  std::vector<int> right_at_;
  std::vector<int> touched_;
  absl::flat_hash_set<int> matched_one_;
  absl::flat_hash_set<std::pair<int, uint64_t>> matched_many_;
  absl::flat_hash_map<uint64_t, Labels> result_cache_;
};

VectorMatcher::VectorMatcher(const BinaryExpr& e, const VectorMatching& m,
                             bool delayed_name_removal, const Matrix& lhs,
                             const Matrix& rhs)
    : e_(e),
      m_(m),
      delayed_(delayed_name_removal),
      lsigs_(lhs.size()),
      rsigs_(rhs.size()) {
  std::vector<std::string> names = m.matching_labels;
  std::sort(names.begin(), names.end());
  absl::flat_hash_map<uint64_t, int> ordinals;
  auto number = [&](const Matrix& mat, std::vector<int>* sigs) {
    for (size_t i = 0; i < mat.size(); ++i) {
      uint64_t h = mat[i].metric.HashFor(names, m.on);
      auto [it, _] = ordinals.try_emplace(h, static_cast<int>(ordinals.size()));
      (*sigs)[i] = it->second;
    }
  };
  number(lhs, &lsigs_);
  number(rhs, &rsigs_);
  present_.assign(ordinals.size(), 0);
  right_at_.assign(ordinals.size(), -1);
}

void VectorMatcher::MarkPresent(const Side& side) {
  for (size_t i = 0; i < side.vec->size(); ++i) {
    present_[side.Sig(i)] = 1;
    touched_.push_back(side.Sig(i));
  }
}

absl::Status VectorMatcher::SetOp(std::span<StepInput> in, EvalVector* out) {
  Side l = LeftOf(in);
  Side r = RightOf(in);
  const EvalVector& lhs = in[0].vec;
  const EvalVector& rhs = in[1].vec;
  for (int s : touched_) present_[s] = 0;
  touched_.clear();
  switch (e_.op) {
    case BinaryOp::kAnd:
      if (lhs.empty() || rhs.empty()) return absl::OkStatus();
      MarkPresent(r);
      for (size_t i = 0; i < lhs.size(); ++i) {
        if (present_[l.Sig(i)]) out->push_back(lhs[i]);
      }
      break;
    case BinaryOp::kOr:
      out->insert(out->end(), lhs.begin(), lhs.end());
      MarkPresent(l);
      for (size_t i = 0; i < rhs.size(); ++i) {
        if (!present_[r.Sig(i)]) out->push_back(rhs[i]);
      }
      break;
    case BinaryOp::kUnless:
      MarkPresent(r);
      for (size_t i = 0; i < lhs.size(); ++i) {
        if (!present_[l.Sig(i)]) out->push_back(lhs[i]);
      }
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status VectorMatcher::IndexOneSide(const Side& r, bool swapped) {
  for (int s : touched_) right_at_[s] = -1;
  touched_.clear();
  for (size_t i = 0; i < r.vec->size(); ++i) {
    int sig = r.Sig(i);
    if (right_at_[sig] >= 0) {
      const EvalSample& rs = (*r.vec)[i];
      const EvalSample& dup = (*r.vec)[right_at_[sig]];
      return ExecError(absl::StrCat(
          "found duplicate series for the match group ",
          GoLabelsString(MatchLabels(rs.metric, m_.on, m_.matching_labels)),
          " on the ", swapped ? "left" : "right",
          " hand-side of the operation: [", GoLabelsString(dup.metric), ", ",
          GoLabelsString(rs.metric),
          "];many-to-many matching not allowed: matching labels must be "
          "unique on one side"));
    }
    right_at_[sig] = static_cast<int>(i);
    touched_.push_back(sig);
  }
  return absl::OkStatus();
}

const Labels& VectorMatcher::PairMetric(const Side& l, const Side& r, int li,
                                        int ri) {
  uint64_t key =
      (static_cast<uint64_t>(li >= 0 ? (*l.series)[li] + 1 : 0) << 32) |
      static_cast<uint64_t>(ri >= 0 ? (*r.series)[ri] + 1 : 0);
  auto it = result_cache_.find(key);
  if (it == result_cache_.end()) {
    const EvalSample* ls = li >= 0 ? &(*l.vec)[li] : nullptr;
    const EvalSample* rs = ri >= 0 ? &(*r.vec)[ri] : nullptr;
    // A missing side filled in carries only the matching labels.
    Labels lm =
        ls ? ls->metric : MatchLabels(rs->metric, m_.on, m_.matching_labels);
    Labels rm =
        rs ? rs->metric : MatchLabels(ls->metric, m_.on, m_.matching_labels);
    Labels metric = ResultMetric(lm, rm, e_.op, m_);
    if (!delayed_ && e_.return_bool) metric = DropMetadataLabels(metric);
    it = result_cache_.emplace(key, std::move(metric)).first;
  }
  return it->second;
}

absl::Status VectorMatcher::ApplyPair(const Side& l, const Side& r, int li,
                                      int ri, int sig, bool swapped,
                                      EvalVector* out) {
  // Prometheus applies fill_right to a missing "one" side and fill_left to
  // a missing "many" side, whichever way the matching goes.
  double fl = li >= 0 ? (*l.vec)[li].v : *m_.fill_left;
  double fr = ri >= 0 ? (*r.vec)[ri].v : *m_.fill_right;
  HistogramPtr hl = li >= 0 ? (*l.vec)[li].h : nullptr;
  HistogramPtr hr = ri >= 0 ? (*r.vec)[ri].h : nullptr;
  if (swapped) {
    std::swap(fl, fr);
    std::swap(hl, hr);
  }
  ElemResult res;
  HistogramPtr res_h;
  bool incompatible = false;
  if (hl != nullptr || hr != nullptr) {
    HistElemResult hres =
        HistogramElemBinop(e_.op, fl, fr, hl, hr, e_.pos, annotations_);
    res.value = hres.value;
    res.keep = hres.keep;
    incompatible = hres.incompatible;
    if (!e_.return_bool) res_h = std::move(hres.h);
  } else if (IsTrim(e_.op)) {
    NoteFloatTrim(e_.op, e_.pos, annotations_);
    incompatible = true;
  } else {
    res = VectorElemBinop(e_.op, fl, fr);
  }
  if (e_.return_bool) res.value = res.keep ? 1 : 0;

  const Labels& metric = PairMetric(l, r, li, ri);
  if (m_.card == MatchCardinality::kOneToOne) {
    if (!matched_one_.insert(sig).second) {
      return ExecError(kOneToOneDuplicate);
    }
  } else {
    matched_one_.insert(sig);
    if (!matched_many_.insert({sig, metric.Hash()}).second) {
      return ExecError(kManyToOneDuplicate);
    }
  }
  if (incompatible || (!res.keep && !e_.return_bool)) return absl::OkStatus();
  EvalSample o;
  o.metric = metric;
  o.v = res.value;
  o.h = std::move(res_h);
  o.drop_name = e_.return_bool;
  out->push_back(std::move(o));
  return absl::OkStatus();
}

absl::Status VectorMatcher::Binop(std::span<StepInput> in, EvalVector* out) {
  Side l = LeftOf(in);
  Side r = RightOf(in);
  const bool no_fill = !m_.fill_left && !m_.fill_right;
  if ((l.vec->empty() && r.vec->empty()) ||
      ((l.vec->empty() || r.vec->empty()) && no_fill)) {
    return absl::OkStatus();
  }
  // One-to-many is many-to-one with the sides swapped.
  const bool swapped = m_.card == MatchCardinality::kOneToMany;
  if (swapped) std::swap(l, r);
  VIGIL_EVAL_RETURN_IF_ERROR(IndexOneSide(r, swapped));
  matched_one_.clear();
  matched_many_.clear();

  for (size_t i = 0; i < l.vec->size(); ++i) {
    int sig = l.Sig(i);
    int ri = right_at_[sig];
    if (ri < 0 && !m_.fill_right) continue;
    VIGIL_EVAL_RETURN_IF_ERROR(
        ApplyPair(l, r, static_cast<int>(i), ri, sig, swapped, out));
  }
  if (m_.fill_left) {
    // The "one" side's samples that nothing matched, against the fill.
    for (size_t i = 0; i < r.vec->size(); ++i) {
      int sig = r.Sig(i);
      if (matched_one_.contains(sig)) continue;
      VIGIL_EVAL_RETURN_IF_ERROR(
          ApplyPair(l, r, -1, static_cast<int>(i), sig, swapped, out));
    }
  }
  return absl::OkStatus();
}

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

  VectorMatcher matcher(e, m, q_->delayed_name_removal, lv.matrix, rv.matrix);
  matcher.set_annotations(&q_->annotations);
  Matrix* inputs[] = {&lv.matrix, &rv.matrix};
  Value out;
  if (IsSetOperator(e.op) && !instant() && !q_->delayed_name_removal &&
      FloatsOnly(lv.matrix) && FloatsOnly(rv.matrix)) {
    // Over a range, series by series (per_series.h): the same result
    // without gathering and refiling every sample at every step.
    VIGIL_EVAL_ASSIGN_OR_RETURN(
        out.matrix,
        SetOpBySeries(*this, e.op, std::move(lv.matrix), std::move(rv.matrix),
                      matcher.lsigs(), matcher.rsigs(), matcher.num_sigs()));
  } else if (IsSetOperator(e.op)) {
    VIGIL_EVAL_ASSIGN_OR_RETURN(
        out.matrix,
        RangeEvalMatrices(
            inputs, [&](int64_t, std::span<StepInput> in, EvalVector* res) {
              return matcher.SetOp(in, res);
            }));
  } else {
    VIGIL_EVAL_ASSIGN_OR_RETURN(
        out.matrix,
        RangeEvalMatrices(
            inputs, [&](int64_t, std::span<StepInput> in, EvalVector* res) {
              return matcher.Binop(in, res);
            }));
  }
  int64_t total = 0;
  for (const auto& s : out.matrix) total += s.points.size();
  q_->current_samples = original + total;
  return out;
}

}  // namespace vigil::promql::eval
