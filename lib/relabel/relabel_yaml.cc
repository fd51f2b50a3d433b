// Decoding relabel_configs from YAML with Prometheus's defaults and errors.
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/yaml/yaml_decode.h"
#include "vigil/relabel.h"

namespace vigil::relabel {

using yamlcfg::ErrorAt;

namespace {

absl::StatusOr<Regexp> DecodeRegexp(std::string_view file,
                                    const YAML::Node& node) {
  auto v = yamlcfg::DecodeString(file, node);
  if (!v.ok()) return v.status();
  auto re = Regexp::Compile(*v);
  if (!re.ok()) return ErrorAt(file, node, FromAbsl(re.status().message()));
  return *std::move(re);
}

absl::StatusOr<Action> DecodeAction(std::string_view file,
                                    const YAML::Node& node) {
  auto v = yamlcfg::DecodeString(file, node);
  if (!v.ok()) return v.status();
  auto action = ParseAction(*v);
  if (!action) {
    return ErrorAt(file, node,
                   absl::StrCat("unknown relabel action ", QuoteString(*v)));
  }
  return *action;
}

}  // namespace

absl::StatusOr<Config> DecodeConfig(const YAML::Node& node,
                                    std::string_view filename,
                                    NameValidation validation) {
  if (auto st = yamlcfg::CheckStruct(
          filename, node,
          {"source_labels", "separator", "regex", "modulus", "target_label",
           "replacement", "action"},
          "relabel.plain");
      !st.ok()) {
    return st;
  }
  Config c;
  c.name_validation = validation;
  yamlcfg::Fields fields(filename, node);
  fields.StringList("source_labels", "model.LabelNames", c.source_labels)
      .String("separator", c.separator)
      .Custom("regex", DecodeRegexp, c.regex)
      .Uint("modulus", c.modulus)
      .String("target_label", c.target_label)
      .String("replacement", c.replacement)
      .Custom("action", DecodeAction, c.action);
  if (!fields.status().ok()) return fields.status();
  c.source_labels_set =
      node["source_labels"] && !node["source_labels"].IsNull();
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
    return yamlcfg::UnmarshalError(filename, node, "[]*relabel.Config");
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
  auto root = yamlcfg::LoadDocument(yaml, filename);
  if (!root.ok()) return root.status();
  return DecodeConfigs(*root, filename);
}

}  // namespace vigil::relabel
