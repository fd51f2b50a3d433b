// Label-set operations of the evaluator that Prometheus's labels package
// provides: dropping the metadata labels and the matching-label subset.
#include <algorithm>

#include "promql/evaluator.h"
#include "promql/functions/common.h"

namespace vigil::promql::eval {

Labels DropMetadataLabels(const Labels& ls) {
  // Prometheus 3 drops __name__ together with the type-and-unit metadata
  // labels (schema.IsMetadataLabel).
  return functions::DropMetadataLabels(ls);
}

Labels MatchLabels(const Labels& ls, bool on,
                   const std::vector<std::string>& names) {
  std::vector<Label> out;
  for (const Label& l : ls) {
    bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
    if (on == listed && (on || l.name != kMetricName)) out.push_back(l);
  }
  return Labels::FromVector(std::move(out));
}

}  // namespace vigil::promql::eval
