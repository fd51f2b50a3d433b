#include "exporter/server.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "exporter/alert_log.h"
#include "exporter/config.h"
#include "exporter/config_redaction.h"
#include "exporter/demo.h"
#include "exporter/log.h"
#include "exporter/memory_trimmer.h"
#include "exporter/rule_alerts.h"
#include "exporter/rule_datasource.h"
#include "exporter/self_metrics.h"
#include "exporter/ui_sources.h"
#include "lib/model/wall_clock.h"
#include "vigil/api.h"
#include "vigil/backfill.h"
#include "vigil/datasource.h"
#include "vigil/kube.h"
#include "vigil/notify.h"
#include "vigil/promql/engine.h"
#include "vigil/relabel.h"
#include "vigil/remote_write.h"
#include "vigil/rules.h"
#include "vigil/scrape.h"
#include "vigil/tsdb.h"
#include "vigil/version.h"
#include "vigil/web.h"

namespace vigil::exporter {
namespace {

// How often retention runs; Prometheus compacts its head about as often.
constexpr auto kGcInterval = std::chrono::minutes(1);
// A fast-growing log (a large cluster scraped every few seconds) outgrows
// its checkpoint threshold by some 50 MiB a minute: checked this often, the
// log a start after a crash replays stays near the threshold.
constexpr auto kCheckpointCheckInterval = std::chrono::seconds(5);
// How often --state.file is rewritten: a crash loses at most this much, and
// a restart counts it as downtime.
constexpr auto kStateSaveInterval = std::chrono::seconds(30);

// The scrape layer's targets as the API shows them.
class ScrapeTargets : public api::TargetsSource {
 public:
  explicit ScrapeTargets(const scrape::ScrapeManager* m) : m_(m) {}
  std::vector<api::ActiveTarget> ActiveTargets() const override {
    std::vector<api::ActiveTarget> out;
    for (const scrape::ActiveTarget& t : m_->ActiveTargets()) {
      api::ActiveTarget a;
      a.discovered_labels = t.discovered_labels;
      a.labels = t.labels;
      a.scrape_pool = t.scrape_pool;
      a.scrape_url = t.scrape_url;
      a.global_url = t.global_url;
      a.last_error = t.last_error;
      a.last_scrape_ms = t.last_scrape_ms;
      a.last_scrape_duration_seconds = t.last_scrape_duration_seconds;
      a.health = t.health == scrape::TargetHealth::kUp ? api::TargetHealth::kUp
                 : t.health == scrape::TargetHealth::kDown
                     ? api::TargetHealth::kDown
                     : api::TargetHealth::kUnknown;
      a.scrape_interval = FormatInterval(t.scrape_interval_ms);
      a.scrape_timeout = FormatInterval(t.scrape_timeout_ms);
      out.push_back(std::move(a));
    }
    return out;
  }
  std::vector<api::DroppedTarget> DroppedTargets() const override {
    std::vector<api::DroppedTarget> out;
    for (const scrape::DroppedTarget& t : m_->DroppedTargets()) {
      out.push_back({t.discovered_labels, t.scrape_pool});
    }
    return out;
  }
  std::vector<api::TargetMetadata> ActiveTargetsMetadata() const override {
    std::vector<api::TargetMetadata> out;
    for (const scrape::ActiveTarget& t : m_->ActiveTargets()) {
      api::TargetMetadata tm;
      tm.scrape_pool = t.scrape_pool;
      tm.labels = t.labels;
      tm.metadata.reserve(t.metadata->size());
      for (const scrape::MetricMetadata& m : *t.metadata) {
        tm.metadata.push_back({m.metric_family_name, m.type, m.help, m.unit});
      }
      out.push_back(std::move(tm));
    }
    return out;
  }

 private:
  static std::string FormatInterval(int64_t ms) {
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s"
                          : std::to_string(ms) + "ms";
  }
  const scrape::ScrapeManager* m_;
};

// Shutdown and reload requests from signals and HTTP, served by main().
struct Control {
  std::mutex mu;
  std::condition_variable cv;
  bool quit = false;
};
std::atomic<bool> g_sighup{false};
std::atomic<bool> g_sigterm{false};

void OnSignal(int sig) {
  if (sig == SIGHUP) {
    g_sighup = true;
  } else {
    g_sigterm = true;
  }
}

class Server {
 public:
  explicit Server(const Flags& flags)
      : flags_(flags),
        head_(tsdb::HeadOptions{tsdb::kDefaultSamplesPerChunk,
                                tsdb::kDefaultChunkRangeMs,
                                flags.retention_ms}),
        engine_(EngineOptionsFrom(flags)),
        scrape_(&head_, ScrapeOptions()),
        demo_(flags.demo || flags.config_file.empty()) {}
  ~Server() { head_.SetCommitObserver(nullptr); }

  // Failed scrapes are logged as they happen: `up` says that a target is
  // down, the log says why (for a bad payload, at which line).
  static scrape::ManagerOptions ScrapeOptions() {
    scrape::ManagerOptions options;
    options.on_failure = [](const scrape::ScrapeFailure& f) {
      Log(LogLevel::kWarn, "Scrape failed",
          {{"scrape_pool", f.scrape_pool},
           {"target", f.scrape_url},
           {"err", f.error}});
    };
    return options;
  }

  int Run() {
    const int64_t start = WallClockMs();
    start_ms_ = start;
    if (demo_ && !flags_.web_config_file.empty()) {
      // The demo scrapes and lists pods from its own listener over plain,
      // unauthenticated HTTP.
      Log(LogLevel::kError,
          "The built-in demo cannot run behind --web.config.file; give a "
          "--config.file");
      return 1;
    }
    if (flags_.web_max_connections < 1) {
      Log(LogLevel::kError, "--web.max-connections must be at least 1");
      return 1;
    }
    // The demo's targets are vigil's own listener, whose port is known once
    // it listens: its config is applied after the server starts.
    auto config = demo_ ? ParseConfig(demo::ConfigYaml(0), "<demo>", "")
                        : LoadConfig(flags_.config_file);
    if (!config.ok()) {
      Log(LogLevel::kError, "Error loading config",
          {{"err", std::string(config.status().message())}});
      return 1;
    }
    if (absl::Status s = LoadData(); !s.ok()) {
      Log(LogLevel::kError, "Error loading --storage.load data",
          {{"err", std::string(s.message())}});
      return 1;
    }
    CreateRemoteWrite();
    notifier_ =
        std::make_unique<notify::Notifier>(NotifierOptionsFrom(*config));
    rules_ = std::make_unique<rules::RuleManager>(GroupOptionsFrom(*config));
    // The demo's collector lists the demo's pods, once the server runs.
    if (absl::Status s = demo_ ? absl::OkStatus() : CreateKubeCollector();
        !s.ok()) {
      Log(LogLevel::kError, "Error configuring the Kubernetes collector",
          {{"err", std::string(s.message())}});
      return 1;
    }
    const VersionInfo& version = GetVersionInfo();
    SelfMetrics self({&head_, rules_.get(), notifier_.get(), &scrape_,
                      remote_.get(), std::string(version.version), start});
    ScrapeTargets targets(&scrape_);

    api::ApiServerOptions api_options;
    api_options.listen_address = flags_.listen_address;
    api_options.num_threads = static_cast<int>(flags_.web_max_connections);
    api_options.read_timeout_ms = flags_.web_read_timeout_ms;
    api_options.web_config_file = flags_.web_config_file;
    api_options.log_error = [](std::string_view error) {
      Log(LogLevel::kError, "Web server error", {{"err", std::string(error)}});
    };
    api_options.enable_lifecycle = flags_.enable_lifecycle;
    api_options.external_url = flags_.external_url;
    api_options.route_prefix = flags_.route_prefix;
    api_options.max_concurrent_requests =
        static_cast<int>(flags_.query_max_concurrency);
    api_options.build_info = {
        std::string(version.version),    std::string(version.revision),
        std::string(version.branch),     std::string(version.build_user),
        std::string(version.build_date), std::string(version.compiler)};
    api_options.flags = flags_.AsMap();
    api::ApiDependencies deps;
    deps.engine = &engine_;
    deps.storage = &head_;
    deps.rules = rules_.get();
    deps.targets = &targets;
    deps.alertmanagers = [this] {
      notify::AlertmanagerUrls urls = notifier_->Alertmanagers();
      return api::AlertmanagerList{std::move(urls.active),
                                   std::move(urls.dropped)};
    };
    HttpRequestMetrics http_metrics;
    // Declared before the server, whose threads report to it.
    MemoryTrimmer trimmer;
    TrimmingObserver observer(&http_metrics, &trimmer);
    deps.request_observer = &observer;
    deps.metrics_handler = [&self, &http_metrics](const api::HttpRequest&) {
      api::HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      std::vector<prometheus::MetricFamily> families = self.Collect();
      for (auto& f : http_metrics.Collect()) families.push_back(std::move(f));
      r.body = SerializeMetrics(families);
      return r;
    };
    if (kube_ != nullptr || demo_) {
      // For a Prometheus that scrapes vigil as an exporter; vigil's own
      // rules read the same series from its store. The demo's collector
      // starts after the server.
      deps.extra_handlers["/kube/metrics"] = [this](const api::HttpRequest&) {
        api::HttpResponse r;
        kube::Collector* kube = kube_ready_.load();
        if (kube == nullptr) {
          r.status = 503;
          r.body = "the security-context collector is starting\n";
          return r;
        }
        r.content_type = std::string(kube::kExpositionContentType);
        r.body = kube->RenderExposition();
        return r;
      };
    }
    if (demo_) {
      for (auto& [path, handler] : demo::Handlers(start)) {
        deps.extra_handlers[path] = std::move(handler);
      }
    }
    deps.ready = [this] { return ready_.load(); };
    deps.reload = [this] { return Reload(); };
    deps.quit = [this] { RequestQuit(); };
    deps.external_labels = [this] {
      std::lock_guard lock(config_mu_);
      return external_labels_;
    };
    deps.config_yaml = [this] {
      std::lock_guard lock(config_mu_);
      return RedactedConfigYaml(config_text_);
    };
    for (auto& [path, handler] :
         web::Handlers(UiOptionsFrom(api_options), UiSourcesFor(self, deps))) {
      deps.extra_handlers.emplace(path, std::move(handler));
    }
    api::ApiServer server(api_options, deps);
    if (absl::Status s = server.Start(); !s.ok()) {
      Log(LogLevel::kError, "Unable to start web listener",
          {{"err", std::string(s.message())}});
      return 1;
    }
    Log(LogLevel::kInfo, "Server is ready to receive web requests.",
        {{"address", flags_.listen_address},
         {"port", std::to_string(server.port())}});
    // The log is replayed while the server answers /-/healthy and says
    // "not ready" on /-/ready, so probes can tell busy from dead; nothing
    // scrapes or evaluates before it is done.
    if (!OpenStorage()) {
      server.Stop();
      return 1;
    }
    if (absl::Status s = demo_ ? absl::OkStatus() : ApplyConfig(*config);
        !s.ok()) {
      Log(LogLevel::kError, "Error loading config",
          {{"err", std::string(s.message())}});
      server.Stop();
      return 1;
    }
    if (demo_ && !StartDemo(server.port())) {
      server.Stop();
      return 1;
    }
    ready_ = true;
    kube_ready_ = kube_.get();
    LoadAlertState();  // before the first evaluation
    rules_->Start();
    if (kube_ != nullptr) {
      if (absl::Status s = kube_->Start(); !s.ok()) {
        Log(LogLevel::kError, "Error starting the Kubernetes collector",
            {{"err", std::string(s.message())}});
      }
    }
    std::thread state_saver([this] { SaveAlertStatePeriodically(); });

    std::thread gc([this] {
      std::unique_lock lock(control_.mu);
      auto next_gc = std::chrono::steady_clock::now() + kGcInterval;
      while (!control_.cv.wait_for(lock, kCheckpointCheckInterval,
                                   [this] { return control_.quit; })) {
        lock.unlock();
        if (std::chrono::steady_clock::now() >= next_gc) {
          head_.RunGc(WallClockMs());
          next_gc = std::chrono::steady_clock::now() + kGcInterval;
        } else {
          head_.CheckpointWalIfDue();
        }
        lock.lock();
      }
    });

    // Alert transitions are logged for the demo's user, and at debug level.
    if (demo_ || flags_.log_level == "debug") {
      alert_log_ = std::make_unique<AlertTransitionLog>(
          demo_ ? LogLevel::kInfo : LogLevel::kDebug);
    }
    int64_t last_alert_log_ms = 0;
    // Signals are polled: a handler may only set flags.
    while (true) {
      {
        std::unique_lock lock(control_.mu);
        if (control_.cv.wait_for(lock, std::chrono::milliseconds(200),
                                 [this] { return control_.quit; })) {
          break;
        }
      }
      if (g_sigterm) {
        Log(LogLevel::kWarn,
            "Received termination request, exiting gracefully...");
        RequestQuit();
      }
      if (g_sighup.exchange(false)) (void)Reload();
      LogKubeCollectorChanges();
      if (alert_log_ != nullptr && WallClockMs() - last_alert_log_ms >= 1000) {
        last_alert_log_ms = WallClockMs();
        alert_log_->Observe(*rules_, last_alert_log_ms);
      }
    }
    // Graceful shutdown: stop producing, then deliver what is queued.
    rules_->Stop();
    SaveAlertState();  // after the last evaluation
    scrape_.Stop();
    if (kube_ != nullptr) kube_->Stop();
    server.Stop();
    // What is queued for remote write goes out before the snapshot.
    remote_->Stop();
    head_.SetCommitObserver(nullptr);
    if (!notifier_->Flush(std::chrono::seconds(10))) {
      Log(LogLevel::kWarn, "Notification queue not drained before exit");
    }
    gc.join();
    state_saver.join();
    SnapshotStorage();
    Log(LogLevel::kInfo, "See you next time!");
    return 0;
  }

 private:
  static promql::EngineOptions EngineOptionsFrom(const Flags& f) {
    promql::EngineOptions o;
    o.lookback_delta_ms = f.lookback_delta_ms;
    o.max_samples = f.query_max_samples;
    o.timeout = std::chrono::milliseconds(f.query_timeout_ms);
    return o;
  }

  web::UiOptions UiOptionsFrom(const api::ApiServerOptions& api) const {
    web::UiOptions o;
    o.build_info = api.build_info;
    o.flags = api.flags;
    o.external_url = flags_.external_url;
    o.route_prefix = flags_.route_prefix;
    o.start_time_ms = start_ms_;
    return o;
  }

  // The same sources the API reads (`api`'s); `self` outlives the server.
  web::UiSources UiSourcesFor(const SelfMetrics& self,
                              const api::ApiDependencies& api) {
    web::UiSources s;
    s.engine = &engine_;
    s.storage = &head_;
    s.rules = rules_.get();
    s.targets = api.targets;
    s.extra_targets = [this] {
      std::vector<api::ActiveTarget> out;
      if (kube::Collector* kube = kube_ready_.load()) {
        out.push_back(CollectorTarget(kube->Status(), kube_api_url_));
      }
      return out;
    };
    s.alertmanagers = api.alertmanagers;
    s.config_yaml = api.config_yaml;
    s.store_figures = [&self] { return StoreFigures(self); };
    return s;
  }

  notify::NotifierOptions NotifierOptionsFrom(const Config& c) const {
    notify::NotifierOptions o;
    o.alertmanager_configs = c.alertmanagers;
    // A file_sd file that does not read keeps its previous Alertmanagers;
    // the log says why it is not following the file.
    o.on_discovery_error = [](const std::string& err) {
      Log(LogLevel::kWarn, "Alertmanager discovery failed", {{"err", err}});
    };
    o.queue_capacity = static_cast<size_t>(flags_.notification_queue_capacity);
    o.external_labels = c.global.external_labels;
    if (!c.alert_relabel_configs.empty()) {
      o.relabel = [configs = c.alert_relabel_configs](const Labels& l) {
        return relabel::Process(l, configs);
      };
    }
    return o;
  }

  rules::GroupOptions GroupOptionsFrom(const Config& c) {
    rules::GroupOptions o;
    o.storage = &head_;
    o.appendable = &head_;
    o.engine = &engine_;
    o.default_interval_ms = c.global.evaluation_interval_ms;
    o.default_query_offset_ms = c.global.rule_query_offset_ms;
    o.resend_delay_ms = flags_.resend_delay_ms;
    o.outage_tolerance_ms = flags_.for_outage_tolerance_ms;
    o.for_grace_period_ms = flags_.for_grace_period_ms;
    o.external_labels = c.global.external_labels;
    o.external_url = flags_.external_url;
    o.notify = [this](const std::string& expr,
                      const std::vector<rules::Alert>& alerts) {
      notifier_->Send(FromRuleAlerts(expr, alerts, flags_.external_url));
    };
    o.query = rule_queries_.QueryFunc();
    o.for_state_fallback = rule_queries_.ForStateReader();
    o.on_failure = [](const rules::RuleFailure& f) {
      Log(LogLevel::kWarn,
          f.restoring ? "Failed to restore 'for' state"
                      : "Evaluating rule failed",
          {{"file", f.file},
           {"group", f.group},
           {"rule", f.rule},
           {"err", std::string(f.status.message())}});
    };
    return o;
  }

  // The datasource rules query (--datasource.url over the config's url),
  // or none; logged when it changes.
  absl::Status ApplyDatasource(const Config& config) {
    datasource::ClientConfig c = config.datasource;
    if (!flags_.datasource_url.empty()) c.url = flags_.datasource_url;
    std::shared_ptr<const datasource::Client> client;
    if (!c.url.empty()) {
      auto created = datasource::Client::Create(std::move(c));
      if (!created.ok()) return created.status();
      client = *std::move(created);
    }
    const auto old = rule_queries_.client();
    const std::string old_url = old ? old->config().url : "";
    const std::string new_url = client ? client->config().url : "";
    rule_queries_.SetClient(std::move(client));
    if (old_url != new_url) {
      Log(LogLevel::kInfo,
          new_url.empty() ? "Rules query the local store"
                          : "Rules query the remote datasource",
          {{"url", new_url}});
    }
    return absl::OkStatus();
  }

  // --storage.load: recorded data goes in before anything else writes, so
  // scrapes and rules cannot make it out of order. Retention would measure
  // it against the wall clock and drop a recording older than the
  // retention at the first GC; it is exempt instead (the user asked for
  // exactly this data, and its size is bounded by the loader's limits).
  absl::Status LoadData() {
    for (const std::string& file : flags_.storage_load) {
      auto stats = backfill::LoadOpenMetricsFile(file, head_);
      if (!stats.ok()) return stats.status();
      if (stats->samples > 0) head_.ExemptFromRetention(stats->max_time_ms);
      Log(LogLevel::kInfo, "Loaded samples from file",
          {{"file", file},
           {"series", std::to_string(stats->series)},
           {"samples", std::to_string(stats->samples)},
           {"mint", std::to_string(stats->min_time_ms)},
           {"maxt", std::to_string(stats->max_time_ms)}});
    }
    return absl::OkStatus();
  }

  // Remote write follows the write-ahead log when there is one (nothing is
  // lost while a receiver is down, until a checkpoint removes what it has
  // not read); otherwise it sees each commit and buffers in memory.
  void CreateRemoteWrite() {
    remote::WriteStorageOptions o;
    o.storage_dir = flags_.storage_path;
    o.log = [](std::string_view msg) {
      Log(LogLevel::kWarn, std::string(msg));
    };
    // Metadata comes from the scrape targets, as Prometheus's does.
    o.metadata = [this] { return scrape_.Metadata(); };
    remote_ = std::make_unique<remote::WriteStorage>(std::move(o));
    if (flags_.storage_path.empty()) {
      head_.SetCommitObserver(
          [this](const SeriesRef* refs, const Sample* samples, size_t n,
                 const std::function<Labels(size_t)>& labels_of) {
            remote_->OnCommit(refs, samples, n, labels_of);
          },
          [this](const SeriesRef* refs, const int64_t* ts,
                 FloatHistogram* histograms, size_t n,
                 const std::function<Labels(size_t)>& labels_of) {
            remote_->OnHistogramCommit(refs, ts, histograms, n, labels_of);
          });
    }
  }

  // --storage.tsdb.path: replays the write-ahead log into the Head, which
  // logs every commit from then on. False (logged) when the directory
  // cannot be used; vigil then exits non-zero and leaves it as it was.
  bool OpenStorage() {
    if (flags_.storage_path.empty()) return true;
    tsdb::WalOptions o;
    o.dir = flags_.storage_path;
    o.sync_interval_ms = flags_.wal_sync_interval_ms;
    o.log = [](std::string_view msg) {
      Log(LogLevel::kWarn, std::string(msg));
    };
    Log(LogLevel::kInfo, "Replaying WAL, this may take a while",
        {{"dir", flags_.storage_path + "/wal"}});
    auto stats = head_.OpenWal(o, WallClockMs());
    if (!stats.ok()) {
      Log(LogLevel::kError, "Opening storage failed",
          {{"err", std::string(stats.status().message())}});
      return false;
    }
    Log(LogLevel::kInfo, "WAL replay completed",
        {{"segments", std::to_string(stats->segments)},
         {"snapshot_series", std::to_string(stats->snapshot_series)},
         {"snapshot_samples", std::to_string(stats->snapshot_samples)},
         {"series", std::to_string(stats->series)},
         {"samples", std::to_string(stats->samples)},
         {"samples_rejected", std::to_string(stats->samples_rejected)},
         {"unknown_refs", std::to_string(stats->unknown_refs)},
         {"snapshot_duration", absl::StrCat(stats->snapshot_seconds, "s")},
         {"duration", absl::StrCat(stats->seconds, "s")}});
    return true;
  }

  // At a clean shutdown the Head goes to disk as chunks, so the next start
  // loads them instead of replaying every sample; a failure only costs
  // that speed (the log still holds everything).
  void SnapshotStorage() {
    if (flags_.storage_path.empty()) return;
    const auto start = std::chrono::steady_clock::now();
    if (absl::Status s = head_.SnapshotWal(); !s.ok()) {
      Log(LogLevel::kWarn, "Writing the shutdown snapshot failed",
          {{"err", std::string(s.message())}});
      return;
    }
    const std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    Log(LogLevel::kInfo, "Wrote the shutdown snapshot",
        {{"bytes", std::to_string(head_.GetWalStats().snapshot_bytes)},
         {"duration", absl::StrCat(took.count(), "s")}});
  }

  // Applies a loaded config; rules first, since a bad rule file must leave
  // everything as it was.
  absl::Status ApplyConfig(const Config& config) {
    // Checked before anything changes; applied with the rules.
    if (!flags_.datasource_url.empty() || !config.datasource.url.empty()) {
      datasource::ClientConfig probe = config.datasource;
      if (!flags_.datasource_url.empty()) probe.url = flags_.datasource_url;
      if (auto c = datasource::Client::Create(std::move(probe)); !c.ok()) {
        return c.status();
      }
    }
    if (absl::Status s = demo_ ? rules_->UpdateFromText(demo::RuleFiles())
                               : rules_->Update(config.rule_files);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = scrape_.ApplyConfig(config.scrape_configs); !s.ok()) {
      return s;
    }
    notifier_->ApplyOptions(NotifierOptionsFrom(config));
    if (absl::Status s = remote_->ApplyConfig(config.remote_write,
                                              config.global.external_labels);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ApplyDatasource(config); !s.ok()) return s;
    std::lock_guard lock(config_mu_);
    config_text_ = config.source;
    external_labels_ = config.global.external_labels;
    return absl::OkStatus();
  }

  absl::Status Reload() {
    std::lock_guard reload_lock(reload_mu_);
    const std::string filename = demo_ ? "<demo>" : flags_.config_file;
    Log(LogLevel::kInfo, "Loading configuration file",
        {{"filename", filename}});
    auto config = demo_
                      ? ParseConfig(demo::ConfigYaml(demo_port_), filename, "")
                      : LoadConfig(flags_.config_file);
    absl::Status s = config.ok() ? ApplyConfig(*config) : config.status();
    if (!s.ok()) {
      Log(LogLevel::kError, "Error reloading config",
          {{"err", std::string(s.message())}});
      return s;
    }
    Log(LogLevel::kInfo, "Completed loading of configuration file",
        {{"filename", filename}});
    return absl::OkStatus();
  }

  // --state.file: alert state across restarts (RuleManager::LoadState).
  void LoadAlertState() {
    if (flags_.state_file.empty()) return;
    const int64_t now = WallClockMs();
    auto loaded = rules_->LoadState(flags_.state_file, now);
    if (absl::IsNotFound(loaded.status())) {
      Log(LogLevel::kInfo, "No alert state file yet, starting fresh",
          {{"file", flags_.state_file}});
      return;
    }
    if (!loaded.ok()) {
      Log(LogLevel::kError, "Ignoring alert state file",
          {{"file", flags_.state_file},
           {"err", std::string(loaded.status().message())}});
      return;
    }
    Log(LogLevel::kInfo, "Restored alert state",
        {{"file", flags_.state_file},
         {"downtime", std::to_string((now - loaded->saved_at_ms) / 1000) + "s"},
         {"rules", std::to_string(loaded->rules_restored)},
         {"alerts", std::to_string(loaded->alerts_restored)},
         {"dropped", std::to_string(loaded->alerts_dropped)},
         {"unmatched_rules", std::to_string(loaded->rules_unmatched)}});
  }

  void SaveAlertState() {
    if (flags_.state_file.empty()) return;
    if (absl::Status s = rules_->SaveState(flags_.state_file, WallClockMs());
        !s.ok()) {
      Log(LogLevel::kError, "Error saving alert state",
          {{"file", flags_.state_file}, {"err", std::string(s.message())}});
    }
  }

  void SaveAlertStatePeriodically() {
    if (flags_.state_file.empty()) return;
    std::unique_lock lock(control_.mu);
    while (!control_.cv.wait_for(lock, kStateSaveInterval,
                                 [this] { return control_.quit; })) {
      lock.unlock();
      SaveAlertState();
      lock.lock();
    }
  }

  // The demo: its config, its rule pack, and the collector on the pods its
  // Kubernetes API lists, all pointing at this server's `port`.
  bool StartDemo(int port) {
    // The server already answers: a /-/reload must wait for the port.
    std::lock_guard reload_lock(reload_mu_);
    demo_port_ = port;
    auto config = ParseConfig(demo::ConfigYaml(port), "<demo>", "");
    absl::Status s = config.ok() ? ApplyConfig(*config) : config.status();
    if (s.ok()) s = CreateKubeCollector(demo::KubeApiUrl(port));
    if (!s.ok()) {
      Log(LogLevel::kError, "Error starting the demo",
          {{"err", std::string(s.message())}});
      return false;
    }
    Log(LogLevel::kInfo,
        "No --config.file: running the built-in demo (targets served by "
        "vigil itself under /demo/, rule pack " +
            std::string(demo::RuleFiles()[0].name) + ")");
    for (const std::string& line : demo::Timeline(port)) {
      Log(LogLevel::kInfo, "Demo: " + line);
    }
    return true;
  }

  absl::Status CreateKubeCollector(const std::string& demo_api_url = "") {
    if (!flags_.kube_in_cluster && flags_.kube_api_url.empty() &&
        demo_api_url.empty()) {
      return absl::OkStatus();
    }
    kube::CollectorOptions options;
    options.api.api_url = demo_api_url;
    if (flags_.kube_in_cluster) {
      auto in_cluster = kube::InClusterConfig();
      if (!in_cluster.ok()) return in_cluster.status();
      options.api = *std::move(in_cluster);
    }
    if (!flags_.kube_api_url.empty()) options.api.api_url = flags_.kube_api_url;
    if (!flags_.kube_token_file.empty()) {
      options.api.token_file = flags_.kube_token_file;
    }
    if (!flags_.kube_ca_file.empty()) options.api.ca_file = flags_.kube_ca_file;
    options.api.insecure_skip_verify |= flags_.kube_insecure_skip_verify;
    options.interval_ms = demo_api_url.empty() ? flags_.kube_collect_interval_ms
                                               : demo::kIntervalMs;
    const std::string api_url = options.api.api_url;
    kube_api_url_ = api_url;
    auto collector = kube::Collector::Create(std::move(options), &head_);
    if (!collector.ok()) return collector.status();
    kube_ = *std::move(collector);
    Log(LogLevel::kInfo, "Collecting pod security contexts",
        {{"api", flags_.kube_in_cluster && flags_.kube_api_url.empty()
                     ? std::string("in-cluster")
                     : api_url}});
    return absl::OkStatus();
  }

  // The collector does not log; failures and recoveries are logged here
  // once each, not on every interval.
  void LogKubeCollectorChanges() {
    if (kube_ == nullptr) return;
    const kube::CollectorStatus status = kube_->Status();
    if (status.collections == 0 || status.last_error == kube_last_error_) {
      return;
    }
    if (status.last_error.empty()) {
      Log(LogLevel::kInfo, "Kubernetes pod list recovered",
          {{"pods", std::to_string(status.pods)}});
    } else {
      Log(LogLevel::kWarn, "Kubernetes pod list failed",
          {{"reason",
            std::string(kube::ErrorReasonName(status.last_error_reason))},
           {"err", status.last_error}});
    }
    kube_last_error_ = status.last_error;
  }

  void RequestQuit() {
    std::lock_guard lock(control_.mu);
    control_.quit = true;
    control_.cv.notify_all();
  }

  const Flags& flags_;
  tsdb::Head head_;
  promql::Engine engine_;
  RuleQuerySource rule_queries_{&engine_, &head_};
  scrape::ScrapeManager scrape_;
  std::unique_ptr<remote::WriteStorage> remote_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<rules::RuleManager> rules_;
  std::unique_ptr<kube::Collector> kube_;
  // kube_ once it may serve /kube/metrics (the demo creates it late).
  std::atomic<kube::Collector*> kube_ready_{nullptr};
  std::atomic<bool> ready_{false};
  Labels external_labels_;  // under config_mu_, for /federate  // /-/ready:
                            // storage replayed, config on
  const bool demo_;
  int64_t start_ms_ = 0;
  std::string kube_api_url_;  // for the UI's Targets page
  int demo_port_ = 0;
  std::unique_ptr<AlertTransitionLog> alert_log_;
  std::string kube_last_error_;
  std::mutex config_mu_;
  std::string config_text_;
  std::mutex reload_mu_;
  Control control_;
};

}  // namespace

int RunServer(const Flags& flags) {
  ConfigureLogging(flags.log_level, flags.log_format);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  Log(LogLevel::kInfo, "Starting vigil",
      {{"version", std::string(GetVersionInfo().version)}});
  return Server(flags).Run();
}

}  // namespace vigil::exporter
