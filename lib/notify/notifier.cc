#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/strings.h"
#include "lib/model/wall_clock.h"
#include "lib/notify/alertmanager_discovery.h"
#include "vigil/http_client.h"
#include "vigil/notify.h"

namespace vigil::notify {
namespace {

enum class PostResult { kAccepted, kRetryable, kRejected };

PostResult PostBatch(const AlertmanagerTarget& am, const std::string& body) {
  http::Request req;
  req.method = "POST";
  req.url = AlertsUrl(am);
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "vigil"}};
  req.timeout = am.timeout;
  req.basic_auth_user = am.basic_auth_user;
  req.basic_auth_password = am.basic_auth_password;
  req.bearer_token = am.bearer_token;
  req.tls = {am.ca_file, am.cert_file, am.key_file, am.server_name,
             am.insecure_skip_verify};
  req.max_body_bytes = 1 << 20;  // Alertmanager answers with little
  auto resp = http::Perform(req);
  if (!resp.ok()) return PostResult::kRetryable;  // refused, timeout, TLS
  const int status = resp->status;
  if (status / 100 == 2) return PostResult::kAccepted;
  // A request Alertmanager judged bad stays bad; only transient answers
  // are worth another try.
  if (status == 408 || status == 429 || status / 100 == 5) {
    return PostResult::kRetryable;
  }
  return PostResult::kRejected;
}

struct Entry {
  NotifierAlert alert;
  int64_t queued_at_ms = 0;
  bool retried = false;  // was in a batch that failed
};

// One Alertmanager: its queue, its thread, its counters. Guarded by
// Notifier::Impl::mu.
struct Sender {
  AlertmanagerTarget target;
  std::deque<Entry> queue;
  size_t in_flight = 0;  // alerts of the batch being POSTed
  bool stopping = false;
  AlertmanagerStats stats;
  std::condition_variable wake;  // work arrived or stopping
  std::thread thread;
};

void AddTotals(const AlertmanagerStats& a, NotifierStats& s) {
  s.alerts_sent += a.alerts_sent;
  s.alerts_dropped += a.alerts_dropped;
  s.alerts_expired += a.alerts_expired;
  s.alerts_superseded += a.alerts_superseded;
  s.send_errors += a.send_errors;
  s.alerts_errored += a.alerts_errored;
  s.retries += a.retries;
  s.batches_sent += a.batches_sent;
}

// Drops from the retried prefix of `s.queue` what is no longer worth
// sending: alerts past their endsAt, and alerts with a newer copy (same
// label set) queued behind them.
void PruneRetries(Sender& s, int64_t now_ms) {
  size_t k = 0;
  while (k < s.queue.size() && s.queue[k].retried) ++k;
  if (k == 0) return;
  std::vector<bool> drop(k, false);
  std::unordered_multimap<uint64_t, size_t> retried_by_hash;
  for (size_t i = 0; i < k; ++i) {
    const Entry& e = s.queue[i];
    // A resolve's endsAt has passed by the time it is queued, yet it stays
    // worth delivering: until it arrives, Alertmanager shows the alert
    // firing.
    const bool resolve =
        e.alert.ends_at_ms != 0 && e.alert.ends_at_ms <= e.queued_at_ms;
    const int64_t expires_ms =
        e.alert.ends_at_ms != 0 && !resolve
            ? e.alert.ends_at_ms
            : e.queued_at_ms + kRetryWithoutEndsAt.count();
    if (expires_ms <= now_ms) {
      drop[i] = true;
      ++s.stats.alerts_expired;
    } else {
      retried_by_hash.emplace(e.alert.labels.Hash(), i);
    }
  }
  for (size_t j = 1; j < s.queue.size() && !retried_by_hash.empty(); ++j) {
    auto [lo, hi] = retried_by_hash.equal_range(s.queue[j].alert.labels.Hash());
    for (auto it = lo; it != hi;) {
      if (it->second < j &&
          s.queue[it->second].alert.labels == s.queue[j].alert.labels) {
        drop[it->second] = true;
        ++s.stats.alerts_superseded;
        it = retried_by_hash.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::deque<Entry> kept;
  for (size_t i = 0; i < k; ++i) {
    if (drop[i]) {
      ++s.stats.alerts_dropped;
    } else {
      kept.push_back(std::move(s.queue[i]));
    }
  }
  s.queue.erase(s.queue.begin(), s.queue.begin() + static_cast<long>(k));
  s.queue.insert(s.queue.begin(), std::make_move_iterator(kept.begin()),
                 std::make_move_iterator(kept.end()));
}

// Prometheus drops the oldest alerts when the queue overflows.
void DropOverflow(Sender& s, size_t capacity) {
  if (s.queue.size() <= capacity) return;
  const size_t excess = s.queue.size() - capacity;
  s.queue.erase(s.queue.begin(), s.queue.begin() + static_cast<long>(excess));
  s.stats.alerts_dropped += excess;
}

}  // namespace

std::string AlertsUrl(const AlertmanagerTarget& target) {
  std::string_view base = target.url;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return absl::StrCat(ToAbsl(base), target.alerts_path);
}

struct Notifier::Impl {
  mutable std::mutex mu;
  std::condition_variable drained;  // some queue became empty
  NotifierOptions options;
  std::vector<std::unique_ptr<Sender>> senders;  // in options order
  NotifierStats retired;  // totals of removed Alertmanagers, no-AM drops
  // Removed senders while their threads are joined: still counted by
  // Stats(), so the totals never dip.
  std::vector<Sender*> stopping;
  // Shutting down: one last try for what is queued, no backoff, no retry.
  bool draining = false;
  std::vector<std::string> dropped_alertmanagers;  // by relabel_configs

  // Discovery runs outside `mu` (it reads files); lock order is
  // discovery_mu, then mu.
  std::mutex discovery_mu;
  std::unique_ptr<AlertmanagerDiscovery> discovery;
  std::condition_variable discovery_wake;
  bool discovery_stop = false;        // guarded by discovery_mu
  uint64_t discovery_generation = 0;  // bumped by ApplyOptions
  std::thread discovery_thread;

  void StartSender(const AlertmanagerTarget& t) {
    auto s = std::make_unique<Sender>();
    s->target = t;
    s->stats.url = t.url;
    s->stats.alerts_url = AlertsUrl(t);
    Sender* raw = s.get();
    s->thread = std::thread([this, raw] { Run(*raw); });
    senders.push_back(std::move(s));
  }

  // Joins the senders' threads; `lock` must hold mu and is released while
  // joining. What was still queued is counted as dropped.
  void StopSenders(std::vector<std::unique_ptr<Sender>> stop,
                   std::unique_lock<std::mutex>& lock) {
    for (auto& s : stop) {
      s->stopping = true;
      s->wake.notify_all();
      stopping.push_back(s.get());
    }
    lock.unlock();
    for (auto& s : stop) s->thread.join();
    lock.lock();
    for (auto& s : stop) {
      s->stats.alerts_dropped += s->queue.size();
      AddTotals(s->stats, retired);
      std::erase(stopping, s.get());
    }
    drained.notify_all();
  }

  bool AllDrained() const {
    return std::all_of(senders.begin(), senders.end(), [](const auto& s) {
      return s->queue.empty() && s->in_flight == 0;
    });
  }

  // Makes `targets` the Alertmanagers: one whose POST URL stays keeps its
  // queue, a new one gets a sender, a removed one's queue is dropped.
  void Reconcile(const std::vector<AlertmanagerTarget>& targets,
                 std::unique_lock<std::mutex>& lock) {
    std::vector<std::unique_ptr<Sender>> old = std::move(senders);
    senders.clear();
    for (const AlertmanagerTarget& t : targets) {
      const std::string url = AlertsUrl(t);
      auto same = std::find_if(old.begin(), old.end(), [&](const auto& s) {
        return s != nullptr && s->stats.alerts_url == url;
      });
      if (same == old.end()) {
        if (std::none_of(senders.begin(), senders.end(), [&](const auto& s) {
              return s->stats.alerts_url == url;
            })) {
          StartSender(t);
        }
        continue;
      }
      (*same)->target = t;  // new credentials, timeout, TLS
      (*same)->stats.url = t.url;
      DropOverflow(**same, options.queue_capacity);
      senders.push_back(std::move(*same));
    }
    std::erase(old, nullptr);
    StopSenders(std::move(old), lock);
  }

  // Re-reads changed file_sd files and applies the result. Takes
  // discovery_mu, then mu; reports errors after releasing both, so the
  // callback may call back into the Notifier.
  void RefreshDiscovery(bool force) {
    std::vector<std::string> errors;
    std::function<void(const std::string&)> report;
    {
      std::lock_guard discovery_lock(discovery_mu);
      const bool changed = discovery != nullptr && discovery->Refresh(errors);
      std::unique_lock lock(mu);
      report = options.on_discovery_error;
      if (changed || force) {
        std::vector<AlertmanagerTarget> targets = options.alertmanagers;
        if (discovery != nullptr) {
          ResolvedAlertmanagers r = discovery->Resolve();
          targets.insert(targets.end(), r.active.begin(), r.active.end());
          dropped_alertmanagers = std::move(r.dropped);
          errors.insert(errors.end(), r.errors.begin(), r.errors.end());
        } else {
          dropped_alertmanagers.clear();
        }
        Reconcile(targets, lock);
      }
    }
    if (report) {
      for (const std::string& e : errors) report(e);
    }
  }

  void RunDiscovery() {
    std::unique_lock lock(discovery_mu);
    while (!discovery_stop) {
      const int64_t interval_ms =
          discovery != nullptr ? discovery->refresh_interval_ms() : 0;
      const uint64_t generation = discovery_generation;
      // New options restart the wait with their interval.
      auto woken = [&] {
        return discovery_stop || discovery_generation != generation;
      };
      if (interval_ms <= 0) {
        discovery_wake.wait(lock, woken);
        continue;
      }
      if (discovery_wake.wait_for(lock, std::chrono::milliseconds(interval_ms),
                                  woken)) {
        continue;
      }
      lock.unlock();
      RefreshDiscovery(/*force=*/false);
      lock.lock();
    }
  }

  void Run(Sender& s) {
    using Clock = std::chrono::steady_clock;
    std::chrono::milliseconds backoff{0};
    Clock::time_point next_attempt = Clock::now();
    std::unique_lock lock(mu);
    while (true) {
      s.wake.wait(lock, [&] { return s.stopping || !s.queue.empty(); });
      if (s.stopping) break;
      // After a failure: wait out the backoff; alerts queued meanwhile go
      // with the retry.
      s.wake.wait_until(lock, next_attempt,
                        [&] { return s.stopping || draining; });
      if (s.stopping) break;
      PruneRetries(s, WallClockMs());
      if (s.queue.empty()) {
        drained.notify_all();
        continue;
      }
      const size_t n = std::min(s.queue.size(), kMaxBatchSize);
      std::vector<NotifierAlert> batch;
      batch.reserve(n);
      std::vector<int64_t> queued_at;
      queued_at.reserve(n);
      bool retry = false;
      for (size_t i = 0; i < n; ++i) {
        retry = retry || s.queue[i].retried;
        queued_at.push_back(s.queue[i].queued_at_ms);
        batch.push_back(std::move(s.queue[i].alert));
      }
      s.queue.erase(s.queue.begin(), s.queue.begin() + static_cast<long>(n));
      if (retry) ++s.stats.retries;
      const AlertmanagerTarget target = s.target;
      s.in_flight = n;
      lock.unlock();

      const PostResult result = PostBatch(target, EncodeAlertsJson(batch));

      lock.lock();
      s.in_flight = 0;
      if (result == PostResult::kAccepted) {
        s.stats.alerts_sent += n;
        ++s.stats.batches_sent;
        backoff = std::chrono::milliseconds(0);
      } else if (result == PostResult::kRejected || draining) {
        ++s.stats.send_errors;
        s.stats.alerts_errored += n;
        s.stats.alerts_dropped += n;
        backoff = std::chrono::milliseconds(0);
      } else {
        ++s.stats.send_errors;
        s.stats.alerts_errored += n;
        // Back to the front: the oldest, so the first to go on overflow.
        for (size_t i = n; i-- > 0;) {
          s.queue.push_front(
              Entry{std::move(batch[i]), queued_at[i], /*retried=*/true});
        }
        DropOverflow(s, options.queue_capacity);
        const auto max_backoff =
            std::max(options.retry_max_backoff, std::chrono::milliseconds(1));
        backoff = backoff.count() == 0 ? std::max(options.retry_initial_backoff,
                                                  std::chrono::milliseconds(1))
                                       : backoff * 2;
        backoff = std::min(backoff, max_backoff);
      }
      next_attempt = Clock::now() + backoff;
      if (s.queue.empty()) drained.notify_all();
    }
  }
};

Notifier::Notifier(NotifierOptions options) : impl_(std::make_unique<Impl>()) {
  ApplyOptions(std::move(options));
  impl_->discovery_thread = std::thread([this] { impl_->RunDiscovery(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(impl_->discovery_mu);
    impl_->discovery_stop = true;
    impl_->discovery_wake.notify_all();
  }
  impl_->discovery_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->draining = true;
    for (auto& s : impl_->senders) s->wake.notify_all();
  }
  Flush(std::chrono::seconds(5));
  // What could not be delivered in time is dropped, not waited for.
  std::unique_lock lock(impl_->mu);
  impl_->StopSenders(std::move(impl_->senders), lock);
}

void Notifier::Send(std::vector<NotifierAlert> alerts) {
  std::lock_guard lock(impl_->mu);
  const NotifierOptions& o = impl_->options;
  const int64_t now_ms = WallClockMs();
  std::vector<NotifierAlert> accepted;
  accepted.reserve(alerts.size());
  for (NotifierAlert& a : alerts) {
    if (!o.external_labels.empty()) {
      LabelsBuilder b(a.labels);
      for (const Label& l : o.external_labels) {
        if (!a.labels.Has(l.name)) b.Set(l.name, l.value);
      }
      a.labels = b.Build();
    }
    if (o.relabel) {
      std::optional<Labels> relabeled = o.relabel(a.labels);
      if (!relabeled || relabeled->empty()) continue;
      a.labels = std::move(*relabeled);
    }
    accepted.push_back(std::move(a));
  }
  if (impl_->senders.empty()) {
    impl_->retired.alerts_dropped += accepted.size();  // nowhere to go
    return;
  }
  for (size_t i = 0; i < impl_->senders.size(); ++i) {
    Sender& s = *impl_->senders[i];
    const bool last = i + 1 == impl_->senders.size();
    for (NotifierAlert& a : accepted) {
      s.queue.push_back(Entry{last ? std::move(a) : a, now_ms, false});
    }
    DropOverflow(s, o.queue_capacity);
    s.wake.notify_one();
  }
}

void Notifier::ApplyOptions(NotifierOptions options) {
  {
    std::lock_guard discovery_lock(impl_->discovery_mu);
    impl_->discovery = options.alertmanager_configs.empty()
                           ? nullptr
                           : std::make_unique<AlertmanagerDiscovery>(
                                 std::move(options.alertmanager_configs));
    std::lock_guard lock(impl_->mu);
    impl_->options = std::move(options);
    // A new refresh interval takes effect now, not after the old one.
    ++impl_->discovery_generation;
    impl_->discovery_wake.notify_all();
  }
  impl_->RefreshDiscovery(/*force=*/true);
}

void Notifier::RefreshDiscovery() { impl_->RefreshDiscovery(/*force=*/false); }

AlertmanagerUrls Notifier::Alertmanagers() const {
  std::lock_guard lock(impl_->mu);
  AlertmanagerUrls out;
  for (const auto& s : impl_->senders)
    out.active.push_back(s->stats.alerts_url);
  out.dropped = impl_->dropped_alertmanagers;
  return out;
}

bool Notifier::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->drained.wait_for(lock, timeout,
                                 [&] { return impl_->AllDrained(); });
}

NotifierStats Notifier::Stats() const {
  std::lock_guard lock(impl_->mu);
  NotifierStats s = impl_->retired;
  s.per_alertmanager.clear();
  for (const auto& sender : impl_->senders) {
    AlertmanagerStats a = sender->stats;
    a.queue_length = sender->queue.size() + sender->in_flight;
    AddTotals(a, s);
    s.queue_length += a.queue_length;
    s.per_alertmanager.push_back(std::move(a));
  }
  for (const Sender* sender : impl_->stopping) AddTotals(sender->stats, s);
  s.alertmanagers = impl_->senders.size();
  return s;
}

}  // namespace vigil::notify
