// The syntax tree's children by node kind, as a table of small functions.
#include "lib/ruletest/expr_walk.h"

#include "vigil/labels.h"
#include "vigil/matcher.h"

namespace vigil::ruletest {
namespace {

using promql::Expr;
using promql::NodeKind;

void Children(const Expr& e, std::vector<const Expr*>* out) {
  auto add = [out](const auto& p) {
    if (p) out->push_back(p.get());
  };
  switch (e.kind) {
    case NodeKind::kAggregate:
      add(e.As<promql::AggregateExpr>().param);
      add(e.As<promql::AggregateExpr>().expr);
      break;
    case NodeKind::kBinary:
      add(e.As<promql::BinaryExpr>().lhs);
      add(e.As<promql::BinaryExpr>().rhs);
      break;
    case NodeKind::kCall:
      for (const auto& a : e.As<promql::Call>().args) add(a);
      break;
    case NodeKind::kMatrixSelector:
      add(e.As<promql::MatrixSelector>().selector);
      break;
    case NodeKind::kParen:
      add(e.As<promql::ParenExpr>().expr);
      break;
    case NodeKind::kSubquery:
      add(e.As<promql::SubqueryExpr>().expr);
      break;
    case NodeKind::kUnary:
      add(e.As<promql::UnaryExpr>().expr);
      break;
    case NodeKind::kDuration:
    case NodeKind::kNumber:
    case NodeKind::kString:
    case NodeKind::kVectorSelector:
      break;
  }
}

}  // namespace

void WalkExpr(const Expr& expr, const std::function<void(const Expr&)>& fn) {
  // Iterative, so that deeply nested input cannot exhaust the stack.
  std::vector<const Expr*> stack = {&expr};
  while (!stack.empty()) {
    const Expr* e = stack.back();
    stack.pop_back();
    fn(*e);
    std::vector<const Expr*> kids;
    Children(*e, &kids);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
  }
}

std::string SelectorMetricName(const promql::VectorSelector& selector) {
  if (!selector.name.empty()) return selector.name;
  for (const Matcher& m : selector.matchers) {
    if (m.name() == vigil::kMetricName && m.type() == MatchType::kEqual) {
      return m.value();
    }
  }
  return "";
}

std::vector<std::string> SelectedMetricNames(const Expr& expr) {
  std::vector<std::string> names;
  WalkExpr(expr, [&](const Expr& e) {
    if (e.kind != NodeKind::kVectorSelector) return;
    std::string name = SelectorMetricName(e.As<promql::VectorSelector>());
    if (!name.empty()) names.push_back(std::move(name));
  });
  return names;
}

}  // namespace vigil::ruletest
