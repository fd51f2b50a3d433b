// Which rule evaluations of a replay may be batched into range queries, and
// in which order the groups' windows must run so that every batched query
// reads what step-by-step evaluation would have read; and which of the
// rules' output no rule reads. Internal to
// vigil_replay; docs/replay.md ("Batched evaluation") says why each
// condition is there.
#ifndef VIGIL_LIB_REPLAY_BATCH_PLAN_H_
#define VIGIL_LIB_REPLAY_BATCH_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "vigil/promql/engine.h"
#include "vigil/rules.h"

namespace vigil::replay {

struct RulePlan {
  // The expression's range query gives, step by step, what instant queries
  // give: a vector or scalar, no `@ start()` / `@ end()` (they mean the
  // range's ends there, the evaluation time here), no delayed name removal
  // (a range query merges what an instant one rejects).
  bool rangeable = false;
  // Rules (group, index) whose output — a recording rule's series, an
  // alerting rule's ALERTS and ALERTS_FOR_STATE — a selector of the
  // expression may match, or every producing rule when a template queries.
  std::vector<std::pair<size_t, size_t>> producers;
};

struct BatchPlan {
  std::vector<std::vector<RulePlan>> rules;  // [group][rule]
  // A window may run group by group, in group_order: no group reads a
  // group that comes later in it, and no two groups write the same series.
  bool group_major = false;
  std::vector<size_t> group_order;
  // [group] The group may run rule by rule over a window: no rule reads
  // itself or a later rule of the group, and no two rules write one series.
  std::vector<bool> rule_major;
};

// Of the series alerting rules write (ALERTS, ALERTS_FOR_STATE), the
// metric names no rule reads — no selector may match them, no template
// queries — and no recording rule writes: UnreadSeries keeps them.
std::vector<std::string> UnreadAlertSeries(
    const std::vector<std::unique_ptr<rules::RuleGroup>>& groups);

// The selectors that read only input — no rule's output may match them —
// and that more than one rule has (the same text): queries over the same
// window share what they select (promql::SharedSelections).
absl::flat_hash_set<const promql::VectorSelector*> SharedInputSelectors(
    const std::vector<std::unique_ptr<rules::RuleGroup>>& groups);

// `tie_order[g]` orders groups evaluated at the same time (lower first);
// group g's queries run at its evaluation time minus its query offset.
BatchPlan PlanBatches(
    const std::vector<std::unique_ptr<rules::RuleGroup>>& groups,
    const std::vector<size_t>& tie_order, const promql::EngineOptions& engine);

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_BATCH_PLAN_H_
