// vigil's own /metrics: a prometheus-cpp Collectable that reads the live
// statistics of the store, rule groups, notifier and scrape targets at
// collection time, plus build and process metrics. Nothing is double-booked:
// the components keep their counters, this only reports them.
#ifndef VIGIL_EXPORTER_SELF_METRICS_H_
#define VIGIL_EXPORTER_SELF_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>
#include <vector>

#include "vigil/api.h"
#include "vigil/notify.h"
#include "vigil/remote_write.h"
#include "vigil/rules.h"
#include "vigil/scrape.h"
#include "vigil/tsdb.h"

namespace vigil::exporter {

struct SelfMetricsSources {
  const tsdb::Head* head = nullptr;
  const rules::RuleManager* rules = nullptr;
  const notify::Notifier* notifier = nullptr;
  const scrape::ScrapeManager* scrape = nullptr;
  const remote::WriteStorage* remote_write = nullptr;
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

// vigil_http_requests_total{handler,code} and
// vigil_http_request_duration_seconds{handler}, as Prometheus's
// prometheus_http_requests_total and prometheus_http_request_duration_seconds
// (same buckets). Fed by the API server's RequestObserver hook, whose
// handler is a route pattern, so the series stay bounded. Thread-safe.
class HttpRequestMetrics : public api::RequestObserver,
                           public prometheus::Collectable {
 public:
  HttpRequestMetrics();
  void ObserveRequest(std::string_view handler, int status_code,
                      double duration_seconds) override;
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  prometheus::Registry registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
};

// The families serialized in the text exposition format.
std::string SerializeMetrics(const std::vector<prometheus::MetricFamily>& f);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_SELF_METRICS_H_
