#include "exporter/memory_trimmer.h"

#include <algorithm>
#include <chrono>

#include "exporter/allocator.h"

namespace vigil::exporter {

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void TrimSchedule::Activity(int64_t now_ms) {
  if (!first_ms_) first_ms_ = now_ms;
  last_ms_ = now_ms;
}

std::optional<int64_t> TrimSchedule::Due() const {
  if (!first_ms_) return std::nullopt;
  return std::min(last_ms_ + quiet_ms_, *first_ms_ + max_ms_);
}

MemoryTrimmer::MemoryTrimmer(std::function<void()> trim, int64_t quiet_ms,
                             int64_t max_delay_ms)
    : trim_(trim ? std::move(trim) : [] { ReleaseFreeMemory(); }),
      schedule_(quiet_ms, max_delay_ms),
      thread_([this] { Run(); }) {}

MemoryTrimmer::~MemoryTrimmer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void MemoryTrimmer::Notify() {
  {
    std::lock_guard lock(mu_);
    schedule_.Activity(SteadyMs());
  }
  cv_.notify_all();
}

int64_t MemoryTrimmer::trims() const {
  std::lock_guard lock(mu_);
  return trims_;
}

void MemoryTrimmer::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const std::optional<int64_t> due = schedule_.Due();
    if (!due) {
      cv_.wait(lock);
      continue;
    }
    const int64_t now = SteadyMs();
    if (now < *due) {
      cv_.wait_for(lock, std::chrono::milliseconds(*due - now));
      continue;
    }
    schedule_.Trimmed();
    lock.unlock();
    trim_();
    lock.lock();
    ++trims_;
  }
}

void TrimmingObserver::ObserveRequest(std::string_view handler, int status_code,
                                      double duration_seconds) {
  if (next_ != nullptr) {
    next_->ObserveRequest(handler, status_code, duration_seconds);
  }
  if (duration_seconds >= kMinSeconds) trimmer_->Notify();
}

}  // namespace vigil::exporter
