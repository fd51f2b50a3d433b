// The evaluation side of rules, shared by recording and alerting rules.
// Internal to lib/rules.
#ifndef VIGIL_LIB_RULES_RULE_IMPL_H_
#define VIGIL_LIB_RULES_RULE_IMPL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"

namespace vigil::rules {

struct RuleEvalContext {
  int64_t ts_ms = 0;            // the group's evaluation time
  int64_t query_offset_ms = 0;  // queries run at ts - offset
  int64_t limit = 0;            // 0: unlimited
  bool restored = true;         // write ALERTS_FOR_STATE only once restored
  Storage* storage = nullptr;
  const promql::Engine* engine = nullptr;
  const GroupOptions* options = nullptr;

  int64_t query_ms() const { return ts_ms - query_offset_ms; }
};

// Runs `expr` (parsed from `text`) as an instant query at ctx.query_ms(),
// through GroupOptions::query or else the engine, and takes the result the
// way Prometheus's EngineQueryFunc does: a scalar becomes a one-element
// vector without labels; a matrix or string is an error.
absl::StatusOr<promql::Vector> QueryVector(const RuleEvalContext& ctx,
                                           std::string_view text,
                                           const promql::Expr& expr);

class RuleImpl : public Rule {
 public:
  // The samples the rule writes at this evaluation; an error marks the rule
  // unhealthy and writes nothing.
  virtual absl::StatusOr<promql::Vector> Eval(const RuleEvalContext& ctx) = 0;

  void RecordOutcome(const absl::Status& status, int64_t ts_ms,
                     int64_t duration_us);
};

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_RULE_IMPL_H_
