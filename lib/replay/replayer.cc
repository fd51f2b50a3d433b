// Run(): the groups' evaluation times merged into one time order, each
// evaluation bracketed by the source (data up to that time, old data
// forgotten) and the timeline (which alerts the group wrote).
#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <queue>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/model/duration.h"
#include "lib/replay/batch_plan.h"
#include "lib/replay/tee_appendable.h"
#include "lib/replay/time_text.h"
#include "lib/replay/timeline.h"
#include "lib/replay/window_cache.h"
#include "vigil/replay.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

// Dropping old data walks every series: do it once per this much replayed
// time, which bounds memory to the queries' reach plus this.
constexpr int64_t kForgetEveryMs = 2 * 3600 * 1000;
// Step by step, the sink is flushed this often (batched: every window).
constexpr int64_t kFlushEveryMs = 3600 * 1000;

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

// Starts a window's batched queries ahead (WindowCache::Ahead) as soon as
// the rules whose output they read have run for the window, in the order
// the replay will ask for them. The query the replay is about to ask for is
// left to it: it runs that one itself while the second core runs the next.
class AheadQueue {
 public:
  // `times[g]`: group g's evaluation times in the window.
  AheadQueue(const std::vector<std::unique_ptr<rules::RuleGroup>>& groups,
             const BatchPlan& plan,
             const std::vector<std::vector<int64_t>>& times, WindowCache& cache)
      : plan_(plan), cache_(cache), done_(groups.size()) {
    std::vector<size_t> order = plan.group_order;
    if (!plan.group_major) {
      // Time order: by each group's first evaluation in the window.
      order.clear();
      for (size_t g = 0; g < groups.size(); ++g) order.push_back(g);
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const int64_t ta = times[a].empty() ? 0 : times[a].front();
        const int64_t tb = times[b].empty() ? 0 : times[b].front();
        return ta < tb;
      });
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      // A group that does not run in the window writes nothing in it.
      done_[g].assign(groups[g]->rules().size(), times[g].empty());
    }
    for (size_t g : order) {
      if (times[g].empty()) continue;
      const auto& rules = groups[g]->rules();
      for (size_t r = 0; r < rules.size(); ++r) {
        const promql::Expr* expr = &rules[r]->expr();
        if (!cache.Enabled(expr)) continue;
        pending_.push_back(
            {g, r, expr, times[g].front() - groups[g]->query_offset_ms()});
      }
    }
  }

  // The replay is about to evaluate group g's rule r over the window; the
  // rest may start.
  void StartingRule(size_t g, size_t r) {
    std::erase_if(pending_, [&](const Pending& p) {
      return p.group == g && p.rule == r;
    });
    Send();
  }
  // The replay is about to evaluate group g step by step: it asks for the
  // group's first batched query first.
  void StartingGroup(size_t g) {
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const Pending& p) { return p.group == g; });
    if (it != pending_.end()) pending_.erase(it);
    Send();
  }
  void RuleDone(size_t g, size_t r) {
    done_[g][r] = true;
    Send();
  }
  void GroupDone(size_t g) {
    done_[g].assign(done_[g].size(), true);
    Send();
  }

 private:
  struct Pending {
    size_t group, rule;
    const promql::Expr* expr;
    int64_t first_query_ms;
  };

  void Send() {
    std::erase_if(pending_, [&](const Pending& p) {
      for (const auto& [g, r] : plan_.rules[p.group][p.rule].producers) {
        if (!done_[g][r]) return false;
      }
      cache_.Ahead(p.expr, p.first_query_ms);
      return true;
    });
  }

  const BatchPlan& plan_;
  WindowCache& cache_;
  std::vector<std::vector<bool>> done_;  // [group][rule] ran for the window
  std::vector<Pending> pending_;         // in the order they will be asked
};

absl::StatusOr<std::unique_ptr<rules::RuleGroup>> BuildGroup(
    const RuleGroupSpec& spec, Storage& storage, Appendable& out,
    const promql::Engine& engine, const Options& options,
    rules::QueryFunc query = nullptr) {
  rules::GroupOptions go;
  go.query = std::move(query);
  go.storage = &storage;
  go.appendable = &out;
  go.engine = &engine;
  go.default_interval_ms = options.default_interval_ms;
  go.default_query_offset_ms = options.default_query_offset_ms;
  go.external_labels = options.external_labels;
  go.external_url = options.external_url;
  // Only after_eval sees the alerts themselves; the rest of a replay reads
  // what the rules write.
  go.expand_annotations = options.after_eval != nullptr;
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
  if (options.window_ms < 0) {
    return absl::InvalidArgumentError("the window must not be negative");
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
  // Named once the rules are parsed (UnreadAlertSeries), before anything is
  // appended.
  UnreadSeries unread({});
  TeeAppendable out(source.output(), options.record, options.sink, timeline,
                    &unread);
  promql::Engine engine(options.engine);
  // after_eval looks at every group after each evaluation, which only the
  // step-by-step order shows.
  const bool batching = options.window_ms > 0 && !options.after_eval;
  QueriesAhead ahead = batching ? options.queries_ahead : QueriesAhead::kOff;
  if (ahead == QueriesAhead::kThread &&
      std::thread::hardware_concurrency() < 2) {
    ahead = QueriesAhead::kOff;
  }
  // Filled once the rules are parsed; cleared at every window, as the
  // keys hold the window's times.
  absl::flat_hash_set<const promql::VectorSelector*> shareable;
  promql::SharedSelections shared(
      [&shareable](const promql::VectorSelector& vs) {
        return shareable.contains(&vs);
      });
  WindowCache cache(engine, source.storage(), specs.size(), ahead, &shared);

  Result result;
  result.start_ms = options.start_ms;
  result.end_ms = options.end_ms;
  result.step_ms = options.step_ms;
  std::vector<std::unique_ptr<rules::RuleGroup>> groups;
  for (const RuleGroupSpec& spec : specs) {
    auto g = BuildGroup(spec, source.storage(), out, engine, options,
                        batching ? cache.Func() : nullptr);
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
  // after_eval may look at anything in the store.
  if (!options.after_eval) unread = UnreadSeries(UnreadAlertSeries(groups));

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
  std::vector<size_t> tie(groups.size());
  std::vector<int64_t> interval(groups.size());
  std::vector<std::optional<int64_t>> first(groups.size());
  Progress progress;
  for (size_t i = 0; i < groups.size(); ++i) {
    tie[i] = order[i] * groups.size() + i;
    int64_t t0 = options.start_ms;
    interval[i] = options.step_ms;
    if (options.step_ms == 0) {
      interval[i] = groups[i]->interval_ms();
      t0 = groups[i]->AlignedEvalTime(options.start_ms);
      if (t0 < options.start_ms) t0 += interval[i];
    }
    if (interval[i] <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "group \"", groups[i]->name(), "\" has no evaluation interval"));
    }
    if (t0 > options.end_ms) continue;
    first[i] = t0;
    progress.total +=
        static_cast<uint64_t>((options.end_ms - t0) / interval[i] + 1);
    if (progress.total > options.max_evaluations) {
      return absl::InvalidArgumentError(
          absl::StrCat("the range needs more than ", options.max_evaluations,
                       " group evaluations: shorten it or use a longer step"));
    }
  }

  BatchPlan plan;
  if (batching) {
    shareable = SharedInputSelectors(groups);
    plan = PlanBatches(groups, tie, options.engine);
    for (size_t g = 0; g < groups.size(); ++g) {
      for (size_t r = 0; r < groups[g]->rules().size(); ++r) {
        const RulePlan& p = plan.rules[g][r];
        bool batch = p.rangeable;
        if (plan.group_major && !plan.rule_major[g]) {
          // Step by step within the group: what it reads of itself is
          // written one evaluation at a time.
          for (const auto& w : p.producers) batch &= w.first != g;
        } else if (!plan.group_major) {
          batch &= p.producers.empty();
        }
        if (batch) cache.Enable(&groups[g]->rules()[r]->expr(), g);
      }
    }
  }

  const std::optional<int64_t> reach =
      QueryReach(specs, options.engine, options.default_query_offset_ms);
  int64_t last_forget = options.start_ms;
  int64_t advanced = std::numeric_limits<int64_t>::min();
  auto advance = [&](int64_t ts) -> absl::Status {
    if (ts <= advanced) return absl::OkStatus();
    advanced = ts;
    return source.AdvanceTo(ts);
  };
  auto forget = [&](int64_t now) {
    if (reach.has_value() && now - last_forget >= kForgetEveryMs) {
      cache.Drain();  // no query ahead reads what goes
      source.Forget(now - *reach);
      unread.Forget(now - *reach);
      last_forget = now;
    }
  };
  auto flush = [&]() -> absl::Status {
    return options.sink != nullptr ? options.sink->Flush() : absl::OkStatus();
  };
  int64_t last_flush = options.start_ms;
  std::map<std::pair<size_t, size_t>, RuleErrors> errors;
  // Counts rule `r`'s failure at `ts`; a failed alerting rule that keeps
  // its alerts goes into `kept`.
  auto note_rule = [&](size_t gi, size_t r, int64_t ts,
                       absl::flat_hash_set<std::string>& kept) {
    const rules::Rule& rule = *groups[gi]->rules()[r];
    if (rule.health() != rules::RuleHealth::kBad) return;
    const std::string err = rule.last_error();
    RuleErrors& e = errors[{gi, r}];
    if (e.count++ == 0) {
      e.group = groups[gi]->name();
      e.rule = rule.name();
      e.first_ms = ts;
      e.first_error = err;
    }
    if (rule.is_alert() && KeepsAlerts(err)) kept.insert(rule.name());
  };
  absl::flat_hash_set<std::string> kept;
  auto eval_step = [&](size_t gi, int64_t ts) {
    rules::RuleGroup& g = *groups[gi];
    timeline.BeginEval(gi, ts);
    g.Eval(ts);
    kept.clear();
    for (size_t r = 0; r < g.rules().size(); ++r) note_rule(gi, r, ts, kept);
    timeline.EndEval(kept);
    if (options.after_eval) options.after_eval(ts, g);
    ++progress.done;
    progress.ts_ms = ts;
    if (options.progress) options.progress(progress);
  };
  // Every time of `times` for rule 0, then for rule 1, …: each rule's
  // range query runs once its predecessors' output for the window is in
  // the store.
  auto eval_rule_major = [&](size_t gi, const std::vector<int64_t>& times,
                             AheadQueue& queue) {
    rules::RuleGroup& g = *groups[gi];
    std::vector<absl::flat_hash_set<std::string>> kept_at(times.size());
    timeline.StartBuffering();
    for (size_t r = 0; r < g.rules().size(); ++r) {
      queue.StartingRule(gi, r);
      for (size_t k = 0; k < times.size(); ++k) {
        timeline.BeginEval(gi, times[k]);
        g.EvalRule(r, times[k]);
        note_rule(gi, r, times[k], kept_at[k]);
      }
      queue.RuleDone(gi, r);
    }
    timeline.FlushBuffered(gi, times, kept_at);
    progress.done += times.size();
    progress.ts_ms = times.back();
    if (options.progress) options.progress(progress);
  };
  // Group gi's evaluation times in [from, to).
  auto times_in = [&](size_t gi, int64_t from, int64_t to) {
    std::vector<int64_t> ts;
    if (!first[gi]) return ts;
    int64_t t = *first[gi];
    if (t < from)
      t += (from - t + interval[gi] - 1) / interval[gi] * interval[gi];
    for (; t < to && t <= options.end_ms; t += interval[gi]) ts.push_back(t);
    return ts;
  };
  // The window holding `ts`: windows are aligned to the start.
  auto window_of = [&](int64_t ts) {
    return options.start_ms +
           (ts - options.start_ms) / options.window_ms * options.window_ms;
  };

  if (batching && plan.group_major) {
    // Window by window; in each, group by group in plan order.
    std::vector<int64_t> next(groups.size(),
                              std::numeric_limits<int64_t>::max());
    for (size_t i = 0; i < groups.size(); ++i) {
      if (first[i]) next[i] = *first[i];
    }
    while (true) {
      const int64_t earliest = *std::min_element(next.begin(), next.end());
      if (earliest > options.end_ms) break;
      const int64_t from = window_of(earliest);
      const int64_t to = from + options.window_ms;
      std::vector<std::vector<int64_t>> times(groups.size());
      int64_t latest = earliest;
      for (size_t gi = 0; gi < groups.size(); ++gi) {
        times[gi] = times_in(gi, from, to);
        if (!times[gi].empty()) {
          latest = std::max(latest, times[gi].back());
          next[gi] = times[gi].back() + interval[gi];
        }
      }
      // A fetching source starts its first piece a reach before the first
      // time it is advanced to: that must be the first evaluation.
      if (absl::Status st = advance(earliest); !st.ok()) return st;
      if (absl::Status st = advance(latest); !st.ok()) return st;
      for (size_t gi = 0; gi < groups.size(); ++gi) {
        if (times[gi].empty()) continue;
        cache.StartWindow(gi, times[gi].back() - groups[gi]->query_offset_ms(),
                          interval[gi]);
      }
      shared.Clear();
      AheadQueue queue(groups, plan, times, cache);
      for (size_t gi : plan.group_order) {
        if (times[gi].empty()) continue;
        if (plan.rule_major[gi]) {
          eval_rule_major(gi, times[gi], queue);
        } else {
          queue.StartingGroup(gi);
          for (int64_t ts : times[gi]) eval_step(gi, ts);
          queue.GroupDone(gi);
        }
      }
      cache.Drain();
      forget(to);
      if (absl::Status st = flush(); !st.ok()) return st;
    }
  } else {
    std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> due;
    for (size_t i = 0; i < groups.size(); ++i) {
      if (first[i]) due.push({*first[i], tie[i], i});
    }
    int64_t window_end = std::numeric_limits<int64_t>::min();
    while (!due.empty()) {
      const Scheduled next = due.top();
      due.pop();
      if (batching && next.ts_ms >= window_end) {
        // A new window: the batched rules read no rule output, so their
        // data must be there up to the window's last evaluation.
        cache.Drain();
        shared.Clear();
        const int64_t from = window_of(next.ts_ms);
        window_end = from + options.window_ms;
        int64_t latest = next.ts_ms;
        std::vector<std::vector<int64_t>> times(groups.size());
        for (size_t gi = 0; gi < groups.size(); ++gi) {
          times[gi] = times_in(gi, from, window_end);
          if (times[gi].empty()) continue;
          latest = std::max(latest, times[gi].back());
          cache.StartWindow(gi,
                            times[gi].back() - groups[gi]->query_offset_ms(),
                            interval[gi]);
        }
        if (absl::Status st = advance(next.ts_ms); !st.ok()) return st;
        if (absl::Status st = advance(latest); !st.ok()) return st;
        // Nothing batched here reads rule output: every query may start.
        AheadQueue(groups, plan, times, cache).StartingGroup(next.group);
      }
      if (absl::Status st = advance(next.ts_ms); !st.ok()) return st;
      if (next.ts_ms - last_flush >= kFlushEveryMs) {
        if (absl::Status st = flush(); !st.ok()) return st;
        last_flush = next.ts_ms;
      }
      eval_step(next.group, next.ts_ms);
      forget(next.ts_ms);
      if (next.ts_ms + interval[next.group] <= options.end_ms) {
        due.push({next.ts_ms + interval[next.group], next.order, next.group});
      }
    }
  }
  if (absl::Status st = flush(); !st.ok()) return st;
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
  result.range_queries = cache.range_queries();
  result.instant_queries = cache.instant_queries();
  result.alerts = timeline.Take();
  for (auto& [k, e] : errors) result.errors.push_back(std::move(e));
  result.wall_seconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - wall_start)
                            .count();
  return result;
}

}  // namespace vigil::replay
