#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/model/utf8.h"
#include "lib/yaml/yaml_decode.h"
#include "vigil/discovery.h"

namespace vigil::discovery {
namespace {

using yamlcfg::ErrorAt;

constexpr std::string_view kAddressLabel = "__address__";
// Prometheus accepts file_sd files by these extensions only.
constexpr std::string_view kFileSdExtensions[] = {".json", ".yml", ".yaml"};

bool IsValidLabelName(std::string_view name) {
  // Prometheus 3 validates names with the UTF-8 scheme.
  return !name.empty() && IsValidUtf8(name);
}

absl::Status Positioned(std::string_view file, size_t line, size_t col,
                        std::string_view msg) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(file), ":", line, ":", col, ": ", ToAbsl(msg)));
}

// 1-based line and column of byte `offset` in `text`.
std::pair<size_t, size_t> LineCol(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

absl::StatusOr<std::vector<TargetGroup>> DecodeJsonGroups(
    const std::string& path, const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, col] = LineCol(text, e.byte > 0 ? e.byte - 1 : 0);
    return Positioned(path, line, col, e.what());
  }
  if (!doc.is_array()) {
    return Positioned(path, 1, 1,
                      "json: cannot unmarshal into Go value of type "
                      "[]*targetgroup.Group");
  }
  std::vector<TargetGroup> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& g = doc[i];
    const std::string where = absl::StrCat("group ", i, ": ");
    if (!g.is_object()) {
      return Positioned(path, 1, 1, where + "a target group must be an object");
    }
    TargetGroup group;
    group.source = absl::StrCat(path, ":", i);
    std::vector<Label> labels;
    if (auto it = g.find("labels"); it != g.end() && !it->is_null()) {
      if (!it->is_object()) {
        return Positioned(path, 1, 1, where + "labels must be an object");
      }
      for (const auto& [name, value] : it->items()) {
        if (!value.is_string()) {
          return Positioned(path, 1, 1, where + "label values must be strings");
        }
        if (!IsValidLabelName(name)) {
          return Positioned(
              path, 1, 1,
              absl::StrCat(where, "\"", name, "\" is not a valid label name"));
        }
        labels.push_back({name, value.get<std::string>()});
      }
    }
    group.labels = Labels::FromVector(std::move(labels));
    if (auto it = g.find("targets"); it != g.end() && !it->is_null()) {
      if (!it->is_array()) {
        return Positioned(path, 1, 1, where + "targets must be an array");
      }
      for (const auto& t : *it) {
        if (!t.is_string()) {
          return Positioned(path, 1, 1, where + "targets must be strings");
        }
        group.targets.push_back(Labels::FromStrings(
            {kAddressLabel, t.get_ref<const std::string&>()}));
      }
    }
    out.push_back(std::move(group));
  }
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> DecodeYamlGroups(
    const std::string& path, const std::string& text) {
  auto root = yamlcfg::LoadDocument(text, path);
  if (!root.ok()) return root.status();
  return DecodeTargetGroups(path, *root, absl::StrCat(path, ":"));
}

}  // namespace

absl::StatusOr<std::vector<TargetGroup>> DecodeTargetGroups(
    std::string_view file, const YAML::Node& node,
    std::string_view source_prefix) {
  std::vector<TargetGroup> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    return yamlcfg::UnmarshalError(file, node, "[]*targetgroup.Group");
  }
  size_t index = 0;
  for (const YAML::Node& item : node) {
    if (auto st = yamlcfg::CheckStruct(file, item, {"targets", "labels"},
                                       "targetgroup.Group");
        !st.ok()) {
      return st;
    }
    TargetGroup g;
    g.source = absl::StrCat(ToAbsl(source_prefix), index++);
    if (item["targets"]) {
      auto targets =
          yamlcfg::DecodeStringList(file, item["targets"], "[]string");
      if (!targets.ok()) return targets.status();
      for (const std::string& t : *targets) {
        g.targets.push_back(Labels::FromStrings({kAddressLabel, t}));
      }
    }
    if (const YAML::Node labels = item["labels"]; labels && !labels.IsNull()) {
      if (!labels.IsMap()) {
        return yamlcfg::UnmarshalError(file, labels, "model.LabelSet");
      }
      std::vector<Label> pairs;
      for (const auto& kv : labels) {
        const std::string name = kv.first.Scalar();
        if (!IsValidLabelName(name)) {
          return ErrorAt(
              file, kv.first,
              absl::StrCat(QuoteString(name), " is not a valid label name"));
        }
        auto value = yamlcfg::DecodeString(file, kv.second);
        if (!value.ok()) return value.status();
        pairs.push_back({name, *std::move(value)});
      }
      g.labels = Labels::FromVector(std::move(pairs));
    }
    out.push_back(std::move(g));
  }
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> ReadTargetGroupFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("open ", path, ": no such file or directory"));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (std::string_view(path).ends_with(".json")) {
    return DecodeJsonGroups(path, text);
  }
  return DecodeYamlGroups(path, text);
}

absl::StatusOr<std::vector<FileSdConfig>> DecodeFileSdConfigs(
    std::string_view file, const YAML::Node& node, std::string_view base_dir) {
  std::vector<FileSdConfig> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    return yamlcfg::UnmarshalError(file, node, "[]*file.SDConfig");
  }
  for (const YAML::Node& item : node) {
    if (auto st = yamlcfg::CheckStruct(
            file, item, {"files", "refresh_interval"}, "file.plain");
        !st.ok()) {
      return st;
    }
    FileSdConfig c;
    if (item["files"]) {
      auto files = yamlcfg::DecodeStringList(file, item["files"], "[]string");
      if (!files.ok()) return files.status();
      c.files = *std::move(files);
    }
    if (c.files.empty()) {
      return ErrorAt(
          file, item,
          "file service discovery config must contain at least one path name");
    }
    for (std::string& f : c.files) {
      bool ok = false;
      for (std::string_view ext : kFileSdExtensions) {
        ok = ok || std::string_view(f).ends_with(ext);
      }
      if (!ok) {
        return ErrorAt(file, item["files"],
                       absl::StrCat("path name ", QuoteString(f),
                                    " is not valid for file discovery"));
      }
      if (!base_dir.empty() && !f.empty() && f[0] != '/') {
        f = absl::StrCat(ToAbsl(base_dir), "/", f);
      }
    }
    if (item["refresh_interval"]) {
      auto ms = yamlcfg::DecodeDurationMs(file, item["refresh_interval"]);
      if (!ms.ok()) return ms.status();
      c.refresh_interval_ms = *ms;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace vigil::discovery
