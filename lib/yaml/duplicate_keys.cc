// Refusing a mapping that repeats a key, as Go's strict decoders do; see
// CheckDuplicateKeys in yaml_decode.h.
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/yaml/yaml_decode.h"

namespace vigil::yamlcfg {

namespace {

class DuplicateKeyFinder {
 public:
  DuplicateKeyFinder(std::string_view file, GoYaml version)
      : file_(file), version_(version) {}

  absl::Status Visit(const YAML::Node& node) {
    if (!node.IsMap() && !node.IsSequence()) return absl::OkStatus();
    // An alias is the anchored node itself: each is checked once.
    const YAML::Mark m = node.Mark();
    if (!visited_.emplace(m.line, m.column, m.pos, node.IsMap()).second) {
      return absl::OkStatus();
    }
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) {
        if (absl::Status s = Visit(item); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    // yaml.v2 (strict) compares keys as the Go key type holds them, a
    // string for every map vigil decodes; yaml.v3 compares value and tag.
    std::vector<std::pair<std::string, YAML::Node>> seen;
    for (const auto& kv : node) {
      if (kv.first.IsScalar() && kv.first.Tag() != "tag:yaml.org,2002:merge" &&
          !(kv.first.Scalar() == "<<" && kv.first.Tag() == "?")) {
        std::string key = kv.first.Scalar();
        if (version_ == GoYaml::kV3) {
          key = absl::StrCat(ToAbsl(ResolveScalar(kv.first).tag()), " ", key);
        }
        for (const auto& [earlier, earlier_node] : seen) {
          if (earlier == key) return Duplicate(kv.first, earlier_node);
        }
        seen.emplace_back(std::move(key), kv.first);
      }
      if (absl::Status s = Visit(kv.second); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Duplicate(const YAML::Node& key, const YAML::Node& earlier) {
    const std::string quoted = QuoteString(key.Scalar());
    if (version_ == GoYaml::kV3) {
      return ErrorAt(
          file_, key,
          absl::StrCat("mapping key ", quoted, " already defined at line ",
                       earlier.Mark().line + 1));
    }
    return ErrorAt(file_, key,
                   absl::StrCat("key ", quoted, " already set in map"));
  }

  std::string_view file_;
  GoYaml version_;
  std::set<std::tuple<int, int, int, bool>> visited_;
};

}  // namespace

absl::Status CheckDuplicateKeys(std::string_view file, const YAML::Node& root,
                                GoYaml version) {
  return DuplicateKeyFinder(file, version).Visit(root);
}

}  // namespace vigil::yamlcfg
