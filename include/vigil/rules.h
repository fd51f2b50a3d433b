// Rules: recording and alerting rules evaluated in groups, as Prometheus's
// rules package does.
//
// A RuleGroup is built from a RuleGroupSpec (vigil/rule_file.h). Eval(ts)
// evaluates its rules once, in order, at `ts - query_offset`: each rule sees
// what earlier rules of the same evaluation wrote. Recording rules write
// their output through the group's Appender, and a staleness marker for each
// series a rule produced last time but not this time. Alerting rules move
// their alerts inactive → pending → firing (`for`), keep firing for
// `keep_firing_for` after the condition clears, keep resolved alerts for 15
// minutes so that Alertmanager hears of the resolution, and write
// ALERTS{alertstate=…} and ALERTS_FOR_STATE series. A rule that fails (a
// query error, an exceeded `limit`, a duplicate label set after applying
// labels) records its error and health and is counted; the group goes on to
// the next rule. A failed alerting rule leaves its alerts as they were (no
// resolution, no new `for` clock) and sends nothing until it evaluates
// again, as Prometheus's: Alertmanager keeps them until their endsAt
// (valid_until, four intervals or resend delays after the last send).
//
// Queries run on the engine over the store, or through GroupOptions::query
// (a remote datasource); results go to the Appendable either way.
//
// Alerts to send are handed to the group's AlertSink after each alerting
// rule, with Prometheus's resend logic (resend_delay, valid_until).
//
// Thread safety: Eval() of one group must not run concurrently with itself;
// the accessors (rules(), alerts, health) may be called from other threads
// while it runs. Different groups are independent.
#ifndef VIGIL_RULES_H_
#define VIGIL_RULES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/matcher.h"
#include "vigil/promql/engine.h"
#include "vigil/rule_file.h"
#include "vigil/storage.h"

namespace vigil::rules {

inline constexpr std::string_view kAlertMetricName = "ALERTS";
inline constexpr std::string_view kAlertForStateMetricName = "ALERTS_FOR_STATE";
inline constexpr std::string_view kAlertNameLabel = "alertname";
inline constexpr std::string_view kAlertStateLabel = "alertstate";
// Prometheus keeps resolved alerts this long so Alertmanager learns of them.
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState state);  // "inactive", …

enum class RuleHealth { kUnknown, kGood, kBad };
std::string_view RuleHealthName(RuleHealth health);  // "unknown", "ok", "err"

struct Alert {
  AlertState state = AlertState::kInactive;
  Labels labels;                   // the rule's labels applied, alertname set
  std::vector<Label> annotations;  // expanded templates
  double value = 0;
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;
  int64_t resolved_at_ms = 0;  // 0 while active
  int64_t last_sent_at_ms = 0;
  int64_t valid_until_ms = 0;
  int64_t keep_firing_since_ms = 0;

  // The expanded annotation `name`; "" when the rule has none by that name.
  std::string_view Annotation(std::string_view name) const;
};

// Receives alerts that need sending; `expr` is the rule's expression (for
// the generator URL). Called on the evaluating thread.
using AlertSink =
    std::function<void(const std::string& expr, const std::vector<Alert>&)>;

// Prometheus's rules.QueryFunc: runs `expr` (parsed from `text`, the
// expression as written) as an instant query at `t_ms`, for rule
// expressions and templates' `query`. Any result type may come back; the
// rules accept a vector, and a scalar as a one-sample vector without labels
// (Prometheus's EngineQueryFunc), and fail on anything else with "rule
// result is not a vector or scalar". An error fails the rule's evaluation.
// Called on the evaluating thread; must be safe to call from several
// groups' threads at once.
using QueryFunc = std::function<absl::StatusOr<promql::QueryResult>(
    std::string_view text, const promql::Expr& expr, int64_t t_ms)>;

// Reads, for every series matching `matchers`, its last sample in
// [mint_ms, maxt_ms]: labels in `metric`, the sample in `t` and `v`. Where
// `for` state is restored from when the local store has none.
using LastSampleReader = std::function<absl::StatusOr<promql::Vector>(
    const Matchers& matchers, int64_t mint_ms, int64_t maxt_ms)>;

// A rule that failed to evaluate, or whose `for` state could not be read,
// for the log (Prometheus logs "Evaluating rule failed").
struct RuleFailure {
  std::string file;
  std::string group;
  std::string rule;
  bool restoring = false;  // reading ALERTS_FOR_STATE, not evaluating
  absl::Status status;
};

struct GroupOptions {
  Storage* storage = nullptr;  // what local queries and restores read
  // Where rule output goes: recording rules' samples, ALERTS and
  // ALERTS_FOR_STATE (typically the same tsdb::Head as `storage`).
  Appendable* appendable = nullptr;
  // Parses expressions; also runs them when `query` is empty.
  const promql::Engine* engine = nullptr;
  // Where rule expressions run instead of `engine` over `storage` (a
  // remote datasource); empty: locally.
  QueryFunc query;
  // Where `for` state comes from when `storage` has no ALERTS_FOR_STATE
  // for a rule (the datasource's, as vmalert restores); may be empty.
  LastSampleReader for_state_fallback;
  AlertSink notify;  // may be empty
  // Told of each failed rule evaluation and restore; may be empty.
  std::function<void(const RuleFailure&)> on_failure;
  int64_t default_interval_ms = 60 * 1000;
  int64_t default_query_offset_ms = 0;  // global rule_query_offset
  int64_t resend_delay_ms = 60 * 1000;  // --rules.alert.resend-delay
  // Restoring `for` state after a restart (Prometheus's defaults).
  int64_t outage_tolerance_ms = 60 * 60 * 1000;
  int64_t for_grace_period_ms = 10 * 60 * 1000;
  Labels external_labels;
  std::string external_url;
  // Annotations are expanded for every alert at every evaluation, as
  // Prometheus does; a caller that never reads them (a replay without
  // after_eval) turns this off and the alerts carry none. Their templates
  // cannot fail a rule, so nothing else changes.
  bool expand_annotations = true;
};

class Rule;

class RuleGroup {
 public:
  // Fails if an expression does not parse or a template does not compile.
  static absl::StatusOr<std::unique_ptr<RuleGroup>> Create(
      const RuleGroupSpec& spec, GroupOptions options);
  ~RuleGroup();

  // Evaluates every rule at `ts_ms` (the query runs at ts - query_offset).
  void Eval(int64_t ts_ms);
  // Evaluates rule `index` alone at `ts_ms`: Eval(ts) is EvalRule(i, ts) for
  // every rule in order, plus the group's own timing (last_eval_ms and its
  // duration, which EvalRule leaves alone). A caller may evaluate
  // rule-major — every time of rule 0, then of rule 1, … — when no rule
  // reads what it or a later rule of the group writes (vigil replay does,
  // to batch each rule's queries into range queries). `index` must be below
  // rules().size().
  void EvalRule(size_t index, int64_t ts_ms);

  // The evaluation time at or before `now_ms` on this group's grid: the
  // interval plus a stable per-group offset, so groups spread out.
  int64_t AlignedEvalTime(int64_t now_ms) const;

  // Restores alerts' `for` clocks from ALERTS_FOR_STATE as Prometheus does
  // after a restart (call once, after the first Eval). Until then the group
  // writes no ALERTS_FOR_STATE samples.
  void RestoreForState(int64_t ts_ms);
  // Marks the group restored without reading old state (fresh start).
  void SetRestored();
  bool restored() const;

  // Carries alert state over from the same-named rules of an older group
  // (on reload).
  void CopyStateFrom(const RuleGroup& old);

  const std::string& name() const;
  const std::string& file() const;
  int64_t interval_ms() const;
  int64_t query_offset_ms() const;
  int64_t limit() const;
  const std::vector<std::unique_ptr<Rule>>& rules() const;
  int64_t last_eval_ms() const;
  int64_t last_eval_duration_us() const;
  // Rule evaluations and failed ones since the group was created (carried
  // over on reload), as Prometheus's prometheus_rule_evaluations_total and
  // prometheus_rule_evaluation_failures_total count them: one per rule.
  uint64_t evaluations_total() const;
  uint64_t evaluation_failures_total() const;

 private:
  struct State;
  explicit RuleGroup(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// One rule of a group; snapshots are safe to read from any thread.
class Rule {
 public:
  virtual ~Rule() = default;
  virtual const RuleSpec& spec() const = 0;
  // The parsed expression, alive as long as the rule: the object the
  // rule hands to GroupOptions::query, which tells it from a template's
  // query by address.
  virtual const promql::Expr& expr() const = 0;
  bool is_alert() const { return spec().is_alert(); }
  const std::string& name() const { return spec().name(); }

  RuleHealth health() const;
  std::string last_error() const;
  int64_t last_eval_ms() const;
  int64_t last_eval_duration_us() const;
  // Alerting rules: every alert including resolved ones still retained.
  std::vector<Alert> alerts() const;
  // The most severe state among the rule's alerts.
  AlertState state() const;

 protected:
  mutable std::mutex mu_;
  RuleHealth health_ = RuleHealth::kUnknown;
  std::string last_error_;
  int64_t last_eval_ms_ = 0;
  int64_t last_eval_duration_us_ = 0;
  std::vector<Alert> alerts_snapshot_;
};

// What RuleManager::LoadState restored, for the log.
struct AlertStateLoadSummary {
  int64_t saved_at_ms = 0;
  int rules_restored = 0;   // current rules the file speaks for
  int rules_unmatched = 0;  // rules in the file that no current group has
  int alerts_restored = 0;
  // Not restored: pending or firing past the outage tolerance, resolved past
  // their retention, or pending with a `for` under the grace period.
  int alerts_dropped = 0;
};

// Owns the rule groups of a set of rule files and evaluates each group on
// its own thread at its aligned times, as Prometheus's rules.Manager does.
//
// Update() loads the files (glob patterns allowed), builds every group and
// swaps them in atomically: if any file fails, nothing changes and the
// error says which file, line and column. Groups that exist before and after
// (same file and name) keep their alert state. The first evaluation of a
// group after Start() restores `for` state from ALERTS_FOR_STATE.
//
// State file (`--state.file`): SaveState() writes every alerting rule's
// alerts to a JSON file, atomically; it may run at any time, also while the
// groups evaluate (the caller chooses when: periodically, and after Stop()).
// LoadState() reads such a file after Update() and before Start(), and
// restores the rules it names the way Prometheus restores from
// ALERTS_FOR_STATE, with downtime = now - the group's last evaluation
// before the save (the time of its state; the save time if none):
// - pending and firing alerts only if downtime <= outage_tolerance;
// - a pending alert's `for` clock does not count the downtime (active_at +=
//   downtime), but it fires no earlier than for_grace_period after the
//   restart; with a `for` under the grace period it starts its `for` again;
// - a firing alert stays firing (active_at, fired_at, last sent kept);
// - a resolved alert still in its 15-minute retention is kept, so its
//   resolution is still sent.
// Those rules then skip the ALERTS_FOR_STATE restore; rules the file does
// not name use it as before. A file that is missing (NotFound), too large,
// corrupt or of an unknown version is an error that changes nothing.
//
// Thread safety: all methods may be called from any thread.
class RuleManager {
 public:
  explicit RuleManager(GroupOptions options, RuleFileOptions file_options = {});
  ~RuleManager();
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Replaces the groups with those of the files the glob patterns match.
  // All or nothing: on any error (every one is listed, one per line) the
  // running groups stay as they were.
  absl::Status Update(const std::vector<std::string>& file_patterns);
  // The same for rule files held in memory (embedded rule packs); `name`
  // stands for the file name in positions, errors and the rules API.
  struct RuleFileText {
    std::string name;
    std::string text;
  };
  absl::Status UpdateFromText(const std::vector<RuleFileText>& files);
  void Start();
  void Stop();

  // Writes the alert state of every group to `path` (see above), stamped
  // `now_ms`. On error `path` keeps its previous content.
  absl::Status SaveState(const std::string& path, int64_t now_ms) const;
  // Restores alert state from `path` as of `now_ms` (see above). Fails with
  // FailedPrecondition while the groups run (between Start() and Stop()).
  absl::StatusOr<AlertStateLoadSummary> LoadState(const std::string& path,
                                                  int64_t now_ms);

  // Groups sorted by file, then name.
  std::vector<std::shared_ptr<RuleGroup>> groups() const;
  // Evaluations skipped because the previous one overran its interval.
  uint64_t missed_iterations() const;

 private:
  absl::Status Replace(
      std::vector<absl::StatusOr<std::vector<RuleGroupSpec>>> files);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Expands glob patterns to the sorted list of existing files.
std::vector<std::string> ExpandFileGlobs(
    const std::vector<std::string>& patterns);

}  // namespace vigil::rules

#endif  // VIGIL_RULES_H_
