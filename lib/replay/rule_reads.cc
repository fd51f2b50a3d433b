// What the rules' queries read: how far back (QueryReach), which is how
// much a source must keep behind the evaluation time, and which series
// (RuleSelectors), which is what a fetching source asks for.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "lib/ruletest/expr_walk.h"
#include "vigil/promql/parser.h"
#include "vigil/replay.h"

namespace vigil::replay {

std::optional<int64_t> QueryReach(const std::vector<RuleGroupSpec>& groups,
                                  const promql::EngineOptions& engine,
                                  int64_t default_query_offset_ms) {
  int64_t reach = 0;
  for (const RuleGroupSpec& g : groups) {
    const int64_t query_offset =
        g.query_offset_ms.value_or(default_query_offset_ms);
    for (const RuleSpec& r : g.rules) {
      auto expr = promql::ParseExpr(r.expr, engine.parse_options);
      if (!expr.ok()) continue;  // Run() reports it
      // Ranges and offsets nest (a range inside a subquery inside an
      // offset), so their sum bounds any path through the expression.
      int64_t sum =
          engine.lookback_delta_ms + std::max<int64_t>(0, query_offset);
      bool unbounded = false;
      ruletest::WalkExpr(**expr, [&](const promql::Expr& e) {
        switch (e.kind) {
          case promql::NodeKind::kVectorSelector: {
            const auto& s = e.As<promql::VectorSelector>();
            if (s.at_ms.has_value() ||
                s.at_modifier != promql::AtModifier::kNone ||
                s.offset_expr != nullptr) {
              unbounded = true;
            }
            sum += std::abs(s.offset_ms);
            break;
          }
          case promql::NodeKind::kMatrixSelector: {
            const auto& m = e.As<promql::MatrixSelector>();
            if (m.range_expr != nullptr) unbounded = true;
            sum += m.range_ms;
            break;
          }
          case promql::NodeKind::kSubquery: {
            const auto& s = e.As<promql::SubqueryExpr>();
            if (s.at_ms.has_value() ||
                s.at_modifier != promql::AtModifier::kNone ||
                s.range_expr != nullptr || s.offset_expr != nullptr ||
                s.step_expr != nullptr) {
              unbounded = true;
            }
            // A subquery's steps are aligned to multiples of its step, so
            // its first one may sit a step before its range.
            sum += s.range_ms + std::abs(s.offset_ms) +
                   std::max(s.step_ms, engine.default_subquery_step_ms);
            break;
          }
          default:
            break;
        }
      });
      if (unbounded) return std::nullopt;
      reach = std::max(reach, sum);
    }
  }
  return reach;
}

std::vector<Matchers> RuleSelectors(const std::vector<RuleGroupSpec>& groups,
                                    const promql::ParseOptions& parse) {
  std::vector<Matchers> out;
  std::set<std::string> seen;
  for (const RuleGroupSpec& g : groups) {
    for (const RuleSpec& r : g.rules) {
      auto expr = promql::ParseExpr(r.expr, parse);
      if (!expr.ok()) continue;  // Run() reports it
      ruletest::WalkExpr(**expr, [&](const promql::Expr& e) {
        if (e.kind != promql::NodeKind::kVectorSelector) return;
        const Matchers& m = e.As<promql::VectorSelector>().matchers;
        std::string key;
        for (const Matcher& x : m) key += x.ToString() + "\n";
        if (seen.insert(key).second) out.push_back(m);
      });
    }
  }
  return out;
}

}  // namespace vigil::replay
