// One remote_write entry's queue: the series cache, the shards and their
// senders, retries and resharding (Prometheus's QueueManager). Internal to
// vigil_remote; the contract is vigil/remote_write.h's.
//
// Locks: cache_mu_ (the series cache) is taken before mu_ (the shards),
// never the other way round. No lock is held while sending.
#ifndef VIGIL_LIB_REMOTE_QUEUE_MANAGER_H_
#define VIGIL_LIB_REMOTE_QUEUE_MANAGER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/remote/shard_math.h"
#include "vigil/histogram.h"
#include "vigil/remote_write.h"

namespace vigil::remote {

struct QueueOptions {
  RemoteWriteConfig config;
  Labels external_labels;
  SendFunction send;
  std::function<int64_t()> now_ms;
  std::function<void(int64_t, const std::function<bool()>&)> sleep_ms;
  std::function<void(std::string_view)> log;
  int64_t reshard_interval_ms = 10000;
  // Tests: no resharding thread; ReshardTick() runs a decision by hand.
  bool reshard_by_hand = false;
  int64_t flush_deadline_ms = 10000;
  // WAL mode: a full shard makes Append wait instead of dropping.
  bool block_when_full = false;
  // The metadata to send every metadata_config.send_interval; null (or
  // metadata_config.send false): none.
  std::function<std::vector<scrape::MetricMetadata>()> metadata;
};

class QueueManager {
 public:
  explicit QueueManager(QueueOptions options);
  ~QueueManager();  // Stop()s
  QueueManager(const QueueManager&) = delete;
  QueueManager& operator=(const QueueManager&) = delete;

  // Starts min_shards senders and the resharding ticker.
  void Start();
  // Lets the shards send what they hold for up to flush_deadline_ms, then
  // abandons retries and joins every thread. Idempotent.
  void Stop();

  // Caches `ref` as `labels` after external labels and
  // write_relabel_configs; `mark` is the caller's bookkeeping for
  // ForgetSeriesMarkedBefore (a segment number, or an epoch).
  void StoreSeries(SeriesRef ref, const Labels& labels, int64_t mark);
  // Forgets series whose mark is below `mark`.
  void ForgetSeriesMarkedBefore(int64_t mark);

  // Queues samples of cached series; samples of a series relabeling
  // dropped, or of a ref never stored, are counted and skipped. A full
  // shard drops the sample (counted) or, with block_when_full, waits.
  // False when Stop() interrupted a wait (the rest were not queued).
  // A staleness marker of a series whose last sample was a native
  // histogram is sent as a stale histogram (and only with
  // send_native_histograms), as Prometheus's head logs it.
  bool Append(const SeriesRef* refs, const Sample* samples, size_t n);
  // Native histogram samples (taken from `histograms`), as Append. Without
  // send_native_histograms they only mark their series as histogram series.
  bool AppendHistograms(const SeriesRef* refs, const int64_t* ts,
                        FloatHistogram* histograms, size_t n);
  // Memory mode's Append: caches the series it does not know yet (their
  // labels from `labels_of(i)`), marks every one with `mark`, then
  // queues. Never waits.
  void AppendCommit(const SeriesRef* refs, const Sample* samples, size_t n,
                    const std::function<Labels(size_t)>& labels_of,
                    int64_t mark);
  // The same for native histograms (taken from `histograms`).
  void AppendHistogramCommit(const SeriesRef* refs, const int64_t* ts,
                             FloatHistogram* histograms, size_t n,
                             const std::function<Labels(size_t)>& labels_of,
                             int64_t mark);

  // Sends options.metadata's entries now, in requests of at most
  // metadata_config.max_samples_per_send; returns when each succeeded or
  // was given up (refused, or Stop()'s deadline).
  void SendMetadata();

  QueueStats Stats() const;
  const std::string& name() const { return name_; }
  const RemoteWriteConfig& config() const { return options_.config; }
  const Labels& external_labels() const { return options_.external_labels; }

  // Tests: run one resharding decision now, or move to `n` shards.
  void ReshardTick();
  void Reshard(int64_t n);
  // Tests: the shards' threads have sent everything queued.
  bool Idle() const;
  void set_wal_position(int64_t segment, uint64_t skipped) {
    wal_segment_.store(segment, std::memory_order_relaxed);
    wal_segments_skipped_.store(skipped, std::memory_order_relaxed);
  }

 private:
  struct QueuedHistogram {
    FloatHistogram h;
    bool integer = false;  // sent as an integer histogram
  };
  struct QueuedSample {
    std::shared_ptr<const std::string> labels;
    SeriesRef ref;
    int64_t t;
    double v;
    std::unique_ptr<QueuedHistogram> h;  // null: a float sample
  };
  struct Shard {
    std::deque<QueuedSample> queue;
    std::condition_variable cv;
    // When the oldest queued sample arrived: the batch deadline runs from
    // it.
    std::chrono::steady_clock::time_point first_queued;
    bool sending = false;
    std::thread thread;
  };
  // What a series' last queued sample was, for its staleness marker.
  enum class LastKind : uint8_t { kFloat, kIntegerHistogram, kFloatHistogram };
  struct CachedSeries {
    std::shared_ptr<const std::string> labels;  // null: relabeling dropped
    int64_t mark = 0;
    // Under cache_mu_, which Append holds: set through the const lookup.
    mutable LastKind last = LastKind::kFloat;
  };

  void StartShardsLocked(int64_t n);
  CachedSeries MakeEntry(const Labels& labels, int64_t mark) const;
  // Append and AppendHistograms with cache_mu_ held.
  bool AppendLocked(const SeriesRef* refs, const Sample* samples, size_t n);
  bool AppendHistogramsLocked(const SeriesRef* refs, const int64_t* ts,
                              FloatHistogram* histograms, size_t n);
  // Memory mode: caches the series of a commit not known yet, marks all.
  void CacheCommittedLocked(const SeriesRef* refs, size_t n,
                            const std::function<Labels(size_t)>& labels_of,
                            int64_t mark);
  // Append's and AppendHistograms' queueing, with cache_mu_ held:
  // `fill(i, entry, &qs)` sets sample i's time and value in qs and returns
  // false to leave it out uncounted; entry is null for a ref not cached.
  // `histograms`: the samples are histograms, for the drop counters.
  template <typename Fill>
  bool EnqueueLocked(const SeriesRef* refs, size_t n, bool histograms,
                     const Fill& fill);
  // With cache_mu_ held: the cache entries of `refs` (null: not cached),
  // n <= kLookUpChunk.
  static constexpr size_t kLookUpChunk = 64;
  void LookUpLocked(const SeriesRef* refs, size_t n,
                    const CachedSeries** out) const;
  void RunShard(size_t index, uint64_t generation);
  // Sends with retries, then books the batch for resharding.
  void SendBatch(std::vector<QueuedSample>& batch);
  void SendWithBackoff(const std::vector<QueuedSample>& batch);
  enum class SendOutcome { kSent, kRefused, kAbandoned };
  // Posts `body` until a 2xx, an answer that is not retried, or Stop()'s
  // deadline; adds `n` to *attempted before every attempt (when given) and
  // to *retried before every retry. A refusal's reason goes to *error.
  // `nh` (histograms) likewise to *h_attempted and *h_retried.
  SendOutcome SendWithRetries(const std::string& body, uint64_t n,
                              std::atomic<uint64_t>* attempted,
                              std::atomic<uint64_t>* retried,
                              std::string* error, uint64_t nh = 0,
                              std::atomic<uint64_t>* h_attempted = nullptr,
                              std::atomic<uint64_t>* h_retried = nullptr);
  // A thread's loop: `tick` every interval until Stop() (the resharder,
  // the metadata sender).
  void RunEvery(int64_t interval_ms, const std::function<void()>& tick);
  void LogThrottled(int kind, const std::string& message);

  const QueueOptions options_;
  const std::string name_;
  const std::vector<double> bounds_;

  std::mutex cache_mu_;
  absl::flat_hash_map<SeriesRef, CachedSeries> cache_;

  mutable std::mutex mu_;
  std::condition_variable space_cv_;  // a shard took samples off
  std::condition_variable stop_cv_;   // stop, or a thread ended
  std::vector<std::unique_ptr<Shard>> shards_;
  uint64_t generation_ = 0;  // bumped to retire the current shard threads
  int live_threads_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::atomic<bool> abandon_{false};  // flush deadline passed
  std::thread resharder_;
  std::thread metadata_sender_;

  // Counters; see QueueStats.
  std::atomic<uint64_t> samples_sent_{0};
  std::atomic<uint64_t> samples_failed_{0};
  std::atomic<uint64_t> samples_retried_{0};
  std::atomic<uint64_t> dropped_relabel_{0};
  std::atomic<uint64_t> dropped_queue_full_{0};
  std::atomic<uint64_t> dropped_unknown_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> requests_failed_{0};
  std::atomic<uint64_t> metadata_sent_{0};
  std::atomic<uint64_t> metadata_failed_{0};
  std::atomic<uint64_t> metadata_retried_{0};
  std::atomic<uint64_t> metadata_bytes_{0};
  std::atomic<int64_t> pending_{0};
  std::atomic<uint64_t> histograms_sent_{0};
  std::atomic<uint64_t> histograms_failed_{0};
  std::atomic<uint64_t> histograms_retried_{0};
  std::atomic<uint64_t> histograms_dropped_relabel_{0};
  std::atomic<uint64_t> histograms_dropped_queue_full_{0};
  std::atomic<uint64_t> histograms_dropped_unknown_{0};
  // Custom-bucket histograms, which remote write 1.0 cannot carry.
  std::atomic<uint64_t> histograms_dropped_nhcb_{0};
  std::atomic<int64_t> histograms_pending_{0};
  std::atomic<int64_t> highest_sent_ms_{0};
  std::atomic<int64_t> highest_received_ms_{0};
  std::atomic<int64_t> last_send_ms_{0};  // when a batch's send last ended
  std::atomic<int64_t> wal_segment_{-1};
  std::atomic<uint64_t> wal_segments_skipped_{0};

  // Resharding inputs and the batch duration histogram; under stats_mu_.
  mutable std::mutex stats_mu_;
  EwmaRate in_rate_;
  EwmaRate out_rate_;
  EwmaRate dropped_rate_;
  EwmaRate out_duration_;
  double shards_desired_ = 0;
  std::vector<uint64_t> duration_buckets_;
  uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  // LogThrottled's last line per kind.
  int64_t last_log_ms_[5] = {0, 0, 0, 0, 0};
};

}  // namespace vigil::remote

#endif  // VIGIL_LIB_REMOTE_QUEUE_MANAGER_H_
