// ReplayCommitter: stores a log replay's samples on a second thread while
// the caller reads and decodes the log, so a restart uses two cores.
// Internal.
//
// The caller resolves each sample's series in log order (creating series as
// the log's series records say) and hands the samples over; they are
// committed in the order given, as the one commit `seq` of the replay, each
// under its series' mutex, with an appender's verdicts (out of order and
// duplicates rejected). One thread commits everything, so every series
// keeps the log's order. At most a few batches wait at a time: a fast
// reader blocks instead of buffering the log in memory.
//
// Thread safety: Add() and Finish() from one thread. The series must
// outlive Finish() and nothing else may append to them meanwhile (GC does
// not run during a replay).
#ifndef VIGIL_LIB_TSDB_REPLAY_COMMITTER_H_
#define VIGIL_LIB_TSDB_REPLAY_COMMITTER_H_

#include <cstdint>
#include <thread>
#include <vector>

#include "lib/tsdb/batch_pipe.h"
#include "lib/tsdb/head_counters.h"
#include "lib/tsdb/mem_series.h"

namespace vigil::tsdb {

class ReplayCommitter {
 public:
  // `threaded` false commits in Add() itself (a one-core machine).
  ReplayCommitter(uint64_t seq, uint64_t low_watermark,
                  const ChunkOptions& options, HeadCounters& counters,
                  bool threaded);
  ~ReplayCommitter();
  ReplayCommitter(const ReplayCommitter&) = delete;
  ReplayCommitter& operator=(const ReplayCommitter&) = delete;

  void Add(MemSeries* series, int64_t t, double v) {
    // A batch commits its floats before its histograms: a float after a
    // histogram starts the next batch, so each series keeps log order.
    if (!filling_.histograms.empty()) HandOver();
    filling_.floats.push_back({series, t, v});
    if (filling_.floats.size() >= kBatchSamples) HandOver();
  }
  void AddHistogram(MemSeries* series, int64_t t, FloatHistogram h) {
    filling_.histograms.push_back({series, t, std::move(h)});
    if (filling_.histograms.size() >= kBatchHistograms) HandOver();
  }

  struct Totals {
    uint64_t appended = 0;
    uint64_t rejected = 0;
  };
  // Waits until every sample is stored. Add() may not follow.
  Totals Finish();

 private:
  struct Sample {
    MemSeries* series;
    int64_t t;
    double v;
  };
  struct HistogramSample {
    MemSeries* series;
    int64_t t;
    FloatHistogram h;
  };
  struct Batch {
    std::vector<Sample> floats;
    std::vector<HistogramSample> histograms;  // after the floats
    void clear() {
      floats.clear();
      histograms.clear();
    }
  };
  static constexpr size_t kBatchSamples = 8192;
  static constexpr size_t kBatchHistograms = 512;
  static constexpr size_t kMaxWaitingBatches = 4;

  void HandOver();
  void CommitBatch(const Batch& batch);
  void Count(Verdict verdict) {
    if (verdict == Verdict::kAppend) {
      ++totals_.appended;
    } else {
      ++totals_.rejected;
    }
  }
  void Run();

  const uint64_t seq_;
  const uint64_t low_watermark_;
  const ChunkOptions options_;
  HeadCounters& counters_;
  Batch filling_;
  Totals totals_;  // the committing thread's until Finish() joins it

  BatchPipe<Batch> pipe_{kMaxWaitingBatches};
  std::thread worker_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_REPLAY_COMMITTER_H_
