// Decoding target groups and file_sd_configs from a config's YAML (the
// configs of lib/scrape and lib/notify embed them).
#ifndef VIGIL_LIB_DISCOVERY_TARGET_GROUPS_H_
#define VIGIL_LIB_DISCOVERY_TARGET_GROUPS_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/discovery.h"

namespace YAML {
class Node;
}

namespace vigil::discovery {

// A sequence of {targets: [...], labels: {...}}; group i gets source
// "<source_prefix><i>".
absl::StatusOr<std::vector<TargetGroup>> DecodeTargetGroups(
    std::string_view file, const YAML::Node& node,
    std::string_view source_prefix);

// A file_sd_configs sequence; relative paths are resolved against
// `base_dir` when it is non-empty. Prometheus's validation: at least one
// path, each ending in .json, .yml or .yaml.
absl::StatusOr<std::vector<FileSdConfig>> DecodeFileSdConfigs(
    std::string_view file, const YAML::Node& node, std::string_view base_dir);

}  // namespace vigil::discovery

#endif  // VIGIL_LIB_DISCOVERY_TARGET_GROUPS_H_
