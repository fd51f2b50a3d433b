// Discovery: where scrape targets and Alertmanagers come from — target groups
// written in a config's static_configs or in file_sd_configs files (JSON or
// YAML, re-read when they change), as Prometheus's discovery/file package
// reads them.
//
// A target group is a list of targets, each a label set holding at least
// __address__, and labels shared by all of them (a target's own label wins).
// What a target becomes — a scrape target or an Alertmanager — is decided by
// the user of the groups (lib/scrape, lib/notify) and their relabel_configs.
#ifndef VIGIL_DISCOVERY_H_
#define VIGIL_DISCOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/labels.h"

namespace vigil::discovery {

// file_sd_configs' default refresh_interval.
inline constexpr int64_t kDefaultFileSdRefreshMs = 5 * 60 * 1000;

struct TargetGroup {
  std::vector<Labels> targets;
  Labels labels;
  // "0" for static_configs[0]; "<path>:<index>" for a group of a file.
  std::string source;
};

struct FileSdConfig {
  std::vector<std::string> files;  // globs, matched against the file name
  int64_t refresh_interval_ms = kDefaultFileSdRefreshMs;
};

// Reads a file_sd target-group file: JSON (.json) or YAML (.yml/.yaml), a
// list of {targets: [...], labels: {...}}. Errors carry "path:line:col: ".
absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(
    const std::string& path);

}  // namespace vigil::discovery

#endif  // VIGIL_DISCOVERY_H_
