// Decoding relabel_configs from YAML with Prometheus's defaults and errors.
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "lib/model/strings.h"
#include "lib/relabel/yaml_decode.h"
#include "vigil/relabel.h"

namespace vigil::relabel {

using yamlcfg::ErrorAt;

absl::StatusOr<Config> DecodeConfig(const YAML::Node& node,
                                    std::string_view filename,
                                    NameValidation validation) {
  if (!node.IsMap()) {
    return ErrorAt(
        filename, node,
        absl::StrCat("cannot unmarshal ", yamlcfg::DescribeForError(node),
                     " into relabel.plain"));
  }
  if (auto st = yamlcfg::CheckKnownFields(
          filename, node,
          {"source_labels", "separator", "regex", "modulus", "target_label",
           "replacement", "action"},
          "relabel.plain");
      !st.ok()) {
    return st;
  }
  Config c;
  c.name_validation = validation;
  if (const YAML::Node n = node["source_labels"]; n) {
    auto v = yamlcfg::DecodeStringList(filename, n, "model.LabelNames");
    if (!v.ok()) return v.status();
    c.source_labels = *std::move(v);
    c.source_labels_set = !n.IsNull();
  }
  if (const YAML::Node n = node["separator"]; n) {
    auto v = yamlcfg::DecodeString(filename, n);
    if (!v.ok()) return v.status();
    c.separator = *std::move(v);
  }
  if (const YAML::Node n = node["regex"]; n) {
    auto v = yamlcfg::DecodeString(filename, n);
    if (!v.ok()) return v.status();
    auto re = Regexp::Compile(*v);
    if (!re.ok()) return ErrorAt(filename, n, FromAbsl(re.status().message()));
    c.regex = *std::move(re);
  }
  if (const YAML::Node n = node["modulus"]; n) {
    auto v = yamlcfg::DecodeUint(filename, n);
    if (!v.ok()) return v.status();
    c.modulus = *v;
  }
  if (const YAML::Node n = node["target_label"]; n) {
    auto v = yamlcfg::DecodeString(filename, n);
    if (!v.ok()) return v.status();
    c.target_label = *std::move(v);
  }
  if (const YAML::Node n = node["replacement"]; n) {
    auto v = yamlcfg::DecodeString(filename, n);
    if (!v.ok()) return v.status();
    c.replacement = *std::move(v);
  }
  if (const YAML::Node n = node["action"]; n) {
    auto v = yamlcfg::DecodeString(filename, n);
    if (!v.ok()) return v.status();
    auto action = ParseAction(*v);
    if (!action) {
      return ErrorAt(filename, n,
                     absl::StrCat("unknown relabel action ", QuoteString(*v)));
    }
    c.action = *action;
  }
  if (auto st = Validate(c); !st.ok()) {
    return ErrorAt(filename, node, FromAbsl(st.message()));
  }
  return c;
}

absl::StatusOr<std::vector<Config>> DecodeConfigs(const YAML::Node& node,
                                                  std::string_view filename,
                                                  NameValidation validation) {
  std::vector<Config> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    return ErrorAt(
        filename, node,
        absl::StrCat("cannot unmarshal ", yamlcfg::DescribeForError(node),
                     " into []*relabel.Config"));
  }
  for (const auto& item : node) {
    auto c = DecodeConfig(item, filename, validation);
    if (!c.ok()) return c.status();
    out.push_back(*std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<Config>> ParseConfigs(std::string_view yaml,
                                                 std::string_view filename) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(filename), ":", e.mark.line + 1, ":",
                     e.mark.column + 1, ": ", e.msg));
  }
  return DecodeConfigs(root, filename);
}

}  // namespace vigil::relabel
