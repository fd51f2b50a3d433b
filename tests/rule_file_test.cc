#include "vigil/rule_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace vigil {
namespace {

using ::testing::HasSubstr;

std::string SharedDir() {
  const char* env = std::getenv("VIGIL_SHARED_DIR");
  return env ? env : "../shared";
}

constexpr std::string_view kPodPrivilegedCrd =
    R"(apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: security
  namespace: monitoring
spec:
  groups:
    - name: pod-security
      interval: 30s
      rules:
        - alert: PodPrivilegedMode
          expr: kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: Privileged pod {{ $labels.namespace }}/{{ $labels.pod }}
---
groups:
  - name: plain
    query_offset: 1m
    limit: 10
    labels:
      team: sec
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
)";

TEST(RuleFileTest, ParsesCrdAndPlainDocumentsInOneFile) {
  auto groups = ParseRuleFile(kPodPrivilegedCrd, "sec.yml");
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  const RuleGroupSpec& sec = (*groups)[0];
  EXPECT_EQ(sec.name, "pod-security");
  EXPECT_EQ(sec.interval_ms, 30000);
  ASSERT_EQ(sec.rules.size(), 1u);
  const RuleSpec& alert = sec.rules[0];
  EXPECT_EQ(alert.alert, "PodPrivilegedMode");
  EXPECT_EQ(alert.for_ms, 300000);
  EXPECT_EQ(alert.labels.Get("severity"), "critical");
  ASSERT_EQ(alert.annotations.size(), 1u);
  EXPECT_EQ(alert.annotations[0].name, "summary");
  EXPECT_EQ(alert.expr_position.line, 12);
  EXPECT_EQ(alert.expr_position.column, 17);

  const RuleGroupSpec& plain = (*groups)[1];
  EXPECT_EQ(plain.query_offset_ms, 60000);
  EXPECT_EQ(plain.limit, 10);
  EXPECT_EQ(plain.labels.Get("team"), "sec");
  EXPECT_EQ(plain.rules[0].record, "job:up:sum");
  EXPECT_FALSE(plain.rules[0].is_alert());
}

TEST(RuleFileTest, SharedPromtoolRulesParse) {
  // Rule files only: rules_run.yml and friends are unit-test files.
  for (const char* name : {"rules.yml", "rules_duplicates.yml",
                           "negative-offset.yml", "at-modifier.yml"}) {
    auto groups = LoadRuleFile(SharedDir() + "/testdata/promtool/" + name);
    EXPECT_TRUE(groups.ok()) << name << ": " << groups.status();
  }
}

TEST(RuleFileTest, ExpressionErrorCarriesFilePositionAndParserMessage) {
  auto groups =
      LoadRuleFile(SharedDir() + "/testdata/promtool/bad-rules-syntax.yml");
  ASSERT_FALSE(groups.ok());
  // promtool: 7:15: group "bad-syntax", rule 1, "x": could not parse
  // expression: 1:7: parse error: unexpected end of input
  EXPECT_THAT(groups.status().message(),
              HasSubstr("bad-rules-syntax.yml:7:15: group \"bad-syntax\", "
                        "rule 1, \"x\": could not parse expression: 1:7: "
                        "parse error: unexpected end of input"));
}

TEST(RuleFileTest, PlainAndBlockExpressionsPointAtTheBadByte) {
  auto plain = ParseRuleFile(
      "groups:\n- name: g\n  rules:\n  - record: r\n    expr: sum(x) +\n",
      "p.yml");
  ASSERT_FALSE(plain.ok());
  // The value starts at column 11; the error (end of input) is at
  // expression column 9.
  EXPECT_THAT(plain.status().message(), HasSubstr("p.yml:5:19: "));

  auto block = ParseRuleFile(
      "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: |\n"
      "      sum(rate(x[5m]))\n        + foo{\n",
      "b.yml");
  ASSERT_FALSE(block.ok());
  EXPECT_THAT(block.status().message(), HasSubstr("b.yml:"));
  EXPECT_THAT(block.status().message(),
              HasSubstr("unexpected end of input inside braces"));
}

TEST(RuleFileTest, UnknownFieldsAreErrorsUnlessIgnored) {
  std::string path = SharedDir() + "/testdata/promtool/rules_extrafields.yml";
  auto strict = LoadRuleFile(path);
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(strict.status().message(),
              HasSubstr(":7:5: field namespace not found in type "
                        "rulefmt.RuleGroup"));
  EXPECT_THAT(strict.status().message(),
              HasSubstr(":21:5: field ownership not found"));
  RuleFileOptions lax;
  lax.ignore_unknown_fields = true;
  EXPECT_TRUE(LoadRuleFile(path, lax).ok());
}

TEST(RuleFileTest, ValidationErrorsUsePrometheusWording) {
  auto r = ParseRuleFile(R"(groups:
  - name: g
    rules:
      - record: "a{b}"
        expr: up
        for: 1m
        labels:
          __name__: x
      - alert: B
        record: C
        expr: up
      - alert: D
  - name: g
    rules: []
  - rules: []
)",
                         "v.yml");
  ASSERT_FALSE(r.ok());
  std::string msg(r.status().message());
  EXPECT_THAT(msg, HasSubstr("braces present in the recording rule name; "
                             "should it be in expr?: a{b}"));
  EXPECT_THAT(msg, HasSubstr("invalid field 'for' in recording rule"));
  EXPECT_THAT(msg, HasSubstr("invalid label name: __name__"));
  EXPECT_THAT(msg, HasSubstr("only one of 'record' and 'alert' must be set"));
  EXPECT_THAT(msg, HasSubstr("field 'expr' must be set in rule"));
  EXPECT_THAT(msg, HasSubstr("v.yml:13:5: groupname: \"g\" is repeated in "
                             "the same file"));
  EXPECT_THAT(msg, HasSubstr("v.yml:15:5: Groupname must not be empty"));
}

TEST(RuleFileTest, BadDurationAndBadYamlSayWhere) {
  auto dur = ParseRuleFile(
      "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5x\n",
      "d.yml");
  ASSERT_FALSE(dur.ok());
  EXPECT_THAT(dur.status().message(),
              HasSubstr("d.yml:6:10: not a valid duration string: \"5x\""));
  auto yaml = ParseRuleFile("groups: [\n", "y.yml");
  ASSERT_FALSE(yaml.ok());
  EXPECT_THAT(yaml.status().message(), HasSubstr("y.yml:"));
  EXPECT_THAT(yaml.status().message(), HasSubstr("yaml: "));
}

TEST(RuleFileTest, EmptyFileHasNoGroups) {
  auto r = ParseRuleFile("", "e.yml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(RuleFileTest, MissingFileIsNotFound) {
  auto r = LoadRuleFile("/nonexistent/rules.yml");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
}

// Go's yaml reads limit as an int (0x10 is 16) and resolves merge keys; the
// map's own keys win over merged ones, earlier merged maps over later ones.
// promtool 2.42 agrees on this file.
TEST(RuleFileTest, GoYamlIntegersAndMergeKeys) {
  auto groups = ParseRuleFile(R"(groups:
  - name: g
    limit: 0x10
    rules:
      - &base
        record: a
        expr: vector(1)
        labels: &l {x: "1", y: "2"}
      - <<: *base
        record: b
        labels:
          <<: *l
          y: "3"
      - record: c
        expr: vector(2)
        labels:
          <<: [{x: "4"}, *l]
)",
                              "m.yml");
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 1u);
  const RuleGroupSpec& g = (*groups)[0];
  EXPECT_EQ(g.limit, 16);
  ASSERT_EQ(g.rules.size(), 3u);
  EXPECT_EQ(g.rules[1].record, "b");
  EXPECT_EQ(g.rules[1].expr, "vector(1)");
  EXPECT_EQ(g.rules[1].labels.ToString(), "{x=\"1\", y=\"3\"}");
  EXPECT_EQ(g.rules[2].labels.ToString(), "{x=\"4\", y=\"2\"}");

  for (const char* limit : {"1_000", "017", "1e3", "0b110"}) {
    auto r =
        ParseRuleFile(absl::StrCat("groups:\n- name: g\n  limit: ", limit,
                                   "\n  rules:\n  - record: a\n    expr: up\n"),
                      "l.yml");
    EXPECT_TRUE(r.ok()) << limit << ": " << r.status();
  }
  auto bad = ParseRuleFile(
      "groups:\n- name: g\n  limit: .inf\n  rules:\n  - record: a\n"
      "    expr: up\n",
      "l.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "l.yml:3:10: limit must be a non-negative integer");
}

// A few kilobytes of aliases can stand for a million rules (800 groups of
// 800 aliased rules here); yaml.v3, and so Prometheus, refuses such a
// document instead of decoding it, and so does vigil.
TEST(RuleFileTest, ExcessiveAliasingIsAnError) {
  std::string bomb =
      "groups:\n- &g\n  name: g\n  rules: [&r {record: a, expr: up}";
  for (int i = 0; i < 800; ++i) bomb += ", *r";
  bomb += "]\n";
  for (int i = 0; i < 800; ++i) bomb += "- *g\n";
  auto r = ParseRuleFile(bomb, "b.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "b.yml: yaml: document contains excessive aliasing");

  // A nested bomb of 10^10 nodes in a field the loader skips costs nothing
  // (yaml-cpp shares aliased nodes), and Prometheus skips it too.
  std::string nested = "groups: []\nx0: &a0 [1,1,1,1,1,1,1,1,1,1]\n";
  for (int i = 1; i < 10; ++i) {
    nested += absl::StrCat("x", i, ": &a", i, " [");
    for (int j = 0; j < 10; ++j) {
      nested += absl::StrCat(j ? "," : "", "*a", i - 1);
    }
    nested += "]\n";
  }
  RuleFileOptions lenient;
  lenient.ignore_unknown_fields = true;
  auto n = ParseRuleFile(nested, "n.yml", lenient);
  EXPECT_TRUE(n.ok()) << n.status();

  // Ordinary reuse stays fine: 200 aliases of one rule.
  std::string reuse =
      "groups:\n- name: g\n  rules:\n  - &r {record: a, expr: up}\n";
  for (int i = 0; i < 200; ++i) reuse += "  - *r\n";
  auto ok = ParseRuleFile(reuse, "r.yml");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].rules.size(), 201u);
}

// yaml-cpp 0.7's LoadAll loops forever, allocating, on a "," outside a flow
// collection (found by the fuzzer); the loader stops with an error there.
TEST(RuleFileTest, StrayCommaIsAnError) {
  auto top = ParseRuleFile(",\n", "c.yml");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().message(),
            "c.yml:1:1: yaml: did not find expected node content");
  auto after = ParseRuleFile(
      "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n,,,\n",
      "c.yml");
  ASSERT_FALSE(after.ok());
  EXPECT_THAT(after.status().message(), HasSubstr("c.yml:"));
}

}  // namespace
}  // namespace vigil
