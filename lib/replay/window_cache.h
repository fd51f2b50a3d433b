// Serves a replay's rule queries from range queries: the first evaluation
// of a rule in a window runs its expression once over every query time of
// the window left (Engine::Evaluate with the group's step), and each
// evaluation takes its step of the result. Internal to vigil_replay.
//
// Only expressions registered with Enable() are batched; anything else —
// a template's query, a rule the plan leaves step by step — and any batch
// the engine refused (a limit, an error at one step) runs as the instant
// query it stands for, so a failure is the one step-by-step evaluation
// would have had.
#ifndef VIGIL_LIB_REPLAY_WINDOW_CACHE_H_
#define VIGIL_LIB_REPLAY_WINDOW_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::replay {

class WindowCache {
 public:
  // Both must outlive the cache.
  WindowCache(const promql::Engine& engine, Storage& storage, size_t groups)
      : engine_(engine), storage_(storage), windows_(groups) {}

  // Batches `expr`, a rule expression of group `group` (Rule::expr()).
  void Enable(const promql::Expr* expr, size_t group);
  // Group `group`'s next queries run at times up to `last_query_ms`, every
  // `step_ms`; what was cached for the group is dropped.
  void StartWindow(size_t group, int64_t last_query_ms, int64_t step_ms);

  // GroupOptions::query for the groups of the replay.
  rules::QueryFunc Func();

  uint64_t range_queries() const { return range_queries_; }
  uint64_t instant_queries() const { return instant_queries_; }

 private:
  struct Window {
    int64_t last_query_ms = 0;
    int64_t step_ms = 0;
  };
  struct Entry {
    size_t group = 0;
    bool computed = false;
    bool failed = false;
    int64_t from_ms = 0;
    int64_t to_ms = 0;
    promql::Matrix matrix;
    std::vector<size_t> float_at, hist_at;  // per series: next sample
  };

  absl::StatusOr<promql::QueryResult> Query(const promql::Expr& expr,
                                            int64_t t_ms);
  absl::StatusOr<promql::QueryResult> Instant(const promql::Expr& expr,
                                              int64_t t_ms);
  void Compute(const promql::Expr& expr, Entry& e, int64_t t_ms);

  const promql::Engine& engine_;
  Storage& storage_;
  std::vector<Window> windows_;
  absl::flat_hash_map<const promql::Expr*, Entry> entries_;
  uint64_t range_queries_ = 0;
  uint64_t instant_queries_ = 0;
};

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_WINDOW_CACHE_H_
