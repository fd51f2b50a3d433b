// Parse → Format round trips: the canonical text Prometheus prints for
// typical inputs (printer_test.go's TestExprString), and, for every `eval`
// expression of Prometheus's own engine tests (../shared/promqltest), that
// printing is a fixed point and loses nothing the parser produced.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "vigil/promql/ast.h"
#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

// --- Structural equality of trees, positions excluded. ---

// `strict` also compares what the printer deliberately canonicalises
// away: an empty `ignoring ()` / `by ()` written explicitly. Matchers
// compare as sets, since Prometheus prints them sorted.
class TreeDiff {
 public:
  explicit TreeDiff(bool strict) : strict_(strict) {}

  // The first difference found, or "" when the trees are equal.
  std::string Compare(const Expr* a, const Expr* b) {
    Walk(a, b, "root");
    return diff_;
  }

 private:
  bool Fail(const std::string& path, const std::string& what) {
    if (diff_.empty()) diff_ = path + ": " + what;
    return false;
  }

  static bool SameNumber(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
  }

  template <typename T>
  bool Check(const std::string& path, const char* field, const T& a,
             const T& b) {
    if (a == b) return true;
    // Appended rather than `std::string(field) + "…"`: that form trips
    // GCC 12's false -Warray-bounds at -O2.
    std::string message = field;
    message.append(" differs");
    return Fail(path, message);
  }

  bool Walk(const Expr* a, const Expr* b, const std::string& path) {
    if (a == nullptr || b == nullptr) {
      return a == b || Fail(path, "one side is null");
    }
    if (a->kind != b->kind) return Fail(path, "node kinds differ");
    switch (a->kind) {
      case NodeKind::kAggregate: {
        const auto& x = a->As<AggregateExpr>();
        const auto& y = b->As<AggregateExpr>();
        return Check(path, "aggregate op", x.op, y.op) &&
               Check(path, "grouping", x.grouping, y.grouping) &&
               Check(path, "without", x.without, y.without) &&
               (!strict_ || Check(path, "explicit_grouping",
                                  x.explicit_grouping, y.explicit_grouping)) &&
               Walk(x.param.get(), y.param.get(), path + ".param") &&
               Walk(x.expr.get(), y.expr.get(), path + ".expr");
      }
      case NodeKind::kBinary: {
        const auto& x = a->As<BinaryExpr>();
        const auto& y = b->As<BinaryExpr>();
        if (!Check(path, "binary op", x.op, y.op) ||
            !Check(path, "bool", x.return_bool, y.return_bool) ||
            !Check(path, "has matching", x.matching.has_value(),
                   y.matching.has_value())) {
          return false;
        }
        if (x.matching.has_value() &&
            !SameMatching(*x.matching, *y.matching, path + ".matching")) {
          return false;
        }
        return Walk(x.lhs.get(), y.lhs.get(), path + ".lhs") &&
               Walk(x.rhs.get(), y.rhs.get(), path + ".rhs");
      }
      case NodeKind::kCall: {
        const auto& x = a->As<Call>();
        const auto& y = b->As<Call>();
        if (x.func == nullptr || y.func == nullptr) {
          return Check(path, "function", x.func, y.func);
        }
        if (!Check(path, "function", x.func->name, y.func->name) ||
            !Check(path, "argument count", x.args.size(), y.args.size())) {
          return false;
        }
        for (size_t i = 0; i < x.args.size(); ++i) {
          if (!Walk(x.args[i].get(), y.args[i].get(),
                    path + ".arg" + std::to_string(i))) {
            return false;
          }
        }
        return true;
      }
      case NodeKind::kDuration:
        return SameDuration(&a->As<DurationExpr>(), &b->As<DurationExpr>(),
                            path);
      case NodeKind::kMatrixSelector: {
        const auto& x = a->As<MatrixSelector>();
        const auto& y = b->As<MatrixSelector>();
        return Check(path, "range", x.range_ms, y.range_ms) &&
               SameDuration(x.range_expr.get(), y.range_expr.get(),
                            path + ".range") &&
               Walk(x.selector.get(), y.selector.get(), path + ".selector");
      }
      case NodeKind::kNumber: {
        const auto& x = a->As<NumberLiteral>();
        const auto& y = b->As<NumberLiteral>();
        return (SameNumber(x.value, y.value) ||
                Fail(path, "number value differs")) &&
               Check(path, "is_duration", x.is_duration, y.is_duration);
      }
      case NodeKind::kParen:
        return Walk(a->As<ParenExpr>().expr.get(),
                    b->As<ParenExpr>().expr.get(), path + ".paren");
      case NodeKind::kString:
        return Check(path, "string", a->As<StringLiteral>().value,
                     b->As<StringLiteral>().value);
      case NodeKind::kSubquery: {
        const auto& x = a->As<SubqueryExpr>();
        const auto& y = b->As<SubqueryExpr>();
        return Check(path, "range", x.range_ms, y.range_ms) &&
               Check(path, "step", x.step_ms, y.step_ms) &&
               Check(path, "offset", x.offset_ms, y.offset_ms) &&
               Check(path, "@", x.at_ms, y.at_ms) &&
               Check(path, "@ modifier", x.at_modifier, y.at_modifier) &&
               SameDuration(x.range_expr.get(), y.range_expr.get(),
                            path + ".range") &&
               SameDuration(x.step_expr.get(), y.step_expr.get(),
                            path + ".step") &&
               SameDuration(x.offset_expr.get(), y.offset_expr.get(),
                            path + ".offset") &&
               Walk(x.expr.get(), y.expr.get(), path + ".expr");
      }
      case NodeKind::kUnary: {
        const auto& x = a->As<UnaryExpr>();
        const auto& y = b->As<UnaryExpr>();
        return Check(path, "unary op", x.op, y.op) &&
               Walk(x.expr.get(), y.expr.get(), path + ".expr");
      }
      case NodeKind::kVectorSelector: {
        const auto& x = a->As<VectorSelector>();
        const auto& y = b->As<VectorSelector>();
        return Check(path, "name", x.name, y.name) &&
               Check(path, "matchers", SortedMatchers(x), SortedMatchers(y)) &&
               Check(path, "offset", x.offset_ms, y.offset_ms) &&
               SameDuration(x.offset_expr.get(), y.offset_expr.get(),
                            path + ".offset") &&
               Check(path, "@", x.at_ms, y.at_ms) &&
               Check(path, "@ modifier", x.at_modifier, y.at_modifier) &&
               Check(path, "anchored", x.anchored, y.anchored) &&
               Check(path, "smoothed", x.smoothed, y.smoothed) &&
               Check(path, "bypass_empty_matcher_check",
                     x.bypass_empty_matcher_check,
                     y.bypass_empty_matcher_check);
      }
    }
    return Fail(path, "unknown node kind");
  }

  static std::vector<std::string> SortedMatchers(const VectorSelector& v) {
    std::vector<std::string> out;
    for (const Matcher& m : v.matchers) out.push_back(m.ToString());
    std::sort(out.begin(), out.end());
    return out;
  }

  bool SameFill(const std::optional<double>& a, const std::optional<double>& b,
                const std::string& path, const char* side) {
    if (a.has_value() != b.has_value()) {
      return Fail(path, std::string(side) + " presence differs");
    }
    if (a.has_value() && !SameNumber(*a, *b)) {
      return Fail(path, std::string(side) + " value differs");
    }
    return true;
  }

  bool SameMatching(const VectorMatching& x, const VectorMatching& y,
                    const std::string& path) {
    return Check(path, "cardinality", x.card, y.card) &&
           Check(path, "matching labels", x.matching_labels,
                 y.matching_labels) &&
           Check(path, "on", x.on, y.on) &&
           (!strict_ || Check(path, "explicit_matching", x.explicit_matching,
                              y.explicit_matching)) &&
           Check(path, "include", x.include, y.include) &&
           SameFill(x.fill_left, y.fill_left, path, "fill_left") &&
           SameFill(x.fill_right, y.fill_right, path, "fill_right");
  }

  bool SameDuration(const DurationExpr* x, const DurationExpr* y,
                    const std::string& path) {
    if (x == nullptr || y == nullptr) {
      return x == y || Fail(path, "duration expression on one side only");
    }
    if (!Check(path, "duration op", x->op, y->op) ||
        !Check(path, "wrapped", x->wrapped, y->wrapped) ||
        !Check(path, "literal_is_duration", x->literal_is_duration,
               y->literal_is_duration)) {
      return false;
    }
    if (!SameNumber(x->number_seconds, y->number_seconds)) {
      return Fail(path, "duration literal differs");
    }
    return SameDuration(x->lhs.get(), y->lhs.get(), path + ".lhs") &&
           SameDuration(x->rhs.get(), y->rhs.get(), path + ".rhs");
  }

  bool strict_;
  std::string diff_;
};

// --- (a) Canonical text of typical inputs. ---

struct Canonical {
  std::string_view in;
  std::string_view out;  // empty: the input is already canonical
};

// printer_test.go's TestExprString, with `min`/`max` in duration
// expressions spelled min_of/max_of as Prometheus 3.x's grammar has them.
constexpr Canonical kCanonical[] = {
    {R"(sum by() (task:errors:rate10s{job="s"}))",
     R"(sum(task:errors:rate10s{job="s"}))"},
    {R"(sum by(code) (task:errors:rate10s{job="s"}))",
     R"(sum by (code) (task:errors:rate10s{job="s"}))"},
    {R"(sum without() (task:errors:rate10s{job="s"}))",
     R"(sum without () (task:errors:rate10s{job="s"}))"},
    {R"(sum without(instance) (task:errors:rate10s{job="s"}))",
     R"(sum without (instance) (task:errors:rate10s{job="s"}))"},
    {R"(sum by("foo.bar") (task:errors:rate10s{job="s"}))",
     R"(sum by ("foo.bar") (task:errors:rate10s{job="s"}))"},
    {R"(sum without("foo.bar") (task:errors:rate10s{job="s"}))",
     R"(sum without ("foo.bar") (task:errors:rate10s{job="s"}))"},
    {R"(topk(5, task:errors:rate10s{job="s"}))", ""},
    {R"(count_values("value", task:errors:rate10s{job="s"}))", ""},
    {"a - on() c", "a - on () c"},
    {"a - on(b) c", "a - on (b) c"},
    {"a - on(b) group_left(x) c", "a - on (b) group_left (x) c"},
    {"a - on(b) group_left(x, y) c", "a - on (b) group_left (x, y) c"},
    {"a - on(b) group_left c", "a - on (b) group_left () c"},
    {"a - on(b) group_left() (c)", "a - on (b) group_left () (c)"},
    {"a - ignoring(b) c", "a - ignoring (b) c"},
    {"a - ignoring() c", "a - c"},
    {"a - ignoring() group_left(__metric__) c",
     "a - ignoring () group_left (__metric__) c"},
    {"a - ignoring() group_left c", "a - ignoring () group_left () c"},
    {"a + fill(-23) b", "a + fill (-23) b"},
    {"a + fill_left(-23) b", "a + fill_left (-23) b"},
    {"a + fill_right(42) b", "a + fill_right (42) b"},
    {"a + fill_left(-23) fill_right(42) b",
     "a + fill_left (-23) fill_right (42) b"},
    {"a + on(b) group_left fill(-23) c",
     "a + on (b) group_left () fill (-23) c"},
    {"up > bool 0", ""},
    {"a offset 1m", ""},
    {"a offset -7m", ""},
    {R"(a{c="d"}[5m] offset 1m)", ""},
    {"a[5m] offset 1m", ""},
    {"a[12m] offset -3m", ""},
    {"a[1h:5m] offset 1m", ""},
    {"a anchored", ""},
    {"a[5m] anchored", ""},
    {R"(a{b="c"}[5m] anchored)", ""},
    {R"(a{b="c"}[5m] anchored offset 1m)", ""},
    {R"(a{b="c"}[5m] anchored @ start() offset 1m)", ""},
    {"a smoothed", ""},
    {"a[5m] smoothed", ""},
    {R"(a{b="c"}[5m] smoothed)", ""},
    {R"(a{b="c"}[5m] smoothed offset 1m)", ""},
    {R"(a{b="c"}[5m] smoothed @ start() offset 1m)", ""},
    {R"({__name__="a"})", ""},
    {R"(a{b!="c"}[1m])", ""},
    {R"(a{b=~"c"}[1m])", ""},
    {R"(a{b!~"c"}[1m])", ""},
    {"a @ 10", "a @ 10.000"},
    {"a[1m] @ 10", "a[1m] @ 10.000"},
    {"a @ start()", ""},
    {"a @ end()", ""},
    {"a[1m] @ start()", ""},
    {"a[1m] @ end()", ""},
    {R"({__name__="",a="x"})", ""},
    {R"({"a.b"="c"})", ""},
    {R"({"0"="1"})", ""},
    {R"({"_0"="1"})", R"({_0="1"})"},
    {R"({""="0"})", ""},
    {"{``=\"0\"}", R"({""="0"})"},
    {"1048576", ""},
    {"foo[step()]", ""},
    {"foo[-step()]", ""},
    {"foo[(step())]", ""},
    {"foo[-(step())]", ""},
    {"foo offset step()", ""},
    {"foo offset -step()", ""},
    {"foo offset (step())", ""},
    {"foo offset -(step())", ""},
    {"foo offset +(5*2)", "foo offset (5 * 2)"},
    {"foo offset +min_of(10s, 20s)", "foo offset min_of(10s, 20s)"},
    {"foo offset -min_of(10s, 20s)", ""},
    {"foo offset -min_of(10s, +max_of(step() ^ 2, 2))",
     "foo offset -min_of(10s, max_of(step() ^ 2, 2))"},
    {"foo[200-min_of(-step()^+step(),1)]",
     "foo[200 - min_of(-step() ^ step(), 1)]"},
    {"foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]", ""},
    {"foo[range()]", ""},
    {"foo[-range()]", ""},
    {"foo offset range()", ""},
    {"foo offset -range()", ""},
    {"foo[max_of(range(), 5s)]", ""},
    {"predict_linear(foo[1h], 3000)", ""},
    {R"(sum by("üüü") (foo))", R"(sum by ("üüü") (foo))"},
    {R"(sum without("äää") (foo))", R"(sum without ("äää") (foo))"},
    {R"(count by("ööö", job) (foo))", R"(count by ("ööö", job) (foo))"},
    // TestBinaryExprUTF8Labels.
    {R"(foo / on("äää") group_left("ööö") bar)",
     R"(foo / on ("äää") group_left ("ööö") bar)"},
    {R"(foo / on(legacy, "üüü") bar)", R"(foo / on (legacy, "üüü") bar)"},
    // BenchmarkExprString: matchers print sorted.
    {R"(sum by (pod) ((kube_pod_container_status_restarts_total{namespace="mynamespace",cluster="mycluster"} - kube_pod_container_status_restarts_total{namespace="mynamespace}",cluster="mycluster}"} offset 10m) >= 1 and ignoring (reason) min_over_time(kube_pod_container_status_last_terminated_reason{namespace="mynamespace",cluster="mycluster",reason="OOMKilled"}[10m]) == 1))",
     R"(sum by (pod) ((kube_pod_container_status_restarts_total{cluster="mycluster",namespace="mynamespace"} - kube_pod_container_status_restarts_total{cluster="mycluster}",namespace="mynamespace}"} offset 10m) >= 1 and ignoring (reason) min_over_time(kube_pod_container_status_last_terminated_reason{cluster="mycluster",namespace="mynamespace",reason="OOMKilled"}[10m]) == 1))"},
    {R"x(label_replace(testmetric, "dst", "destination-value-$1", "src", "source-value-(.*)"))x",
     ""},
    // Numbers, durations, strings and the rest of the node kinds.
    {"-1", ""},
    {"- -1", "1"},
    {"+5", "5"},
    {"-x", ""},
    {"0x1F", "31"},
    {"1e3", "1000"},
    {"1.5e-7", "0.00000015"},
    {"Inf", "+Inf"},
    {"-inf", "-Inf"},
    {"nan", "NaN"},
    {"1m", ""},
    {"90s", "1m30s"},
    {"1500ms", "1s500ms"},
    {"-2h", ""},
    {"x[90s]", "x[1m30s]"},
    {"x[1500ms]", "x[1s500ms]"},
    {"x[90d]", ""},
    {"x[2w]", ""},
    {"x offset 0s", "x"},
    {"x @ 100", "x @ 100.000"},
    {"x @ 1.5", "x @ 1.500"},
    {"x[5m:]", ""},
    {"rate(x[5m])[30m:1m] @ end() offset 1h", ""},
    {"'single'", R"("single")"},
    {"`raw\\n`", R"("raw\\n")"},
    {R"("tab\tnewline\n")", ""},
    {"time()", ""},
    {"((x))", ""},
    {"x+y*z", "x + y * z"},
    {"(x+y)*z", "(x + y) * z"},
    {"2 ^ 3 ^ 2", ""},
    {"x and y or z unless w", ""},
    {"x atan2 y", ""},
    {"quantile by (job) (0.9, x)", ""},
    {"sum(x) by (job)", "sum by (job) (x)"},
    {"topk without (a) (3, x)", "topk without (a) (3, x)"},
    {R"({"my.metric", "a.b"="x"})", R"({"a.b"="x",__name__="my.metric"})"},
    {R"(my_metric{b="1", a="2"})", R"(my_metric{a="2",b="1"})"},
    {"x + fill(NaN) y", "x + fill (NaN) y"},
    {"x + fill(Inf) y", "x + fill (+Inf) y"},
    {"x + fill(-Inf) y", "x + fill (-Inf) y"},
    {"x + fill(1000000) y", "x + fill (1e+06) y"},
    {"changes(http_requests[26m+4m])", "changes(http_requests[26m + 4m])"},
    {"changes(http_requests[2m*(10+5)])",
     "changes(http_requests[2m * (10 + 5)])"},
    {R"(kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0)",
     R"(kube_pod_container_status_running{container!=""} * on (pod, namespace) group_left () kube_pod_security_context{privileged="true"} > 0)"},
};

TEST(RoundTripTest, CanonicalText) {
  for (const Canonical& c : kCanonical) {
    auto parsed = ParseExpr(c.in, ParseOptions::AllExperimental());
    ASSERT_TRUE(parsed.ok()) << c.in << ": " << parsed.status();
    std::string want(c.out.empty() ? c.in : c.out);
    std::string got = Format(**parsed);
    EXPECT_EQ(got, want) << "input: " << c.in;
    // The canonical text is itself canonical and means the same.
    auto again = ParseExpr(got, ParseOptions::AllExperimental());
    ASSERT_TRUE(again.ok()) << got << ": " << again.status();
    EXPECT_EQ(Format(**again), got);
    EXPECT_EQ(TreeDiff(false).Compare(parsed->get(), again->get()), "") << c.in;
  }
}

// Prometheus prints positive infinity as "+Inf" (strconv's form), and its
// parser reads "+Inf ^ 2" as unary plus over "Inf ^ 2": the sign folds into
// a literal only when the literal is the whole operand. So this one shape is
// not a fixed point upstream either; vigil prints what Prometheus prints and
// the value is unchanged. The fuzz target (fuzz/parser_fuzz.cc) knows this.
TEST(RoundTripTest, PositiveInfinityAsPowerBaseMatchesPrometheus) {
  auto parsed = ParseExpr("Inf ^ 2");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ((*parsed)->kind, NodeKind::kBinary);
  std::string text = Format(**parsed);
  EXPECT_EQ(text, "+Inf ^ 2");
  auto again = ParseExpr(text);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->kind, NodeKind::kUnary);
  EXPECT_EQ(Format(**again), "++Inf ^ 2");
}

// info()'s data-label selector may be empty, and Prometheus prints an empty
// selector as nothing (printer_test.go), so "info(metric, {})" prints as
// text that does not parse. vigil prints what Prometheus prints; the fuzz
// target knows this shape too.
TEST(RoundTripTest, EmptyInfoSelectorPrintsAsPrometheusDoes) {
  auto parsed = ParseExpr("info(metric, {})", ParseOptions::AllExperimental());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Format(**parsed), "info(metric, )");
}

// --- (b) Every eval expression of Prometheus's engine tests. ---

std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("VIGIL_SHARED_DIR")) return env;
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "shared";
}

struct EvalLine {
  std::string where;  // file:line
  std::string expr;
};

// The expression of an `eval[_x] instant at T EXPR` or
// `eval[_x] range from A to B step S EXPR` line.
std::optional<std::string> EvalExpression(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::string cmd, kind, word;
  in >> cmd >> kind;
  if (cmd.rfind("eval", 0) != 0) return std::nullopt;
  std::string_view stop = kind == "instant" ? "at" : "step";
  if (kind != "instant" && kind != "range") return std::nullopt;
  while (in >> word && word != stop) {
  }
  in >> word;  // the time or the step
  std::string rest;
  std::getline(in, rest);
  size_t first = rest.find_first_not_of(" \t");
  size_t last = rest.find_last_not_of(" \t\r");
  if (first == std::string::npos) return std::nullopt;
  return rest.substr(first, last - first + 1);
}

std::vector<EvalLine> AllEvalExpressions() {
  std::vector<EvalLine> out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(SharedDir() / "promqltest")) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      size_t start = line.find_first_not_of(" \t");
      if (start == std::string::npos) continue;
      auto expr = EvalExpression(std::string_view(line).substr(start));
      if (!expr) continue;
      out.push_back(
          {file.filename().string() + ":" + std::to_string(n), *expr});
    }
  }
  return out;
}

TEST(RoundTripTest, EveryPromqltestExpressionIsAFixedPoint) {
  auto evals = AllEvalExpressions();
  // 2,214 evals in the 21 files at the pinned commit.
  ASSERT_GT(evals.size(), 2000u)
      << "promqltest not found under " << SharedDir();
  int parsed = 0, rejected = 0;
  for (const EvalLine& e : evals) {
    auto first = ParseExpr(e.expr, ParseOptions::AllExperimental());
    if (!first.ok()) {
      ++rejected;
      continue;
    }
    ++parsed;
    std::string text = Format(**first);
    auto second = ParseExpr(text, ParseOptions::AllExperimental());
    ASSERT_TRUE(second.ok()) << e.where << ": " << e.expr << "\nprinted as "
                             << text << "\nwhich fails: " << second.status();
    std::string text2 = Format(**second);
    EXPECT_EQ(text2, text) << e.where << ": " << e.expr;
    EXPECT_EQ(TreeDiff(false).Compare(first->get(), second->get()), "")
        << e.where << ": " << e.expr << "\nprinted as " << text;
    auto third = ParseExpr(text2, ParseOptions::AllExperimental());
    ASSERT_TRUE(third.ok()) << e.where << ": " << third.status();
    EXPECT_EQ(TreeDiff(true).Compare(second->get(), third->get()), "")
        << e.where << ": " << text;
  }
  std::cout << "promqltest eval expressions: " << evals.size() << ", parsed "
            << parsed << ", rejected by the parser " << rejected << "\n";
  // Only the expressions of expected-failure evals may fail to parse.
  EXPECT_GT(parsed, 2000);
  RecordProperty("parsed", parsed);
  RecordProperty("rejected", rejected);
}

}  // namespace
}  // namespace vigil::promql
