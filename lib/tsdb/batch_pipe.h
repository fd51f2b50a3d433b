// BatchPipe: hands batches of work from one thread to another, so that a
// restart's two halves (reading and decoding the disk, storing into the
// series) run on two cores. Internal.
//
// Bounded: Push() blocks while `max_waiting` batches wait, so a fast
// producer cannot buffer a whole log in memory. Consumed batches come back
// to the producer through Push()'s result, keeping their capacity.
//
// Thread safety: Push() and Close() from the producer, Pop() and Recycle()
// from the consumer.
#ifndef VIGIL_LIB_TSDB_BATCH_PIPE_H_
#define VIGIL_LIB_TSDB_BATCH_PIPE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace vigil::tsdb {

template <typename Batch>
class BatchPipe {
 public:
  explicit BatchPipe(size_t max_waiting) : max_waiting_(max_waiting) {}

  // Queues `full`; returns an emptied batch to fill next (recycled when
  // one is there).
  Batch Push(Batch full) {
    Batch next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return waiting_.size() < max_waiting_; });
      waiting_.push_back(std::move(full));
      if (!spare_.empty()) {
        next = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    changed_.notify_all();
    next.clear();
    return next;
  }

  // No more batches will come.
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    changed_.notify_all();
  }

  // The next batch; false once closed and drained.
  bool Pop(Batch* out) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return closed_ || !waiting_.empty(); });
      if (waiting_.empty()) return false;
      *out = std::move(waiting_.front());
      waiting_.pop_front();
    }
    changed_.notify_all();
    return true;
  }

  // Gives a consumed batch back for reuse.
  void Recycle(Batch done) {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.size() < max_waiting_) spare_.push_back(std::move(done));
  }

 private:
  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Batch> waiting_;  // guarded by mu_
  std::vector<Batch> spare_;   // guarded by mu_
  bool closed_ = false;        // guarded by mu_
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_BATCH_PIPE_H_
