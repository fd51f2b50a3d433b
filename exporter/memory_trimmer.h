// Giving memory that queries freed back to the system. Allocators keep what
// a thread frees for reuse: after a few rounds of large queries from
// Grafana, glibc's malloc held 425 MB resident with 75 MB of data loaded
// (bench/query_side_by_side.sh). A release once queries go quiet
// (MemoryTrimmer, calling allocator.h's ReleaseFreeMemory) brings it back
// near what it held before the queries, at no measured cost in query time;
// docs/query_performance.md has the figures.
#ifndef VIGIL_EXPORTER_MEMORY_TRIMMER_H_
#define VIGIL_EXPORTER_MEMORY_TRIMMER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "vigil/api.h"

namespace vigil::exporter {

// When to trim, given when requests finished (milliseconds of a steady
// clock): once nothing finished for `quiet_ms`, or at the latest `max_ms`
// after the first request since the last trim, so that a dashboard that
// never pauses still gets trimmed. Not thread-safe (MemoryTrimmer locks).
class TrimSchedule {
 public:
  TrimSchedule(int64_t quiet_ms, int64_t max_ms)
      : quiet_ms_(quiet_ms), max_ms_(max_ms) {}
  void Activity(int64_t now_ms);
  // When the next trim is due; nullopt when nothing happened since the
  // last one.
  std::optional<int64_t> Due() const;
  void Trimmed() { first_ms_.reset(); }

 private:
  int64_t quiet_ms_;
  int64_t max_ms_;
  std::optional<int64_t> first_ms_;
  int64_t last_ms_ = 0;
};

// A thread that trims (ReleaseFreeMemory by default) on a TrimSchedule.
// Notify() from any thread; the destructor stops the thread.
class MemoryTrimmer {
 public:
  static constexpr int64_t kQuietMs = 1000;
  static constexpr int64_t kMaxDelayMs = 5000;

  // `trim` defaults to ReleaseFreeMemory().
  explicit MemoryTrimmer(std::function<void()> trim = {},
                         int64_t quiet_ms = kQuietMs,
                         int64_t max_delay_ms = kMaxDelayMs);
  ~MemoryTrimmer();
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  void Notify();
  int64_t trims() const;

 private:
  void Run();

  std::function<void()> trim_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  TrimSchedule schedule_;
  int64_t trims_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// Forwards every request to `next` and tells `trimmer` about those that
// took long enough to have allocated much (a query over many series).
class TrimmingObserver : public api::RequestObserver {
 public:
  static constexpr double kMinSeconds = 0.01;

  TrimmingObserver(api::RequestObserver* next, MemoryTrimmer* trimmer)
      : next_(next), trimmer_(trimmer) {}
  void ObserveRequest(std::string_view handler, int status_code,
                      double duration_seconds) override;

 private:
  api::RequestObserver* next_;
  MemoryTrimmer* trimmer_;
};

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_MEMORY_TRIMMER_H_
