#include "lib/replay/window_cache.h"

#include <utility>

namespace vigil::replay {

void WindowCache::Enable(const promql::Expr* expr, size_t group) {
  entries_[expr].group = group;
}

void WindowCache::StartWindow(size_t group, int64_t last_query_ms,
                              int64_t step_ms) {
  windows_[group] = {last_query_ms, step_ms};
  for (auto& [expr, e] : entries_) {
    if (e.group != group || !e.computed) continue;
    e.computed = false;
    e.failed = false;
    promql::Matrix().swap(e.matrix);
  }
}

rules::QueryFunc WindowCache::Func() {
  return [this](std::string_view, const promql::Expr& expr, int64_t t_ms) {
    return Query(expr, t_ms);
  };
}

absl::StatusOr<promql::QueryResult> WindowCache::Instant(
    const promql::Expr& expr, int64_t t_ms) {
  ++instant_queries_;
  return engine_.Evaluate(storage_, expr, t_ms, t_ms, 0);
}

void WindowCache::Compute(const promql::Expr& expr, Entry& e, int64_t t_ms) {
  const Window& w = windows_[e.group];
  e.computed = true;
  e.failed = true;
  e.from_ms = t_ms;
  e.to_ms = t_ms;
  promql::Matrix().swap(e.matrix);
  if (w.step_ms <= 0 || t_ms > w.last_query_ms ||
      (w.last_query_ms - t_ms) % w.step_ms != 0) {
    return;  // not on the window's grid: step by step
  }
  // A range fails as a whole when one step fails (many-to-many matching
  // while a series changes its labels, a limit): halve it until the steps
  // before the failing one run batched, and that one alone runs instant.
  int64_t steps = (w.last_query_ms - t_ms) / w.step_ms + 1;
  while (steps >= 1) {
    const int64_t to = t_ms + (steps - 1) * w.step_ms;
    ++range_queries_;
    auto r = engine_.Evaluate(storage_, expr, t_ms, to, w.step_ms);
    auto* m = r.ok() ? std::get_if<promql::Matrix>(&r->value) : nullptr;
    if (m != nullptr) {
      e.matrix = std::move(*m);
      e.float_at.assign(e.matrix.size(), 0);
      e.hist_at.assign(e.matrix.size(), 0);
      e.to_ms = to;
      e.failed = false;
      return;
    }
    steps /= 2;
  }
}

absl::StatusOr<promql::QueryResult> WindowCache::Query(const promql::Expr& expr,
                                                       int64_t t_ms) {
  auto it = entries_.find(&expr);
  if (it == entries_.end()) return Instant(expr, t_ms);
  Entry& e = it->second;
  if (!e.computed || t_ms < e.from_ms || t_ms > e.to_ms) Compute(expr, e, t_ms);
  const int64_t step = windows_[e.group].step_ms;
  if (e.failed || (t_ms - e.from_ms) % step != 0) {
    e.computed = false;  // the next step tries a range again
    return Instant(expr, t_ms);
  }

  // The instant query's vector: every series with a point at t, stamped t
  // (Prometheus stamps instant samples with the evaluation time, as a
  // range query stamps each step). Series order differs — the rules do not
  // depend on it.
  promql::Vector out;
  const bool last = t_ms == e.to_ms;  // the matrix is not read again
  for (size_t i = 0; i < e.matrix.size(); ++i) {
    promql::MatrixSeries& s = e.matrix[i];
    size_t& f = e.float_at[i];
    while (f < s.samples.size() && s.samples[f].t < t_ms) ++f;
    size_t& h = e.hist_at[i];
    while (h < s.histograms.size() && s.histograms[h].t < t_ms) ++h;
    const bool has_float = f < s.samples.size() && s.samples[f].t == t_ms;
    const bool has_hist = h < s.histograms.size() && s.histograms[h].t == t_ms;
    if (!has_float && !has_hist) continue;
    Labels metric = last ? std::move(s.metric) : s.metric;
    if (has_hist) {
      out.emplace_back(std::move(metric), t_ms, 0, s.histograms[h].h);
    } else {
      out.emplace_back(std::move(metric), t_ms, s.samples[f].v);
    }
  }
  if (last) {
    promql::Matrix().swap(e.matrix);
    e.computed = false;
  }
  promql::QueryResult result;
  result.value = std::move(out);
  return result;
}

}  // namespace vigil::replay
