// The extra instant queries upstream's harness derives from every instant
// eval (atModifierTestCases in promql/promqltest/test.go): the expression
// with `@ <eval time>` added to every selector and subquery that lacks one
// (selectors inside a subquery are left alone, the subquery is pinned
// instead), evaluated at several other times. The results must not change,
// which checks that the engine honours `@`.
//
// Thread safety: pure function.
#ifndef VIGIL_TESTS_PROMQLTEST_AT_MODIFIER_VARIANTS_H_
#define VIGIL_TESTS_PROMQLTEST_AT_MODIFIER_VARIANTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::promqltest {

struct InstantQuery {
  std::string expr;
  int64_t eval_ms = 0;
};

// Empty when the expression calls a function whose result depends on the
// evaluation time even with pinned arguments (time(), timestamp(), hour(),
// predict_linear(), …: Prometheus's AtModifierUnsafeFunctions). The
// expression text is printed with promql::Format. Fails when `expr` does not
// parse.
absl::StatusOr<std::vector<InstantQuery>> AtModifierVariants(
    std::string_view expr, int64_t eval_ms);

}  // namespace vigil::promqltest

#endif  // VIGIL_TESTS_PROMQLTEST_AT_MODIFIER_VARIANTS_H_
