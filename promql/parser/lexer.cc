#include "promql/parser/lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <utility>

#include "lib/model/go_quote.h"
#include "lib/model/utf8.h"

namespace vigil::promql {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Prometheus's isAlpha: ASCII letters and '_' only, never other scripts.
bool IsAlpha(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAlphaNumeric(char c) { return IsAlpha(c) || IsDigit(c); }

struct KeywordEntry {
  std::string_view word;
  TokenType type;
};

// Prometheus's `key` map (lex.go): matched case-insensitively.
constexpr std::array<KeywordEntry, 35> kKeywords = {{
    {"and", TokenType::kLand},
    {"or", TokenType::kLor},
    {"unless", TokenType::kLunless},
    {"atan2", TokenType::kAtan2},
    {"sum", TokenType::kSum},
    {"avg", TokenType::kAvg},
    {"count", TokenType::kCount},
    {"min", TokenType::kMin},
    {"max", TokenType::kMax},
    {"group", TokenType::kGroup},
    {"stddev", TokenType::kStddev},
    {"stdvar", TokenType::kStdvar},
    {"topk", TokenType::kTopK},
    {"bottomk", TokenType::kBottomK},
    {"count_values", TokenType::kCountValues},
    {"quantile", TokenType::kQuantile},
    {"limitk", TokenType::kLimitK},
    {"limit_ratio", TokenType::kLimitRatio},
    {"offset", TokenType::kOffset},
    {"smoothed", TokenType::kSmoothed},
    {"anchored", TokenType::kAnchored},
    {"by", TokenType::kBy},
    {"without", TokenType::kWithout},
    {"on", TokenType::kOn},
    {"ignoring", TokenType::kIgnoring},
    {"group_left", TokenType::kGroupLeft},
    {"group_right", TokenType::kGroupRight},
    {"fill", TokenType::kFill},
    {"fill_left", TokenType::kFillLeft},
    {"fill_right", TokenType::kFillRight},
    {"bool", TokenType::kBool},
    {"start", TokenType::kStart},
    {"end", TokenType::kEnd},
    {"step", TokenType::kStep},
    {"range", TokenType::kRange},
}};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

// Go's %.10q: at most ten runes, quoted, then "...".
std::string ItemString(std::string_view text) {
  size_t runes = 0;
  size_t i = 0;
  while (i < text.size() && runes < 10) {
    int width = 1;
    DecodeRune(text, i, &width);
    i += width;
    ++runes;
  }
  if (i < text.size()) return QuoteString(text.substr(0, i)) + "...";
  return QuoteString(text);
}

int DigitVal(int32_t ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return 16;
}

}  // namespace

bool IsOperatorToken(TokenType t) {
  return t >= TokenType::kAdd && t <= TokenType::kLunless;
}
bool IsAggregatorToken(TokenType t) {
  return t >= TokenType::kSum && t <= TokenType::kLimitRatio;
}
bool IsKeywordToken(TokenType t) {
  return t >= TokenType::kBool && t <= TokenType::kFillRight;
}

bool IsLabelToken(TokenType t) {
  return t == TokenType::kIdentifier || t == TokenType::kMetricIdentifier ||
         IsAggregatorToken(t) || IsKeywordToken(t) || t == TokenType::kLand ||
         t == TokenType::kLor || t == TokenType::kLunless ||
         t == TokenType::kAtan2 || t == TokenType::kStart ||
         t == TokenType::kEnd || t == TokenType::kStep ||
         t == TokenType::kRange;
}

std::string DescribeToken(const Token& token) {
  switch (token.type) {
    case TokenType::kEOF:
      return "end of input";
    case TokenType::kError:
      return token.text;
    case TokenType::kIdentifier:
      return "identifier " + QuoteString(token.text);
    case TokenType::kMetricIdentifier:
      return "metric identifier " + QuoteString(token.text);
    case TokenType::kString:
      return "string " + ItemString(token.text);
    case TokenType::kNumber:
      return "number " + ItemString(token.text);
    case TokenType::kDuration:
      return "duration " + ItemString(token.text);
    default:
      break;
  }
  if (IsKeywordToken(token.type)) return "<" + token.text + ">";
  if (IsOperatorToken(token.type)) return "<op:" + token.text + ">";
  if (IsAggregatorToken(token.type)) return "<aggr:" + token.text + ">";
  return ItemString(token.text);
}

Token Lexer::Emit(TokenType type) {
  Token t;
  t.type = type;
  t.pos = start_;
  t.end_pos = pos_;
  t.text = std::string(input_.substr(start_, pos_ - start_));
  start_ = pos_;
  return t;
}

Token Lexer::Error(std::string message) {
  Token t;
  t.type = TokenType::kError;
  t.pos = start_;
  t.end_pos = static_cast<int32_t>(input_.size());
  t.text = std::move(message);
  done_ = true;
  return t;
}

bool Lexer::Accept(std::string_view valid) {
  if (AtEnd() || valid.find(input_[pos_]) == std::string_view::npos) {
    return false;
  }
  ++pos_;
  return true;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (Accept(valid)) {
  }
}

void Lexer::SkipSpaces() {
  while (!AtEnd() && IsSpace(input_[pos_])) ++pos_;
  start_ = pos_;
}

bool Lexer::FollowedByLeftParen() const {
  for (size_t i = pos_; i < input_.size(); ++i) {
    if (!IsSpace(input_[i])) return input_[i] == '(';
  }
  return false;
}

Token Lexer::Next() {
  if (done_) {
    Token t;
    t.type = TokenType::kEOF;
    t.pos = t.end_pos = static_cast<int32_t>(input_.size());
    return t;
  }
  Token t = brace_open_     ? LexInsideBraces()
            : bracket_open_ ? LexDurationExpr()
                            : LexStatement();
  if (t.type == TokenType::kEOF) done_ = true;
  return t;
}

Token Lexer::LexStatement() {
  for (;;) {
    start_ = pos_;
    if (AtEnd()) {
      if (paren_depth_ != 0) return Error("unclosed left parenthesis");
      return Emit(TokenType::kEOF);
    }
    const char c = input_[pos_];
    if (c == '#') {
      while (!AtEnd() && input_[pos_] != '\n' && input_[pos_] != '\r') ++pos_;
      continue;
    }
    if (IsSpace(c)) {
      ++pos_;
      continue;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
      return LexNumberOrDuration();
    }
    if (IsAlpha(c) || c == ':') return LexWord();
    ++pos_;
    switch (c) {
      case ',':
        return Emit(TokenType::kComma);
      case '*':
        return Emit(TokenType::kMul);
      case '/':
        return Emit(TokenType::kDiv);
      case '%':
        return Emit(TokenType::kMod);
      case '+':
        return Emit(TokenType::kAdd);
      case '-':
        return Emit(TokenType::kSub);
      case '^':
        return Emit(TokenType::kPow);
      case '@':
        return Emit(TokenType::kAt);
      case '=':
        if (Peek() == '=') {
          ++pos_;
          return Emit(TokenType::kEqlc);
        }
        if (Peek() == '~') return Error("unexpected character after '=': '~'");
        return Emit(TokenType::kEql);
      case '!': {
        if (Peek() == '=') {
          ++pos_;
          return Emit(TokenType::kNeq);
        }
        int width = 0;
        int32_t r = AtEnd() ? -1 : DecodeRune(input_, pos_, &width);
        return Error("unexpected character after '!': " + QuoteRune(r));
      }
      case '<':
        if (Peek() == '/') {
          ++pos_;
          return Emit(TokenType::kTrimUpper);
        }
        if (Peek() == '=') {
          ++pos_;
          return Emit(TokenType::kLte);
        }
        return Emit(TokenType::kLss);
      case '>':
        if (Peek() == '/') {
          ++pos_;
          return Emit(TokenType::kTrimLower);
        }
        if (Peek() == '=') {
          ++pos_;
          return Emit(TokenType::kGte);
        }
        return Emit(TokenType::kGtr);
      case '"':
      case '\'':
        return LexString(c);
      case '`':
        return LexRawString();
      case '(':
        ++paren_depth_;
        return Emit(TokenType::kLeftParen);
      case ')':
        if (--paren_depth_ < 0) {
          // Prometheus reports this one after the parenthesis.
          start_ = pos_;
          return Error("unexpected right parenthesis ')'");
        }
        return Emit(TokenType::kRightParen);
      case '{':
        brace_open_ = true;
        return Emit(TokenType::kLeftBrace);
      case '[':
        bracket_open_ = true;
        got_colon_ = false;
        bracket_got_number_ = false;
        return Emit(TokenType::kLeftBracket);
      case ']':
        return Error("unexpected right bracket ']'");
      default: {
        int width = 1;
        int32_t r = DecodeRune(input_, start_, &width);
        return Error("unexpected character: " + QuoteRune(r));
      }
    }
  }
}

Token Lexer::LexInsideBraces() {
  for (;;) {
    start_ = pos_;
    if (AtEnd()) return Error("unexpected end of input inside braces");
    const char c = input_[pos_];
    if (c == '#') {
      while (!AtEnd() && input_[pos_] != '\n' && input_[pos_] != '\r') ++pos_;
      continue;
    }
    if (IsSpace(c)) {
      ++pos_;
      continue;
    }
    if (IsAlpha(c)) {
      while (!AtEnd() && IsAlphaNumeric(input_[pos_])) ++pos_;
      return Emit(TokenType::kIdentifier);
    }
    ++pos_;
    switch (c) {
      case ',':
        return Emit(TokenType::kComma);
      case '"':
      case '\'':
        return LexString(c);
      case '`':
        return LexRawString();
      case '=':
        if (Peek() == '~') {
          ++pos_;
          return Emit(TokenType::kEqlRegex);
        }
        return Emit(TokenType::kEql);
      case '!': {
        if (Peek() == '~') {
          ++pos_;
          return Emit(TokenType::kNeqRegex);
        }
        if (Peek() == '=') {
          ++pos_;
          return Emit(TokenType::kNeq);
        }
        int width = 0;
        int32_t r = AtEnd() ? -1 : DecodeRune(input_, pos_, &width);
        return Error("unexpected character after '!' inside braces: " +
                     QuoteRune(r));
      }
      case '{':
        return Error("unexpected left brace '{'");
      case '}':
        brace_open_ = false;
        return Emit(TokenType::kRightBrace);
      default: {
        int width = 1;
        int32_t r = DecodeRune(input_, start_, &width);
        return Error("unexpected character inside braces: " + QuoteRune(r));
      }
    }
  }
}

Token Lexer::LexDurationExpr() {
  for (;;) {
    start_ = pos_;
    if (AtEnd()) {
      if (!bracket_got_number_) {
        return Error("unexpected end of input in duration expression");
      }
      if (paren_depth_ != 0) return Error("unclosed left parenthesis");
      return Error("unclosed left bracket");
    }
    const char c = input_[pos_];
    if (IsSpace(c)) {
      ++pos_;
      continue;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
      bracket_got_number_ = true;
      return LexNumberOrDuration();
    }
    if (IsAlpha(c)) {
      while (!AtEnd() && IsAlpha(input_[pos_])) ++pos_;
      const std::string word = Lower(input_.substr(start_, pos_ - start_));
      if (word == "step") return Emit(TokenType::kStep);
      if (word == "range") return Emit(TokenType::kRange);
      if (word == "min_of") return Emit(TokenType::kMinOf);
      if (word == "max_of") return Emit(TokenType::kMaxOf);
      const std::string rune = QuoteRune(static_cast<unsigned char>(c));
      if (bracket_got_number_) {
        return Error("unexpected character: " + rune + ", expected ':'");
      }
      return Error("unexpected character in duration expression: " + rune);
    }
    ++pos_;
    switch (c) {
      case ']':
        bracket_open_ = false;
        got_colon_ = false;
        return Emit(TokenType::kRightBracket);
      case ':':
        if (got_colon_) {
          return Error("unexpected repeated colon in duration expression");
        }
        got_colon_ = true;
        return Emit(TokenType::kColon);
      case '(':
        ++paren_depth_;
        return Emit(TokenType::kLeftParen);
      case ')':
        if (--paren_depth_ < 0) {
          start_ = pos_;
          return Error("unexpected right parenthesis ')'");
        }
        return Emit(TokenType::kRightParen);
      case '+':
        return Emit(TokenType::kAdd);
      case '-':
        return Emit(TokenType::kSub);
      case '*':
        return Emit(TokenType::kMul);
      case '/':
        return Emit(TokenType::kDiv);
      case '%':
        return Emit(TokenType::kMod);
      case '^':
        return Emit(TokenType::kPow);
      case ',':
        return Emit(TokenType::kComma);
      case '[':
        return Error("unexpected left bracket '['");
      default: {
        int width = 1;
        int32_t r = DecodeRune(input_, start_, &width);
        return Error("unexpected character in duration expression: " +
                     QuoteRune(r));
      }
    }
  }
}

Token Lexer::LexWord() {
  while (!AtEnd() && (IsAlphaNumeric(input_[pos_]) || input_[pos_] == ':')) {
    ++pos_;
  }
  const std::string_view word = input_.substr(start_, pos_ - start_);
  const std::string lower = Lower(word);
  if (lower == "inf" || lower == "nan") return Emit(TokenType::kNumber);
  for (const KeywordEntry& k : kKeywords) {
    if (k.word != lower) continue;
    // Prometheus: fill/fill_left/fill_right are keywords only before '(',
    // so existing metrics with those names keep working.
    if ((k.type == TokenType::kFill || k.type == TokenType::kFillLeft ||
         k.type == TokenType::kFillRight) &&
        !FollowedByLeftParen()) {
      return Emit(TokenType::kIdentifier);
    }
    return Emit(k.type);
  }
  return Emit(word.find(':') == std::string_view::npos
                  ? TokenType::kIdentifier
                  : TokenType::kMetricIdentifier);
}

Token Lexer::LexString(char quote) {
  for (;;) {
    if (AtEnd()) return Error("unterminated quoted string");
    int width = 1;
    int32_t r = DecodeRune(input_, pos_, &width);
    if (r == '\\') {
      ++pos_;
      if (AtEnd()) return Error("escape sequence not terminated");
      int32_t ch = DecodeRune(input_, pos_, &width);
      pos_ += width;
      int n = 0;
      uint32_t base = 0, max = 0;
      switch (ch) {
        case 'a':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
        case 'v':
        case '\\':
          continue;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
          n = 3, base = 8, max = 255;
          break;
        case 'x':
        case 'u':
        case 'U':
          n = ch == 'x' ? 2 : ch == 'u' ? 4 : 8;
          base = 16;
          max = ch == 'x' ? 255 : 0x10FFFF;
          ch = AtEnd() ? -1 : DecodeRune(input_, pos_, &width);
          if (!AtEnd()) pos_ += width;
          break;
        default:
          if (ch == quote) continue;
          return Error("unknown escape sequence " + FormatRuneU(ch));
      }
      uint32_t x = 0;
      while (n > 0) {
        const int d = DigitVal(ch);
        if (static_cast<uint32_t>(d) >= base) {
          if (ch == -1) return Error("escape sequence not terminated");
          return Error("illegal character " + FormatRuneU(ch) +
                       " in escape sequence");
        }
        x = x * base + d;
        if (--n > 0) {
          ch = AtEnd() ? -1 : DecodeRune(input_, pos_, &width);
          if (!AtEnd()) pos_ += width;
        }
      }
      if (x > max || (x >= 0xD800 && x < 0xE000)) {
        return Error("escape sequence is an invalid Unicode code point");
      }
      continue;
    }
    if (r == kRuneError) return Error("invalid UTF-8 rune");
    if (r == '\n') return Error("unterminated quoted string");
    pos_ += width;
    if (r == quote) return Emit(TokenType::kString);
  }
}

Token Lexer::LexRawString() {
  for (;;) {
    if (AtEnd()) return Error("unterminated raw string");
    int width = 1;
    int32_t r = DecodeRune(input_, pos_, &width);
    if (r == kRuneError) return Error("invalid UTF-8 rune");
    pos_ += width;
    if (r == '`') return Emit(TokenType::kString);
  }
}

// Prometheus's scanNumber: decimal, hex, octal or float; the text need not
// be a valid number (the parser reports that), but it must not run into a
// letter.
bool Lexer::ScanNumber() {
  const int32_t initial = pos_;
  std::string_view digits = "0123456789";
  bool hex = false;
  if (Accept("0") && Accept("xX")) {
    Accept("_");
    digits = "0123456789abcdefABCDEF";
    hex = true;
  }
  Accept(".");
  Accept(digits);
  bool dot = false;
  bool exponent = false;
  const std::string run_set = std::string(digits) + "._eE";
  while (!AtEnd() && run_set.find(input_[pos_]) != std::string::npos) {
    const char c = input_[pos_];
    if (c == '.' && dot) {
      ++pos_;
      return false;
    }
    if ((c == 'e' || c == 'E') && exponent) {
      ++pos_;
      return false;
    }
    if (Accept(".")) {
      dot = true;
      if (Accept("_.")) return false;
      if (hex) return false;  // no fractional hexadecimal literals
      continue;
    }
    if (Accept("eE")) {
      exponent = true;
      Accept("+-");
      if (Accept("._eE") || AtEnd()) return false;
      continue;
    }
    if (Accept("_")) {
      if (Accept("._eE") || AtEnd()) return false;
      continue;
    }
    AcceptRun(digits);
  }
  if (pos_ == initial) return false;
  return AtEnd() || !IsAlphaNumeric(input_[pos_]);
}

bool Lexer::AcceptRemainingDuration() {
  if (!Accept("smhdwy")) return false;
  Accept("s");  // "ms"; bad units like "hs" are caught when parsing
  while (Accept("0123456789")) {
    AcceptRun("0123456789");
    if (!Accept("smhdw")) return false;
    Accept("s");
  }
  if (!AtEnd() && IsAlphaNumeric(input_[pos_])) {
    ++pos_;  // part of the reported text, as in Prometheus
    return false;
  }
  return true;
}

Token Lexer::LexNumberOrDuration() {
  if (ScanNumber()) return Emit(TokenType::kNumber);
  if (AcceptRemainingDuration()) return Emit(TokenType::kDuration);
  return Error("bad number or duration syntax: " +
               QuoteString(input_.substr(start_, pos_ - start_)));
}

}  // namespace vigil::promql
