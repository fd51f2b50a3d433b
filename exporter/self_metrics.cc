#include "exporter/self_metrics.h"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "exporter/allocator.h"
#include "exporter/remote_write_metrics.h"

namespace vigil::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void Add(MetricFamily& f, double v,
         std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  f.metric.push_back(std::move(m));
}

MetricFamily Single(std::string name, std::string help, MetricType type,
                    double v) {
  MetricFamily f = Family(std::move(name), std::move(help), type);
  Add(f, v);
  return f;
}

// utime+stime (clock ticks) and RSS pages from /proc/self/stat.
void ProcessStats(double* cpu_seconds, double* rss_bytes) {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name, which may hold spaces.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s;) f.push_back(s);
  // state is field 3, so utime (14) is f[11], stime f[12], rss (24) f[21].
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  *cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  *rss_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Prometheus's prometheus_tsdb_wal_* and replay metrics, as vigil_*; only
// with --storage.tsdb.path.
void AddWalMetrics(const tsdb::WalStats& w, std::vector<MetricFamily>& out) {
  if (!w.enabled) return;
  auto counter = [&out](const char* name, const char* help, double v) {
    out.push_back(Single(name, help, MetricType::Counter, v));
  };
  auto gauge = [&out](const char* name, const char* help, double v) {
    out.push_back(Single(name, help, MetricType::Gauge, v));
  };
  MetricFamily fsync =
      Family("vigil_tsdb_wal_fsync_duration_seconds",
             "Duration of write log fsync.", MetricType::Summary);
  {
    prometheus::ClientMetric m;
    m.summary.sample_count = w.fsyncs;
    m.summary.sample_sum = w.fsync_seconds;
    fsync.metric.push_back(std::move(m));
  }
  out.push_back(std::move(fsync));
  counter("vigil_tsdb_wal_page_flushes_total", "Total number of page flushes.",
          static_cast<double>(w.page_flushes));
  counter("vigil_tsdb_wal_completed_pages_total",
          "Total number of completed pages.",
          static_cast<double>(w.page_flushes));
  counter("vigil_tsdb_wal_writes_failed_total",
          "Total number of write log writes that failed.",
          static_cast<double>(w.write_failures));
  counter("vigil_tsdb_wal_record_bytes_written_total",
          "Bytes written to the write log, framing included.",
          static_cast<double>(w.bytes_written));
  counter("vigil_tsdb_wal_corruptions_total",
          "Total number of write log corruptions found at start.",
          static_cast<double>(w.replay.corruptions));
  counter("vigil_tsdb_wal_truncations_total",
          "Write log segments cut where damage began, at start.",
          static_cast<double>(w.replay.truncations));
  gauge("vigil_tsdb_wal_segment_current",
        "Write log segment index that TSDB is currently writing to.",
        static_cast<double>(w.segment_current));
  gauge("vigil_tsdb_data_replay_duration_seconds",
        "Time taken to replay the data on disk.", w.replay.seconds);
  counter("vigil_tsdb_checkpoint_creations_total",
          "Total number of checkpoints (and shutdown snapshots) written.",
          static_cast<double>(w.snapshots));
  counter("vigil_tsdb_checkpoint_creations_failed_total",
          "Total number of checkpoints that failed.",
          static_cast<double>(w.snapshot_failures));
  gauge("vigil_tsdb_snapshot_bytes", "Size of the last checkpoint.",
        static_cast<double>(w.snapshot_bytes));
  counter("vigil_tsdb_wal_replay_unknown_refs_total",
          "Samples replayed for a series the log had lost.",
          static_cast<double>(w.replay.unknown_refs));
}

}  // namespace

std::vector<MetricFamily> SelfMetrics::Collect() const {
  std::vector<MetricFamily> out;
  MetricFamily build = Family("vigil_build_info",
                              "A metric with a constant '1' value labeled by "
                              "version.",
                              MetricType::Gauge);
  Add(build, 1, {{"version", sources_.version}});
  out.push_back(std::move(build));

  double cpu = 0, rss = 0;
  ProcessStats(&cpu, &rss);
  out.push_back(Single("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.",
                       MetricType::Counter, cpu));
  out.push_back(Single("process_resident_memory_bytes",
                       "Resident memory size in bytes.", MetricType::Gauge,
                       rss));
  // Go's go_memstats_heap_inuse_bytes for vigil: what the process really
  // holds, where RSS also counts pages malloc keeps after a free.
  out.push_back(Single("vigil_malloc_in_use_bytes",
                       "Bytes allocated with malloc and not freed "
                       "(jemalloc's stats.allocated, or glibc's arenas and "
                       "directly mapped blocks).",
                       MetricType::Gauge, MallocInUseBytes()));
  out.push_back(Single("process_start_time_seconds",
                       "Start time of the process since unix epoch in "
                       "seconds.",
                       MetricType::Gauge, sources_.start_time_ms / 1000.0));

  if (const tsdb::Head* head = sources_.head) {
    const tsdb::HeadStats s = head->Stats();
    out.push_back(Single("vigil_tsdb_head_series",
                         "Total number of series in the head block.",
                         MetricType::Gauge, static_cast<double>(s.series)));
    out.push_back(Single("vigil_tsdb_head_chunks",
                         "Total number of chunks in the head block.",
                         MetricType::Gauge, static_cast<double>(s.chunks)));
    out.push_back(Single("vigil_tsdb_head_chunk_bytes",
                         "Encoded sample bytes in the head's chunks.",
                         MetricType::Gauge,
                         static_cast<double>(s.chunk_bytes)));
    out.push_back(Single("vigil_tsdb_head_symbols",
                         "Distinct label names and values in the head, each "
                         "stored once.",
                         MetricType::Gauge, static_cast<double>(s.symbols)));
    out.push_back(Single("vigil_tsdb_head_samples_appended_total",
                         "Total number of appended samples.",
                         MetricType::Counter,
                         static_cast<double>(s.samples_appended)));
    MetricFamily rejected =
        Family("vigil_tsdb_samples_rejected_total",
               "Samples rejected by the head, by reason.", MetricType::Counter);
    Add(rejected, static_cast<double>(s.out_of_order_rejected),
        {{"reason", "out_of_order"}});
    Add(rejected, static_cast<double>(s.duplicates_rejected),
        {{"reason", "duplicate"}});
    Add(rejected, static_cast<double>(s.out_of_bounds_rejected),
        {{"reason", "out_of_bounds"}});
    out.push_back(std::move(rejected));
    AddWalMetrics(head->GetWalStats(), out);
  }

  if (const rules::RuleManager* rm = sources_.rules) {
    MetricFamily duration = Family(
        "vigil_rule_group_last_duration_seconds",
        "The duration of the last rule group evaluation.", MetricType::Gauge);
    MetricFamily last =
        Family("vigil_rule_group_last_evaluation_timestamp_seconds",
               "The timestamp of the last rule group evaluation in seconds.",
               MetricType::Gauge);
    MetricFamily count = Family("vigil_rule_group_rules",
                                "The number of rules.", MetricType::Gauge);
    MetricFamily failing =
        Family("vigil_rule_group_rules_failing",
               "Rules whose last evaluation failed.", MetricType::Gauge);
    // Prometheus's prometheus_rule_evaluations_total and
    // prometheus_rule_evaluation_failures_total: one per rule evaluated.
    MetricFamily evaluations =
        Family("vigil_rule_evaluations_total",
               "The total number of rule evaluations.", MetricType::Counter);
    MetricFamily eval_failures = Family(
        "vigil_rule_evaluation_failures_total",
        "The total number of rule evaluation failures.", MetricType::Counter);
    for (const auto& g : rm->groups()) {
      std::vector<ClientMetric::Label> l = {
          {"rule_group", g->file() + ";" + g->name()}};
      Add(duration, g->last_eval_duration_us() / 1e6, l);
      Add(last, g->last_eval_ms() / 1000.0, l);
      Add(count, static_cast<double>(g->rules().size()), l);
      int bad = 0;
      for (const auto& r : g->rules()) {
        bad += r->health() == rules::RuleHealth::kBad ? 1 : 0;
      }
      Add(failing, bad, l);
      Add(evaluations, static_cast<double>(g->evaluations_total()), l);
      Add(eval_failures, static_cast<double>(g->evaluation_failures_total()),
          l);
    }
    out.push_back(std::move(duration));
    out.push_back(std::move(last));
    out.push_back(std::move(count));
    out.push_back(std::move(failing));
    out.push_back(std::move(evaluations));
    out.push_back(std::move(eval_failures));
    out.push_back(Single("vigil_rule_group_iterations_missed_total",
                         "Rule group evaluations missed due to slow rule "
                         "group evaluation.",
                         MetricType::Counter,
                         static_cast<double>(rm->missed_iterations())));
  }

  if (const notify::Notifier* n = sources_.notifier) {
    const notify::NotifierStats s = n->Stats();
    // Per Alertmanager (its POST URL), as Prometheus labels sent and errors;
    // vigil also retries, per Alertmanager. Unlike Prometheus's, sent counts
    // only alerts Alertmanager accepted: failed attempts are retried.
    MetricFamily sent = Family("vigil_notifications_sent_total",
                               "Total number of alerts Alertmanager accepted.",
                               MetricType::Counter);
    MetricFamily errors = Family(
        "vigil_notifications_errors_total",
        "Total number of sent alerts affected by errors.", MetricType::Counter);
    MetricFamily retries =
        Family("vigil_notifications_retries_total",
               "Total number of POSTs resending alerts of a failed batch.",
               MetricType::Counter);
    for (const notify::AlertmanagerStats& am : s.per_alertmanager) {
      Add(sent, static_cast<double>(am.alerts_sent),
          {{"alertmanager", am.alerts_url}});
      Add(errors, static_cast<double>(am.alerts_errored),
          {{"alertmanager", am.alerts_url}});
      Add(retries, static_cast<double>(am.retries),
          {{"alertmanager", am.alerts_url}});
    }
    out.push_back(std::move(sent));
    out.push_back(std::move(errors));
    out.push_back(std::move(retries));
    out.push_back(Single("vigil_notifications_dropped_total",
                         "Total number of alerts dropped due to errors when "
                         "sending to Alertmanager.",
                         MetricType::Counter,
                         static_cast<double>(s.alerts_dropped)));
    out.push_back(Single("vigil_notifications_expired_total",
                         "Alerts given up while retrying because their "
                         "endsAt passed (included in dropped).",
                         MetricType::Counter,
                         static_cast<double>(s.alerts_expired)));
    out.push_back(Single("vigil_notifications_superseded_total",
                         "Alerts replaced while retrying by a newer copy "
                         "(included in dropped).",
                         MetricType::Counter,
                         static_cast<double>(s.alerts_superseded)));
    out.push_back(Single("vigil_notifications_queue_length",
                         "The number of alert notifications in the queue.",
                         MetricType::Gauge,
                         static_cast<double>(s.queue_length)));
    out.push_back(Single("vigil_notifications_alertmanagers_discovered",
                         "The number of alertmanagers discovered and active.",
                         MetricType::Gauge,
                         static_cast<double>(s.alertmanagers)));
  }

  if (const scrape::ScrapeManager* sm = sources_.scrape) {
    MetricFamily up =
        Family("vigil_scrape_targets", "Active scrape targets by health.",
               MetricType::Gauge);
    double healthy = 0, down = 0, unknown = 0;
    for (const auto& t : sm->ActiveTargets()) {
      if (t.health == scrape::TargetHealth::kUp) {
        ++healthy;
      } else if (t.health == scrape::TargetHealth::kDown) {
        ++down;
      } else {
        ++unknown;
      }
    }
    Add(up, healthy, {{"health", "up"}});
    Add(up, down, {{"health", "down"}});
    Add(up, unknown, {{"health", "unknown"}});
    out.push_back(std::move(up));
  }
  if (const remote::WriteStorage* rw = sources_.remote_write) {
    AddRemoteWriteMetrics(rw->Stats(), out);
  }
  return out;
}

HttpRequestMetrics::HttpRequestMetrics()
    : requests_(prometheus::BuildCounter()
                    .Name("vigil_http_requests_total")
                    .Help("Counter of HTTP requests.")
                    .Register(registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("vigil_http_request_duration_seconds")
                     .Help("Histogram of latencies for HTTP requests.")
                     .Register(registry_)) {}

void HttpRequestMetrics::ObserveRequest(std::string_view handler,
                                        int status_code,
                                        double duration_seconds) {
  // Prometheus's instrumentHandler buckets (web/web.go).
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120};
  const std::string h(handler);
  requests_.Add({{"handler", h}, {"code", std::to_string(status_code)}})
      .Increment();
  durations_.Add({{"handler", h}}, kBuckets).Observe(duration_seconds);
}

std::vector<MetricFamily> HttpRequestMetrics::Collect() const {
  return registry_.Collect();
}

std::string SerializeMetrics(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace vigil::exporter
