// Engine: parses, prepares (durations, the selectors' time ranges, one
// Querier), runs the evaluator and shapes its output into a QueryResult as
// Prometheus's execEvalStmt does.
#include "vigil/promql/engine.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "promql/evaluator.h"

namespace vigil::promql {

namespace {

using eval::QueryState;

// Prometheus's PositionRange.StartPosInput: "line:column", 1-based, the
// column counted in bytes from the last line break.
std::string StartPosInput(std::string_view query, int32_t pos) {
  if (pos < 0 || static_cast<size_t>(pos) > query.size()) {
    return "invalid position";
  }
  std::string_view before = query.substr(0, static_cast<size_t>(pos));
  size_t last_break = before.rfind('\n');
  int64_t line = std::count(before.begin(), before.end(), '\n');
  int64_t col = last_break == std::string_view::npos
                    ? pos + 1
                    : pos - static_cast<int64_t>(last_break);
  return absl::StrCat(line + 1, ":", col);
}

void RenderAnnotations(const Annotations& annos, std::string_view query,
                       QueryResult* out) {
  for (const Annotation& a : annos.all()) {
    std::string text =
        absl::StrCat(a.level == Annotation::Level::kWarning ? "PromQL warning: "
                                                            : "PromQL info: ",
                     a.message);
    if (!query.empty()) {
      absl::StrAppend(&text, " (", StartPosInput(query, a.pos.start), ")");
    }
    if (a.level == Annotation::Level::kWarning) {
      out->warnings.push_back(std::move(text));
    } else {
      out->infos.push_back(std::move(text));
    }
  }
}

absl::StatusOr<QueryResult> Run(const EngineOptions& options, Storage& storage,
                                const Expr& expr, std::string_view query,
                                int64_t start_ms, int64_t end_ms,
                                int64_t step_ms, const QueryOptions& opts) {
  const bool is_instant = start_ms == end_ms && step_ms == 0;
  if (!is_instant) {
    if (step_ms <= 0) {
      return absl::InvalidArgumentError(
          "zero or negative query resolution step widths are not accepted. "
          "Try a positive integer");
    }
    if (end_ms < start_ms) {
      return absl::InvalidArgumentError(
          "end timestamp must not be before start time");
    }
    ValueType t = expr.type();
    if (t != ValueType::kVector && t != ValueType::kScalar) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid expression type \"", ToAbsl(ValueTypeName(t)),
                       "\" for range query, must be Scalar or instant Vector"));
    }
  }

  QueryState q;
  q.options = &options;
  q.lookback_ms = opts.lookback_delta_ms.value_or(0) > 0
                      ? *opts.lookback_delta_ms
                      : options.lookback_delta_ms;
  q.query_start = start_ms;
  q.query_end = end_ms;
  q.query_step = is_instant ? 0 : step_ms;
  q.max_samples = options.max_samples;
  q.deadline = eval::MonotonicNow(options) + options.timeout;
  q.stop = opts.stop;
  q.shared_selections = opts.shared_selections;
  q.delayed_name_removal = options.enable_delayed_name_removal;

  if (auto st = eval::ResolveDurations(expr, &q); !st.ok()) {
    return absl::InvalidArgumentError(st.message());
  }
  eval::SelectRange range = eval::ComputeSelectRanges(expr, &q);
  eval::FindStatsSelectors(expr, &q);
  eval::FindStepInvariant(expr, &q);
  auto querier = storage.OpenQuerier(range.mint, range.maxt);
  if (!querier.ok()) return querier.status();
  q.querier = querier->get();

  eval::Evaluator ev(&q, start_ms, end_ms, is_instant ? 1 : step_ms);
  auto val = ev.Eval(expr);
  if (!val.ok()) return val.status();
  if (q.stop.stop_requested()) {
    return absl::CancelledError("query was canceled in expression evaluation");
  }

  QueryResult result;
  eval::Matrix& mat = val->matrix;
  if (val->is_string) {
    result.value = StringResult{start_ms, val->str};
    RenderAnnotations(q.annotations, query, &result);
    return result;
  }
  if (q.delayed_name_removal) {
    if (is_instant && expr.type() == ValueType::kVector) {
      // An instant vector is checked for equal label sets, not merged.
      absl::flat_hash_set<uint64_t> seen;
      for (auto& s : mat) {
        if (s.drop_name) s.metric = eval::DropMetadataLabels(s.metric);
        if (!seen.insert(s.metric.Hash()).second) {
          return eval::ExecError(
              "vector cannot contain metrics with the same labelset");
        }
      }
    } else {
      if (auto st = eval::CleanupMetricLabels(&mat); !st.ok()) return st;
    }
  }

  if (is_instant && expr.type() == ValueType::kVector) {
    Vector vec;
    vec.reserve(mat.size());
    for (auto& s : mat) {
      // Prometheus stamps every sample with the evaluation time.
      vec.push_back({std::move(s.metric), start_ms,
                     s.points.empty() ? 0 : s.points[0].v,
                     s.points.empty() ? nullptr : s.HistAt(0)});
    }
    result.value = std::move(vec);
  } else if (is_instant && expr.type() == ValueType::kScalar) {
    double v = mat.empty() || mat[0].points.empty() ? 0 : mat[0].points[0].v;
    result.value = Scalar{start_ms, v};
  } else {
    Matrix out;
    out.reserve(mat.size());
    for (auto& s : mat) {
      MatrixSeries ms;
      ms.metric = std::move(s.metric);
      if (s.hists.empty()) {
        ms.samples = std::move(s.points);
      } else {
        for (size_t i = 0; i < s.points.size(); ++i) {
          if (s.hists[i] != nullptr) {
            ms.histograms.push_back({s.points[i].t, s.hists[i]});
          } else {
            ms.samples.push_back(s.points[i]);
          }
        }
      }
      out.push_back(std::move(ms));
    }
    auto by_labels = [](const MatrixSeries& a, const MatrixSeries& b) {
      return a.metric < b.metric;
    };
    // Often already in order (a function or a selector keeps the
    // selection's order): checking costs a comparison per series, sorting
    // some twelve per series at 3000.
    if (!opts.unsorted_matrix &&
        !std::is_sorted(out.begin(), out.end(), by_labels)) {
      std::sort(out.begin(), out.end(), by_labels);
    }
    result.value = std::move(out);
  }
  RenderAnnotations(q.annotations, query, &result);
  return result;
}

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

absl::StatusOr<QueryResult> Engine::InstantQuery(
    Storage& storage, std::string_view query, int64_t time_ms,
    const QueryOptions& opts) const {
  auto expr = ParseExpr(query, options_.parse_options);
  if (!expr.ok()) return expr.status();
  return Run(options_, storage, **expr, query, time_ms, time_ms, 0, opts);
}

absl::StatusOr<QueryResult> Engine::RangeQuery(Storage& storage,
                                               std::string_view query,
                                               int64_t start_ms, int64_t end_ms,
                                               int64_t step_ms,
                                               const QueryOptions& opts) const {
  auto expr = ParseExpr(query, options_.parse_options);
  if (!expr.ok()) return expr.status();
  return Run(options_, storage, **expr, query, start_ms, end_ms, step_ms, opts);
}

absl::StatusOr<QueryResult> Engine::Evaluate(Storage& storage, const Expr& expr,
                                             int64_t start_ms, int64_t end_ms,
                                             int64_t step_ms,
                                             const QueryOptions& opts) const {
  return Run(options_, storage, expr, opts.query_text, start_ms, end_ms,
             step_ms, opts);
}

}  // namespace vigil::promql
