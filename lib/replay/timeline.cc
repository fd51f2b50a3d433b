#include "lib/replay/timeline.h"

#include <algorithm>

#include "vigil/rules.h"
#include "vigil/storage.h"

namespace vigil::replay {
namespace {

const std::vector<std::string>& AlertStateName() {
  static const auto* names =
      new std::vector<std::string>{std::string(rules::kAlertStateLabel)};
  return *names;
}

}  // namespace

Timeline::Timeline(std::vector<std::pair<std::string, std::string>> groups)
    : groups_(std::move(groups)), open_(groups_.size()) {}

void Timeline::BeginEval(size_t group, int64_t ts_ms) {
  group_ = group;
  ts_ms_ = ts_ms;
}

void Timeline::Observe(const Labels& labels, double v) {
  if (IsStaleNaN(v) || labels.MetricName() != rules::kAlertMetricName) return;
  if (buffering_) {
    buffered_.push_back({ts_ms_, labels});
    return;
  }
  Apply(labels);
}

void Timeline::StartBuffering() {
  buffering_ = true;
  buffered_.clear();
}

void Timeline::FlushBuffered(
    size_t group, const std::vector<int64_t>& times,
    const std::vector<absl::flat_hash_set<std::string>>& kept) {
  buffering_ = false;
  std::stable_sort(
      buffered_.begin(), buffered_.end(),
      [](const Buffered& a, const Buffered& b) { return a.ts_ms < b.ts_ms; });
  size_t next = 0;
  for (size_t k = 0; k < times.size(); ++k) {
    BeginEval(group, times[k]);
    for (; next < buffered_.size() && buffered_[next].ts_ms <= times[k];
         ++next) {
      Apply(buffered_[next].labels);
    }
    EndEval(kept[k]);
  }
  buffered_.clear();
}

size_t Timeline::Track(const Labels& labels) {
  const Key key{group_, labels.HashFor(AlertStateName(), false)};
  auto [it, inserted] = index_.try_emplace(key, tracked_.size());
  if (inserted) {
    Tracked t;
    t.instance.alertname = std::string(labels.Get(rules::kAlertNameLabel));
    t.instance.group = groups_[group_].first;
    t.instance.file = groups_[group_].second;
    LabelsBuilder b(labels);
    b.Del(kMetricName);
    b.Del(rules::kAlertStateLabel);
    t.instance.labels = b.Build();
    tracked_.push_back(std::move(t));
  }
  return it->second;
}

void Timeline::Apply(const Labels& labels) {
  // The rules write each instance's ALERTS with the same label objects at
  // every evaluation, whose full hash is cached: look that up first, and
  // hash without alertstate only for a series not seen before.
  auto [by_series, new_series] =
      by_series_.try_emplace(Key{group_, labels.Hash()}, 0);
  if (new_series) by_series->second = Track(labels);
  const size_t idx = by_series->second;
  Tracked& t = tracked_[idx];
  if (!t.open) {
    t.open = true;
    t.instance.episodes.push_back({ts_ms_, std::nullopt, std::nullopt});
    open_[group_].push_back(idx);
  }
  Episode& e = t.instance.episodes.back();
  if (!e.fired_ms && labels.Get(rules::kAlertStateLabel) ==
                         rules::AlertStateName(rules::AlertState::kFiring)) {
    e.fired_ms = ts_ms_;
  }
  t.last_seen_ms = ts_ms_;
}

void Timeline::EndEval(const absl::flat_hash_set<std::string>& kept_alerts) {
  std::vector<size_t>& open = open_[group_];
  size_t kept = 0;
  for (size_t idx : open) {
    Tracked& t = tracked_[idx];
    if (t.last_seen_ms == ts_ms_ ||
        kept_alerts.contains(t.instance.alertname)) {
      open[kept++] = idx;
      continue;
    }
    t.open = false;
    t.instance.episodes.back().resolved_ms = ts_ms_;
  }
  open.resize(kept);
}

std::vector<AlertInstance> Timeline::Take() {
  std::vector<AlertInstance> out;
  out.reserve(tracked_.size());
  for (Tracked& t : tracked_) out.push_back(std::move(t.instance));
  std::sort(out.begin(), out.end(),
            [](const AlertInstance& a, const AlertInstance& b) {
              if (a.alertname != b.alertname) return a.alertname < b.alertname;
              if (a.labels != b.labels) return a.labels < b.labels;
              return a.group < b.group;
            });
  tracked_.clear();
  index_.clear();
  by_series_.clear();
  return out;
}

}  // namespace vigil::replay
