// Instant and range vector selectors: reading each selector's series once,
// the lookback window with staleness, offset and `@`.
#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/model/go_quote.h"
#include "promql/evaluator.h"
#include "promql/functions/interpolate.h"
#include "promql/worker_pool.h"

namespace vigil::promql::eval {

int64_t Evaluator::OffsetOf(const VectorSelector& vs) const {
  if (vs.offset_expr != nullptr) {
    auto it = q_->durations.find(vs.offset_expr.get());
    if (it != q_->durations.end()) return it->second;
  }
  return vs.offset_ms;
}

int64_t Evaluator::RangeOf(const MatrixSelector& ms) const {
  if (ms.range_expr != nullptr) {
    auto it = q_->durations.find(ms.range_expr.get());
    if (it != q_->durations.end()) return it->second;
  }
  return ms.range_ms;
}

std::optional<int64_t> Evaluator::AtOf(std::optional<int64_t> at_ms,
                                       AtModifier modifier) const {
  switch (modifier) {
    case AtModifier::kStart:
      return q_->query_start;
    case AtModifier::kEnd:
      return q_->query_end;
    case AtModifier::kNone:
      break;
  }
  return at_ms;
}

namespace {

// Prometheus's HistogramStatsIterator: an Unknown hint becomes CounterReset
// or NotCounterReset by comparison with the previous sample read.
void ResolveResetHints(std::vector<HistogramPtr>* hists) {
  for (size_t i = 1; i < hists->size(); ++i) {
    HistogramPtr& h = (*hists)[i];
    const HistogramPtr& prev = (*hists)[i - 1];
    if (h == nullptr || prev == nullptr ||
        h->counter_reset_hint != CounterResetHint::kUnknown) {
      continue;
    }
    auto copy = std::make_shared<FloatHistogram>(*h);
    copy->counter_reset_hint = h->DetectReset(*prev)
                                   ? CounterResetHint::kCounterReset
                                   : CounterResetHint::kNotCounterReset;
    h = std::move(copy);
  }
}

struct SelectScratch {
  std::vector<Sample> samples;
  std::vector<int64_t> st;
  std::vector<HistogramPtr> hists;
};

// The samples of `it` within `range` into `sel`, whose labels are set.
void ReadSeries(SampleIterator& it, const SelectRange& range, bool stats,
                SelectScratch& scratch, SelectedSeries* out) {
  SelectedSeries& sel = *out;
  scratch.samples.clear();
  scratch.st.clear();
  scratch.hists.clear();
  bool any_h = false;
  // Start timestamps are read only from iterators that may have them.
  const bool with_st = it.HasStartTimestamps();
  bool any_st = false;
  if (it.Seek(range.mint)) {
    do {
      Sample smp = it.At();
      if (smp.t > range.maxt) break;
      HistogramPtr h = it.AtHistogram();
      if (h != nullptr) {
        if (IsStaleNaN(h->sum)) {
          smp.v = StaleNaN();
          h = nullptr;
        } else {
          smp.v = 0;
          if (!any_h) scratch.hists.resize(scratch.samples.size());
          any_h = true;
        }
      }
      if (IsStaleNaN(smp.v)) sel.has_stale = true;
      scratch.samples.push_back(smp);
      if (any_h) scratch.hists.push_back(std::move(h));
      if (with_st) {
        const int64_t st = it.AtST();
        any_st = any_st || st != 0;
        scratch.st.push_back(st);
      }
    } while (it.Next());
  }
  sel.samples.assign(scratch.samples.begin(), scratch.samples.end());
  if (any_st) sel.st.assign(scratch.st.begin(), scratch.st.end());
  if (any_h) {
    sel.hists.assign(scratch.hists.begin(), scratch.hists.end());
    if (stats) ResolveResetHints(&sel.hists);
  }
  if (sel.has_stale) {
    sel.fresh.reserve(sel.samples.size());
    if (any_st) sel.fresh_st.reserve(sel.samples.size());
    for (size_t i = 0; i < sel.samples.size(); ++i) {
      if (IsStaleNaN(sel.samples[i].v)) continue;
      sel.fresh.push_back(sel.samples[i]);
      if (any_st) sel.fresh_st.push_back(sel.st[i]);
      if (any_h) sel.fresh_hists.push_back(sel.hists[i]);
    }
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<std::vector<SelectedSeries>>> Evaluator::Select(
    const VectorSelector& vs) {
  auto cached = q_->selections.find(&vs);
  if (cached != q_->selections.end()) return cached->second;

  SelectRange range;
  auto r = q_->select_ranges.find(&vs);
  if (r != q_->select_ranges.end()) {
    range = r->second;
  } else {
    range = {q_->query_start - q_->lookback_ms, q_->query_end};
  }
  SelectHints hints{range.mint, range.maxt};
  // An instant query's answer is a vector in no particular order (as
  // Prometheus's); a range query's matrix is sorted by labels, which is
  // cheapest at the source (engine.cc checks before it sorts). Sorting a
  // selection of 10k pods' series was ~8 % of a rule cycle.
  hints.sorted = q_->query_start != q_->query_end;
  auto series = q_->querier->Select(hints, vs.matchers);
  if (!series.ok()) {
    return absl::Status(
        series.status().code(),
        absl::StrCat("expanding series: ", series.status().message()));
  }
  const size_t n = series->size();
  auto out = std::make_shared<std::vector<SelectedSeries>>(n);
  // Decoding is most of a large range selection's cost: with iterators that
  // may move to another thread, the series are decoded in parts on the
  // worker pool too. The selected range stands in for the number of
  // samples, at one a minute.
  const int64_t estimate =
      static_cast<int64_t>(n) * ((range.maxt - range.mint) / 60'000 + 1);
  const int64_t min_parallel = q_->options->parallel_min_samples;
  const bool may_split = min_parallel >= 0 && estimate >= min_parallel;
  const bool stats = q_->stats_selectors.contains(&vs);
  const std::thread::id caller = std::this_thread::get_id();
  // Iterators are made on this thread (a Querier's series belong to it), a
  // round at a time so that a large selection does not hold them all.
  constexpr size_t kRound = 1024;
  std::vector<std::unique_ptr<SampleIterator>> iters;
  for (size_t r0 = 0; r0 < n; r0 += kRound) {
    const size_t rn = std::min(kRound, n - r0);
    iters.resize(rn);
    bool movable = true;
    for (size_t i = 0; i < rn; ++i) {
      (*out)[r0 + i].metric = (*series)[r0 + i]->labels();
      iters[i] = (*series)[r0 + i]->Iterator();
      movable = movable && iters[i]->ThreadMovable();
    }
    const bool parallel = may_split && movable && rn > 1;
    const size_t num_parts = parallel ? std::min(rn, ParallelWidth() * 4) : 1;
    std::vector<absl::Status> status(num_parts);
    ParallelFor(num_parts, parallel, [&](size_t p) {
      // Samples are read into one scratch buffer and copied out at their
      // exact size: one allocation per series rather than one per doubling.
      SelectScratch scratch;
      for (size_t i = rn * p / num_parts; i < rn * (p + 1) / num_parts; ++i) {
        // Only the query's own thread reads its clock.
        status[p] =
            std::this_thread::get_id() == caller ? CheckCancel() : CheckStop();
        if (!status[p].ok()) return;
        ReadSeries(*iters[i], range, stats, scratch, &(*out)[r0 + i]);
        iters[i].reset();
      }
    });
    for (const absl::Status& st : status) VIGIL_EVAL_RETURN_IF_ERROR(st);
  }
  q_->selections.emplace(&vs, out);
  return out;
}

absl::StatusOr<Value> Evaluator::EvalVectorSelector(const VectorSelector& vs) {
  if (vs.smoothed) return EvalSmoothedSelector(vs);
  VIGIL_EVAL_ASSIGN_OR_RETURN(auto sel, Select(vs));
  const int64_t offset = OffsetOf(vs);
  const std::optional<int64_t> at = AtOf(vs.at_ms, vs.at_modifier);
  const int64_t lookback = q_->lookback_ms;
  const size_t n = sel->size();
  // Each series' points at every step, into `points` (parallel to the
  // selection), in parts on the worker pool when there are many; the
  // series are then labelled and counted in order, as one loop would.
  std::vector<SeriesPoints> points(n);
  size_t total = 0;
  for (const auto& s : *sel) total += s.samples.size();
  const int64_t min_parallel = q_->options->parallel_min_samples;
  const bool parallel = !instant() && min_parallel >= 0 &&
                        static_cast<int64_t>(total) >= min_parallel && n > 1;
  const size_t num_parts = parallel ? std::min(n, ParallelWidth() * 4) : 1;
  std::vector<absl::Status> status(num_parts);
  const std::thread::id caller = std::this_thread::get_id();
  ParallelFor(num_parts, parallel, [&](size_t p) {
    for (size_t i = n * p / num_parts; i < n * (p + 1) / num_parts; ++i) {
      status[p] =
          std::this_thread::get_id() == caller ? CheckCancel() : CheckStop();
      if (!status[p].ok()) return;
      const SelectedSeries& s = (*sel)[i];
      SeriesPoints& sp = points[i];
      size_t j = 0;
      const auto& smp = s.samples;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        const int64_t ref = at.value_or(ts) - offset;
        // References never decrease, so the cursor only moves forward.
        while (j < smp.size() && smp[j].t <= ref) ++j;
        if (j == 0) continue;
        const Sample& last = smp[j - 1];
        // Prometheus: the window is (ref - lookback, ref]; a staleness
        // marker as the latest sample ends the series.
        if (last.t <= ref - lookback || IsStaleNaN(last.v)) continue;
        if (sp.points.empty()) sp.points.reserve(NumSteps());
        sp.Push(ts, last.v, s.hists.empty() ? nullptr : s.hists[j - 1]);
      }
    }
  });
  Value out;
  out.matrix.reserve(n);
  for (size_t p = 0; p < num_parts; ++p) {
    for (size_t i = n * p / num_parts; i < n * (p + 1) / num_parts; ++i) {
      if (points[i].points.empty()) continue;
      VIGIL_EVAL_RETURN_IF_ERROR(
          AddSamples(static_cast<int64_t>(points[i].points.size())));
      points[i].metric = (*sel)[i].metric;
      out.matrix.push_back(std::move(points[i]));
    }
    // A part's error comes after the series before it were counted, as in
    // one loop.
    VIGIL_EVAL_RETURN_IF_ERROR(status[p]);
  }
  return out;
}

namespace {

constexpr std::string_view kMixedSchemasWarning =
    "vector contains a mix of histograms with exponential and custom buckets "
    "schemas";

}  // namespace

absl::StatusOr<Value> Evaluator::EvalSmoothedSelector(
    const VectorSelector& vs) {
  VIGIL_EVAL_ASSIGN_OR_RETURN(auto sel, Select(vs));
  const int64_t offset = OffsetOf(vs);
  const std::optional<int64_t> at = AtOf(vs.at_ms, vs.at_modifier);
  const int64_t lookback = q_->lookback_ms;
  Value out;
  std::vector<size_t> hists_before;
  for (const auto& s : *sel) {
    VIGIL_EVAL_RETURN_IF_ERROR(CheckCancel());
    auto f = s.Fresh();
    auto fh = s.FreshHists();
    // hists_before[i]: how many of the first i samples are histograms, so a
    // window's mix of floats and histograms is known without a scan.
    hists_before.assign(1, 0);
    for (const HistogramPtr& h : fh) {
      hists_before.push_back(hists_before.back() + (h != nullptr ? 1 : 0));
    }
    auto warn = [&](std::string_view what) {
      q_->annotations.Warn(absl::StrCat(ToAbsl(what), " for metric name ",
                                        QuoteString(s.metric.MetricName())),
                           vs.pos);
    };
    SeriesPoints sp;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = at.value_or(ts) - offset;
      // Prometheus's smoothSeries: the value at `ref` interpolated between
      // the neighbouring samples within the lookback on either side, or the
      // last one carried forward when nothing follows yet.
      auto lo = std::upper_bound(
          f.begin(), f.end(), ref - lookback,
          [](int64_t t, const Sample& smp) { return t < smp.t; });
      auto hi = std::upper_bound(
          lo, f.end(), ref + lookback,
          [](int64_t t, const Sample& smp) { return t < smp.t; });
      if (lo == hi) continue;
      auto it = std::lower_bound(
          lo, hi, ref, [](const Sample& smp, int64_t t) { return smp.t < t; });
      const size_t ilo = lo - f.begin(), ihi = hi - f.begin();
      const size_t i = it - f.begin();
      const size_t n_hists =
          fh.empty() ? 0 : hists_before[ihi] - hists_before[ilo];
      if (n_hists > 0 && n_hists < ihi - ilo) {
        // Prometheus skips the step rather than pick a sample type.
        warn("encountered a mix of histograms and floats");
        continue;
      }
      if (n_hists > 0) {
        HistogramPtr h;
        if (it != hi && it->t == ref) {
          h = fh[i];
        } else if (it != lo && it != hi) {
          const FloatHistogram& prev = *fh[i - 1];
          const FloatHistogram& next = *fh[i];
          if (prev.UsesCustomBuckets() != next.UsesCustomBuckets()) {
            warn(kMixedSchemasWarning);
            continue;
          }
          // Prometheus: a counter unless both samples are gauges.
          const bool is_counter =
              prev.counter_reset_hint != CounterResetHint::kGauge ||
              next.counter_reset_hint != CounterResetHint::kGauge;
          bool reconciled = false;
          std::optional<FloatHistogram> r = functions::InterpolateHistograms(
              prev, (it - 1)->t, next, it->t, ref, is_counter, &reconciled);
          if (!r.has_value()) {
            warn(kMixedSchemasWarning);
            continue;
          }
          if (reconciled) {
            q_->annotations.Info(
                "mismatched custom buckets were reconciled during subtraction",
                vs.pos);
          }
          h = std::make_shared<FloatHistogram>(std::move(*r));
        } else if (it != lo) {
          // Carried forward: the hint spoke of the sample's predecessor, not
          // of the value (Prometheus resets it).
          auto carried = std::make_shared<FloatHistogram>(*fh[i - 1]);
          carried->counter_reset_hint = CounterResetHint::kUnknown;
          h = std::move(carried);
        } else {
          continue;
        }
        if (sp.points.empty()) sp.points.reserve(NumSteps());
        sp.Push(ts, 0, std::move(h));
        continue;
      }
      double v;
      if (it != hi && it->t == ref) {
        v = it->v;
      } else if (it != lo && it != hi) {
        const Sample& p = *(it - 1);
        v = p.v + (it->v - p.v) * static_cast<double>(ref - p.t) /
                      static_cast<double>(it->t - p.t);
      } else if (it != lo) {
        v = (it - 1)->v;
      } else {
        continue;
      }
      sp.Push(ts, v, nullptr);
    }
    if (sp.points.empty()) continue;
    VIGIL_EVAL_RETURN_IF_ERROR(
        AddSamples(static_cast<int64_t>(sp.points.size())));
    sp.metric = s.metric;
    out.matrix.push_back(std::move(sp));
  }
  return out;
}

absl::StatusOr<Value> Evaluator::EvalMatrixSelector(const MatrixSelector& ms) {
  const VectorSelector& vs = *ms.selector;
  if (vs.anchored || vs.smoothed) {
    return absl::UnimplementedError(
        "anchored and smoothed range selectors outside functions are not "
        "supported");
  }
  VIGIL_EVAL_ASSIGN_OR_RETURN(auto sel, Select(vs));
  const int64_t maxt =
      AtOf(vs.at_ms, vs.at_modifier).value_or(start_) - OffsetOf(vs);
  const int64_t mint = maxt - RangeOf(ms);
  Value out;
  for (const auto& s : *sel) {
    VIGIL_EVAL_RETURN_IF_ERROR(CheckCancel());
    auto fresh = s.Fresh();
    // Prometheus 3: range selectors are left-open, (mint, maxt].
    auto lo = std::upper_bound(
        fresh.begin(), fresh.end(), mint,
        [](int64_t t, const Sample& smp) { return t < smp.t; });
    auto hi = std::upper_bound(
        lo, fresh.end(), maxt,
        [](int64_t t, const Sample& smp) { return t < smp.t; });
    if (lo == hi) continue;
    VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(hi - lo));
    SeriesPoints sp;
    sp.metric = s.metric;
    sp.points.assign(lo, hi);
    auto fh = s.FreshHists();
    if (!fh.empty()) {
      sp.hists.assign(fh.begin() + (lo - fresh.begin()),
                      fh.begin() + (hi - fresh.begin()));
    }
    out.matrix.push_back(std::move(sp));
  }
  return out;
}

}  // namespace vigil::promql::eval
