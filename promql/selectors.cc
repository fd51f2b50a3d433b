// Instant and range vector selectors: reading each selector's series once,
// the lookback window with staleness, offset and `@`.
#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/model/block_pool.h"
#include "lib/model/go_quote.h"
#include "promql/evaluator.h"
#include "promql/functions/interpolate.h"
#include "promql/shared_selections.h"

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

// Series per block of a selection read on two threads: a few thousand
// series split evenly, while a block still amortises its claim and its
// scratch buffers. A selection of one block stays on its thread.
constexpr size_t kDecodeBlock = 128;
// An instant query's windows hold a few samples each, decoded from a
// checkpoint: for a second block of some 100 series, waking the other
// core's helper, and leaving the results in its cache, cost more than the
// block (docs/query_performance.md). So an instant selection of up to 512
// series (a classic histogram's buckets, say) stays on its thread; a larger
// one is split as a range selection is (in blocks of 512 the replay's
// instant queries of a few thousand series ran slower).
constexpr size_t kInstantOneThreadMax = 512;

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

// Reads the samples of `series` within `range` into out[i], with their
// stale markers, start timestamps and histograms; `resolve_hints` gives
// histograms' unknown counter-reset hints a value.
void ReadSeries(std::span<const std::shared_ptr<Series>> series,
                const SelectRange& range, bool resolve_hints,
                SelectedSeries* out) {
  // Samples are read into one scratch buffer and copied out at their exact
  // size: one allocation per series rather than one per doubling.
  std::vector<Sample> scratch;
  std::vector<int64_t> scratch_st;
  std::vector<HistogramPtr> scratch_h;
  for (size_t i = 0; i < series.size(); ++i) {
    const Series* s = series[i].get();
    SelectedSeries& sel = out[i];
    sel.metric = s->labels();
    auto it = s->Iterator();
    scratch.clear();
    scratch_st.clear();
    scratch_h.clear();
    bool any_h = false;
    // Start timestamps are read only from iterators that may have them.
    const bool with_st = it->HasStartTimestamps();
    bool any_st = false;
    if (it->Seek(range.mint)) {
      do {
        Sample smp = it->At();
        if (smp.t > range.maxt) break;
        HistogramPtr h = it->AtHistogram();
        if (h != nullptr) {
          if (IsStaleNaN(h->sum)) {
            smp.v = StaleNaN();
            h = nullptr;
          } else {
            smp.v = 0;
            if (!any_h) scratch_h.resize(scratch.size());
            any_h = true;
          }
        }
        if (IsStaleNaN(smp.v)) sel.has_stale = true;
        scratch.push_back(smp);
        if (any_h) scratch_h.push_back(std::move(h));
        if (with_st) {
          const int64_t st = it->AtST();
          any_st = any_st || st != 0;
          scratch_st.push_back(st);
        }
      } while (it->Next());
    }
    sel.samples.assign(scratch.begin(), scratch.end());
    if (any_st) sel.st.assign(scratch_st.begin(), scratch_st.end());
    if (any_h) {
      sel.hists.assign(scratch_h.begin(), scratch_h.end());
      if (resolve_hints) ResolveResetHints(&sel.hists);
    }
    if (sel.has_stale) {
      sel.fresh.reserve(sel.samples.size());
      if (any_st) sel.fresh_st.reserve(sel.samples.size());
      for (size_t j = 0; j < sel.samples.size(); ++j) {
        if (IsStaleNaN(sel.samples[j].v)) continue;
        sel.fresh.push_back(sel.samples[j]);
        if (any_st) sel.fresh_st.push_back(sel.st[j]);
        if (any_h) sel.fresh_hists.push_back(sel.hists[j]);
      }
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
  const bool resolve_hints = q_->stats_selectors.contains(&vs);
  SharedSelections::Impl* shared =
      q_->shared_selections != nullptr &&
              q_->shared_selections->impl_->shareable(vs)
          ? q_->shared_selections->impl_.get()
          : nullptr;
  std::string shared_key;
  if (shared != nullptr) {
    shared_key =
        SharedSelections::Impl::Key(vs, range, hints.sorted, resolve_hints);
    if (auto found = shared->Find(shared_key)) {
      q_->selections.emplace(&vs, found);
      return found;
    }
  }
  auto series = q_->querier->Select(hints, vs.matchers);
  if (!series.ok()) {
    return absl::Status(
        series.status().code(),
        absl::StrCat("expanding series: ", series.status().message()));
  }
  const std::vector<std::shared_ptr<Series>>& in = *series;
  auto out = std::make_shared<std::vector<SelectedSeries>>(in.size());
  // A large selection is decoded on both cores (block_pool.h), each block
  // into its own slots of `out`. The query's clock (possibly injected, not
  // thread-safe) is read on this thread alone; a cancellation seen here
  // stops the other thread's blocks too.
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> stop{false};
  absl::Status cancelled;
  const size_t block = instant() && in.size() <= kInstantOneThreadMax
                           ? kInstantOneThreadMax
                           : kDecodeBlock;
  RunBlocks(in.size(), block, [&](size_t b, size_t e) {
    if (std::this_thread::get_id() == caller) {
      if (absl::Status st = CheckCancel(); !st.ok()) {
        cancelled = std::move(st);
        stop.store(true, std::memory_order_relaxed);
      }
    }
    if (stop.load(std::memory_order_relaxed)) return;
    ReadSeries(std::span(in).subspan(b, e - b), range, resolve_hints,
               out->data() + b);
  });
  if (!cancelled.ok()) return cancelled;
  q_->selections.emplace(&vs, out);
  if (shared != nullptr) shared->Put(std::move(shared_key), out);
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
  const size_t num_parts = parallel ? std::min(n, BlockPoolWidth() * 4) : 1;
  std::vector<absl::Status> status(num_parts);
  const std::thread::id caller = std::this_thread::get_id();
  RunParts(num_parts, parallel, [&](size_t p) {
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
      VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(PointsCost(points[i])));
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
    VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(PointsCost(sp)));
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
    auto fh = s.FreshHists();
    std::span<const HistogramPtr> window_hists;
    if (!fh.empty()) {
      window_hists = fh.subspan(lo - fresh.begin(), hi - lo);
    }
    VIGIL_EVAL_RETURN_IF_ERROR(
        AddSamples(PointsCost(std::span<const Sample>(lo, hi), window_hists)));
    SeriesPoints sp;
    sp.metric = s.metric;
    sp.points.assign(lo, hi);
    sp.hists.assign(window_hists.begin(), window_hists.end());
    out.matrix.push_back(std::move(sp));
  }
  return out;
}

}  // namespace vigil::promql::eval
