// Rule files: Prometheus rule files and PrometheusRule custom resources.
//
// A file may hold several YAML documents. Each document is either a
// Prometheus rule file (`groups: [...]`) or a PrometheusRule resource
// (`apiVersion: monitoring.coreos.com/v1`, `kind: PrometheusRule`,
// `spec: {groups: [...]}`); both yield the same RuleGroupSpec values.
//
// Validation follows Prometheus's rulefmt: unknown fields, duplicate group
// names, bad label and annotation names, record names that are not metric
// names and expressions that do not parse are errors. Label and annotation
// templates are compiled (and their errors reported, with the rule's
// position) when rules::RuleGroup::Create builds the group. Every error carries
// "file:line:col: " where line and col (1-based) point into the file; an
// expression error points at the offending byte inside the expression when the
// YAML scalar allows it. As in yaml.v3, groups made mostly of aliases
// (more than 99% of their nodes in a small file) are refused with "file:
// yaml: document contains excessive aliasing": a few kilobytes of them can
// stand for millions of rules.
//
// Thread safety: pure functions; safe to call concurrently.
#ifndef VIGIL_RULE_FILE_H_
#define VIGIL_RULE_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/promql/parser.h"

namespace vigil {

struct SourcePosition {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

struct RuleSpec {
  std::string record;  // exactly one of record and alert is set
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  Labels labels;
  // Annotation templates in file order of their names (sorted).
  std::vector<Label> annotations;
  SourcePosition position;       // the rule's mapping
  SourcePosition expr_position;  // the expr value

  bool is_alert() const { return !alert.empty(); }
  const std::string& name() const { return is_alert() ? alert : record; }
};

struct RuleGroupSpec {
  std::string name;
  std::string file;         // the file it came from
  int64_t interval_ms = 0;  // 0: the global evaluation interval
  std::optional<int64_t> query_offset_ms;
  int64_t limit = 0;  // 0: no limit
  Labels labels;
  std::vector<RuleSpec> rules;
  SourcePosition position;
};

struct RuleFileOptions {
  promql::ParseOptions parse_options;
  // Prometheus's --rules.ignore-unknown-fields equivalent.
  bool ignore_unknown_fields = false;
};

// Parses `content`; `filename` is used in positions and error messages. On
// failure the status is InvalidArgument and its message lists every error
// found, one per line.
absl::StatusOr<std::vector<RuleGroupSpec>> ParseRuleFile(
    std::string_view content, std::string_view filename,
    const RuleFileOptions& options = {});

// Reads and parses a file (NotFound / PermissionDenied when unreadable).
absl::StatusOr<std::vector<RuleGroupSpec>> LoadRuleFile(
    const std::string& path, const RuleFileOptions& options = {});

}  // namespace vigil

#endif  // VIGIL_RULE_FILE_H_
