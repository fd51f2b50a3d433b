// Follows the Head's write-ahead log for one queue, as Prometheus's WAL
// watcher does (storage/remote/wlog/watcher.go): series records fill the
// queue's cache, sample records — floats, and native histograms with
// send_native_histograms — are queued (waiting while the queue is full, so
// nothing is dropped), and the reader keeps its place — segment
// and offset — between polls. Internal to vigil_remote.
//
// Where it starts: at the oldest segment, reading every series record but
// queueing only samples from `start_ms` on (what was appended before the
// queue existed is not sent, as in Prometheus).
//
// Truncation: a checkpoint (tsdb snapshot.S) deletes the segments before S.
// The Head logs every series again after a cut, so the reader needs
// nothing from the snapshot itself: when its segment is gone it moves to
// the oldest one left and counts the segments it lost. Once it reads past
// a cut S, it forgets series whose record it last saw before S (a series
// that is still written to has been logged again by then).
#ifndef VIGIL_LIB_REMOTE_WAL_WATCHER_H_
#define VIGIL_LIB_REMOTE_WAL_WATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "lib/remote/queue_manager.h"

namespace vigil::remote {

class WalWatcher {
 public:
  // `storage_dir` holds wal/ and the snapshots.
  WalWatcher(std::string storage_dir, QueueManager* queue, int64_t start_ms,
             int64_t poll_interval_ms,
             std::function<void(std::string_view)> log);
  ~WalWatcher();  // Stop()s

  void Start();
  // Ends the reader; the queue must be stopping (or stopped) too, or a
  // reader waiting for room in it would wait on.
  void Stop();

  // Tests: one pass over what the log holds now; false at a read error.
  bool ReadOnce();

 private:
  void Run();
  void Log(const std::string& message);

  const std::string storage_dir_;
  const std::string wal_dir_;
  QueueManager* const queue_;
  const int64_t start_ms_;
  const int64_t poll_interval_ms_;
  const std::function<void(std::string_view)> log_;

  int64_t segment_ = -1;           // -1: not positioned yet
  int64_t offset_ = 0;             // valid bytes of segment_ read so far
  int64_t forgotten_before_ = -1;  // the cut series were forgotten for
  uint64_t skipped_ = 0;
  std::string last_error_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vigil::remote

#endif  // VIGIL_LIB_REMOTE_WAL_WATCHER_H_
