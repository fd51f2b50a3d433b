// Target label population details shared inside vigil_scrape.
#ifndef VIGIL_LIB_SCRAPE_TARGET_H_
#define VIGIL_LIB_SCRAPE_TARGET_H_

#include <cstdint>
#include <string>

#include "vigil/scrape.h"

namespace vigil::scrape {

inline constexpr std::string_view kAddressLabel = "__address__";
inline constexpr std::string_view kSchemeLabel = "__scheme__";
inline constexpr std::string_view kMetricsPathLabel = "__metrics_path__";
inline constexpr std::string_view kScrapeIntervalLabel = "__scrape_interval__";
inline constexpr std::string_view kScrapeTimeoutLabel = "__scrape_timeout__";
inline constexpr std::string_view kParamLabelPrefix = "__param_";
inline constexpr std::string_view kMetaLabelPrefix = "__meta_";
inline constexpr std::string_view kReservedLabelPrefix = "__";
inline constexpr std::string_view kJobLabel = "job";
inline constexpr std::string_view kInstanceLabel = "instance";

// The labels before relabeling (Prometheus's PopulateDiscoveredLabels).
Labels DiscoveredLabels(const Labels& labels, const Labels& group_labels,
                        const ScrapeConfig& config);

// Prometheus's Target.offset: where inside each interval this target is
// scraped, from a hash of its labels and URL, pinned to absolute time.
int64_t ScrapeOffsetMs(uint64_t target_hash, int64_t interval_ms,
                       int64_t now_ms);
uint64_t TargetHash(const Labels& full, const std::string& url, uint64_t seed);

}  // namespace vigil::scrape

#endif  // VIGIL_LIB_SCRAPE_TARGET_H_
