// The recursive-descent PromQL parser shared by parser.cc (grammar),
// parser_duration.cc (durations, numbers, strings) and parser_check.cc
// (Prometheus's checkAST type checks). Internal; not installed.
//
// Error model: Prometheus collects every error but reports only the first,
// so this parser stops at the first one. Lexer errors are recorded when the
// token is first looked at, which is when Prometheus's yacc parser reads its
// lookahead, so the same error wins.
#ifndef VIGIL_PROMQL_PARSER_PARSER_INTERNAL_H_
#define VIGIL_PROMQL_PARSER_PARSER_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "lib/model/absl_compat.h"
#include "promql/parser/lexer.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"

namespace vigil::promql {

// Prometheus's number(): strconv.ParseInt(s, 0, 64), else ParseFloat.
// The error text is Go's ("strconv.ParseFloat: parsing \"x\": ...").
absl::StatusOr<double> ParseNumberText(std::string_view text);
// model.ParseDuration as seconds, as time.Duration.Seconds() computes them.
absl::StatusOr<double> ParseDurationSeconds(std::string_view text);
// strutil.Unquote of a lexed string token (quotes included).
std::string UnquoteToken(std::string_view token);
// "line:col" of a byte offset, as PositionRange.StartPosInput prints it.
std::string LineColumn(std::string_view input, int32_t pos);
// Prometheus's time conversions: seconds to int64 milliseconds.
int64_t SecondsToDurationMs(double seconds);   // truncating, like Go
int64_t SecondsToTimestampMs(double seconds);  // rounding, like Go

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& options)
      : input_(input), options_(options), lexer_(input) {}

  absl::StatusOr<ExprPtr> ParseExpression();
  absl::StatusOr<Matchers> ParseSelectorOnly();

 private:
  enum class DurationContext { kBracket, kOffset };

  // Token stream.
  const Token& Peek();
  Token Consume();
  bool Expect(TokenType type, std::string_view context,
              std::string_view expected, Token* out = nullptr);

  // Errors: record the first one; always return false.
  bool Fail(int32_t pos, std::string message);
  bool Unexpected(const Token& token, std::string_view context,
                  std::string_view expected);
  bool failed() const { return error_.has_value(); }
  absl::Status ErrorStatus() const;

  // Expressions.
  ExprPtr ParseBinary(int min_precedence, int depth);
  ExprPtr ParseUnary(int depth);
  ExprPtr ParsePrimary(int depth);
  ExprPtr ParsePostfix(ExprPtr expr, int depth);
  ExprPtr ParseCall(const Token& name, int depth);
  ExprPtr ParseAggregate(const Token& op, int depth);
  bool ParseCallArgs(std::vector<ExprPtr>* args, int depth);
  bool ParseBinaryModifiers(BinaryExpr* bin);
  bool ParseGroupingLabels(std::vector<std::string>* labels);
  std::unique_ptr<VectorSelector> ParseVectorSelector(const Token* name);
  bool ParseLabelMatchers(VectorSelector* vs);
  ExprPtr ParseRangeOrSubquery(ExprPtr expr, int depth);
  bool ParseOffset(Expr* expr);
  bool ParseAt(Expr* expr);
  bool SetExtendedModifier(Expr* expr, bool anchored);

  // Duration expressions (parser_duration.cc).
  std::unique_ptr<DurationExpr> ParseDurationExpr(int min_precedence,
                                                  DurationContext ctx,
                                                  int depth);
  std::unique_ptr<DurationExpr> ParseDurationUnary(DurationContext ctx,
                                                   int depth);
  std::unique_ptr<DurationExpr> ParseDurationPrimary(DurationContext ctx,
                                                     int depth);
  std::unique_ptr<DurationExpr> ParseOffsetDuration(int depth);
  std::unique_ptr<DurationExpr> NumberToDuration(const Token& token);
  std::unique_ptr<DurationExpr> ApplyDurationSign(
      const Token& sign, std::unique_ptr<DurationExpr> operand);
  // Splits a parsed duration into a plain literal (ms) or an expression,
  // with Prometheus's checks; false on error.
  bool ResolveDuration(std::unique_ptr<DurationExpr> d, bool must_be_positive,
                       int64_t* ms, std::unique_ptr<DurationExpr>* expr);
  ExprPtr NumberLiteralFrom(const Token& token);

  // Nesting guard: every node's height is tracked so that no tree the
  // engine or printer later walks recursively is deeper than max_depth.
  bool Track(const Expr* node);
  int Height(const Expr* node) const;
  bool CheckDepth(int depth, int32_t pos);

  // Type checking (parser_check.cc): Check dispatches on the node kind to
  // one checker per kind, each recording the first error with Fail.
  ValueType Check(Expr& node);
  void CheckAggregate(AggregateExpr& agg);
  void CheckBinary(BinaryExpr& bin);
  void CheckBinaryMatching(BinaryExpr& bin, ValueType lt, ValueType rt);
  void CheckCall(Call& call);
  bool CheckCallArity(const Call& call);
  bool CheckInfoLabels(Call& call);
  void CheckUnary(UnaryExpr& unary);
  void CheckSubquery(SubqueryExpr& sq);
  void CheckVectorSelector(const VectorSelector& vs);
  int32_t OperatorStart(const BinaryExpr& bin) const;

  std::string_view input_;
  ParseOptions options_;
  Lexer lexer_;
  std::optional<Token> lookahead_;
  int32_t last_closing_ = 0;
  struct Error {
    int32_t pos;
    std::string message;
  };
  std::optional<Error> error_;
  std::unordered_map<const Expr*, int> heights_;
};

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_PARSER_PARSER_INTERNAL_H_
