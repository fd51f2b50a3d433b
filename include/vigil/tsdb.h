// Head: the in-memory time-series store that scraped series live in.
//
// Modelled on Prometheus's head block (tsdb/head.go). Series are keyed by
// their label set and get a stable SeriesRef that is never reused; samples
// live in Gorilla-compressed chunks (delta-of-delta timestamps, XOR floats,
// at most kDefaultSamplesPerChunk samples each); native histogram samples
// in histogram chunks of the same kind (a series may switch between the
// two, as in Prometheus); an inverted index (label name -> value -> sorted
// refs) resolves selectors without scanning every series.
//
// Writing: Head implements vigil::Appendable; the batch, ref and error
// contracts are storage.h's. A Head's refs are stable and never reused; it
// forgets a ref when GC removes the series. As in Prometheus, a series is
// created (and indexed) by Append() itself, so label queries may see a series
// whose samples were rolled back until GC removes it. "out of bounds" means
// older than the retention cutoff of the last RunGc(). Rejections are counted
// in HeadStats. AppendHistogram() follows the same rules (a duplicate is a
// histogram at the same time that is not Equals(); a histogram and a float
// at one time clash) and refuses a histogram whose spans, schema or custom
// bounds do not hold together with InvalidArgument. A commit applies its
// floats before its histograms, as Prometheus does, and the commit
// observers see them in that order.
//
// Reading: Head implements vigil::Storage. A Querier is a snapshot taken
// when it is opened: samples committed later are not visible through it. Its
// iterators are bounded to the querier's [mint, maxt]; SelectHints are not
// used for bounding (like Prometheus's head querier). Select() drops series
// with no chunk overlapping [mint, maxt].
//
// Retention: RunGc(now) drops whole chunks whose newest sample is older than
// now - retention, removes series left without samples from the index, and
// rejects later appends below that cutoff ("out of bounds"). A chunk that an
// open querier's range still covers is kept until that querier closes.
// ExemptFromRetention(t) keeps every chunk holding a sample at or before t
// (data loaded from files at start up, which a wall-clock cutoff would drop
// at once) — and, since a series only loses its oldest chunks, the later
// chunks of those series too.
//
// Durability: OpenWal() puts the Head on a directory. It replays the
// write-ahead log found there (series keep their refs) and from then on
// logs every commit before applying it, so a process crash loses nothing
// committed and a power loss at most the last sync interval. Without it
// the Head is memory-only.
//
// Thread safety: Head and Appender creation are safe from any thread; one
// Appender belongs to one thread. Appends, commits, queries and GC run
// concurrently; no lock is held while a query iterates samples, so a scrape
// never waits behind a long query. A Querier (and the series it returns) may
// outlive the Head.
#ifndef VIGIL_TSDB_H_
#define VIGIL_TSDB_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/storage.h"

namespace vigil::tsdb {

// Prometheus cuts head chunks at 120 samples: past that, compression gains
// little and seeking inside a chunk costs more.
inline constexpr int kDefaultSamplesPerChunk = 120;
// Prometheus's head chunk range (2h): a chunk never spans a boundary of this
// grid, which bounds how long retention keeps data past its cutoff.
inline constexpr int64_t kDefaultChunkRangeMs = 2 * 3600 * 1000;
// Prometheus's --storage.tsdb.retention.time default.
inline constexpr int64_t kDefaultRetentionMs = 15LL * 24 * 3600 * 1000;

struct HeadOptions {
  int samples_per_chunk = kDefaultSamplesPerChunk;
  int64_t chunk_range_ms = kDefaultChunkRangeMs;
  int64_t retention_ms = kDefaultRetentionMs;
};

// Counters since creation, except the gauges (series, chunks, chunk_bytes,
// symbols).
struct HeadStats {
  uint64_t series = 0;  // live series
  uint64_t series_created = 0;
  uint64_t series_removed = 0;    // by GC
  uint64_t samples_appended = 0;  // committed and stored
  uint64_t out_of_order_rejected = 0;
  uint64_t duplicates_rejected = 0;  // same t, different value
  uint64_t duplicates_ignored = 0;   // same t, same value
  uint64_t out_of_bounds_rejected = 0;
  uint64_t chunks = 0;          // live chunks, the open ones included
  uint64_t chunks_removed = 0;  // by GC
  uint64_t chunk_bytes = 0;     // encoded sample bytes in live chunks
  // Distinct label names and values of the live series (each is stored once
  // however many series carry it).
  uint64_t symbols = 0;
};

// Prometheus's default sync policy syncs only when a segment is closed;
// vigil also syncs once a second, so a power loss costs at most a second of
// samples for the price of one fdatasync a second.
inline constexpr int64_t kDefaultWalSyncIntervalMs = 1000;

struct WalOptions {
  // The storage directory (--storage.tsdb.path), created when missing: the
  // log is DIR/wal, and DIR/lock keeps a second process out while this
  // Head lives.
  std::string dir;
  // fdatasync of the log at most this often, in the background; 0 syncs
  // in every commit (slow, for the paranoid).
  int64_t sync_interval_ms = kDefaultWalSyncIntervalMs;
  // Replay holds one segment in memory at a time: small segments keep it
  // near the Head's steady-state size.
  int64_t segment_bytes = 8 << 20;
  // A checkpoint (a snapshot of the Head, after which the older segments
  // are deleted) is written by CheckpointWalIfDue() once the log has grown
  // past the last snapshot's size and this: disk stays near twice the
  // Head's chunks, and a start after a crash replays at most about this
  // much log (some 12M samples of kube-state-metrics data, about 1.5 s
  // here) after loading the checkpoint.
  int64_t checkpoint_min_bytes = 32 << 20;
  // Notable events: a damaged segment cut during replay, logging failing
  // (at most once a minute) and resuming. Null: dropped.
  std::function<void(std::string_view)> log;
  // The clock for "once a minute" (null: steady clock).
  std::function<int64_t()> monotonic_ms;
};

struct WalReplayStats {
  uint64_t segments = 0;
  uint64_t records = 0;
  uint64_t series = 0;
  uint64_t samples = 0;           // appended to the Head
  uint64_t samples_rejected = 0;  // out of bounds (retention) or order
  uint64_t unknown_refs = 0;      // samples of a series the log lost
  uint64_t corruptions = 0;       // damaged records found
  uint64_t truncations = 0;       // segments cut at the damage
  uint64_t snapshot_series = 0;   // loaded from the newest snapshot
  uint64_t snapshot_samples = 0;
  uint64_t snapshots_discarded = 0;
  int64_t replayed_bytes = 0;   // of log segments after the snapshot
  int64_t snapshot_bytes = 0;   // of the snapshot loaded
  double snapshot_seconds = 0;  // loading the snapshot, of `seconds`
  double seconds = 0;
};

// Reading a storage directory that another process owns or owned
// (`vigil replay --data DIR`): Head::LoadStorage.
struct StorageReadOptions {
  // A directory `vigil run --storage.tsdb.path` wrote.
  std::string dir;
  // Series to leave out: for a series it returns a counter for, no series
  // is created and the counter gets one for each of its samples found;
  // null keeps the series. Called once per series, by its first record.
  std::function<uint64_t*(const Labels&)> skip;
  // Damage found (and left as it is), a snapshot passed over. Null:
  // dropped.
  std::function<void(std::string_view)> log;
};

struct StorageReadStats {
  WalReplayStats replay;  // truncations stays 0: nothing is repaired
  uint64_t skipped_series = 0;
  uint64_t skipped_samples = 0;
  // The oldest and newest sample the Head holds after the load; unset
  // (min > max) when it holds none.
  int64_t min_time_ms = std::numeric_limits<int64_t>::max();
  int64_t max_time_ms = std::numeric_limits<int64_t>::min();
};

// Counters since OpenWal (gauges: segment_current).
struct WalStats {
  bool enabled = false;
  uint64_t fsyncs = 0;
  double fsync_seconds = 0;
  uint64_t page_flushes = 0;
  uint64_t bytes_written = 0;
  uint64_t records_written = 0;
  uint64_t write_failures = 0;
  int64_t segment_current = 0;
  uint64_t snapshots = 0;  // written: checkpoints and at shutdown
  uint64_t snapshot_failures = 0;
  int64_t snapshot_bytes = 0;  // the last one's
  WalReplayStats replay;
};

// Sees the samples each commit stored, in commit order (remote write's
// memory mode). Called under the Head's commit lock, so it must be quick
// and must not call back into the Head; `labels_of(i)` builds the labels
// of samples[i]'s series (a copy: call it only for series not seen yet).
using CommitObserver =
    std::function<void(const SeriesRef* refs, const Sample* samples, size_t n,
                       const std::function<Labels(size_t)>& labels_of)>;
// The same for the native histograms a commit stored, called after the
// commit observer; `histograms` are copies the callee may move from.
using HistogramCommitObserver = std::function<void(
    const SeriesRef* refs, const int64_t* ts, FloatHistogram* histograms,
    size_t n, const std::function<Labels(size_t)>& labels_of)>;

class Head : public Storage, public Appendable {
 public:
  explicit Head(HeadOptions options = {});
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  std::unique_ptr<Appender> NewAppender() override;

  absl::StatusOr<std::unique_ptr<Querier>> OpenQuerier(
      int64_t mint_ms, int64_t maxt_ms) override;

  struct GcResult {
    uint64_t chunks_removed = 0;
    uint64_t series_removed = 0;
  };
  // Applies retention as of `now_ms`; see the file comment.
  GcResult RunGc(int64_t now_ms);
  // From now on RunGc() keeps chunks with a sample at or before
  // `through_ms`; see the file comment. The largest value given wins.
  void ExemptFromRetention(int64_t through_ms);

  HeadStats Stats() const;

  // Installs (or, with null, removes) the commit observers.
  void SetCommitObserver(CommitObserver observer,
                         HistogramCommitObserver histograms = nullptr);

  // Replays DIR/wal into this Head, then logs every commit; call before
  // the writers whose samples must survive start appending (what was
  // appended before, such as data loaded from files at start, stays in
  // memory unlogged). Samples older than `now_ms` minus the retention are
  // not replayed. Errors, with nothing deleted: DIR cannot be created or
  // written, DIR/lock is held by another process, a segment was written
  // by a newer vigil. A damaged segment is not an error: it is cut where
  // the damage starts (logged, counted) and replay goes on.
  absl::StatusOr<WalReplayStats> OpenWal(const WalOptions& options,
                                         int64_t now_ms);
  WalStats GetWalStats() const;
  // Loads the storage directory as OpenWal would (the newest usable
  // snapshot, then the log after it), without owning it: nothing in it is
  // created, locked, cut or deleted, and no log is attached (later appends
  // stay in memory). A directory a running vigil holds can be read, but
  // may change underneath (a checkpoint deletes the segments it replaces):
  // read a copy for a consistent view. Damage is counted and logged, not
  // repaired; a snapshot that cannot be used is passed over, as OpenWal
  // does. No retention applies. Errors name the path: DIR is not a
  // storage directory (neither wal/ nor a snapshot in it) or cannot be
  // read, a segment was written by a newer vigil.
  absl::StatusOr<StorageReadStats> LoadStorage(
      const StorageReadOptions& options);
  // Writes a snapshot of the Head into the storage directory and deletes
  // the log segments it replaces, so the next OpenWal loads chunks instead
  // of replaying samples; for a clean shutdown. RunGc does the same as the
  // log's checkpoint. A snapshot that later fails to load, or does not
  // match the log, is discarded with a log line.
  absl::Status SnapshotWal();
  // The log's checkpoint: a snapshot once the log has grown past the last
  // one's size and WalOptions::checkpoint_min_bytes; nothing otherwise (a
  // cheap check). RunGc calls it; call it more often than RunGc where the
  // log grows fast, since the log since the checkpoint is what a start
  // after a crash replays. Failures are logged and counted, not returned.
  void CheckpointWalIfDue();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::tsdb

#endif  // VIGIL_TSDB_H_
