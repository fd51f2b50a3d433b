#include <algorithm>

#include "lib/rules/rule_impl.h"

namespace vigil::rules {

std::string_view Alert::Annotation(std::string_view name) const {
  for (const Label& l : annotations) {
    if (l.name == name) return l.value;
  }
  return "";
}

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "unknown";
}

std::string_view RuleHealthName(RuleHealth health) {
  // Prometheus's API values.
  switch (health) {
    case RuleHealth::kUnknown:
      return "unknown";
    case RuleHealth::kGood:
      return "ok";
    case RuleHealth::kBad:
      return "err";
  }
  return "unknown";
}

RuleHealth Rule::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

std::string Rule::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

int64_t Rule::last_eval_ms() const {
  std::lock_guard lock(mu_);
  return last_eval_ms_;
}

int64_t Rule::last_eval_duration_us() const {
  std::lock_guard lock(mu_);
  return last_eval_duration_us_;
}

std::vector<Alert> Rule::alerts() const {
  std::lock_guard lock(mu_);
  return alerts_snapshot_;
}

AlertState Rule::state() const {
  std::lock_guard lock(mu_);
  AlertState max = AlertState::kInactive;
  for (const Alert& a : alerts_snapshot_) max = std::max(max, a.state);
  return max;
}

void RuleImpl::RecordOutcome(const absl::Status& status, int64_t ts_ms,
                             int64_t duration_us) {
  std::lock_guard lock(mu_);
  health_ = status.ok() ? RuleHealth::kGood : RuleHealth::kBad;
  last_error_ = status.ok() ? "" : std::string(status.message());
  last_eval_ms_ = ts_ms;
  last_eval_duration_us_ = duration_us;
}

absl::StatusOr<promql::Vector> QueryVector(const RuleEvalContext& ctx,
                                           std::string_view text,
                                           const promql::Expr& expr) {
  const int64_t t = ctx.query_ms();
  const QueryFunc& query = ctx.options->query;
  auto result = query ? query(text, expr, t)
                      : ctx.engine->Evaluate(*ctx.storage, expr, t, t, 0);
  if (!result.ok()) return result.status();
  if (auto* v = std::get_if<promql::Vector>(&result->value)) {
    return std::move(*v);
  }
  if (auto* s = std::get_if<promql::Scalar>(&result->value)) {
    return promql::Vector{{Labels(), s->t, s->v}};
  }
  return absl::InvalidArgumentError("rule result is not a vector or scalar");
}

}  // namespace vigil::rules
