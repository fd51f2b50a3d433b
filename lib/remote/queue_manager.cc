// The queue of one remote_write entry; see queue_manager.h.
#include "lib/remote/queue_manager.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/remote/write_request.h"
#include "vigil/relabel.h"

namespace vigil::remote {
namespace {

// Prometheus's sent_batch_duration_seconds buckets: DefBuckets plus 25 s,
// 1 min, 2 min and 5 min.
const std::vector<double>& BatchDurationBounds() {
  static const std::vector<double> bounds = {
      .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25, 60, 120, 300};
  return bounds;
}

// LogThrottled kinds: one line per kind a minute.
enum LogKind {
  kLogRetry = 0,
  kLogDrop = 1,
  kLogFull = 2,
  kLogRecovered = 3,
  kLogMetadataDrop = 4,
};
constexpr int64_t kLogIntervalMs = 60'000;

Labels WithExternalLabels(const Labels& labels, const Labels& external) {
  if (external.empty()) return labels;
  // Prometheus: a series' own label wins over an external one.
  LabelsBuilder b(labels);
  for (const Label& l : external) {
    if (!labels.Has(l.name)) b.Set(l.name, l.value);
  }
  return b.Build();
}

}  // namespace

QueueManager::QueueManager(QueueOptions options)
    : options_(std::move(options)),
      name_(QueueName(options_.config)),
      bounds_(BatchDurationBounds()),
      in_rate_(static_cast<double>(options_.reshard_interval_ms) / 1000),
      out_rate_(static_cast<double>(options_.reshard_interval_ms) / 1000),
      dropped_rate_(static_cast<double>(options_.reshard_interval_ms) / 1000),
      out_duration_(static_cast<double>(options_.reshard_interval_ms) / 1000),
      duration_buckets_(bounds_.size(), 0) {}

QueueManager::~QueueManager() { Stop(); }

void QueueManager::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  shards_desired_ =
      static_cast<double>(options_.config.queue_config.min_shards);
  StartShardsLocked(options_.config.queue_config.min_shards);
  if (!options_.reshard_by_hand) {
    ++live_threads_;
    resharder_ = std::thread([this] {
      RunEvery(options_.reshard_interval_ms, [this] { ReshardTick(); });
    });
  }
  if (options_.metadata && options_.config.metadata_config.send) {
    ++live_threads_;
    // Prometheus's ticker: the first send one interval after the start,
    // once the targets have been scraped.
    metadata_sender_ = std::thread([this] {
      RunEvery(options_.config.metadata_config.send_interval_ms,
               [this] { SendMetadata(); });
    });
  }
}

void QueueManager::StartShardsLocked(int64_t n) {
  const uint64_t generation = generation_;
  for (size_t i = 0; i < shards_.size(); ++i) {
    ++live_threads_;
    shards_[i]->thread =
        std::thread([this, i, generation] { RunShard(i, generation); });
  }
  // New shards beyond the existing ones (Reshard fills shards_ first).
  for (int64_t i = static_cast<int64_t>(shards_.size()); i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    ++live_threads_;
    const size_t index = static_cast<size_t>(i);
    shards_.back()->thread =
        std::thread([this, index, generation] { RunShard(index, generation); });
  }
}

void QueueManager::Stop() {
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    for (auto& s : shards_) s->cv.notify_all();
    space_cv_.notify_all();
    stop_cv_.notify_all();
    // The shards send what they hold; past the deadline retries give up.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(options_.flush_deadline_ms);
    stop_cv_.wait_until(lock, deadline, [this] {
      // The resharder is one of the live threads and ends at once; the
      // metadata sender once its requests are sent or given up.
      return live_threads_ <= 0;
    });
    abandon_ = true;
    for (auto& s : shards_) s->cv.notify_all();
    stop_cv_.notify_all();
    for (auto& s : shards_) {
      if (s->thread.joinable()) threads.push_back(std::move(s->thread));
    }
  }
  for (std::thread& t : threads) t.join();
  if (resharder_.joinable()) resharder_.join();
  if (metadata_sender_.joinable()) metadata_sender_.join();
  // What the deadline left unsent is lost: counted, never silently.
  std::lock_guard lock(mu_);
  for (auto& s : shards_) {
    uint64_t histograms = 0;
    for (const QueuedSample& qs : s->queue) histograms += qs.h != nullptr;
    const uint64_t floats = s->queue.size() - histograms;
    samples_failed_.fetch_add(floats, std::memory_order_relaxed);
    histograms_failed_.fetch_add(histograms, std::memory_order_relaxed);
    pending_.fetch_sub(static_cast<int64_t>(floats), std::memory_order_relaxed);
    histograms_pending_.fetch_sub(static_cast<int64_t>(histograms),
                                  std::memory_order_relaxed);
    s->queue.clear();
  }
}

QueueManager::CachedSeries QueueManager::MakeEntry(const Labels& labels,
                                                   int64_t mark) const {
  std::optional<Labels> kept =
      relabel::Process(WithExternalLabels(labels, options_.external_labels),
                       options_.config.write_relabel_configs);
  CachedSeries entry;
  entry.mark = mark;
  if (kept && !kept->empty()) {
    entry.labels = std::make_shared<const std::string>(EncodeLabels(*kept));
  }
  return entry;
}

void QueueManager::StoreSeries(SeriesRef ref, const Labels& labels,
                               int64_t mark) {
  CachedSeries entry = MakeEntry(labels, mark);
  std::lock_guard lock(cache_mu_);
  cache_[ref] = std::move(entry);
}

void QueueManager::CacheCommittedLocked(
    const SeriesRef* refs, size_t n,
    const std::function<Labels(size_t)>& labels_of, int64_t mark) {
  for (size_t i = 0; i < n; ++i) {
    auto [it, inserted] = cache_.try_emplace(refs[i]);
    if (inserted) {
      it->second = MakeEntry(labels_of(i), mark);
    } else {
      it->second.mark = mark;
    }
  }
}

void QueueManager::AppendCommit(const SeriesRef* refs, const Sample* samples,
                                size_t n,
                                const std::function<Labels(size_t)>& labels_of,
                                int64_t mark) {
  std::lock_guard cache_lock(cache_mu_);
  CacheCommittedLocked(refs, n, labels_of, mark);
  AppendLocked(refs, samples, n);
}

void QueueManager::AppendHistogramCommit(
    const SeriesRef* refs, const int64_t* ts, FloatHistogram* histograms,
    size_t n, const std::function<Labels(size_t)>& labels_of, int64_t mark) {
  std::lock_guard cache_lock(cache_mu_);
  CacheCommittedLocked(refs, n, labels_of, mark);
  AppendHistogramsLocked(refs, ts, histograms, n);
}

void QueueManager::ForgetSeriesMarkedBefore(int64_t mark) {
  std::lock_guard lock(cache_mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.mark < mark) {
      cache_.erase(it++);
    } else {
      ++it;
    }
  }
}

bool QueueManager::Append(const SeriesRef* refs, const Sample* samples,
                          size_t n) {
  std::lock_guard cache_lock(cache_mu_);
  return AppendLocked(refs, samples, n);
}

bool QueueManager::AppendLocked(const SeriesRef* refs, const Sample* samples,
                                size_t n) {
  const bool send_histograms = options_.config.send_native_histograms;
  return EnqueueLocked(
      refs, n, /*histograms=*/false,
      [samples, send_histograms](size_t i, const CachedSeries* entry,
                                 QueuedSample* qs) {
        qs->t = samples[i].t;
        qs->v = samples[i].v;
        if (entry == nullptr || entry->last == LastKind::kFloat) return true;
        if (!IsStaleNaN(samples[i].v)) {
          entry->last = LastKind::kFloat;
          return true;
        }
        // Prometheus's head logs a staleness marker that ends a histogram
        // series as a stale histogram of the series' kind; it is sent as
        // one, or not at all when histograms are not.
        if (!send_histograms) return false;
        qs->h = std::make_unique<QueuedHistogram>();
        qs->h->h.sum = samples[i].v;
        qs->h->integer = entry->last == LastKind::kIntegerHistogram;
        return true;
      });
}

bool QueueManager::AppendHistograms(const SeriesRef* refs, const int64_t* ts,
                                    FloatHistogram* histograms, size_t n) {
  std::lock_guard cache_lock(cache_mu_);
  return AppendHistogramsLocked(refs, ts, histograms, n);
}

bool QueueManager::AppendHistogramsLocked(const SeriesRef* refs,
                                          const int64_t* ts,
                                          FloatHistogram* histograms,
                                          size_t n) {
  const bool send = options_.config.send_native_histograms;
  return EnqueueLocked(
      refs, n, /*histograms=*/true,
      [this, ts, histograms, send](size_t i, const CachedSeries* entry,
                                   QueuedSample* qs) {
        qs->t = ts[i];
        if (entry == nullptr) return send;
        FloatHistogram& h = histograms[i];
        // A marker keeps the kind the series had.
        const bool stale = IsStaleNaN(h.sum);
        const bool integer = stale ? entry->last != LastKind::kFloatHistogram
                                   : IsIntegerHistogram(h);
        entry->last =
            integer ? LastKind::kIntegerHistogram : LastKind::kFloatHistogram;
        if (!send) return false;
        // Prometheus 3.x drops custom-bucket histograms from remote write
        // 1.0 (only 2.0 has their bounds) and counts them; a series that
        // relabelling dropped counts as that instead.
        if (entry->labels != nullptr && h.UsesCustomBuckets()) {
          histograms_dropped_nhcb_.fetch_add(1, std::memory_order_relaxed);
          return false;
        }
        qs->v = 0;
        qs->h = std::make_unique<QueuedHistogram>();
        qs->h->h = std::move(h);
        qs->h->integer = integer;
        return true;
      });
}

template <typename Fill>
bool QueueManager::EnqueueLocked(const SeriesRef* refs, size_t n,
                                 bool histograms, const Fill& fill) {
  const size_t capacity =
      static_cast<size_t>(options_.config.queue_config.capacity);
  const size_t batch =
      static_cast<size_t>(options_.config.queue_config.max_samples_per_send);
  std::atomic<uint64_t>& dropped_unknown =
      histograms ? histograms_dropped_unknown_ : dropped_unknown_;
  std::unique_lock lock(mu_);
  uint64_t kept = 0;
  uint64_t dropped = 0;
  std::vector<Shard*> wake;
  int64_t highest = highest_received_ms_.load(std::memory_order_relaxed);
  const CachedSeries* found[kLookUpChunk];
  size_t chunk_end = 0;
  QueuedSample qs;
  for (size_t i = 0; i < n; ++i) {
    if (i == chunk_end) {
      chunk_end = std::min(n, i + kLookUpChunk);
      LookUpLocked(refs + i, chunk_end - i, found);
    }
    const CachedSeries* entry = found[i % kLookUpChunk];
    qs.h.reset();
    if (!fill(i, entry, &qs)) continue;
    // Every sample that came in counts for the lag, kept or not.
    highest = std::max(highest, qs.t);
    if (entry == nullptr) {
      dropped_unknown.fetch_add(1, std::memory_order_relaxed);
      ++dropped;
      continue;
    }
    const bool is_histogram = qs.h != nullptr;
    if (entry->labels == nullptr) {
      (is_histogram ? histograms_dropped_relabel_ : dropped_relabel_)
          .fetch_add(1, std::memory_order_relaxed);
      ++dropped;
      continue;
    }
    std::atomic<uint64_t>& dropped_full =
        is_histogram ? histograms_dropped_queue_full_ : dropped_queue_full_;
    while (true) {
      if (stopping_ || shards_.empty()) {
        // Not started or stopping: nothing will send it.
        if (!options_.block_when_full) {
          dropped_full.fetch_add(1, std::memory_order_relaxed);
        }
        if (options_.block_when_full) return false;
        break;
      }
      Shard& shard = *shards_[refs[i] % shards_.size()];
      if (shard.queue.size() < capacity) {
        if (shard.queue.empty()) {
          shard.first_queued = std::chrono::steady_clock::now();
        }
        qs.labels = entry->labels;
        qs.ref = refs[i];
        shard.queue.push_back(std::move(qs));
        (is_histogram ? histograms_pending_ : pending_)
            .fetch_add(1, std::memory_order_relaxed);
        ++kept;
        // Woken after the loop, when its queue stops being empty (a shard
        // with nothing queued waits without a deadline, and must start the
        // batch's send deadline) and when a batch is full; a wake-up per
        // sample would have the sender contend for the lock this loop holds.
        if (shard.queue.size() == 1 || shard.queue.size() == batch) {
          wake.push_back(&shard);
        }
        break;
      }
      if (!options_.block_when_full) {
        dropped_full.fetch_add(1, std::memory_order_relaxed);
        LogThrottled(kLogFull,
                     absl::StrCat("Remote write queue full, dropping samples "
                                  "(memory mode: capacity ",
                                  capacity, " per shard)"));
        break;
      }
      shard.cv.notify_one();
      space_cv_.wait(lock);
    }
  }
  highest_received_ms_.store(highest, std::memory_order_relaxed);
  for (Shard* shard : wake) shard->cv.notify_one();
  lock.unlock();
  std::lock_guard stats_lock(stats_mu_);
  in_rate_.Add(static_cast<double>(kept));
  dropped_rate_.Add(static_cast<double>(dropped));
  return true;
}

void QueueManager::LookUpLocked(const SeriesRef* refs, size_t n,
                                const CachedSeries** out) const {
  // The cache is large and read in log order, not memory order: a lookup
  // and the reference count the queue then bumps are each a cache miss,
  // together ~90% of AppendLocked, itself remote write's largest cost in a
  // profile at 10k pods (674k series). The hash slots are prefetched a few
  // lookups ahead, the counts as they are found.
  constexpr size_t kAhead = 8;
  for (size_t j = 0; j < std::min(n, kAhead); ++j) cache_.prefetch(refs[j]);
  for (size_t j = 0; j < n; ++j) {
    if (j + kAhead < n) cache_.prefetch(refs[j + kAhead]);
    auto it = cache_.find(refs[j]);
    out[j] = it == cache_.end() ? nullptr : &it->second;
    if (out[j] != nullptr && out[j]->labels != nullptr) {
      // make_shared's counts sit just before the string.
      __builtin_prefetch(reinterpret_cast<const char*>(out[j]->labels.get()) -
                         sizeof(void*));
    }
  }
}

void QueueManager::RunShard(size_t index, uint64_t generation) {
  const QueueConfig& q = options_.config.queue_config;
  const size_t max_batch = static_cast<size_t>(q.max_samples_per_send);
  const auto deadline = std::chrono::milliseconds(q.batch_send_deadline_ms);
  std::vector<QueuedSample> batch;
  std::unique_lock lock(mu_);
  while (true) {
    Shard& shard = *shards_[index];
    // Sends a full batch at once, a partial one when its deadline passes,
    // everything when stopping.
    auto ready = [&] {
      return generation_ != generation || abandon_ ||
             shard.queue.size() >= max_batch ||
             (stopping_ && !shard.queue.empty()) ||
             (!shard.queue.empty() && std::chrono::steady_clock::now() >=
                                          shard.first_queued + deadline);
    };
    while (!ready() && !(stopping_ && shard.queue.empty())) {
      if (shard.queue.empty()) {
        shard.cv.wait(lock);
      } else {
        shard.cv.wait_until(lock, shard.first_queued + deadline);
      }
    }
    if (generation_ != generation || abandon_ || shard.queue.empty()) break;
    const size_t take = std::min(shard.queue.size(), max_batch);
    batch.clear();
    int64_t histograms = 0;
    for (size_t i = 0; i < take; ++i) {
      histograms += shard.queue.front().h != nullptr;
      batch.push_back(std::move(shard.queue.front()));
      shard.queue.pop_front();
    }
    if (!shard.queue.empty()) {
      shard.first_queued = std::chrono::steady_clock::now();
    }
    shard.sending = true;
    space_cv_.notify_all();
    lock.unlock();
    SendBatch(batch);
    lock.lock();
    shards_[index]->sending = false;
    pending_.fetch_sub(static_cast<int64_t>(batch.size()) - histograms,
                       std::memory_order_relaxed);
    histograms_pending_.fetch_sub(histograms, std::memory_order_relaxed);
  }
  --live_threads_;
  stop_cv_.notify_all();
}

void QueueManager::SendBatch(std::vector<QueuedSample>& batch) {
  const auto begin = std::chrono::steady_clock::now();
  SendWithBackoff(batch);
  // Prometheus counts a batch out when its send ends, dropped or not, with
  // the time its retries took: the shard count then follows how long
  // sending really takes, and resharding waits while a batch is retried.
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  {
    std::lock_guard lock(stats_mu_);
    out_rate_.Add(static_cast<double>(batch.size()));
    out_duration_.Add(seconds);
  }
  last_send_ms_.store(options_.now_ms(), std::memory_order_relaxed);
}

void QueueManager::SendWithBackoff(const std::vector<QueuedSample>& batch) {
  std::vector<EncodedSample> encoded;
  encoded.reserve(batch.size());
  int64_t highest = 0;
  uint64_t nh = 0;
  for (const QueuedSample& s : batch) {
    if (s.h != nullptr) {
      encoded.push_back({s.labels.get(), s.t, 0, &s.h->h, s.h->integer});
      ++nh;
    } else {
      encoded.push_back({s.labels.get(), s.t, s.v});
    }
    highest = std::max(highest, s.t);
  }
  std::string raw;
  EncodeWriteRequest(encoded.data(), encoded.size(), &raw);
  std::string body;
  Compress(raw, &body);
  const uint64_t n = batch.size() - nh;
  std::string error;
  switch (SendWithRetries(body, n, &samples_sent_, &samples_retried_, &error,
                          nh, &histograms_sent_, &histograms_retried_)) {
    case SendOutcome::kSent: {
      int64_t prev = highest_sent_ms_.load(std::memory_order_relaxed);
      while (prev < highest &&
             !highest_sent_ms_.compare_exchange_weak(prev, highest)) {
      }
      return;
    }
    case SendOutcome::kRefused:
      samples_failed_.fetch_add(n, std::memory_order_relaxed);
      histograms_failed_.fetch_add(nh, std::memory_order_relaxed);
      LogThrottled(kLogDrop,
                   absl::StrCat("Remote write to ", options_.config.url,
                                " failed, dropping ", n, " samples and ", nh,
                                " histograms (not retryable): ", error));
      return;
    case SendOutcome::kAbandoned:
      samples_failed_.fetch_add(n, std::memory_order_relaxed);
      histograms_failed_.fetch_add(nh, std::memory_order_relaxed);
      return;
  }
}

QueueManager::SendOutcome QueueManager::SendWithRetries(
    const std::string& body, uint64_t n, std::atomic<uint64_t>* attempted,
    std::atomic<uint64_t>* retried, std::string* error, uint64_t nh,
    std::atomic<uint64_t>* h_attempted, std::atomic<uint64_t>* h_retried) {
  const QueueConfig& q = options_.config.queue_config;
  int64_t backoff = q.min_backoff_ms;
  bool failed_before = false;
  while (true) {
    // Stop()'s deadline passed (while this was being retried).
    if (abandon_) return SendOutcome::kAbandoned;
    if (attempted != nullptr) {
      attempted->fetch_add(n, std::memory_order_relaxed);
      if (h_attempted != nullptr) {
        h_attempted->fetch_add(nh, std::memory_order_relaxed);
      }
      bytes_sent_.fetch_add(body.size(), std::memory_order_relaxed);
    }
    const auto start = std::chrono::steady_clock::now();
    const SendResult r = options_.send(options_.config, body);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    {
      std::lock_guard lock(stats_mu_);
      ++duration_count_;
      duration_sum_ += seconds;
      for (size_t b = 0; b < bounds_.size(); ++b) {
        if (seconds <= bounds_[b]) ++duration_buckets_[b];
      }
    }
    if (r.status / 100 == 2) {
      if (failed_before) {
        LogThrottled(kLogRecovered,
                     absl::StrCat("Remote write to ", options_.config.url,
                                  " works again"));
      }
      return SendOutcome::kSent;
    }
    requests_failed_.fetch_add(1, std::memory_order_relaxed);
    failed_before = true;
    const bool retry = r.status == 0 || r.status / 100 == 5 ||
                       (r.status == 429 && q.retry_on_http_429);
    if (!retry) {
      *error = r.error;
      return SendOutcome::kRefused;
    }
    // Prometheus: a Retry-After on a retryable answer replaces the
    // backoff step; the next step doubles whichever was slept.
    const int64_t sleep = r.retry_after_ms > 0 ? r.retry_after_ms : backoff;
    LogThrottled(kLogRetry,
                 absl::StrCat("Remote write to ", options_.config.url,
                              " failed, retrying in ", sleep, "ms: ", r.error));
    options_.sleep_ms(sleep, [this] { return abandon_.load(); });
    retried->fetch_add(n, std::memory_order_relaxed);
    if (h_retried != nullptr)
      h_retried->fetch_add(nh, std::memory_order_relaxed);
    backoff = std::min(sleep * 2, q.max_backoff_ms);
  }
}

void QueueManager::SendMetadata() {
  if (!options_.metadata) return;
  const std::vector<scrape::MetricMetadata> all = options_.metadata();
  const size_t per = static_cast<size_t>(std::max<int64_t>(
      1, options_.config.metadata_config.max_samples_per_send));
  std::string raw;
  std::string body;
  for (size_t first = 0; first < all.size(); first += per) {
    const size_t n = std::min(per, all.size() - first);
    raw.clear();
    EncodeMetadataRequest(all.data() + first, n, &raw);
    Compress(raw, &body);
    std::string error;
    switch (SendWithRetries(body, n, nullptr, &metadata_retried_, &error)) {
      case SendOutcome::kSent:
        // Prometheus counts metadata (and its bytes) once it is sent.
        metadata_sent_.fetch_add(n, std::memory_order_relaxed);
        metadata_bytes_.fetch_add(body.size(), std::memory_order_relaxed);
        break;
      case SendOutcome::kRefused:
        metadata_failed_.fetch_add(n, std::memory_order_relaxed);
        LogThrottled(
            kLogMetadataDrop,
            absl::StrCat("Remote write to ", options_.config.url,
                         " failed, dropping ", n,
                         " metadata entries (not retryable): ", error));
        break;
      case SendOutcome::kAbandoned:
        metadata_failed_.fetch_add(n, std::memory_order_relaxed);
        break;
    }
  }
}

void QueueManager::RunEvery(int64_t interval_ms,
                            const std::function<void()>& tick) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // stop_cv_ also hears shard threads ending: wait out the whole
    // interval, or a tick would come early.
    const auto next = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(interval_ms);
    if (stop_cv_.wait_until(lock, next, [this] { return stopping_; })) break;
    lock.unlock();
    tick();
    lock.lock();
  }
  --live_threads_;
  stop_cv_.notify_all();
}

void QueueManager::ReshardTick() {
  const QueueConfig& q = options_.config.queue_config;
  ShardInputs in;
  int64_t current;
  {
    std::lock_guard lock(mu_);
    current = static_cast<int64_t>(shards_.size());
  }
  int64_t want;
  {
    std::lock_guard lock(stats_mu_);
    in_rate_.Tick();
    out_rate_.Tick();
    dropped_rate_.Tick();
    out_duration_.Tick();
    in.samples_in_per_second = in_rate_.rate();
    in.samples_out_per_second = out_rate_.rate();
    in.samples_dropped_per_second = dropped_rate_.rate();
    in.send_seconds_per_second = out_duration_.rate();
    in.highest_received_seconds =
        static_cast<double>(highest_received_ms_.load()) / 1000;
    in.highest_sent_seconds =
        static_cast<double>(highest_sent_ms_.load()) / 1000;
    want = DesiredShards(in, current, q.min_shards, q.max_shards,
                         &shards_desired_);
  }
  if (want == current) return;
  // Prometheus: no resharding while a send is stuck retrying (none ended
  // within an interval): more shards would only fail more.
  if (last_send_ms_.load() < options_.now_ms() - options_.reshard_interval_ms) {
    return;
  }
  Reshard(want);
}

void QueueManager::Reshard(int64_t n) {
  std::vector<std::thread> old;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !started_ || n == static_cast<int64_t>(shards_.size()) ||
        n <= 0) {
      return;
    }
    ++generation_;
    for (auto& s : shards_) {
      s->cv.notify_all();
      if (s->thread.joinable()) old.push_back(std::move(s->thread));
    }
  }
  // Each old thread finishes the batch it is sending, then ends: nothing of
  // a series is in flight when its queued samples move.
  for (std::thread& t : old) t.join();
  std::lock_guard lock(mu_);
  std::vector<std::unique_ptr<Shard>> next;
  for (int64_t i = 0; i < n; ++i) next.push_back(std::make_unique<Shard>());
  const auto now = std::chrono::steady_clock::now();
  // Shard by shard, front to back: a series' samples keep their order in
  // the shard its ref falls to now.
  for (auto& s : shards_) {
    for (QueuedSample& qs : s->queue) {
      Shard& to = *next[qs.ref % static_cast<size_t>(n)];
      if (to.queue.empty()) to.first_queued = now;
      to.queue.push_back(std::move(qs));
    }
  }
  shards_ = std::move(next);
  if (stopping_) return;
  StartShardsLocked(n);
  space_cv_.notify_all();
}

bool QueueManager::Idle() const {
  std::lock_guard lock(mu_);
  for (const auto& s : shards_) {
    if (!s->queue.empty() || s->sending) return false;
  }
  return true;
}

void QueueManager::LogThrottled(int kind, const std::string& message) {
  if (!options_.log) return;
  const int64_t now = options_.now_ms();
  {
    std::lock_guard lock(stats_mu_);
    if (kind != kLogRecovered && now - last_log_ms_[kind] < kLogIntervalMs &&
        last_log_ms_[kind] != 0) {
      return;
    }
    last_log_ms_[kind] = now;
  }
  options_.log(absl::StrCat("remote_name=", name_, ": ", message));
}

QueueStats QueueManager::Stats() const {
  QueueStats s;
  s.remote_name = name_;
  s.url = options_.config.url;
  s.samples_sent = samples_sent_.load();
  s.samples_failed = samples_failed_.load();
  s.samples_retried = samples_retried_.load();
  s.dropped_relabel = dropped_relabel_.load();
  s.dropped_queue_full = dropped_queue_full_.load();
  s.dropped_unknown_series = dropped_unknown_.load();
  s.bytes_sent = bytes_sent_.load();
  s.requests_failed = requests_failed_.load();
  s.metadata_sent = metadata_sent_.load();
  s.metadata_failed = metadata_failed_.load();
  s.metadata_retried = metadata_retried_.load();
  s.metadata_bytes = metadata_bytes_.load();
  s.samples_pending = pending_.load();
  s.histograms_sent = histograms_sent_.load();
  s.histograms_failed = histograms_failed_.load();
  s.histograms_retried = histograms_retried_.load();
  s.histograms_dropped_relabel = histograms_dropped_relabel_.load();
  s.histograms_dropped_queue_full = histograms_dropped_queue_full_.load();
  s.histograms_dropped_unknown_series = histograms_dropped_unknown_.load();
  s.histograms_dropped_nhcb = histograms_dropped_nhcb_.load();
  s.histograms_pending = histograms_pending_.load();
  s.highest_sent_timestamp_seconds =
      static_cast<double>(highest_sent_ms_.load()) / 1000;
  s.shards_min = options_.config.queue_config.min_shards;
  s.shards_max = options_.config.queue_config.max_shards;
  s.shard_capacity = options_.config.queue_config.capacity;
  s.highest_received_ms = highest_received_ms_.load();
  s.wal_segment = wal_segment_.load();
  s.wal_segments_skipped = wal_segments_skipped_.load();
  {
    std::lock_guard lock(mu_);
    s.shards = static_cast<int64_t>(shards_.size());
  }
  std::lock_guard lock(stats_mu_);
  s.shards_desired = shards_desired_;
  s.batch_duration_bounds = bounds_;
  s.batch_duration_buckets = duration_buckets_;
  s.batch_duration_count = duration_count_;
  s.batch_duration_sum = duration_sum_;
  return s;
}

}  // namespace vigil::remote
