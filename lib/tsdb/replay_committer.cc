#include "lib/tsdb/replay_committer.h"

#include <utility>

namespace vigil::tsdb {

ReplayCommitter::ReplayCommitter(uint64_t seq, uint64_t low_watermark,
                                 const ChunkOptions& options,
                                 HeadCounters& counters, bool threaded)
    : seq_(seq),
      low_watermark_(low_watermark),
      options_(options),
      counters_(counters) {
  filling_.reserve(kBatchSamples);
  if (threaded) worker_ = std::thread([this] { Run(); });
}

ReplayCommitter::~ReplayCommitter() { Finish(); }

void ReplayCommitter::HandOver() {
  if (!worker_.joinable()) {
    CommitBatch(filling_);
    filling_.clear();
    return;
  }
  std::vector<Sample> next;
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock,
                  [this] { return waiting_.size() < kMaxWaitingBatches; });
    waiting_.push_back(std::move(filling_));
    if (!spare_.empty()) {
      next = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  changed_.notify_all();
  next.clear();
  next.reserve(kBatchSamples);
  filling_ = std::move(next);
}

void ReplayCommitter::CommitBatch(const std::vector<Sample>& batch) {
  // Each sample is another series, cold in cache: fetching the series a
  // few samples ahead overlaps those misses instead of waiting on each.
  constexpr size_t kSeriesAhead = 16;
  constexpr size_t kChunkAhead = 8;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i + kSeriesAhead < batch.size()) {
      __builtin_prefetch(batch[i + kSeriesAhead].series, 1);
    }
    if (i + kChunkAhead < batch.size()) {
      batch[i + kChunkAhead].series->PrefetchOpenChunk();
    }
    const Sample& s = batch[i];
    std::lock_guard<SeriesMutex> lock(s.series->mu());
    if (s.series->Commit(s.t, s.v, seq_, low_watermark_, options_, counters_) ==
        Verdict::kAppend) {
      ++totals_.appended;
    } else {
      ++totals_.rejected;
    }
  }
}

void ReplayCommitter::Run() {
  for (;;) {
    std::vector<Sample> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return closing_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // closing, and all done
      batch = std::move(waiting_.front());
      waiting_.pop_front();
    }
    changed_.notify_all();
    CommitBatch(batch);
    batch.clear();
    std::lock_guard<std::mutex> lock(mu_);
    spare_.push_back(std::move(batch));
  }
}

ReplayCommitter::Totals ReplayCommitter::Finish() {
  if (!filling_.empty()) HandOver();
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  return totals_;
}

}  // namespace vigil::tsdb
