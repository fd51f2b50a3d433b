// An alerting rule and the state machine of its alerts, as Prometheus's
// rules/alerting.go runs it. Internal to lib/rules.
#ifndef VIGIL_LIB_RULES_ALERTING_RULE_H_
#define VIGIL_LIB_RULES_ALERTING_RULE_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "lib/rules/alert_template.h"
#include "lib/rules/derived_labels.h"
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
  // An alert and the label sets of the series it writes. They depend only
  // on the alert's labels (and, for ALERTS, its state), which never change
  // for an instance: each is built the first time it is written and then
  // written by the same object at every evaluation, so its hash is
  // computed once and the group finds its series by address.
  struct Instance {
    explicit Instance(Alert a) : alert(std::move(a)) {}
    Alert alert;
    Labels alerts_series[3];  // ALERTS, by AlertState
    Labels for_state_series;  // ALERTS_FOR_STATE
  };
  // An alert of this evaluation, before it is merged into active_.
  struct Found {
    uint64_t hash;
    Labels labels;
    double value;
    std::vector<Label> annotations;
  };

  AlertingRule(RuleSpec spec, promql::ExprPtr expr, std::vector<Label> literal,
               std::vector<std::pair<std::string, AlertTemplate>> labels,
               std::vector<std::pair<std::string, AlertTemplate>> annotations);
  // The alert's labels for a result series: the series' labels without
  // __name__, the rule's labels (expanded) and alertname.
  Labels AlertLabels(const Labels& metric, const AlertTemplateData& data) const;
  // ALERTS{alertstate=…} (with_state) or ALERTS_FOR_STATE for `a`, as
  // Prometheus's AlertingRule.sample and forStateSample label them.
  Labels StateSeries(const Alert& a, std::string_view metric,
                     bool with_state) const;
  const Labels& AlertsSeries(Instance& in) const;
  const Labels& ForStateSeries(Instance& in) const;
  void PublishSnapshot();
  // The last sample in [mint, maxt] of every series matching `matchers`.
  static absl::StatusOr<promql::Vector> LastSamples(Storage& storage,
                                                    const Matchers& matchers,
                                                    int64_t mint, int64_t maxt);

  RuleSpec spec_;
  promql::ExprPtr expr_;
  // The rule's labels without a template, and those with one.
  std::vector<Label> literal_labels_;
  std::vector<std::pair<std::string, AlertTemplate>> label_templates_;
  std::vector<std::pair<std::string, AlertTemplate>> annotation_templates_;
  // Keyed by the hash of the alert's labels (rule labels applied).
  absl::flat_hash_map<uint64_t, Instance> active_;
  // Alert labels by result series, when no rule label is templated (a
  // template may read $value or the time, so its labels are built anew).
  DerivedLabels derived_;
  // Per evaluation, kept for their memory.
  std::vector<Found> found_;
  absl::flat_hash_set<uint64_t> current_;
  std::vector<uint64_t> to_delete_;
  // The keys of active_ in the order of the alerts' labels, for the
  // snapshot; invalid once an alert is added or removed.
  std::vector<uint64_t> sorted_;
  bool sorted_valid_ = false;
  // The state file spoke for this rule; ALERTS_FOR_STATE is not consulted.
  bool restored_from_file_ = false;
};

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_ALERTING_RULE_H_
