// The set of remote_write queues and where their samples come from; see
// vigil/remote_write.h.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "lib/model/wall_clock.h"
#include "lib/remote/http_sender.h"
#include "lib/remote/queue_manager.h"
#include "lib/remote/wal_watcher.h"
#include "vigil/remote_write.h"

namespace vigil::remote {
namespace {

// Memory mode: series a queue has not seen a sample of for this long are
// forgotten (and rebuilt from the Head's labels if they come back).
constexpr int64_t kSeriesEpochMs = 10 * 60 * 1000;

// What makes two configs the same queue: everything in them.
std::string Fingerprint(const RemoteWriteConfig& c, const Labels& external) {
  std::string out =
      absl::StrCat(c.url, "\x1f", c.name, "\x1f", c.remote_timeout_ms, "\x1f");
  for (const auto& [k, v] : c.headers) absl::StrAppend(&out, k, "=", v, ",");
  scrape::AppendHttpClientFingerprint(c.basic_auth, c.authorization,
                                      c.tls_config, &out);
  scrape::AppendRelabelFingerprint(c.write_relabel_configs, &out);
  const QueueConfig& q = c.queue_config;
  absl::StrAppend(&out, "\x1f", q.capacity, ":", q.min_shards, ":",
                  q.max_shards, ":", q.max_samples_per_send, ":",
                  q.batch_send_deadline_ms, ":", q.min_backoff_ms, ":",
                  q.max_backoff_ms, ":", q.retry_on_http_429);
  const MetadataConfig& m = c.metadata_config;
  absl::StrAppend(&out, "\x1f", m.send, ":", m.send_interval_ms, ":",
                  m.max_samples_per_send);
  absl::StrAppend(&out, "\x1f", c.send_native_histograms);
  absl::StrAppend(&out, "\x1f", external.ToString());
  return out;
}

// Sleeps in short slices so that a stopping queue is not held up.
void SleepUnlessStopping(int64_t ms, const std::function<bool()>& stopping) {
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(
        std::chrono::milliseconds(20),
        until - std::chrono::steady_clock::now()));
  }
}

}  // namespace

struct WriteStorage::Impl {
  struct Queue {
    std::string fingerprint;
    std::unique_ptr<QueueManager> manager;
    std::unique_ptr<WalWatcher> watcher;
  };

  explicit Impl(WriteStorageOptions o) : options(std::move(o)) {
    if (!options.send) options.send = HttpSend;
    if (!options.now_ms) options.now_ms = WallClockMs;
    if (!options.sleep_ms) options.sleep_ms = SleepUnlessStopping;
  }

  static void StopQueue(Queue& q) {
    // The watcher may wait for room in the queue: stop the queue's intake
    // first, then the watcher.
    if (q.watcher != nullptr) {
      std::thread stopper([&q] { q.watcher->Stop(); });
      q.manager->Stop();
      stopper.join();
    } else {
      q.manager->Stop();
    }
  }

  WriteStorageOptions options;
  // Guards the queue list; OnCommit holds it shared-style by copying
  // nothing: it is held while queueing (short, no network).
  mutable std::mutex mu;
  // Shared: SendMetadata() sends outside `mu` while a reload may retire
  // the queue.
  std::vector<std::shared_ptr<Queue>> queues;
  std::atomic<int64_t> highest_ms{0};
  int64_t epoch = 0;  // memory mode's series epoch, under mu
  int64_t epoch_started_ms = 0;

  // Memory mode, under mu: false without queues; forgets series idle for
  // an epoch.
  bool StartCommitLocked();
  // Raises highest_ms to t_ms (commits are serialised by the Head).
  void NoteHighest(int64_t t_ms);
};

WriteStorage::WriteStorage(WriteStorageOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

WriteStorage::~WriteStorage() { Stop(); }

absl::Status WriteStorage::ApplyConfig(
    const std::vector<RemoteWriteConfig>& configs,
    const Labels& external_labels) {
  Impl& im = *impl_;
  std::vector<std::shared_ptr<Impl::Queue>> keep;
  std::vector<std::shared_ptr<Impl::Queue>> retire;
  std::vector<Impl::Queue*> fresh;
  {
    std::lock_guard lock(im.mu);
    std::vector<std::shared_ptr<Impl::Queue>> old = std::move(im.queues);
    for (const RemoteWriteConfig& c : configs) {
      const std::string fp = Fingerprint(c, external_labels);
      auto same = std::find_if(old.begin(), old.end(), [&fp](const auto& q) {
        return q != nullptr && q->fingerprint == fp;
      });
      if (same != old.end()) {
        keep.push_back(std::move(*same));
        continue;
      }
      auto q = std::make_shared<Impl::Queue>();
      q->fingerprint = fp;
      QueueOptions o;
      o.config = c;
      o.external_labels = external_labels;
      o.send = im.options.send;
      o.now_ms = im.options.now_ms;
      o.sleep_ms = im.options.sleep_ms;
      o.log = im.options.log;
      // 0: no resharding (the rates still need an interval).
      o.reshard_by_hand = im.options.reshard_interval_ms <= 0;
      if (!o.reshard_by_hand) {
        o.reshard_interval_ms = im.options.reshard_interval_ms;
      }
      o.flush_deadline_ms = im.options.flush_deadline_ms;
      o.block_when_full = !im.options.storage_dir.empty();
      o.metadata = im.options.metadata;
      q->manager = std::make_unique<QueueManager>(std::move(o));
      fresh.push_back(q.get());
      keep.push_back(std::move(q));
    }
    for (auto& q : old) {
      if (q != nullptr) retire.push_back(std::move(q));
    }
    im.queues = std::move(keep);
    for (Impl::Queue* q : fresh) {
      q->manager->Start();
      if (!im.options.storage_dir.empty()) {
        q->watcher = std::make_unique<WalWatcher>(
            im.options.storage_dir, q->manager.get(), im.options.now_ms(),
            im.options.wal_poll_interval_ms, im.options.log);
        q->watcher->Start();
      }
    }
  }
  for (auto& q : retire) Impl::StopQueue(*q);
  return absl::OkStatus();
}

bool WriteStorage::Impl::StartCommitLocked() {
  if (queues.empty()) return false;
  const int64_t now = options.now_ms();
  if (now - epoch_started_ms >= kSeriesEpochMs) {
    // Series not touched for a whole epoch are forgotten.
    for (auto& q : queues) q->manager->ForgetSeriesMarkedBefore(epoch);
    ++epoch;
    epoch_started_ms = now;
  }
  return true;
}

void WriteStorage::Impl::NoteHighest(int64_t t_ms) {
  if (t_ms > highest_ms.load(std::memory_order_relaxed)) {
    highest_ms.store(t_ms, std::memory_order_relaxed);
  }
}

void WriteStorage::OnCommit(const SeriesRef* refs, const Sample* samples,
                            size_t n,
                            const std::function<Labels(size_t)>& labels_of) {
  Impl& im = *impl_;
  if (!im.options.storage_dir.empty() || n == 0) return;
  int64_t highest = samples[0].t;
  for (size_t i = 1; i < n; ++i) highest = std::max(highest, samples[i].t);
  im.NoteHighest(highest);
  std::lock_guard lock(im.mu);
  if (!im.StartCommitLocked()) return;
  for (auto& q : im.queues) {
    q->manager->AppendCommit(refs, samples, n, labels_of, im.epoch);
  }
}

void WriteStorage::OnHistogramCommit(
    const SeriesRef* refs, const int64_t* ts, FloatHistogram* histograms,
    size_t n, const std::function<Labels(size_t)>& labels_of) {
  Impl& im = *impl_;
  if (!im.options.storage_dir.empty() || n == 0) return;
  im.NoteHighest(*std::max_element(ts, ts + n));
  std::lock_guard lock(im.mu);
  if (!im.StartCommitLocked()) return;
  // Each queue takes the histograms; all but the last get copies.
  for (size_t k = 0; k < im.queues.size(); ++k) {
    if (k + 1 == im.queues.size()) {
      im.queues[k]->manager->AppendHistogramCommit(refs, ts, histograms, n,
                                                   labels_of, im.epoch);
    } else {
      std::vector<FloatHistogram> copy(histograms, histograms + n);
      im.queues[k]->manager->AppendHistogramCommit(refs, ts, copy.data(), n,
                                                   labels_of, im.epoch);
    }
  }
}

void WriteStorage::Stop() {
  Impl& im = *impl_;
  std::vector<std::shared_ptr<Impl::Queue>> queues;
  {
    std::lock_guard lock(im.mu);
    queues = std::move(im.queues);
  }
  for (auto& q : queues) Impl::StopQueue(*q);
}

void WriteStorage::SendMetadata() {
  Impl& im = *impl_;
  std::vector<std::shared_ptr<Impl::Queue>> queues;
  {
    std::lock_guard lock(im.mu);
    queues = im.queues;
  }
  for (const auto& q : queues) {
    if (q->manager->config().metadata_config.send) q->manager->SendMetadata();
  }
}

WriteStats WriteStorage::Stats() const {
  Impl& im = *impl_;
  WriteStats s;
  std::lock_guard lock(im.mu);
  for (const auto& q : im.queues) s.queues.push_back(q->manager->Stats());
  int64_t highest = im.highest_ms.load(std::memory_order_relaxed);
  if (!im.options.storage_dir.empty()) {
    for (const QueueStats& q : s.queues) {
      highest = std::max(highest, q.highest_received_ms);
    }
  }
  s.highest_timestamp_seconds = static_cast<double>(highest) / 1000;
  return s;
}

}  // namespace vigil::remote
