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
    filling_.push_back({series, t, v});
    if (filling_.size() >= kBatchSamples) HandOver();
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
  static constexpr size_t kBatchSamples = 8192;
  static constexpr size_t kMaxWaitingBatches = 4;

  void HandOver();
  void CommitBatch(const std::vector<Sample>& batch);
  void Run();

  const uint64_t seq_;
  const uint64_t low_watermark_;
  const ChunkOptions options_;
  HeadCounters& counters_;
  std::vector<Sample> filling_;
  Totals totals_;  // the committing thread's until Finish() joins it

  BatchPipe<std::vector<Sample>> pipe_{kMaxWaitingBatches};
  std::thread worker_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_REPLAY_COMMITTER_H_
