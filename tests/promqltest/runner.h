// Executes a parsed promqltest file against vigil's engine on a fresh
// MemoryStorage, as upstream's harness does (promql/promqltest/test.go):
// range evals once; instant evals at their time, then again with `@` pinned
// selectors at other times (at_modifier_variants.h), each of those also as a
// range query from t-1m to t+1m step 1m whose point at t must match.
//
// Every eval ends in exactly one outcome. UNSUPPORTED is never a pass: it
// marks evals vigil cannot judge (native histograms, the engine returning
// Unimplemented), with the reason.
//
// Thread safety: RunTestFile may run concurrently on distinct files; the
// Engine is shared read-only.
#ifndef VIGIL_TESTS_PROMQLTEST_RUNNER_H_
#define VIGIL_TESTS_PROMQLTEST_RUNNER_H_

#include <map>
#include <string>
#include <vector>

#include "tests/promqltest/test_file.h"
#include "vigil/promql/engine.h"

namespace vigil::promqltest {

// What Prometheus's test engine is built with (NewTestEngine with
// DefaultMaxSamplesPerQuery): lookback 5m, 10,000 samples, 100s timeout,
// `[x:]` subqueries at 1m, delayed __name__ removal, every experimental
// parser feature. `@` and negative offsets are always on in vigil.
promql::EngineOptions ReferenceEngineOptions();

enum class Outcome { kPass, kFail, kUnsupported };

struct EvalResult {
  Outcome outcome = Outcome::kPass;
  int line = 0;
  std::string expr;
  // Why it failed (expected versus got) or why it is unsupported.
  std::string message;
};

struct FileReport {
  int passed = 0;
  int failed = 0;
  int unsupported = 0;
  // Failed and unsupported evals, in file order.
  std::vector<EvalResult> results;
  std::map<std::string, int> unsupported_by_reason;
};

FileReport RunTestFile(const TestFile& file, const promql::Engine& engine);

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_RUNNER_H_
