#include "lib/rules/recording_rule.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace vigil::rules {

absl::StatusOr<promql::Vector> RecordingRule::Eval(const RuleEvalContext& ctx) {
  auto vector = QueryVector(ctx, spec_.expr, *expr_);
  if (!vector.ok()) return vector.status();
  absl::flat_hash_set<uint64_t> seen;
  for (promql::VectorSample& s : *vector) {
    LabelsBuilder b(s.metric);
    b.Set(kMetricName, spec_.record);
    for (const Label& l : spec_.labels) b.Set(l.name, l.value);
    s.metric = b.Build();
    if (!seen.insert(s.metric.Hash()).second) {
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
