// Rule unit tests and rule-file checks for CI: `vigil test rules` and
// `vigil check rules`, in promtool's file format with Prometheus 3.x
// semantics.
//
// A unit-test file (promtool's format) names rule files (globs, relative to
// the test file's directory; Prometheus rule files or PrometheusRule custom
// resources) and test groups. RunTestFile() runs every test group as
// `promtool test rules` does: the input series go into a fresh in-memory
// TSDB at `interval` steps, every rule group is evaluated at every
// `evaluation_interval` step from the start to the largest eval_time (in
// `group_eval_order`), alert_rule_test compares the *firing* alerts of an
// alert name at the evaluation at or before eval_time, and promql_expr_test
// runs instant queries once all evaluations are done.
//
// Results are values: a FileResult says whether the file passed, failed a
// test, or could not be run (bad input), and carries each failure in
// promtool's exact text plus vigil's readable diff. Printing, JUnit XML and
// coverage are separate functions over those values.
//
// Errors: input problems (unreadable file, YAML errors, unknown fields, bad
// durations, rule files that do not parse) are reported in FileResult with
// "file:line:col: " positions, never thrown. No function here aborts on
// input.
//
// Thread safety: every function is independent; different files may be run
// concurrently.
#ifndef VIGIL_RULETEST_H_
#define VIGIL_RULETEST_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "vigil/rule_file.h"

namespace vigil::ruletest {

// ---------------------------------------------------------------------------
// `test rules`

struct TestOptions {
  // promtool's --run: only test groups whose name matches one of these RE2
  // patterns (joined with "|", unanchored like Go's MatchString). Empty:
  // every group.
  std::vector<std::string> run;
  // promtool's --ignore-unknown-fields (applies to rule files).
  bool ignore_unknown_fields = false;
};

enum class Verdict {
  kPass,      // every selected test group passed
  kFail,      // a test failed (wrong alerts or samples, evaluation errors)
  kBadInput,  // the file or a rule file could not be read, decoded or used
};

struct Failure {
  std::string promtool_text;  // exactly what promtool prints
  std::string diff;           // vigil's readable diff; may be empty
  bool bad_input = false;     // an input problem rather than a failed test
};

struct TestGroupResult {
  std::string name;  // the group's name, "unnamed#<i>" when it has none
  std::vector<Failure> failures;
  double seconds = 0;  // wall time
};

// A rule found in the rule files, for coverage.
struct RuleRef {
  std::string file;
  SourcePosition position;
  std::string name;  // alert or record name
  bool is_alert = false;
};

struct FileResult {
  std::string file;
  Verdict verdict = Verdict::kPass;
  // promtool's "  WARNING: no file match pattern …" lines.
  std::vector<std::string> warnings;
  // Problems with the file itself (no test group ran).
  std::vector<Failure> file_errors;
  std::vector<TestGroupResult> groups;  // the selected groups, in file order
  // Coverage inputs: every rule of the rule files, and the alert names and
  // metric names the selected tests referred to.
  std::vector<RuleRef> rules;
  std::vector<std::string> tested_alerts;
  std::vector<std::string> queried_metrics;
};

FileResult RunTestFile(const std::string& path, const TestOptions& options);

// Prints a result as promtool does: "Unit Testing:  FILE" and SUCCESS on
// `out`; "  FAILED:" and each failure on `err`, each followed by a blank
// line on `out`. With `color`, the readable diffs use ANSI colours.
void PrintFileResult(const FileResult& result, std::ostream& out,
                     std::ostream& err, bool color);

// JUnit XML: one <testsuite> per file, one <testcase> per test group, a
// <failure> per failure carrying promtool's text and the diff.
std::string JUnitXml(const std::vector<FileResult>& results);

struct Coverage {
  std::vector<RuleRef> rules;        // unique rules (file, name, kind)
  std::vector<RuleRef> unexercised;  // those no selected test exercised
  double percent = 100;              // exercised / total; 100 when empty
};

// A rule counts as exercised when an alert_rule_test names its alert, or a
// promql_expr_test's expression selects its record name.
Coverage ComputeCoverage(const std::vector<FileResult>& results);
void PrintCoverage(const Coverage& coverage, std::ostream& out);

// ---------------------------------------------------------------------------
// `check rules`

struct CheckOptions {
  bool ignore_unknown_fields = false;
  // Lint checks to run: "duplicate-rules" (promtool's), "counter-functions",
  // "short-for", "annotations"; "all" or "none" as in promtool's --lint.
  std::vector<std::string> lint = {"all"};
};

struct LintWarning {
  std::string check;  // the --lint name that produced it
  std::string text;   // "file:line:col: message"
};

struct CheckResult {
  std::string file;
  std::vector<std::string> errors;  // parse and validation errors
  int rule_count = 0;
  // promtool's duplicate-rules lint, in its wording; empty when none.
  std::string duplicates;
  std::vector<LintWarning> warnings;  // vigil's own lint checks
};

CheckResult CheckRuleFile(const std::string& path, const CheckOptions& options);

// Prints as promtool's `check rules`: "Checking FILE", then
// "  SUCCESS: N rules found" or "  FAILED:" with the errors on `err`;
// vigil's warnings follow as "  WARNING: …" lines on `err`.
void PrintCheckResult(const CheckResult& result, std::ostream& out,
                      std::ostream& err);

}  // namespace vigil::ruletest

#endif  // VIGIL_RULETEST_H_
