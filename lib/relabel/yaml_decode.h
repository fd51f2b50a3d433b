// Helpers for decoding Prometheus config structures from yaml-cpp nodes with
// errors positioned as "file:line:col: ". Shared by relabel and scrape
// config decoding. Internal: not installed.
#ifndef VIGIL_LIB_RELABEL_YAML_DECODE_H_
#define VIGIL_LIB_RELABEL_YAML_DECODE_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigil::yamlcfg {

// InvalidArgument "file:line:col: msg" at `node` (no position when the node
// has none).
absl::Status ErrorAt(std::string_view file, const YAML::Node& node,
                     std::string_view msg);

// Go yaml's strict-mode error for a key not among `known`, naming the Go
// type as Prometheus's messages do ("field x not found in type
// relabel.plain"). `node` must be a map.
absl::Status CheckKnownFields(std::string_view file, const YAML::Node& node,
                              std::initializer_list<std::string_view> known,
                              std::string_view go_type);

// Scalars as Go yaml decodes them; null decodes to the zero value.
absl::StatusOr<std::string> DecodeString(std::string_view file,
                                         const YAML::Node& node);
absl::StatusOr<bool> DecodeBool(std::string_view file, const YAML::Node& node);
absl::StatusOr<uint64_t> DecodeUint(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view go_type = "uint64");
absl::StatusOr<std::vector<std::string>> DecodeStringList(
    std::string_view file, const YAML::Node& node, std::string_view go_type);
// A Prometheus duration ("30s"); null is 0.
absl::StatusOr<int64_t> DecodeDurationMs(std::string_view file,
                                         const YAML::Node& node);

// How Go yaml names a node's tag in "cannot unmarshal !!str `x` into T".
std::string DescribeForError(const YAML::Node& node);

}  // namespace vigil::yamlcfg

#endif  // VIGIL_LIB_RELABEL_YAML_DECODE_H_
