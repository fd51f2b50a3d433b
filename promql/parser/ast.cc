#include "vigil/promql/ast.h"

namespace vigil::promql {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

std::string_view BinaryOpString(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kTrimUpper:
      return "</";
    case BinaryOp::kTrimLower:
      return ">/";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  return op >= BinaryOp::kEql && op <= BinaryOp::kLte;
}

bool IsSetOperator(BinaryOp op) { return op >= BinaryOp::kAnd; }

std::string_view AggregateOpString(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopK:
      return "topk";
    case AggregateOp::kBottomK:
      return "bottomk";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kLimitK:
      return "limitk";
    case AggregateOp::kLimitRatio:
      return "limit_ratio";
  }
  return "?";
}

bool AggregateTakesParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopK:
    case AggregateOp::kBottomK:
    case AggregateOp::kCountValues:
    case AggregateOp::kQuantile:
    case AggregateOp::kLimitK:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

ValueType Expr::type() const {
  switch (kind) {
    case NodeKind::kAggregate:
      return ValueType::kVector;
    case NodeKind::kBinary: {
      const auto& b = As<BinaryExpr>();
      return b.lhs->type() == ValueType::kScalar &&
                     b.rhs->type() == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    case NodeKind::kCall:
      return As<Call>().func->return_type;
    case NodeKind::kDuration:
      return ValueType::kScalar;
    case NodeKind::kMatrixSelector:
      return ValueType::kMatrix;
    case NodeKind::kNumber:
      return ValueType::kScalar;
    case NodeKind::kParen:
      return As<ParenExpr>().expr->type();
    case NodeKind::kString:
      return ValueType::kString;
    case NodeKind::kSubquery:
      return ValueType::kMatrix;
    case NodeKind::kUnary:
      return As<UnaryExpr>().expr->type();
    case NodeKind::kVectorSelector:
      return ValueType::kVector;
  }
  return ValueType::kNone;
}

}  // namespace vigil::promql
