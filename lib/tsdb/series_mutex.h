// SeriesMutex: the lock of one MemSeries, in four bytes. Internal.
//
// A Head holds one per series, hundreds of thousands of them, and they are
// almost never contended (one scrape appends to a series; a query takes it
// for a moment). std::mutex is 40 bytes; absl::Mutex would be 8 but runs
// deadlock detection in Debian's build (see head_impl.h). This is the
// classic three-state futex mutex (Drepper, "Futexes Are Tricky", mutex 2)
// on C++20 atomic wait/notify.
//
// Thread safety: a mutex; satisfies Lockable for std::lock_guard.
#ifndef VIGIL_LIB_TSDB_SERIES_MUTEX_H_
#define VIGIL_LIB_TSDB_SERIES_MUTEX_H_

#include <atomic>
#include <cstdint>

namespace vigil::tsdb {

class SeriesMutex {
 public:
  void lock() {
    uint32_t state = kUnlocked;
    if (state_.compare_exchange_strong(state, kLocked,
                                       std::memory_order_acquire)) {
      return;
    }
    if (state != kContended) {
      state = state_.exchange(kContended, std::memory_order_acquire);
    }
    while (state != kUnlocked) {
      state_.wait(kContended, std::memory_order_relaxed);
      state = state_.exchange(kContended, std::memory_order_acquire);
    }
  }
  void unlock() {
    if (state_.exchange(kUnlocked, std::memory_order_release) == kContended) {
      state_.notify_one();
    }
  }

 private:
  static constexpr uint32_t kUnlocked = 0;
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kContended = 2;  // locked, maybe with waiters

  std::atomic<uint32_t> state_{kUnlocked};
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_SERIES_MUTEX_H_
