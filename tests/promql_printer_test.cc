// Format on hand-built trees: what Prometheus's String() methods print for
// each node shape (promql/parser/printer.go and printer_test.go), checked
// without going through the parser.
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

// --- Small builders: each returns a node the way the parser would. ---

Matcher M(MatchType type, std::string name, std::string value) {
  auto m = Matcher::Create(type, std::move(name), std::move(value));
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

// `name{matchers}`; the parser appends the implied __name__ matcher last.
std::unique_ptr<VectorSelector> Sel(std::string name,
                                    std::vector<Matcher> matchers = {}) {
  auto v = std::make_unique<VectorSelector>();
  if (!name.empty()) {
    matchers.push_back(M(MatchType::kEqual, "__name__", name));
  }
  v->name = std::move(name);
  v->matchers = std::move(matchers);
  return v;
}

ExprPtr Num(double value, bool is_duration = false) {
  auto n = std::make_unique<NumberLiteral>();
  n->value = value;
  n->is_duration = is_duration;
  return n;
}

ExprPtr Str(std::string value) {
  auto s = std::make_unique<StringLiteral>();
  s->value = std::move(value);
  return s;
}

ExprPtr Paren(ExprPtr e) {
  auto p = std::make_unique<ParenExpr>();
  p->expr = std::move(e);
  return p;
}

ExprPtr Bin(ExprPtr lhs, BinaryOp op, ExprPtr rhs,
            std::optional<VectorMatching> matching = std::nullopt,
            bool return_bool = false) {
  auto b = std::make_unique<BinaryExpr>();
  b->lhs = std::move(lhs);
  b->op = op;
  b->rhs = std::move(rhs);
  b->matching = std::move(matching);
  b->return_bool = return_bool;
  return b;
}

VectorMatching Matching(bool on, std::vector<std::string> labels,
                        MatchCardinality card = MatchCardinality::kOneToOne,
                        std::vector<std::string> include = {}) {
  VectorMatching vm;
  vm.on = on;
  vm.explicit_matching = true;
  vm.matching_labels = std::move(labels);
  vm.card = card;
  vm.include = std::move(include);
  return vm;
}

ExprPtr Agg(AggregateOp op, ExprPtr expr,
            std::vector<std::string> grouping = {}, bool without = false,
            ExprPtr param = nullptr) {
  auto a = std::make_unique<AggregateExpr>();
  a->op = op;
  a->expr = std::move(expr);
  a->grouping = std::move(grouping);
  a->without = without;
  a->explicit_grouping = without || !a->grouping.empty();
  a->param = std::move(param);
  return a;
}

// The printer needs only a function's name, so the calls here carry
// signatures of their own rather than depending on the signature table.
template <typename... Args>
ExprPtr CallOf(std::string_view name, Args... arg_list) {
  std::vector<ExprPtr> args;
  (args.push_back(std::move(arg_list)), ...);
  static std::deque<FunctionSignature> signatures;
  signatures.push_back(FunctionSignature{name, {}, -1, ValueType::kVector});
  auto c = std::make_unique<Call>();
  c->func = &signatures.back();
  c->args = std::move(args);
  return c;
}

ExprPtr Matrix(std::unique_ptr<VectorSelector> sel, int64_t range_ms) {
  auto m = std::make_unique<MatrixSelector>();
  m->selector = std::move(sel);
  m->range_ms = range_ms;
  return m;
}

std::unique_ptr<DurationExpr> DLit(double seconds, bool is_duration = true) {
  auto d = std::make_unique<DurationExpr>();
  d->op = DurationOp::kLiteral;
  d->number_seconds = seconds;
  d->literal_is_duration = is_duration;
  return d;
}

std::unique_ptr<DurationExpr> DOp(DurationOp op,
                                  std::unique_ptr<DurationExpr> lhs = nullptr,
                                  std::unique_ptr<DurationExpr> rhs = nullptr,
                                  bool wrapped = false) {
  auto d = std::make_unique<DurationExpr>();
  d->op = op;
  d->lhs = std::move(lhs);
  d->rhs = std::move(rhs);
  d->wrapped = wrapped;
  return d;
}

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

// --- Selectors (printer_test.go's TestVectorSelector_String) ---

TEST(PrinterTest, VectorSelectorShapes) {
  EXPECT_EQ(Format(VectorSelector()), "");
  EXPECT_EQ(Format(*Sel("foobar")), "foobar");
  EXPECT_EQ(Format(*Sel("foobar", {M(MatchType::kEqual, "a", "x")})),
            "foobar{a=\"x\"}");
  EXPECT_EQ(Format(*Sel("foobar", {M(MatchType::kEqual, "a", "x"),
                                   M(MatchType::kEqual, "b", "y")})),
            "foobar{a=\"x\",b=\"y\"}");
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "a", "x"),
                             M(MatchType::kEqual, "b", "y")})),
            "{a=\"x\",b=\"y\"}");
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "__name__", "foobar")})),
            "{__name__=\"foobar\"}");
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "__name__", ""),
                             M(MatchType::kEqual, "a", "x")})),
            "{__name__=\"\",a=\"x\"}");
}

TEST(PrinterTest, MatchersAreSortedAsText) {
  // Prometheus sorts the printed matchers: `{b="1",a="2"}` prints back as
  // `{a="2",b="1"}`.
  EXPECT_EQ(Format(*Sel("m", {M(MatchType::kRegexNoMatch, "z", "c"),
                              M(MatchType::kNotEqual, "b", "c"),
                              M(MatchType::kRegexMatch, "a", "c")})),
            "m{a=~\"c\",b!=\"c\",z!~\"c\"}");
}

TEST(PrinterTest, Utf8NamesAreQuoted) {
  // `{"my.metric", "a.b"="x"}`: the parser keeps the name as a __name__
  // matcher, which sorts after the quoted label.
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "__name__", "my.metric"),
                             M(MatchType::kEqual, "a.b", "x")})),
            "{\"a.b\"=\"x\",__name__=\"my.metric\"}");
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "0", "1")})),
            "{\"0\"=\"1\"}");
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "", "0")})), "{\"\"=\"0\"}");
  EXPECT_EQ(Format(*Sel("", {M(MatchType::kEqual, "_0", "1")})), "{_0=\"1\"}");
  // A hand-built UTF-8 name still prints as something that parses.
  EXPECT_EQ(Format(*Sel("my.metric")), "{__name__=\"my.metric\"}");
}

TEST(PrinterTest, LabelValuesAreGoQuoted) {
  EXPECT_EQ(Format(*Sel("m", {M(MatchType::kEqual, "a", "q\"b\\s\nl\t\x01")})),
            "m{a=\"q\\\"b\\\\s\\nl\\t\\x01\"}");
}

TEST(PrinterTest, OffsetAtAndExtendedModifiers) {
  auto v = Sel("a");
  v->offset_ms = kMinute;
  EXPECT_EQ(Format(*v), "a offset 1m");
  v->offset_ms = -7 * kMinute;
  EXPECT_EQ(Format(*v), "a offset -7m");
  v->offset_ms = 90 * kSecond;
  EXPECT_EQ(Format(*v), "a offset 1m30s");

  auto at = Sel("a");
  at->at_ms = 10 * kSecond;
  EXPECT_EQ(Format(*at), "a @ 10.000");
  at->at_ms = 1500;
  EXPECT_EQ(Format(*at), "a @ 1.500");
  at->at_ms = -1;
  EXPECT_EQ(Format(*at), "a @ -0.001");
  at->at_ms.reset();
  at->at_modifier = AtModifier::kStart;
  EXPECT_EQ(Format(*at), "a @ start()");
  at->at_modifier = AtModifier::kEnd;
  at->offset_ms = kMinute;
  EXPECT_EQ(Format(*at), "a @ end() offset 1m");

  auto anchored = Sel("a");
  anchored->anchored = true;
  EXPECT_EQ(Format(*anchored), "a anchored");
  auto smoothed = Sel("a");
  smoothed->smoothed = true;
  smoothed->at_modifier = AtModifier::kStart;
  EXPECT_EQ(Format(*smoothed), "a @ start() smoothed");
}

TEST(PrinterTest, MatrixSelectors) {
  EXPECT_EQ(
      Format(*Matrix(Sel("a", {M(MatchType::kNotEqual, "b", "c")}), kMinute)),
      "a{b!=\"c\"}[1m]");

  auto sel = Sel("a", {M(MatchType::kEqual, "c", "d")});
  sel->offset_ms = kMinute;
  EXPECT_EQ(Format(*Matrix(std::move(sel), 5 * kMinute)),
            "a{c=\"d\"}[5m] offset 1m");

  auto neg = Sel("a");
  neg->offset_ms = -3 * kMinute;
  EXPECT_EQ(Format(*Matrix(std::move(neg), 12 * kMinute)), "a[12m] offset -3m");

  // The modifiers the selector carries print after the range, in
  // Prometheus's order: extended, @, offset.
  auto all = Sel("a", {M(MatchType::kEqual, "b", "c")});
  all->anchored = true;
  all->at_modifier = AtModifier::kStart;
  all->offset_ms = kMinute;
  EXPECT_EQ(Format(*Matrix(std::move(all), 5 * kMinute)),
            "a{b=\"c\"}[5m] anchored @ start() offset 1m");

  auto at = Sel("a");
  at->at_ms = 10 * kSecond;
  EXPECT_EQ(Format(*Matrix(std::move(at), kMinute)), "a[1m] @ 10.000");

  EXPECT_EQ(Format(*Matrix(Sel("a"), 1500)), "a[1s500ms]");
}

TEST(PrinterTest, DurationsUseModelDurationNotation) {
  const std::pair<int64_t, std::string> cases[] = {
      {0, "0s"},
      {1, "1ms"},
      {1500, "1s500ms"},
      {90 * kSecond, "1m30s"},
      {kHour + 30 * kMinute, "1h30m"},
      {24 * kHour, "1d"},
      {7 * 24 * kHour, "1w"},
      // Weeks and years only when they divide exactly: "90d", not "12w6d".
      {90 * 24 * kHour, "90d"},
      {8 * 24 * kHour, "8d"},
      {365 * 24 * kHour, "1y"},
      {366 * 24 * kHour, "366d"},
      {14 * 24 * kHour, "2w"},
  };
  for (const auto& [ms, text] : cases) {
    EXPECT_EQ(Format(*Matrix(Sel("a"), ms)), "a[" + text + "]") << ms;
  }
}

TEST(PrinterTest, Subqueries) {
  auto s = std::make_unique<SubqueryExpr>();
  s->expr = Sel("a");
  s->range_ms = kHour;
  s->step_ms = 5 * kMinute;
  s->offset_ms = kMinute;
  EXPECT_EQ(Format(*s), "a[1h:5m] offset 1m");

  s->step_ms = 0;
  s->offset_ms = 0;
  s->at_ms = 100 * kSecond;
  EXPECT_EQ(Format(*s), "a[1h:] @ 100.000");

  s->at_ms.reset();
  s->at_modifier = AtModifier::kEnd;
  s->offset_ms = -5 * kMinute;
  EXPECT_EQ(Format(*s), "a[1h:] @ end() offset -5m");

  auto nested = std::make_unique<SubqueryExpr>();
  nested->expr = CallOf("rate", Matrix(Sel("x"), 5 * kMinute));
  nested->range_ms = 30 * kMinute;
  nested->step_ms = kMinute;
  EXPECT_EQ(Format(*nested), "rate(x[5m])[30m:1m]");
}

// --- Numbers and strings ---

TEST(PrinterTest, NumbersLikeGoFormatFloat) {
  const std::pair<double, std::string> cases[] = {
      {1, "1"},
      {-1, "-1"},
      {0.5, "0.5"},
      {1048576, "1048576"},
      {1e21, "1000000000000000000000"},
      {1e-7, "0.0000001"},
      {0.1 + 0.2, "0.30000000000000004"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
      {-0.0, "-0"},
  };
  for (const auto& [v, text] : cases) {
    EXPECT_EQ(Format(*Num(v)), text) << v;
  }
}

TEST(PrinterTest, DurationNumbers) {
  EXPECT_EQ(Format(*Num(60, true)), "1m");
  EXPECT_EQ(Format(*Num(5400, true)), "1h30m");
  EXPECT_EQ(Format(*Num(-90, true)), "-1m30s");
  EXPECT_EQ(Format(*Num(0.001, true)), "1ms");
  EXPECT_EQ(Format(*Num(0, true)), "0s");
}

TEST(PrinterTest, StringsAsGoQuote) {
  EXPECT_EQ(Format(*Str("value")), "\"value\"");
  EXPECT_EQ(Format(*Str("a\"b\\c\n")), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(Format(*Str("ü")), "\"ü\"");
  EXPECT_EQ(Format(*Str("\xff")), "\"\\xff\"");
}

// --- Operators ---

TEST(PrinterTest, Aggregations) {
  auto sel = [] {
    return Sel("task:errors:rate10s", {M(MatchType::kEqual, "job", "s")});
  };
  EXPECT_EQ(Format(*Agg(AggregateOp::kSum, sel())),
            "sum(task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(Format(*Agg(AggregateOp::kSum, sel(), {"code"})),
            "sum by (code) (task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(Format(*Agg(AggregateOp::kSum, sel(), {"a", "b"})),
            "sum by (a, b) (task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(Format(*Agg(AggregateOp::kSum, sel(), {}, /*without=*/true)),
            "sum without () (task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(Format(*Agg(AggregateOp::kSum, sel(), {"instance"}, true)),
            "sum without (instance) (task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(Format(*Agg(AggregateOp::kSum, sel(), {"foo.bar"})),
            "sum by (\"foo.bar\") (task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(Format(*Agg(AggregateOp::kCount, Sel("foo"), {"ööö", "job"})),
            "count by (\"ööö\", job) (foo)");
  EXPECT_EQ(Format(*Agg(AggregateOp::kTopK, sel(), {}, false, Num(5))),
            "topk(5, task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(
      Format(*Agg(AggregateOp::kCountValues, sel(), {}, false, Str("value"))),
      "count_values(\"value\", task:errors:rate10s{job=\"s\"})");
  EXPECT_EQ(
      Format(*Agg(AggregateOp::kQuantile, Sel("x"), {"job"}, false, Num(0.9))),
      "quantile by (job) (0.9, x)");
}

TEST(PrinterTest, BinaryMatching) {
  auto bin = [](std::optional<VectorMatching> vm) {
    return Format(*Bin(Sel("a"), BinaryOp::kSub, Sel("c"), std::move(vm)));
  };
  EXPECT_EQ(bin(std::nullopt), "a - c");
  EXPECT_EQ(bin(VectorMatching{}), "a - c");
  EXPECT_EQ(bin(Matching(true, {})), "a - on () c");
  EXPECT_EQ(bin(Matching(true, {"b"})), "a - on (b) c");
  EXPECT_EQ(bin(Matching(true, {"b"}, MatchCardinality::kManyToOne, {"x"})),
            "a - on (b) group_left (x) c");
  EXPECT_EQ(
      bin(Matching(true, {"b"}, MatchCardinality::kManyToOne, {"x", "y"})),
      "a - on (b) group_left (x, y) c");
  EXPECT_EQ(bin(Matching(true, {"b"}, MatchCardinality::kManyToOne)),
            "a - on (b) group_left () c");
  EXPECT_EQ(bin(Matching(true, {"b"}, MatchCardinality::kOneToMany)),
            "a - on (b) group_right () c");
  EXPECT_EQ(bin(Matching(false, {"b"})), "a - ignoring (b) c");
  // An empty ignoring() means no modifier and is dropped, unless a group
  // modifier needs it.
  EXPECT_EQ(bin(Matching(false, {})), "a - c");
  EXPECT_EQ(
      bin(Matching(false, {}, MatchCardinality::kManyToOne, {"__metric__"})),
      "a - ignoring () group_left (__metric__) c");
  EXPECT_EQ(bin(Matching(true, {"äää"}, MatchCardinality::kOneToMany, {"ööö"})),
            "a - on (\"äää\") group_right (\"ööö\") c");
  EXPECT_EQ(Format(*Bin(Sel("a"), BinaryOp::kSub, Paren(Sel("c")),
                        Matching(true, {"b"}, MatchCardinality::kManyToOne))),
            "a - on (b) group_left () (c)");
}

TEST(PrinterTest, SetOperatorsAndBool) {
  VectorMatching many;
  many.card = MatchCardinality::kManyToMany;
  EXPECT_EQ(Format(*Bin(Sel("a"), BinaryOp::kAnd, Sel("b"), many)), "a and b");
  VectorMatching on = Matching(true, {"x"}, MatchCardinality::kManyToMany);
  EXPECT_EQ(Format(*Bin(Sel("a"), BinaryOp::kUnless, Sel("b"), on)),
            "a unless on (x) b");
  EXPECT_EQ(Format(*Bin(Sel("up"), BinaryOp::kGtr, Num(0), std::nullopt,
                        /*return_bool=*/true)),
            "up > bool 0");
  EXPECT_EQ(Format(*Bin(Num(1), BinaryOp::kAtan2, Num(2))), "1 atan2 2");
}

TEST(PrinterTest, FillModifiers) {
  auto fill = [](std::optional<double> l, std::optional<double> r,
                 std::optional<VectorMatching> base = std::nullopt) {
    VectorMatching vm = base.value_or(VectorMatching{});
    vm.fill_left = l;
    vm.fill_right = r;
    return Format(*Bin(Sel("a"), BinaryOp::kAdd, Sel("b"), vm));
  };
  EXPECT_EQ(fill(-23, -23), "a + fill (-23) b");
  EXPECT_EQ(fill(-23, std::nullopt), "a + fill_left (-23) b");
  EXPECT_EQ(fill(std::nullopt, 42), "a + fill_right (42) b");
  EXPECT_EQ(fill(5, 7), "a + fill_left (5) fill_right (7) b");
  EXPECT_EQ(fill(0, 0, Matching(true, {"b"}, MatchCardinality::kManyToOne)),
            "a + on (b) group_left () fill (0) b");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(fill(std::nan(""), std::nan("")), "a + fill (NaN) b");
  EXPECT_EQ(fill(inf, inf), "a + fill (+Inf) b");
  EXPECT_EQ(fill(-inf, -inf), "a + fill (-Inf) b");
  // Go's %v switches to exponent form from 1e6 (fmt.Sprint(1e6) == "1e+06").
  EXPECT_EQ(fill(1e6, 1e6), "a + fill (1e+06) b");
  EXPECT_EQ(fill(123456, 123456), "a + fill (123456) b");
  EXPECT_EQ(fill(0.5, 0.5), "a + fill (0.5) b");
  EXPECT_EQ(fill(1e-5, 1e-5), "a + fill (1e-05) b");
  EXPECT_EQ(fill(1.5e-4, 1.5e-4), "a + fill (0.00015) b");
}

TEST(PrinterTest, UnaryParenAndCalls) {
  auto u = std::make_unique<UnaryExpr>();
  u->op = BinaryOp::kSub;
  u->expr = Sel("x");
  EXPECT_EQ(Format(*u), "-x");

  EXPECT_EQ(Format(*Paren(Bin(Num(1), BinaryOp::kAdd, Num(2)))), "(1 + 2)");

  EXPECT_EQ(
      Format(*CallOf("predict_linear", Matrix(Sel("foo"), kHour), Num(3000))),
      "predict_linear(foo[1h], 3000)");
  EXPECT_EQ(Format(*CallOf("time")), "time()");

  EXPECT_EQ(Format(*CallOf("label_replace", Sel("testmetric"), Str("dst"),
                           Str("destination-value-$1"), Str("src"),
                           Str("source-value-(.*)"))),
            "label_replace(testmetric, \"dst\", \"destination-value-$1\", "
            "\"src\", \"source-value-(.*)\")");
}

TEST(PrinterTest, PodPrivilegedModeRule) {
  VectorMatching vm =
      Matching(true, {"pod", "namespace"}, MatchCardinality::kManyToOne);
  auto join = Bin(Sel("kube_pod_container_status_running",
                      {M(MatchType::kNotEqual, "container", "")}),
                  BinaryOp::kMul,
                  Sel("kube_pod_security_context",
                      {M(MatchType::kEqual, "privileged", "true")}),
                  vm);
  EXPECT_EQ(Format(*Bin(std::move(join), BinaryOp::kGtr, Num(0))),
            "kube_pod_container_status_running{container!=\"\"} * on (pod, "
            "namespace) group_left () "
            "kube_pod_security_context{privileged=\"true\"} > 0");
}

// --- Duration expressions ---

TEST(PrinterTest, DurationExpressions) {
  auto range = [](std::unique_ptr<DurationExpr> d) {
    auto m = std::make_unique<MatrixSelector>();
    m->selector = Sel("foo");
    m->range_expr = std::move(d);
    return Format(*m);
  };
  EXPECT_EQ(range(DOp(DurationOp::kStep)), "foo[step()]");
  EXPECT_EQ(range(DOp(DurationOp::kNeg, DOp(DurationOp::kStep))),
            "foo[-step()]");
  EXPECT_EQ(range(DOp(DurationOp::kStep, nullptr, nullptr, true)),
            "foo[(step())]");
  EXPECT_EQ(range(DOp(DurationOp::kNeg,
                      DOp(DurationOp::kStep, nullptr, nullptr, true))),
            "foo[-(step())]");
  EXPECT_EQ(range(DOp(DurationOp::kMaxOf, DOp(DurationOp::kRange), DLit(5))),
            "foo[max_of(range(), 5s)]");
  // foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]
  auto inner =
      DOp(DurationOp::kNeg,
          DOp(DurationOp::kMaxOf,
              DOp(DurationOp::kPow, DOp(DurationOp::kStep), DLit(2, false)),
              DLit(3, false)));
  auto expr = DOp(DurationOp::kSub, DLit(200, false),
                  DOp(DurationOp::kMinOf,
                      DOp(DurationOp::kAdd, DOp(DurationOp::kStep), DLit(10)),
                      std::move(inner)));
  EXPECT_EQ(range(std::move(expr)),
            "foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]");
  EXPECT_EQ(range(DOp(DurationOp::kMul, DLit(120),
                      DOp(DurationOp::kAdd, DLit(10, false), DLit(5, false),
                          /*wrapped=*/true))),
            "foo[2m * (10 + 5)]");

  auto off = Sel("foo");
  off->offset_expr =
      DOp(DurationOp::kMul, DLit(5, false), DLit(2, false), true);
  EXPECT_EQ(Format(*off), "foo offset (5 * 2)");
  auto neg = Sel("foo");
  neg->offset_expr = DOp(DurationOp::kNeg, DOp(DurationOp::kRange));
  EXPECT_EQ(Format(*neg), "foo offset -range()");

  auto sq = std::make_unique<SubqueryExpr>();
  sq->expr = Sel("m");
  sq->range_expr = DOp(DurationOp::kAdd, DLit(29), DLit(1));
  sq->step_expr = DOp(DurationOp::kMul, DLit(20, false), DLit(0.5));
  EXPECT_EQ(Format(*sq), "m[29s + 1s:20 * 500ms]");
}

}  // namespace
}  // namespace vigil::promql
