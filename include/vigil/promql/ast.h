// The PromQL syntax tree, as the parser produces it and the engine and the
// printer consume it.
//
// Ownership: every node owns its children through std::unique_ptr. A tree is
// immutable once parsed; the engine never rewrites it, so one parsed
// expression may be evaluated by many threads at once.
//
// Times and durations are int64 milliseconds, Prometheus's resolution.
// Positions are byte offsets into the parsed string.
#ifndef VIGIL_PROMQL_AST_H_
#define VIGIL_PROMQL_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/matcher.h"

namespace vigil::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// Prometheus's wording: "scalar", "instant vector", "range vector", "string".
std::string_view ValueTypeName(ValueType type);

struct PositionRange {
  int32_t start = 0;  // first byte of the node
  int32_t end = 0;    // one past its last byte
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,  // arithmetic
  // Native-histogram trim operators `</` (trim the upper part) and `>/`
  // (trim the lower part), Prometheus 3.x.
  kTrimUpper,
  kTrimLower,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // comparison
  kAnd,
  kOr,
  kUnless,  // set
};
std::string_view BinaryOpString(BinaryOp op);  // "+", "==", "and", ...
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopK,
  kBottomK,
  kCountValues,
  kQuantile,
  kLimitK,
  kLimitRatio,
};
std::string_view AggregateOpString(AggregateOp op);  // "sum", "topk", ...
// Whether the aggregation takes a parameter before the vector argument.
bool AggregateTakesParam(AggregateOp op);

// `@ start()` / `@ end()`.
enum class AtModifier { kNone, kStart, kEnd };

// One function's signature, as Prometheus's parser/functions.go lists it.
// `variadic` follows Prometheus: 0 = exactly arg_types; -1 = any number of
// further arguments of the last type; n > 0 = up to n optional arguments of
// the trailing types.
struct FunctionSignature {
  std::string_view name;
  std::vector<ValueType> arg_types;
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

// The signature table: nullptr when `name` is not a PromQL function.
const FunctionSignature* LookupFunction(std::string_view name);
// Every signature, sorted by name.
const std::vector<FunctionSignature>& AllFunctions();

enum class NodeKind {
  kAggregate,
  kBinary,
  kCall,
  kDuration,
  kMatrixSelector,
  kNumber,
  kParen,
  kString,
  kSubquery,
  kUnary,
  kVectorSelector,
};

struct Expr {
  explicit Expr(NodeKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  // The type the expression evaluates to (checked by the parser).
  ValueType type() const;

  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }

  const NodeKind kind;
  PositionRange pos;
};

using ExprPtr = std::unique_ptr<Expr>;

// Experimental duration arithmetic inside `[...]`, `offset` and subquery
// steps: `[5m * 2]`, `offset (1h + 5m)`, `[step() + 1m]`. Evaluated to
// milliseconds by the engine, which knows step() and range().
enum class DurationOp {
  kLiteral,  // `number_seconds`
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kNeg,    // unary minus on `lhs`; unary plus is dropped by the parser
  kStep,   // step()
  kRange,  // range()
  kMinOf,  // min_of(lhs, rhs)
  kMaxOf,  // max_of(lhs, rhs)
};

struct DurationExpr : Expr {
  DurationExpr() : Expr(NodeKind::kDuration) {}
  DurationOp op = DurationOp::kLiteral;
  double number_seconds = 0;         // kLiteral: the value in seconds
  bool literal_is_duration = false;  // kLiteral written as `5m` not `300`
  bool wrapped = false;              // written inside parentheses
  std::unique_ptr<DurationExpr> lhs, rhs;
};

struct NumberLiteral : Expr {
  NumberLiteral() : Expr(NodeKind::kNumber) {}
  double value = 0;
  // Written as a duration (`1m`), printed back as one.
  bool is_duration = false;
};

struct StringLiteral : Expr {
  StringLiteral() : Expr(NodeKind::kString) {}
  std::string value;  // unescaped
};

struct ParenExpr : Expr {
  ParenExpr() : Expr(NodeKind::kParen) {}
  ExprPtr expr;
};

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(NodeKind::kUnary) {}
  BinaryOp op = BinaryOp::kSub;  // kAdd or kSub
  ExprPtr expr;
};

enum class MatchCardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  MatchCardinality card = MatchCardinality::kOneToOne;
  // on(...) when `on`, else ignoring(...); sorted as written.
  std::vector<std::string> matching_labels;
  bool on = false;
  // Set when on()/ignoring() was written, even with an empty list.
  bool explicit_matching = false;
  // group_left(...)/group_right(...) extra labels.
  std::vector<std::string> include;
  // Experimental fill modifiers: the value a missing side takes.
  std::optional<double> fill_left;
  std::optional<double> fill_right;
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(NodeKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs, rhs;
  // Present when both sides are vectors.
  std::optional<VectorMatching> matching;
  bool return_bool = false;
};

struct AggregateExpr : Expr {
  AggregateExpr() : Expr(NodeKind::kAggregate) {}
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk's k, quantile's φ, count_values' label, ...
  std::vector<std::string> grouping;
  bool without = false;
  // `by ()`/`without ()` written explicitly (kept for printing).
  bool explicit_grouping = false;
};

struct Call : Expr {
  Call() : Expr(NodeKind::kCall) {}
  const FunctionSignature* func = nullptr;
  std::vector<ExprPtr> args;
};

struct VectorSelector : Expr {
  VectorSelector() : Expr(NodeKind::kVectorSelector) {}
  std::string name;  // may be empty when only matchers were given
  // All matchers, including the __name__ one implied by `name`.
  Matchers matchers;
  int64_t offset_ms = 0;
  std::unique_ptr<DurationExpr> offset_expr;   // experimental; null if plain
  std::optional<int64_t> at_ms;                // `@ <timestamp>`
  AtModifier at_modifier = AtModifier::kNone;  // `@ start()` / `@ end()`
  bool anchored = false;  // experimental extended range selectors
  bool smoothed = false;
  // The info() function's second argument may match only empty labels.
  bool bypass_empty_matcher_check = false;
};

struct MatrixSelector : Expr {
  MatrixSelector() : Expr(NodeKind::kMatrixSelector) {}
  std::unique_ptr<VectorSelector> selector;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;  // experimental; null if plain
};

struct SubqueryExpr : Expr {
  SubqueryExpr() : Expr(NodeKind::kSubquery) {}
  ExprPtr expr;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;
  int64_t step_ms = 0;  // 0: `[range:]`, the engine's default step
  std::unique_ptr<DurationExpr> step_expr;
  int64_t offset_ms = 0;
  std::unique_ptr<DurationExpr> offset_expr;
  std::optional<int64_t> at_ms;
  AtModifier at_modifier = AtModifier::kNone;
};

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_AST_H_
