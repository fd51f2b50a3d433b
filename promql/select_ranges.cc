// The query's pre-pass: the time range every selector reads, so that one
// Querier covers the whole query (Prometheus's FindMinMaxTime and
// getTimeRangesForSelector).
#include <algorithm>
#include <limits>

#include "promql/evaluator.h"

namespace vigil::promql::eval {

void VisitChildren(const Expr& e, const std::function<void(const Expr&)>& fn) {
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& a = e.As<AggregateExpr>();
      if (a.param) fn(*a.param);
      fn(*a.expr);
      break;
    }
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      fn(*b.lhs);
      fn(*b.rhs);
      break;
    }
    case NodeKind::kCall:
      for (const auto& a : e.As<Call>().args) fn(*a);
      break;
    case NodeKind::kMatrixSelector:
      fn(*e.As<MatrixSelector>().selector);
      break;
    case NodeKind::kParen:
      fn(*e.As<ParenExpr>().expr);
      break;
    case NodeKind::kSubquery:
      fn(*e.As<SubqueryExpr>().expr);
      break;
    case NodeKind::kUnary:
      fn(*e.As<UnaryExpr>().expr);
      break;
    case NodeKind::kDuration:
    case NodeKind::kNumber:
    case NodeKind::kString:
    case NodeKind::kVectorSelector:
      break;
  }
}

namespace {

struct PathTimes {
  int64_t subq_offset = 0;
  int64_t subq_range = 0;
  std::optional<int64_t> subq_at;
};

void Walk(const Expr& e, const PathTimes& path, int64_t eval_range,
          QueryState* q, SelectRange* overall, bool* any) {
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      const auto& vs = e.As<VectorSelector>();
      int64_t start = q->query_start;
      int64_t end = q->query_end;
      if (path.subq_at) start = end = *path.subq_at;
      if (auto at = ResolveAt(*q, vs.at_ms, vs.at_modifier)) {
        start = end = *at;
      } else {
        start -= path.subq_offset + path.subq_range;
        end -= path.subq_offset;
      }
      const int64_t lb = q->lookback_ms;
      if (eval_range == 0) {
        // One ms less than the lookback: a sample exactly lookback before
        // the evaluation time is out of the window.
        start -= lb - 1;
        if (vs.smoothed) end += lb;
      } else if (vs.anchored) {
        start -= lb + eval_range - 1;
      } else if (vs.smoothed) {
        start -= lb + eval_range - 1;
        end += lb;
      } else {
        start -= eval_range - 1;
      }
      const int64_t off = DurationOr(*q, vs.offset_expr.get(), vs.offset_ms);
      start -= off;
      end -= off;
      q->select_ranges[&vs] = {start, end};
      if (!*any) {
        *overall = {start, end};
        *any = true;
      } else {
        overall->mint = std::min(overall->mint, start);
        overall->maxt = std::max(overall->maxt, end);
      }
      return;
    }
    case NodeKind::kMatrixSelector: {
      const auto& ms = e.As<MatrixSelector>();
      Walk(*ms.selector, path, DurationOr(*q, ms.range_expr.get(), ms.range_ms),
           q, overall, any);
      return;
    }
    case NodeKind::kCall: {
      const auto& call = e.As<Call>();
      if (call.func == nullptr || call.func->name != "info" ||
          call.args.empty()) {
        break;
      }
      // info(): its second argument is a label selector, not something to
      // read. Its info series are read over the lookback before each time
      // enrichment refers to (Prometheus's infoSelectHints).
      Walk(*call.args[0], path, 0, q, overall, any);
      int64_t start = q->query_start;
      int64_t end = q->query_end;
      if (path.subq_at) start = end = *path.subq_at;
      start -= path.subq_offset + path.subq_range;
      end -= path.subq_offset;
      const InfoTimeRef ref = ComputeInfoTimeRef(*call.args[0], *q);
      if (ref.at) start = end = *ref.at;
      start -= ref.offset + q->lookback_ms - 1;
      end -= ref.offset;
      q->info_ranges[&call] = {start, end};
      if (!*any) {
        *overall = {start, end};
        *any = true;
      } else {
        overall->mint = std::min(overall->mint, start);
        overall->maxt = std::max(overall->maxt, end);
      }
      return;
    }
    case NodeKind::kSubquery: {
      const auto& sq = e.As<SubqueryExpr>();
      PathTimes inner = path;
      const int64_t off = DurationOr(*q, sq.offset_expr.get(), sq.offset_ms);
      const int64_t rng = DurationOr(*q, sq.range_expr.get(), sq.range_ms);
      inner.subq_offset += off;
      inner.subq_range += rng;
      if (auto at = ResolveAt(*q, sq.at_ms, sq.at_modifier)) {
        // An @ on the subquery resets what the path accumulated.
        inner.subq_offset = off;
        inner.subq_range = rng;
        inner.subq_at = at;
      }
      Walk(*sq.expr, inner, 0, q, overall, any);
      return;
    }
    default:
      break;
  }
  VisitChildren(e, [&](const Expr& c) { Walk(c, path, 0, q, overall, any); });
}

}  // namespace

namespace {

// `stats`: whether the nearest enclosing histogram function is one of the
// statistics ones. A binary operator starts afresh on either side, and a
// subquery or a function needing whole histograms stops it.
void FindStats(const Expr& e, bool stats, QueryState* q) {
  switch (e.kind) {
    case NodeKind::kVectorSelector:
      if (stats) q->stats_selectors.insert(&e.As<VectorSelector>());
      return;
    case NodeKind::kMatrixSelector:
      if (stats) {
        q->stats_selectors.insert(e.As<MatrixSelector>().selector.get());
      }
      return;
    case NodeKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      FindStats(*b.lhs, false, q);
      FindStats(*b.rhs, false, q);
      return;
    }
    case NodeKind::kSubquery:
      FindStats(*e.As<SubqueryExpr>().expr, false, q);
      return;
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      const std::string_view name = c.func->name;
      bool inner = stats;
      if (name == "histogram_count" || name == "histogram_sum" ||
          name == "histogram_avg") {
        inner = true;
      } else if (name == "histogram_quantile" || name == "histogram_fraction" ||
                 name == "histogram_quantiles") {
        inner = false;
      }
      for (const auto& a : c.args) FindStats(*a, inner, q);
      return;
    }
    default:
      VisitChildren(e, [&](const Expr& child) { FindStats(child, stats, q); });
  }
}

}  // namespace

void FindStatsSelectors(const Expr& expr, QueryState* q) {
  FindStats(expr, false, q);
}

SelectRange ComputeSelectRanges(const Expr& expr, QueryState* q) {
  SelectRange overall;
  bool any = false;
  Walk(expr, PathTimes{}, 0, q, &overall, &any);
  return any ? overall : SelectRange{0, 0};
}

}  // namespace vigil::promql::eval
