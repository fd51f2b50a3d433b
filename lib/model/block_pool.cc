#include "lib/model/block_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace vigil {
namespace {

// One RunBlocks() call. Shared with the helpers, so that one that wakes
// after the caller returned finds it closed rather than a dangling pointer.
struct Job {
  Job(size_t n, size_t block, absl::FunctionRef<void(size_t, size_t)> fn)
      : n(n), block(block), fn(fn) {}

  // Claims and runs blocks until none are left.
  void Work() {
    for (size_t b = next.fetch_add(block, std::memory_order_relaxed); b < n;
         b = next.fetch_add(block, std::memory_order_relaxed)) {
      fn(b, std::min(n, b + block));
    }
  }

  const size_t n;
  const size_t block;
  // Valid while the caller is inside RunBlocks(): only called by a helper
  // that joined before the job closed, which the caller waits for.
  const absl::FunctionRef<void(size_t, size_t)> fn;
  std::atomic<size_t> next{0};

  std::mutex mu;
  std::condition_variable left;
  bool closed = false;  // the caller is done; no helper may join
  int working = 0;      // helpers that joined and have not finished
};

class BlockPool {
 public:
  static BlockPool& Get() {
    // Never destroyed: helpers may still wait on it while the process
    // exits.
    static BlockPool* pool = new BlockPool();
    return *pool;
  }

  size_t helpers() const { return helpers_; }

  // Hands `job` to the helpers idle now (those busy never see it).
  void Offer(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      offered_ = job;
      ++generation_;
    }
    offered_cv_.notify_all();
  }

 private:
  BlockPool() {
    const unsigned cores = std::thread::hardware_concurrency();
    const size_t wanted =
        std::min<size_t>(kMaxHelpers, cores > 1 ? cores - 1 : 0);
    for (size_t i = 0; i < wanted; ++i) {
      try {
        std::thread(&BlockPool::Loop, this).detach();
        ++helpers_;
      } catch (const std::system_error&) {
        break;  // no thread to be had: the callers work alone
      }
    }
  }

  void Loop() {
    uint64_t seen = 0;
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        offered_cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = offered_;
      }
      if (job == nullptr) continue;
      {
        std::lock_guard<std::mutex> lock(job->mu);
        if (job->closed) continue;
        ++job->working;
      }
      job->Work();
      {
        std::lock_guard<std::mutex> lock(job->mu);
        --job->working;
      }
      job->left.notify_all();
    }
  }

  size_t helpers_ = 0;
  std::mutex mu_;
  std::condition_variable offered_cv_;
  std::shared_ptr<Job> offered_;  // the newest job offered; may be closed
  uint64_t generation_ = 0;
};

}  // namespace

size_t BlockPoolHelpers() { return BlockPool::Get().helpers(); }

void RunBlocks(size_t n, size_t block,
               absl::FunctionRef<void(size_t begin, size_t end)> fn) {
  if (block == 0) block = 1;
  if (n <= block || BlockPool::Get().helpers() == 0) {
    for (size_t b = 0; b < n; b += block) fn(b, std::min(n, b + block));
    return;
  }
  auto job = std::make_shared<Job>(n, block, fn);
  BlockPool::Get().Offer(job);
  job->Work();
  std::unique_lock<std::mutex> lock(job->mu);
  job->closed = true;
  job->left.wait(lock, [&] { return job->working == 0; });
}

}  // namespace vigil
