// ScrapeLoop: scrapes one target every interval on its own thread and
// appends each scrape through one Appender (Prometheus's scrapeLoop).
// Internal to vigil_scrape.
#ifndef VIGIL_LIB_SCRAPE_SCRAPE_LOOP_H_
#define VIGIL_LIB_SCRAPE_SCRAPE_LOOP_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/scrape/scrape_cache.h"
#include "vigil/scrape.h"
#include "vigil/storage.h"

namespace vigil::scrape {

// Prometheus 3's default Accept header for its default scrape_protocols
// (OpenMetrics 1.0.0, OpenMetrics 0.0.1, text 1.0.0, text 0.0.4), weights
// counted down from 0.6 as acceptHeader() does for its five known
// protocols: AcceptHeader(DefaultScrapeProtocols(false)).
inline constexpr std::string_view kScrapeAcceptHeader =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,"
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
// A body larger than this fails the scrape even without body_size_limit.
inline constexpr int64_t kMaxScrapeBodyBytes = int64_t{1} << 30;

struct LoopTarget {
  std::shared_ptr<const ScrapeConfig> config;
  Labels full_labels;  // after relabeling, "__" labels included
  Labels discovered_labels;
  std::string url;
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
};

struct LoopStatus {
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;
  double last_duration_seconds = 0;
};

class ScrapeLoop {
 public:
  ScrapeLoop(LoopTarget target, Appendable* storage, uint64_t offset_seed,
             int64_t (*now_ms)(), ScrapeFailureHandler on_failure = {});
  ~ScrapeLoop();  // Stop(false)

  // Starts the thread: waits the target's offset, then scrapes every
  // interval.
  void Start();
  // Ends the thread. With `mark_stale`, staleness markers for the last
  // scrape's series and the report series are written (target removed).
  void Stop(bool mark_stale);

  // One scrape with timestamp `ts_ms`, synchronously (the thread calls
  // this; tests call it directly without Start()).
  void ScrapeOnce(int64_t ts_ms);

  const LoopTarget& target() const { return target_; }
  LoopStatus status() const;
  // The target's metadata as of its last scrape (never null).
  std::shared_ptr<const std::vector<MetricMetadata>> metadata() const;

 private:
  void Run();
  // GETs the target; the body and the format to parse it with.
  absl::Status Fetch(std::string* body, textparse::Format* format);

  LoopTarget target_;
  Appendable* storage_;
  uint64_t offset_seed_;
  int64_t (*now_ms_)();
  ScrapeFailureHandler on_failure_;
  std::string accept_header_;  // from the config's scrape_protocols
  ScrapeCache cache_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  LoopStatus status_;
  // Republished only when a scrape changed it: readers share one copy.
  std::shared_ptr<const std::vector<MetricMetadata>> metadata_ =
      std::make_shared<const std::vector<MetricMetadata>>();
  int64_t last_ts_ms_ = 0;
  std::thread thread_;
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIB_SCRAPE_SCRAPE_LOOP_H_
