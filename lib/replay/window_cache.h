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
//
// Ahead(): the replayer names a batched query whose inputs are complete for
// the window (the plan's producers have run), and the cache runs it on its
// own thread while the caller evaluates other rules; Query() then takes the
// result, waits for it while it runs, or runs it itself when the thread has
// not started it. The result is the same range query over the same data,
// so nothing downstream can tell (tests/replay_batch_test.cc compares).
// A query the caller runs itself is split in two halves of the window when
// it took long the last time: the thread runs the later half meanwhile, and
// the halves' series are joined by labels (each step of a range query is
// the instant query at that step, so where the range is cut cannot matter).
//
// Thread safety: every method from one thread (the replay's); the cache's
// own thread only runs Engine::Evaluate, which reads the Storage
// concurrently with the caller's appends — Storage allows that.
#ifndef VIGIL_LIB_REPLAY_WINDOW_CACHE_H_
#define VIGIL_LIB_REPLAY_WINDOW_CACHE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "vigil/promql/engine.h"
#include "vigil/replay.h"
#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::replay {

class WindowCache {
 public:
  // All must outlive the cache. `ahead` says how Ahead() runs queries;
  // `shared`, if given, is what the window's range queries share.
  WindowCache(const promql::Engine& engine, Storage& storage, size_t groups,
              QueriesAhead ahead = QueriesAhead::kOff,
              promql::SharedSelections* shared = nullptr);
  ~WindowCache();
  WindowCache(const WindowCache&) = delete;
  WindowCache& operator=(const WindowCache&) = delete;

  // Batches `expr`, a rule expression of group `group` (Rule::expr()).
  void Enable(const promql::Expr* expr, size_t group);
  bool Enabled(const promql::Expr* expr) const {
    return entries_.contains(expr);
  }
  // Group `group`'s next queries run at times up to `last_query_ms`, every
  // `step_ms`; what was cached for the group is dropped. Not while a query
  // of the group is ahead (Drain() first).
  void StartWindow(size_t group, int64_t last_query_ms, int64_t step_ms);

  // The batched `expr`'s range query from `first_query_ms` (its group's
  // first query time in the window) may run now: everything it reads is in
  // the store. With kOff it waits for Query(); with kInline it runs here.
  void Ahead(const promql::Expr* expr, int64_t first_query_ms);
  // Forgets the queries not started ahead and waits for the one running:
  // before the store drops data, and before the next window.
  void Drain();

  // GroupOptions::query for the groups of the replay.
  rules::QueryFunc Func();

  uint64_t range_queries() const { return range_queries_; }
  uint64_t instant_queries() const { return instant_queries_; }

 private:
  struct Window {
    int64_t last_query_ms = 0;
    int64_t step_ms = 0;
  };
  // A range query's outcome over a window from from_ms.
  struct Batch {
    bool failed = true;
    int64_t from_ms = 0;
    int64_t to_ms = 0;
    promql::Matrix matrix;
    uint64_t range_queries = 0;
    int64_t took_us = 0;
  };
  enum class SlotState { kNone, kQueued, kRunning, kDone };
  // A range query handed to the thread; every field is guarded by mu_.
  struct Slot {
    SlotState state = SlotState::kNone;
    const promql::Expr* expr = nullptr;
    Window window;
    int64_t from_ms = 0;
    Batch result;
  };
  struct Entry {
    size_t group = 0;
    bool computed = false;
    bool failed = false;
    int64_t from_ms = 0;
    int64_t to_ms = 0;
    promql::Matrix matrix;
    std::vector<size_t> float_at, hist_at;  // per series: next sample
    int64_t last_took_us = -1;              // the last range query's time
    Slot ahead;
  };

  absl::StatusOr<promql::QueryResult> Query(const promql::Expr& expr,
                                            int64_t t_ms);
  absl::StatusOr<promql::QueryResult> Instant(const promql::Expr& expr,
                                              int64_t t_ms);
  // The range query of `expr` over `w` from t_ms; const, for either thread.
  Batch RunRange(const promql::Expr& expr, const Window& w, int64_t t_ms) const;
  void Install(Entry& e, Batch b);
  void Compute(const promql::Expr& expr, Entry& e, int64_t t_ms);
  // Compute() in two halves, the later one on the thread; false when the
  // range is too short to split.
  bool ComputeSplit(const promql::Expr& expr, Entry& e, int64_t t_ms);
  void Queue(Slot& slot, bool first);
  // The slot's result once the thread has it; none when it had not started
  // (the slot is then the caller's to run).
  std::optional<Batch> Take(Slot& slot);
  void Worker();

  const promql::Engine& engine_;
  Storage& storage_;
  const QueriesAhead mode_;
  promql::SharedSelections* const shared_;
  std::vector<Window> windows_;
  absl::flat_hash_map<const promql::Expr*, Entry> entries_;
  uint64_t range_queries_ = 0;
  uint64_t instant_queries_ = 0;

  // The thread's queue. At most kMaxDoneAhead results wait to be taken, so
  // memory holds at most that many windows of results more than without it.
  static constexpr size_t kMaxDoneAhead = 4;
  // A query the caller runs is split when it has this many steps and took
  // this long the last time (a 1 h window at 30 s has 120 steps).
  static constexpr int64_t kMinSplitSteps = 16;
  static constexpr int64_t kMinSplitUs = 20'000;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Slot*> queue_;
  size_t done_ahead_ = 0;
  bool running_ = false;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_WINDOW_CACHE_H_
