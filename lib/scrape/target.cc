// Target labels and URLs (Prometheus's scrape/target.go).
#include "lib/scrape/target.h"

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/duration.h"
#include "lib/model/go_quote.h"
#include "lib/model/url_escape.h"
#include "lib/model/utf8.h"

namespace vigil::scrape {

Labels DiscoveredLabels(const Labels& labels, const Labels& group_labels,
                        const ScrapeConfig& config) {
  LabelsBuilder lb(group_labels);
  for (const Label& l : labels) lb.Set(l.name, l.value);  // target wins
  const std::pair<std::string_view, std::string> defaults[] = {
      {kJobLabel, config.job_name},
      {kScrapeIntervalLabel, FormatDurationMs(config.scrape_interval_ms)},
      {kScrapeTimeoutLabel, FormatDurationMs(config.scrape_timeout_ms)},
      {kMetricsPathLabel, config.metrics_path},
      {kSchemeLabel, config.scheme},
  };
  for (const auto& [name, value] : defaults) {
    if (lb.Get(name).empty()) lb.Set(name, value);
  }
  for (const auto& [name, values] : config.params) {
    const std::string label = absl::StrCat(ToAbsl(kParamLabelPrefix), name);
    if (!values.empty() && lb.Get(label).empty()) lb.Set(label, values[0]);
  }
  return lb.Build();
}

absl::StatusOr<std::optional<Labels>> PopulateLabels(
    const Labels& labels, const Labels& group_labels,
    const ScrapeConfig& config) {
  LabelsBuilder lb(DiscoveredLabels(labels, group_labels, config));
  if (!relabel::ProcessBuilder(lb, config.relabel_configs)) {
    return std::optional<Labels>();
  }
  const std::string addr(lb.Get(kAddressLabel));
  if (addr.empty()) return absl::InvalidArgumentError("no address");
  if (addr.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteString(addr), " is not a valid hostname"));
  }
  const std::string interval(lb.Get(kScrapeIntervalLabel));
  auto interval_ms = ParseDurationMs(interval);
  if (!interval_ms.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error parsing scrape interval: ", interval_ms.status().message()));
  }
  if (*interval_ms == 0) {
    return absl::InvalidArgumentError("scrape interval cannot be 0");
  }
  const std::string timeout(lb.Get(kScrapeTimeoutLabel));
  auto timeout_ms = ParseDurationMs(timeout);
  if (!timeout_ms.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "error parsing scrape timeout: ", timeout_ms.status().message()));
  }
  if (*timeout_ms == 0) {
    return absl::InvalidArgumentError("scrape timeout cannot be 0");
  }
  if (*timeout_ms > *interval_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("scrape timeout cannot be greater than scrape interval (",
                     QuoteString(timeout), " > ", QuoteString(interval), ")"));
  }
  // Meta labels go after relabeling; other "__" labels stay on the target
  // (they configure the scrape) but never reach its samples.
  for (const Label& l : lb.Build()) {
    if (std::string_view(l.name).starts_with(kMetaLabelPrefix)) {
      lb.Del(l.name);
    }
  }
  if (lb.Get(kInstanceLabel).empty()) lb.Set(kInstanceLabel, addr);
  Labels res = lb.Build();
  for (const Label& l : res) {
    if (!IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid label value for ",
                                                     QuoteString(l.name), ": ",
                                                     QuoteString(l.value)));
    }
  }
  return std::optional<Labels>(std::move(res));
}

Labels PublicTargetLabels(const Labels& full) {
  std::vector<Label> out;
  out.reserve(full.size());
  for (const Label& l : full) {
    if (!std::string_view(l.name).starts_with(kReservedLabelPrefix)) {
      out.push_back(l);
    }
  }
  return Labels::FromVector(std::move(out));
}

std::string TargetUrl(
    const Labels& full,
    const std::map<std::string, std::vector<std::string>>& config_params) {
  std::map<std::string, std::vector<std::string>> params = config_params;
  for (const Label& l : full) {
    std::string_view name = l.name;
    if (!name.starts_with(kParamLabelPrefix)) continue;
    auto& values = params[std::string(name.substr(kParamLabelPrefix.size()))];
    if (values.empty()) {
      values.push_back(l.value);
    } else {
      values[0] = l.value;
    }
  }
  std::string url = absl::StrCat(ToAbsl(full.Get(kSchemeLabel)), "://",
                                 ToAbsl(full.Get(kAddressLabel)),
                                 ToAbsl(full.Get(kMetricsPathLabel)));
  // url.Values.Encode: keys sorted, each value as key=value.
  char sep = '?';
  for (const auto& [key, values] : params) {
    for (const std::string& v : values) {
      absl::StrAppend(&url, std::string(1, sep), QueryEscape(key), "=",
                      QueryEscape(v));
      sep = '&';
    }
  }
  return url;
}

std::string_view TargetHealthName(TargetHealth health) {
  switch (health) {
    case TargetHealth::kUp:
      return "up";
    case TargetHealth::kDown:
      return "down";
    case TargetHealth::kUnknown:
      break;
  }
  return "unknown";
}

uint64_t TargetHash(const Labels& full, const std::string& url, uint64_t seed) {
  // FNV-1a over the label hash and the URL, as Target.hash does.
  uint64_t h = 14695981039346656037ULL;
  const uint64_t lh = full.Hash();
  for (int i = 0; i < 8; ++i) {
    h ^= (lh >> (8 * i)) & 0xff;
    h *= 1099511628211ULL;
  }
  for (unsigned char c : url) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h ^ seed;
}

int64_t ScrapeOffsetMs(uint64_t target_hash, int64_t interval_ms,
                       int64_t now_ms) {
  if (interval_ms <= 0) return 0;
  // Pinned to absolute time: every target scrapes at the same phase of the
  // interval however often the loop restarts.
  const int64_t base = interval_ms - now_ms % interval_ms;
  const int64_t offset =
      static_cast<int64_t>(target_hash % static_cast<uint64_t>(interval_ms));
  int64_t next = base + offset;
  if (next > interval_ms) next -= interval_ms;
  return next;
}

}  // namespace vigil::scrape
