#include "lib/rules/alerting_rule.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace vigil::rules {
namespace {

// ALERTS_FOR_STATE holds seconds; beyond this a double no longer converts
// to milliseconds in an int64.
constexpr double kMaxActiveAtSeconds = 9.0e12;

}  // namespace

AlertingRule::AlertingRule(
    RuleSpec spec, promql::ExprPtr expr, std::vector<Label> literal,
    std::vector<std::pair<std::string, AlertTemplate>> labels,
    std::vector<std::pair<std::string, AlertTemplate>> annotations)
    : spec_(std::move(spec)),
      expr_(std::move(expr)),
      literal_labels_(std::move(literal)),
      label_templates_(std::move(labels)),
      annotation_templates_(std::move(annotations)) {}

absl::StatusOr<std::unique_ptr<AlertingRule>> AlertingRule::Create(
    RuleSpec spec, promql::ExprPtr expr) {
  auto compile = [&](const std::string& kind, const std::string& name,
                     const std::string& text)
      -> absl::StatusOr<std::pair<std::string, AlertTemplate>> {
    auto t = AlertTemplate::Compile(spec.alert, text);
    if (!t.ok()) {
      // rulefmt's wording: label "x": template: __alert_A:1: …
      return absl::InvalidArgumentError(
          absl::StrCat(kind, " \"", name, "\": ", t.status().message()));
    }
    return std::make_pair(name, std::move(*t));
  };
  std::vector<Label> literal;
  std::vector<std::pair<std::string, AlertTemplate>> labels, annotations;
  for (const Label& l : spec.labels) {
    // Text without an action expands to itself (the template language's
    // actions all start with "{{").
    if (l.value.find("{{") == std::string::npos) {
      literal.push_back(l);
      continue;
    }
    auto t = compile("label", l.name, l.value);
    if (!t.ok()) return t.status();
    labels.push_back(std::move(*t));
  }
  for (const Label& a : spec.annotations) {
    auto t = compile("annotation", a.name, a.value);
    if (!t.ok()) return t.status();
    annotations.push_back(std::move(*t));
  }
  return std::unique_ptr<AlertingRule>(
      new AlertingRule(std::move(spec), std::move(expr), std::move(literal),
                       std::move(labels), std::move(annotations)));
}

Labels AlertingRule::AlertLabels(const Labels& metric,
                                 const AlertTemplateData& data) const {
  LabelsBuilder lb(metric);
  lb.Del(kMetricName);
  for (const Label& l : literal_labels_) lb.Set(l.name, l.value);
  for (const auto& [name, tmpl] : label_templates_) {
    lb.Set(name, tmpl.Expand(data));
  }
  lb.Set(kAlertNameLabel, spec_.alert);
  return lb.Build();
}

absl::StatusOr<promql::Vector> AlertingRule::Eval(const RuleEvalContext& ctx) {
  auto result = QueryVector(ctx, spec_.expr, *expr_);
  if (!result.ok()) return result.status();
  const int64_t ts = ctx.ts_ms;

  AlertTemplateData data;
  data.external_labels = &ctx.options->external_labels;
  data.external_url = ctx.options->external_url;
  data.ts_ms = ts;
  data.query = [&ctx](const std::string& q) -> absl::StatusOr<promql::Vector> {
    auto parsed = promql::ParseExpr(q, ctx.engine->options().parse_options);
    if (!parsed.ok()) return parsed.status();
    return QueryVector(ctx, q, **parsed);
  };

  // This evaluation's alerts, checked for duplicates before any state
  // changes: a failing evaluation leaves the alerts as they were.
  const bool derive = label_templates_.empty();
  if (derive) derived_.BeginEval();
  found_.clear();
  // absl's clear() frees a large table: reserved, it is not grown again.
  current_.clear();
  current_.reserve(result->size());
  for (const promql::VectorSample& s : *result) {
    data.labels = &s.metric;
    data.value = s.v;
    Found f;
    f.labels = derive ? derived_.Get(s.metric,
                                     [&](const Labels& metric) {
                                       return AlertLabels(metric, data);
                                     })
                      : AlertLabels(s.metric, data);
    f.hash = f.labels.Hash();
    f.value = s.v;
    if (ctx.options->expand_annotations) {
      for (const auto& [name, tmpl] : annotation_templates_) {
        f.annotations.push_back({name, tmpl.Expand(data)});
      }
    }
    if (!current_.insert(f.hash).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying "
          "alert labels");
    }
    found_.push_back(std::move(f));
  }

  for (Found& f : found_) {
    auto it = active_.find(f.hash);
    if (it != active_.end() &&
        it->second.alert.state != AlertState::kInactive) {
      it->second.alert.value = f.value;
      it->second.alert.annotations = std::move(f.annotations);
      continue;
    }
    Alert a;
    a.labels = std::move(f.labels);
    a.annotations = std::move(f.annotations);
    a.active_at_ms = ts;
    a.state = AlertState::kPending;
    a.value = f.value;
    // A resolved alert that comes back is a new one with the same labels,
    // so the same series.
    if (it != active_.end() && it->second.alert.labels == a.labels) {
      it->second.alert = std::move(a);
    } else {
      active_.insert_or_assign(f.hash, Instance(std::move(a)));
      sorted_valid_ = false;
    }
  }

  promql::Vector out;
  if (ctx.restored) out.reserve(2 * active_.size());
  int64_t active_or_pending = 0;
  const int64_t sample_t = ctx.query_ms();
  to_delete_.clear();
  for (auto& [h, in] : active_) {
    Alert& a = in.alert;
    if (!current_.contains(h)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && spec_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = ts;
        keep_firing = ts - a.keep_firing_since_ms < spec_.keep_firing_for_ms;
      }
      // Pending alerts vanish at once; resolved ones after the retention
      // that lets Alertmanager hear of the resolution.
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != 0 &&
           ts - a.resolved_at_ms > kResolvedRetentionMs)) {
        to_delete_.push_back(h);
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts;
      }
      if (!keep_firing) continue;
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_or_pending;
    if (a.state == AlertState::kPending &&
        ts - a.active_at_ms >= spec_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts;
    }
    if (ctx.restored) {
      out.emplace_back(AlertsSeries(in), sample_t, 1);
      out.emplace_back(ForStateSeries(in), sample_t,
                       std::floor(a.active_at_ms / 1000.0));
    }
  }
  for (uint64_t h : to_delete_) active_.erase(h);
  if (!to_delete_.empty()) sorted_valid_ = false;

  if (ctx.limit > 0 && active_or_pending > ctx.limit) {
    active_.clear();
    sorted_valid_ = false;
    PublishSnapshot();
    return absl::ResourceExhaustedError(
        absl::StrCat("exceeded limit of ", ctx.limit, " with ",
                     active_or_pending, " alerts"));
  }
  PublishSnapshot();
  return out;
}

Labels AlertingRule::StateSeries(const Alert& a, std::string_view metric,
                                 bool with_state) const {
  LabelsBuilder b(spec_.labels);
  for (const Label& l : a.labels) b.Set(l.name, l.value);
  b.Set(kMetricName, metric);
  b.Set(kAlertNameLabel, spec_.alert);
  if (with_state) b.Set(kAlertStateLabel, AlertStateName(a.state));
  return b.Build();
}

const Labels& AlertingRule::AlertsSeries(Instance& in) const {
  Labels& l = in.alerts_series[static_cast<size_t>(in.alert.state)];
  if (l.empty()) l = StateSeries(in.alert, kAlertMetricName, true);
  return l;
}

const Labels& AlertingRule::ForStateSeries(Instance& in) const {
  if (in.for_state_series.empty()) {
    in.for_state_series =
        StateSeries(in.alert, kAlertForStateMetricName, false);
  }
  return in.for_state_series;
}

void AlertingRule::PublishSnapshot() {
  // Sorting by labels at every evaluation cost more than the rest of the
  // alert state machine; the order changes only with the set of alerts.
  if (!sorted_valid_) {
    std::vector<std::pair<const Labels*, uint64_t>> by_labels;
    by_labels.reserve(active_.size());
    for (const auto& [h, in] : active_)
      by_labels.emplace_back(&in.alert.labels, h);
    std::sort(by_labels.begin(), by_labels.end(),
              [](const auto& x, const auto& y) { return *x.first < *y.first; });
    sorted_.clear();
    for (const auto& [labels, h] : by_labels) sorted_.push_back(h);
    sorted_valid_ = true;
  }
  std::vector<Alert> snapshot;
  snapshot.reserve(sorted_.size());
  for (uint64_t h : sorted_) snapshot.push_back(active_.at(h).alert);
  std::lock_guard lock(mu_);
  alerts_snapshot_ = std::move(snapshot);
}

std::vector<Alert> AlertingRule::AlertsToSend(int64_t ts_ms,
                                              int64_t resend_delay_ms,
                                              int64_t interval_ms) {
  std::vector<Alert> out;
  for (auto& [h, in] : active_) {
    Alert& a = in.alert;
    if (a.state == AlertState::kPending) continue;
    // Resolved since the last send, or due for a resend.
    bool due = a.resolved_at_ms > a.last_sent_at_ms ||
               a.last_sent_at_ms + resend_delay_ms < ts_ms;
    if (!due) continue;
    a.last_sent_at_ms = ts_ms;
    // Prometheus: valid for four evaluations or resends, whichever is
    // longer, so two failed evaluations or sends do not resolve it.
    a.valid_until_ms = ts_ms + 4 * std::max(resend_delay_ms, interval_ms);
    out.push_back(a);
  }
  if (!out.empty()) PublishSnapshot();
  return out;
}

absl::Status AlertingRule::RestoreForState(const RuleEvalContext& ctx,
                                           int64_t outage_tolerance_ms,
                                           int64_t for_grace_period_ms) {
  const int64_t hold = spec_.for_ms;
  // Prometheus skips restoring a `for` shorter than the grace period: the
  // alert simply waits its full `for` again.
  if (restored_from_file_ || hold < for_grace_period_ms || active_.empty()) {
    return absl::OkStatus();
  }
  const int64_t ts = ctx.ts_ms;
  const int64_t mint = ts - outage_tolerance_ms;
  Matchers matchers;
  auto add = [&](std::string_view name, std::string_view value) {
    auto m = Matcher::Create(MatchType::kEqual, std::string(name),
                             std::string(value));
    if (m.ok()) matchers.push_back(std::move(*m));
  };
  add(kMetricName, kAlertForStateMetricName);
  add(kAlertNameLabel, spec_.alert);
  for (const Label& l : spec_.labels) {
    // Templated labels cannot be matched before expansion.
    if (l.value.find("{{") == std::string::npos) add(l.name, l.value);
  }
  absl::StatusOr<promql::Vector> last =
      LastSamples(*ctx.storage, matchers, mint, ts);
  // vmalert's remote restore: the datasource holds the state a replica
  // without a log of its own wrote (through remote write or federation).
  bool remote = false;
  if (last.ok() && last->empty() && ctx.options->for_state_fallback) {
    last = ctx.options->for_state_fallback(matchers, mint, ts);
    remote = true;
  }
  if (!last.ok()) return last.status();
  absl::flat_hash_map<uint64_t, Sample> last_by_alert;
  for (const promql::VectorSample& s : *last) {
    LabelsBuilder b(s.metric);
    b.Del(kMetricName);
    last_by_alert[b.Build().Hash()] = {s.t, s.v};
  }
  for (auto& [h, in] : active_) {
    Alert& a = in.alert;
    auto found = last_by_alert.find(a.labels.Hash());
    if (found == last_by_alert.end() && remote) {
      // Remote write adds the external labels an alert does not have.
      LabelsBuilder b(a.labels);
      for (const Label& l : ctx.options->external_labels) {
        if (a.labels.Get(l.name).empty()) b.Set(l.name, l.value);
      }
      found = last_by_alert.find(b.Build().Hash());
    }
    if (found == last_by_alert.end() || IsStaleNaN(found->second.v) ||
        !(std::fabs(found->second.v) < kMaxActiveAtSeconds)) {
      continue;  // a NaN or absurd active_at is no clock to restore
    }
    // Seconds resolution, as ALERTS_FOR_STATE stores them.
    const int64_t down_at = found->second.t / 1000 * 1000;
    int64_t restored_active_at = static_cast<int64_t>(found->second.v) * 1000;
    const int64_t remaining = hold - (down_at - restored_active_at);
    if (remaining <= 0) {
      // It was firing when vigil went down; the next Eval decides.
    } else if (remaining < for_grace_period_ms) {
      restored_active_at = ts + for_grace_period_ms - hold;
    } else {
      restored_active_at += ts - down_at;
    }
    a.active_at_ms = restored_active_at;
  }
  PublishSnapshot();
  return absl::OkStatus();
}

absl::StatusOr<promql::Vector> AlertingRule::LastSamples(
    Storage& storage, const Matchers& matchers, int64_t mint, int64_t maxt) {
  auto querier = storage.OpenQuerier(mint, maxt);
  if (!querier.ok()) return querier.status();
  auto series = (*querier)->Select({mint, maxt}, matchers);
  if (!series.ok()) return series.status();
  promql::Vector out;
  for (const auto& s : *series) {
    auto it = s->Iterator();
    Sample last;
    bool any = false;
    while (it->Next()) {
      last = it->At();
      any = true;
    }
    if (any) out.push_back({s->labels(), last.t, last.v});
  }
  return out;
}

int AlertingRule::RestoreSavedAlerts(const std::vector<Alert>& saved,
                                     int64_t down_at_ms, int64_t now_ms,
                                     int64_t outage_tolerance_ms,
                                     int64_t for_grace_period_ms) {
  const int64_t hold = spec_.for_ms;
  // A clock that went backwards counts as no downtime.
  const int64_t downtime = std::max<int64_t>(0, now_ms - down_at_ms);
  active_.clear();
  sorted_valid_ = false;
  int kept = 0;
  for (Alert a : saved) {
    if (a.state == AlertState::kInactive) {
      // Resolved and still retained: kept so Alertmanager hears of it.
      if (a.resolved_at_ms == 0 ||
          now_ms - a.resolved_at_ms > kResolvedRetentionMs) {
        continue;
      }
    } else if (downtime > outage_tolerance_ms) {
      // Prometheus reads ALERTS_FOR_STATE only within the outage tolerance.
      continue;
    } else if (a.state == AlertState::kPending) {
      // Prometheus's RestoreForState.
      if (hold < for_grace_period_ms) continue;  // waits its full `for` again
      const int64_t remaining = hold - (down_at_ms - a.active_at_ms);
      if (remaining <= 0) {
        // Due to fire when it went down: the next Eval fires it.
      } else if (remaining < for_grace_period_ms) {
        // Fires no earlier than the grace period after the restart.
        a.active_at_ms = now_ms + for_grace_period_ms - hold;
      } else {
        // The downtime does not count towards `for`.
        a.active_at_ms += downtime;
      }
    }
    // Firing alerts stay firing. Prometheus, knowing only active_at from
    // ALERTS_FOR_STATE, makes them pending for one evaluation and re-fires
    // them; the file knows they fired, so there is no gap and no new
    // fired_at (and a `for` under the grace period does not start over).
    const uint64_t h = a.labels.Hash();
    active_.insert_or_assign(h, Instance(std::move(a)));
    ++kept;
  }
  restored_from_file_ = true;
  PublishSnapshot();
  return kept;
}

void AlertingRule::CopyStateFrom(const AlertingRule& old) {
  // The alerts only: the series labels are rebuilt from this rule's spec.
  active_.clear();
  sorted_valid_ = false;
  for (const auto& [h, in] : old.active_)
    active_.emplace(h, Instance(in.alert));
  restored_from_file_ = old.restored_from_file_;
  PublishSnapshot();
}

}  // namespace vigil::rules
