// Run(): the groups' evaluation times merged into one time order, each
// evaluation bracketed by the source (data up to that time, old data
// forgotten) and the timeline (which alerts the group wrote).
#include <algorithm>
#include <chrono>
#include <map>
#include <queue>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/model/duration.h"
#include "lib/replay/tee_appendable.h"
#include "lib/replay/time_text.h"
#include "lib/replay/timeline.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

// Dropping old data walks every series: do it once per this much replayed
// time, which bounds memory to the queries' reach plus this.
constexpr int64_t kForgetEveryMs = 2 * 3600 * 1000;

// Prometheus: a `limit` exceeded drops all of the rule's alerts; any other
// failure keeps them (rules/alerting.go).
bool KeepsAlerts(const std::string& error) {
  return !error.starts_with("exceeded limit of ");
}

struct Scheduled {
  int64_t ts_ms;
  size_t order;  // position among groups due at the same time
  size_t group;
  friend bool operator>(const Scheduled& a, const Scheduled& b) {
    if (a.ts_ms != b.ts_ms) return a.ts_ms > b.ts_ms;
    return a.order > b.order;
  }
};

absl::StatusOr<std::unique_ptr<rules::RuleGroup>> BuildGroup(
    const RuleGroupSpec& spec, Storage& storage, Appendable& out,
    const promql::Engine& engine, const Options& options) {
  rules::GroupOptions go;
  go.storage = &storage;
  go.appendable = &out;
  go.engine = &engine;
  go.default_interval_ms = options.default_interval_ms;
  go.default_query_offset_ms = options.default_query_offset_ms;
  go.external_labels = options.external_labels;
  go.external_url = options.external_url;
  return rules::RuleGroup::Create(spec, std::move(go));
}

}  // namespace

absl::Status CheckGroups(const std::vector<RuleGroupSpec>& specs,
                         const Options& options) {
  tsdb::Head empty;
  promql::Engine engine(options.engine);
  for (const RuleGroupSpec& spec : specs) {
    auto g = BuildGroup(spec, empty, empty, engine, options);
    if (!g.ok()) return g.status();
  }
  return absl::OkStatus();
}

std::vector<std::string> ProducedMetricNames(
    const std::vector<RuleGroupSpec>& groups) {
  std::vector<std::string> names;
  for (const RuleGroupSpec& g : groups) {
    for (const RuleSpec& r : g.rules) {
      if (r.is_alert()) {
        names.emplace_back(rules::kAlertMetricName);
        names.emplace_back(rules::kAlertForStateMetricName);
      } else {
        names.push_back(r.record);
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

absl::StatusOr<Result> Run(const std::vector<RuleGroupSpec>& specs,
                           Source& source, const Options& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (options.end_ms < options.start_ms) {
    return absl::InvalidArgumentError(
        "the end of the range is before its start");
  }
  if (options.step_ms < 0) {
    return absl::InvalidArgumentError("the step must be positive");
  }
  // A source that has everything loaded knows its span now; one that
  // fetches as it goes knows it at the end.
  if (const auto span = source.DataSpan();
      span.has_value() &&
      (span->max_ms < options.start_ms - options.engine.lookback_delta_ms ||
       span->min_ms > options.end_ms)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no data in the range: the data runs from ", FormatTimeMs(span->min_ms),
        " to ", FormatTimeMs(span->max_ms)));
  }

  std::vector<std::pair<std::string, std::string>> names;
  for (const RuleGroupSpec& s : specs) names.emplace_back(s.name, s.file);
  Timeline timeline(names);
  TeeAppendable out(source.output(), options.record, timeline);
  promql::Engine engine(options.engine);

  Result result;
  result.start_ms = options.start_ms;
  result.end_ms = options.end_ms;
  result.step_ms = options.step_ms;
  std::vector<std::unique_ptr<rules::RuleGroup>> groups;
  for (const RuleGroupSpec& spec : specs) {
    auto g = BuildGroup(spec, source.storage(), out, engine, options);
    if (!g.ok()) return g.status();
    // A replay starts with no alert state to restore: ALERTS is written
    // from the first evaluation, as in promtool's unit tests.
    (*g)->SetRestored();
    for (const RuleSpec& r : spec.rules) {
      if (r.is_alert()) {
        ++result.alerting_rules;
        result.alert_rules.emplace_back(r.alert, r.labels.Get("severity"));
      } else {
        ++result.recording_rules;
      }
    }
    groups.push_back(std::move(*g));
  }
  auto by_name = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(result.alert_rules.begin(), result.alert_rules.end(),
                   by_name);
  result.alert_rules.erase(
      std::unique(
          result.alert_rules.begin(), result.alert_rules.end(),
          [](const auto& a, const auto& b) { return a.first == b.first; }),
      result.alert_rules.end());
  result.groups = groups.size();

  // Same-time order: groups named in group_order by their index there,
  // the rest first in file order (promtool's stable sort on index 0).
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    auto it = std::find(options.group_order.begin(), options.group_order.end(),
                        groups[i]->name());
    order[i] = it == options.group_order.end()
                   ? 0
                   : static_cast<size_t>(it - options.group_order.begin());
  }
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> due;
  std::vector<int64_t> interval(groups.size());
  Progress progress;
  for (size_t i = 0; i < groups.size(); ++i) {
    int64_t first = options.start_ms;
    interval[i] = options.step_ms;
    if (options.step_ms == 0) {
      interval[i] = groups[i]->interval_ms();
      first = groups[i]->AlignedEvalTime(options.start_ms);
      if (first < options.start_ms) first += interval[i];
    }
    if (interval[i] <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "group \"", groups[i]->name(), "\" has no evaluation interval"));
    }
    if (first > options.end_ms) continue;
    progress.total +=
        static_cast<uint64_t>((options.end_ms - first) / interval[i] + 1);
    if (progress.total > options.max_evaluations) {
      return absl::InvalidArgumentError(
          absl::StrCat("the range needs more than ", options.max_evaluations,
                       " group evaluations: shorten it or use a longer step"));
    }
    due.push({first, order[i] * groups.size() + i, i});
  }

  const std::optional<int64_t> reach =
      QueryReach(specs, options.engine, options.default_query_offset_ms);
  int64_t last_forget = options.start_ms;
  std::map<std::pair<size_t, size_t>, RuleErrors> errors;
  absl::flat_hash_set<std::string> kept;
  while (!due.empty()) {
    const Scheduled next = due.top();
    due.pop();
    if (absl::Status st = source.AdvanceTo(next.ts_ms); !st.ok()) return st;
    rules::RuleGroup& g = *groups[next.group];
    timeline.BeginEval(next.group, next.ts_ms);
    g.Eval(next.ts_ms);
    kept.clear();
    const auto& rules = g.rules();
    for (size_t r = 0; r < rules.size(); ++r) {
      if (rules[r]->health() != rules::RuleHealth::kBad) continue;
      const std::string err = rules[r]->last_error();
      RuleErrors& e = errors[{next.group, r}];
      if (e.count++ == 0) {
        e.group = g.name();
        e.rule = rules[r]->name();
        e.first_ms = next.ts_ms;
        e.first_error = err;
      }
      if (rules[r]->is_alert() && KeepsAlerts(err))
        kept.insert(rules[r]->name());
    }
    timeline.EndEval(kept);
    if (options.after_eval) options.after_eval(next.ts_ms, g);
    ++progress.done;
    progress.ts_ms = next.ts_ms;
    if (options.progress) options.progress(progress);
    if (reach.has_value() && next.ts_ms - last_forget >= kForgetEveryMs) {
      source.Forget(next.ts_ms - *reach);
      last_forget = next.ts_ms;
    }
    if (next.ts_ms + interval[next.group] <= options.end_ms) {
      due.push({next.ts_ms + interval[next.group], next.order, next.group});
    }
  }
  result.gaps = source.Gaps();
  if (!source.DataSpan().has_value()) {
    if (!result.gaps.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no data in the range: every fetch failed, the first: ",
                       result.gaps.front().error));
    }
    return absl::FailedPreconditionError(
        "no data in the range: the data holds no samples");
  }
  result.evaluations = progress.done;
  result.alerts = timeline.Take();
  for (auto& [k, e] : errors) result.errors.push_back(std::move(e));
  result.wall_seconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - wall_start)
                            .count();
  return result;
}

}  // namespace vigil::replay
