// The configuration file of `vigil run`: the subset of Prometheus's
// prometheus.yml that vigil needs, with the same YAML, defaults and
// validation — global, scrape_configs, rule_files, alerting, remote_write —
// and vigil's own `datasource` (a remote query API for rules). Unknown fields
// and bad values are errors with "file:line:col: ".
#ifndef VIGIL_EXPORTER_CONFIG_H_
#define VIGIL_EXPORTER_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/datasource.h"
#include "vigil/labels.h"
#include "vigil/notify.h"
#include "vigil/relabel.h"
#include "vigil/remote_write.h"
#include "vigil/scrape.h"

namespace vigil::exporter {

struct GlobalConfig {
  int64_t scrape_interval_ms = scrape::kDefaultScrapeIntervalMs;
  int64_t scrape_timeout_ms = scrape::kDefaultScrapeTimeoutMs;
  int64_t evaluation_interval_ms = 60 * 1000;
  int64_t rule_query_offset_ms = 0;
  Labels external_labels;
  // The histogram and protocol settings jobs inherit (interval and timeout
  // are the fields above).
  scrape::GlobalDefaults scrape;
};

struct Config {
  GlobalConfig global;
  std::vector<scrape::ScrapeConfig> scrape_configs;
  std::vector<std::string> rule_files;  // patterns, relative to the file
  std::vector<relabel::Config> alert_relabel_configs;
  std::vector<notify::AlertmanagerConfig> alertmanagers;
  std::vector<remote::RemoteWriteConfig> remote_write;
  // Rules query this remote instead of the local store when its url is set.
  datasource::ClientConfig datasource;
  std::string source;  // the file's text, for /api/v1/status/config
};

// `base_dir` resolves relative rule_files and file paths inside configs.
absl::StatusOr<Config> ParseConfig(std::string_view text,
                                   std::string_view filename,
                                   std::string_view base_dir);
absl::StatusOr<Config> LoadConfig(const std::string& path);

}  // namespace vigil::exporter

#endif  // VIGIL_EXPORTER_CONFIG_H_
