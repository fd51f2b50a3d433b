// promqltest [-v] FILE...: runs Prometheus's PromQL test files against
// vigil's engine configured as Prometheus's own test harness.
//
// Per file it prints each failed eval (file:line, query, expected versus
// got) and a line `FILE: N passed, N failed, N unsupported` followed by the
// unsupported evals counted per reason; -v also lists every unsupported
// eval. The last line is `N passed, N failed, N skipped` (skipped =
// unsupported). Exits 1 when any eval failed or a file could not be read or
// parsed, 2 on bad usage.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/promqltest/runner.h"
#include "tests/promqltest/test_file_parser.h"
#include "vigil/promql/engine.h"
#include "vigil/promql/series_description.h"

namespace {

using vigil::promqltest::FileReport;
using vigil::promqltest::Outcome;

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

void PrintReport(const std::string& path, const FileReport& r, bool verbose) {
  for (const auto& e : r.results) {
    if (e.outcome == Outcome::kFail) {
      std::printf("%s:%d: FAIL: %s\n    %s\n", path.c_str(), e.line,
                  e.expr.c_str(), e.message.c_str());
    } else if (verbose) {
      std::printf("%s:%d: UNSUPPORTED (%s): %s\n", path.c_str(), e.line,
                  e.message.c_str(), e.expr.c_str());
    }
  }
  std::printf("%s: %d passed, %d failed, %d unsupported\n", path.c_str(),
              r.passed, r.failed, r.unsupported);
  for (const auto& [reason, n] : r.unsupported_by_reason) {
    std::printf("    unsupported (%d): %s\n", n, reason.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-v") {
      verbose = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "usage: promqltest [-v] FILE...\n");
      return 2;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: promqltest [-v] FILE...\n");
    return 2;
  }

  const vigil::promql::Engine engine(
      vigil::promqltest::ReferenceEngineOptions());
  auto parse_series = [](std::string_view line) {
    return vigil::promql::ParseSeriesDescription(line);
  };
  int passed = 0, failed = 0, skipped = 0;
  bool broken_file = false;
  for (const std::string& path : files) {
    std::string text;
    if (!ReadFile(path, &text)) {
      std::printf("%s: cannot read file\n", path.c_str());
      broken_file = true;
      continue;
    }
    auto parsed = vigil::promqltest::ParseTestFile(text, parse_series);
    if (!parsed.ok()) {
      std::printf("%s: %s\n", path.c_str(),
                  std::string(parsed.status().message()).c_str());
      broken_file = true;
      continue;
    }
    FileReport report = vigil::promqltest::RunTestFile(*parsed, engine);
    PrintReport(path, report, verbose);
    passed += report.passed;
    failed += report.failed;
    skipped += report.unsupported;
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed > 0 || broken_file ? 1 : 0;
}
