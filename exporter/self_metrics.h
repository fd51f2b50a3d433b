// vigil's own /metrics: a prometheus-cpp Collectable that reads the live
// statistics of the store, rule groups, notifier and scrape targets at
// collection time, plus build and process metrics. Nothing is double-booked:
// the components keep their counters, this only reports them.
#ifndef VIGIL_EXPORTER_SELF_METRICS_H_
#define VIGIL_EXPORTER_SELF_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "vigil/notify.h"
#include "vigil/rules.h"
#include "vigil/scrape.h"
#include "vigil/tsdb.h"

namespace vigil::exporter {

struct SelfMetricsSources {
  const tsdb::Head* head = nullptr;
  const rules::RuleManager* rules = nullptr;
  const notify::Notifier* notifier = nullptr;
  const scrape::ScrapeManager* scrape = nullptr;
  std::string version;
  int64_t start_time_ms = 0;
};

class SelfMetrics : public prometheus::Collectable {
 public:
  explicit SelfMetrics(SelfMetricsSources sources)
      : sources_(std::move(sources)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  SelfMetricsSources sources_;
};

// The families serialized in the text exposition format.
std::string SerializeMetrics(const std::vector<prometheus::MetricFamily>& f);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_SELF_METRICS_H_
