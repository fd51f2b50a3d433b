#include "lib/scrape/target_groups.h"

#include <glob.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "lib/model/strings.h"
#include "lib/relabel/yaml_decode.h"

namespace vigil::scrape {
namespace {

using yamlcfg::ErrorAt;

constexpr std::string_view kAddressLabel = "__address__";

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
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Positioned(path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  auto groups = DecodeTargetGroups(path, root, absl::StrCat(path, ":"));
  return groups;
}

}  // namespace

absl::StatusOr<std::vector<TargetGroup>> DecodeTargetGroups(
    std::string_view file, const YAML::Node& node,
    std::string_view source_prefix) {
  std::vector<TargetGroup> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    return ErrorAt(
        file, node,
        absl::StrCat("cannot unmarshal ", yamlcfg::DescribeForError(node),
                     " into []*targetgroup.Group"));
  }
  size_t index = 0;
  for (const YAML::Node& item : node) {
    if (!item.IsMap()) {
      return ErrorAt(
          file, item,
          absl::StrCat("cannot unmarshal ", yamlcfg::DescribeForError(item),
                       " into targetgroup.Group"));
    }
    if (auto st = yamlcfg::CheckKnownFields(file, item, {"targets", "labels"},
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
        return ErrorAt(
            file, labels,
            absl::StrCat("cannot unmarshal ", yamlcfg::DescribeForError(labels),
                         " into model.LabelSet"));
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

FileSdWatcher::FileSdWatcher(std::vector<FileSdConfig> configs)
    : configs_(std::move(configs)) {}

int64_t FileSdWatcher::refresh_interval_ms() const {
  int64_t best = 0;
  for (const FileSdConfig& c : configs_) {
    if (c.refresh_interval_ms > 0 &&
        (best == 0 || c.refresh_interval_ms < best)) {
      best = c.refresh_interval_ms;
    }
  }
  return best == 0 ? kDefaultFileSdRefreshMs : best;
}

bool FileSdWatcher::Refresh() {
  errors_.clear();
  std::map<std::string, FileState> next;
  bool changed = false;
  for (const FileSdConfig& c : configs_) {
    for (const std::string& pattern : c.files) {
      glob_t g{};
      if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          next.emplace(g.gl_pathv[i], FileState{});
        }
      }
      globfree(&g);
    }
  }
  for (auto& [path, state] : next) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) continue;
    const int64_t mtime =
        int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    auto old = files_.find(path);
    if (old != files_.end() && old->second.mtime_ns == mtime &&
        old->second.size == st.st_size) {
      state = std::move(old->second);
      continue;
    }
    auto groups = ReadTargetGroupFile(path);
    if (!groups.ok()) {
      errors_.emplace_back(groups.status().message());
      if (old != files_.end()) state = std::move(old->second);
      continue;
    }
    state.mtime_ns = mtime;
    state.size = st.st_size;
    state.groups = *std::move(groups);
    changed = true;
  }
  for (const auto& [path, state] : files_) {
    if (!next.contains(path)) changed = true;  // a file vanished
  }
  files_ = std::move(next);
  return changed;
}

std::vector<TargetGroup> FileSdWatcher::Groups() const {
  std::vector<TargetGroup> out;
  for (const auto& [path, state] : files_) {
    out.insert(out.end(), state.groups.begin(), state.groups.end());
  }
  return out;
}

}  // namespace vigil::scrape
