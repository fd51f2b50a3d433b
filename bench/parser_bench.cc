// PromQL parsing (lexing, parsing and type checking) and printing, over
// the 2,214 eval expressions of Prometheus's engine tests and over the
// PodPrivilegedMode alert rule.
//
// Finds ../shared/promqltest through VIGIL_SHARED_DIR, else next to the
// source tree.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

constexpr std::string_view kPodPrivilegedMode =
    R"(kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0)";

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("VIGIL_SHARED_DIR")) return env;
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "shared";
}

// The expressions of every `eval` line that parses with the experimental
// features on, as Prometheus's test harness runs them.
const std::vector<std::string>& PromqltestExpressions() {
  static const std::vector<std::string> exprs = [] {
    const std::regex eval(
        R"(^\s*eval(?:_\w+)?\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*\S)\s*$)");
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator(SharedDir() / "promqltest", ec)) {
      if (e.path().extension() == ".test") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::string line;
      std::smatch m;
      while (std::getline(in, line)) {
        if (!std::regex_match(line, m, eval)) continue;
        if (ParseExpr(m[1].str(), ParseOptions::AllExperimental()).ok()) {
          out.push_back(m[1].str());
        }
      }
    }
    if (out.empty()) {
      std::cerr << "parser_bench: no expressions under " << SharedDir()
                << "/promqltest (set VIGIL_SHARED_DIR)\n";
    }
    return out;
  }();
  return exprs;
}

// Reports items/s and, as time_per_expr, the time one expression takes.
void ReportPerExpression(benchmark::State& state, size_t n) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["time_per_expr"] = benchmark::Counter(
      static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                  benchmark::Counter::kInvert);
}

void BM_ParseExpr_PromqltestEvals(benchmark::State& state) {
  const auto& exprs = PromqltestExpressions();
  if (exprs.empty()) {
    state.SkipWithError("promqltest expressions not found");
    return;
  }
  const auto options = ParseOptions::AllExperimental();
  for (auto _ : state) {
    for (const auto& e : exprs) {
      auto parsed = ParseExpr(e, options);
      benchmark::DoNotOptimize(parsed);
    }
  }
  ReportPerExpression(state, exprs.size());
}
BENCHMARK(BM_ParseExpr_PromqltestEvals);

void BM_Parse_PodPrivilegedMode(benchmark::State& state) {
  for (auto _ : state) {
    auto parsed = ParseExpr(kPodPrivilegedMode);
    benchmark::DoNotOptimize(parsed);
  }
  ReportPerExpression(state, 1);
}
BENCHMARK(BM_Parse_PodPrivilegedMode);

void BM_Format_PromqltestEvals(benchmark::State& state) {
  std::vector<ExprPtr> trees;
  for (const auto& e : PromqltestExpressions()) {
    trees.push_back(*ParseExpr(e, ParseOptions::AllExperimental()));
  }
  if (trees.empty()) {
    state.SkipWithError("promqltest expressions not found");
    return;
  }
  for (auto _ : state) {
    for (const auto& t : trees) {
      std::string text = Format(*t);
      benchmark::DoNotOptimize(text);
    }
  }
  ReportPerExpression(state, trees.size());
}
BENCHMARK(BM_Format_PromqltestEvals);

void BM_Format_PodPrivilegedMode(benchmark::State& state) {
  auto parsed = ParseExpr(kPodPrivilegedMode);
  if (!parsed.ok()) {
    state.SkipWithError("PodPrivilegedMode does not parse");
    return;
  }
  for (auto _ : state) {
    std::string text = Format(**parsed);
    benchmark::DoNotOptimize(text);
  }
  ReportPerExpression(state, 1);
}
BENCHMARK(BM_Format_PodPrivilegedMode);

}  // namespace
}  // namespace vigil::promql
