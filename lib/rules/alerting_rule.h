// An alerting rule and the state machine of its alerts, as Prometheus's
// rules/alerting.go runs it. Internal to lib/rules.
#ifndef VIGIL_LIB_RULES_ALERTING_RULE_H_
#define VIGIL_LIB_RULES_ALERTING_RULE_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/rules/alert_template.h"
#include "lib/rules/rule_impl.h"

namespace vigil::rules {

class AlertingRule : public RuleImpl {
 public:
  static absl::StatusOr<std::unique_ptr<AlertingRule>> Create(
      RuleSpec spec, promql::ExprPtr expr);

  const RuleSpec& spec() const override { return spec_; }
  const promql::Expr& expr() const override { return *expr_; }
  absl::StatusOr<promql::Vector> Eval(const RuleEvalContext& ctx) override;

  // The alerts to hand to Alertmanager at `ts_ms`, stamping last_sent_at and
  // valid_until on them.
  std::vector<Alert> AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                  int64_t interval_ms);

  // Restores `for` clocks from ALERTS_FOR_STATE (see RuleGroup), read from
  // the local store or else GroupOptions::for_state_fallback; does nothing
  // for a rule restored from a state file. An error (the fallback's) leaves
  // the clocks as they were.
  absl::Status RestoreForState(const RuleEvalContext& ctx,
                               int64_t outage_tolerance_ms,
                               int64_t for_grace_period_ms);
  // Replaces the alerts with those a state file saved as of `down_at_ms`
  // (the group's last evaluation), restoring them at `now_ms` (see
  // RuleManager::LoadState). Returns how many were kept.
  int RestoreSavedAlerts(const std::vector<Alert>& saved, int64_t down_at_ms,
                         int64_t now_ms, int64_t outage_tolerance_ms,
                         int64_t for_grace_period_ms);
  void CopyStateFrom(const AlertingRule& old);

 private:
  AlertingRule(RuleSpec spec, promql::ExprPtr expr,
               std::vector<std::pair<std::string, AlertTemplate>> labels,
               std::vector<std::pair<std::string, AlertTemplate>> annotations);
  promql::VectorSample StateSample(const Alert& a, std::string_view metric,
                                   int64_t t, double v, bool with_state) const;
  void PublishSnapshot();
  // The last sample in [mint, maxt] of every series matching `matchers`.
  static absl::StatusOr<promql::Vector> LastSamples(Storage& storage,
                                                    const Matchers& matchers,
                                                    int64_t mint, int64_t maxt);

  RuleSpec spec_;
  promql::ExprPtr expr_;
  std::vector<std::pair<std::string, AlertTemplate>> label_templates_;
  std::vector<std::pair<std::string, AlertTemplate>> annotation_templates_;
  // Keyed by the hash of the alert's labels (rule labels applied).
  absl::flat_hash_map<uint64_t, Alert> active_;
  // The state file spoke for this rule; ALERTS_FOR_STATE is not consulted.
  bool restored_from_file_ = false;
};

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_ALERTING_RULE_H_
