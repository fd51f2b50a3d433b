// `vigil check config`: the config file through exporter/config.cc's
// parser, its rule_files expanded as Prometheus does (globs relative to the
// config file), each rule file through vigil_ruletest's check.
#include "exporter/check_config_cli.h"

#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "exporter/config.h"
#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "vigil/rules.h"
#include "vigil/ruletest.h"

namespace vigil::cli {
namespace {

using exporter::Config;
using exporter::LoadConfig;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadFlags = 2;
constexpr int kExitLintFatal = 3;  // promtool's lintErrExitCode

constexpr std::string_view kUsage =
    R"(usage: vigil check config [<flags>] CONFIG-FILE...

Validates vigil configuration files (Prometheus's format) and the rule
files they reference (rule_files globs are relative to the config file).

Flags:
  --syntax-only          Only check the config file syntax, not the rule
                         files it references.
  --lint=CHECKS          Lint checks on the rule files, comma-separated:
                         duplicate-rules (default, as promtool's), all,
                         none, counter-functions, short-for, annotations.
  --lint-fatal           Exit 3 when a lint check finds something.

Exit status: 0 valid, 1 invalid, 3 lint findings with --lint-fatal.
)";

// Prometheus's checkConfig: every rule_files pattern expanded; a pattern
// without '*' must name an existing file.
absl::StatusOr<std::vector<std::string>> RuleFiles(const Config& config) {
  std::vector<std::string> files;
  for (const std::string& pattern : config.rule_files) {
    std::vector<std::string> matched = rules::ExpandFileGlobs({pattern});
    if (pattern.find('*') == std::string::npos && matched.empty()) {
      return absl::NotFoundError(absl::StrCat(
          QuoteString(pattern), " does not point to an existing file"));
    }
    files.insert(files.end(), matched.begin(), matched.end());
  }
  return files;
}

}  // namespace

int RunCheckConfig(int argc, char** argv) {
  ruletest::CheckOptions rule_options;
  rule_options.lint = {"duplicate-rules"};
  bool syntax_only = false, fatal = false;
  std::vector<std::string> files;
  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (arg == "--lint" && i + 1 < argc) {
      rule_options.lint = absl::StrSplit(argv[++i], ',', absl::SkipEmpty());
    } else if (arg.starts_with("--lint=")) {
      rule_options.lint =
          absl::StrSplit(ToAbsl(arg.substr(7)), ',', absl::SkipEmpty());
    } else if (arg == "--lint-fatal") {
      fatal = true;
    } else if (arg == "--syntax-only") {
      syntax_only = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::cerr << "vigil check config: unknown flag " << arg << "\n" << kUsage;
      return kExitBadFlags;
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << kUsage;
    return kExitBadFlags;
  }

  bool errors = false, findings = false;
  for (const std::string& file : files) {
    std::cout << "Checking " << file << "\n";
    absl::StatusOr<Config> config =
        std::filesystem::exists(file)
            ? LoadConfig(file)
            : absl::NotFoundError(
                  absl::StrCat("open ", file, ": no such file or directory"));
    absl::StatusOr<std::vector<std::string>> rule_files =
        std::vector<std::string>{};
    if (config.ok() && !syntax_only) rule_files = RuleFiles(*config);
    if (!config.ok() || !rule_files.ok()) {
      const absl::Status& s =
          config.ok() ? rule_files.status() : config.status();
      std::cerr << "  FAILED: " << s.message() << "\n";
      std::cout << "\n";
      errors = true;
      continue;
    }
    if (!rule_files->empty()) {
      std::cout << "  SUCCESS: " << rule_files->size() << " rule files found\n";
    }
    std::cout << " SUCCESS: " << file
              << " is valid prometheus config file syntax\n\n";
    for (const std::string& rule_file : *rule_files) {
      const ruletest::CheckResult r =
          ruletest::CheckRuleFile(rule_file, rule_options);
      ruletest::PrintCheckResult(r, std::cout, std::cerr);
      errors = errors || !r.errors.empty();
      findings = findings || !r.duplicates.empty() || !r.warnings.empty();
    }
  }
  std::cout.flush();
  if (errors) return kExitFailed;
  if (findings && fatal) return kExitLintFatal;
  return kExitOk;
}

}  // namespace vigil::cli
