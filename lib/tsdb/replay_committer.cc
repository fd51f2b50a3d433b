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
  filling_.floats.reserve(kBatchSamples);
  if (threaded) worker_ = std::thread([this] { Run(); });
}

ReplayCommitter::~ReplayCommitter() { Finish(); }

void ReplayCommitter::HandOver() {
  if (!worker_.joinable()) {
    CommitBatch(filling_);
    filling_.clear();
    return;
  }
  filling_ = pipe_.Push(std::move(filling_));
  filling_.floats.reserve(kBatchSamples);
}

void ReplayCommitter::CommitBatch(const Batch& full) {
  const std::vector<Sample>& batch = full.floats;
  // Each sample is another series, cold in cache: fetching the series a
  // few samples ahead overlaps those misses instead of waiting on each.
  constexpr size_t kSeriesAhead = 16;
  constexpr size_t kChunkAhead = 8;
  CommitTally tally;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i + kSeriesAhead < batch.size()) {
      __builtin_prefetch(batch[i + kSeriesAhead].series, 1);
    }
    if (i + kChunkAhead < batch.size()) {
      batch[i + kChunkAhead].series->PrefetchOpenChunk();
    }
    const Sample& s = batch[i];
    std::lock_guard<SeriesMutex> lock(s.series->mu());
    Count(s.series->Commit(s.t, s.v, seq_, low_watermark_, options_, tally));
  }
  for (const HistogramSample& s : full.histograms) {
    std::lock_guard<SeriesMutex> lock(s.series->mu());
    Count(s.series->CommitHistogram(s.t, s.h, seq_, low_watermark_, options_,
                                    tally));
  }
  tally.FlushTo(counters_);
}

void ReplayCommitter::Run() {
  Batch batch;
  while (pipe_.Pop(&batch)) {
    CommitBatch(batch);
    pipe_.Recycle(std::move(batch));
  }
}

ReplayCommitter::Totals ReplayCommitter::Finish() {
  if (!filling_.floats.empty() || !filling_.histograms.empty()) HandOver();
  if (worker_.joinable()) {
    pipe_.Close();
    worker_.join();
  }
  return totals_;
}

}  // namespace vigil::tsdb
