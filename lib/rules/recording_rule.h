// A recording rule: its expression's result renamed to the record name, with
// the rule's labels applied. Internal to lib/rules.
#ifndef VIGIL_LIB_RULES_RECORDING_RULE_H_
#define VIGIL_LIB_RULES_RECORDING_RULE_H_

#include "absl/container/flat_hash_set.h"
#include "lib/rules/derived_labels.h"
#include "lib/rules/rule_impl.h"

namespace vigil::rules {

class RecordingRule : public RuleImpl {
 public:
  RecordingRule(RuleSpec spec, promql::ExprPtr expr)
      : spec_(std::move(spec)), expr_(std::move(expr)) {}
  const RuleSpec& spec() const override { return spec_; }
  const promql::Expr& expr() const override { return *expr_; }
  absl::StatusOr<promql::Vector> Eval(const RuleEvalContext& ctx) override;

 private:
  // The result series' labels renamed, the rule's labels applied.
  Labels OutputLabels(const Labels& metric) const;

  RuleSpec spec_;
  promql::ExprPtr expr_;
  DerivedLabels derived_;               // output labels by result series
  absl::flat_hash_set<uint64_t> seen_;  // per evaluation, kept for its memory
};

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_RECORDING_RULE_H_
