// The Head's write-ahead log: logging each commit (series records for
// series the log does not hold yet, then the samples) and replaying the
// log into a fresh Head. Internal; the contract is Head::OpenWal's in
// vigil/tsdb.h, the file format wal.h's.
#ifndef VIGIL_LIB_TSDB_HEAD_WAL_H_
#define VIGIL_LIB_TSDB_HEAD_WAL_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lib/tsdb/head_impl.h"
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
struct CommitHistogramSample {
  MemSeries* series;
  int64_t t;
  FloatHistogram h;
};

class HeadWal {
 public:
  HeadWal(WalOptions options, std::unique_ptr<wal::Writer> writer, int lock_fd,
          WalReplayStats replay);
  ~HeadWal();  // stops the syncer, syncs, releases the lock

  // The sample records of a commit, encoded and compressed before the
  // commit lock is taken (they need nothing it guards).
  static std::vector<std::string> EncodeSamples(
      const std::vector<CommitSample>& samples,
      const std::vector<CommitHistogramSample>& histograms);
  // Logs one commit: series records for its series the log does not hold
  // yet, then `sample_records`. Called under the Head's commit lock, before
  // the samples are applied. A failure is counted and logged (at most once
  // a minute), never returned: the samples still go into memory.
  void LogCommit(const std::vector<CommitSample>& samples,
                 const std::vector<CommitHistogramSample>& histograms,
                 std::vector<std::string> sample_records);

  WalStats Stats() const;

  wal::Writer& writer() { return *writer_; }
  const WalOptions& options() const { return options_; }
  // Whether the segments written since the last snapshot (or replayed
  // after it) outweigh it: time for a checkpoint.
  bool SnapshotDue() const;
  // Bookkeeping after a snapshot attempt.
  void SnapshotDone(const absl::StatusOr<int64_t>& bytes);
  // One snapshot at a time (GC's checkpoint, the shutdown's).
  std::mutex& snapshot_mu() { return snapshot_mu_; }
  void MarkSnapshot(int64_t written) {
    written_at_snapshot_.store(written, std::memory_order_relaxed);
  }

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
  std::mutex snapshot_mu_;
  std::atomic<uint64_t> snapshots_{0};
  std::atomic<uint64_t> snapshot_failures_{0};
  std::atomic<int64_t> snapshot_bytes_{0};
  // writer_->bytes_written() when the last snapshot was cut, less what
  // replay read from segments after it.
  std::atomic<int64_t> written_at_snapshot_{0};
  bool failing_ = false;             // under the commit lock
  int64_t last_failure_log_ms_ = 0;  // under the commit lock

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stop_ = false;
  std::thread syncer_;
};

// Snapshots (head_snapshot.cc): DIR/snapshot.<S> holds every series with
// its chunks as of the commit before log segment S, which makes the
// segments before S unnecessary. Written at shutdown and as the log's
// checkpoint when it has grown past the last snapshot.
struct SnapshotDir {
  int64_t segment;
  std::string path;
};
std::vector<SnapshotDir> ListSnapshots(const std::string& dir);

struct SnapshotWritten {
  int64_t segment = 0;
  // The snapshot of this cut exists already (nothing committed since).
  bool unchanged = false;
  uint64_t records = 0;  // series records: long series take several
  uint64_t series = 0;
  uint64_t samples = 0;
  int64_t bytes = 0;
};
// Cuts the log, writes the snapshot, then deletes older snapshots and the
// segments before the cut. Nothing is deleted unless the snapshot is
// synced and renamed into place; a failed attempt leaves no .tmp.
absl::StatusOr<SnapshotWritten> WriteSnapshot(Head::Impl& h, HeadWal& wal,
                                              const std::string& dir);

// The series a replay has met, by the ref the log gave them. Refs are a
// Head's counter, so mostly dense: a vector for them, a map for the rest
// (a hostile log's huge refs must not allocate a huge vector). The Head
// owns the series; GC does not run during a replay.
class ReplayRefs {
 public:
  void Set(SeriesRef ref, MemSeries* series) {
    if (ref < kDenseLimit) {
      if (ref >= dense_.size())
        dense_.resize(std::max<size_t>(ref + 1, dense_.size() * 2));
      dense_[ref] = series;
    } else {
      sparse_[ref] = series;
    }
  }
  MemSeries* Find(SeriesRef ref) const {
    if (ref < kDenseLimit) return ref < dense_.size() ? dense_[ref] : nullptr;
    auto it = sparse_.find(ref);
    return it == sparse_.end() ? nullptr : it->second;
  }

 private:
  // 32 MiB of pointers at most; refs past it (a Head that created over
  // four million series since its log began) go to the map.
  static constexpr SeriesRef kDenseLimit = SeriesRef{1} << 22;
  std::vector<MemSeries*> dense_;
  absl::flat_hash_map<SeriesRef, MemSeries*> sparse_;
};

// The series a load leaves out (StorageReadOptions::skip), by the ref the
// log or snapshot gave them. Without a skip function it keeps everything.
class SkippedSeries {
 public:
  using SkipFn = std::function<uint64_t*(const Labels&)>;
  explicit SkippedSeries(const SkipFn* skip = nullptr) : skip_(skip) {}

  // Whether the series `labels`, logged under `ref`, is left out.
  bool Skip(SeriesRef ref, const Labels& labels) {
    if (skip_ == nullptr || !*skip_) return false;
    if (refs_.contains(ref)) return true;
    uint64_t* counter = (*skip_)(labels);
    if (counter == nullptr) return false;
    refs_.emplace(ref, counter);
    ++series_;
    return true;
  }
  // Counts `n` samples of `ref` if it is a series left out.
  bool Count(SeriesRef ref, uint64_t n) {
    if (refs_.empty()) return false;
    auto it = refs_.find(ref);
    if (it == refs_.end()) return false;
    *it->second += n;
    samples_ += n;
    return true;
  }
  uint64_t series() const { return series_; }
  uint64_t samples() const { return samples_; }

 private:
  const SkipFn* skip_;
  absl::flat_hash_map<SeriesRef, uint64_t*> refs_;
  uint64_t series_ = 0;
  uint64_t samples_ = 0;
};

// Loads a storage directory into a Head: the newest snapshot that fits the
// log, then the log's `segments` after it (headers already checked).
// OpenWal's `repair` removes unfinished snapshots and cuts damaged
// segments; without it (LoadStorage) the directory is only read.
struct StorageLoad {
  StorageLoad(const std::string& dir,
              const std::vector<wal::SegmentRef>& segments, bool repair,
              SkippedSeries& skipped,
              const std::function<void(std::string_view)>& log)
      : dir(dir),
        segments(segments),
        repair(repair),
        skipped(skipped),
        log(log) {}
  const std::string& dir;
  const std::vector<wal::SegmentRef>& segments;
  bool repair;
  SkippedSeries& skipped;
  const std::function<void(std::string_view)>& log;
};
// Fills `stats` (all but `seconds`); `first_segment` gets the number past
// every snapshot's cut, where a new log must start.
absl::Status LoadStorageInto(Head::Impl& h, const StorageLoad& load,
                             WalReplayStats* stats, int64_t* first_segment);

// Removes snapshot.N.tmp directories an interrupted snapshot left.
void RemoveUnfinishedSnapshots(const std::string& dir);

struct SnapshotLoaded {
  int64_t segment = -1;
  uint64_t series = 0;
  uint64_t samples = 0;
};
// Loads `snapshot` into a Head being replayed, mapping each snapshot ref to
// its series. An error (damage, no end record) leaves the Head untouched:
// the whole snapshot is checked before any of it is applied.
// Series `skipped` leaves out are not created; their samples are counted.
absl::StatusOr<SnapshotLoaded> LoadSnapshot(Head::Impl& h,
                                            const SnapshotDir& snapshot,
                                            uint64_t replayer,
                                            ReplayRefs* by_wal_ref,
                                            SkippedSeries& skipped);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_HEAD_WAL_H_
