#include "lib/rules/template/exec_budget.h"

#include "lib/model/absl_compat.h"
#include "lib/rules/template/go_format.h"

namespace vigil::tmpl {

ExecBudget::ExecBudget(const ExpandOptions& options) : options_(options) {
  const auto now = Now();
  // A timeout past the clock's range means none.
  deadline_ =
      options.timeout >= std::chrono::steady_clock::time_point::max() - now
          ? std::chrono::steady_clock::time_point::max()
          : now + options.timeout;
}

std::chrono::steady_clock::time_point ExecBudget::Now() const {
  return options_.monotonic_clock ? options_.monotonic_clock()
                                  : std::chrono::steady_clock::now();
}

absl::Status ExecBudget::CheckTime() const {
  if (Now() <= deadline_) return absl::OkStatus();
  return absl::DeadlineExceededError(Cat(
      "execution time exceeds the maximum of ",
      GoDurationString(
          std::chrono::duration_cast<std::chrono::nanoseconds>(options_.timeout)
              .count())));
}

absl::Status ExecBudget::TakeQuery() {
  if (++queries_ <= options_.max_query_calls) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      Cat("query calls exceed the maximum of ", options_.max_query_calls));
}

}  // namespace vigil::tmpl
