// vigil's own rule unit-test fixtures (also run through promtool by the
// ruletest_promtool_verdicts ctest), the PrometheusRule example under
// deploy/rules, and what vigil adds: readable diffs, JUnit, coverage.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "tests/ruletest_support.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest {
namespace {

using support::FixtureDir;
using support::Render;
using support::SourceDir;
using support::Texts;
using ::testing::HasSubstr;
using ::testing::Not;

FileResult RunFile(const std::string& path, TestOptions opts = {}) {
  return RunTestFile(path, opts);
}

TEST(RuleTestRunnerTest, PassingFixture) {
  const FileResult r =
      RunFile(absl::StrCat(FixtureDir(), "/http_pass.test.yml"));
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].name, "error ratio alert");
  const auto rendered = Render(r);
  EXPECT_EQ(rendered.out,
            absl::StrCat("Unit Testing:  ", r.file, "\n  SUCCESS\n\n"));
  EXPECT_EQ(rendered.err, "");
}

TEST(RuleTestRunnerTest, GroupEvalOrderFixture) {
  const FileResult r =
      RunFile(absl::StrCat(FixtureDir(), "/eval_order.test.yml"));
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
  EXPECT_EQ(r.groups[0].name, "unnamed#0");
}

TEST(RuleTestRunnerTest, FailingFixtureSaysWhatPromtoolSays) {
  const FileResult r =
      RunFile(absl::StrCat(FixtureDir(), "/http_fail.test.yml"));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  // promtool 2.42 and 3.x print exactly this for the fixture.
  EXPECT_EQ(Texts(r),
            "    name: pending is not firing,\n"
            "    alertname: TargetDown, time: 3m, \n"
            "        exp:[\n"
            "            0:\n"
            "              Labels:{alertname=\"TargetDown\", instance=\"b\", "
            "job=\"node\"}\n"
            "              Annotations:{summary=\"b of node is down\"}\n"
            "            ], \n"
            "        got:[]\n"
            "    name: pending is not firing,\n"
            "    alertname: TargetDown, time: 5m, \n"
            "        exp:[\n"
            "            0:\n"
            "              Labels:{alertname=\"TargetDown\", instance=\"b\", "
            "job=\"node\"}\n"
            "              Annotations:{summary=\"b is down\"}\n"
            "            ], \n"
            "        got:[\n"
            "            0:\n"
            "              Labels:{alertname=\"TargetDown\", instance=\"b\", "
            "job=\"node\"}\n"
            "              Annotations:{summary=\"b of node is down\"}\n"
            "            ]\n"
            "    expr: \"job:http_requests:rate5m\", time: 10m,\n"
            "        exp: {__name__=\"job:http_requests:rate5m\", "
            "job=\"api\"} 3E+00\n"
            "        got: {__name__=\"job:http_requests:rate5m\", "
            "job=\"api\"} 2E+00\n");
}

TEST(RuleTestRunnerTest, ReadableDiffsShowOnlyDifferences) {
  const FileResult r =
      RunFile(absl::StrCat(FixtureDir(), "/http_fail.test.yml"));
  ASSERT_EQ(r.groups.size(), 2u);
  ASSERT_EQ(r.groups[0].failures.size(), 2u);
  // Pending, not firing: the diff says so.
  EXPECT_THAT(r.groups[0].failures[0].diff,
              HasSubstr("- missing alert {alertname=\"TargetDown\""));
  EXPECT_THAT(r.groups[0].failures[0].diff, HasSubstr("are pending"));
  // Same labels, one annotation differs: only it is shown.
  EXPECT_EQ(r.groups[0].failures[1].diff,
            "    diff (-expected +got):\n"
            "      alert {alertname=\"TargetDown\", instance=\"b\", "
            "job=\"node\"}\n"
            "        - annotation summary: \"b is down\"\n"
            "        + annotation summary: \"b of node is down\"\n");
  ASSERT_EQ(r.groups[1].failures.size(), 1u);
  EXPECT_EQ(r.groups[1].failures[0].diff,
            "    diff (-expected +got):\n"
            "      {__name__=\"job:http_requests:rate5m\", job=\"api\"}\n"
            "        - value 3E+00\n"
            "        + value 2E+00\n");
  // The diff follows promtool's text on stderr.
  const auto rendered = Render(r);
  EXPECT_THAT(rendered.err, HasSubstr("2E+00\n    diff (-expected +got):"));
  EXPECT_THAT(rendered.err, Not(HasSubstr("\033[")));
  std::ostringstream out, err;
  PrintFileResult(r, out, err, /*color=*/true);
  EXPECT_THAT(err.str(), HasSubstr("\033[31m- value 3E+00\033[0m"));
}

TEST(RuleTestRunnerTest, PrometheusRuleResource) {
  const FileResult r = RunFile(
      absl::StrCat(SourceDir(), "/deploy/rules/pod-security.test.yaml"));
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0].name, "PodPrivilegedMode");
}

TEST(RuleTestRunnerTest, PendingAlertIsNotFiringBeforeFor) {
  // The CRD's test with the 4m expectation turned into a firing one fails.
  const std::string dir = ::testing::TempDir();
  std::ifstream in(
      absl::StrCat(SourceDir(), "/deploy/rules/pod-security.yaml"));
  std::stringstream rules;
  rules << in.rdbuf();
  std::ofstream(absl::StrCat(dir, "/ps.yaml")) << rules.str();
  std::ofstream(absl::StrCat(dir, "/ps.test.yaml")) << R"(rule_files: [ps.yaml]
tests:
  - interval: 1m
    input_series:
      - series: 'kube_pod_container_status_running{namespace="a", pod="p", container="c"}'
        values: '1x10'
      - series: 'kube_pod_security_context{namespace="a", pod="p", privileged="true"}'
        values: '1x10'
    alert_rule_test:
      - eval_time: 4m
        alertname: PodPrivilegedMode
        exp_alerts:
          - exp_labels: {severity: warning, namespace: a, pod: p, container: c}
            exp_annotations:
              summary: "Container c of pod a/p runs in privileged mode"
)";
  const FileResult r = RunFile(absl::StrCat(dir, "/ps.test.yaml"));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(Texts(r), HasSubstr("time: 4m, \n"));
  EXPECT_THAT(Texts(r), HasSubstr("got:[]"));
}

TEST(RuleTestRunnerTest, BadInputHasPositions) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(absl::StrCat(dir, "/unknown.test.yml"))
      << "tests:\n  - name: x\n    input_serie: []\n";
  const FileResult r = RunFile(absl::StrCat(dir, "/unknown.test.yml"));
  EXPECT_EQ(r.verdict, Verdict::kBadInput);
  EXPECT_EQ(Texts(r), absl::StrCat(dir,
                                   "/unknown.test.yml:3:5: field input_serie "
                                   "not found in type testGroup\n"));

  const FileResult missing = RunFile(absl::StrCat(dir, "/does-not-exist.yml"));
  EXPECT_EQ(missing.verdict, Verdict::kBadInput);
  EXPECT_THAT(Texts(missing), HasSubstr("no such file or directory"));

  std::ofstream(absl::StrCat(dir, "/norules.test.yml"))
      << "rule_files: [nothing-*.yml]\ntests: []\n";
  const FileResult norules = RunFile(absl::StrCat(dir, "/norules.test.yml"));
  EXPECT_EQ(norules.verdict, Verdict::kPass);
  ASSERT_EQ(norules.warnings.size(), 1u);
  EXPECT_THAT(norules.warnings[0],
              HasSubstr("  WARNING: no file match pattern "));
}

TEST(RuleTestRunnerTest, MissingAlertnameIsAnError) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(absl::StrCat(dir, "/noname.test.yml"))
      << "tests:\n  - name: g\n    alert_rule_test:\n      - eval_time: 1m\n";
  const FileResult r = RunFile(absl::StrCat(dir, "/noname.test.yml"));
  EXPECT_EQ(r.verdict, Verdict::kBadInput);
  EXPECT_EQ(Texts(r),
            "an item under alert_rule_test misses required attribute "
            "alertname at eval_time 1m (in TestGroup g)\n");
}

TEST(RuleTestRunnerTest, Coverage) {
  std::vector<FileResult> results = {
      RunFile(absl::StrCat(FixtureDir(), "/http_fail.test.yml"))};
  Coverage c = ComputeCoverage(results);
  ASSERT_EQ(c.rules.size(), 3u);
  ASSERT_EQ(c.unexercised.size(), 1u);
  EXPECT_EQ(c.unexercised[0].name, "HighErrorRate");
  EXPECT_NEAR(c.percent, 200.0 / 3, 1e-9);
  std::ostringstream out;
  PrintCoverage(c, out);
  EXPECT_THAT(out.str(), HasSubstr("2/3 rules exercised (66.7%)"));
  EXPECT_THAT(out.str(), HasSubstr("http.rules.yml:8:9: alert HighErrorRate"));

  results.push_back(RunFile(absl::StrCat(FixtureDir(), "/http_pass.test.yml")));
  c = ComputeCoverage(results);
  EXPECT_TRUE(c.unexercised.empty());
  EXPECT_EQ(c.percent, 100);
}

TEST(RuleTestRunnerTest, JUnit) {
  const std::vector<FileResult> results = {
      RunFile(absl::StrCat(FixtureDir(), "/http_pass.test.yml")),
      RunFile(absl::StrCat(FixtureDir(), "/http_fail.test.yml"))};
  const std::string xml = JUnitXml(results);
  EXPECT_THAT(xml, HasSubstr("<testsuites>"));
  EXPECT_THAT(xml, HasSubstr("tests=\"2\" failures=\"0\" errors=\"0\""));
  EXPECT_THAT(xml, HasSubstr("tests=\"2\" failures=\"2\" errors=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"error ratio alert\""));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"    name: pending is not "
                             "firing,&#10;"));
  EXPECT_THAT(xml, HasSubstr("summary=&quot;b is down&quot;"));
  EXPECT_THAT(xml, HasSubstr("- value 3E+00"));
}

}  // namespace
}  // namespace vigil::ruletest
