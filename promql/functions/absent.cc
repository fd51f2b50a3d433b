// absent() and absent_over_time(): one sample of value 1 when the argument
// has no data, labelled from the selector's equality matchers.
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "promql/functions/common.h"
#include "promql/functions/impls.h"

namespace vigil::promql::functions {
namespace {

// Prometheus's createLabelsForAbsentFunction. A label matched by equality
// exactly once is kept; one matched any other way, or twice (as in
// x{job="a",job="b"}), is left out. Parentheses around the selector do not
// matter; any other expression gives no labels.
Labels AbsentLabels(const FunctionArgs& args) {
  if (args.call.args.empty()) return Labels();
  const Expr* e = args.call.args[0].get();
  while (e != nullptr && e->kind == NodeKind::kParen) {
    e = e->As<ParenExpr>().expr.get();
  }
  const VectorSelector* vs = nullptr;
  if (e != nullptr && e->kind == NodeKind::kVectorSelector) {
    vs = &e->As<VectorSelector>();
  } else if (e != nullptr && e->kind == NodeKind::kMatrixSelector) {
    vs = e->As<MatrixSelector>().selector.get();
  }
  if (vs == nullptr) return Labels();
  LabelsBuilder b;
  absl::flat_hash_set<std::string> seen;
  for (const Matcher& m : vs->matchers) {
    if (m.name() == kMetricName) continue;
    if (m.type() == MatchType::kEqual && !seen.contains(m.name())) {
      b.Set(m.name(), m.value());
      seen.insert(m.name());
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

void AppendAbsent(const FunctionArgs& args, EvalVector* out) {
  out->push_back(EvalSample{AbsentLabels(args), args.t, 1, false, nullptr});
}

}  // namespace

absl::Status Absent(const FunctionArgs& args, EvalVector* out) {
  if (VectorArg(args, 0).empty()) AppendAbsent(args, out);
  return absl::OkStatus();
}

absl::Status AbsentOverTime(const FunctionArgs& args, EvalVector* out) {
  const std::vector<WindowSeries>* matrix = MatrixArg(args);
  if (matrix != nullptr) {
    for (const WindowSeries& s : *matrix) {
      if (!s.samples.empty()) return absl::OkStatus();
    }
  }
  AppendAbsent(args, out);
  return absl::OkStatus();
}

}  // namespace vigil::promql::functions
