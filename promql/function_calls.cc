// Function calls: the evaluator's side of the contract with the function
// table (eval_types.h). Instant-vector and scalar arguments are evaluated for
// the whole range and handed over step by step; a range-vector argument is
// cut into one window per series and step. The functions Prometheus's
// engine special-cases are handled here: timestamp() and start_timestamp()
// over a selector (see sample times and start timestamps), start timestamps
// passed with a selector's windows (never a subquery's), absent_over_time()
// (needs every series of the window), the
// name-keeping last/first_over_time, the sort warning of range queries, and
// info(), which reads storage (info.cc).
#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/model/block_pool.h"
#include "lib/model/go_quote.h"
#include "promql/evaluator.h"
#include "promql/functions/common.h"

namespace vigil::promql::eval {

namespace {

// Prometheus's AnchoredSafeFunctions and SmoothedSafeFunctions, sorted as
// its error message lists them.
constexpr std::string_view kAnchoredSafe[] = {"changes", "delta", "increase",
                                              "rate", "resets"};
constexpr std::string_view kSmoothedSafe[] = {"delta", "increase", "rate"};
constexpr std::string_view kSortFunctions[] = {
    "sort", "sort_by_label", "sort_by_label_desc", "sort_desc"};

// Range functions whose implementation handles histogram windows; the
// other histogram-aware ones are not finished yet.
bool HistogramReady(std::string_view name) {
  static constexpr std::string_view kReady[] = {"absent_over_time",
                                                "avg_over_time",
                                                "sum_over_time",
                                                "changes",
                                                "count_over_time",
                                                "delta",
                                                "first_over_time",
                                                "idelta",
                                                "increase",
                                                "irate",
                                                "last_over_time",
                                                "present_over_time",
                                                "rate",
                                                "resets",
                                                "ts_of_first_over_time",
                                                "ts_of_last_over_time"};
  return std::find(std::begin(kReady), std::end(kReady), name) !=
         std::end(kReady);
}

template <size_t N>
bool Contains(const std::string_view (&set)[N], std::string_view name) {
  return std::find(std::begin(set), std::end(set), name) != std::end(set);
}

template <size_t N>
std::string Join(const std::string_view (&set)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out.append(", ");
    out.append(set[i]);
  }
  return out;
}

// Prometheus's createLabelsForAbsentFunction: the equality matchers of the
// selector, except __name__; a label matched twice is left out.
Labels AbsentLabels(const Expr& arg) {
  const Expr& a = Unparen(arg);
  const VectorSelector* vs = nullptr;
  if (a.kind == NodeKind::kVectorSelector) vs = &a.As<VectorSelector>();
  if (a.kind == NodeKind::kMatrixSelector) {
    vs = a.As<MatrixSelector>().selector.get();
  }
  if (vs == nullptr) return Labels();
  LabelsBuilder b;
  absl::flat_hash_set<std::string> has;
  for (const Matcher& m : vs->matchers) {
    if (m.name() == kMetricName) continue;
    if (m.type() == MatchType::kEqual && !has.contains(m.name())) {
      b.Set(m.name(), m.value());
      has.insert(m.name());
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

bool ContainsSameLabelset(const Matrix& mat) {
  return functions::AnySameLabelset(
      mat.size(), [&](size_t i) -> const Labels& { return mat[i].metric; });
}

// Samples in the left-open window (mint, maxt], by moving cursors: windows
// only move forward as steps advance.
std::span<const Sample> Window(std::span<const Sample> all, int64_t mint,
                               int64_t maxt, size_t* lo, size_t* hi) {
  if (*hi < *lo) *hi = *lo;
  while (*lo < all.size() && all[*lo].t <= mint) ++*lo;
  if (*hi < *lo) *hi = *lo;
  while (*hi < all.size() && all[*hi].t <= maxt) ++*hi;
  return all.subspan(*lo, *hi - *lo);
}

// What every series of a range function call shares, read-only while the
// series are evaluated (possibly on several threads).
struct MatrixCall {
  MatrixCall(const Call& e_in, size_t mi_in, std::string_view name_in,
             const RangeArg& ra_in, const std::vector<Value>& vals_in,
             FunctionImpl impl_in)
      : e(e_in),
        mi(mi_in),
        name(name_in),
        ra(ra_in),
        vals(vals_in),
        impl(impl_in) {}
  const Call& e;
  size_t mi;  // the range-vector argument
  std::string_view name;
  const RangeArg& ra;
  const std::vector<Value>& vals;  // scalar arguments, per step
  FunctionImpl impl;
  std::vector<std::string_view> strings;  // string arguments
  bool drop_name = false;
  bool delayed = false;
  bool counter_check = false;
  bool takes_histograms = false;
  bool anchored = false;
  bool smoothed = false;
  int64_t ext_before = 0;
  int64_t ext_after = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t interval = 0;
  size_t steps = 0;
};

// One thread's buffers for evaluating series of a MatrixCall.
struct MatrixCallScratch {
  explicit MatrixCallScratch(const MatrixCall& c)
      : argv(c.e.args.size()), window(1) {
    argv[c.mi].matrix = &window;
    for (size_t i = 0; i < argv.size(); ++i) argv[i].string = c.strings[i];
  }
  std::vector<Sample> floats;
  std::vector<int64_t> float_sts;
  std::vector<ArgValue> argv;
  std::vector<WindowSeries> window;
  EvalVector res;
};

// What the windows of one series weigh against the sample limit: the
// heaviest, and the one at the last step.
struct WindowCosts {
  int64_t max = 0;
  int64_t last = 0;
};

// A series of a range function against the query's limit, as Prometheus's
// matrixIterSlice holds its buffer: the window from step to step over what
// the series before it output (WindowsFit), then the last window still held
// while the series' own output is counted (CountOutput), which stays.
absl::Status WindowsFit(const QueryState& q, const WindowCosts& windows) {
  if (q.current_samples + windows.max > q.max_samples) return TooManySamples();
  return absl::OkStatus();
}
absl::Status CountOutput(QueryState& q, const WindowCosts& windows,
                         int64_t output) {
  q.current_samples += output;
  if (q.current_samples + windows.last > q.max_samples) return TooManySamples();
  return absl::OkStatus();
}

// The function over series `si` at every step, into `sp` (labelled; empty
// when no step had a result); annotations go to `annotations`, and
// `windows` what the windows weighed, for the caller's sample limit.
absl::Status EvalMatrixSeries(const MatrixCall& c, size_t si,
                              MatrixCallScratch& scr, Annotations& annotations,
                              SeriesPoints* sp, WindowCosts* windows) {
  const RangeArg& ra = c.ra;
  const Call& e = c.e;
  size_t lo = 0, hi = 0, step = 0;
  for (int64_t ts = c.start; ts <= c.end; ts += c.interval, ++step) {
    const int64_t ref = ra.at.value_or(ts) - ra.offset;
    // Anchored windows also hold the lookback before the range, smoothed
    // ones the lookback on both sides, for the functions to pick or
    // interpolate their boundary values (Prometheus's matrixIterSlice).
    auto win = Window(ra.samples[si], ref - ra.range - c.ext_before,
                      ref + c.ext_after, &lo, &hi);
    // What Prometheus's buffer holds at this step: the whole window, the
    // histograms a float-only function will skip included.
    windows->last = PointsCost(win, ra.hists[si].empty()
                                        ? std::span<const HistogramPtr>()
                                        : ra.hists[si].subspan(lo, win.size()));
    windows->max = std::max(windows->max, windows->last);
    if (win.empty()) continue;
    for (size_t j = 0; j < e.args.size(); ++j) {
      if (j == c.mi || c.vals[j].matrix.empty()) continue;
      const auto& pts = c.vals[j].matrix[0].points;
      scr.argv[j].scalar = step < pts.size() ? pts[step].v : std::nan("");
    }
    // Window() leaves `lo` at the window's first sample.
    std::span<const int64_t> win_st;
    if (!ra.start_timestamps[si].empty()) {
      win_st = ra.start_timestamps[si].subspan(lo, win.size());
    }
    std::span<const HistogramPtr> win_h;
    if (!ra.hists[si].empty()) win_h = ra.hists[si].subspan(lo, win.size());
    if (!win_h.empty() && c.takes_histograms && !HistogramReady(c.name) &&
        std::any_of(win_h.begin(), win_h.end(),
                    [](const HistogramPtr& h) { return h != nullptr; })) {
      return HistogramsUnsupported(absl::StrCat(ToAbsl(c.name), "()"));
    }
    if (!win_h.empty() && !c.takes_histograms) {
      // Float-only range functions see the floats of a window; Prometheus
      // tells when it ignored histograms next to them.
      scr.floats.clear();
      scr.float_sts.clear();
      for (size_t k = 0; k < win.size(); ++k) {
        if (win_h[k] != nullptr) continue;
        scr.floats.push_back(win[k]);
        if (!win_st.empty()) scr.float_sts.push_back(win_st[k]);
      }
      if (scr.floats.empty()) continue;
      if (scr.floats.size() < win.size()) {
        annotations.Info(
            absl::StrCat("ignored histograms in a range containing both "
                         "floats and histograms for metric name ",
                         QuoteString(ra.metrics[si]->MetricName())),
            e.args[c.mi]->pos);
      }
      win = scr.floats;
      if (!win_st.empty()) win_st = scr.float_sts;
      win_h = {};
    }
    scr.window[0] =
        WindowSeries{ra.metrics[si], win, ra.drop_name[si], win_st, win_h};
    // Prometheus hands range functions the step time even when `@` pins
    // the window: predict_linear extrapolates from it.
    FunctionArgs fa{e, scr.argv, ts};
    fa.range_start = ref - ra.range;
    fa.range_end = ref;
    fa.anchored = c.anchored;
    fa.smoothed = c.smoothed;
    fa.annotations = &annotations;
    fa.delayed_name_removal = c.delayed;
    // Only the value is kept; the series is labelled once, below.
    fa.values_only = true;
    scr.res.clear();
    absl::Status st = c.impl(fa, &scr.res);
    if (!st.ok()) return st;
    if (scr.res.empty()) continue;
    if (sp->points.empty()) sp->points.reserve(c.steps);
    sp->Push(ts, scr.res[0].v, std::move(scr.res[0].h));
  }
  if (sp->points.empty()) return absl::OkStatus();
  // Prometheus asks this of float samples only.
  const bool any_float =
      ra.hists[si].empty() ||
      std::any_of(ra.hists[si].begin(), ra.hists[si].end(),
                  [](const HistogramPtr& h) { return h == nullptr; });
  if (c.counter_check && any_float) {
    std::string_view metric_name = ra.metrics[si]->MetricName();
    if (!metric_name.empty() && !metric_name.ends_with("_total") &&
        !metric_name.ends_with("_sum") && !metric_name.ends_with("_count") &&
        !metric_name.ends_with("_bucket")) {
      annotations.Info(
          absl::StrCat("metric might not be a counter, name does not end "
                       "in _total/_sum/_count/_bucket: ",
                       QuoteString(metric_name)),
          e.args[0]->pos);
    }
  }
  // Evaluator::DropName, which is not to be called off the query's thread;
  // the input's labels are not copied only to be replaced.
  const bool drop_now = c.drop_name && !c.delayed;
  sp->metric = drop_now ? DropMetadataLabels(*ra.metrics[si]) : *ra.metrics[si];
  sp->drop_name = c.drop_name || ra.drop_name[si];
  return absl::OkStatus();
}

}  // namespace

std::optional<int64_t> Evaluator::QueryParameter(std::string_view name) const {
  if (name == "start") return q_->query_start;
  if (name == "end") return q_->query_end;
  if (name == "step") return q_->query_step;
  if (name == "range") return q_->query_end - q_->query_start;
  return std::nullopt;
}

absl::StatusOr<Value> Evaluator::EvalCall(const Call& e) {
  const std::string_view name = e.func->name;
  if ((name == "timestamp" || name == "start_timestamp") && !e.args.empty()) {
    const Expr& a = Unparen(*e.args[0]);
    if (a.kind == NodeKind::kVectorSelector) {
      return EvalSampleTimeCall(e, a.As<VectorSelector>());
    }
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    const Expr& a = Unparen(*e.args[i]);
    if (a.kind == NodeKind::kMatrixSelector || a.kind == NodeKind::kSubquery) {
      return EvalMatrixCall(e, i);
    }
  }
  if (auto folded = QueryParameter(name)) {
    // start(), end(), step() and range(): the query's own parameters in
    // seconds, the same at every step and inside subqueries.
    const double v = static_cast<double>(*folded) / 1000.0;
    Value out;
    out.matrix.emplace_back();
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      out.matrix.back().points.push_back({ts, v});
    }
    VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(static_cast<int64_t>(NumSteps())));
    return out;
  }
  // info() reads info series from storage itself (info.cc).
  if (name == "info") return EvalInfo(e);
  FunctionImpl impl = LookupFunctionImpl(name);
  if (impl == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat("function ", ToAbsl(name), "() is not implemented"));
  }
  if (!instant() && Contains(kSortFunctions, name)) {
    q_->annotations.Warn(
        "sort is ineffective for range queries since results are always "
        "ordered by labels",
        e.pos);
  }
  std::vector<const Expr*> exprs;
  for (const auto& a : e.args) exprs.push_back(&Unparen(*a));
  std::vector<ArgValue> argv(e.args.size());
  const bool delayed = q_->delayed_name_removal;
  const bool takes_histograms = FunctionTakesHistograms(name);
  std::vector<EvalVector> floats_only(e.args.size());
  Value out;
  VIGIL_EVAL_ASSIGN_OR_RETURN(
      out.matrix,
      RangeEval(exprs,
                [&](int64_t ts, std::span<StepInput> in,
                    EvalVector* res) -> absl::Status {
                  for (size_t i = 0; i < exprs.size(); ++i) {
                    switch (exprs[i]->type()) {
                      case ValueType::kString:
                        argv[i].string = exprs[i]->As<StringLiteral>().value;
                        break;
                      case ValueType::kScalar:
                        argv[i].scalar =
                            in[i].vec.empty() ? std::nan("") : in[i].vec[0].v;
                        break;
                      default:
                        argv[i].vector = &in[i].vec;
                        // Float-only functions ignore histogram samples.
                        if (!takes_histograms &&
                            std::any_of(in[i].vec.begin(), in[i].vec.end(),
                                        [](const EvalSample& smp) {
                                          return smp.h != nullptr;
                                        })) {
                          floats_only[i].clear();
                          for (const EvalSample& smp : in[i].vec) {
                            if (smp.h == nullptr) {
                              floats_only[i].push_back(smp);
                            }
                          }
                          argv[i].vector = &floats_only[i];
                        }
                        break;
                    }
                  }
                  FunctionArgs fa{e, argv, ts};
                  fa.annotations = &q_->annotations;
                  fa.delayed_name_removal = delayed;
                  return impl(fa, res);
                }));
  return out;
}

absl::StatusOr<Value> Evaluator::EvalMatrixCall(const Call& e, size_t mi) {
  const std::string_view name = e.func->name;
  const bool absent = name == "absent_over_time";
  FunctionImpl impl = nullptr;
  if (!absent) {
    impl = LookupFunctionImpl(name);
    if (impl == nullptr) {
      return absl::UnimplementedError(
          absl::StrCat("function ", ToAbsl(name), "() is not implemented"));
    }
  }
  const Expr& marg = Unparen(*e.args[mi]);
  // Non-matrix arguments: scalars per step, strings from the literal.
  std::vector<Value> vals(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (i == mi) continue;
    const Expr& a = Unparen(*e.args[i]);
    if (a.type() == ValueType::kString) continue;
    VIGIL_EVAL_ASSIGN_OR_RETURN(vals[i], Eval(a));
  }

  RangeArg ra;
  bool anchored = false;
  bool smoothed = false;
  if (marg.kind == NodeKind::kMatrixSelector) {
    const auto& ms = marg.As<MatrixSelector>();
    const VectorSelector& vs = *ms.selector;
    anchored = vs.anchored;
    smoothed = vs.smoothed;
    if (anchored && !Contains(kAnchoredSafe, name)) {
      return ExecError(absl::StrCat(
          "anchored modifier can only be used with: ", Join(kAnchoredSafe),
          " - not with ", ToAbsl(name)));
    }
    if (smoothed && !Contains(kSmoothedSafe, name)) {
      return ExecError(absl::StrCat(
          "smoothed modifier can only be used with: ", Join(kSmoothedSafe),
          " - not with ", ToAbsl(name)));
    }
    VIGIL_EVAL_ASSIGN_OR_RETURN(ra.selection, Select(vs));
    ra.metrics.reserve(ra.selection->size());
    ra.samples.reserve(ra.selection->size());
    ra.start_timestamps.reserve(ra.selection->size());
    ra.drop_name.reserve(ra.selection->size());
    for (const auto& s : *ra.selection) {
      ra.metrics.push_back(&s.metric);
      ra.samples.push_back(s.Fresh());
      ra.start_timestamps.push_back(s.FreshST());
      ra.hists.push_back(s.FreshHists());
      ra.drop_name.push_back(false);
    }
    ra.range = RangeOf(ms);
    ra.offset = OffsetOf(vs);
    ra.at = AtOf(vs.at_ms, vs.at_modifier);
  } else {
    const auto& sq = marg.As<SubqueryExpr>();
    VIGIL_EVAL_ASSIGN_OR_RETURN(Value v, EvalSubquery(sq));
    ra.owned = std::move(v.matrix);
    // Prometheus: subqueries cut the propagation of start timestamps.
    for (const auto& s : ra.owned) {
      ra.metrics.push_back(&s.metric);
      ra.samples.push_back(s.points);
      ra.start_timestamps.emplace_back();
      ra.hists.push_back(s.hists);
      ra.drop_name.push_back(s.drop_name);
    }
    ra.range = RangeOf(sq);
    ra.offset = OffsetOf(sq);
    ra.at = AtOf(sq.at_ms, sq.at_modifier);
  }

  const size_t steps = NumSteps();
  Value out;
  if (absent) {
    std::vector<bool> found(steps, false);
    // Counted as Prometheus counts it: each window held, and a sample of 1
    // for each step that has one, as for any range function.
    for (size_t i = 0; i < ra.samples.size(); ++i) {
      size_t lo = 0, hi = 0, step = 0;
      WindowCosts windows;
      int64_t outputs = 0;
      for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
        const int64_t ref = ra.at.value_or(ts) - ra.offset;
        auto win = Window(ra.samples[i], ref - ra.range, ref, &lo, &hi);
        windows.last = PointsCost(
            win, ra.hists[i].empty() ? std::span<const HistogramPtr>()
                                     : ra.hists[i].subspan(lo, win.size()));
        windows.max = std::max(windows.max, windows.last);
        if (!win.empty()) {
          found[step] = true;
          ++outputs;
        }
      }
      VIGIL_EVAL_RETURN_IF_ERROR(WindowsFit(*q_, windows));
      if (outputs > 0) {
        VIGIL_EVAL_RETURN_IF_ERROR(CountOutput(*q_, windows, outputs));
      }
    }
    q_->current_samples -= MatrixCost(ra.owned);
    SeriesPoints sp;
    sp.metric = AbsentLabels(marg);
    sp.drop_name = true;
    size_t step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      if (!found[step]) sp.points.push_back({ts, 1});
    }
    if (!sp.points.empty()) out.matrix.push_back(std::move(sp));
    return out;
  }

  MatrixCall c{e, mi, name, ra, vals, impl};
  // Prometheus: last_over_time and first_over_time act like offset and keep
  // the name; every other range function drops it.
  c.drop_name = name != "last_over_time" && name != "first_over_time";
  c.delayed = q_->delayed_name_removal;
  c.counter_check = name == "rate" || name == "increase";
  c.takes_histograms = FunctionTakesHistograms(name);
  c.anchored = anchored;
  c.smoothed = smoothed;
  c.ext_before = (anchored || smoothed) ? q_->lookback_ms : 0;
  c.ext_after = smoothed ? q_->lookback_ms : 0;
  c.start = start_;
  c.end = end_;
  c.interval = interval_;
  c.steps = steps;
  c.strings.resize(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i) {
    const Expr& a = Unparen(*e.args[i]);
    if (i != mi && a.type() == ValueType::kString) {
      c.strings[i] = a.As<StringLiteral>().value;
    }
  }

  // The series are evaluated in parts, each with its own scratch and
  // annotations, on this thread and, for a large selection, the worker
  // pool's; the parts' results are then taken in series order, as the
  // serial loop would: annotations in the order it would have raised them,
  // and the sample limit checked as on one thread (below).
  struct SeriesOut {
    SeriesPoints sp;
    WindowCosts windows;
    absl::Status status;  // the series' error, which ends its part
  };
  struct Part {
    size_t begin = 0;
    size_t end = 0;
    std::vector<SeriesOut> series;
    Annotations annotations;
  };
  const size_t n = ra.samples.size();
  size_t total_samples = 0;
  for (const auto& smp : ra.samples) total_samples += smp.size();
  const int64_t min_parallel = q_->options->parallel_min_samples;
  const bool parallel = min_parallel >= 0 &&
                        static_cast<int64_t>(total_samples) >= min_parallel &&
                        n > 1;
  // Several parts per thread even out series of unequal length.
  const size_t num_parts =
      parallel ? std::min(n, BlockPoolWidth() * 8) : (n > 0 ? 1 : 0);
  std::vector<Part> parts(num_parts);
  for (size_t p = 0; p < num_parts; ++p) {
    parts[p].begin = n * p / num_parts;
    parts[p].end = n * (p + 1) / num_parts;
  }
  // The first series (in order) that failed: the parts skip the series
  // after it, whose results the query would not use.
  std::atomic<size_t> first_failed{n};
  auto fail = [&](size_t si) {
    size_t cur = first_failed.load();
    while (si < cur && !first_failed.compare_exchange_weak(cur, si)) {
    }
  };
  const std::thread::id caller = std::this_thread::get_id();

  auto run_part = [&](size_t p) {
    Part& part = parts[p];
    part.series.resize(part.end - part.begin);
    MatrixCallScratch scratch(c);
    for (size_t si = part.begin; si < part.end; ++si) {
      SeriesOut& so = part.series[si - part.begin];
      if (si > first_failed.load(std::memory_order_relaxed)) {
        so.status = absl::AbortedError("after a failed series");
        return;
      }
      // Only the query's own thread reads its clock: an injected one need
      // not be safe to call from the pool.
      if (std::this_thread::get_id() == caller) {
        so.status = CheckCancel();
      } else {
        so.status = CheckStop();
      }
      if (so.status.ok()) {
        so.status = EvalMatrixSeries(c, si, scratch, part.annotations, &so.sp,
                                     &so.windows);
      }
      if (!so.status.ok()) {
        fail(si);
        return;
      }
    }
  };
  RunParts(num_parts, parallel, run_part);

  for (Part& part : parts) {
    for (SeriesOut& so : part.series) {
      VIGIL_EVAL_RETURN_IF_ERROR(WindowsFit(*q_, so.windows));
      VIGIL_EVAL_RETURN_IF_ERROR(so.status);
      if (so.sp.points.empty()) continue;
      VIGIL_EVAL_RETURN_IF_ERROR(
          CountOutput(*q_, so.windows, PointsCost(so.sp)));
      out.matrix.push_back(std::move(so.sp));
    }
    for (const Annotation& a : part.annotations.all()) q_->annotations.Add(a);
  }
  // A subquery's result is released with the call.
  q_->current_samples -= MatrixCost(ra.owned);
  if (!c.delayed && ContainsSameLabelset(out.matrix)) {
    return ExecError("vector cannot contain metrics with the same labelset");
  }
  return out;
}

absl::StatusOr<Value> Evaluator::EvalSampleTimeCall(const Call& e,
                                                    const VectorSelector& vs) {
  const std::string_view name = e.func->name;
  FunctionImpl impl = LookupFunctionImpl(name);
  if (impl == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat("function ", ToAbsl(name), "() is not implemented"));
  }
  const bool with_st = name == "start_timestamp";
  VIGIL_EVAL_ASSIGN_OR_RETURN(auto sel, Select(vs));
  const int64_t offset = OffsetOf(vs);
  const std::optional<int64_t> at = AtOf(vs.at_ms, vs.at_modifier);
  const int64_t lookback = q_->lookback_ms;
  std::vector<size_t> cursor(sel->size(), 0);
  EvalVector vec;
  std::vector<int64_t> sts;  // start_timestamp(): parallel to vec
  std::vector<ArgValue> argv(1);
  argv[0].vector = &vec;
  const bool delayed = q_->delayed_name_removal;
  Value out;
  VIGIL_EVAL_ASSIGN_OR_RETURN(
      out.matrix,
      RangeEvalMatrices({},
                        [&](int64_t ts, std::span<StepInput>,
                            EvalVector* res) -> absl::Status {
                          vec.clear();
                          sts.clear();
                          const int64_t ref = at.value_or(ts) - offset;
                          for (size_t i = 0; i < sel->size(); ++i) {
                            const auto& smp = (*sel)[i].samples;
                            size_t& j = cursor[i];
                            while (j < smp.size() && smp[j].t <= ref) ++j;
                            if (j == 0) continue;
                            const Sample& last = smp[j - 1];
                            if (last.t <= ref - lookback || IsStaleNaN(last.v))
                              continue;
                            // timestamp() sees the sample's own time.
                            const auto& hs = (*sel)[i].hists;
                            vec.push_back(EvalSample{
                                (*sel)[i].metric, last.t, last.v, false,
                                hs.empty() ? nullptr : hs[j - 1]});
                            if (with_st) {
                              const auto& st = (*sel)[i].st;
                              sts.push_back(st.empty() ? 0 : st[j - 1]);
                            }
                          }
                          VIGIL_EVAL_RETURN_IF_ERROR(
                              AddSamples(static_cast<int64_t>(vec.size())));
                          FunctionArgs fa{e, argv, ts};
                          if (with_st) fa.start_timestamps = sts;
                          fa.annotations = &q_->annotations;
                          fa.delayed_name_removal = delayed;
                          return impl(fa, res);
                        }));
  return out;
}

}  // namespace vigil::promql::eval
