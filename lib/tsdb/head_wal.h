// The Head's write-ahead log: logging each commit (series records for
// series the log does not hold yet, then the samples) and replaying the
// log into a fresh Head. Internal; the contract is Head::OpenWal's in
// vigil/tsdb.h, the file format wal.h's.
#ifndef VIGIL_LIB_TSDB_HEAD_WAL_H_
#define VIGIL_LIB_TSDB_HEAD_WAL_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/tsdb/mem_series.h"
#include "lib/tsdb/wal.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {

// A sample an appender commits; the series is pinned by the appender.
struct CommitSample {
  MemSeries* series;
  int64_t t;
  double v;
};

class HeadWal {
 public:
  HeadWal(WalOptions options, std::unique_ptr<wal::Writer> writer, int lock_fd,
          WalReplayStats replay);
  ~HeadWal();  // stops the syncer, syncs, releases the lock

  // Logs one commit; called under the Head's commit lock, before the
  // samples are applied. A failure is counted and logged (at most once a
  // minute), never returned: the samples still go into memory.
  void LogCommit(const std::vector<CommitSample>& samples);

  WalStats Stats() const;

 private:
  void SyncLoop();
  void Report(const absl::Status& status);

  const WalOptions options_;
  std::unique_ptr<wal::Writer> writer_;
  const int lock_fd_;
  const WalReplayStats replay_;

  std::vector<std::string> records_;  // reused; under the commit lock
  std::atomic<uint64_t> records_written_{0};
  std::atomic<uint64_t> write_failures_{0};
  std::atomic<uint64_t> fsync_nanos_{0};
  bool failing_ = false;             // under the commit lock
  int64_t last_failure_log_ms_ = 0;  // under the commit lock

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stop_ = false;
  std::thread syncer_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HEAD_WAL_H_
