// Literals and duration expressions: Go's number and duration syntax as
// Prometheus parses them, string unquoting, and the experimental duration
// arithmetic allowed inside `[...]` and after `offset`.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "lib/model/utf8.h"
#include "promql/parser/parser_internal.h"

namespace vigil::promql {
namespace {

constexpr int kDurationPowPrecedence = 3;
// Prometheus's durationLiteralOutOfRange: seconds must fit a
// time.Duration (int64 nanoseconds).
constexpr double kMaxDurationSeconds = 9223372036.854775807;

absl::Status NumberSyntaxError(std::string_view text, bool range) {
  return absl::InvalidArgumentError(
      Cat("strconv.ParseFloat: parsing ", QuoteString(text), ": ",
          range ? "value out of range" : "invalid syntax"));
}

// strconv.ParseInt(s, 0, 64) for the shapes the lexer produces.
std::optional<int64_t> ParseGoInt(const std::string& s) {
  int base = 10;
  size_t i = 0;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16, i = 2;
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8, i = 1;
  }
  if (i < s.size() && s[i] == '_') ++i;
  if (i >= s.size()) return std::nullopt;
  uint64_t n = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') continue;
    int d = 99;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d >= base) return std::nullopt;
    if (n > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
             static_cast<uint64_t>(d)) /
                static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    n = n * base + d;
  }
  return static_cast<int64_t>(n);
}

bool IsPlainLiteral(const DurationExpr& d) {
  return d.op == DurationOp::kLiteral && !d.wrapped;
}

}  // namespace

absl::StatusOr<double> ParseNumberText(std::string_view text) {
  std::string s(text);
  if (std::optional<int64_t> n = ParseGoInt(s)) return static_cast<double>(*n);
  std::string stripped;
  for (char c : s) {
    if (c != '_') stripped.push_back(c);
  }
  // Go's ParseFloat takes hexadecimal only with a 'p' exponent, which the
  // lexer never produces.
  if (stripped.size() > 1 && stripped[0] == '0' &&
      (stripped[1] == 'x' || stripped[1] == 'X')) {
    return NumberSyntaxError(text, false);
  }
  if (stripped.empty()) return NumberSyntaxError(text, false);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(stripped.c_str(), &end);
  if (end != stripped.c_str() + stripped.size()) {
    return NumberSyntaxError(text, false);
  }
  if (errno == ERANGE && std::isinf(v)) return NumberSyntaxError(text, true);
  return v;
}

absl::StatusOr<double> ParseDurationSeconds(std::string_view text) {
  struct Unit {
    std::string_view name;
    uint64_t nanos;
    int order;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365ULL * 24 * 3600 * 1000000000ULL, 1},
      {"w", 7ULL * 24 * 3600 * 1000000000ULL, 2},
      {"d", 24ULL * 3600 * 1000000000ULL, 3},
      {"h", 3600ULL * 1000000000ULL, 4},
      {"m", 60ULL * 1000000000ULL, 5},
      {"s", 1000000000ULL, 6},
      {"ms", 1000000ULL, 7},
  };
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        Cat("not a valid duration string: ", QuoteString(text)));
  };
  if (text == "0") return 0.0;
  if (text.empty()) return absl::InvalidArgumentError("empty duration string");
  constexpr uint64_t kMax = static_cast<uint64_t>(1) << 63;
  uint64_t total = 0;
  int last_order = 0;
  std::string_view s = text;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == 0 || i > 19) return invalid();
    const uint64_t v =
        std::strtoull(std::string(s.substr(0, i)).c_str(), nullptr, 10);
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !(s[j] >= '0' && s[j] <= '9')) ++j;
    if (j == 0) return invalid();
    const std::string_view unit_name = s.substr(0, j);
    s.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) {
      return absl::InvalidArgumentError(
          Cat("unknown unit ", QuoteString(unit_name), " in duration ",
              QuoteString(text)));
    }
    if (unit->order <= last_order) return invalid();
    last_order = unit->order;
    if (v > kMax / unit->nanos) {
      return absl::InvalidArgumentError("duration out of range");
    }
    total += v * unit->nanos;
    if (total > kMax - 1) {
      return absl::InvalidArgumentError("duration out of range");
    }
  }
  // time.Duration.Seconds(): whole seconds plus the fraction, so that the
  // later *1000 truncation gives Prometheus's exact milliseconds.
  const uint64_t sec = total / 1000000000ULL;
  const uint64_t nsec = total % 1000000000ULL;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

std::string UnquoteToken(std::string_view token) {
  if (token.size() < 2) return std::string();
  const std::string_view body = token.substr(1, token.size() - 2);
  if (token[0] == '`') return std::string(body);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out.push_back(body[i]);
      continue;
    }
    const char c = body[++i];
    switch (c) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x':
      case 'u':
      case 'U': {
        const size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (size_t k = 0; k < n && i + 1 < body.size(); ++k) {
          const char h = body[++i];
          v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        if (c == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          AppendRune(v, &out);
        }
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          uint32_t v = c - '0';
          for (int k = 0; k < 2 && i + 1 < body.size(); ++k) {
            v = v * 8 + (body[++i] - '0');
          }
          out.push_back(static_cast<char>(v));
        } else {
          out.push_back(c);  // \\, \", \'
        }
    }
  }
  return out;
}

int64_t SecondsToDurationMs(double seconds) {
  const double ms = seconds * 1000;
  if (std::isnan(ms)) return 0;
  if (ms >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (ms <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ms);
}

int64_t SecondsToTimestampMs(double seconds) {
  const double ms = std::round(seconds * 1000);
  if (std::isnan(ms)) return 0;
  if (ms >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (ms <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ms);
}

std::unique_ptr<DurationExpr> Parser::NumberToDuration(const Token& token) {
  ExprPtr lit = NumberLiteralFrom(token);
  if (!lit) return nullptr;
  const auto& num = lit->As<NumberLiteral>();
  if (!(std::fabs(num.value) <= kMaxDurationSeconds)) {
    Fail(token.pos, "duration out of range");
    return nullptr;
  }
  auto d = std::make_unique<DurationExpr>();
  d->op = DurationOp::kLiteral;
  d->number_seconds = num.value;
  d->literal_is_duration = num.is_duration;
  d->pos = num.pos;
  return d;
}

std::unique_ptr<DurationExpr> Parser::ApplyDurationSign(
    const Token& sign, std::unique_ptr<DurationExpr> operand) {
  if (!operand) return nullptr;
  const bool negate = sign.type == TokenType::kSub;
  if (IsPlainLiteral(*operand)) {
    if (negate) operand->number_seconds *= -1;
    operand->pos.start = sign.pos;
    return operand;
  }
  if (!negate) return operand;
  auto neg = std::make_unique<DurationExpr>();
  neg->op = DurationOp::kNeg;
  neg->pos = {sign.pos, operand->pos.end};
  neg->lhs = std::move(operand);
  if (!Track(neg.get())) return nullptr;
  return neg;
}

std::unique_ptr<DurationExpr> Parser::ParseDurationExpr(int min_precedence,
                                                        DurationContext ctx,
                                                        int depth) {
  if (!CheckDepth(depth, Peek().pos)) return nullptr;
  std::unique_ptr<DurationExpr> lhs = ParseDurationUnary(ctx, depth + 1);
  while (lhs) {
    const TokenType t = Peek().type;
    int prec = 0;
    DurationOp op = DurationOp::kAdd;
    switch (t) {
      case TokenType::kAdd:
        prec = 1, op = DurationOp::kAdd;
        break;
      case TokenType::kSub:
        prec = 1, op = DurationOp::kSub;
        break;
      case TokenType::kMul:
        prec = 2, op = DurationOp::kMul;
        break;
      case TokenType::kDiv:
        prec = 2, op = DurationOp::kDiv;
        break;
      case TokenType::kMod:
        prec = 2, op = DurationOp::kMod;
        break;
      case TokenType::kPow:
        prec = kDurationPowPrecedence, op = DurationOp::kPow;
        break;
      default:
        break;
    }
    if (prec == 0 || prec < min_precedence) break;
    Token op_token = Consume();
    std::unique_ptr<DurationExpr> rhs = ParseDurationExpr(
        prec == kDurationPowPrecedence ? prec : prec + 1, ctx, depth + 1);
    if (!rhs) return nullptr;
    if ((op == DurationOp::kDiv || op == DurationOp::kMod) &&
        rhs->op == DurationOp::kLiteral && rhs->number_seconds == 0) {
      Fail(op_token.pos,
           op == DurationOp::kDiv ? "division by zero" : "modulo by zero");
      return nullptr;
    }
    auto bin = std::make_unique<DurationExpr>();
    bin->op = op;
    bin->pos = {lhs->pos.start, rhs->pos.end};
    bin->lhs = std::move(lhs);
    bin->rhs = std::move(rhs);
    if (!Track(bin.get())) return nullptr;
    lhs = std::move(bin);
  }
  return lhs;
}

std::unique_ptr<DurationExpr> Parser::ParseDurationUnary(DurationContext ctx,
                                                         int depth) {
  const TokenType t = Peek().type;
  if (t != TokenType::kAdd && t != TokenType::kSub) {
    return ParseDurationPrimary(ctx, depth);
  }
  Token sign = Consume();
  // Like PromQL's unary operators, a sign binds tighter than everything
  // but `^`: [-2^2] is -(2^2).
  return ApplyDurationSign(
      sign, ParseDurationExpr(kDurationPowPrecedence, ctx, depth + 1));
}

std::unique_ptr<DurationExpr> Parser::ParseDurationPrimary(DurationContext ctx,
                                                           int depth) {
  const std::string_view context = ctx == DurationContext::kBracket
                                       ? "subquery or range selector"
                                       : "offset";
  constexpr std::string_view kExpected = "number, duration, step(), or range()";
  const Token& t = Peek();
  std::string lower = t.text;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  const bool min_of = t.type == TokenType::kMinOf ||
                      (t.type == TokenType::kIdentifier && lower == "min_of");
  const bool max_of = t.type == TokenType::kMaxOf ||
                      (t.type == TokenType::kIdentifier && lower == "max_of");
  if (t.type == TokenType::kNumber || t.type == TokenType::kDuration) {
    return NumberToDuration(Consume());
  }
  if (t.type == TokenType::kStep || t.type == TokenType::kRange) {
    auto d = std::make_unique<DurationExpr>();
    d->op = t.type == TokenType::kStep ? DurationOp::kStep : DurationOp::kRange;
    d->pos.start = Consume().pos;
    if (!Expect(TokenType::kLeftParen, context, kExpected) ||
        !Expect(TokenType::kRightParen, context, kExpected)) {
      return nullptr;
    }
    d->pos.end = last_closing_;
    return d;
  }
  if (min_of || max_of) {
    auto d = std::make_unique<DurationExpr>();
    d->op = min_of ? DurationOp::kMinOf : DurationOp::kMaxOf;
    d->pos.start = Consume().pos;
    if (!Expect(TokenType::kLeftParen, context, "\"(\"")) return nullptr;
    d->lhs = ParseDurationExpr(1, ctx, depth + 1);
    if (!d->lhs || !Expect(TokenType::kComma, context, "\",\"")) {
      return nullptr;
    }
    d->rhs = ParseDurationExpr(1, ctx, depth + 1);
    if (!d->rhs || !Expect(TokenType::kRightParen, context, "\")\"")) {
      return nullptr;
    }
    d->pos.end = last_closing_;
    if (!Track(d.get())) return nullptr;
    return d;
  }
  if (t.type == TokenType::kLeftParen) {
    const int32_t start = Consume().pos;
    std::unique_ptr<DurationExpr> inner = ParseDurationExpr(1, ctx, depth + 1);
    if (!inner || !Expect(TokenType::kRightParen, context, "\")\"")) {
      return nullptr;
    }
    inner->wrapped = true;
    inner->pos = {start, last_closing_};
    return inner;
  }
  Unexpected(t, context, kExpected);
  return nullptr;
}

std::unique_ptr<DurationExpr> Parser::ParseOffsetDuration(int depth) {
  const TokenType t = Peek().type;
  if (t == TokenType::kAdd || t == TokenType::kSub) {
    Token sign = Consume();
    return ApplyDurationSign(
        sign, ParseDurationPrimary(DurationContext::kOffset, depth + 1));
  }
  return ParseDurationPrimary(DurationContext::kOffset, depth + 1);
}

bool Parser::ResolveDuration(std::unique_ptr<DurationExpr> d,
                             bool must_be_positive, int64_t* ms,
                             std::unique_ptr<DurationExpr>* expr) {
  if (IsPlainLiteral(*d)) {
    if (must_be_positive && !(d->number_seconds > 0)) {
      return Fail(d->pos.start, "duration must be greater than 0");
    }
    // A duration token (`1001ms`) is exact in Prometheus; only a float
    // (`[1.0005]`) goes through time.Duration's truncation. The double in
    // the AST cannot hold 1.001 exactly, so round the token back.
    *ms = d->literal_is_duration ? std::llround(d->number_seconds * 1000)
                                 : SecondsToDurationMs(d->number_seconds);
    return true;
  }
  if (!options_.enable_duration_expressions) {
    return Fail(d->pos.start,
                "experimental duration expression is not enabled");
  }
  *expr = std::move(d);
  return true;
}

}  // namespace vigil::promql
