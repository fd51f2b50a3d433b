// Judging one query result against an eval's expectations, as upstream's
// evalCmd.compareResult / checkAnnotations / checkExpectedFailure do
// (promql/promqltest/test.go). Each check returns OK or a FailedPrecondition
// status whose message says what was expected and what came back.
//
// Thread safety: pure functions.
#ifndef VIGIL_TESTS_PROMQLTEST_EXPECTATIONS_H_
#define VIGIL_TESTS_PROMQLTEST_EXPECTATIONS_H_

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "tests/promqltest/test_file.h"
#include "vigil/promql/engine.h"

namespace vigil::promqltest {

// upstream's defaultEpsilon: relative error allowed between sample values.
inline constexpr double kDefaultEpsilon = 0.000001;

using QueryValue = decltype(promql::QueryResult::value);

// Prometheus's almost.Equal: NaN equals NaN, the staleness marker equals
// only itself, zero and subnormal values compare absolutely.
bool AlmostEqual(double a, double b, double epsilon = kDefaultEpsilon);

// Values, labels, order (for `ordered` vectors) and timestamps (matrices).
absl::Status CompareResult(const EvalCommand& ev, const QueryValue& value);

// `expect warn|info|no_warn|no_info` and the eval_warn/eval_info forms.
// Without any of them annotations are not looked at, as upstream.
absl::Status CheckAnnotations(const EvalCommand& ev, std::string_view expr,
                              const std::vector<std::string>& warnings,
                              const std::vector<std::string>& infos);

// For an eval expected to fail that did: whether the error text matches
// `expect fail msg:/regex:` or eval_fail's expected_fail_* lines.
absl::Status CheckExpectedFailure(const EvalCommand& ev,
                                  std::string_view error);

// Range query results must come sorted by labels.
absl::Status AssertMatrixSorted(const promql::Matrix& matrix);

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_EXPECTATIONS_H_
