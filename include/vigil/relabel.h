// Relabeling: Prometheus's relabel_configs / metric_relabel_configs
// (model/relabel), applied to target label sets before a scrape and to
// scraped series before they are stored.
//
// Semantics are Prometheus 3's:
// - The source label values are joined with `separator`; `regex` is fully
//   anchored (`^(?s:<regex>)$`, so `.` also matches a newline) and compiled
//   with RE2.
// - `replacement` and, for `replace`, `target_label` expand `$1`, `${1}`,
//   `$name`, `${name}` and `$$` like Go's regexp.Expand: `$1x` names the
//   group "1x" (empty), unknown groups expand to "", a malformed `$` is kept.
// - hashmod: md5 of the joined value, its LAST 8 bytes read big-endian,
//   modulo `modulus`.
// - Label names are validated with Prometheus 3's default UTF-8 scheme
//   (any non-empty valid UTF-8) unless kLegacy is asked for.
//
// Errors: Validate() and the YAML decoders return InvalidArgument with
// Prometheus's wording; decoder messages start with "file:line:col: ".
//
// Thread safety: a Config is immutable once validated; Process() is safe to
// call concurrently with shared configs (compiled regexes are shared).
#ifndef VIGIL_RELABEL_H_
#define VIGIL_RELABEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"

namespace re2 {
class RE2;
}
namespace YAML {
class Node;
}

namespace vigil::relabel {

enum class Action {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// "replace", "keep", ... as written in configs.
std::string_view ActionName(Action action);
// Case-insensitive, as Prometheus's Action.UnmarshalYAML.
std::optional<Action> ParseAction(std::string_view name);

// Which label names are valid (model.ValidationScheme).
enum class NameValidation { kUtf8, kLegacy };

// A compiled, fully anchored relabel regex. Default-constructed it is the
// default "(.*)"; copies share the compiled pattern.
class Regexp {
 public:
  Regexp();
  // InvalidArgument with RE2's message when `pattern` does not compile.
  static absl::StatusOr<Regexp> Compile(std::string_view pattern);

  // The pattern as written (without the anchors).
  const std::string& pattern() const { return pattern_; }
  // Whether this is the default regex rather than one written in a config
  // (Prometheus compares the pointer; an explicit "(.*)" is not default).
  bool is_default() const { return is_default_; }
  bool Matches(std::string_view s) const;
  const re2::RE2& re() const { return *re_; }

 private:
  std::string pattern_;
  bool is_default_ = true;
  std::shared_ptr<const re2::RE2> re_;
};

struct Config {
  std::vector<std::string> source_labels;
  // Whether source_labels was written (labeldrop/labelkeep forbid it even
  // when empty, as Prometheus's nil check does).
  bool source_labels_set = false;
  std::string separator = ";";
  Regexp regex;
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  Action action = Action::kReplace;
  NameValidation name_validation = NameValidation::kUtf8;
};

// Prometheus's Config.Validate, with its messages, e.g.
//   relabel configuration for replace action requires 'target_label' value
absl::Status Validate(const Config& config);

// Applies `configs` in order. nullopt when a keep/drop-style action dropped
// the label set.
std::optional<Labels> Process(const Labels& labels,
                              const std::vector<Config>& configs);
// The same on a builder the caller owns; false when dropped (the builder is
// then left in an unspecified state).
bool ProcessBuilder(LabelsBuilder& builder, const std::vector<Config>& configs);

// Go's regexp.Expand of `tmpl` for a match of `re` on `src`; `groups` holds
// the submatches (groups[0] the whole match, absent groups empty views with
// a null data pointer).
std::string Expand(const re2::RE2& re, std::string_view tmpl,
                   const std::vector<std::string_view>& groups);

// The hashmod value: big-endian uint64 of md5(value)[8:16] % modulus.
uint64_t HashMod(std::string_view value, uint64_t modulus);

// Decodes one relabel config mapping / a relabel_configs sequence (null is
// an empty list), applying defaults and validating. `filename` prefixes the
// position in errors.
absl::StatusOr<Config> DecodeConfig(
    const YAML::Node& node, std::string_view filename,
    NameValidation validation = NameValidation::kUtf8);
absl::StatusOr<std::vector<Config>> DecodeConfigs(
    const YAML::Node& node, std::string_view filename,
    NameValidation validation = NameValidation::kUtf8);
// Parses `yaml` text holding a relabel_configs sequence (test and tool
// convenience); YAML syntax errors carry their position too.
absl::StatusOr<std::vector<Config>> ParseConfigs(
    std::string_view yaml, std::string_view filename = "<input>");

}  // namespace vigil::relabel

namespace vigil {
using RelabelConfig = relabel::Config;
}

#endif  // VIGIL_RELABEL_H_
