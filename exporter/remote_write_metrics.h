// vigil_remote_storage_*: Prometheus's prometheus_remote_storage_* metrics
// for remote write, with the same meaning, labelled remote_name and url;
// read from WriteStorage::Stats() at collection time.
#ifndef VIGIL_EXPORTER_REMOTE_WRITE_METRICS_H_
#define VIGIL_EXPORTER_REMOTE_WRITE_METRICS_H_

#include <prometheus/metric_family.h>

#include <vector>

#include "vigil/remote_write.h"

namespace vigil::exporter {

void AddRemoteWriteMetrics(const remote::WriteStats& stats,
                           std::vector<prometheus::MetricFamily>& out);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_REMOTE_WRITE_METRICS_H_
