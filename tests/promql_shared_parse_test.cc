// Every `eval` expression of Prometheus's own engine tests
// (../shared/promqltest/*.test) parses with the experimental features on,
// as Prometheus's harness runs them. Evals that expect failure may fail at
// parse time or later; they are only counted.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("VIGIL_SHARED_DIR")) return env;
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "shared";
}

struct Eval {
  std::string file;
  int line = 0;
  std::string expr;
  bool expect_fail = false;
};

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The expression of an `eval` line: after `instant at <t>` or after
// `range from <a> to <b> step <s>`; empty when `line` is no eval.
std::string EvalExpression(const std::string& line, std::string* command) {
  std::istringstream in(line);
  std::string word;
  in >> *command;
  if (command->rfind("eval", 0) != 0) return "";
  std::string kind;
  in >> kind;
  const int skip = kind == "instant" ? 2 : kind == "range" ? 6 : -1;
  if (skip < 0) return "";
  for (int i = 0; i < skip; ++i) in >> word;
  std::string rest;
  std::getline(in, rest);
  return Trim(rest);
}

std::vector<Eval> ReadEvals(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<Eval> evals;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string command;
    const std::string expr = EvalExpression(Trim(lines[i]), &command);
    if (expr.empty()) continue;
    Eval e;
    e.file = path.filename().string();
    e.line = static_cast<int>(i + 1);
    e.expr = expr;
    e.expect_fail = command == "eval_fail";
    for (size_t j = i + 1; j < lines.size() && !Trim(lines[j]).empty(); ++j) {
      if (Trim(lines[j]).rfind("expect fail", 0) == 0) e.expect_fail = true;
    }
    evals.push_back(e);
  }
  return evals;
}

TEST(PromqlSharedParseTest, EveryEvalExpressionParses) {
  const std::filesystem::path dir = SharedDir() / "promqltest";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  ASSERT_FALSE(files.empty());
  int parsed = 0, fail_evals = 0, fail_at_parse = 0, total = 0;
  std::vector<std::string> failures;
  for (const auto& f : files) {
    for (const Eval& e : ReadEvals(f)) {
      ++total;
      auto result = ParseExpr(e.expr, ParseOptions::AllExperimental());
      if (e.expect_fail) {
        ++fail_evals;
        if (!result.ok()) ++fail_at_parse;
        continue;
      }
      if (result.ok()) {
        ++parsed;
      } else {
        failures.push_back(e.file + ":" + std::to_string(e.line) + ": " +
                           e.expr + " -> " +
                           std::string(result.status().message()));
      }
    }
  }
  std::string report;
  for (const auto& f : failures) report += "  " + f + "\n";
  EXPECT_TRUE(failures.empty())
      << failures.size() << " eval expressions do not parse:\n"
      << report;
  EXPECT_GT(total, 2000);
  std::cout << "[shared] " << total << " evals: " << parsed << " parse; "
            << fail_evals << " expect failure, of which " << fail_at_parse
            << " fail at parse time\n";
}

}  // namespace
}  // namespace vigil::promql
