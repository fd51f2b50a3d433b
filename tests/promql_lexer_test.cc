// The PromQL lexer's tokens and modes, as Prometheus's lex.go produces them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "promql/parser/lexer.h"

namespace vigil::promql {
namespace {

std::vector<Token> LexAll(std::string_view input) {
  Lexer lexer(input);
  std::vector<Token> out;
  for (;;) {
    Token t = lexer.Next();
    const bool end = t.type == TokenType::kEOF || t.type == TokenType::kError;
    out.push_back(std::move(t));
    if (end) return out;
  }
}

std::vector<TokenType> Types(std::string_view input) {
  std::vector<TokenType> types;
  for (const Token& t : LexAll(input)) types.push_back(t.type);
  return types;
}

using T = TokenType;

TEST(LexerTest, OperatorsAndPunctuation) {
  EXPECT_EQ(
      Types(", ( ) [ 5m ] * / % + - ^ == != <= < >= > = @ </ >/"),
      (std::vector<T>{
          T::kComma,     T::kLeftParen,    T::kRightParen, T::kLeftBracket,
          T::kDuration,  T::kRightBracket, T::kMul,        T::kDiv,
          T::kMod,       T::kAdd,          T::kSub,        T::kPow,
          T::kEqlc,      T::kNeq,          T::kLte,        T::kLss,
          T::kGte,       T::kGtr,          T::kEql,        T::kAt,
          T::kTrimUpper, T::kTrimLower,    T::kEOF}));
}

TEST(LexerTest, NumbersAndDurations) {
  for (const char* n :
       {"1", "4.23", ".3", "5.", "0x1F", "5e-3", "1_000", "Inf", "-", "nAn"}) {
    const auto tokens = LexAll(n);
    if (std::string(n) == "-") continue;
    EXPECT_EQ(tokens[0].type, T::kNumber) << n;
    EXPECT_EQ(tokens[0].text, n);
  }
  for (const char* d : {"5s", "123m", "1h30m", "1y2w3d4h5m6s7ms", "1.5m"}) {
    EXPECT_EQ(LexAll(d)[0].type, T::kDuration) << d;
  }
  const auto bad = LexAll("0deadbeef");
  EXPECT_EQ(bad[0].type, T::kError);
  EXPECT_EQ(bad[0].text, "bad number or duration syntax: \"0de\"");
}

TEST(LexerTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Types("SUM by WITHOUT offset Bool on ignoring group_left atan2"),
            (std::vector<T>{T::kSum, T::kBy, T::kWithout, T::kOffset, T::kBool,
                            T::kOn, T::kIgnoring, T::kGroupLeft, T::kAtan2,
                            T::kEOF}));
  // fill is a keyword only before '('.
  EXPECT_EQ(Types("fill + fill (0)"),
            (std::vector<T>{T::kIdentifier, T::kAdd, T::kFill, T::kLeftParen,
                            T::kNumber, T::kRightParen, T::kEOF}));
  EXPECT_EQ(Types("foo:bar"), (std::vector<T>{T::kMetricIdentifier, T::kEOF}));
}

TEST(LexerTest, InsideBracesEveryWordIsALabel) {
  EXPECT_EQ(Types("{sum=\"a\", by!~'b', offset=~`c`, x!=\"\"}"),
            (std::vector<T>{T::kLeftBrace, T::kIdentifier, T::kEql, T::kString,
                            T::kComma, T::kIdentifier, T::kNeqRegex, T::kString,
                            T::kComma, T::kIdentifier, T::kEqlRegex, T::kString,
                            T::kComma, T::kIdentifier, T::kNeq, T::kString,
                            T::kRightBrace, T::kEOF}));
}

TEST(LexerTest, DurationExpressionsInsideBrackets) {
  EXPECT_EQ(Types("[step()+1:min_of(range(), 5m)]"),
            (std::vector<T>{T::kLeftBracket, T::kStep, T::kLeftParen,
                            T::kRightParen, T::kAdd, T::kNumber, T::kColon,
                            T::kMinOf, T::kLeftParen, T::kRange, T::kLeftParen,
                            T::kRightParen, T::kComma, T::kDuration,
                            T::kRightParen, T::kRightBracket, T::kEOF}));
  EXPECT_EQ(LexAll("[5s x]").back().text,
            "unexpected character: 'x', expected ':'");
}

TEST(LexerTest, CommentsAreSkipped) {
  EXPECT_EQ(Types("foo # a comment\n+ bar"),
            (std::vector<T>{T::kIdentifier, T::kAdd, T::kIdentifier, T::kEOF}));
}

TEST(LexerTest, PositionsAreByteOffsets) {
  const auto tokens = LexAll("  foo{a=\"é\"} ");
  EXPECT_EQ(tokens[0].pos, 2);
  EXPECT_EQ(tokens[0].end(), 5);
  EXPECT_EQ(tokens[4].pos, 8);
  EXPECT_EQ(tokens[4].end(), 12);
}

TEST(LexerTest, Errors) {
  struct Case {
    const char* input;
    const char* message;
    int32_t pos;
  };
  for (const Case& c : std::vector<Case>{
           {"(", "unclosed left parenthesis", 1},
           {")", "unexpected right parenthesis ')'", 1},
           {"]", "unexpected right bracket ']'", 0},
           {"{", "unexpected end of input inside braces", 1},
           {"{{", "unexpected left brace '{'", 1},
           {"\"abc", "unterminated quoted string", 0},
           {"`abc", "unterminated raw string", 0},
           {"\"\\c\"", "unknown escape sequence U+0063 'c'", 0},
           {"\"\\uD800\"", "escape sequence is an invalid Unicode code point",
            0},
           {"$", "unexpected character: '$'", 0},
           {"!", "unexpected character after '!': '\xef\xbf\xbd'", 0},
       }) {
    const Token t = LexAll(c.input).back();
    EXPECT_EQ(t.type, T::kError) << c.input;
    EXPECT_EQ(t.text, c.message) << c.input;
    EXPECT_EQ(t.pos, c.pos) << c.input;
  }
}

TEST(LexerTest, DescribeTokenMatchesPrometheus) {
  EXPECT_EQ(DescribeToken(LexAll("foo")[0]), "identifier \"foo\"");
  EXPECT_EQ(DescribeToken(LexAll("a:b")[0]), "metric identifier \"a:b\"");
  EXPECT_EQ(DescribeToken(LexAll("*")[0]), "<op:*>");
  EXPECT_EQ(DescribeToken(LexAll("and")[0]), "<op:and>");
  EXPECT_EQ(DescribeToken(LexAll("sum")[0]), "<aggr:sum>");
  EXPECT_EQ(DescribeToken(LexAll("by")[0]), "<by>");
  EXPECT_EQ(DescribeToken(LexAll(",")[0]), "\",\"");
  EXPECT_EQ(DescribeToken(LexAll("")[0]), "end of input");
  EXPECT_EQ(DescribeToken(LexAll("\"a very long string\"")[0]),
            "string \"\\\"a very lo\"...");
  EXPECT_EQ(DescribeToken(LexAll("42")[0]), "number \"42\"");
}

}  // namespace
}  // namespace vigil::promql
