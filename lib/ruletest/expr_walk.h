// Walking a parsed PromQL expression: the metric names it selects (for
// coverage) and every node in order (for lint). Internal to vigil_ruletest.
#ifndef VIGIL_LIB_RULETEST_EXPR_WALK_H_
#define VIGIL_LIB_RULETEST_EXPR_WALK_H_

#include <functional>
#include <string>
#include <vector>

#include "vigil/promql/ast.h"

namespace vigil::ruletest {

// Calls `fn` on `expr` and every node below it, parents first.
void WalkExpr(const promql::Expr& expr,
              const std::function<void(const promql::Expr&)>& fn);

// The metric name a selector fixes (its name, or an equality matcher on
// __name__); empty when it has none.
std::string SelectorMetricName(const promql::VectorSelector& selector);

// Every metric name the expression's selectors fix.
std::vector<std::string> SelectedMetricNames(const promql::Expr& expr);

}  // namespace vigil::ruletest

#endif  // VIGIL_LIB_RULETEST_EXPR_WALK_H_
