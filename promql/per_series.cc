#include "promql/per_series.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"

namespace vigil::promql::eval {
namespace {

// What RangeEvalMatrices counts at each step — the output of the steps so
// far, over what the inputs already hold (gathering a step's inputs counts
// nothing, as in Prometheus 3.x) — so that the sample limit fails where it
// would have failed step by step. Only float series come this way: a point
// costs 1.
class StepCounts {
 public:
  explicit StepCounts(const Evaluator& ev)
      : ev_(ev), added_(ev.NumSteps(), 0) {}

  void Output(const Matrix& m) {
    for (const SeriesPoints& s : m) {
      for (const Sample& p : s.points) {
        const size_t k =
            static_cast<size_t>((p.t - ev_.start()) / ev_.interval());
        if (p.t >= ev_.start() && k < added_.size()) ++added_[k];
      }
    }
  }

  absl::Status Check(Evaluator& ev) const {
    QueryState& q = ev.state();
    int64_t temp = q.current_samples;
    for (size_t k = 0; k < added_.size(); ++k) {
      VIGIL_EVAL_RETURN_IF_ERROR(ev.CheckCancel());
      q.current_samples = temp;
      VIGIL_EVAL_RETURN_IF_ERROR(ev.AddSamples(added_[k]));
      temp += added_[k];
    }
    return absl::OkStatus();
  }

 private:
  const Evaluator& ev_;
  std::vector<int64_t> added_;
};

// Keeps the points of `pts` whose time is (want_present) or is not in
// `present` (sorted by time).
void KeepWhere(std::vector<Sample>& pts, std::span<const Sample> present,
               bool want_present) {
  size_t w = 0;
  size_t j = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    while (j < present.size() && present[j].t < pts[i].t) ++j;
    const bool here = j < present.size() && present[j].t == pts[i].t;
    if (here == want_present) pts[w++] = pts[i];
  }
  pts.resize(w);
}

// Step by step, a series enters the output at the first step it has a
// point, after those entering earlier and, at the same step, in the order
// the step's output lists them (the left side's series, then the right's,
// each in input order). Sorting by that key gives the same order.
struct Place {
  int64_t first_t;
  int side;
  size_t index;
  SeriesPoints* series;
  friend bool operator<(const Place& a, const Place& b) {
    return std::tie(a.first_t, a.side, a.index) <
           std::tie(b.first_t, b.side, b.index);
  }
};

Matrix InOutputOrder(std::vector<Place> places) {
  std::sort(places.begin(), places.end());
  Matrix out;
  out.reserve(places.size());
  for (Place& p : places) out.push_back(std::move(*p.series));
  return out;
}

// The times at which some series of each signature of one side has a
// point.
class Presence {
 public:
  Presence(const Matrix& m, const std::vector<int>& sigs, size_t n)
      : m_(m), first_(n, -1), merged_(n), multi_(n, 0) {
    for (size_t i = 0; i < m.size(); ++i) {
      const int s = sigs[i];
      if (first_[s] < 0) {
        first_[s] = static_cast<int>(i);
      } else {
        multi_[s] = 1;
      }
    }
    if (std::find(multi_.begin(), multi_.end(), 1) == multi_.end()) return;
    members_.resize(n);
    for (size_t i = 0; i < m.size(); ++i) {
      if (multi_[sigs[i]]) members_[sigs[i]].push_back(static_cast<int>(i));
    }
  }

  std::span<const Sample> Of(int sig) {
    if (first_[sig] < 0) return {};
    if (!multi_[sig]) return m_[first_[sig]].points;
    std::vector<Sample>& all = merged_[sig];
    if (all.empty()) {
      for (int i : members_[sig]) {
        all.insert(all.end(), m_[i].points.begin(), m_[i].points.end());
      }
      std::sort(all.begin(), all.end(),
                [](const Sample& a, const Sample& b) { return a.t < b.t; });
      all.erase(std::unique(all.begin(), all.end(),
                            [](const Sample& a, const Sample& b) {
                              return a.t == b.t;
                            }),
                all.end());
    }
    return all;
  }

 private:
  const Matrix& m_;
  std::vector<int> first_;
  std::vector<std::vector<Sample>> merged_;
  std::vector<uint8_t> multi_;
  std::vector<std::vector<int>> members_;
};

}  // namespace

bool FloatsOnly(const Matrix& m) {
  for (const SeriesPoints& s : m) {
    if (!s.hists.empty()) return false;
  }
  return true;
}

absl::StatusOr<Matrix> CompareWithNumber(Evaluator& ev, BinaryOp op, Matrix vec,
                                         const Matrix& number,
                                         bool number_left) {
  StepCounts counts(ev);
  // The number at each step (a literal: the same at every one).
  std::vector<double> at(ev.NumSteps(), 0);
  std::vector<uint8_t> has(ev.NumSteps(), 0);
  for (const SeriesPoints& s : number) {
    for (const Sample& p : s.points) {
      const size_t k = static_cast<size_t>((p.t - ev.start()) / ev.interval());
      if (p.t < ev.start() || k >= at.size() || has[k]) continue;
      at[k] = p.v;
      has[k] = 1;
    }
  }
  std::vector<Place> places;
  for (size_t i = 0; i < vec.size(); ++i) {
    std::vector<Sample>& pts = vec[i].points;
    size_t w = 0;
    for (const Sample& p : pts) {
      const size_t k = static_cast<size_t>((p.t - ev.start()) / ev.interval());
      if (p.t < ev.start() || k >= at.size() || !has[k]) continue;
      // As the step-by-step path computes it (binary_ops.cc).
      double lf = p.v;
      double rf = at[k];
      if (number_left) std::swap(lf, rf);
      ElemResult r = VectorElemBinop(op, lf, rf);
      if (number_left) r.value = rf;
      if (!r.keep) continue;
      pts[w++] = {p.t, r.value};
    }
    pts.resize(w);
    if (w > 0) places.push_back({pts.front().t, 0, i, &vec[i]});
  }
  Matrix out = InOutputOrder(std::move(places));
  counts.Output(out);
  VIGIL_EVAL_RETURN_IF_ERROR(counts.Check(ev));
  return out;
}

absl::StatusOr<Matrix> SetOpBySeries(Evaluator& ev, BinaryOp op, Matrix lhs,
                                     Matrix rhs, const std::vector<int>& lsigs,
                                     const std::vector<int>& rsigs,
                                     size_t sigs) {
  StepCounts counts(ev);
  std::vector<Place> places;
  if (op == BinaryOp::kAnd || op == BinaryOp::kUnless) {
    Presence right(rhs, rsigs, sigs);
    for (size_t i = 0; i < lhs.size(); ++i) {
      KeepWhere(lhs[i].points, right.Of(lsigs[i]), op == BinaryOp::kAnd);
      if (!lhs[i].points.empty()) {
        places.push_back({lhs[i].points.front().t, 0, i, &lhs[i]});
      }
    }
  } else {
    // or: every left point, and the right's where no left series of the
    // signature has one. A right series with a left one's labels joins it
    // (never at the same step: equal labels, equal signature).
    Presence left(lhs, lsigs, sigs);
    absl::flat_hash_map<uint64_t, absl::InlinedVector<size_t, 1>> by_hash;
    for (size_t i = 0; i < lhs.size(); ++i) {
      by_hash[lhs[i].metric.Hash()].push_back(i);
    }
    std::vector<size_t> place_of(lhs.size(), SIZE_MAX);
    for (size_t i = 0; i < lhs.size(); ++i) {
      if (lhs[i].points.empty()) continue;
      place_of[i] = places.size();
      places.push_back({lhs[i].points.front().t, 0, i, &lhs[i]});
    }
    for (size_t j = 0; j < rhs.size(); ++j) {
      SeriesPoints& r = rhs[j];
      KeepWhere(r.points, left.Of(rsigs[j]), false);
      if (r.points.empty()) continue;
      size_t same = SIZE_MAX;
      if (auto it = by_hash.find(r.metric.Hash()); it != by_hash.end()) {
        for (size_t i : it->second) {
          if (lhs[i].metric == r.metric) same = i;
        }
      }
      if (same == SIZE_MAX || lhs[same].points.empty()) {
        places.push_back({r.points.front().t, 1, j, &r});
        continue;
      }
      SeriesPoints& l = lhs[same];
      Place& p = places[place_of[same]];
      if (r.points.front().t < l.points.front().t) {
        // The right series came first: the joined series is its.
        p = {r.points.front().t, 1, j, &l};
        l.metric = r.metric;
        l.drop_name = r.drop_name;
      }
      std::vector<Sample> joined;
      joined.reserve(l.points.size() + r.points.size());
      std::merge(l.points.begin(), l.points.end(), r.points.begin(),
                 r.points.end(), std::back_inserter(joined),
                 [](const Sample& a, const Sample& b) { return a.t < b.t; });
      l.points = std::move(joined);
    }
  }
  Matrix out = InOutputOrder(std::move(places));
  counts.Output(out);
  VIGIL_EVAL_RETURN_IF_ERROR(counts.Check(ev));
  return out;
}

}  // namespace vigil::promql::eval
