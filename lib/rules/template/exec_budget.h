// What one template execution may still spend — time and `query` calls —
// drawn on by the executor at every step and by the functions that loop
// or call out.
#ifndef VIGIL_LIB_RULES_TEMPLATE_EXEC_BUDGET_H_
#define VIGIL_LIB_RULES_TEMPLATE_EXEC_BUDGET_H_

#include <chrono>

#include "absl/status/status.h"
#include "lib/rules/template/template.h"

namespace vigil::tmpl {

class ExecBudget {
 public:
  // Starts the clock: the deadline is options.timeout from now. `options`
  // must outlive the budget.
  explicit ExecBudget(const ExpandOptions& options);

  // "execution time exceeds the maximum of 10s" once the deadline has
  // passed.
  absl::Status CheckTime() const;
  // Counts a `query` call: "query calls exceed the maximum of 100" past
  // options.max_query_calls.
  absl::Status TakeQuery();

 private:
  std::chrono::steady_clock::time_point Now() const;

  const ExpandOptions& options_;
  std::chrono::steady_clock::time_point deadline_;
  int queries_ = 0;
};

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_EXEC_BUDGET_H_
