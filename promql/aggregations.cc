// Aggregation operators: sum avg count min max group stddev stdvar quantile
// (one output series per group), topk bottomk limitk limit_ratio (a subset
// of the input series) and count_values, with Prometheus's parameter checks,
// Kahan summation and ordering for instant queries.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/model/utf8.h"
#include "promql/evaluator.h"
#include "promql/functions/histogram_sum.h"
#include "promql/functions/quantile.h"
#include "vigil/histogram.h"

namespace vigil::promql::eval {

namespace {

// The largest and smallest float64 that convert to int64 (Prometheus's
// maxInt64 / minInt64).
constexpr double kMaxInt64 = 9223372036854774784.0;
constexpr double kMinInt64 = -9223372036854775808.0;

// Go's math.Min / math.Max: NaN wins.
double GoMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::min(a, b);
}
double GoMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::max(a, b);
}

// Neumaier's improved Kahan summation, as Prometheus's kahanSumInc.
std::pair<double, double> KahanSumInc(double inc, double sum, double c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return {t, c};
}

// Per-step values of an aggregation's parameter (Prometheus's fParams).
struct Params {
  std::vector<Sample> series;
  bool constant = false;
  double const_value = 0;
  double min = 0;
  double max = 0;
  bool any_nan = false;
  size_t next = 0;
  double Next() {
    if (constant) return const_value;
    if (next < series.size()) return series[next++].v;
    return 0;
  }
};

struct HeapItem {
  int series;
  double v;
  size_t point;  // index of the sample in its series, for its histogram
};

// Go's container/heap over a Less that puts NaN first, so that topk and
// bottomk pick and order exactly as Prometheus does.
using LessFn = bool (*)(const HeapItem&, const HeapItem&);
bool ValueLess(const HeapItem& a, const HeapItem& b) {
  if (std::isnan(a.v)) return true;
  return a.v < b.v;
}
bool ReverseValueLess(const HeapItem& a, const HeapItem& b) {
  if (std::isnan(a.v)) return true;
  return a.v > b.v;
}

void HeapUp(std::vector<HeapItem>& h, size_t j, LessFn less) {
  while (j > 0) {
    size_t i = (j - 1) / 2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}

bool HeapDown(std::vector<HeapItem>& h, size_t i0, LessFn less) {
  size_t i = i0;
  const size_t n = h.size();
  for (;;) {
    size_t j1 = 2 * i + 1;
    if (j1 >= n) break;
    size_t j = j1;
    if (j1 + 1 < n && less(h[j1 + 1], h[j1])) j = j1 + 1;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    i = j;
  }
  return i > i0;
}

void HeapPush(std::vector<HeapItem>& h, HeapItem x, LessFn less) {
  h.push_back(x);
  HeapUp(h, h.size() - 1, less);
}

void HeapFix0(std::vector<HeapItem>& h, LessFn less) {
  if (!HeapDown(h, 0, less)) HeapUp(h, 0, less);
}

// sort.Sort(sort.Reverse(h)): Go sorts short slices by insertion sort,
// which keeps ties in heap order; longer ones approximately so.
void SortReverse(std::vector<HeapItem>& h, LessFn less) {
  auto rless = [less](const HeapItem& a, const HeapItem& b) {
    return less(b, a);
  };
  if (h.size() <= 12) {
    for (size_t i = 1; i < h.size(); ++i) {
      for (size_t j = i; j > 0 && rless(h[j], h[j - 1]); --j) {
        std::swap(h[j], h[j - 1]);
      }
    }
    return;
  }
  std::stable_sort(h.begin(), h.end(),
                   [less](const HeapItem& a, const HeapItem& b) {
                     bool an = std::isnan(a.v);
                     bool bn = std::isnan(b.v);
                     if (an || bn) return bn && !an;
                     return less(b, a);
                   });
}

// Whether `item` displaces the root of a full heap, the weakest sample kept
// so far: it ranks higher, or the root is NaN and it is not (Prometheus).
bool Displaces(const HeapItem& root, const HeapItem& item, LessFn less) {
  if (std::isnan(root.v)) return !std::isnan(item.v);
  return less(root, item);
}

// topk and bottomk: keeps the k highest (lowest) samples in a heap whose
// root is the weakest of them.
void KeepK(std::vector<HeapItem>& heap, HeapItem item, int64_t k, LessFn less) {
  if (static_cast<int64_t>(heap.size()) < k) {
    HeapPush(heap, item, less);
  } else if (Displaces(heap[0], item, less)) {
    heap[0] = item;
    if (k > 1) HeapFix0(heap, less);
  }
}

// An output series per group: sum avg count min max group stddev stdvar
// quantile.
struct ValueGroup {
  // Native histograms (sum and avg): the running result, whether the group
  // also saw floats (then it has no result) and whether two histograms
  // could not be combined.
  std::shared_ptr<functions::HistogramSummer> hist;
  bool has_float = false;
  bool has_hist = false;
  bool incompatible = false;
  double value = 0;
  double mean = 0;
  double kahan_c = 0;
  double count = 0;
  std::vector<double> values;
  bool seen = false;
  bool incremental_mean = false;
  bool drop_name = false;
};

// A subset of the input series per group: topk bottomk limitk limit_ratio.
struct SelectGroup {
  std::vector<HeapItem> heap;
  bool seen = false;
};

uint64_t GroupingKey(const Labels& metric, const std::vector<std::string>& g,
                     bool without) {
  if (without) return metric.HashFor(g, false);
  if (g.empty()) return 0;
  return metric.HashFor(g, true);
}

Labels GroupingLabels(const Labels& metric, const std::vector<std::string>& g,
                      bool without) {
  if (without) {
    LabelsBuilder b(metric);
    for (const auto& n : g) b.Del(n);
    b.Del(kMetricName);
    return b.Build();
  }
  if (g.empty()) return Labels();
  LabelsBuilder b(metric);
  b.Keep(g);
  return b.Build();
}

bool IsKOp(AggregateOp op) {
  return op == AggregateOp::kTopK || op == AggregateOp::kBottomK ||
         op == AggregateOp::kLimitK || op == AggregateOp::kLimitRatio;
}

// The parameter's values at every step, with their range.
Params ParamsOf(const Expr& p, Matrix& pm) {
  Params params;
  if (pm.empty()) return params;
  params.series = std::move(pm[0].points);
  params.min = std::numeric_limits<double>::max();
  params.max = -std::numeric_limits<double>::max();
  if (p.kind == NodeKind::kNumber && !params.series.empty()) {
    params.constant = true;
    params.const_value = params.series[0].v;
    params.min = params.max = params.const_value;
    params.any_nan = std::isnan(params.const_value);
  } else {
    for (const auto& s : params.series) {
      params.min = GoMin(params.min, s.v);
      params.max = GoMax(params.max, s.v);
      if (std::isnan(s.v)) params.any_nan = true;
    }
  }
  return params;
}

// Prometheus checks the parameter over the whole range before stepping:
// errors, warnings, or false when the result is empty whatever the input.
absl::StatusOr<bool> CheckParams(const AggregateExpr& e, const Params& params,
                                 Annotations& annotations) {
  const PositionRange param_pos = e.param ? e.param->pos : e.pos;
  switch (e.op) {
    case AggregateOp::kTopK:
    case AggregateOp::kBottomK:
    case AggregateOp::kLimitK:
      if (params.max < 1) return false;
      if (params.any_nan) return ExecError("Parameter value is NaN");
      if (params.min <= kMinInt64) {
        return ExecError(absl::StrCat(
            "Scalar value ", GoFormatFloat(params.min), " underflows int64"));
      }
      if (params.max >= kMaxInt64) {
        return ExecError(absl::StrCat(
            "Scalar value ", GoFormatFloat(params.max), " overflows int64"));
      }
      break;
    case AggregateOp::kLimitRatio:
      if (params.max == 0 && params.min == 0) return false;
      if (params.any_nan) return ExecError("Ratio value is NaN");
      if (params.max > 1.0) {
        annotations.Warn(
            absl::StrCat("ratio value should be between -1 and 1, got ",
                         GoFormatFloat(params.max), ", capping to 1"),
            param_pos);
      }
      if (params.min < -1.0) {
        annotations.Warn(
            absl::StrCat("ratio value should be between -1 and 1, got ",
                         GoFormatFloat(params.min), ", capping to -1"),
            param_pos);
      }
      break;
    case AggregateOp::kQuantile: {
      auto warn = [&](double v) {
        annotations.Warn(
            absl::StrCat("quantile value should be between 0 and 1, got ",
                         GoFormatFloat(v)),
            param_pos);
      };
      if (params.any_nan) warn(std::nan(""));
      if (params.max > 1) warn(params.max);
      if (params.min < 0) warn(params.min);
      break;
    }
    default:
      break;
  }
  return true;
}

// Input series to groups, computed once for all steps: the group index of
// each series. For the operators with an output series per group, `result`
// gets one (labelled, still empty) per group in order of appearance.
std::vector<size_t> GroupSeries(const AggregateExpr& e, const Matrix& input,
                                Matrix* result, size_t* num_groups) {
  std::vector<std::string> grouping = e.grouping;
  std::sort(grouping.begin(), grouping.end());
  absl::flat_hash_map<uint64_t, size_t> group_of_key;
  std::vector<size_t> group_of(input.size());
  const bool k_op = IsKOp(e.op);
  for (size_t si = 0; si < input.size(); ++si) {
    uint64_t key = GroupingKey(input[si].metric, grouping, e.without);
    auto [it, inserted] = group_of_key.try_emplace(key, group_of_key.size());
    if (inserted && !k_op) {
      result->emplace_back();
      result->back().metric =
          GroupingLabels(input[si].metric, grouping, e.without);
    }
    group_of[si] = it->second;
  }
  *num_groups = group_of_key.size();
  return group_of;
}

// The series' sample at `ts`, moving its cursor past it; false when it has
// none there.
inline bool SampleAt(const std::vector<Sample>& pts, int64_t ts, size_t& c,
                     double* f) {
  while (c < pts.size() && pts[c].t < ts) ++c;
  if (c >= pts.size() || pts[c].t != ts) return false;
  *f = pts[c].v;
  ++c;
  return true;
}

// A group's first sample at a step.
void StartGroup(AggregateOp op, double f, bool drop_name, ValueGroup& g) {
  g = ValueGroup{};
  g.seen = true;
  g.value = f;
  g.mean = f;
  g.count = 1;
  g.drop_name = drop_name;
  switch (op) {
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar:
      g.value = (std::isnan(f) || std::isinf(f)) ? std::nan("") : 0;
      break;
    case AggregateOp::kQuantile:
      g.values.push_back(f);
      break;
    case AggregateOp::kGroup:
      g.value = 1;
      break;
    default:
      break;
  }
}

// Prometheus: avg is a direct Kahan sum while it stays finite, then an
// incremental mean.
void AvgInc(double f, ValueGroup& g) {
  g.count++;
  if (!g.incremental_mean) {
    auto [nv, nc] = KahanSumInc(f, g.value, g.kahan_c);
    if (!std::isinf(nv)) {
      g.value = nv;
      g.kahan_c = nc;
      return;
    }
    g.incremental_mean = true;
    g.mean = g.value / (g.count - 1);
    g.kahan_c /= g.count - 1;
  }
  double q = (g.count - 1) / g.count;
  std::tie(g.mean, g.kahan_c) =
      KahanSumInc(f / g.count, q * g.mean, q * g.kahan_c);
}

// Every further sample of a group at a step.
void AddToGroup(AggregateOp op, double f, ValueGroup& g) {
  switch (op) {
    case AggregateOp::kSum:
      std::tie(g.value, g.kahan_c) = KahanSumInc(f, g.value, g.kahan_c);
      break;
    case AggregateOp::kAvg:
      AvgInc(f, g);
      break;
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kCount:
      g.count++;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    case AggregateOp::kQuantile:
      g.values.push_back(f);
      break;
    default:
      break;
  }
}

// A group's output value at a step, from all its samples there.
double GroupResult(AggregateOp op, double fparam, ValueGroup& g) {
  switch (op) {
    case AggregateOp::kAvg:
      return g.incremental_mean ? g.mean + g.kahan_c
                                : g.value / g.count + g.kahan_c / g.count;
    case AggregateOp::kCount:
      return g.count;
    case AggregateOp::kStdvar:
      return g.value / g.count;
    case AggregateOp::kStddev:
      return std::sqrt(g.value / g.count);
    case AggregateOp::kQuantile:
      return functions::QuantileUnstable(fparam, &g.values);
    case AggregateOp::kSum:
      return g.value + g.kahan_c;
    default:
      return g.value;
  }
}

// The name Prometheus's annotations give an aggregation.
std::string_view AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kTopK:
      return "topk";
    case AggregateOp::kBottomK:
      return "bottomk";
    default:
      return "aggregation";
  }
}

// A native histogram sample into a sum or avg group. avg keeps an
// incremental mean, as Prometheus does, so that large counts do not
// overflow.
void AddHistogramToGroup(Evaluator& ev, const AggregateExpr& e,
                         const SeriesPoints& series, const FloatHistogram& h,
                         ValueGroup& g) {
  if (!g.seen) {
    g = ValueGroup{};
    g.seen = true;
    g.count = 1;
    g.has_hist = true;
    g.drop_name = series.drop_name;
    g.hist = std::make_shared<functions::HistogramSummer>(
        h, e.op == AggregateOp::kAvg);
    return;
  }
  if (series.drop_name) g.drop_name = true;
  g.count++;
  g.has_hist = true;
  // A group that started with floats has no result anyway.
  if (g.hist == nullptr || g.incompatible) return;
  FloatHistogram::AddInfo info;
  if (!g.hist->Add(h, &info).ok()) {
    ev.state().annotations.Warn(
        absl::StrCat("vector contains a mix of histograms with exponential "
                     "and custom buckets schemas for metric name ",
                     QuoteString(series.metric.MetricName())),
        e.expr->pos);
    g.incompatible = true;
    return;
  }
  if (info.counter_reset_collision) {
    ev.state().annotations.Warn(
        "conflicting counter resets during histogram aggregation", e.expr->pos);
  }
  if (info.nhcb_bounds_reconciled) {
    ev.state().annotations.Info(
        "mismatched custom buckets were reconciled during aggregation",
        e.expr->pos);
  }
}

// sum avg count min max group stddev stdvar quantile, step by step: one
// point per group in `result` (one series per group already).
absl::Status AggregateValues(Evaluator& ev, const AggregateExpr& e,
                             const Matrix& input,
                             const std::vector<size_t>& group_of,
                             size_t num_groups, Params& params,
                             Matrix& result) {
  std::vector<ValueGroup> groups(num_groups);
  std::vector<size_t> cursor(input.size(), 0);
  for (int64_t ts = ev.start(); ts <= ev.end(); ts += ev.interval()) {
    VIGIL_EVAL_RETURN_IF_ERROR(ev.CheckCancel());
    const double fparam = params.Next();
    for (auto& g : groups) g.seen = false;
    for (size_t si = 0; si < input.size(); ++si) {
      double f;
      if (!SampleAt(input[si].points, ts, cursor[si], &f)) continue;
      const HistogramPtr& h = input[si].HistAt(cursor[si] - 1);
      ValueGroup& g = groups[group_of[si]];
      if (h != nullptr && e.op != AggregateOp::kCount &&
          e.op != AggregateOp::kGroup) {
        if (e.op != AggregateOp::kSum && e.op != AggregateOp::kAvg) {
          // Prometheus: the other aggregations ignore histograms.
          ev.state().annotations.Info(
              absl::StrCat("ignored histogram in ",
                           ToAbsl(AggregateOpName(e.op)), " aggregation"),
              e.pos);
          continue;
        }
        AddHistogramToGroup(ev, e, input[si], *h, g);
        continue;
      }
      if (!g.seen) {
        StartGroup(e.op, f, input[si].drop_name, g);
        g.has_float = true;
        continue;
      }
      if (input[si].drop_name) g.drop_name = true;
      g.has_float = true;
      if (g.has_hist) {
        g.count++;
        continue;
      }
      AddToGroup(e.op, f, g);
    }
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      ValueGroup& g = groups[gi];
      if (!g.seen) continue;
      if (g.has_hist) {
        if (g.has_float) {
          ev.state().annotations.Warn(
              "encountered a mix of histograms and floats for aggregation",
              e.expr->pos);
          continue;
        }
        if (g.incompatible) continue;
        result[gi].Push(
            ts, 0, std::make_shared<const FloatHistogram>(g.hist->Result()));
        result[gi].drop_name = g.drop_name;
        continue;
      }
      result[gi].Push(ts, GroupResult(e.op, fparam, g), nullptr);
      result[gi].drop_name = g.drop_name;
    }
    VIGIL_EVAL_RETURN_IF_ERROR(ev.AddSamples(0));
  }
  return absl::OkStatus();
}

// How many samples topk, bottomk and limitk keep per group at a step, or
// limit_ratio's ratio; `skip` when none.
struct SelectLimit {
  int64_t k = 0;
  double ratio = 0;
  bool skip = false;
};

SelectLimit SelectLimitOf(AggregateOp op, double fparam, size_t num_series) {
  SelectLimit l;
  if (op == AggregateOp::kLimitRatio) {
    if (fparam == 0) l.skip = true;
    l.ratio = std::clamp(fparam, -1.0, 1.0);
  } else {
    l.k = std::min(static_cast<int64_t>(fparam),
                   static_cast<int64_t>(num_series));
    if (l.k < 1) l.skip = true;
  }
  return l;
}

// Offers one input sample to its group's selection at a step.
void Offer(AggregateOp op, const SelectLimit& limit, const Labels& metric,
           HeapItem item, SelectGroup& g) {
  if (!g.seen) {
    g.seen = true;
    g.heap.clear();
    switch (op) {
      case AggregateOp::kLimitRatio:
        break;
      case AggregateOp::kLimitK:
        g.heap.push_back(item);
        return;
      case AggregateOp::kBottomK:
        HeapPush(g.heap, item, ReverseValueLess);
        return;
      default:
        HeapPush(g.heap, item, ValueLess);
        return;
    }
  }
  switch (op) {
    case AggregateOp::kTopK:
      KeepK(g.heap, item, limit.k, ValueLess);
      break;
    case AggregateOp::kBottomK:
      KeepK(g.heap, item, limit.k, ReverseValueLess);
      break;
    case AggregateOp::kLimitK:
      if (static_cast<int64_t>(g.heap.size()) < limit.k) {
        HeapPush(g.heap, item, ValueLess);
      }
      break;
    default: {
      // limit_ratio: a deterministic sample by the hash of the labels.
      double offset = static_cast<double>(metric.Hash()) /
                      static_cast<double>(std::numeric_limits<uint64_t>::max());
      if ((limit.ratio >= 0 && offset < limit.ratio) ||
          (limit.ratio < 0 && offset >= 1.0 + limit.ratio)) {
        HeapPush(g.heap, item, ValueLess);
      }
      break;
    }
  }
}

// A group's selection at `ts` into `result`, ordered as Prometheus's for
// topk and bottomk; `out_of_series` maps an input series to its output one.
void EmitSelection(const Evaluator& ev, AggregateOp op, const Matrix& input,
                   int64_t ts, SelectGroup& g, std::vector<int>& out_of_series,
                   Matrix& result) {
  if (op == AggregateOp::kTopK && g.heap.size() > 1) {
    SortReverse(g.heap, ValueLess);
  } else if (op == AggregateOp::kBottomK && g.heap.size() > 1) {
    SortReverse(g.heap, ReverseValueLess);
  }
  for (const HeapItem& it : g.heap) {
    int& oi = out_of_series[it.series];
    if (oi < 0 || ev.instant()) {
      oi = static_cast<int>(result.size());
      result.emplace_back();
      result.back().metric = input[it.series].metric;
      result.back().drop_name = input[it.series].drop_name;
    }
    result[oi].Push(ts, it.v, input[it.series].HistAt(it.point));
  }
}

// topk bottomk limitk limit_ratio, step by step: the selected input samples
// under their own labels.
absl::Status SelectSamples(Evaluator& ev, const AggregateExpr& e,
                           const Matrix& input,
                           const std::vector<size_t>& group_of,
                           size_t num_groups, Params& params, Matrix& result) {
  std::vector<SelectGroup> groups(num_groups);
  std::vector<size_t> cursor(input.size(), 0);
  std::vector<int> out_of_series(input.size(), -1);
  for (int64_t ts = ev.start(); ts <= ev.end(); ts += ev.interval()) {
    VIGIL_EVAL_RETURN_IF_ERROR(ev.CheckCancel());
    const SelectLimit limit = SelectLimitOf(e.op, params.Next(), input.size());
    for (auto& g : groups) g.seen = false;
    for (size_t si = 0; si < input.size(); ++si) {
      double f;
      if (!SampleAt(input[si].points, ts, cursor[si], &f)) continue;
      if (limit.skip) continue;
      if (input[si].HistAt(cursor[si] - 1) != nullptr &&
          (e.op == AggregateOp::kTopK || e.op == AggregateOp::kBottomK)) {
        // Prometheus: topk and bottomk rank floats only.
        ev.state().annotations.Info(
            absl::StrCat("ignored histogram in ", ToAbsl(AggregateOpName(e.op)),
                         " aggregation"),
            e.pos);
        continue;
      }
      Offer(e.op, limit, input[si].metric,
            HeapItem{static_cast<int>(si), f, cursor[si] - 1},
            groups[group_of[si]]);
    }
    if (limit.skip) continue;
    for (auto& g : groups) {
      if (g.seen) EmitSelection(ev, e.op, input, ts, g, out_of_series, result);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Value> Evaluator::EvalAggregate(const AggregateExpr& e) {
  if (e.op == AggregateOp::kCountValues) return EvalCountValues(e);
  const int64_t original = q_->current_samples;
  Params params;
  if (e.param != nullptr) {
    const Expr& p = Unparen(*e.param);
    VIGIL_EVAL_ASSIGN_OR_RETURN(Value pv, Eval(p));
    params = ParamsOf(p, pv.matrix);
  }
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value in, Eval(*e.expr));
  const Matrix& input = in.matrix;

  Matrix result;
  size_t num_groups = 0;
  const std::vector<size_t> group_of =
      GroupSeries(e, input, &result, &num_groups);
  VIGIL_EVAL_ASSIGN_OR_RETURN(bool any,
                              CheckParams(e, params, q_->annotations));
  if (!any) return Value{};
  if (IsKOp(e.op)) {
    VIGIL_EVAL_RETURN_IF_ERROR(
        SelectSamples(*this, e, input, group_of, num_groups, params, result));
  } else {
    VIGIL_EVAL_RETURN_IF_ERROR(
        AggregateValues(*this, e, input, group_of, num_groups, params, result));
  }

  Value out;
  out.matrix.reserve(result.size());
  for (auto& s : result) {
    if (s.points.empty()) continue;
    out.matrix.push_back(std::move(s));
  }
  // The input is released and the result kept; Prometheus 3.x does not
  // check the limit here: what follows does.
  q_->current_samples = original + MatrixCost(out.matrix);
  return out;
}

absl::StatusOr<Value> Evaluator::EvalCountValues(const AggregateExpr& e) {
  const Expr& p = Unparen(*e.param);
  const std::string label =
      p.kind == NodeKind::kString ? p.As<StringLiteral>().value : "";
  if (label.empty() || !IsValidUtf8(label)) {
    return ExecError(absl::StrCat("invalid label name ", QuoteString(label)));
  }
  std::vector<std::string> grouping = e.grouping;
  if (!e.without) grouping.push_back(label);
  std::sort(grouping.begin(), grouping.end());
  const Expr* exprs[] = {e.expr.get()};
  Value out;
  VIGIL_EVAL_ASSIGN_OR_RETURN(
      out.matrix,
      RangeEval(exprs,
                [&](int64_t, std::span<StepInput> in,
                    EvalVector* res) -> absl::Status {
                  absl::flat_hash_map<uint64_t, size_t> where;
                  for (const EvalSample& s : in[0].vec) {
                    LabelsBuilder b(s.metric);
                    // Prometheus labels a histogram by its String() form.
                    b.Set(label, s.h != nullptr ? s.h->String()
                                                : GoFormatFloatFixed(s.v));
                    Labels metric = b.Build();
                    uint64_t key = GroupingKey(metric, grouping, e.without);
                    auto [it, inserted] = where.try_emplace(key, res->size());
                    if (inserted) {
                      EvalSample o;
                      o.metric = GroupingLabels(metric, grouping, e.without);
                      o.v = 1;
                      res->push_back(std::move(o));
                    } else {
                      (*res)[it->second].v += 1;
                    }
                  }
                  return absl::OkStatus();
                }));
  return out;
}

}  // namespace vigil::promql::eval
