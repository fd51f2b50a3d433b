// The PromQL grammar: precedence climbing over Prometheus's operator table,
// with the postfix modifiers ([range], [range:step], offset, @, anchored,
// smoothed) binding tighter than any operator, as generated_parser.y's
// precedence declarations make them.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"
#include "lib/model/strings.h"
#include "promql/parser/parser_internal.h"
#include "vigil/labels.h"

namespace vigil::promql {
namespace {

// Prometheus's precedence, lowest first; ^ is right-associative.
constexpr int kPowPrecedence = 6;
// A unary operator binds like `*` (generated_parser.y: %prec MUL), so its
// operand takes only `^` and the postfix modifiers.
constexpr int kUnaryOperandPrecedence = kPowPrecedence;

int BinaryPrecedence(TokenType t) {
  switch (t) {
    case TokenType::kLor:
      return 1;
    case TokenType::kLand:
    case TokenType::kLunless:
      return 2;
    case TokenType::kEqlc:
    case TokenType::kNeq:
    case TokenType::kLte:
    case TokenType::kLss:
    case TokenType::kGte:
    case TokenType::kGtr:
      return 3;
    case TokenType::kAdd:
    case TokenType::kSub:
      return 4;
    case TokenType::kMul:
    case TokenType::kDiv:
    case TokenType::kMod:
    case TokenType::kAtan2:
    case TokenType::kTrimUpper:
    case TokenType::kTrimLower:
      return 5;
    case TokenType::kPow:
      return kPowPrecedence;
    default:
      return 0;
  }
}

BinaryOp ToBinaryOp(TokenType t) {
  switch (t) {
    case TokenType::kAdd:
      return BinaryOp::kAdd;
    case TokenType::kSub:
      return BinaryOp::kSub;
    case TokenType::kMul:
      return BinaryOp::kMul;
    case TokenType::kDiv:
      return BinaryOp::kDiv;
    case TokenType::kMod:
      return BinaryOp::kMod;
    case TokenType::kPow:
      return BinaryOp::kPow;
    case TokenType::kAtan2:
      return BinaryOp::kAtan2;
    case TokenType::kTrimUpper:
      return BinaryOp::kTrimUpper;
    case TokenType::kTrimLower:
      return BinaryOp::kTrimLower;
    case TokenType::kEqlc:
      return BinaryOp::kEql;
    case TokenType::kNeq:
      return BinaryOp::kNeq;
    case TokenType::kGtr:
      return BinaryOp::kGtr;
    case TokenType::kLss:
      return BinaryOp::kLss;
    case TokenType::kGte:
      return BinaryOp::kGte;
    case TokenType::kLte:
      return BinaryOp::kLte;
    case TokenType::kLand:
      return BinaryOp::kAnd;
    case TokenType::kLor:
      return BinaryOp::kOr;
    default:
      return BinaryOp::kUnless;
  }
}

AggregateOp ToAggregateOp(TokenType t) {
  switch (t) {
    case TokenType::kSum:
      return AggregateOp::kSum;
    case TokenType::kAvg:
      return AggregateOp::kAvg;
    case TokenType::kCount:
      return AggregateOp::kCount;
    case TokenType::kMin:
      return AggregateOp::kMin;
    case TokenType::kMax:
      return AggregateOp::kMax;
    case TokenType::kGroup:
      return AggregateOp::kGroup;
    case TokenType::kStddev:
      return AggregateOp::kStddev;
    case TokenType::kStdvar:
      return AggregateOp::kStdvar;
    case TokenType::kTopK:
      return AggregateOp::kTopK;
    case TokenType::kBottomK:
      return AggregateOp::kBottomK;
    case TokenType::kCountValues:
      return AggregateOp::kCountValues;
    case TokenType::kQuantile:
      return AggregateOp::kQuantile;
    case TokenType::kLimitK:
      return AggregateOp::kLimitK;
    default:
      return AggregateOp::kLimitRatio;
  }
}

// generated_parser.y's metric_identifier: words that name a metric when
// they do not start an aggregation, a call or a modifier.
bool IsMetricNameToken(TokenType t) {
  switch (t) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kOffset:
    case TokenType::kAnchored:
    case TokenType::kSmoothed:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kStep:
    case TokenType::kRange:
      return true;
    default:
      return IsAggregatorToken(t);
  }
}

bool IsMatchOp(TokenType t) {
  return t == TokenType::kEql || t == TokenType::kNeq ||
         t == TokenType::kEqlRegex || t == TokenType::kNeqRegex;
}

MatchType ToMatchType(TokenType t) {
  switch (t) {
    case TokenType::kNeq:
      return MatchType::kNotEqual;
    case TokenType::kEqlRegex:
      return MatchType::kRegexMatch;
    case TokenType::kNeqRegex:
      return MatchType::kRegexNoMatch;
    default:
      return MatchType::kEqual;
  }
}

// Go's %f, which prints infinities as "+Inf"/"-Inf".
std::string GoFloatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

// The nodes whose offset/@ an `offset`/`@` modifier sets, as
// Prometheus's addOffset/getAtModifierVars find them.
struct ModifierTarget {
  int64_t* offset_ms = nullptr;
  std::unique_ptr<DurationExpr>* offset_expr = nullptr;
  std::optional<int64_t>* at_ms = nullptr;
  AtModifier* at_modifier = nullptr;
};

bool FindModifierTarget(Expr* e, ModifierTarget* t) {
  VectorSelector* vs = nullptr;
  if (e->kind == NodeKind::kVectorSelector) {
    vs = &e->As<VectorSelector>();
  } else if (e->kind == NodeKind::kMatrixSelector) {
    vs = e->As<MatrixSelector>().selector.get();
  } else if (e->kind == NodeKind::kSubquery) {
    auto& sq = e->As<SubqueryExpr>();
    *t = {&sq.offset_ms, &sq.offset_expr, &sq.at_ms, &sq.at_modifier};
    return true;
  } else {
    return false;
  }
  *t = {&vs->offset_ms, &vs->offset_expr, &vs->at_ms, &vs->at_modifier};
  return true;
}

}  // namespace

std::string LineColumn(std::string_view input, int32_t pos) {
  if (input.empty()) return "unknown position";
  if (pos < 0 || static_cast<size_t>(pos) > input.size()) {
    return "invalid position";
  }
  int line = 1;
  int32_t last_break = -1;
  for (int32_t i = 0; i < pos; ++i) {
    if (input[i] == '\n') {
      ++line;
      last_break = i;
    }
  }
  return Cat(line, ":", pos - last_break);
}

const Token& Parser::Peek() {
  if (!lookahead_) {
    lookahead_ = lexer_.Next();
    if (lookahead_->type == TokenType::kError) {
      Fail(lookahead_->pos, lookahead_->text);
    }
  }
  return *lookahead_;
}

Token Parser::Consume() {
  Peek();
  Token t = std::move(*lookahead_);
  lookahead_.reset();
  switch (t.type) {
    case TokenType::kRightBrace:
    case TokenType::kRightParen:
    case TokenType::kRightBracket:
    case TokenType::kDuration:
    case TokenType::kNumber:
      last_closing_ = t.end();
      break;
    default:
      break;
  }
  return t;
}

bool Parser::Expect(TokenType type, std::string_view context,
                    std::string_view expected, Token* out) {
  if (Peek().type != type) return Unexpected(Peek(), context, expected);
  Token t = Consume();
  if (out != nullptr) *out = std::move(t);
  return true;
}

bool Parser::Fail(int32_t pos, std::string message) {
  if (!error_) error_ = Error{pos, std::move(message)};
  return false;
}

bool Parser::Unexpected(const Token& token, std::string_view context,
                        std::string_view expected) {
  // A lexer error was recorded when the token was read; never twice.
  if (token.type == TokenType::kError) return false;
  std::string msg = "unexpected " + DescribeToken(token);
  if (!context.empty()) msg += Cat(" in ", context);
  if (!expected.empty()) msg += Cat(", expected ", expected);
  return Fail(token.pos, std::move(msg));
}

absl::Status Parser::ErrorStatus() const {
  return absl::InvalidArgumentError(
      Cat(LineColumn(input_, error_->pos), ": parse error: ", error_->message));
}

bool Parser::CheckDepth(int depth, int32_t pos) {
  if (depth <= options_.max_depth) return true;
  return Fail(pos, Cat("expression nesting exceeds the maximum "
                       "depth of ",
                       options_.max_depth));
}

int Parser::Height(const Expr* node) const {
  if (node == nullptr) return 0;
  auto it = heights_.find(node);
  return it == heights_.end() ? 1 : it->second;
}

bool Parser::Track(const Expr* node) {
  int h = 0;
  auto child = [&](const Expr* c) { h = std::max(h, Height(c)); };
  switch (node->kind) {
    case NodeKind::kAggregate:
      child(node->As<AggregateExpr>().expr.get());
      child(node->As<AggregateExpr>().param.get());
      break;
    case NodeKind::kBinary:
      child(node->As<BinaryExpr>().lhs.get());
      child(node->As<BinaryExpr>().rhs.get());
      break;
    case NodeKind::kCall:
      for (const auto& a : node->As<Call>().args) child(a.get());
      break;
    case NodeKind::kDuration:
      child(node->As<DurationExpr>().lhs.get());
      child(node->As<DurationExpr>().rhs.get());
      break;
    case NodeKind::kMatrixSelector:
      child(node->As<MatrixSelector>().selector.get());
      child(node->As<MatrixSelector>().range_expr.get());
      break;
    case NodeKind::kParen:
      child(node->As<ParenExpr>().expr.get());
      break;
    case NodeKind::kSubquery: {
      const auto& sq = node->As<SubqueryExpr>();
      child(sq.expr.get());
      child(sq.range_expr.get());
      child(sq.step_expr.get());
      child(sq.offset_expr.get());
      break;
    }
    case NodeKind::kUnary:
      child(node->As<UnaryExpr>().expr.get());
      break;
    case NodeKind::kVectorSelector:
      child(node->As<VectorSelector>().offset_expr.get());
      break;
    default:
      break;
  }
  heights_[node] = h + 1;
  if (h + 1 > options_.max_depth) {
    return Fail(node->pos.start,
                Cat("expression nesting exceeds the maximum depth of ",
                    options_.max_depth));
  }
  return true;
}

absl::StatusOr<ExprPtr> Parser::ParseExpression() {
  if (Peek().type == TokenType::kEOF) {
    Fail(0, "no expression found in input");
    return ErrorStatus();
  }
  ExprPtr expr = ParseBinary(1, 0);
  if (expr && Peek().type != TokenType::kEOF) Unexpected(Peek(), "", "");
  if (!failed()) Check(*expr);
  if (failed()) return ErrorStatus();
  return expr;
}

absl::StatusOr<Matchers> Parser::ParseSelectorOnly() {
  const Token& first = Peek();
  std::unique_ptr<VectorSelector> vs;
  if (first.type == TokenType::kLeftBrace) {
    vs = ParseVectorSelector(nullptr);
  } else if (IsMetricNameToken(first.type)) {
    Token name = Consume();
    vs = ParseVectorSelector(&name);
  } else {
    Unexpected(first, "", "");
  }
  if (vs && Peek().type != TokenType::kEOF) Unexpected(Peek(), "", "");
  if (failed()) return ErrorStatus();
  return std::move(vs->matchers);
}

ExprPtr Parser::ParseBinary(int min_precedence, int depth) {
  if (!CheckDepth(depth, Peek().pos)) return nullptr;
  ExprPtr lhs = ParseUnary(depth + 1);
  while (lhs) {
    const Token& op = Peek();
    const int prec = BinaryPrecedence(op.type);
    if (prec == 0 || prec < min_precedence) break;
    auto bin = std::make_unique<BinaryExpr>();
    bin->op = ToBinaryOp(op.type);
    Consume();
    if (!ParseBinaryModifiers(bin.get())) return nullptr;
    const int next_min = prec == kPowPrecedence ? prec : prec + 1;
    ExprPtr rhs = ParseBinary(next_min, depth + 1);
    if (!rhs) return nullptr;
    bin->pos = {lhs->pos.start, rhs->pos.end};
    bin->lhs = std::move(lhs);
    bin->rhs = std::move(rhs);
    const VectorMatching& vm = *bin->matching;
    if (!options_.enable_fill_modifiers &&
        (vm.fill_left.has_value() || vm.fill_right.has_value())) {
      Fail(bin->pos.start,
           "binop fill modifiers are experimental and not enabled");
      return nullptr;
    }
    if (!Track(bin.get())) return nullptr;
    lhs = std::move(bin);
  }
  return lhs;
}

bool Parser::ParseBinaryModifiers(BinaryExpr* bin) {
  VectorMatching vm;
  if (Peek().type == TokenType::kBool) {
    Consume();
    bin->return_bool = true;
  }
  const TokenType t = Peek().type;
  if (t == TokenType::kOn || t == TokenType::kIgnoring) {
    Consume();
    vm.on = t == TokenType::kOn;
    vm.explicit_matching = true;
    if (!ParseGroupingLabels(&vm.matching_labels)) return false;
    const TokenType g = Peek().type;
    if (g == TokenType::kGroupLeft || g == TokenType::kGroupRight) {
      Consume();
      vm.card = g == TokenType::kGroupLeft ? MatchCardinality::kManyToOne
                                           : MatchCardinality::kOneToMany;
      if (Peek().type == TokenType::kLeftParen &&
          !ParseGroupingLabels(&vm.include)) {
        return false;
      }
    }
  }
  // Experimental fill modifiers follow the matching modifiers:
  // `+ on(a) group_left fill_left(0) fill_right(1)`.
  for (;;) {
    const TokenType f = Peek().type;
    if (f != TokenType::kFill && f != TokenType::kFillLeft &&
        f != TokenType::kFillRight) {
      break;
    }
    Consume();
    if (!Expect(TokenType::kLeftParen, "", "")) return false;
    double sign = 1;
    if (Peek().type == TokenType::kAdd || Peek().type == TokenType::kSub) {
      sign = Consume().type == TokenType::kSub ? -1 : 1;
    }
    Token num;
    if (!Expect(TokenType::kNumber, "fill modifier", "number", &num)) {
      return false;
    }
    absl::StatusOr<double> v = ParseNumberText(num.text);
    if (!v.ok()) {
      return Fail(num.pos, Cat("error parsing number: ",
                               FromAbsl(v.status().message())));
    }
    if (!Expect(TokenType::kRightParen, "", "")) return false;
    if (f != TokenType::kFillRight) vm.fill_left = sign * *v;
    if (f != TokenType::kFillLeft) vm.fill_right = sign * *v;
  }
  bin->matching = std::move(vm);
  return true;
}

bool Parser::ParseGroupingLabels(std::vector<std::string>* labels) {
  if (!Expect(TokenType::kLeftParen, "grouping opts", "\"(\"")) return false;
  labels->clear();
  if (Peek().type == TokenType::kRightParen) {
    Consume();
    return true;
  }
  for (;;) {
    const Token& t = Peek();
    if (t.type == TokenType::kString) {
      labels->push_back(UnquoteToken(Consume().text));
    } else if (IsLabelToken(t.type) && IsLegacyLabelName(t.text)) {
      labels->push_back(Consume().text);
    } else {
      return Unexpected(t, "grouping opts", "label");
    }
    const Token& sep = Peek();
    if (sep.type == TokenType::kComma) {
      Consume();
      if (Peek().type == TokenType::kRightParen) {
        Consume();
        return true;
      }
      continue;
    }
    if (sep.type == TokenType::kRightParen) {
      Consume();
      return true;
    }
    return Unexpected(sep, "grouping opts", "\",\" or \")\"");
  }
}

ExprPtr Parser::ParseUnary(int depth) {
  if (!CheckDepth(depth, Peek().pos)) return nullptr;
  const Token& t = Peek();
  if (t.type != TokenType::kAdd && t.type != TokenType::kSub) {
    ExprPtr primary = ParsePrimary(depth + 1);
    if (!primary || !Track(primary.get())) return nullptr;
    return ParsePostfix(std::move(primary), depth + 1);
  }
  Token op = Consume();
  ExprPtr operand = ParseBinary(kUnaryOperandPrecedence, depth + 1);
  if (!operand) return nullptr;
  // Prometheus folds a sign into a number literal: `-1` is the literal -1.
  if (operand->kind == NodeKind::kNumber) {
    if (op.type == TokenType::kSub) {
      operand->As<NumberLiteral>().value *= -1;
    }
    operand->pos.start = op.pos;
    return operand;
  }
  auto unary = std::make_unique<UnaryExpr>();
  unary->op = op.type == TokenType::kSub ? BinaryOp::kSub : BinaryOp::kAdd;
  unary->pos = {op.pos, operand->pos.end};
  unary->expr = std::move(operand);
  if (!Track(unary.get())) return nullptr;
  return unary;
}

ExprPtr Parser::NumberLiteralFrom(const Token& token) {
  auto lit = std::make_unique<NumberLiteral>();
  lit->pos = {token.pos, token.end()};
  if (token.type == TokenType::kDuration) {
    absl::StatusOr<double> secs = ParseDurationSeconds(token.text);
    if (!secs.ok()) {
      Fail(token.pos, std::string(FromAbsl(secs.status().message())));
      return nullptr;
    }
    lit->value = *secs;
    lit->is_duration = true;
    return lit;
  }
  absl::StatusOr<double> v = ParseNumberText(token.text);
  if (!v.ok()) {
    Fail(token.pos,
         Cat("error parsing number: ", FromAbsl(v.status().message())));
    return nullptr;
  }
  lit->value = *v;
  return lit;
}

ExprPtr Parser::ParsePrimary(int depth) {
  const Token& t = Peek();
  switch (t.type) {
    case TokenType::kNumber:
    case TokenType::kDuration:
      return NumberLiteralFrom(Consume());
    case TokenType::kString: {
      Token s = Consume();
      auto lit = std::make_unique<StringLiteral>();
      lit->pos = {s.pos, s.end()};
      lit->value = UnquoteToken(s.text);
      return lit;
    }
    case TokenType::kLeftParen: {
      Token lp = Consume();
      ExprPtr inner = ParseBinary(1, depth + 1);
      if (!inner) return nullptr;
      Token rp;
      if (!Expect(TokenType::kRightParen, "", "", &rp)) return nullptr;
      auto paren = std::make_unique<ParenExpr>();
      paren->pos = {lp.pos, rp.end()};
      paren->expr = std::move(inner);
      return paren;
    }
    case TokenType::kLeftBrace:
      return ParseVectorSelector(nullptr);
    default:
      break;
  }
  if (!IsMetricNameToken(t.type)) {
    Unexpected(t, "", "");
    return nullptr;
  }
  Token name = Consume();
  const TokenType next = Peek().type;
  if (next == TokenType::kLeftParen &&
      (name.type == TokenType::kIdentifier || name.type == TokenType::kStart ||
       name.type == TokenType::kEnd || name.type == TokenType::kStep ||
       name.type == TokenType::kRange)) {
    return ParseCall(name, depth);
  }
  if (IsAggregatorToken(name.type) &&
      (next == TokenType::kLeftParen || next == TokenType::kBy ||
       next == TokenType::kWithout)) {
    return ParseAggregate(name, depth);
  }
  return ParseVectorSelector(&name);
}

bool Parser::ParseCallArgs(std::vector<ExprPtr>* args, int depth) {
  if (!Expect(TokenType::kLeftParen, "", "")) return false;
  if (Peek().type == TokenType::kRightParen) {
    Consume();
    return true;
  }
  for (;;) {
    ExprPtr arg = ParseBinary(1, depth + 1);
    if (!arg) return false;
    args->push_back(std::move(arg));
    const Token& sep = Peek();
    if (sep.type == TokenType::kComma) {
      Token comma = Consume();
      if (Peek().type == TokenType::kRightParen) {
        return Fail(comma.pos,
                    "trailing commas not allowed in function call args");
      }
      continue;
    }
    if (sep.type == TokenType::kRightParen) {
      Consume();
      return true;
    }
    return Unexpected(sep, "", "");
  }
}

ExprPtr Parser::ParseCall(const Token& name, int depth) {
  auto call = std::make_unique<Call>();
  if (!ParseCallArgs(&call->args, depth)) return nullptr;
  call->pos = {name.pos, last_closing_};
  const std::string fname =
      name.type == TokenType::kIdentifier ? name.text : [&] {
        std::string lower = name.text;
        for (char& c : lower) c = static_cast<char>(std::tolower(c));
        return lower;
      }();
  call->func = LookupFunction(fname);
  if (call->func == nullptr) {
    Fail(name.pos, "unknown function with name " + QuoteString(name.text));
    return nullptr;
  }
  if (call->func->experimental && !options_.enable_experimental_functions) {
    Fail(name.pos, "function " + QuoteString(name.text) + " is not enabled");
    return nullptr;
  }
  return call;
}

ExprPtr Parser::ParseAggregate(const Token& op, int depth) {
  auto agg = std::make_unique<AggregateExpr>();
  agg->op = ToAggregateOp(op.type);
  auto parse_modifier = [&]() {
    agg->without = Consume().type == TokenType::kWithout;
    agg->explicit_grouping = true;
    return ParseGroupingLabels(&agg->grouping);
  };
  std::vector<ExprPtr> args;
  if (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout) {
    if (!parse_modifier() || !ParseCallArgs(&args, depth)) return nullptr;
  } else {
    if (!ParseCallArgs(&args, depth)) return nullptr;
    const TokenType after = Peek().type;
    if ((after == TokenType::kBy || after == TokenType::kWithout) &&
        !parse_modifier()) {
      return nullptr;
    }
  }
  agg->pos = {op.pos, last_closing_};
  if (args.empty()) {
    Fail(op.pos, "no arguments for aggregate expression provided");
    return nullptr;
  }
  size_t desired = 1;
  if (AggregateTakesParam(agg->op)) {
    if (!options_.enable_experimental_functions &&
        (agg->op == AggregateOp::kLimitK ||
         agg->op == AggregateOp::kLimitRatio)) {
      Fail(op.pos, Cat(AggregateOpString(agg->op),
                       "() is experimental and must be enabled with "
                       "--enable-feature=promql-experimental-"
                       "functions"));
      return nullptr;
    }
    desired = 2;
  }
  if (args.size() != desired) {
    Fail(op.pos, Cat("wrong number of arguments for aggregate "
                     "expression provided, expected ",
                     desired, ", got ", args.size()));
    return nullptr;
  }
  if (desired == 2) agg->param = std::move(args[0]);
  agg->expr = std::move(args[desired - 1]);
  return agg;
}

std::unique_ptr<VectorSelector> Parser::ParseVectorSelector(const Token* name) {
  auto vs = std::make_unique<VectorSelector>();
  vs->pos.start = name != nullptr ? name->pos : Peek().pos;
  vs->pos.end = name != nullptr ? name->end() : Peek().pos;
  if (Peek().type == TokenType::kLeftBrace) {
    if (!ParseLabelMatchers(vs.get())) return nullptr;
    vs->pos.end = last_closing_;
  }
  if (name != nullptr) {
    // Prometheus appends the name's matcher after the braces' matchers.
    vs->name = name->text;
    absl::StatusOr<Matcher> m = Matcher::Create(
        MatchType::kEqual, std::string(kMetricName), name->text);
    vs->matchers.push_back(*std::move(m));
  }
  return vs;
}

bool Parser::ParseLabelMatchers(VectorSelector* vs) {
  Consume();  // `{`
  for (;;) {
    const Token& t = Peek();
    if (t.type == TokenType::kRightBrace) {
      Consume();
      return true;
    }
    if (t.type != TokenType::kIdentifier && t.type != TokenType::kString) {
      return Unexpected(t, "label matching", "identifier or \"}\"");
    }
    Token label = Consume();
    const bool quoted = label.type == TokenType::kString;
    std::string label_name = quoted ? UnquoteToken(label.text) : label.text;
    const Token& op = Peek();
    if (IsMatchOp(op.type)) {
      const MatchType type = ToMatchType(Consume().type);
      Token value;
      if (!Expect(TokenType::kString, "label matching", "string", &value)) {
        return false;
      }
      absl::StatusOr<Matcher> m = Matcher::Create(type, std::move(label_name),
                                                  UnquoteToken(value.text));
      if (!m.ok())
        return Fail(label.pos, std::string(FromAbsl(m.status().message())));
      vs->matchers.push_back(*std::move(m));
    } else if (quoted && (op.type == TokenType::kComma ||
                          op.type == TokenType::kRightBrace)) {
      // A lone quoted string names the metric: {"my.metric"}.
      absl::StatusOr<Matcher> m = Matcher::Create(
          MatchType::kEqual, std::string(kMetricName), std::move(label_name));
      vs->matchers.push_back(*std::move(m));
    } else if (quoted) {
      return Unexpected(op, "label matching", "\",\" or \"}\"");
    } else {
      return Unexpected(op, "label matching", "label matching operator");
    }
    const Token& sep = Peek();
    if (sep.type == TokenType::kComma) {
      Consume();
      continue;
    }
    if (sep.type != TokenType::kRightBrace) {
      return Unexpected(sep, "label matching", "\",\" or \"}\"");
    }
  }
}

ExprPtr Parser::ParsePostfix(ExprPtr expr, int depth) {
  while (expr) {
    switch (Peek().type) {
      case TokenType::kLeftBracket:
        expr = ParseRangeOrSubquery(std::move(expr), depth);
        break;
      case TokenType::kOffset:
        Consume();
        if (!ParseOffset(expr.get())) return nullptr;
        break;
      case TokenType::kAt:
        Consume();
        if (!ParseAt(expr.get())) return nullptr;
        break;
      case TokenType::kAnchored:
      case TokenType::kSmoothed: {
        const bool anchored = Consume().type == TokenType::kAnchored;
        if (!SetExtendedModifier(expr.get(), anchored)) return nullptr;
        break;
      }
      default:
        return expr;
    }
    if (expr && !Track(expr.get())) return nullptr;
  }
  return expr;
}

ExprPtr Parser::ParseRangeOrSubquery(ExprPtr expr, int depth) {
  Token lb = Consume();
  std::unique_ptr<DurationExpr> range =
      ParseDurationExpr(1, DurationContext::kBracket, depth + 1);
  if (!range) return nullptr;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;
  if (!ResolveDuration(std::move(range), true, &range_ms, &range_expr)) {
    return nullptr;
  }
  const Token& t = Peek();
  if (t.type == TokenType::kRightBracket) {
    Token rb = Consume();
    if (expr->kind != NodeKind::kVectorSelector) {
      Fail(lb.pos, "ranges only allowed for vector selectors");
      return nullptr;
    }
    auto& vs = expr->As<VectorSelector>();
    if (vs.offset_ms != 0 || vs.offset_expr) {
      Fail(lb.pos, "no offset modifiers allowed before range");
      return nullptr;
    }
    if (vs.at_ms || vs.at_modifier != AtModifier::kNone) {
      Fail(lb.pos, "no @ modifiers allowed before range");
      return nullptr;
    }
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = {expr->pos.start, rb.end()};
    ms->range_ms = range_ms;
    ms->range_expr = std::move(range_expr);
    ms->selector.reset(&expr.release()->As<VectorSelector>());
    return ms;
  }
  if (t.type != TokenType::kColon) {
    Unexpected(t, "subquery or range", "\":\" or \"]\"");
    return nullptr;
  }
  Consume();
  auto sq = std::make_unique<SubqueryExpr>();
  sq->range_ms = range_ms;
  sq->range_expr = std::move(range_expr);
  if (Peek().type != TokenType::kRightBracket) {
    std::unique_ptr<DurationExpr> step =
        ParseDurationExpr(1, DurationContext::kBracket, depth + 1);
    if (!step ||
        !ResolveDuration(std::move(step), true, &sq->step_ms, &sq->step_expr)) {
      return nullptr;
    }
  }
  Token rb;
  if (!Expect(TokenType::kRightBracket, "subquery selector", "\"]\"", &rb)) {
    return nullptr;
  }
  sq->pos = {expr->pos.start, rb.end()};
  sq->expr = std::move(expr);
  return sq;
}

bool Parser::ParseOffset(Expr* expr) {
  std::unique_ptr<DurationExpr> d = ParseOffsetDuration(0);
  if (!d) return false;
  int64_t ms = 0;
  std::unique_ptr<DurationExpr> offset_expr;
  if (!ResolveDuration(std::move(d), false, &ms, &offset_expr)) return false;
  ModifierTarget target;
  if (!FindModifierTarget(expr, &target)) {
    return Fail(expr->pos.start,
                "offset modifier must be preceded by an instant vector "
                "selector or range vector selector or a subquery");
  }
  if (*target.offset_ms != 0 || *target.offset_expr) {
    return Fail(expr->pos.start, "offset may not be set multiple times");
  }
  *target.offset_ms = ms;
  *target.offset_expr = std::move(offset_expr);
  expr->pos.end = last_closing_;
  return true;
}

bool Parser::ParseAt(Expr* expr) {
  const Token& t = Peek();
  AtModifier preprocessor = AtModifier::kNone;
  double ts = 0;
  if (t.type == TokenType::kStart || t.type == TokenType::kEnd) {
    preprocessor = Consume().type == TokenType::kStart ? AtModifier::kStart
                                                       : AtModifier::kEnd;
    if (!Expect(TokenType::kLeftParen, "", "") ||
        !Expect(TokenType::kRightParen, "", "")) {
      return false;
    }
  } else {
    double sign = 1;
    if (t.type == TokenType::kAdd || t.type == TokenType::kSub) {
      sign = Consume().type == TokenType::kSub ? -1 : 1;
    }
    const Token& num = Peek();
    if (num.type != TokenType::kNumber && num.type != TokenType::kDuration) {
      return Unexpected(num, "@", "timestamp");
    }
    ExprPtr lit = NumberLiteralFrom(Consume());
    if (!lit) return false;
    ts = sign * lit->As<NumberLiteral>().value;
    if (std::isnan(ts) || std::isinf(ts) ||
        ts >= static_cast<double>(std::numeric_limits<int64_t>::max()) ||
        ts <= static_cast<double>(std::numeric_limits<int64_t>::min())) {
      return Fail(expr->pos.start,
                  "timestamp out of bounds for @ modifier: " + GoFloatF(ts));
    }
  }
  ModifierTarget target;
  if (!FindModifierTarget(expr, &target)) {
    return Fail(expr->pos.start,
                "@ modifier must be preceded by an instant vector selector "
                "or range vector selector or a subquery");
  }
  if (target.at_ms->has_value() || *target.at_modifier != AtModifier::kNone) {
    return Fail(expr->pos.start, "@ <timestamp> may not be set multiple times");
  }
  if (preprocessor != AtModifier::kNone) {
    *target.at_modifier = preprocessor;
  } else {
    *target.at_ms = SecondsToTimestampMs(ts);
  }
  expr->pos.end = last_closing_;
  return true;
}

bool Parser::SetExtendedModifier(Expr* expr, bool anchored) {
  const std::string name = anchored ? "anchored" : "smoothed";
  if (!options_.enable_extended_range_selectors) {
    return Fail(expr->pos.start,
                name + " modifier is experimental and not enabled");
  }
  VectorSelector* vs = nullptr;
  if (expr->kind == NodeKind::kVectorSelector) {
    vs = &expr->As<VectorSelector>();
  } else if (expr->kind == NodeKind::kMatrixSelector) {
    vs = expr->As<MatrixSelector>().selector.get();
  } else if (expr->kind == NodeKind::kSubquery) {
    return Fail(expr->pos.start,
                name + " modifier is not supported for subqueries");
  } else {
    return Fail(expr->pos.start, name + " modifier not implemented");
  }
  (anchored ? vs->anchored : vs->smoothed) = true;
  if (vs->anchored && vs->smoothed) {
    return Fail(expr->pos.start,
                "anchored and smoothed modifiers cannot be used together");
  }
  expr->pos.end = last_closing_ > expr->pos.end ? last_closing_ : expr->pos.end;
  return true;
}

absl::StatusOr<ExprPtr> ParseExpr(std::string_view input,
                                  const ParseOptions& options) {
  Parser parser(input, options);
  return parser.ParseExpression();
}

absl::StatusOr<Matchers> ParseMetricSelector(std::string_view input) {
  Parser parser(input, ParseOptions{});
  return parser.ParseSelectorOnly();
}

}  // namespace vigil::promql
