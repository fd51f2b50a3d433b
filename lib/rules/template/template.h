// Alert templates: the subset of Go's text/template that Prometheus rule
// packs use, with Prometheus's template functions (template/template.go).
//
// Contract:
// - Template::Parse parses once; the result is immutable and may be executed
//   concurrently from any number of threads (each Execute call keeps its own
//   state). Like Prometheus's alerting rules, Parse prepends kAlertDefs, so
//   `$labels`, `$externalLabels`, `$externalURL` and `$value` are defined and
//   positions on line 1 of an error include that prefix, exactly as upstream.
// - Errors are absl::Status values whose message is Go's text: parse errors
//   `template: NAME:LINE: msg`, execution errors
//   `template: NAME:LINE:COL: executing "NAME" at <ctx>: msg`.
// - Execution is bounded: output size (and the size of any string value),
//   range iterations and nesting depth are limited by the named constants
//   below; execution time and the number of `query` calls by
//   ExpandOptions, whose defaults are named below too. No input loops
//   forever or grows without bound; a limit reached is an execution error
//   in Go's form, e.g. `template: NAME:1:7: executing "NAME" at <query
//   "up">: error calling query: query calls exceed the maximum of 100`.
// - The `query` function calls back into the caller (the rules layer) through
//   QueryFunc, so this library does not depend on the PromQL engine.
// - ExpandForAlert turns any error into Prometheus's annotation text
//   `<error expanding template: ...>` (rules/alerting.go).
#ifndef VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_H_
#define VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::tmpl {

// What rules/alerting.go prepends to every label and annotation template.
inline constexpr std::string_view kAlertDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

// Limits. Go's own are larger (100000 nested template calls); these keep
// the C++ stack small (rules may run on worker threads) and an annotation
// reasonable. Real rule packs nest a handful of levels.
inline constexpr size_t kMaxOutputBytes = 1 << 20;  // also any one string
inline constexpr int64_t kMaxRangeIterations = 1'000'000;
inline constexpr int kMaxExecDepth = 200;  // nested {{template}} calls
// {{if}}, {{with}}, {{range}} and {{template}} being walked at once, across
// template calls: each holds a few C++ frames, and 200 calls of a template
// nesting 150 {{if}}s would overflow an 8 MiB stack.
inline constexpr int kMaxExecNesting = 500;
inline constexpr int kMaxParseDepth = 200;  // nested actions and parens
// ExpandOptions' defaults. Alert templates take microseconds and call
// `query` once or twice; these stop a runaway template (a range of a million
// printfs, a regexp over a megabyte) without cutting a real one short.
inline constexpr std::chrono::seconds kDefaultExecTimeout{10};
inline constexpr int kDefaultMaxQueryCalls = 100;

// One element of a `query` result: Prometheus's template `sample`.
struct QuerySample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Runs an instant PromQL query at the alert's evaluation time. An error is
// reported by the template as `error calling query: <message>`.
using QueryFunc = std::function<absl::StatusOr<std::vector<QuerySample>>(
    std::string_view query)>;

// The data an alert template sees (template.AlertTemplateData).
struct TemplateData {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  // `.Value`: the sample value, or a string for string-valued cases.
  std::variant<double, std::string> value = 0.0;
};

struct ExpandOptions {
  // Evaluation time in milliseconds since the epoch (the `now` function).
  int64_t timestamp_ms = 0;
  // May be empty: `query` then fails with an error.
  QueryFunc query;
  // Wall time one execution may take, `query` calls included; past it the
  // execution fails ("execution time exceeds the maximum of 10s").
  std::chrono::steady_clock::duration timeout = kDefaultExecTimeout;
  // `query` calls one execution may make; the next one fails.
  int max_query_calls = kDefaultMaxQueryCalls;
  // The clock `timeout` is measured on; null means std::chrono::steady_clock.
  // Tests inject one so that the deadline passes at a known point. Called
  // from the executing thread only.
  std::function<std::chrono::steady_clock::time_point()> monotonic_clock;
};

namespace internal {
struct ParsedTemplate;
}

class Template {
 public:
  // Parses kAlertDefs + text under `name` (rules use "__alert_" + rule name).
  static absl::StatusOr<Template> Parse(std::string_view name,
                                        std::string_view text);
  // Parses `text` as is, without the alert variable definitions.
  static absl::StatusOr<Template> ParseRaw(std::string_view name,
                                           std::string_view text);

  absl::StatusOr<std::string> Execute(const TemplateData& data,
                                      const ExpandOptions& options) const;

  const std::string& name() const;

 private:
  explicit Template(std::shared_ptr<const internal::ParsedTemplate> impl)
      : impl_(std::move(impl)) {}
  std::shared_ptr<const internal::ParsedTemplate> impl_;
};

// Prometheus's alert expansion: parse and execute, and on error return
// `<error expanding template: error parsing template NAME: ...>` or
// `<error expanding template: error executing template NAME: ...>`.
std::string ExpandForAlert(std::string_view name, std::string_view text,
                           const TemplateData& data,
                           const ExpandOptions& options);
// The same for a template parsed once with Template::Parse.
std::string ExpandForAlert(const Template& tmpl, const TemplateData& data,
                           const ExpandOptions& options);

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_TEMPLATE_H_
