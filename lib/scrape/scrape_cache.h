// ScrapeCache: turns one scrape's body into appends for one target, and
// remembers what the previous scrape produced (Prometheus's scrapeCache and
// scrapeLoop.append). Separate from HTTP so tests and benchmarks drive it
// directly. Internal to vigil_scrape; not thread-safe (one per loop).
#ifndef VIGIL_LIB_SCRAPE_SCRAPE_CACHE_H_
#define VIGIL_LIB_SCRAPE_SCRAPE_CACHE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "lib/scrape/nhcb_group.h"
#include "lib/scrape/series_fingerprint.h"
#include "vigil/labels.h"
#include "vigil/scrape.h"
#include "vigil/storage.h"
#include "vigil/textparse.h"

namespace vigil::scrape {

// Prometheus's errSampleLimit.
inline constexpr std::string_view kSampleLimitError = "sample limit exceeded";
// Prometheus's errBucketLimit (native_histogram_bucket_limit).
inline constexpr std::string_view kBucketLimitError =
    "histogram bucket limit exceeded";
// The growth factor of schema 8, what Prometheus's pickSchema assumes when
// native_histogram_min_bucket_factor is unset.
inline constexpr double kFinestBucketFactor = 1.00271;
// The largest schema whose bucket growth factor 2^(2^-schema) is at least
// `factor` (Prometheus's pickSchema), clamped to -4..8.
int32_t MaxSchemaForBucketFactor(double factor);
// Cache entries not seen for this many scrapes are forgotten, bounding the
// memory of targets with churning series.
inline constexpr uint64_t kCacheEvictAfterScrapes = 10;

// The report series Prometheus adds for every scrape.
inline constexpr std::string_view kUpMetric = "up";
inline constexpr std::string_view kDurationMetric = "scrape_duration_seconds";
inline constexpr std::string_view kSamplesScrapedMetric =
    "scrape_samples_scraped";
inline constexpr std::string_view kPostRelabelMetric =
    "scrape_samples_post_metric_relabeling";
inline constexpr std::string_view kSeriesAddedMetric = "scrape_series_added";

struct AppendCounts {
  uint64_t scraped = 0;       // samples in the body
  uint64_t post_relabel = 0;  // samples left after metric relabeling
  uint64_t series_added = 0;  // series new since the previous scrape
  uint64_t out_of_order = 0;  // rejected by the store and ignored
  uint64_t duplicates = 0;
  uint64_t out_of_bounds = 0;
};

class ScrapeCache {
 public:
  // `target_labels`: the public labels samples get. `config` must outlive
  // the cache.
  ScrapeCache(Labels target_labels, const ScrapeConfig* config);

  // Parses `body` and appends its samples at `ts_ms` (or their own
  // timestamps with honor_timestamps), then staleness markers for series of
  // the previous scrape that are gone. On error (parse error, sample limit,
  // label limits, storage failure) the caller must Rollback() `app` and
  // call AppendStaleAll() on a fresh appender; the previous-scrape state is
  // unchanged until a scrape succeeds.
  absl::Status AppendBody(Appender& app, std::string_view body,
                          textparse::Format format, int64_t ts_ms,
                          AppendCounts* counts);
  // Staleness markers for every series of the previous successful scrape,
  // which then counts as empty (after a failed scrape, and when the target
  // goes away).
  void AppendStaleAll(Appender& app, int64_t ts_ms);
  // The report series at `ts_ms`; `stale` writes staleness markers instead.
  void AppendReport(Appender& app, int64_t ts_ms, bool up,
                    double duration_seconds, const AppendCounts& counts,
                    bool stale);

  const Labels& target_labels() const { return target_labels_; }

  // The metadata of the families of the recent scrapes, sorted by family
  // name.
  std::vector<MetricMetadata> Metadata() const;
  // Whether Metadata() changed since the previous call (the loop then
  // publishes a new copy).
  bool TakeMetadataChanged();

 private:
  // No label set: the store has it, and keeping a second copy per series
  // here doubled the exporter's memory per series. When the store no longer
  // knows `ref` (a first append failed, or GC collected the series) the
  // labels are rebuilt from the series text.
  struct Entry {
    uint64_t hash = 0;  // of the final labels
    SeriesRef ref = 0;
    uint64_t last_iter = 0;
    bool dropped = false;  // by metric relabeling
  };
  // honor_labels / target labels / metric_relabel_configs
  // (Prometheus's mutateSampleLabels). Empty when dropped.
  Labels MutateSampleLabels(const Labels& scraped) const;
  absl::Status CheckLabelLimits(const Labels& labels) const;
  // What AppendSample needs of one entry.
  struct ScrapedSample {
    std::string_view series;  // the cache key
    std::optional<int64_t> timestamp_ms;
    double value = 0;
    const FloatHistogram* histogram = nullptr;  // set for a histogram
  };
  // One sample through the cache, the limits and the appender (Prometheus's
  // scrapeLoop.append body); `build_labels()` gives the scraped labels when
  // the cache needs them. Samples the store refuses for their time are
  // counted and skipped.
  template <typename BuildLabels>
  absl::Status AppendSample(Appender& app, const ScrapedSample& s,
                            BuildLabels build_labels, int64_t ts_ms,
                            AppendCounts* counts);
  // Appends the text-format classic histogram collected in nhcb_ as one
  // custom-bucket histogram.
  absl::Status FlushNhcb(Appender& app, int64_t ts_ms, AppendCounts* counts);

  // native_histogram_min_bucket_factor and native_histogram_bucket_limit
  // (Prometheus's maxSchemaAppender and bucketLimitAppender): *out is `h`,
  // or *scratch holding it at a lower resolution.
  absl::Status ApplyHistogramLimits(const FloatHistogram& h,
                                    FloatHistogram* scratch,
                                    const FloatHistogram** out) const;
  Labels ReportLabels(std::string_view name) const;

  struct MetaEntry {
    std::string type = "unknown";  // Prometheus: a family is unknown
    std::string help;              // until its TYPE says otherwise
    std::string unit;
    uint64_t last_iter = 0;
  };
  // A HELP, TYPE or UNIT line.
  void SetMetadata(const textparse::Entry& e);

  Labels target_labels_;
  const ScrapeConfig* config_;
  int32_t max_schema_;  // from native_histogram_min_bucket_factor
  // By the fingerprint of the series as written (series_fingerprint.h).
  absl::flat_hash_map<SeriesFingerprint, Entry> entries_;
  // Final-label hash -> ref of the series appended without an explicit
  // timestamp, in the previous and the current scrape.
  absl::flat_hash_map<uint64_t, SeriesRef> prev_series_;
  absl::flat_hash_map<uint64_t, SeriesRef> cur_series_;
  // By family name.
  absl::flat_hash_map<std::string, MetaEntry> metadata_;
  bool metadata_changed_ = false;
  uint64_t iter_ = 0;
  textparse::SeriesLabelsBuilder labels_builder_;
  FloatHistogram limited_;  // a histogram the limits changed
  NhcbGroup nhcb_;          // the text-format histogram being collected
  std::vector<Labels> report_labels_;
  std::vector<SeriesRef> report_refs_;
};

}  // namespace vigil::scrape

#endif  // VIGIL_LIB_SCRAPE_SCRAPE_CACHE_H_
