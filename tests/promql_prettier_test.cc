// Prettify: the input/expected pairs of Prometheus's prettier_test.go (run
// there with maxCharactersPerLine = 10, here with max_line_length = 10), the
// 100-column default, round trips through the parser, and the output limit.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "vigil/promql/parser.h"

namespace vigil::promql {
namespace {

struct Case {
  const char* in;
  const char* out;
};

std::string PrettyAt(std::string_view in, size_t limit) {
  auto expr = ParseExpr(in, ParseOptions::AllExperimental());
  EXPECT_TRUE(expr.ok()) << in << ": " << expr.status();
  if (!expr.ok()) return "";
  PrettifyOptions options;
  options.max_line_length = limit;
  return Prettify(**expr, options);
}

void ExpectPretty10(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(PrettyAt(c.in, 10), c.out) << "input: " << c.in;
  }
}

TEST(PrettifyTest, Aggregations) {
  ExpectPretty10({
      {"sum(foo)", "sum(foo)"},
      {R"(sum by() (task:errors:rate10s{job="s"}))",
       "sum(\n  task:errors:rate10s{job=\"s\"}\n)"},
      {R"(sum without(job,foo) (task:errors:rate10s{job="s"}))",
       "sum without (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)"},
      {R"(sum(task:errors:rate10s{job="s"}) without(job,foo))",
       "sum without (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)"},
      {R"(sum by(job,foo) (task:errors:rate10s{job="s"}))",
       "sum by (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)"},
      {R"(sum (task:errors:rate10s{job="s"}) by(job,foo))",
       "sum by (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)"},
      {R"(topk(10, ask:errors:rate10s{job="s"}))",
       "topk(\n  10,\n  ask:errors:rate10s{job=\"s\"}\n)"},
      {R"(sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"})))",
       "sum by (job, foo) (\n  sum by (job, foo) (\n"
       "    task:errors:rate10s{job=\"s\"}\n  )\n)"},
      {R"(sum by(job,foo) (sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"}))))",
       "sum by (job, foo) (\n  sum by (job, foo) (\n    sum by (job, foo) (\n"
       "      task:errors:rate10s{job=\"s\"}\n    )\n  )\n)"},
      {"sum by(job,foo)\n(sum(task:errors:rate10s{job=\"s\"}) "
       "without(job,foo))",
       "sum by (job, foo) (\n  sum without (job, foo) (\n"
       "    task:errors:rate10s{job=\"s\"}\n  )\n)"},
      // Comments are not part of the tree.
      {"sum by(job,foo) # Comment 1.\n(sum by(job,foo) ( # Comment 2.\n"
       "task:errors:rate10s{job=\"s\"}))",
       "sum by (job, foo) (\n  sum by (job, foo) (\n"
       "    task:errors:rate10s{job=\"s\"}\n  )\n)"},
  });
}

TEST(PrettifyTest, BinaryExpressions) {
  ExpectPretty10({
      {"a+b", "a + b"},
      {"a == bool 1", "  a\n== bool\n  1"},
      {"a + ignoring(job) b", "  a\n+ ignoring (job)\n  b"},
      {"foo_1 + foo_2", "  foo_1\n+\n  foo_2"},
      {"foo_1 + foo_2 + foo_3", "    foo_1\n  +\n    foo_2\n+\n  foo_3"},
      {"foo + baar + foo_3", "  foo + baar\n+\n  foo_3"},
      {"foo_1 + foo_2 + foo_3 + foo_4",
       "      foo_1\n    +\n      foo_2\n  +\n    foo_3\n+\n  foo_4"},
      {"foo_1 + ignoring(foo) foo_2 + ignoring(job) group_left foo_3 + "
       "on(instance) group_right foo_4",
       "      foo_1\n    + ignoring (foo)\n      foo_2\n"
       "  + ignoring (job) group_left ()\n    foo_3\n"
       "+ on (instance) group_right ()\n  foo_4"},
  });
}

TEST(PrettifyTest, Calls) {
  ExpectPretty10({
      {"rate(foo[1m])", "rate(\n  foo[1m]\n)"},
      {"sum_over_time(foo[1m])", "sum_over_time(\n  foo[1m]\n)"},
      {"rate(long_vector_selector[10m:1m] @ start() offset 1m)",
       "rate(\n  long_vector_selector[10m:1m] @ start() offset 1m\n)"},
      {"histogram_quantile(0.9, rate(foo[1m]))",
       "histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)"},
      {"max_over_time(rate(demo_api_request_duration_seconds_count[1m])[1m:] "
       "@ start() offset 1m)",
       "max_over_time(\n  rate(\n    demo_api_request_duration_seconds_count"
       "[1m]\n  )[1m:] @ start() offset 1m\n)"},
      {R"(label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*"))",
       "label_replace(\n  up{job=\"api-server\",service=\"a:c\"},\n  \"foo\",\n"
       "  \"$1\",\n  \"service\",\n  \"(.*):.*\"\n)"},
      {R"(label_replace(label_replace(up{job="api-server",service="a:c"}, "foo", "$1", "service", "(.*):.*"), "foo", "$1", "service", "(.*):.*"))",
       "label_replace(\n  label_replace(\n"
       "    up{job=\"api-server\",service=\"a:c\"},\n    \"foo\",\n    "
       "\"$1\",\n"
       "    \"service\",\n    \"(.*):.*\"\n  ),\n  \"foo\",\n  \"$1\",\n"
       "  \"service\",\n  \"(.*):.*\"\n)"},
  });
}

TEST(PrettifyTest, Parentheses) {
  ExpectPretty10({
      {"(foo)", "(foo)"},
      {"(_foo_long_)", "(\n  _foo_long_\n)"},
      {"((foo_long))", "(\n  (foo_long)\n)"},
      {"((_foo_long_))", "(\n  (\n    _foo_long_\n  )\n)"},
      {"(((foo_long)))", "(\n  (\n    (foo_long)\n  )\n)"},
      {"(1 + 2)", "(1 + 2)"},
      {"(foo + bar)", "(\n  foo + bar\n)"},
      {"(foo_long + bar_long)", "(\n    foo_long\n  +\n    bar_long\n)"},
      {"(foo_long + bar_long + bar_2_long)",
       "(\n      foo_long\n    +\n      bar_long\n  +\n    bar_2_long\n)"},
      {"((foo_long + bar_long) + bar_2_long)",
       "(\n    (\n        foo_long\n      +\n        bar_long\n    )\n  +\n"
       "    bar_2_long\n)"},
      {"(1111 + 2222)", "(\n    1111\n  +\n    2222\n)"},
      {"(sum_over_time(foo[1m]))", "(\n  sum_over_time(\n    foo[1m]\n  )\n)"},
      {"histogram_quantile(0.9, rate(foo[1m] @ start()))",
       "histogram_quantile(\n  0.9,\n  rate(\n    foo[1m] @ start()\n  )\n)"},
      {R"((label_replace(label_replace((up{job="api-server",service="a:c"}), "foo", "$1", "service", "(.*):.*"), "foo", "$1", "service", "(.*):.*")))",
       "(\n  label_replace(\n    label_replace(\n      (\n"
       "        up{job=\"api-server\",service=\"a:c\"}\n      ),\n"
       "      \"foo\",\n      \"$1\",\n      \"service\",\n"
       "      \"(.*):.*\"\n    ),\n    \"foo\",\n    \"$1\",\n"
       "    \"service\",\n    \"(.*):.*\"\n  )\n)"},
  });
}

TEST(PrettifyTest, AtModifiers) {
  ExpectPretty10({
      {"a @ 1", "a @ 1.000"},
      {"a @ start()", "a @ start()"},
      {"vector_selector @ start()", "vector_selector @ start()"},
  });
}

// Alerting rules of the monitoring mixins, from prettier_test.go.
TEST(PrettifyTest, MixinAlerts) {
  ExpectPretty10({
      {R"((node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 40 and predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 24*60*60) < 0 and node_filesystem_readonly{job="node",fstype!=""} == 0))",
       R"((
            node_filesystem_avail_bytes{fstype!="",job="node"}
          /
            node_filesystem_size_bytes{fstype!="",job="node"}
        *
          100
      <
        40
    and
        predict_linear(
          node_filesystem_avail_bytes{fstype!="",job="node"}[6h],
            24 * 60
          *
            60
        )
      <
        0
  and
      node_filesystem_readonly{fstype!="",job="node"}
    ==
      0
))"},
      {R"((node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0))",
       R"(  (
        node_timex_offset_seconds
      >
        0.05
    and
        deriv(
          node_timex_offset_seconds[5m]
        )
      >=
        0
  )
or
  (
        node_timex_offset_seconds
      <
        -0.05
    and
        deriv(
          node_timex_offset_seconds[5m]
        )
      <=
        0
  ))"},
      {R"(1 - ((node_memory_MemAvailable_bytes{job="node"} or (node_memory_Buffers_bytes{job="node"} + node_memory_Cached_bytes{job="node"} + node_memory_MemFree_bytes{job="node"} + node_memory_Slab_bytes{job="node"}) ) / node_memory_MemTotal_bytes{job="node"}))",
       R"(  1
-
  (
      (
          node_memory_MemAvailable_bytes{job="node"}
        or
          (
                  node_memory_Buffers_bytes{job="node"}
                +
                  node_memory_Cached_bytes{job="node"}
              +
                node_memory_MemFree_bytes{job="node"}
            +
              node_memory_Slab_bytes{job="node"}
          )
      )
    /
      node_memory_MemTotal_bytes{job="node"}
  ))"},
      {R"(min by (job, integration) (rate(alertmanager_notifications_failed_total{job="alertmanager", integration=~".*"}[5m]) / rate(alertmanager_notifications_total{job="alertmanager", integration="~.*"}[5m])) > 0.01)",
       R"(  min by (job, integration) (
      rate(
        alertmanager_notifications_failed_total{integration=~".*",job="alertmanager"}[5m]
      )
    /
      rate(
        alertmanager_notifications_total{integration="~.*",job="alertmanager"}[5m]
      )
  )
>
  0.01)"},
      {R"((count by (job) (changes(process_start_time_seconds{job="alertmanager"}[10m]) > 4) / count by (job) (up{job="alertmanager"})) >= 0.5)",
       R"(  (
      count by (job) (
          changes(
            process_start_time_seconds{job="alertmanager"}[10m]
          )
        >
          4
      )
    /
      count by (job) (
        up{job="alertmanager"}
      )
  )
>=
  0.5)"},
  });
}

TEST(PrettifyTest, UnaryExpressions) {
  ExpectPretty10({
      {"-1", "-1"},
      {"-vector_selector", "-vector_selector"},
      {"(-vector_selector)", "(\n  -vector_selector\n)"},
      {"-histogram_quantile(0.9,rate(foo[1m]))",
       "-histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)"},
      {"-histogram_quantile(0.99, sum by (le) (rate(foo[1m])))",
       "-histogram_quantile(\n  0.99,\n  sum by (le) (\n    rate(\n"
       "      foo[1m]\n    )\n  )\n)"},
      {"-histogram_quantile(0.9, -rate(foo[1m] @ start()))",
       "-histogram_quantile(\n  0.9,\n  -rate(\n    foo[1m] @ start()\n  )\n)"},
      {"(-histogram_quantile(0.9, -rate(foo[1m] @ start())))",
       "(\n  -histogram_quantile(\n    0.9,\n    -rate(\n"
       "      foo[1m] @ start()\n    )\n  )\n)"},
  });
}

TEST(PrettifyTest, DurationExpressions) {
  ExpectPretty10({
      {"rate(foo[2*1h])", "rate(\n  foo[2 * 1h]\n)"},
      {"rate(foo[-5m+35m])", "rate(\n  foo[-5m + 35m]\n)"},
  });
}

// A subquery that fits loses its indentation inside a split parent:
// Prometheus's SubqueryExpr.Pretty returns String() without the indent.
TEST(PrettifyTest, SubqueryThatFitsKeepsPrometheusIndentation) {
  EXPECT_EQ(PrettyAt("max_over_time(foo[5m:])", 10),
            "max_over_time(\nfoo[5m:]\n)");
}

TEST(PrettifyTest, DefaultLimitIsOneHundredBytes) {
  auto check = [](std::string_view in, std::string_view want) {
    auto expr = ParseExpr(in);
    ASSERT_TRUE(expr.ok()) << expr.status();
    EXPECT_EQ(Prettify(**expr), want) << "input: " << in;
  };
  // 100 bytes of canonical text stay on one line, 101 do not.
  const std::string sel95 = "x{a=\"" + std::string(88, 'v') + "\"}";
  ASSERT_EQ(sel95.size(), 95u);
  check("sum(" + sel95 + ")", "sum(" + sel95 + ")");
  const std::string sel96 = "x{a=\"" + std::string(89, 'v') + "\"}";
  check("sum(" + sel96 + ")", "sum(\n  " + sel96 + "\n)");
  check(R"(sum by(job)(rate(x{b="1",a="2"}[90s])))",
        R"(sum by (job) (rate(x{a="2",b="1"}[1m30s])))");
}

// The text reparses to the same tree: Format of both agrees.
TEST(PrettifyTest, ReparsesToTheSameTree) {
  const char* inputs[] = {
      R"((node_filesystem_avail_bytes{job="node",fstype!=""} / node_filesystem_size_bytes{job="node",fstype!=""} * 100 < 40 and predict_linear(node_filesystem_avail_bytes{job="node",fstype!=""}[6h], 24*60*60) < 0))",
      R"(-(-(a + b) * on(x) group_left(y) -c) unless ignoring(z) count_values("v", d offset 5m))",
      "quantile(0.9, rate(x[5m:1m] @ 100 offset -1m)) > bool 1",
      R"q(topk(3, sum without(a) (label_replace(up, "a", "$1", "b", "(.*)"))))q",
  };
  for (const char* in : inputs) {
    for (size_t limit : {size_t{1}, size_t{10}, size_t{40}, size_t{100}}) {
      const std::string pretty = PrettyAt(in, limit);
      auto original = ParseExpr(in);
      auto again = ParseExpr(pretty);
      ASSERT_TRUE(original.ok() && again.ok())
          << in << " → " << pretty << ": " << again.status();
      EXPECT_EQ(Format(**again), Format(**original)) << pretty;
    }
  }
}

// Past max_output_bytes the one-line text is returned rather than a split
// form that grows with depth times size.
TEST(PrettifyTest, OutputLimitFallsBackToTheCanonicalText) {
  std::string in = "x0";
  for (int i = 1; i < 300; ++i) in += " + x" + std::to_string(i);
  auto expr = ParseExpr(in);
  ASSERT_TRUE(expr.ok()) << expr.status();
  PrettifyOptions options;
  const std::string full = Prettify(**expr, options);
  EXPECT_GT(full.size(), 50000u);  // 300 lines indented up to 600 spaces
  options.max_output_bytes = 10000;
  EXPECT_EQ(Prettify(**expr, options), Format(**expr));
}

}  // namespace
}  // namespace vigil::promql
