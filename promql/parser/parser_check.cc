// Type checking after a successful parse, as Prometheus's checkAST does it:
// same traversal order (children first where Prometheus recurses first), so
// the first error reported is the same one.
#include <string>

#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "promql/parser/parser_internal.h"
#include "vigil/labels.h"

namespace vigil::promql {
namespace {

// Go's ValueType.String(), which the subquery error prints instead of the
// documented names.
std::string_view GoValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

bool IsScalarOrVector(ValueType t) {
  return t == ValueType::kScalar || t == ValueType::kVector;
}

}  // namespace

int32_t Parser::OperatorStart(const BinaryExpr& bin) const {
  // Prometheus's opRange: from the end of the left operand, skipping
  // whitespace.
  int32_t p = bin.lhs->pos.end;
  while (p < static_cast<int32_t>(input_.size()) &&
         (input_[p] == ' ' || input_[p] == '\t' || input_[p] == '\n' ||
          input_[p] == '\r')) {
    ++p;
  }
  return p;
}

ValueType Parser::Check(Expr& node) {
  const ValueType type = node.type();
  if (failed()) return type;
  switch (node.kind) {
    case NodeKind::kAggregate:
      CheckAggregate(node.As<AggregateExpr>());
      break;
    case NodeKind::kBinary:
      CheckBinary(node.As<BinaryExpr>());
      break;
    case NodeKind::kCall:
      CheckCall(node.As<Call>());
      break;
    case NodeKind::kParen:
      Check(*node.As<ParenExpr>().expr);
      break;
    case NodeKind::kUnary:
      CheckUnary(node.As<UnaryExpr>());
      break;
    case NodeKind::kSubquery:
      CheckSubquery(node.As<SubqueryExpr>());
      break;
    case NodeKind::kMatrixSelector:
      Check(*node.As<MatrixSelector>().selector);
      break;
    case NodeKind::kVectorSelector:
      CheckVectorSelector(node.As<VectorSelector>());
      break;
    case NodeKind::kNumber:
    case NodeKind::kString:
    case NodeKind::kDuration:
      break;
  }
  return type;
}

void Parser::CheckAggregate(AggregateExpr& agg) {
  const ValueType et = Check(*agg.expr);
  if (et != ValueType::kVector) {
    Fail(agg.expr->pos.start, Cat("expected type instant vector in aggregation "
                                  "expression, got ",
                                  ValueTypeName(et)));
    return;
  }
  if (agg.param) {
    const ValueType want = agg.op == AggregateOp::kCountValues
                               ? ValueType::kString
                               : ValueType::kScalar;
    const ValueType pt = Check(*agg.param);
    if (pt != want) {
      Fail(agg.param->pos.start,
           Cat("expected type ", ValueTypeName(want),
               " in aggregation parameter, got ", ValueTypeName(pt)));
    }
  }
}

void Parser::CheckBinary(BinaryExpr& bin) {
  const ValueType lt = Check(*bin.lhs);
  const ValueType rt = Check(*bin.rhs);
  if (failed()) return;
  if (bin.return_bool && !IsComparison(bin.op)) {
    Fail(OperatorStart(bin),
         "bool modifier can only be used on comparison operators");
    return;
  }
  if (IsComparison(bin.op) && !bin.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    Fail(OperatorStart(bin),
         "comparisons between scalars must use BOOL modifier");
    return;
  }
  CheckBinaryMatching(bin, lt, rt);
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) &&
      IsSetOperator(bin.op)) {
    Fail(bin.pos.start,
         Cat("set operator ", QuoteString(BinaryOpString(bin.op)),
             " not allowed in binary scalar expression"));
  }
}

// The operand types against the vector matching, which a scalar operation
// drops.
void Parser::CheckBinaryMatching(BinaryExpr& bin, ValueType lt, ValueType rt) {
  VectorMatching& vm = *bin.matching;
  if (IsSetOperator(bin.op) && vm.card == MatchCardinality::kOneToOne) {
    vm.card = MatchCardinality::kManyToMany;
  }
  if (vm.on) {
    for (const std::string& l1 : vm.matching_labels) {
      for (const std::string& l2 : vm.include) {
        if (l1 == l2) {
          Fail(OperatorStart(bin),
               Cat("label ", QuoteString(l1),
                   " must not occur in ON and GROUP clause at "
                   "once"));
        }
      }
    }
  }
  if (!IsScalarOrVector(lt)) {
    Fail(bin.lhs->pos.start,
         "binary expression must contain only scalar and instant vector "
         "types");
  }
  if (!IsScalarOrVector(rt)) {
    Fail(bin.rhs->pos.start,
         "binary expression must contain only scalar and instant vector "
         "types");
  }
  const bool fills = vm.fill_left.has_value() || vm.fill_right.has_value();
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    if (!vm.matching_labels.empty()) {
      Fail(bin.pos.start,
           "vector matching only allowed between instant vectors");
    }
    if (fills) {
      Fail(bin.pos.start,
           "filling in missing series only allowed between instant "
           "vectors");
    }
    // Prometheus drops the matching of scalar operations.
    bin.matching.reset();
  } else if (IsSetOperator(bin.op)) {
    if (vm.card == MatchCardinality::kOneToMany ||
        vm.card == MatchCardinality::kManyToOne) {
      Fail(bin.pos.start,
           Cat("no grouping allowed for ", QuoteString(BinaryOpString(bin.op)),
               " operation"));
    }
    if (vm.card != MatchCardinality::kManyToMany) {
      Fail(bin.pos.start, "set operations must always be many-to-many");
    }
    if (fills) {
      Fail(bin.pos.start,
           "filling in missing series not allowed for set operators");
    }
  }
}

void Parser::CheckCall(Call& call) {
  if (!CheckCallArity(call)) return;
  if (call.func->name == "info" && !CheckInfoLabels(call)) return;
  const FunctionSignature& fn = *call.func;
  const size_t nargs = fn.arg_types.size();
  const std::string quoted_name = QuoteString(fn.name);
  for (size_t i = 0; i < call.args.size() && !failed(); ++i) {
    size_t slot = i;
    if (i >= nargs) {
      if (fn.variadic == 0) break;
      slot = nargs - 1;
    }
    const ValueType at = Check(*call.args[i]);
    if (!failed() && at != fn.arg_types[slot]) {
      Fail(call.args[i]->pos.start,
           Cat("expected type ", ValueTypeName(fn.arg_types[slot]),
               " in call to function ", quoted_name, ", got ",
               ValueTypeName(at)));
    }
  }
}

// The number of arguments against the signature; false after a failure.
bool Parser::CheckCallArity(const Call& call) {
  const FunctionSignature& fn = *call.func;
  const size_t nargs = fn.arg_types.size();
  if (fn.variadic == 0) {
    if (nargs != call.args.size()) {
      return Fail(call.pos.start,
                  Cat("expected ", nargs, " argument(s) in call to ",
                      QuoteString(fn.name), ", got ", call.args.size()));
    }
    return true;
  }
  const size_t na = nargs - 1;
  if (na > call.args.size()) {
    return Fail(call.pos.start,
                Cat("expected at least ", na, " argument(s) in call to ",
                    QuoteString(fn.name), ", got ", call.args.size()));
  }
  if (fn.variadic > 0 && na + fn.variadic < call.args.size()) {
    return Fail(
        call.pos.start,
        Cat("expected at most ", na + fn.variadic, " argument(s) in call to ",
            QuoteString(fn.name), ", got ", call.args.size()));
  }
  return true;
}

// info()'s optional second argument: a selector of labels only, which may
// match the empty string; false after a failure.
bool Parser::CheckInfoLabels(Call& call) {
  if (call.args.size() <= 1) return true;
  Expr& labels = *call.args[1];
  if (labels.type() != ValueType::kVector) {
    return Fail(call.pos.start, Cat("expected type instant vector in call to "
                                    "function \"info\", got ",
                                    ValueTypeName(labels.type())));
  }
  if (labels.kind != NodeKind::kVectorSelector) {
    return Fail(labels.pos.start, "expected label selectors only");
  }
  auto& vs = labels.As<VectorSelector>();
  if (!vs.name.empty()) {
    return Fail(labels.pos.start,
                "expected label selectors only, got vector selector instead");
  }
  vs.bypass_empty_matcher_check = true;
  return true;
}

void Parser::CheckUnary(UnaryExpr& unary) {
  const ValueType t = Check(*unary.expr);
  if (!failed() && !IsScalarOrVector(t)) {
    Fail(unary.pos.start, Cat("unary expression only allowed on expressions of "
                              "type scalar or instant vector, got ",
                              QuoteString(ValueTypeName(t))));
  }
}

void Parser::CheckSubquery(SubqueryExpr& sq) {
  const ValueType t = Check(*sq.expr);
  if (!failed() && t != ValueType::kVector) {
    Fail(sq.pos.start, Cat("subquery is only allowed on instant vector, got ",
                           GoValueTypeName(t), " instead"));
  }
}

void Parser::CheckVectorSelector(const VectorSelector& vs) {
  if (!vs.name.empty()) {
    // The last matcher is the one the name implies.
    for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
      if (vs.matchers[i].name() == kMetricName) {
        Fail(vs.pos.start,
             Cat("metric name must not be set twice: ", QuoteString(vs.name),
                 " or ", QuoteString(vs.matchers[i].value())));
        return;
      }
    }
    return;
  }
  if (vs.bypass_empty_matcher_check) return;
  for (const Matcher& m : vs.matchers) {
    if (!m.Matches("")) return;
  }
  Fail(vs.pos.start,
       "vector selector must contain at least one non-empty matcher");
}

}  // namespace vigil::promql
