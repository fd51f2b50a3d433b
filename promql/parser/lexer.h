// The PromQL lexer: turns query text into tokens the way Prometheus's
// promql/parser/lex.go does, including its context-dependent modes (inside
// `{...}` every word is a label name; inside `[...]` only durations,
// arithmetic and the duration keywords are allowed) and its error messages,
// which the parser reports verbatim ("unexpected character: '}'").
//
// Internal to vigil's promql layer; not installed.
#ifndef VIGIL_PROMQL_PARSER_LEXER_H_
#define VIGIL_PROMQL_PARSER_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::promql {

enum class TokenType : uint8_t {
  kEOF,
  kError,  // text() is the message; lexing stops after it
  kIdentifier,
  kMetricIdentifier,  // an identifier containing ':'
  kString,            // raw text including quotes
  kNumber,
  kDuration,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kEql,  // `=`
  kColon,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // `==`
  kNeq,
  kLte,
  kLss,
  kGte,
  kGtr,
  kEqlRegex,
  kNeqRegex,
  kAt,
  kAtan2,
  kTrimUpper,  // `</`
  kTrimLower,  // `>/`
  kLand,
  kLor,
  kLunless,
  // Aggregators.
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
  // Keywords.
  kBool,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kOffset,
  kAnchored,
  kSmoothed,
  kFill,
  kFillLeft,
  kFillRight,
  // Preprocessors and duration-expression functions.
  kStart,
  kEnd,
  kStep,
  kRange,
  kMinOf,
  kMaxOf,
};

bool IsOperatorToken(TokenType t);
bool IsAggregatorToken(TokenType t);
bool IsKeywordToken(TokenType t);
// generated_parser.y's maybe_label: the words usable as label names
// (identifiers, keywords, aggregators, set operators, atan2, start/end/
// step/range); the parser and series descriptions both accept them.
bool IsLabelToken(TokenType t);

struct Token {
  TokenType type = TokenType::kEOF;
  int32_t pos = 0;      // byte offset of the first character
  std::string text;     // the token's source text, or the error message
  int32_t end_pos = 0;  // one past the last byte (for kError: input end)
  int32_t end() const { return end_pos; }
};

// How Prometheus's Item.desc() names a token in "unexpected ..." errors:
// `identifier "foo"`, `<op:*>`, `<aggr:sum>`, `<by>`, `"("`, `end of input`.
std::string DescribeToken(const Token& token);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next token; comments are skipped. After kEOF or kError every call
  // returns kEOF.
  Token Next();

  // Byte offset just past the last token returned.
  int32_t pos() const { return pos_; }

 private:
  Token LexStatement();
  Token LexInsideBraces();
  Token LexDurationExpr();
  Token LexString(char quote);
  Token LexRawString();
  Token LexNumberOrDuration();
  Token LexWord();
  Token LexDurationKeyword(char first);

  Token Emit(TokenType type);
  Token Error(std::string message);

  bool ScanNumber();
  bool AcceptRemainingDuration();
  bool FollowedByLeftParen() const;
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < input_.size() ? input_[pos_ + ahead] : '\0';
  }
  bool AtEnd() const { return static_cast<size_t>(pos_) >= input_.size(); }
  bool Accept(std::string_view valid);
  void AcceptRun(std::string_view valid);
  void SkipSpaces();

  std::string_view input_;
  int32_t pos_ = 0;
  int32_t start_ = 0;
  bool done_ = false;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool bracket_got_number_ = false;  // a number was lexed since `[`
};

}  // namespace vigil::promql

#endif  // VIGIL_PROMQL_PARSER_LEXER_H_
