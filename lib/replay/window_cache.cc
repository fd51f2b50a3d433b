#include "lib/replay/window_cache.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>

#include "absl/container/inlined_vector.h"

namespace vigil::replay {

WindowCache::WindowCache(const promql::Engine& engine, Storage& storage,
                         size_t groups, QueriesAhead ahead,
                         promql::SharedSelections* shared)
    : engine_(engine),
      storage_(storage),
      mode_(ahead),
      shared_(shared),
      windows_(groups) {
  if (mode_ == QueriesAhead::kThread)
    worker_ = std::thread([this] { Worker(); });
}

WindowCache::~WindowCache() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

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

WindowCache::Batch WindowCache::RunRange(const promql::Expr& expr,
                                         const Window& w, int64_t t_ms) const {
  Batch b;
  b.from_ms = t_ms;
  b.to_ms = t_ms;
  if (w.step_ms <= 0 || t_ms > w.last_query_ms ||
      (w.last_query_ms - t_ms) % w.step_ms != 0) {
    return b;  // not on the window's grid: step by step
  }
  // A range fails as a whole when one step fails (many-to-many matching
  // while a series changes its labels, a limit): halve it until the steps
  // before the failing one run batched, and that one alone runs instant.
  int64_t steps = (w.last_query_ms - t_ms) / w.step_ms + 1;
  while (steps >= 1) {
    const int64_t to = t_ms + (steps - 1) * w.step_ms;
    ++b.range_queries;
    const auto start = std::chrono::steady_clock::now();
    // Query() hands each step on in the matrix's order, as an instant
    // query's vector has none: sorting the recording rule's 10,000 series
    // by labels was about a twentieth of its query.
    promql::QueryOptions opts;
    opts.unsorted_matrix = true;
    opts.shared_selections = shared_;
    auto r = engine_.Evaluate(storage_, expr, t_ms, to, w.step_ms, opts);
    b.took_us += std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    auto* m = r.ok() ? std::get_if<promql::Matrix>(&r->value) : nullptr;
    if (m != nullptr) {
      b.matrix = std::move(*m);
      b.to_ms = to;
      b.failed = false;
      return b;
    }
    steps /= 2;
  }
  return b;
}

void WindowCache::Install(Entry& e, Batch b) {
  range_queries_ += b.range_queries;
  e.last_took_us = b.took_us;
  e.computed = true;
  e.failed = b.failed;
  e.from_ms = b.from_ms;
  e.to_ms = b.to_ms;
  e.matrix = std::move(b.matrix);
  e.float_at.assign(e.matrix.size(), 0);
  e.hist_at.assign(e.matrix.size(), 0);
}

void WindowCache::Compute(const promql::Expr& expr, Entry& e, int64_t t_ms) {
  if (ComputeSplit(expr, e, t_ms)) return;
  Install(e, RunRange(expr, windows_[e.group], t_ms));
}

namespace {

// Appends `later`'s steps, all after `earlier`'s, to the series of the same
// labels in `earlier`.
void AppendSteps(promql::Matrix& earlier, promql::Matrix later) {
  absl::flat_hash_map<uint64_t, absl::InlinedVector<size_t, 1>> by_hash;
  by_hash.reserve(earlier.size());
  for (size_t i = 0; i < earlier.size(); ++i) {
    by_hash[earlier[i].metric.Hash()].push_back(i);
  }
  const size_t before = earlier.size();
  for (promql::MatrixSeries& s : later) {
    promql::MatrixSeries* into = nullptr;
    if (auto it = by_hash.find(s.metric.Hash()); it != by_hash.end()) {
      for (size_t i : it->second) {
        if (i < before && earlier[i].metric == s.metric) into = &earlier[i];
      }
    }
    if (into == nullptr) {
      earlier.push_back(std::move(s));
      continue;
    }
    into->samples.insert(into->samples.end(), s.samples.begin(),
                         s.samples.end());
    into->histograms.insert(into->histograms.end(),
                            std::make_move_iterator(s.histograms.begin()),
                            std::make_move_iterator(s.histograms.end()));
  }
}

}  // namespace

bool WindowCache::ComputeSplit(const promql::Expr& expr, Entry& e,
                               int64_t t_ms) {
  if (mode_ == QueriesAhead::kOff) return false;
  const Window& w = windows_[e.group];
  if (w.step_ms <= 0 || t_ms > w.last_query_ms ||
      (w.last_query_ms - t_ms) % w.step_ms != 0) {
    return false;
  }
  const int64_t steps = (w.last_query_ms - t_ms) / w.step_ms + 1;
  // Two selections of the series cost more than one: only a query that
  // took long the last time (or never ran) is worth it. Inline (tests)
  // splits whatever it can.
  if (mode_ == QueriesAhead::kThread &&
      (steps < kMinSplitSteps ||
       (e.last_took_us >= 0 && e.last_took_us < kMinSplitUs))) {
    return false;
  }
  if (steps < 2) return false;
  const Window first{t_ms + (steps / 2 - 1) * w.step_ms, w.step_ms};
  Slot second;
  second.expr = &expr;
  second.window = w;
  second.from_ms = first.last_query_ms + w.step_ms;
  if (mode_ == QueriesAhead::kThread) Queue(second, /*first=*/true);
  Batch a = RunRange(expr, first, t_ms);
  std::optional<Batch> b = Take(second);
  if (!b) b = RunRange(expr, w, second.from_ms);
  // Steps served from a range are instant queries' results wherever the
  // range was cut; a half that stopped early (a failing step) leaves the
  // rest to the next Compute, as one range would.
  range_queries_ += b->range_queries;
  if (!a.failed && a.to_ms == first.last_query_ms && !b->failed) {
    a.to_ms = b->to_ms;
    AppendSteps(a.matrix, std::move(b->matrix));
  }
  a.took_us += b->took_us;
  Install(e, std::move(a));
  return true;
}

void WindowCache::Queue(Slot& slot, bool first) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    slot.state = SlotState::kQueued;
    if (first) {
      queue_.push_front(&slot);
    } else {
      queue_.push_back(&slot);
    }
  }
  cv_.notify_all();
}

void WindowCache::Ahead(const promql::Expr* expr, int64_t first_query_ms) {
  if (mode_ == QueriesAhead::kOff) return;
  auto it = entries_.find(expr);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.computed) return;
  if (mode_ == QueriesAhead::kInline) {
    Compute(*expr, e, first_query_ms);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (e.ahead.state != SlotState::kNone) return;
    e.ahead.expr = expr;
    e.ahead.window = windows_[e.group];
    e.ahead.from_ms = first_query_ms;
  }
  Queue(e.ahead, /*first=*/false);
}

std::optional<WindowCache::Batch> WindowCache::Take(Slot& slot) {
  if (mode_ != QueriesAhead::kThread) return std::nullopt;
  std::optional<Batch> b;
  {
    std::unique_lock<std::mutex> lock(mu_);
    switch (slot.state) {
      case SlotState::kNone:
        return std::nullopt;
      case SlotState::kQueued:
        // Not started: the caller runs it now rather than wait for the
        // thread to finish what it runs.
        slot.state = SlotState::kNone;
        queue_.erase(std::find(queue_.begin(), queue_.end(), &slot));
        return std::nullopt;
      case SlotState::kRunning:
        cv_.wait(lock, [&slot] { return slot.state == SlotState::kDone; });
        break;
      case SlotState::kDone:
        break;
    }
    slot.state = SlotState::kNone;
    --done_ahead_;
    b = std::move(slot.result);
    slot.result = Batch();
  }
  cv_.notify_all();
  return b;
}

void WindowCache::Drain() {
  if (mode_ != QueriesAhead::kThread) return;
  std::unique_lock<std::mutex> lock(mu_);
  for (Slot* slot : queue_) {
    if (slot->state == SlotState::kQueued) slot->state = SlotState::kNone;
  }
  queue_.clear();
  cv_.wait(lock, [this] { return !running_; });
  for (auto& [expr, e] : entries_) {
    if (e.ahead.state != SlotState::kDone) continue;
    range_queries_ += e.ahead.result.range_queries;
    e.ahead.result = Batch();
    e.ahead.state = SlotState::kNone;
    --done_ahead_;
  }
}

void WindowCache::Worker() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] {
      return stop_ || (!queue_.empty() && done_ahead_ < kMaxDoneAhead);
    });
    if (stop_) return;
    Slot& slot = *queue_.front();
    queue_.pop_front();
    if (slot.state != SlotState::kQueued) continue;  // the caller took it
    slot.state = SlotState::kRunning;
    running_ = true;
    const promql::Expr& expr = *slot.expr;
    const Window window = slot.window;
    const int64_t from = slot.from_ms;
    lock.unlock();
    Batch b = RunRange(expr, window, from);
    lock.lock();
    slot.result = std::move(b);
    slot.state = SlotState::kDone;
    ++done_ahead_;
    running_ = false;
    cv_.notify_all();
  }
}

absl::StatusOr<promql::QueryResult> WindowCache::Query(const promql::Expr& expr,
                                                       int64_t t_ms) {
  auto it = entries_.find(&expr);
  if (it == entries_.end()) return Instant(expr, t_ms);
  Entry& e = it->second;
  if (!e.computed || t_ms < e.from_ms || t_ms > e.to_ms) {
    std::optional<Batch> ahead = Take(e.ahead);
    if (ahead && ahead->from_ms == t_ms) {
      Install(e, std::move(*ahead));
    } else {
      if (ahead) range_queries_ += ahead->range_queries;
      Compute(expr, e, t_ms);
    }
  }
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
