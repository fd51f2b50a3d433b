#include "tests/promqltest/at_modifier_variants.h"

#include <set>

#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"

namespace vigil::promqltest {
namespace {

using promql::NodeKind;

// Prometheus's promql.AtModifierUnsafeFunctions, plus the query-context
// functions start(), end(), range() and step(), which are newer than the
// upstream table vigil could read: upstream's own `eval instant at 0s
// start()` expecting 0 can only pass if its harness does not re-run start()
// at other times, so they must be in its table too.
bool IsAtModifierUnsafe(std::string_view name) {
  static const auto* names = new std::set<std::string_view>{
      "days_in_month", "day_of_month", "day_of_week", "day_of_year",    "hour",
      "minute",        "month",        "year",        "predict_linear", "time",
      "timestamp",     "start",        "end",         "range",          "step",
  };
  return names->contains(name);
}

// A parsed `@ start()`/`@ end()` has no timestamp in Prometheus's AST, so
// upstream pins it like a bare selector, and the printer then shows the
// timestamp. Clearing the modifier keeps the printed text the same.
void Pin(std::optional<int64_t>* at_ms, promql::AtModifier* modifier,
         int64_t ts) {
  if (at_ms->has_value()) return;
  *at_ms = ts;
  *modifier = promql::AtModifier::kNone;
}

void PinSelectors(promql::Expr& e, int64_t ts, bool* unsafe) {
  switch (e.kind) {
    case NodeKind::kVectorSelector: {
      auto& vs = e.As<promql::VectorSelector>();
      Pin(&vs.at_ms, &vs.at_modifier, ts);
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto& vs = *e.As<promql::MatrixSelector>().selector;
      Pin(&vs.at_ms, &vs.at_modifier, ts);
      break;
    }
    case NodeKind::kSubquery: {
      // Once the subquery has a timestamp, upstream's walk leaves everything
      // below it alone, function calls included.
      auto& sq = e.As<promql::SubqueryExpr>();
      Pin(&sq.at_ms, &sq.at_modifier, ts);
      break;
    }
    case NodeKind::kCall: {
      auto& call = e.As<promql::Call>();
      if (call.func != nullptr && IsAtModifierUnsafe(call.func->name)) {
        *unsafe = true;
      }
      for (auto& arg : call.args) PinSelectors(*arg, ts, unsafe);
      break;
    }
    case NodeKind::kParen:
      PinSelectors(*e.As<promql::ParenExpr>().expr, ts, unsafe);
      break;
    case NodeKind::kUnary:
      PinSelectors(*e.As<promql::UnaryExpr>().expr, ts, unsafe);
      break;
    case NodeKind::kBinary: {
      auto& b = e.As<promql::BinaryExpr>();
      PinSelectors(*b.lhs, ts, unsafe);
      PinSelectors(*b.rhs, ts, unsafe);
      break;
    }
    case NodeKind::kAggregate: {
      auto& a = e.As<promql::AggregateExpr>();
      if (a.param != nullptr) PinSelectors(*a.param, ts, unsafe);
      PinSelectors(*a.expr, ts, unsafe);
      break;
    }
    case NodeKind::kDuration:
    case NodeKind::kNumber:
    case NodeKind::kString:
      break;
  }
}

}  // namespace

absl::StatusOr<std::vector<InstantQuery>> AtModifierVariants(
    std::string_view expr, int64_t eval_ms) {
  auto parsed =
      promql::ParseExpr(expr, promql::ParseOptions::AllExperimental());
  if (!parsed.ok()) return parsed.status();
  bool unsafe = false;
  PinSelectors(**parsed, eval_ms, &unsafe);
  if (unsafe) return std::vector<InstantQuery>{};
  std::string pinned = promql::Format(**parsed);
  // upstream's additionalEvalTimes.
  const int64_t ts = eval_ms;
  std::vector<int64_t> times = {-10 * ts, 0, ts / 5, ts, 10 * ts};
  if (ts == 0) times = {-1000, 0, 1000};
  std::vector<InstantQuery> out;
  for (int64_t t : times) out.push_back({pinned, t});
  return out;
}

}  // namespace vigil::promqltest
