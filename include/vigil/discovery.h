// Discovery: where scrape targets and Alertmanagers come from — target groups
// written in a config's static_configs or in file_sd_configs files (JSON or
// YAML, re-read when they change), as Prometheus's discovery/file package
// reads them.
//
// A target group is a list of targets, each a label set holding at least
// __address__, and labels shared by all of them (a target's own label wins).
// What a target becomes — a scrape target or an Alertmanager — is decided by
// the user of the groups (lib/scrape, lib/notify) and their relabel_configs.
//
// Thread safety: the functions are independent; a FileSdWatcher belongs to
// one thread (its users poll it from their discovery thread).
#ifndef VIGIL_DISCOVERY_H_
#define VIGIL_DISCOVERY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/labels.h"

namespace YAML {
class Node;
}

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

// Decoding the same from a config file's YAML (scrape_configs and
// alertmanagers embed them). Errors carry "<file>:line:col: ".
//
// A static_configs sequence of {targets: [...], labels: {...}}; group i
// gets source "<source_prefix><i>".
absl::StatusOr<std::vector<TargetGroup>> DecodeTargetGroups(
    std::string_view file, const YAML::Node& node,
    std::string_view source_prefix);

// A file_sd_configs sequence; relative paths are resolved against
// `base_dir` when it is non-empty. Prometheus's validation: at least one
// path, each ending in .json, .yml or .yaml.
absl::StatusOr<std::vector<FileSdConfig>> DecodeFileSdConfigs(
    std::string_view file, const YAML::Node& node, std::string_view base_dir);

// Polls the files of file_sd_configs: Refresh() re-expands the globs and
// re-reads files whose mtime or size changed (or that appeared or vanished).
// A file that fails to read keeps its previous groups, as Prometheus keeps
// the last good state. Not thread-safe.
class FileSdWatcher {
 public:
  explicit FileSdWatcher(std::vector<FileSdConfig> configs);
  // Returns true when the set of groups changed.
  bool Refresh();
  // Every group of every matched file, in path order.
  std::vector<TargetGroup> Groups() const;
  // The shortest refresh_interval of the configs.
  int64_t refresh_interval_ms() const;
  // Errors of the last Refresh(), one per failing file.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct FileState {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    std::vector<TargetGroup> groups;
  };
  std::vector<FileSdConfig> configs_;
  std::map<std::string, FileState> files_;
  std::vector<std::string> errors_;
};

}  // namespace vigil::discovery

#endif  // VIGIL_DISCOVERY_H_
