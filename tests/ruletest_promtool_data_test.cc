// promtool's own unit-test files (Prometheus's cmd/promtool/testdata): each
// passes or fails as `promtool test rules` 3.x says, with its failure text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/ruletest_support.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest {
namespace {

using support::PromtoolDir;
using support::Render;
using support::Texts;
using ::testing::HasSubstr;
using ::testing::StartsWith;

FileResult RunFile(const std::string& name, TestOptions opts = {}) {
  return RunTestFile(absl::StrCat(PromtoolDir(), "/", name), opts);
}

TEST(PromtoolDataTest, PassingFiles) {
  for (const char* name :
       {"at-modifier-test.yml", "negative-offset-test.yml", "long-period.yml",
        "start-time-test.yml", "no-test-group-interval.yml",
        // Its first group loads and compares native histograms.
        "unittest.yml"}) {
    const FileResult r = RunFile(name);
    EXPECT_EQ(r.verdict, Verdict::kPass) << name << "\n" << Texts(r);
  }
}

TEST(PromtoolDataTest, FailingFileMatchesPromtoolText) {
  const FileResult r = RunFile("failing.yml");
  EXPECT_EQ(r.verdict, Verdict::kFail);
  // Byte for byte what promtool prints to stderr for this file.
  EXPECT_EQ(Texts(r),
            "    name: Failing test,\n"
            "    alertname: Test, time: 0s, \n"
            "        exp:[\n"
            "            0:\n"
            "              Labels:{alertname=\"Test\"}\n"
            "              Annotations:{}\n"
            "            ], \n"
            "        got:[]\n"
            "    expr: \"test\", time: 0s,\n"
            "        exp: {__name__=\"test\"} 1E+00\n"
            "        got: {__name__=\"test\"} 0E+00\n"
            "    name: Failing alert test,\n"
            "    alertname: InstanceDown, time: 5m, \n"
            "        exp:[], \n"
            "        got:[\n"
            "            0:\n"
            "              Labels:{alertname=\"InstanceDown\", job=\"test\", "
            "severity=\"page\"}\n"
            "              Annotations:{description=\" of job test has been "
            "down for more than 5 minutes.\", summary=\"Instance  down\"}\n"
            "            ]\n"
            "    name: Failing alert test,\n"
            "    alertname: AlwaysFiring, time: 5m, \n"
            "        exp:[], \n"
            "        got:[\n"
            "            0:\n"
            "              Labels:{alertname=\"AlwaysFiring\"}\n"
            "              Annotations:{}\n"
            "            ]\n");
  const auto rendered = Render(r);
  EXPECT_THAT(rendered.out, StartsWith("Unit Testing:  "));
  EXPECT_THAT(rendered.err, StartsWith("  FAILED:\n"));
}

TEST(PromtoolDataTest, BadInputSeries) {
  const FileResult r = RunFile("bad-input-series.yml");
  EXPECT_EQ(r.verdict, Verdict::kBadInput);
  EXPECT_THAT(Texts(r), StartsWith("1:48: parse error: "));
}

TEST(PromtoolDataTest, BadPromqlIsATestFailure) {
  const FileResult r = RunFile("bad-promql.yml");
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(Texts(r),
              StartsWith("    expr: \"join_1 + on(a) join_2\", time: 0s, err: "
                         "found duplicate series for the match group "
                         "{a=\"1\"} on the right hand-side of the operation"));
}

TEST(PromtoolDataTest, RuleEvaluationErrorStopsTheGroup) {
  const FileResult r = RunFile("bad-rules-error-test.yml");
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_THAT(Texts(r),
              StartsWith("    rule: joined, time: 0s, err: found duplicate "
                         "series for the match group {a=\"1\"}"));
}

TEST(PromtoolDataTest, RuleSyntaxErrorHasItsPosition) {
  const FileResult r = RunFile("bad-rules-syntax-test.yml");
  EXPECT_EQ(r.verdict, Verdict::kBadInput);
  EXPECT_THAT(Texts(r), HasSubstr("bad-rules-syntax.yml:7:"));
  EXPECT_THAT(Texts(r), HasSubstr("unexpected end of input"));
}

TEST(PromtoolDataTest, RunSelectsTestGroups) {
  EXPECT_EQ(RunFile("rules_run.yml").verdict, Verdict::kFail);
  TestOptions correct;
  correct.run = {"correct"};
  const FileResult one = RunFile("rules_run.yml", correct);
  EXPECT_EQ(one.verdict, Verdict::kPass);
  ASSERT_EQ(one.groups.size(), 1u);
  EXPECT_EQ(one.groups[0].name, "correct test");
  TestOptions both;
  both.run = {"correct", "wrong"};
  EXPECT_EQ(RunFile("rules_run.yml", both).verdict, Verdict::kFail);
  TestOptions none;
  none.run = {"^nothing$"};
  const FileResult zero = RunFile("rules_run.yml", none);
  EXPECT_EQ(zero.verdict, Verdict::kPass);
  EXPECT_TRUE(zero.groups.empty());
}

TEST(PromtoolDataTest, FuzzyCompareAllowsOneUlp) {
  const FileResult fuzzy = RunFile("rules_run_fuzzy.yml");
  EXPECT_EQ(fuzzy.verdict, Verdict::kFail);
  ASSERT_EQ(fuzzy.groups.size(), 2u);
  EXPECT_TRUE(fuzzy.groups[0].failures.empty());
  EXPECT_EQ(fuzzy.groups[1].failures.size(), 2u);
  EXPECT_EQ(RunFile("rules_run_no_fuzzy.yml").verdict, Verdict::kFail);
}

TEST(PromtoolDataTest, UnknownRuleFieldsNeedTheFlag) {
  EXPECT_EQ(RunFile("rules_run_extrafields.yml").verdict, Verdict::kBadInput);
  TestOptions ignore;
  ignore.ignore_unknown_fields = true;
  const FileResult r = RunFile("rules_run_extrafields.yml", ignore);
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
}

}  // namespace
}  // namespace vigil::ruletest
