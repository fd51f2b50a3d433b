// Which series belong to a metric family, by name suffix (Prometheus's
// model/textparse/family.go isSeriesPartOfFamily), as a table.
#include <array>

#include "vigil/textparse.h"

namespace vigil::textparse {
namespace {

struct FamilyRule {
  MetricType type;
  // Suffixes a series name may add to the family name, tried in order.
  std::array<std::string_view, 3> suffixes;
  // Suffix Prometheus also strips from the family name itself (a counter
  // family may be TYPE'd as `x_total`, an info family as `x_info`).
  std::string_view family_suffix;
  // OpenMetrics start-time series `<family>_created` (counters, histograms,
  // summaries).
  bool has_created;
};

constexpr FamilyRule kFamilyRules[] = {
    {MetricType::kCounter, {"_total"}, "_total", true},
    {MetricType::kHistogram, {"_bucket", "_sum", "_count"}, "", true},
    {MetricType::kGaugeHistogram, {"_bucket", "_gsum", "_gcount"}, "", false},
    {MetricType::kSummary, {"_sum", "_count"}, "", true},
    {MetricType::kInfo, {"_info"}, "_info", false},
};

std::string_view CutSuffix(std::string_view s, std::string_view suffix,
                           bool* cut) {
  *cut = !suffix.empty() && s.ends_with(suffix);
  return *cut ? s.substr(0, s.size() - suffix.size()) : s;
}

}  // namespace

bool IsSeriesOfFamily(std::string_view name, std::string_view family,
                      MetricType type, Format format) {
  if (!name.starts_with(family)) return false;
  const FamilyRule* rule = nullptr;
  for (const FamilyRule& r : kFamilyRules) {
    if (r.type == type) rule = &r;
  }
  if (rule == nullptr) return name == family;
  bool cut = false;
  family = CutSuffix(family, rule->family_suffix, &cut);
  if (format == Format::kOpenMetrics && rule->has_created) {
    std::string_view base = CutSuffix(name, "_created", &cut);
    if (cut && base == family) return true;
  }
  for (std::string_view suffix : rule->suffixes) {
    std::string_view base = CutSuffix(name, suffix, &cut);
    if (cut) return base == family;
  }
  return name == family;
}

}  // namespace vigil::textparse
