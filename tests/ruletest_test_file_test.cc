// Strict decoding of promtool's unit-test file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lib/ruletest/test_file.h"

namespace vigil::ruletest {
namespace {

using ::testing::HasSubstr;

TEST(RuleTestFileTest, DecodesEveryField) {
  auto f = DecodeTestFile(R"(rule_files: [a.yml, "b/*.yml"]
evaluation_interval: 30s
group_eval_order: [g1, g2]
fuzzy_compare: true
tests:
  - name: t
    interval: 15s
    start_timestamp: "2024-01-01T00:00:00Z"
    external_labels: {cluster: c1}
    external_url: http://example.com
    input_series:
      - series: up{job="a"}
        values: 1 0 _ stale
      - series: x
        values: 1
    alert_rule_test:
      - eval_time: 1m
        alertname: A
        exp_alerts:
          - exp_labels: {severity: page}
            exp_annotations: {summary: s}
          - {}
    promql_expr_test:
      - expr: up
        eval_time: 2m
        exp_samples:
          - labels: up{job="a"}
            value: .Inf
          - value: 1e3
  - start_timestamp: 1609459200
)",
                          "t.yml");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->rule_files, (std::vector<std::string>{"a.yml", "b/*.yml"}));
  EXPECT_EQ(f->evaluation_interval_ms, 30'000);
  EXPECT_EQ(f->group_eval_order, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_TRUE(f->fuzzy_compare);
  ASSERT_EQ(f->tests.size(), 2u);
  const TestGroup& g = f->tests[0];
  EXPECT_EQ(g.name, "t");
  EXPECT_EQ(g.interval_ms, 15'000);
  EXPECT_EQ(g.start_ms, 1704067200000);
  EXPECT_EQ(g.external_labels.Get("cluster"), "c1");
  EXPECT_EQ(g.external_url, "http://example.com");
  ASSERT_EQ(g.input_series.size(), 2u);
  EXPECT_EQ(g.input_series[0].values, "1 0 _ stale");
  EXPECT_EQ(g.input_series[1].values, "1");
  ASSERT_EQ(g.alert_rule_test.size(), 1u);
  EXPECT_EQ(g.alert_rule_test[0].eval_time_ms, 60'000);
  ASSERT_EQ(g.alert_rule_test[0].exp_alerts.size(), 2u);
  EXPECT_EQ(g.alert_rule_test[0].exp_alerts[0].labels.at("severity"), "page");
  ASSERT_EQ(g.promql_expr_test[0].exp_samples.size(), 2u);
  EXPECT_TRUE(std::isinf(g.promql_expr_test[0].exp_samples[0].value));
  EXPECT_EQ(g.promql_expr_test[0].exp_samples[1].value, 1000);
  EXPECT_EQ(g.promql_expr_test[0].exp_samples[1].labels, "");
  EXPECT_EQ(f->tests[1].start_ms, 1609459200000);
}

TEST(RuleTestFileTest, EmptyFileIsEmpty) {
  auto f = DecodeTestFile("", "t.yml");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->tests.empty());
  EXPECT_EQ(f->evaluation_interval_ms, 0);
}

TEST(RuleTestFileTest, StrictErrorsWithPositions) {
  auto f = DecodeTestFile(R"(rule_files: [a.yml]
evaluation_intervall: 1m
tests:
  - interval: 5x
    promql_expr_test:
      - expr: up
        exp_samples:
          - value: abc
            lables: x
)",
                          "t.yml");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "t.yml:2:1: field evaluation_intervall not found in type "
            "unitTestFile\n"
            "t.yml:4:15: not a valid duration string: \"5x\"\n"
            "t.yml:8:20: cannot unmarshal !!str `abc` into float64\n"
            "t.yml:9:13: field lables not found in type sample");
}

TEST(RuleTestFileTest, WrongKindsAndSyntax) {
  auto f = DecodeTestFile("tests: {a: b}\n", "t.yml");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "t.yml:1:8: cannot unmarshal !!map into []testGroup");
  auto syntax = DecodeTestFile("tests:\n  - [\n", "t.yml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("t.yml:"));
  EXPECT_THAT(syntax.status().message(), HasSubstr("yaml: "));
  auto ts = DecodeTestFile("tests:\n  - start_timestamp: yesterday\n", "t.yml");
  ASSERT_FALSE(ts.ok());
  EXPECT_THAT(ts.status().message(), HasSubstr("t.yml:2:22: cannot parse "
                                               "start_timestamp"));
}

// exp_samples values are float64s as yaml.v2 reads them; merge keys reuse
// a test case. promtool 2.42 reads these values the same way.
TEST(RuleTestFileTest, GoYamlFloatsAndMergeKeys) {
  auto f = DecodeTestFile(R"(rule_files: [a.yml]
tests:
  - promql_expr_test:
      - &q
        expr: up
        eval_time: 1m
        exp_samples:
          - value: .inf
          - value: -.Inf
          - value: .NaN
          - value: 1_000.5
          - value: 0x10
      - <<: *q
        expr: down
)",
                          "t.yml");
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->tests.size(), 1u);
  const auto& exprs = f->tests[0].promql_expr_test;
  ASSERT_EQ(exprs.size(), 2u);
  ASSERT_EQ(exprs[0].exp_samples.size(), 5u);
  EXPECT_EQ(exprs[0].exp_samples[0].value,
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(exprs[0].exp_samples[1].value,
            -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(exprs[0].exp_samples[2].value));
  EXPECT_EQ(exprs[0].exp_samples[3].value, 1000.5);
  EXPECT_EQ(exprs[0].exp_samples[4].value, 16);
  EXPECT_EQ(exprs[1].expr, "down");
  EXPECT_EQ(exprs[1].eval_time_ms, 60'000);
  EXPECT_EQ(exprs[1].exp_samples.size(), 5u);

  auto bad = DecodeTestFile(
      "tests:\n- promql_expr_test:\n  - exp_samples:\n    - value: .iNf\n",
      "t.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("t.yml:4:14: cannot unmarshal !!str `.iNf` into "
                        "float64"));
}

// A stray "," outside a flow collection fails as in promtool (yaml-cpp 0.7
// alone would read ",\n" as an empty file), and an alias bomb fails as
// yaml.v2 fails it instead of making a million test groups.
TEST(RuleTestFileTest, StrayCommaAndAliasBombAreErrors) {
  auto comma = DecodeTestFile(",\n", "t.yml");
  ASSERT_FALSE(comma.ok());
  EXPECT_EQ(comma.status().message(),
            "t.yml:1:1: yaml: did not find expected node content");
  std::string bomb =
      "tests:\n- &g {interval: 1m, input_series: [&s {series: "
      "up, values: '1'}";
  for (int i = 0; i < 1000; ++i) bomb += ", *s";
  bomb += "]}\n";
  for (int i = 0; i < 1000; ++i) bomb += "- *g\n";
  auto f = DecodeTestFile(bomb, "t.yml");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "t.yml: yaml: document contains excessive aliasing");
}

}  // namespace
}  // namespace vigil::ruletest
