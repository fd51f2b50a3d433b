// Flags for the rule-testing subcommands. The logic lives in
// vigil_ruletest; this file only maps flags to options and results to exit
// codes.
#include "exporter/rules_cli.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "vigil/ruletest.h"

namespace vigil::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitLintFatal = 3;  // promtool's lintErrExitCode

constexpr std::string_view kTestUsage =
    R"(usage: vigil test rules [<flags>] TEST-FILE...

Runs rule unit tests in promtool's format (Prometheus 3.x semantics). Rule
files may be Prometheus rule files or PrometheusRule resources.

Flags:
  --run REGEX            Only test groups whose name matches (repeatable).
  --junit FILE           Write JUnit XML results to FILE.
  --coverage             Print the rules no test exercised.
  --coverage-min PCT     Fail (exit 1) when fewer than PCT% of the rules are
                         exercised; implies --coverage.
  --ignore-unknown-fields
                         Ignore unknown fields in rule files.
  --color=auto|always|never
                         Colour the diffs (auto: when stdout is a terminal).

Exit status: 0 all passed, 1 a test failed, 2 bad input.
)";

constexpr std::string_view kCheckUsage =
    R"(usage: vigil check rules [<flags>] RULE-FILE...

Validates rule files (Prometheus rule files or PrometheusRule resources).

Flags:
  --lint=CHECKS          Comma-separated: all (default), none,
                         duplicate-rules, counter-functions, short-for,
                         annotations.
  --lint-fatal           Exit 3 when a lint check finds something.
  --ignore-unknown-fields
                         Ignore unknown fields in rule files.
)";

// Splits "--flag=value" and "--flag value" forms; returns false on a
// missing value.
bool FlagValue(int argc, char** argv, int* i, std::string_view flag,
               std::string* value, bool* matched) {
  std::string_view arg = argv[*i];
  *matched = false;
  if (arg == flag) {
    *matched = true;
    if (*i + 1 >= argc) return false;
    *value = argv[++*i];
    return true;
  }
  if (arg.size() > flag.size() && arg.substr(0, flag.size()) == flag &&
      arg[flag.size()] == '=') {
    *matched = true;
    *value = std::string(arg.substr(flag.size() + 1));
  }
  return true;
}

}  // namespace

int RunTestRules(int argc, char** argv) {
  ruletest::TestOptions opts;
  std::vector<std::string> files;
  std::string junit, color = "auto";
  bool coverage = false;
  double coverage_min = -1;
  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string value;
    bool matched = false;
    auto bad = [&](std::string_view why) {
      std::cerr << "vigil test rules: " << why << "\n" << kTestUsage;
      return kExitBadInput;
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kTestUsage;
      return kExitOk;
    }
    if (!FlagValue(argc, argv, &i, "--run", &value, &matched)) {
      return bad("--run needs a value");
    }
    if (matched) {
      opts.run.push_back(value);
      continue;
    }
    if (!FlagValue(argc, argv, &i, "--junit", &value, &matched)) {
      return bad("--junit needs a value");
    }
    if (matched) {
      junit = value;
      continue;
    }
    if (!FlagValue(argc, argv, &i, "--coverage-min", &value, &matched)) {
      return bad("--coverage-min needs a value");
    }
    if (matched) {
      if (!value.empty() && value.back() == '%') value.pop_back();
      if (!absl::SimpleAtod(value, &coverage_min) || coverage_min < 0 ||
          coverage_min > 100) {
        return bad("--coverage-min wants a percentage from 0 to 100");
      }
      coverage = true;
      continue;
    }
    if (!FlagValue(argc, argv, &i, "--color", &value, &matched)) {
      return bad("--color needs a value");
    }
    if (matched) {
      if (value != "auto" && value != "always" && value != "never") {
        return bad("--color is auto, always or never");
      }
      color = value;
      continue;
    }
    if (arg == "--coverage") {
      coverage = true;
    } else if (arg == "--ignore-unknown-fields") {
      opts.ignore_unknown_fields = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return bad("unknown flag " + std::string(arg));
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << kTestUsage;
    return kExitBadInput;
  }
  // Colour only for a person at a terminal; CI logs and files stay plain.
  const bool use_color =
      color == "always" ||
      (color == "auto" && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) &&
       std::getenv("NO_COLOR") == nullptr);

  std::vector<ruletest::FileResult> results;
  int code = kExitOk;
  for (const std::string& f : files) {
    results.push_back(ruletest::RunTestFile(f, opts));
    ruletest::PrintFileResult(results.back(), std::cout, std::cerr, use_color);
    if (results.back().verdict == ruletest::Verdict::kBadInput) {
      code = kExitBadInput;
    } else if (results.back().verdict == ruletest::Verdict::kFail &&
               code == kExitOk) {
      code = kExitFailed;
    }
  }
  if (!junit.empty()) {
    std::ofstream out(junit, std::ios::binary | std::ios::trunc);
    out << ruletest::JUnitXml(results);
    if (!out) {
      std::cerr << "vigil test rules: cannot write " << junit << "\n";
      code = kExitBadInput;
    }
  }
  if (coverage) {
    const ruletest::Coverage c = ruletest::ComputeCoverage(results);
    ruletest::PrintCoverage(c, std::cout);
    if (c.percent < coverage_min) {
      std::cout << "FAILED: rule coverage " << c.percent
                << "% is below --coverage-min " << coverage_min << "%\n";
      if (code == kExitOk) code = kExitFailed;
    }
  }
  return code;
}

int RunCheckRules(int argc, char** argv) {
  ruletest::CheckOptions opts;
  bool fatal = false;
  std::vector<std::string> files;
  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string value;
    bool matched = false;
    if (arg == "-h" || arg == "--help") {
      std::cout << kCheckUsage;
      return kExitOk;
    }
    if (!FlagValue(argc, argv, &i, "--lint", &value, &matched)) {
      std::cerr << "vigil check rules: --lint needs a value\n" << kCheckUsage;
      return kExitBadInput;
    }
    if (matched) {
      opts.lint = absl::StrSplit(value, ',', absl::SkipEmpty());
      continue;
    }
    if (arg == "--lint-fatal") {
      fatal = true;
    } else if (arg == "--ignore-unknown-fields") {
      opts.ignore_unknown_fields = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::cerr << "vigil check rules: unknown flag " << arg << "\n"
                << kCheckUsage;
      return kExitBadInput;
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << kCheckUsage;
    return kExitBadInput;
  }
  bool errors = false, findings = false;
  for (const std::string& f : files) {
    const ruletest::CheckResult r = ruletest::CheckRuleFile(f, opts);
    ruletest::PrintCheckResult(r, std::cout, std::cerr);
    errors = errors || !r.errors.empty();
    findings = findings || !r.duplicates.empty() || !r.warnings.empty();
  }
  if (errors) return kExitFailed;
  if (findings && fatal) return kExitLintFatal;
  return kExitOk;
}

}  // namespace vigil::cli
