// Aggregation operators: sum avg count min max group stddev stdvar quantile
// (one output series per group), topk bottomk limitk limit_ratio (a subset
// of the input series) and count_values, with Prometheus's parameter checks,
// Kahan summation and ordering for instant queries.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/model/strings.h"
#include "promql/evaluator.h"

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

// Prometheus's quantile over a sample set: linear interpolation between the
// closest ranks; NaN for no samples or φ NaN, ±Inf outside [0, 1].
double Quantile(double q, std::vector<double>* values) {
  if (values->empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(values->begin(), values->end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  double n = static_cast<double>(values->size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
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

struct Group {
  double value = 0;
  double mean = 0;
  double kahan_c = 0;
  double count = 0;
  std::vector<double> values;
  std::vector<HeapItem> heap;
  bool seen = false;
  bool incremental_mean = false;
  bool drop_name = false;
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

}  // namespace

absl::StatusOr<Value> Evaluator::EvalAggregate(const AggregateExpr& e) {
  if (e.op == AggregateOp::kCountValues) return EvalCountValues(e);
  std::vector<std::string> grouping = e.grouping;
  std::sort(grouping.begin(), grouping.end());
  const int64_t original = q_->current_samples;

  Params params;
  if (e.param != nullptr) {
    const Expr& p = Unparen(*e.param);
    VIGIL_EVAL_ASSIGN_OR_RETURN(Value pv, Eval(p));
    if (!pv.matrix.empty()) {
      params.series = std::move(pv.matrix[0].points);
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
    }
  }
  VIGIL_EVAL_ASSIGN_OR_RETURN(Value in, Eval(*e.expr));
  Matrix& input = in.matrix;

  // Input series to groups, computed once.
  absl::flat_hash_map<uint64_t, size_t> group_of_key;
  std::vector<size_t> group_of(input.size());
  Matrix result;
  const bool k_op = IsKOp(e.op);
  for (size_t si = 0; si < input.size(); ++si) {
    uint64_t key = GroupingKey(input[si].metric, grouping, e.without);
    auto [it, inserted] = group_of_key.try_emplace(key, group_of_key.size());
    if (inserted && !k_op) {
      result.emplace_back();
      result.back().metric =
          GroupingLabels(input[si].metric, grouping, e.without);
    }
    group_of[si] = it->second;
  }
  std::vector<Group> groups(group_of_key.size());

  const PositionRange param_pos = e.param ? e.param->pos : e.pos;
  switch (e.op) {
    case AggregateOp::kTopK:
    case AggregateOp::kBottomK:
    case AggregateOp::kLimitK:
      if (params.max < 1) return Value{};
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
      if (params.max == 0 && params.min == 0) return Value{};
      if (params.any_nan) return ExecError("Ratio value is NaN");
      if (params.max > 1.0) {
        q_->annotations.Warn(
            absl::StrCat("ratio value should be between -1 and 1, got ",
                         GoFormatFloat(params.max), ", capping to 1"),
            param_pos);
      }
      if (params.min < -1.0) {
        q_->annotations.Warn(
            absl::StrCat("ratio value should be between -1 and 1, got ",
                         GoFormatFloat(params.min), ", capping to -1"),
            param_pos);
      }
      break;
    case AggregateOp::kQuantile: {
      auto warn = [&](double v) {
        q_->annotations.Warn(
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

  std::vector<size_t> cursor(input.size(), 0);
  // topk & co: output series per input series.
  std::vector<int> out_of_series(k_op ? input.size() : 0, -1);
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    VIGIL_EVAL_RETURN_IF_ERROR(CheckCancel());
    const double fparam = params.Next();
    for (auto& g : groups) g.seen = false;

    if (k_op) {
      int64_t k = 0;
      double ratio = 0;
      bool skip = false;
      if (e.op == AggregateOp::kLimitRatio) {
        if (fparam == 0) skip = true;
        ratio = std::clamp(fparam, -1.0, 1.0);
      } else {
        k = std::min(static_cast<int64_t>(fparam),
                     static_cast<int64_t>(input.size()));
        if (k < 1) skip = true;
      }
      for (size_t si = 0; si < input.size(); ++si) {
        const auto& pts = input[si].points;
        size_t& c = cursor[si];
        while (c < pts.size() && pts[c].t < ts) ++c;
        if (c >= pts.size() || pts[c].t != ts) continue;
        const double f = pts[c].v;
        ++c;
        if (skip) continue;
        Group& g = groups[group_of[si]];
        HeapItem item{static_cast<int>(si), f};
        if (!g.seen) {
          g.seen = true;
          g.heap.clear();
          switch (e.op) {
            case AggregateOp::kLimitRatio:
              break;
            case AggregateOp::kLimitK:
              g.heap.push_back(item);
              continue;
            case AggregateOp::kBottomK:
              HeapPush(g.heap, item, ReverseValueLess);
              continue;
            default:
              HeapPush(g.heap, item, ValueLess);
              continue;
          }
        }
        switch (e.op) {
          case AggregateOp::kTopK:
            if (static_cast<int64_t>(g.heap.size()) < k) {
              HeapPush(g.heap, item, ValueLess);
            } else if (g.heap[0].v < f ||
                       (std::isnan(g.heap[0].v) && !std::isnan(f))) {
              g.heap[0] = item;
              if (k > 1) HeapFix0(g.heap, ValueLess);
            }
            break;
          case AggregateOp::kBottomK:
            if (static_cast<int64_t>(g.heap.size()) < k) {
              HeapPush(g.heap, item, ReverseValueLess);
            } else if (g.heap[0].v > f ||
                       (std::isnan(g.heap[0].v) && !std::isnan(f))) {
              g.heap[0] = item;
              if (k > 1) HeapFix0(g.heap, ReverseValueLess);
            }
            break;
          case AggregateOp::kLimitK:
            if (static_cast<int64_t>(g.heap.size()) < k) {
              HeapPush(g.heap, item, ValueLess);
            }
            break;
          default: {
            // limit_ratio: a deterministic sample by the hash of the labels.
            double offset =
                static_cast<double>(input[si].metric.Hash()) /
                static_cast<double>(std::numeric_limits<uint64_t>::max());
            if ((ratio >= 0 && offset < ratio) ||
                (ratio < 0 && offset >= 1.0 + ratio)) {
              HeapPush(g.heap, item, ValueLess);
            }
            break;
          }
        }
      }
      if (skip) continue;
      for (auto& g : groups) {
        if (!g.seen) continue;
        if (e.op == AggregateOp::kTopK && g.heap.size() > 1) {
          SortReverse(g.heap, ValueLess);
        } else if (e.op == AggregateOp::kBottomK && g.heap.size() > 1) {
          SortReverse(g.heap, ReverseValueLess);
        }
        for (const HeapItem& it : g.heap) {
          int& oi = out_of_series[it.series];
          if (oi < 0 || instant()) {
            oi = static_cast<int>(result.size());
            result.emplace_back();
            result.back().metric = input[it.series].metric;
            result.back().drop_name = input[it.series].drop_name;
          }
          result[oi].points.push_back({ts, it.v});
        }
      }
      continue;
    }

    for (size_t si = 0; si < input.size(); ++si) {
      const auto& pts = input[si].points;
      size_t& c = cursor[si];
      while (c < pts.size() && pts[c].t < ts) ++c;
      if (c >= pts.size() || pts[c].t != ts) continue;
      const double f = pts[c].v;
      ++c;
      Group& g = groups[group_of[si]];
      if (!g.seen) {
        g = Group{};
        g.seen = true;
        g.value = f;
        g.mean = f;
        g.count = 1;
        g.drop_name = input[si].drop_name;
        switch (e.op) {
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
        continue;
      }
      if (input[si].drop_name) g.drop_name = true;
      switch (e.op) {
        case AggregateOp::kSum:
          std::tie(g.value, g.kahan_c) = KahanSumInc(f, g.value, g.kahan_c);
          break;
        case AggregateOp::kAvg: {
          // Prometheus: a direct Kahan sum while it stays finite, then an
          // incremental mean.
          g.count++;
          if (!g.incremental_mean) {
            auto [nv, nc] = KahanSumInc(f, g.value, g.kahan_c);
            if (!std::isinf(nv)) {
              g.value = nv;
              g.kahan_c = nc;
              break;
            }
            g.incremental_mean = true;
            g.mean = g.value / (g.count - 1);
            g.kahan_c /= g.count - 1;
          }
          double q = (g.count - 1) / g.count;
          std::tie(g.mean, g.kahan_c) =
              KahanSumInc(f / g.count, q * g.mean, q * g.kahan_c);
          break;
        }
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
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      Group& g = groups[gi];
      if (!g.seen) continue;
      double v = g.value;
      switch (e.op) {
        case AggregateOp::kAvg:
          v = g.incremental_mean ? g.mean + g.kahan_c
                                 : g.value / g.count + g.kahan_c / g.count;
          break;
        case AggregateOp::kCount:
          v = g.count;
          break;
        case AggregateOp::kStdvar:
          v = g.value / g.count;
          break;
        case AggregateOp::kStddev:
          v = std::sqrt(g.value / g.count);
          break;
        case AggregateOp::kQuantile:
          v = Quantile(fparam, &g.values);
          break;
        case AggregateOp::kSum:
          v = g.value + g.kahan_c;
          break;
        default:
          break;
      }
      result[gi].points.push_back({ts, v});
      result[gi].drop_name = g.drop_name;
    }
    VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(0));
  }
  Value out;
  out.matrix.reserve(result.size());
  int64_t total = 0;
  for (auto& s : result) {
    if (s.points.empty()) continue;
    total += static_cast<int64_t>(s.points.size());
    out.matrix.push_back(std::move(s));
  }
  q_->current_samples = original;
  VIGIL_EVAL_RETURN_IF_ERROR(AddSamples(total));
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
                    b.Set(label, GoFormatFloatFixed(s.v));
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
