// ScrapeManager: scrape pools per job, their targets and loops, reloads and
// file_sd refreshes (Prometheus's scrape.Manager and scrapePool).
#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/model/duration.h"
#include "lib/model/wall_clock.h"
#include "lib/scrape/scrape_loop.h"
#include "lib/scrape/target.h"
#include "vigil/discovery.h"
#include "vigil/scrape.h"
#include "vigil/storage.h"

namespace vigil::scrape {
namespace {

// How often the discovery thread checks whether a file_sd refresh is due.
constexpr int64_t kDiscoveryTickMs = 1000;

struct Pool {
  std::shared_ptr<const ScrapeConfig> config;
  std::unique_ptr<discovery::FileSdWatcher> watcher;
  int64_t next_refresh_ms = 0;
  std::map<std::string, std::unique_ptr<ScrapeLoop>> loops;  // by target key
  std::vector<DroppedTarget> dropped;
};

int64_t ParseIntervalOr(const Labels& labels, std::string_view name,
                        int64_t fallback) {
  auto ms = ParseDurationMs(labels.Get(name));
  return ms.ok() && *ms > 0 ? *ms : fallback;
}

std::string LoopKey(const Labels& full, const std::string& url) {
  return absl::StrCat(full.ToString(), " ", url);
}

}  // namespace

struct ScrapeManager::Impl {
  Appendable* storage;
  ManagerOptions options;

  mutable std::mutex mu;
  std::map<std::string, Pool> pools;  // by job name
  bool stopped = false;

  std::mutex thread_mu;
  std::condition_variable cv;
  bool thread_stop = false;
  std::thread discovery;

  int64_t Now() const {
    return options.now_ms ? options.now_ms() : WallClockMs();
  }

  size_t ActiveCountExcept(const std::string& job) const {
    size_t n = 0;
    for (const auto& [name, pool] : pools) {
      if (name != job) n += pool.loops.size();
    }
    return n;
  }

  // Recomputes a pool's targets from its groups; loops of vanished targets
  // move to `to_stop`. Must hold mu.
  void Sync(const std::string& job, Pool& pool,
            std::vector<std::unique_ptr<ScrapeLoop>>& to_stop) {
    std::vector<TargetGroup> groups = pool.config->static_configs;
    if (pool.watcher) {
      std::vector<TargetGroup> file_groups = pool.watcher->Groups();
      groups.insert(groups.end(), file_groups.begin(), file_groups.end());
    }
    const ScrapeConfig& cfg = *pool.config;
    std::map<std::string, LoopTarget> wanted;
    pool.dropped.clear();
    const size_t budget =
        options.max_active_targets > ActiveCountExcept(job)
            ? options.max_active_targets - ActiveCountExcept(job)
            : 0;
    for (const TargetGroup& g : groups) {
      for (const Labels& t : g.targets) {
        Labels discovered = DiscoveredLabels(t, g.labels, cfg);
        auto populated = PopulateLabels(t, g.labels, cfg);
        // Prometheus skips (and logs) targets that fail to populate.
        if (!populated.ok()) continue;
        if (!populated->has_value() || wanted.size() >= budget) {
          pool.dropped.push_back({job, std::move(discovered)});
          continue;
        }
        LoopTarget lt;
        lt.config = pool.config;
        lt.full_labels = **std::move(populated);
        lt.discovered_labels = std::move(discovered);
        lt.url = TargetUrl(lt.full_labels, cfg.params);
        // PopulateLabels validated both durations.
        lt.interval_ms = ParseIntervalOr(lt.full_labels, kScrapeIntervalLabel,
                                         cfg.scrape_interval_ms);
        lt.timeout_ms = ParseIntervalOr(lt.full_labels, kScrapeTimeoutLabel,
                                        cfg.scrape_timeout_ms);
        wanted.emplace(LoopKey(lt.full_labels, lt.url), std::move(lt));
      }
    }
    for (auto it = pool.loops.begin(); it != pool.loops.end();) {
      if (wanted.contains(it->first)) {
        ++it;
      } else {
        to_stop.push_back(std::move(it->second));
        it = pool.loops.erase(it);
      }
    }
    for (auto& [key, lt] : wanted) {
      if (pool.loops.contains(key)) continue;
      auto loop = std::make_unique<ScrapeLoop>(
          std::move(lt), storage, options.offset_seed, options.now_ms,
          options.on_failure);
      loop->Start();
      pool.loops.emplace(key, std::move(loop));
    }
  }

  void DiscoveryThread() {
    std::unique_lock<std::mutex> lock(thread_mu);
    while (!cv.wait_for(lock, std::chrono::milliseconds(kDiscoveryTickMs),
                        [this] { return thread_stop; })) {
      lock.unlock();
      Refresh(/*force=*/false);
      lock.lock();
    }
  }

  void Refresh(bool force) {
    std::vector<std::unique_ptr<ScrapeLoop>> to_stop;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopped) return;
      const int64_t now = Now();
      for (auto& [job, pool] : pools) {
        if (!pool.watcher || (!force && now < pool.next_refresh_ms)) continue;
        pool.next_refresh_ms = now + pool.watcher->refresh_interval_ms();
        if (pool.watcher->Refresh()) Sync(job, pool, to_stop);
      }
    }
    for (auto& loop : to_stop) loop->Stop(/*mark_stale=*/true);
  }
};

ScrapeManager::ScrapeManager(Appendable* storage, ManagerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->storage = storage;
  impl_->options = options;
  impl_->discovery =
      std::thread([impl = impl_.get()] { impl->DiscoveryThread(); });
}

ScrapeManager::~ScrapeManager() { Stop(); }

absl::Status ScrapeManager::ApplyConfig(std::vector<ScrapeConfig> configs) {
  std::set<std::string> jobs;
  for (const ScrapeConfig& c : configs) {
    if (!jobs.insert(c.job_name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "found multiple scrape configs with job name \"", c.job_name, "\""));
    }
  }
  std::vector<std::unique_ptr<ScrapeLoop>> to_stop, to_replace;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) {
      return absl::FailedPreconditionError("scrape manager is stopped");
    }
    // Jobs that are gone: their targets' series end now.
    for (auto it = impl_->pools.begin(); it != impl_->pools.end();) {
      if (jobs.contains(it->first)) {
        ++it;
        continue;
      }
      for (auto& [key, loop] : it->second.loops) {
        to_stop.push_back(std::move(loop));
      }
      it = impl_->pools.erase(it);
    }
    for (ScrapeConfig& c : configs) {
      Pool& pool = impl_->pools[c.job_name];
      const std::string job = c.job_name;
      if (pool.config && pool.config->SameAs(c)) {
        // Unchanged scrape settings: keep the loops, only refresh targets.
        auto cfg = std::make_shared<const ScrapeConfig>(std::move(c));
        // Target groups may differ; the loops keep their own (equal)
        // config copy.
        pool.config = cfg;
      } else {
        // Changed settings: every loop restarts with the new config.
        for (auto& [key, loop] : pool.loops) {
          to_replace.push_back(std::move(loop));
        }
        pool.loops.clear();
        pool.config = std::make_shared<const ScrapeConfig>(std::move(c));
      }
      if (pool.config->file_sd_configs.empty()) {
        pool.watcher.reset();
      } else {
        pool.watcher = std::make_unique<discovery::FileSdWatcher>(
            pool.config->file_sd_configs);
        pool.watcher->Refresh();
        pool.next_refresh_ms =
            impl_->Now() + pool.watcher->refresh_interval_ms();
      }
    }
    // Sync after every pool has its config so that the active-target cap
    // is shared fairly in job order.
    for (auto& [job, pool] : impl_->pools) impl_->Sync(job, pool, to_stop);
  }
  for (auto& loop : to_replace) loop->Stop(/*mark_stale=*/false);
  for (auto& loop : to_stop) loop->Stop(/*mark_stale=*/true);
  return absl::OkStatus();
}

void ScrapeManager::RefreshDiscovery() { impl_->Refresh(/*force=*/true); }

std::vector<ActiveTarget> ScrapeManager::ActiveTargets() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<ActiveTarget> out;
  for (const auto& [job, pool] : impl_->pools) {
    for (const auto& [key, loop] : pool.loops) {
      const LoopTarget& t = loop->target();
      const LoopStatus st = loop->status();
      ActiveTarget a;
      a.scrape_pool = job;
      a.scrape_url = t.url;
      a.global_url = t.url;
      a.discovered_labels = t.discovered_labels;
      a.labels = PublicTargetLabels(t.full_labels);
      a.health = st.health;
      a.last_error = st.last_error;
      a.last_scrape_ms = st.last_scrape_ms;
      a.last_scrape_duration_seconds = st.last_duration_seconds;
      a.scrape_interval_ms = t.interval_ms;
      a.scrape_timeout_ms = t.timeout_ms;
      a.metadata = loop->metadata();
      out.push_back(std::move(a));
    }
  }
  return out;
}

std::vector<MetricMetadata> ScrapeManager::Metadata() const {
  std::vector<std::shared_ptr<const std::vector<MetricMetadata>>> lists;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (const auto& [job, pool] : impl_->pools) {
      for (const auto& [key, loop] : pool.loops) {
        lists.push_back(loop->metadata());
      }
    }
  }
  // Targets of one job mostly declare the same families: deduplicated on
  // every field, as Prometheus's MetadataWatcher.collect does.
  absl::flat_hash_set<std::string> seen;
  std::vector<MetricMetadata> out;
  for (const auto& list : lists) {
    for (const MetricMetadata& m : *list) {
      std::string key = absl::StrCat(
          m.metric_family_name.size(), ":", m.metric_family_name, m.type.size(),
          ":", m.type, m.help.size(), ":", m.help, m.unit);
      if (seen.insert(std::move(key)).second) out.push_back(m);
    }
  }
  return out;
}

std::vector<DroppedTarget> ScrapeManager::DroppedTargets() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<DroppedTarget> out;
  for (const auto& [job, pool] : impl_->pools) {
    out.insert(out.end(), pool.dropped.begin(), pool.dropped.end());
  }
  return out;
}

void ScrapeManager::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->thread_mu);
    impl_->thread_stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->discovery.joinable()) impl_->discovery.join();
  std::vector<std::unique_ptr<ScrapeLoop>> loops;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopped = true;
    for (auto& [job, pool] : impl_->pools) {
      for (auto& [key, loop] : pool.loops) loops.push_back(std::move(loop));
      pool.loops.clear();
    }
  }
  for (auto& loop : loops) loop->Stop(/*mark_stale=*/false);
}

}  // namespace vigil::scrape
