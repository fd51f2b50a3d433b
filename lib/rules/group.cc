#include <atomic>
#include <chrono>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/rules/alerting_rule.h"
#include "lib/rules/recording_rule.h"

namespace vigil::rules {

namespace {

// A series a rule wrote, with the store's ref for it: the next evaluation
// appends by ref, without looking the labels up again.
struct WrittenSeries {
  Labels labels;
  SeriesRef ref = 0;
  uint64_t written = 0;  // the rule's last evaluation that wrote it
};

// Per rule, the series it wrote, by labels hash: those not written again
// get a staleness marker (Prometheus's seriesInPreviousEval).
struct PreviousSeries {
  absl::flat_hash_map<uint64_t, WrittenSeries> series;
  uint64_t evaluation = 0;
};

}  // namespace

struct RuleGroup::State {
  RuleGroupSpec spec;
  GroupOptions options;
  std::vector<std::unique_ptr<Rule>> rules;
  std::vector<PreviousSeries> previous_series;
  std::atomic<bool> restored{false};
  std::atomic<int64_t> last_eval_ms{0};
  std::atomic<int64_t> last_eval_duration_us{0};
  std::atomic<uint64_t> evaluations{0};
  std::atomic<uint64_t> failures{0};

  void Report(const Rule& rule, bool restoring, const absl::Status& status) {
    if (!options.on_failure) return;
    options.on_failure({spec.file, spec.name, rule.name(), restoring, status});
  }

  int64_t interval() const {
    return spec.interval_ms > 0 ? spec.interval_ms
                                : options.default_interval_ms;
  }
  int64_t query_offset() const {
    return spec.query_offset_ms.value_or(options.default_query_offset_ms);
  }
  RuleEvalContext Context(int64_t ts) const {
    RuleEvalContext ctx;
    ctx.ts_ms = ts;
    ctx.query_offset_ms = query_offset();
    ctx.limit = spec.limit;
    ctx.restored = restored;
    ctx.storage = options.storage;
    ctx.engine = options.engine;
    ctx.options = &options;
    return ctx;
  }
};

RuleGroup::RuleGroup(std::unique_ptr<State> state) : state_(std::move(state)) {}
RuleGroup::~RuleGroup() = default;

absl::StatusOr<std::unique_ptr<RuleGroup>> RuleGroup::Create(
    const RuleGroupSpec& spec, GroupOptions options) {
  if (options.storage == nullptr || options.engine == nullptr ||
      options.appendable == nullptr) {
    return absl::InvalidArgumentError(
        "rule group needs a storage, an engine and an appendable");
  }
  auto state = std::make_unique<State>();
  state->spec = spec;
  state->options = std::move(options);
  int index = 0;
  for (const RuleSpec& r : spec.rules) {
    ++index;
    auto where = [&] {
      return absl::StrCat(spec.file, ":", r.expr_position.line, ":",
                          r.expr_position.column, ": group \"", spec.name,
                          "\", rule ", index, ", \"", r.name(), "\": ");
    };
    auto expr = promql::ParseExpr(
        r.expr, state->options.engine->options().parse_options);
    if (!expr.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), "could not parse expression: ", expr.status().message()));
    }
    if (r.is_alert()) {
      auto rule = AlertingRule::Create(r, std::move(*expr));
      if (!rule.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where(), rule.status().message()));
      }
      state->rules.push_back(std::move(*rule));
    } else {
      state->rules.push_back(
          std::make_unique<RecordingRule>(r, std::move(*expr)));
    }
  }
  state->previous_series.resize(state->rules.size());
  return std::unique_ptr<RuleGroup>(new RuleGroup(std::move(state)));
}

void RuleGroup::Eval(int64_t ts_ms) {
  State& s = *state_;
  const auto group_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < s.rules.size(); ++i) EvalRule(i, ts_ms);
  s.last_eval_ms = ts_ms;
  s.last_eval_duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - group_start)
          .count();
}

void RuleGroup::EvalRule(size_t i, int64_t ts_ms) {
  State& s = *state_;
  auto* rule = static_cast<RuleImpl*>(s.rules[i].get());
  const RuleEvalContext ctx = s.Context(ts_ms);
  const auto start = std::chrono::steady_clock::now();
  auto vector = rule->Eval(ctx);
  const int64_t took_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  rule->RecordOutcome(vector.status(), ts_ms, took_us);
  ++s.evaluations;
  if (!vector.ok()) {
    // Prometheus: counted and logged; the rule's alerts stay as they
    // were, nothing is sent, and the group goes on.
    ++s.failures;
    s.Report(*rule, false, vector.status());
    return;
  }

  if (rule->is_alert() && s.options.notify) {
    auto* alerting = static_cast<AlertingRule*>(rule);
    std::vector<Alert> to_send =
        alerting->AlertsToSend(ts_ms, s.options.resend_delay_ms, s.interval());
    if (!to_send.empty()) {
      s.options.notify(rule->spec().expr, to_send);
    }
  }

  auto app = s.options.appendable->NewAppender();
  // One map updated in place, not a new one per evaluation: the rules hand
  // back the same label objects each time (lib/rules/derived_labels.h), so
  // a series is found by a cached hash and compared by address.
  PreviousSeries& previous = s.previous_series[i];
  const uint64_t now = ++previous.evaluation;
  previous.series.reserve(vector->size());
  for (promql::VectorSample& sample : *vector) {
    auto [it, inserted] = previous.series.try_emplace(sample.metric.Hash());
    WrittenSeries& w = it->second;
    // Equal hashes of unequal labels must not share a series; the one
    // written first in an evaluation keeps the entry.
    const bool same = !inserted && w.labels == sample.metric;
    const bool track = inserted || (w.written != now && !same);
    SeriesRef ref = same ? w.ref : 0;
    // Out-of-order and duplicate samples are dropped and counted by the
    // store, as Prometheus only logs them.
    absl::StatusOr<SeriesRef> got =
        sample.h != nullptr
            ? app->AppendHistogram(ref, sample.metric, sample.t, *sample.h)
            : app->Append(ref, sample.metric, sample.t, sample.v);
    if (got.ok()) ref = *got;
    if (track) {
      if (!inserted) {
        // A different series with this hash was written before: it is
        // gone from this result, so it goes stale.
        (void)app->Append(w.ref, w.labels, ctx.query_ms(), StaleNaN());
      }
      // The result is not read again: its labels move, not copy.
      w.labels = std::move(sample.metric);
    }
    if (track || same) {
      w.ref = ref;
      w.written = now;
    }
  }
  for (auto it = previous.series.begin(); it != previous.series.end();) {
    if (it->second.written == now) {
      ++it;
      continue;
    }
    (void)app->Append(it->second.ref, it->second.labels, ctx.query_ms(),
                      StaleNaN());
    previous.series.erase(it++);
  }
  (void)app->Commit();
}

int64_t RuleGroup::AlignedEvalTime(int64_t now_ms) const {
  const int64_t interval = state_->interval();
  // A stable offset from the group's identity spreads groups over the
  // interval, as Prometheus's hash of (name, file) does.
  const uint64_t h = Labels::FromStrings(
                         {"name", state_->spec.name, "file", state_->spec.file})
                         .Hash();
  const int64_t offset =
      static_cast<int64_t>(h % static_cast<uint64_t>(interval));
  const int64_t adjusted = now_ms - offset;
  int64_t base = adjusted - (adjusted % interval);
  if (adjusted % interval < 0) base -= interval;  // floor for times < offset
  return base + offset;
}

void RuleGroup::RestoreForState(int64_t ts_ms) {
  State& s = *state_;
  const RuleEvalContext ctx = s.Context(ts_ms);
  for (auto& rule : s.rules) {
    if (!rule->is_alert()) continue;
    absl::Status status =
        static_cast<AlertingRule*>(rule.get())
            ->RestoreForState(ctx, s.options.outage_tolerance_ms,
                              s.options.for_grace_period_ms);
    if (!status.ok()) s.Report(*rule, true, status);
  }
  s.restored = true;
}

void RuleGroup::SetRestored() { state_->restored = true; }
bool RuleGroup::restored() const { return state_->restored; }

void RuleGroup::CopyStateFrom(const RuleGroup& old) {
  // Prometheus matches rules by name and labels; with duplicates, the n-th
  // new one takes the n-th old one's state.
  absl::flat_hash_map<std::string, std::vector<const AlertingRule*>> by_key;
  for (const auto& r : old.state_->rules) {
    if (!r->is_alert()) continue;
    by_key[r->name() + "\xff" + r->spec().labels.ToString()].push_back(
        static_cast<const AlertingRule*>(r.get()));
  }
  for (auto& r : state_->rules) {
    if (!r->is_alert()) continue;
    auto it = by_key.find(r->name() + "\xff" + r->spec().labels.ToString());
    if (it == by_key.end() || it->second.empty()) continue;
    static_cast<AlertingRule*>(r.get())->CopyStateFrom(*it->second.front());
    it->second.erase(it->second.begin());
  }
  for (size_t i = 0; i < state_->rules.size(); ++i) {
    for (size_t j = 0; j < old.state_->rules.size(); ++j) {
      if (old.state_->rules[j]->name() == state_->rules[i]->name()) {
        state_->previous_series[i] = old.state_->previous_series[j];
        break;
      }
    }
  }
  state_->restored = old.state_->restored.load();
  state_->evaluations = old.state_->evaluations.load();
  state_->failures = old.state_->failures.load();
}

const std::string& RuleGroup::name() const { return state_->spec.name; }
const std::string& RuleGroup::file() const { return state_->spec.file; }
int64_t RuleGroup::interval_ms() const { return state_->interval(); }
int64_t RuleGroup::query_offset_ms() const { return state_->query_offset(); }
int64_t RuleGroup::limit() const { return state_->spec.limit; }
const std::vector<std::unique_ptr<Rule>>& RuleGroup::rules() const {
  return state_->rules;
}
int64_t RuleGroup::last_eval_ms() const { return state_->last_eval_ms; }
int64_t RuleGroup::last_eval_duration_us() const {
  return state_->last_eval_duration_us;
}
uint64_t RuleGroup::evaluations_total() const { return state_->evaluations; }
uint64_t RuleGroup::evaluation_failures_total() const {
  return state_->failures;
}

}  // namespace vigil::rules
