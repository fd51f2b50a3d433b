#include "lib/rules/recording_rule.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace vigil::rules {
namespace {

// LabelsBuilder::Set on a vector of pairs that FromVector sorts afterwards.
void SetLabel(std::vector<Label>& pairs, std::string_view name,
              std::string_view value) {
  auto it = std::find_if(pairs.begin(), pairs.end(),
                         [&](const Label& l) { return l.name == name; });
  if (value.empty()) {
    if (it != pairs.end()) pairs.erase(it);
  } else if (it != pairs.end()) {
    it->value = std::string(value);
  } else {
    pairs.push_back({std::string(name), std::string(value)});
  }
}

}  // namespace

Labels RecordingRule::OutputLabels(const Labels& metric) const {
  // One copy of the pairs, not a builder's two (its copy, then Build's).
  std::vector<Label> pairs(metric.begin(), metric.end());
  SetLabel(pairs, kMetricName, spec_.record);
  for (const Label& l : spec_.labels) SetLabel(pairs, l.name, l.value);
  return Labels::FromVector(std::move(pairs));
}

absl::StatusOr<promql::Vector> RecordingRule::Eval(const RuleEvalContext& ctx) {
  auto vector = QueryVector(ctx, spec_.expr, *expr_);
  if (!vector.ok()) return vector.status();
  derived_.BeginEval();
  // absl's clear() frees a large table: without the reserve every
  // evaluation grew it again, rehashing each time.
  seen_.clear();
  seen_.reserve(vector->size());
  for (promql::VectorSample& s : *vector) {
    s.metric = derived_.Get(
        s.metric, [this](const Labels& m) { return OutputLabels(m); });
    if (!seen_.insert(s.metric.Hash()).second) {
      return absl::InvalidArgumentError(
          "vector contains metrics with the same labelset after applying rule "
          "labels");
    }
  }
  if (ctx.limit > 0 && static_cast<int64_t>(vector->size()) > ctx.limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "exceeded limit of ", ctx.limit, " with ", vector->size(), " series"));
  }
  return vector;
}

}  // namespace vigil::rules
