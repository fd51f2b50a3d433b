#include "exporter/remote_write_metrics.h"

#include <functional>
#include <limits>
#include <string>
#include <utility>

namespace vigil::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using remote::QueueStats;

std::vector<ClientMetric::Label> QueueLabels(const remote::QueueStats& q) {
  return {{"remote_name", q.remote_name}, {"url", q.url}};
}

}  // namespace

void AddRemoteWriteMetrics(const remote::WriteStats& stats,
                           std::vector<MetricFamily>& out) {
  {
    MetricFamily f{"vigil_remote_storage_highest_timestamp_in_seconds",
                   "Highest timestamp that has come into the remote storage "
                   "via the Appender interface, in seconds since epoch.",
                   MetricType::Gauge,
                   {}};
    ClientMetric m;
    m.gauge.value = stats.highest_timestamp_seconds;
    f.metric.push_back(std::move(m));
    out.push_back(std::move(f));
  }
  if (stats.queues.empty()) return;
  // One family per metric, one series per queue.
  auto family =
      [&](const char* name, const char* help, MetricType type,
          const std::function<double(const remote::QueueStats&)>& value) {
        MetricFamily f{name, help, type, {}};
        for (const remote::QueueStats& q : stats.queues) {
          ClientMetric m;
          m.label = QueueLabels(q);
          if (type == MetricType::Counter) {
            m.counter.value = value(q);
          } else {
            m.gauge.value = value(q);
          }
          f.metric.push_back(std::move(m));
        }
        out.push_back(std::move(f));
      };
  using Q = const remote::QueueStats&;
  const MetricType kCounter = MetricType::Counter;
  const MetricType kGauge = MetricType::Gauge;
  family("vigil_remote_storage_samples_total",
         "Total number of samples sent to remote storage.", kCounter,
         [](Q q) { return static_cast<double>(q.samples_sent); });
  family("vigil_remote_storage_samples_failed_total",
         "Total number of samples which failed on send to remote storage, "
         "non-recoverable errors.",
         kCounter, [](Q q) { return static_cast<double>(q.samples_failed); });
  family("vigil_remote_storage_samples_retried_total",
         "Total number of samples which failed on send to remote storage but "
         "were retried because the send error was recoverable.",
         kCounter, [](Q q) { return static_cast<double>(q.samples_retried); });
  // Counts by reason: write_relabel_configs, a full memory queue, a ref
  // never seen; for histograms also custom buckets, which remote write 1.0
  // cannot carry (Prometheus's reason name).
  auto dropped =
      [&](const char* name, const char* help, uint64_t QueueStats::*relabel,
          uint64_t QueueStats::*queue_full, uint64_t QueueStats::*unknown,
          uint64_t QueueStats::*nhcb = nullptr) {
        MetricFamily f{name, help, kCounter, {}};
        for (const remote::QueueStats& q : stats.queues) {
          std::vector<std::pair<const char*, uint64_t>> reasons = {
              {"relabel", q.*relabel},
              {"queue_full", q.*queue_full},
              {"unknown_series", q.*unknown}};
          if (nhcb != nullptr) {
            reasons.push_back({"nhcb_in_rw1_not_supported", q.*nhcb});
          }
          for (auto [reason, v] : reasons) {
            ClientMetric m;
            m.label = QueueLabels(q);
            m.label.push_back({"reason", reason});
            m.counter.value = static_cast<double>(v);
            f.metric.push_back(std::move(m));
          }
        }
        out.push_back(std::move(f));
      };
  dropped("vigil_remote_storage_samples_dropped_total",
          "Total number of samples which were dropped before being sent via "
          "remote write: by write_relabel_configs, because the memory queue "
          "was full, or of an unknown series.",
          &QueueStats::dropped_relabel, &QueueStats::dropped_queue_full,
          &QueueStats::dropped_unknown_series);
  // Native histogram samples (send_native_histograms), as Prometheus's
  // prometheus_remote_storage_histograms_*.
  family("vigil_remote_storage_histograms_total",
         "Total number of histograms sent to remote storage.", kCounter,
         [](Q q) { return static_cast<double>(q.histograms_sent); });
  family("vigil_remote_storage_histograms_failed_total",
         "Total number of histograms which failed on send to remote storage, "
         "non-recoverable errors.",
         kCounter,
         [](Q q) { return static_cast<double>(q.histograms_failed); });
  family("vigil_remote_storage_histograms_retried_total",
         "Total number of histograms which failed on send to remote storage "
         "but were retried because the send error was recoverable.",
         kCounter,
         [](Q q) { return static_cast<double>(q.histograms_retried); });
  dropped("vigil_remote_storage_histograms_dropped_total",
          "Total number of histograms which were dropped before being sent "
          "via remote write: by write_relabel_configs, because the memory "
          "queue was full, of an unknown series, or with custom buckets "
          "(remote write 1.0 has no field for their bounds).",
          &QueueStats::histograms_dropped_relabel,
          &QueueStats::histograms_dropped_queue_full,
          &QueueStats::histograms_dropped_unknown_series,
          &QueueStats::histograms_dropped_nhcb);
  family("vigil_remote_storage_histograms_pending",
         "The number of histograms pending in the queues shards to be sent "
         "to the remote storage.",
         kGauge, [](Q q) { return static_cast<double>(q.histograms_pending); });
  family("vigil_remote_storage_metadata_total",
         "Total number of metadata entries sent to remote storage.", kCounter,
         [](Q q) { return static_cast<double>(q.metadata_sent); });
  family("vigil_remote_storage_metadata_failed_total",
         "Total number of metadata entries which failed on send to remote "
         "storage, non-recoverable errors.",
         kCounter, [](Q q) { return static_cast<double>(q.metadata_failed); });
  family("vigil_remote_storage_metadata_retried_total",
         "Total number of metadata entries which failed on send to remote "
         "storage but were retried because the send error was recoverable.",
         kCounter, [](Q q) { return static_cast<double>(q.metadata_retried); });
  family("vigil_remote_storage_metadata_bytes_total",
         "The total number of bytes of metadata sent by the queue after "
         "compression.",
         kCounter, [](Q q) { return static_cast<double>(q.metadata_bytes); });
  family("vigil_remote_storage_samples_pending",
         "The number of samples pending in the queues shards to be sent to "
         "the remote storage.",
         kGauge, [](Q q) { return static_cast<double>(q.samples_pending); });
  family("vigil_remote_storage_bytes_total",
         "The total number of bytes of data (not metadata) sent by the queue "
         "after compression.",
         kCounter, [](Q q) { return static_cast<double>(q.bytes_sent); });
  family("vigil_remote_storage_shards",
         "The number of shards used for parallel sending to the remote "
         "storage.",
         kGauge, [](Q q) { return static_cast<double>(q.shards); });
  family("vigil_remote_storage_shards_desired",
         "The number of shards that the queues shard calculation wants to run "
         "based on the rate of samples in vs. samples out.",
         kGauge, [](Q q) { return q.shards_desired; });
  family("vigil_remote_storage_shards_min",
         "The minimum number of shards that the queue is allowed to run.",
         kGauge, [](Q q) { return static_cast<double>(q.shards_min); });
  family("vigil_remote_storage_shards_max",
         "The maximum number of shards that the queue is allowed to run.",
         kGauge, [](Q q) { return static_cast<double>(q.shards_max); });
  family("vigil_remote_storage_shard_capacity",
         "The capacity of each shard of the queue used for parallel sending "
         "to the remote storage.",
         kGauge, [](Q q) { return static_cast<double>(q.shard_capacity); });
  family("vigil_remote_storage_queue_highest_sent_timestamp_seconds",
         "Timestamp from a WAL sample, the highest timestamp successfully "
         "sent by this queue, in seconds since epoch.",
         kGauge, [](Q q) { return q.highest_sent_timestamp_seconds; });
  family("vigil_remote_storage_requests_failed_total",
         "Send attempts to the remote storage that did not succeed.", kCounter,
         [](Q q) { return static_cast<double>(q.requests_failed); });
  family("vigil_remote_storage_wal_segment",
         "The write-ahead log segment the queue reads (-1 in memory mode).",
         kGauge, [](Q q) { return static_cast<double>(q.wal_segment); });
  family("vigil_remote_storage_wal_segments_skipped_total",
         "Write-ahead log segments a checkpoint removed before the queue read "
         "them.",
         kCounter,
         [](Q q) { return static_cast<double>(q.wal_segments_skipped); });
  MetricFamily h{"vigil_remote_storage_sent_batch_duration_seconds",
                 "Duration of send calls to the remote storage.",
                 MetricType::Histogram,
                 {}};
  for (const remote::QueueStats& q : stats.queues) {
    ClientMetric m;
    m.label = QueueLabels(q);
    m.histogram.sample_count = q.batch_duration_count;
    m.histogram.sample_sum = q.batch_duration_sum;
    for (size_t i = 0; i < q.batch_duration_bounds.size(); ++i) {
      m.histogram.bucket.push_back(
          {q.batch_duration_buckets[i], q.batch_duration_bounds[i]});
    }
    m.histogram.bucket.push_back(
        {q.batch_duration_count, std::numeric_limits<double>::infinity()});
    h.metric.push_back(std::move(m));
  }
  out.push_back(std::move(h));
}

}  // namespace vigil::exporter
