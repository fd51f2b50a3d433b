// Remote write: ships every sample the store takes in to Prometheus
// remote-write receivers (Prometheus, Thanos, Mimir, VictoriaMetrics), as
// Prometheus's `remote_write` section does — same config fields and
// defaults, protocol 1.0 (a snappy-compressed protobuf WriteRequest).
//
// One queue per remote_write entry. A queue keeps its own cache of the
// series it has seen (ref -> labels after external labels and
// write_relabel_configs) and a number of shards — concurrent senders, each
// owning the series whose ref falls to it, so a series' samples reach the
// receiver in the order they were appended. The number of shards follows
// the backlog between min_shards and max_shards, as Prometheus computes it.
//
// Where samples come from:
//  - With a write-ahead log (WriteStorageOptions::storage_dir), each queue
//    follows the log as Prometheus's WAL watcher does: series records fill
//    its cache, sample records are queued, and a full queue makes the
//    reader wait, not drop. A receiver outage costs nothing until the log
//    segments the reader has not reached are deleted by a checkpoint; the
//    reader then skips to the oldest segment left and counts what it
//    skipped (vigil_remote_storage_wal_segments_skipped_total).
//  - Without one, samples arrive through OnCommit() (the Head calls it
//    under its commit lock). Each shard holds at most `capacity` samples;
//    what does not fit is dropped and counted
//    (vigil_remote_storage_samples_dropped_total{reason="queue_full"}).
//
// Metadata: with metadata_config.send (the default), each queue sends the
// scrape targets' metadata (family, type, help, unit) every send_interval
// in WriteRequests without samples, as Prometheus 2.x/3.x do for remote
// write 1.0. write_relabel_configs do not apply to it (it has no labels).
//
// Sending: 2xx is success; 5xx and transport errors are retried with
// exponential backoff from min_backoff to max_backoff (a Retry-After
// header wins, as in Prometheus); 429 is retried only with
// retry_on_http_429; every other status drops the batch and counts its
// samples as failed. Retries go on until the send succeeds or the queue
// stops.
//
// Thread safety: every method may be called from any thread. OnCommit()
// never blocks on the network.
#ifndef VIGIL_REMOTE_WRITE_H_
#define VIGIL_REMOTE_WRITE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/histogram.h"
#include "vigil/labels.h"
#include "vigil/relabel.h"
#include "vigil/scrape.h"
#include "vigil/storage.h"

namespace YAML {
class Node;
}

namespace vigil::remote {

// Prometheus's DefaultQueueConfig (config/config.go).
struct QueueConfig {
  int64_t capacity = 10000;  // samples buffered per shard
  int64_t min_shards = 1;
  int64_t max_shards = 50;
  int64_t max_samples_per_send = 2000;
  int64_t batch_send_deadline_ms = 5000;
  int64_t min_backoff_ms = 30;
  int64_t max_backoff_ms = 5000;
  // Prometheus 3 leaves it false: a 429 is then dropped like a 400.
  bool retry_on_http_429 = false;
};

// Prometheus's DefaultMetadataConfig: every send_interval, the metadata of
// the scrape targets (WriteStorageOptions::metadata) goes out in
// WriteRequests of at most max_samples_per_send entries, retried as sample
// batches are.
struct MetadataConfig {
  bool send = true;
  int64_t send_interval_ms = 60000;
  int64_t max_samples_per_send = 2000;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;  // empty: a hash of the config names the queue
  int64_t remote_timeout_ms = 30000;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<scrape::BasicAuth> basic_auth;
  std::optional<scrape::Authorization> authorization;
  scrape::TlsConfig tls_config;
  std::vector<relabel::Config> write_relabel_configs;
  QueueConfig queue_config;
  MetadataConfig metadata_config;
  // Native histogram samples are sent only with it (Prometheus 3.x's
  // default is false, and so is vigil's); without it they are skipped,
  // uncounted, as Prometheus's WAL watcher skips them.
  bool send_native_histograms = false;
};

// Decodes a `remote_write` sequence (null: none) with Prometheus's defaults
// and validation; errors are "file:line:col: ..." with Prometheus's wording
// ("url for remote_write is empty", "found multiple remote write configs
// with job name \"x\"", ...). Relative file paths resolve against
// `base_dir`.
absl::StatusOr<std::vector<RemoteWriteConfig>> DecodeRemoteWriteConfigs(
    const YAML::Node& node, std::string_view filename,
    std::string_view base_dir);

// The name a queue is known by in metrics and logs: `name`, or a short hash
// of the config when unnamed.
std::string QueueName(const RemoteWriteConfig& config);

// One queue's counters since it started (gauges: pending, shards, ...),
// with the meaning of Prometheus's prometheus_remote_storage_* metrics.
struct QueueStats {
  std::string remote_name;
  std::string url;
  uint64_t samples_sent = 0;        // samples in send attempts (retries too)
  uint64_t samples_failed = 0;      // dropped by a non-retryable answer
  uint64_t samples_retried = 0;     // in attempts after the first
  uint64_t dropped_relabel = 0;     // write_relabel_configs dropped the series
  uint64_t dropped_queue_full = 0;  // memory mode: the shard was full
  uint64_t dropped_unknown_series = 0;  // a sample of a ref never seen
  uint64_t bytes_sent = 0;              // compressed bytes in attempts
  uint64_t requests_failed = 0;         // attempts that did not succeed
  // Metadata entries (metadata_config), as
  // prometheus_remote_storage_metadata_*: sent (counted once they
  // succeed), dropped by a non-retryable answer, in attempts after the
  // first, and the compressed bytes of the requests that succeeded.
  uint64_t metadata_sent = 0;
  uint64_t metadata_failed = 0;
  uint64_t metadata_retried = 0;
  uint64_t metadata_bytes = 0;
  int64_t samples_pending = 0;  // queued, not yet sent
  // The same for native histogram samples (send_native_histograms), as
  // prometheus_remote_storage_histograms_*: histograms_total,
  // histograms_failed_total, histograms_retried_total,
  // histograms_dropped_total and histograms_pending. A batch holds both
  // kinds; max_samples_per_send and capacity count both.
  uint64_t histograms_sent = 0;
  uint64_t histograms_failed = 0;
  uint64_t histograms_retried = 0;
  uint64_t histograms_dropped_relabel = 0;
  uint64_t histograms_dropped_queue_full = 0;
  uint64_t histograms_dropped_unknown_series = 0;
  uint64_t histograms_dropped_nhcb = 0;  // custom buckets: not in 1.0
  int64_t histograms_pending = 0;
  int64_t shards = 0;
  double shards_desired = 0;
  int64_t shards_min = 0;
  int64_t shards_max = 0;
  int64_t shard_capacity = 0;
  // Seconds since the epoch of the newest sample sent successfully.
  double highest_sent_timestamp_seconds = 0;
  // Milliseconds since the epoch of the newest sample queued.
  int64_t highest_received_ms = 0;
  // sent_batch_duration_seconds: one bucket count per bound, cumulative.
  std::vector<double> batch_duration_bounds;
  std::vector<uint64_t> batch_duration_buckets;
  uint64_t batch_duration_count = 0;
  double batch_duration_sum = 0;
  // WAL mode: the segment the reader is in, segments it lost to a
  // checkpoint.
  int64_t wal_segment = -1;
  uint64_t wal_segments_skipped = 0;
};

struct WriteStats {
  // Seconds since the epoch of the newest sample handed to remote write
  // (Prometheus's prometheus_remote_storage_highest_timestamp_in_seconds).
  double highest_timestamp_seconds = 0;
  std::vector<QueueStats> queues;
};

// How a send attempt ended, for the retry decision.
struct SendResult {
  int status = 0;  // the HTTP status; 0 when there was no answer
  std::string error;
  int64_t retry_after_ms = 0;  // from Retry-After, when given
};

// Posts one compressed WriteRequest; a test may replace it. Returns the
// answer, or an error (transport failures) that is retried.
using SendFunction =
    std::function<SendResult(const RemoteWriteConfig&, const std::string&)>;

struct WriteStorageOptions {
  // The storage directory (--storage.tsdb.path), whose wal/ the queues
  // follow; empty for memory mode.
  std::string storage_dir;
  // Notable events (a receiver failing and recovering, dropped batches),
  // at most one line per queue per kind a minute. Null: dropped.
  std::function<void(std::string_view)> log;
  // Tests: replace the HTTP client, the wall clock (ms) and the backoff
  // sleep (which must return early once `stopping` holds).
  SendFunction send;
  std::function<int64_t()> now_ms;
  std::function<void(int64_t ms, const std::function<bool()>& stopping)>
      sleep_ms;
  // How often the shard count is reconsidered (Prometheus: 10 s); 0
  // keeps min_shards.
  int64_t reshard_interval_ms = 10000;
  // How often a WAL reader looks for new records.
  int64_t wal_poll_interval_ms = 250;
  // At Stop(), how long the queues may still send what they hold.
  int64_t flush_deadline_ms = 10000;
  // The metadata to send (the scrape targets'); called every
  // metadata_config.send_interval from each queue's metadata thread. Null:
  // no metadata is sent.
  std::function<std::vector<scrape::MetricMetadata>()> metadata;
};

class WriteStorage {
 public:
  explicit WriteStorage(WriteStorageOptions options);
  ~WriteStorage();  // Stop()s
  WriteStorage(const WriteStorage&) = delete;
  WriteStorage& operator=(const WriteStorage&) = delete;

  // Starts, keeps or replaces queues so that they match `configs`: an
  // unchanged entry (same config, same external labels) keeps its queue
  // and its backlog; a changed one starts anew. In WAL mode a new queue
  // starts at the log's end.
  absl::Status ApplyConfig(const std::vector<RemoteWriteConfig>& configs,
                           const Labels& external_labels);

  // Memory mode: the samples one commit stored. `labels_of(i)` builds the
  // labels of samples[i]'s series; it is only asked for series a queue
  // does not know yet. Ignored in WAL mode.
  void OnCommit(const SeriesRef* refs, const Sample* samples, size_t n,
                const std::function<Labels(size_t)>& labels_of);
  // The same for the native histograms of a commit, after its floats
  // (sent with send_native_histograms); moves from `histograms`.
  void OnHistogramCommit(const SeriesRef* refs, const int64_t* ts,
                         FloatHistogram* histograms, size_t n,
                         const std::function<Labels(size_t)>& labels_of);

  // Sends what is queued (up to flush_deadline_ms), then stops every queue.
  void Stop();

  WriteStats Stats() const;

  // Sends the metadata now, on the caller's thread, from every queue whose
  // metadata_config.send holds (its thread does so every send_interval);
  // returns when each request succeeded or was given up.
  void SendMetadata();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Remote write for a producer that runs faster than real time (vigil
// replay): nothing is dropped and nothing runs behind the caller's back.
// Append() buffers samples; Flush() sends them in time order (so a
// receiver's head, which refuses samples older than an hour before its
// newest, takes what spans a window of evaluations), in WriteRequests of
// queue_config.max_samples_per_send, on the calling thread, each retried
// as the queues retry (5xx, transport errors, 429 with retry_on_http_429;
// backoff from min_backoff to max_backoff, Retry-After honoured) up to
// `max_attempts` times. Any other answer, or running out of attempts, is
// an error naming the URL and the answer; the samples of that request are
// then lost and the rest stay buffered. write_relabel_configs and external
// labels apply as in the queues.
//
// Thread safety: one thread at a time.
class BlockingWriter {
 public:
  struct Options {
    int max_attempts = 10;
    // Tests: replace the HTTP client and the backoff sleep.
    SendFunction send;
    std::function<void(int64_t ms)> sleep_ms;
  };
  BlockingWriter(RemoteWriteConfig config, Labels external_labels,
                 Options options);
  ~BlockingWriter();
  BlockingWriter(const BlockingWriter&) = delete;
  BlockingWriter& operator=(const BlockingWriter&) = delete;

  void Append(const Labels& labels, int64_t t_ms, double v);
  // A native histogram sample, sent as a float histogram (what recording
  // rules produce, in Prometheus too) with send_native_histograms, else
  // dropped. A staleness marker Append()ed to a series whose last sample
  // was a histogram goes as a stale histogram. Custom-bucket histograms are
  // dropped and counted: remote write 1.0 cannot carry their bounds
  // (Prometheus 3.x drops them too).
  void AppendHistogram(const Labels& labels, int64_t t_ms,
                       const FloatHistogram& h);
  size_t buffered() const;
  absl::Status Flush();

  uint64_t samples_sent() const;
  uint64_t histograms_sent() const;
  uint64_t custom_bucket_histograms_dropped() const;
  uint64_t requests_sent() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::remote

#endif  // VIGIL_REMOTE_WRITE_H_
