#include "promql/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil::promql::eval {

namespace {

constexpr size_t kMaxWidth = 4;

// One ParallelFor call. Shared with the pool threads it was offered to; a
// thread that takes it after every part was claimed only drops it, so
// `fn`, which refers to the caller's frame, is never called after
// ParallelFor has returned.
struct Job {
  Job(size_t n_in, const std::function<void(size_t)>* fn_in)
      : n(n_in), fn(fn_in) {}
  const size_t n;
  const std::function<void(size_t)>* fn;
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  size_t finished = 0;  // guarded by mu

  // Claims and runs parts until none is left.
  void Run() {
    while (true) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      (*fn)(i);
      std::lock_guard<std::mutex> lock(mu);
      if (++finished == n) cv.notify_all();
    }
  }
};

class Pool {
 public:
  explicit Pool(size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  size_t size() const { return threads_.size(); }

  void Offer(const std::shared_ptr<Job>& job, size_t copies) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < copies; ++i) queue_.push_back(job);
    }
    if (copies == 1) {
      cv_.notify_one();
    } else {
      cv_.notify_all();
    }
  }

 private:
  void Loop() {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->Run();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> threads_;
};

// Started on first use and never stopped: its threads sleep on a condition
// variable between queries, and a static destructor joining them at exit
// would race the other statics they may touch.
Pool& SharedPool() {
  static Pool* pool = new Pool(ParallelWidth() - 1);
  return *pool;
}

}  // namespace

size_t ParallelWidth() {
  const size_t cores = std::max<size_t>(std::thread::hardware_concurrency(), 1);
  return std::min(cores, kMaxWidth);
}

void ParallelFor(size_t n, bool parallel,
                 const std::function<void(size_t)>& fn) {
  if (!parallel || n < 2 || ParallelWidth() < 2) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  Pool& pool = SharedPool();
  auto job = std::make_shared<Job>(n, &fn);
  pool.Offer(job, std::min(pool.size(), n - 1));
  job->Run();
  std::unique_lock<std::mutex> lock(job->mu);
  job->cv.wait(lock, [&] { return job->finished == job->n; });
}

}  // namespace vigil::promql::eval
