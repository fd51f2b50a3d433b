// ParseExpr and ParseMetricSelector against Prometheus's behaviour: the
// error cases and messages come from Prometheus's parse_test.go.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

ParseOptions All() { return ParseOptions::AllExperimental(); }

const Expr& MustParse(const std::string& input,
                      const ParseOptions& options = All()) {
  static std::vector<ExprPtr> keep;
  auto result = ParseExpr(input, options);
  EXPECT_TRUE(result.ok()) << input << ": " << result.status();
  if (!result.ok()) {
    auto lit = std::make_unique<NumberLiteral>();
    keep.push_back(std::move(lit));
    return *keep.back();
  }
  keep.push_back(*std::move(result));
  return *keep.back();
}

struct ErrorCase {
  std::string input;
  std::string error;  // the whole message, position included
};

class ParseErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, ReportsPrometheusMessage) {
  const ErrorCase& c = GetParam();
  auto result = ParseExpr(c.input, All());
  ASSERT_FALSE(result.ok()) << c.input;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(result.status().message()), c.error) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    PrometheusErrors, ParseErrorTest,
    testing::Values(
        ErrorCase{"",
                  "unknown position: parse error: no expression found in "
                  "input"},
        ErrorCase{"# just a comment\n\n",
                  "1:1: parse error: no expression found in input"},
        ErrorCase{"1+", "1:3: parse error: unexpected end of input"},
        ErrorCase{".", "1:1: parse error: unexpected character: '.'"},
        ErrorCase{"2.5.",
                  "1:1: parse error: bad number or duration syntax: \"2.5.\""},
        ErrorCase{"100..4",
                  "1:1: parse error: bad number or duration syntax: \"100..\""},
        ErrorCase{"0deadbeef",
                  "1:1: parse error: bad number or duration syntax: \"0de\""},
        ErrorCase{"1 /", "1:4: parse error: unexpected end of input"},
        ErrorCase{"*1", "1:1: parse error: unexpected <op:*>"},
        ErrorCase{"(1))", "1:5: parse error: unexpected right parenthesis ')'"},
        ErrorCase{"((1)", "1:5: parse error: unclosed left parenthesis"},
        ErrorCase{"(", "1:2: parse error: unclosed left parenthesis"},
        ErrorCase{"1 and 1",
                  "1:1: parse error: set operator \"and\" not allowed in "
                  "binary scalar expression"},
        ErrorCase{"1 == 1",
                  "1:3: parse error: comparisons between scalars must use "
                  "BOOL modifier"},
        ErrorCase{"1 !~ 1",
                  "1:3: parse error: unexpected character after '!': '~'"},
        ErrorCase{"1 =~ 1",
                  "1:3: parse error: unexpected character after '=': '~'"},
        ErrorCase{"-\"string\"",
                  "1:1: parse error: unary expression only allowed on "
                  "expressions of type scalar or instant vector, got "
                  "\"string\""},
        ErrorCase{"-test[5m]",
                  "1:1: parse error: unary expression only allowed on "
                  "expressions of type scalar or instant vector, got \"range "
                  "vector\""},
        ErrorCase{"@@", "1:1: parse error: unexpected <op:@>"},
        ErrorCase{"1 offset 1d",
                  "1:1: parse error: offset modifier must be preceded by an "
                  "instant vector selector or range vector selector or a "
                  "subquery"},
        ErrorCase{"foo offset 1s offset 2s",
                  "1:1: parse error: offset may not be set multiple times"},
        ErrorCase{"a - on(b) ignoring(c) d",
                  "1:11: parse error: unexpected <ignoring>"},
        ErrorCase{"1 or on(bar) foo",
                  "1:1: parse error: vector matching only allowed between "
                  "instant vectors"},
        ErrorCase{"foo + group_left(baz) bar",
                  "1:7: parse error: unexpected <group_left>"},
        ErrorCase{"foo and on(bar) group_left(baz) bar",
                  "1:1: parse error: no grouping allowed for \"and\" "
                  "operation"},
        ErrorCase{"http_requests{group=\"production\"} + on(instance) "
                  "group_left(job,instance) cpu_count{type=\"smp\"}",
                  "1:35: parse error: label \"instance\" must not occur in ON "
                  "and GROUP clause at once"},
        ErrorCase{"foo + bool bar",
                  "1:5: parse error: bool modifier can only be used on "
                  "comparison operators"},
        ErrorCase{"foo and bool 10",
                  "1:5: parse error: bool modifier can only be used on "
                  "comparison operators"},
        ErrorCase{"foo @ +Inf",
                  "1:1: parse error: timestamp out of bounds for @ modifier: "
                  "+Inf"},
        ErrorCase{"foo @ NaN",
                  "1:1: parse error: timestamp out of bounds for @ modifier: "
                  "NaN"},
        ErrorCase{"{",
                  "1:2: parse error: unexpected end of input inside "
                  "braces"},
        ErrorCase{"}", "1:1: parse error: unexpected character: '}'"},
        ErrorCase{"some}", "1:5: parse error: unexpected character: '}'"},
        ErrorCase{"some_metric{a=b}",
                  "1:15: parse error: unexpected identifier \"b\" in label "
                  "matching, expected string"},
        ErrorCase{"some_metric{a:b=\"b\"}",
                  "1:14: parse error: unexpected character inside braces: "
                  "':'"},
        ErrorCase{"foo{a*\"b\"}",
                  "1:6: parse error: unexpected character inside braces: "
                  "'*'"},
        ErrorCase{"some_metric{a=\"\xff\"}",
                  "1:15: parse error: invalid UTF-8 rune"},
        ErrorCase{"foo{gibberish}",
                  "1:14: parse error: unexpected \"}\" in label matching, "
                  "expected label matching operator"},
        ErrorCase{"foo{1}",
                  "1:5: parse error: unexpected character inside braces: "
                  "'1'"},
        ErrorCase{"{}",
                  "1:1: parse error: vector selector must contain at least "
                  "one non-empty matcher"},
        ErrorCase{"{x=~\".*\"}",
                  "1:1: parse error: vector selector must contain at least "
                  "one non-empty matcher"},
        ErrorCase{"foo{__name__=\"bar\"}",
                  "1:1: parse error: metric name must not be set twice: "
                  "\"foo\" or \"bar\""},
        ErrorCase{"foo{__name__= =}",
                  "1:15: parse error: unexpected \"=\" in label matching, "
                  "expected string"},
        ErrorCase{"foo{,}",
                  "1:5: parse error: unexpected \",\" in label matching, "
                  "expected identifier or \"}\""},
        ErrorCase{"foo{__name__=\"bar\" lol}",
                  "1:20: parse error: unexpected identifier \"lol\" in label "
                  "matching, expected \",\" or \"}\""},
        ErrorCase{"foo{\"a\"=}",
                  "1:9: parse error: unexpected \"}\" in label matching, "
                  "expected string"},
        ErrorCase{"foo[5mm]",
                  "1:5: parse error: bad number or duration syntax: \"5mm\""},
        ErrorCase{"foo[5m1]",
                  "1:5: parse error: bad number or duration syntax: \"5m1\""},
        ErrorCase{"foo[5y1hs]",
                  "1:5: parse error: unknown unit \"hs\" in duration "
                  "\"5y1hs\""},
        ErrorCase{"foo[5m1h]",
                  "1:5: parse error: not a valid duration string: \"5m1h\""},
        ErrorCase{"foo[0m]",
                  "1:5: parse error: duration must be greater than 0"},
        ErrorCase{"foo[\"5m\"]",
                  "1:5: parse error: unexpected character in duration "
                  "expression: '\"'"},
        ErrorCase{"foo[]",
                  "1:5: parse error: unexpected \"]\" in subquery or range "
                  "selector, expected number, duration, step(), or range()"},
        ErrorCase{"foo[-1]",
                  "1:5: parse error: duration must be greater than 0"},
        ErrorCase{"some_metric[5m] OFFSET",
                  "1:23: parse error: unexpected end of input in offset, "
                  "expected number, duration, step(), or range()"},
        ErrorCase{"some_metric OFFSET 1m[5m]",
                  "1:22: parse error: no offset modifiers allowed before "
                  "range"},
        ErrorCase{"some_metric[5m] @",
                  "1:18: parse error: unexpected end of input in @, "
                  "expected timestamp"},
        ErrorCase{"some_metric @ start() [5m]",
                  "1:23: parse error: no @ modifiers allowed before range"},
        ErrorCase{"(foo + bar)[5m]",
                  "1:12: parse error: ranges only allowed for vector "
                  "selectors"},
        ErrorCase{"sum by (\"foo)(some_metric{})",
                  "1:9: parse error: unterminated quoted string"},
        ErrorCase{"sum without(==)(some_metric)",
                  "1:13: parse error: unexpected <op:==> in grouping opts, "
                  "expected label"},
        ErrorCase{"sum without(foo,,)(some_metric)",
                  "1:17: parse error: unexpected \",\" in grouping opts, "
                  "expected label"},
        ErrorCase{"sum some_metric by (test)",
                  "1:5: parse error: unexpected identifier \"some_metric\""},
        ErrorCase{"sum (some_metric) by test",
                  "1:22: parse error: unexpected identifier \"test\" in "
                  "grouping opts, expected \"(\""},
        ErrorCase{"sum () by (test)",
                  "1:1: parse error: no arguments for aggregate expression "
                  "provided"},
        ErrorCase{"sum (some_metric) without (test) by (test)",
                  "1:34: parse error: unexpected <by>"},
        ErrorCase{"topk(some_metric)",
                  "1:1: parse error: wrong number of arguments for aggregate "
                  "expression provided, expected 2, got 1"},
        ErrorCase{"topk(some_metric,)",
                  "1:17: parse error: trailing commas not allowed in "
                  "function call args"},
        ErrorCase{"topk(some_metric, other_metric)",
                  "1:6: parse error: expected type scalar in aggregation "
                  "parameter, got instant vector"},
        ErrorCase{"count_values(5, other_metric)",
                  "1:14: parse error: expected type string in aggregation "
                  "parameter, got scalar"},
        ErrorCase{"rate(some_metric[5m]) @ 1234",
                  "1:1: parse error: @ modifier must be preceded by an "
                  "instant vector selector or range vector selector or a "
                  "subquery"},
        ErrorCase{"floor()",
                  "1:1: parse error: expected 1 argument(s) in call to "
                  "\"floor\", got 0"},
        ErrorCase{"floor(1)",
                  "1:7: parse error: expected type instant vector in call to "
                  "function \"floor\", got scalar"},
        ErrorCase{"hour(some_metric, some_metric, some_metric)",
                  "1:1: parse error: expected at most 1 argument(s) in call "
                  "to \"hour\", got 3"},
        ErrorCase{"non_existent_function_far_bar()",
                  "1:1: parse error: unknown function with name "
                  "\"non_existent_function_far_bar\""},
        ErrorCase{"rate(some_metric)",
                  "1:6: parse error: expected type range vector in call to "
                  "function \"rate\", got instant vector"},
        ErrorCase{"label_replace(a, `b`, `c\xff`, `d`, `.*`)",
                  "1:23: parse error: invalid UTF-8 rune"},
        ErrorCase{"-=", "1:2: parse error: unexpected \"=\""},
        ErrorCase{"++-++-+-+-<", "1:11: parse error: unexpected <op:<>"},
        ErrorCase{"e-+=/(0)", "1:4: parse error: unexpected \"=\""},
        ErrorCase{"a>b()",
                  "1:3: parse error: unknown function with name \"b\""},
        ErrorCase{"rate(avg)",
                  "1:6: parse error: expected type range vector in call to "
                  "function \"rate\", got instant vector"},
        ErrorCase{"`\\``", "1:4: parse error: unterminated raw string"},
        ErrorCase{"\"\\", "1:1: parse error: escape sequence not terminated"},
        ErrorCase{"\"\\c\"",
                  "1:1: parse error: unknown escape sequence U+0063 'c'"},
        ErrorCase{"\"\\x.\"",
                  "1:1: parse error: illegal character U+002E '.' in escape "
                  "sequence"},
        ErrorCase{"foo{bar=\"baz\"}[",
                  "1:16: parse error: unexpected end of input in duration "
                  "expression"},
        ErrorCase{"test[5d] OFFSET 10s [10m:5s]",
                  "1:1: parse error: subquery is only allowed on instant "
                  "vector, got matrix instead"},
        ErrorCase{"rate(food[1m])[1h] offset 1h",
                  "1:15: parse error: ranges only allowed for vector "
                  "selectors"},
        ErrorCase{"info(rate(http_request_counter_total{}[5m]), "
                  "target_info{foo=\"bar\"})",
                  "1:46: parse error: expected label selectors only, got "
                  "vector selector instead"},
        ErrorCase{"info(http_request_counter_total{namespace=\"zzz\"}, "
                  "{foo=\"bar\"} == 1)",
                  "1:51: parse error: expected label selectors only"},
        ErrorCase{"foo[step]",
                  "1:9: parse error: unexpected \"]\" in subquery or range "
                  "selector, expected number, duration, step(), or range()"},
        ErrorCase{"foo[step()/0d]", "1:11: parse error: division by zero"},
        ErrorCase{"foo[5s%0d]", "1:7: parse error: modulo by zero"},
        ErrorCase{"foo offset (4d/0)", "1:15: parse error: division by zero"},
        ErrorCase{"foo offset 9.5e10",
                  "1:12: parse error: duration out of "
                  "range"},
        ErrorCase{"sum(", "1:5: parse error: unclosed left parenthesis"},
        ErrorCase{"foo[5s x 5s]",
                  "1:8: parse error: unexpected character: 'x', expected "
                  "':'"},
        ErrorCase{"1[5m] smoothed",
                  "1:2: parse error: ranges only allowed for vector "
                  "selectors"},
        ErrorCase{"foo\n  + bar{",
                  "2:9: parse error: unexpected end of input inside braces"},
        ErrorCase{"foo + fill(1) 2",
                  "1:1: parse error: filling in missing series only allowed "
                  "between instant vectors"}));

TEST(ParseErrorTest, MultiLinePositions) {
  auto r = ParseExpr("sum(\n  rate(foo[5m])\n) by (\n  ==)", All());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "4:3: parse error: unexpected <op:==> in grouping opts, expected "
            "label");
}

TEST(ParseErrorTest, ExperimentalFeaturesAreGated) {
  const ParseOptions off;
  auto fn = ParseExpr("sort_by_label(foo, \"a\")", off);
  EXPECT_EQ(fn.status().message(),
            "1:1: parse error: function \"sort_by_label\" is not enabled");
  auto agg = ParseExpr("limitk(2, foo)", off);
  EXPECT_EQ(agg.status().message(),
            "1:1: parse error: limitk() is experimental and must be enabled "
            "with --enable-feature=promql-experimental-functions");
  auto dur = ParseExpr("foo[5m+1m]", off);
  EXPECT_EQ(dur.status().message(),
            "1:5: parse error: experimental duration expression is not "
            "enabled");
  auto anchored = ParseExpr("rate(foo[5m] anchored)", off);
  EXPECT_EQ(anchored.status().message(),
            "1:6: parse error: anchored modifier is experimental and not "
            "enabled");
  auto fill = ParseExpr("a + fill(0) b", off);
  EXPECT_EQ(fill.status().message(),
            "1:1: parse error: binop fill modifiers are experimental and not "
            "enabled");
  // Plain numbers as ranges are not experimental in Prometheus 3.
  EXPECT_TRUE(ParseExpr("rate(foo[300])", off).ok());
}

TEST(ParseErrorTest, HostileInputNeverCrashes) {
  const ParseOptions options;
  // Built by append: `std::string + std::string` in an initializer list
  // trips GCC 12's false -Warray-bounds at -O2.
  struct Hostile {
    std::string prefix;
    char repeated;
    size_t count;
    std::string suffix;
  };
  const Hostile cases[] = {{"", '(', 200000, ""},  {"", '-', 200000, "1"},
                           {"1", '+', 100000, ""}, {"", '{', 100000, ""},
                           {"", '[', 100000, ""},  {"foo", '}', 50000, ""}};
  for (const Hostile& h : cases) {
    std::string s = h.prefix;
    s.append(h.count, h.repeated);
    s.append(h.suffix);
    EXPECT_FALSE(ParseExpr(s, options).ok());
  }
  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += "+1";
  EXPECT_FALSE(ParseExpr(chain, options).ok());
  std::string subqueries = "foo";
  for (int i = 0; i < 100000; ++i) subqueries += "[1m:]";
  EXPECT_FALSE(ParseExpr(subqueries, options).ok());
  std::string pow = "1";
  for (int i = 0; i < 100000; ++i) pow += "^1";
  EXPECT_FALSE(ParseExpr(pow, options).ok());
  std::string ok = "1";
  for (int i = 0; i < 500; ++i) ok += " + 1";
  EXPECT_TRUE(ParseExpr(ok, options).ok());
}

TEST(ParseExprTest, NumberLiterals) {
  struct Case {
    std::string input;
    double value;
    int32_t end;
  };
  for (const Case& c : std::vector<Case>{{"1", 1, 1},
                                         {"+Inf", INFINITY, 4},
                                         {"-Inf", -INFINITY, 4},
                                         {".5", 0.5, 2},
                                         {"5.", 5, 2},
                                         {"123.4567", 123.4567, 8},
                                         {"5e-3", 0.005, 4},
                                         {"5e3", 5000, 3},
                                         {"0xc", 12, 3},
                                         {"0755", 493, 4},
                                         {"+5.5e-3", 0.0055, 7},
                                         {"-0755", -493, 5},
                                         {"1_000", 1000, 5}}) {
    const Expr& e = MustParse(c.input);
    ASSERT_EQ(e.kind, NodeKind::kNumber) << c.input;
    EXPECT_EQ(e.As<NumberLiteral>().value, c.value) << c.input;
    EXPECT_FALSE(e.As<NumberLiteral>().is_duration);
    EXPECT_EQ(e.pos.start, 0);
    EXPECT_EQ(e.pos.end, c.end) << c.input;
  }
  EXPECT_TRUE(std::isnan(MustParse("NaN").As<NumberLiteral>().value));
  EXPECT_TRUE(std::isnan(MustParse("nan").As<NumberLiteral>().value));
  const auto& d = MustParse("1h30m").As<NumberLiteral>();
  EXPECT_EQ(d.value, 5400);
  EXPECT_TRUE(d.is_duration);
  auto big = ParseExpr(std::string(309, '9'), All());
  EXPECT_EQ(big.status().message(),
            "1:1: parse error: error parsing number: strconv.ParseFloat: "
            "parsing \"" +
                std::string(309, '9') + "\": value out of range");
}

TEST(ParseExprTest, UnaryMinusFoldsIntoNumbersOnly) {
  const Expr& pow = MustParse("-1^2");
  ASSERT_EQ(pow.kind, NodeKind::kUnary);
  EXPECT_EQ(pow.As<UnaryExpr>().expr->kind, NodeKind::kBinary);
  const Expr& mul = MustParse("-1*2");
  ASSERT_EQ(mul.kind, NodeKind::kBinary);
  EXPECT_EQ(mul.As<BinaryExpr>().lhs->As<NumberLiteral>().value, -1);
  EXPECT_EQ(mul.As<BinaryExpr>().lhs->pos.end, 2);
  const Expr& sum = MustParse("+1 + -2 * 1");
  const auto& rhs = sum.As<BinaryExpr>().rhs->As<BinaryExpr>();
  EXPECT_EQ(rhs.op, BinaryOp::kMul);
  EXPECT_EQ(rhs.lhs->As<NumberLiteral>().value, -2);
  EXPECT_EQ(rhs.lhs->pos.start, 5);
  const Expr& neg = MustParse(" +some_metric");
  ASSERT_EQ(neg.kind, NodeKind::kUnary);
  EXPECT_EQ(neg.As<UnaryExpr>().op, BinaryOp::kAdd);
  EXPECT_EQ(neg.pos.start, 1);
  EXPECT_EQ(neg.As<UnaryExpr>().expr->pos.start, 2);
}

TEST(ParseExprTest, Precedence) {
  const auto& e = MustParse("foo + bar or bla and blub").As<BinaryExpr>();
  EXPECT_EQ(e.op, BinaryOp::kOr);
  EXPECT_EQ(e.lhs->As<BinaryExpr>().op, BinaryOp::kAdd);
  EXPECT_EQ(e.rhs->As<BinaryExpr>().op, BinaryOp::kAnd);
  EXPECT_EQ(e.matching->card, MatchCardinality::kManyToMany);
  const auto& p = MustParse("2 ^ 3 ^ 2").As<BinaryExpr>();
  EXPECT_EQ(p.lhs->kind, NodeKind::kNumber);
  EXPECT_EQ(p.rhs->As<BinaryExpr>().op, BinaryOp::kPow);
  const auto& c = MustParse("1 < bool 2 - 1 * 2").As<BinaryExpr>();
  EXPECT_EQ(c.op, BinaryOp::kLss);
  EXPECT_TRUE(c.return_bool);
  EXPECT_FALSE(c.matching.has_value());
  EXPECT_EQ(c.rhs->As<BinaryExpr>().rhs->As<BinaryExpr>().op, BinaryOp::kMul);
  const auto& t = MustParse("h </ 5 * 2").As<BinaryExpr>();
  EXPECT_EQ(t.op, BinaryOp::kMul);
  EXPECT_EQ(t.lhs->As<BinaryExpr>().op, BinaryOp::kTrimUpper);
}

TEST(ParseExprTest, VectorMatching) {
  const auto& e =
      MustParse("bar + on(foo) bla / on(baz, buz) group_right(test) blub")
          .As<BinaryExpr>();
  EXPECT_EQ(e.op, BinaryOp::kAdd);
  ASSERT_TRUE(e.matching.has_value());
  EXPECT_TRUE(e.matching->on);
  EXPECT_EQ(e.matching->matching_labels, std::vector<std::string>{"foo"});
  const auto& div = e.rhs->As<BinaryExpr>();
  EXPECT_EQ(div.matching->card, MatchCardinality::kOneToMany);
  EXPECT_EQ(div.matching->matching_labels,
            (std::vector<std::string>{"baz", "buz"}));
  EXPECT_EQ(div.matching->include, std::vector<std::string>{"test"});
  EXPECT_EQ(div.rhs->pos.start, 51);
  const auto& ign = MustParse("foo and ignoring() bar").As<BinaryExpr>();
  EXPECT_FALSE(ign.matching->on);
  EXPECT_TRUE(ign.matching->explicit_matching);
  EXPECT_TRUE(ign.matching->matching_labels.empty());
  const auto& plain = MustParse("foo * bar").As<BinaryExpr>();
  EXPECT_FALSE(plain.matching->explicit_matching);
  EXPECT_EQ(plain.matching->card, MatchCardinality::kOneToOne);
  const auto& fill =
      MustParse("a + on(job) group_left fill_left(5) fill_right(-Inf) b")
          .As<BinaryExpr>();
  EXPECT_EQ(fill.matching->card, MatchCardinality::kManyToOne);
  EXPECT_EQ(fill.matching->fill_left, 5);
  EXPECT_EQ(fill.matching->fill_right, -INFINITY);
  const auto& both = MustParse("a == bool fill(30) b").As<BinaryExpr>();
  EXPECT_TRUE(both.return_bool);
  EXPECT_EQ(both.matching->fill_left, 30);
  EXPECT_EQ(both.matching->fill_right, 30);
  // `fill` not followed by '(' is a metric name.
  EXPECT_EQ(
      MustParse("fill + fill").As<BinaryExpr>().lhs->As<VectorSelector>().name,
      "fill");
}

TEST(ParseExprTest, VectorSelectors) {
  const auto& vs =
      MustParse("foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\",}")
          .As<VectorSelector>();
  EXPECT_EQ(vs.name, "foo");
  ASSERT_EQ(vs.matchers.size(), 5u);
  EXPECT_EQ(vs.matchers[1].type(), MatchType::kNotEqual);
  EXPECT_EQ(vs.matchers[2].type(), MatchType::kRegexMatch);
  EXPECT_EQ(vs.matchers[4].name(), "__name__");
  EXPECT_EQ(vs.matchers[4].value(), "foo");
  EXPECT_EQ(vs.pos.end, 49);
  const auto& quoted =
      MustParse("{'foo\\'bar', 'a\\\\dos\\\\path'='boo\\\\urns'}")
          .As<VectorSelector>();
  EXPECT_TRUE(quoted.name.empty());
  EXPECT_EQ(quoted.matchers[0].value(), "foo'bar");
  EXPECT_EQ(quoted.matchers[1].name(), "a\\dos\\path");
  const auto& utf8 =
      MustParse("{\"my.metric\", \"a.b\"=\"x\"}").As<VectorSelector>();
  EXPECT_EQ(utf8.matchers[0].name(), "__name__");
  EXPECT_EQ(utf8.matchers[1].name(), "a.b");
  for (const char* kw : {"min", "offset", "start", "end", "sum", "anchored",
                         "step", "by", "and"}) {
    EXPECT_EQ(MustParse(kw).As<VectorSelector>().name, kw);
  }
  const auto& at = MustParse("foo @ 3.3335").As<VectorSelector>();
  EXPECT_EQ(at.at_ms, 3334);
  EXPECT_EQ(at.pos.end, 12);
  EXPECT_EQ(MustParse("foo @ -100").As<VectorSelector>().at_ms, -100000);
  EXPECT_EQ(MustParse("foo @ end()").As<VectorSelector>().at_modifier,
            AtModifier::kEnd);
  const auto& off = MustParse("foo OFFSET 1m30ms").As<VectorSelector>();
  EXPECT_EQ(off.offset_ms, 60030);
  EXPECT_EQ(off.pos.end, 17);
  EXPECT_EQ(MustParse("foo offset -7m").As<VectorSelector>().offset_ms,
            -420000);
  EXPECT_EQ(MustParse("foo offset 3600").As<VectorSelector>().offset_ms,
            3600000);
  const auto& info = MustParse(
      "info(http_request_counter_total{namespace=\"zzz\"}, {foo=\"bar\", "
      "bar=\"baz\"})");
  EXPECT_TRUE(
      info.As<Call>().args[1]->As<VectorSelector>().bypass_empty_matcher_check);
}

TEST(ParseExprTest, MatrixAndSubquery) {
  const auto& ms = MustParse("foo[4.018] @ 2.345").As<MatrixSelector>();
  EXPECT_EQ(ms.range_ms, 4018);
  EXPECT_EQ(ms.selector->at_ms, 2345);
  EXPECT_EQ(ms.pos.end, 18);
  const auto& o = MustParse("test[5d] OFFSET 10s").As<MatrixSelector>();
  EXPECT_EQ(o.selector->offset_ms, 10000);
  EXPECT_EQ(o.range_ms, 5 * 86400000LL);
  const auto& sq = MustParse(
                       "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset "
                       "4m)[4m:3s]")
                       .As<SubqueryExpr>();
  EXPECT_EQ(sq.range_ms, 240000);
  EXPECT_EQ(sq.step_ms, 3000);
  EXPECT_EQ(sq.pos.end, 61);
  const auto& inner = sq.expr->As<Call>().args[0]->As<SubqueryExpr>();
  EXPECT_EQ(inner.step_ms, 0);
  EXPECT_EQ(inner.offset_ms, 240000);
  EXPECT_EQ(inner.pos.end, 53);
  const auto& at =
      MustParse("some_metric[10m:5s] offset 1m @ 123").As<SubqueryExpr>();
  EXPECT_EQ(at.at_ms, 123000);
  EXPECT_EQ(at.offset_ms, 60000);
  const auto& anchored = MustParse("increase(metric[1m] anchored)").As<Call>();
  EXPECT_TRUE(anchored.args[0]->As<MatrixSelector>().selector->anchored);
}

TEST(ParseExprTest, DurationExpressions) {
  const auto& r = MustParse("foo[11s+10s-5*2^2]").As<MatrixSelector>();
  ASSERT_NE(r.range_expr, nullptr);
  EXPECT_EQ(r.range_expr->op, DurationOp::kSub);
  EXPECT_EQ(r.range_expr->rhs->op, DurationOp::kMul);
  EXPECT_EQ(r.range_expr->rhs->rhs->op, DurationOp::kPow);
  EXPECT_TRUE(r.range_expr->lhs->lhs->literal_is_duration);
  const auto& neg = MustParse("foo[-10s+15s]").As<MatrixSelector>();
  EXPECT_EQ(neg.range_expr->lhs->number_seconds, -10);
  EXPECT_EQ(neg.range_expr->lhs->op, DurationOp::kLiteral);
  const auto& wrapped = MustParse("foo[(5s)]").As<MatrixSelector>();
  EXPECT_TRUE(wrapped.range_expr->wrapped);
  EXPECT_EQ(wrapped.range_expr->op, DurationOp::kLiteral);
  const auto& step = MustParse("foo[1+(STep()-5)*2]").As<MatrixSelector>();
  EXPECT_EQ(step.range_expr->rhs->lhs->lhs->op, DurationOp::kStep);
  const auto& off = MustParse("foo offset -(5)").As<VectorSelector>();
  EXPECT_EQ(off.offset_expr->op, DurationOp::kNeg);
  EXPECT_TRUE(off.offset_expr->lhs->wrapped);
  const auto& minof =
      MustParse("foo offset -min_of(5s,step()+8s)").As<VectorSelector>();
  EXPECT_EQ(minof.offset_expr->op, DurationOp::kNeg);
  EXPECT_EQ(minof.offset_expr->lhs->op, DurationOp::kMinOf);
  // The offset takes one operand; the rest is ordinary arithmetic.
  const auto& bin = MustParse("foo offset -1^1").As<BinaryExpr>();
  EXPECT_EQ(bin.op, BinaryOp::kPow);
  EXPECT_EQ(bin.lhs->As<VectorSelector>().offset_ms, -1000);
  const auto& sq =
      MustParse("foo[4s+4s:1s*2] offset (5s-8)").As<SubqueryExpr>();
  EXPECT_EQ(sq.step_expr->op, DurationOp::kMul);
  EXPECT_TRUE(sq.offset_expr->wrapped);
  EXPECT_EQ(MustParse("foo[-2^2]").As<MatrixSelector>().range_expr->op,
            DurationOp::kNeg);
}

TEST(ParseExprTest, AggregationsAndCalls) {
  const auto& a =
      MustParse("sum (some_metric) without (foo)").As<AggregateExpr>();
  EXPECT_TRUE(a.without);
  EXPECT_TRUE(a.explicit_grouping);
  EXPECT_EQ(a.pos.end, 31);
  const auto& kw =
      MustParse("sum without(and, by, avg, count, alert, annotations)(x)")
          .As<AggregateExpr>();
  EXPECT_EQ(kw.grouping.size(), 6u);
  const auto& q =
      MustParse("sum by (\"foo bar\", bar, 'baz')({\"some.metric\"})")
          .As<AggregateExpr>();
  EXPECT_EQ(q.grouping, (std::vector<std::string>{"foo bar", "bar", "baz"}));
  const auto& topk = MustParse("topk(5, some_metric)").As<AggregateExpr>();
  EXPECT_EQ(topk.param->As<NumberLiteral>().value, 5);
  EXPECT_FALSE(MustParse("sum(foo)").As<AggregateExpr>().explicit_grouping);
  EXPECT_EQ(MustParse("(sum(foo) )").As<ParenExpr>().expr->pos.end, 9);
  const auto& call = MustParse("round(some_metric, 5)").As<Call>();
  EXPECT_EQ(call.func->name, "round");
  EXPECT_EQ(call.args.size(), 2u);
  EXPECT_EQ(call.pos.end, 21);
  EXPECT_EQ(MustParse("start()").As<Call>().func->name, "start");
  EXPECT_EQ(MustParse("min_of(1, 2)").type(), ValueType::kScalar);
  EXPECT_EQ(MustParse("label_join(foo, \"a\", \",\", \"b\", \"c\")")
                .As<Call>()
                .args.size(),
            5u);
}

TEST(ParseExprTest, StringEscapes) {
  EXPECT_EQ(MustParse("\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\" - \\xFF\\377\\u1234"
                      "\\U00010111\\U0001011111☺\"")
                .As<StringLiteral>()
                .value,
            "\a\b\f\n\r\t\v\\\" - \xFF\377\u1234\U00010111\U0001011111☺");
  EXPECT_EQ(MustParse("`\\a\\b`").As<StringLiteral>().value, "\\a\\b");
}

TEST(ParseMetricSelectorTest, ReturnsMatchers) {
  auto m = ParseMetricSelector("up{job=\"api\", env=~\"prod|dev\"}");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[2].name(), "__name__");
  EXPECT_EQ((*m)[1].type(), MatchType::kRegexMatch);
  EXPECT_FALSE(ParseMetricSelector("up + 1").ok());
  EXPECT_FALSE(ParseMetricSelector("rate(up[5m])").ok());
  auto bad = ParseMetricSelector("up{job=~\"(\"}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()).rfind("1:4: parse error: ", 0),
            0u);
}

TEST(FunctionSignaturesTest, TableIsSortedAndComplete) {
  const auto& all = AllFunctions();
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].name, all[i].name);
  }
  for (const char* name :
       {"rate", "histogram_quantile", "label_replace", "label_join", "info",
        "sort_by_label_desc", "double_exponential_smoothing",
        "ts_of_max_over_time", "first_over_time", "mad_over_time", "year"}) {
    EXPECT_NE(LookupFunction(name), nullptr) << name;
  }
  EXPECT_EQ(LookupFunction("limitk"), nullptr);
  EXPECT_EQ(LookupFunction("label_join")->variadic, -1);
  EXPECT_TRUE(LookupFunction("info")->experimental);
  EXPECT_EQ(LookupFunction("time")->return_type, ValueType::kScalar);
}

}  // namespace
}  // namespace vigil::promql
