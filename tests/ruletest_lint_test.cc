// `check rules`: promtool's validation and duplicate lint, vigil's warnings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/ruletest_support.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest {
namespace {

using support::FixtureDir;
using support::PromtoolDir;
using support::SourceDir;
using ::testing::HasSubstr;

std::vector<std::string> Checks(const CheckResult& r) {
  std::vector<std::string> out;
  for (const LintWarning& w : r.warnings) out.push_back(w.check);
  return out;
}

TEST(RuleLintTest, ValidFileWithoutFindings) {
  const CheckResult r =
      CheckRuleFile(absl::StrCat(PromtoolDir(), "/rules.yml"), {});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.rule_count, 5);
  EXPECT_EQ(r.duplicates, "");
  // AlwaysFiring has no annotations at all.
  EXPECT_EQ(Checks(r), (std::vector<std::string>{"annotations"}));
  std::ostringstream out, err;
  PrintCheckResult(r, out, err);
  EXPECT_EQ(out.str(), absl::StrCat("Checking ", r.file,
                                    "\n  SUCCESS: 5 rules found\n\n"));
}

TEST(RuleLintTest, PromtoolDuplicates) {
  const CheckResult r =
      CheckRuleFile(absl::StrCat(PromtoolDir(), "/rules_duplicates.yml"), {});
  EXPECT_EQ(r.duplicates,
            "lint error 1 duplicate rule(s) found.\n"
            "Metric: job:test:count_over_time1m\n"
            "Label(s):\n"
            "Might cause inconsistency while recording expressions");
  const CheckResult l = CheckRuleFile(
      absl::StrCat(PromtoolDir(), "/prometheus-rules.lint.yml"), {});
  EXPECT_THAT(l.duplicates, HasSubstr("Metric: HighRequestLatency\nLabel(s):\n"
                                      "\tseverity: page\n"));
  std::ostringstream out, err;
  PrintCheckResult(l, out, err);
  EXPECT_EQ(out.str(), absl::StrCat("Checking ", l.file, "\n\n"));
  EXPECT_THAT(err.str(), HasSubstr("  FAILED:\nlint error 1 duplicate"));
}

TEST(RuleLintTest, InvalidFile) {
  const CheckResult r =
      CheckRuleFile(absl::StrCat(PromtoolDir(), "/rules-bad.yml"), {});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("rules-bad.yml:"));
  EXPECT_THAT(r.errors[0], HasSubstr("undefined variable \"$label\""));
  const CheckResult missing =
      CheckRuleFile(absl::StrCat(FixtureDir(), "/nope.yml"), {});
  EXPECT_EQ(missing.errors.size(), 1u);
}

TEST(RuleLintTest, VigilWarnings) {
  const CheckResult r =
      CheckRuleFile(absl::StrCat(FixtureDir(), "/lint.rules.yml"), {});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.rule_count, 5);
  EXPECT_THAT(r.duplicates, HasSubstr("Metric: Down\n"));
  EXPECT_EQ(Checks(r), (std::vector<std::string>{"counter-functions",
                                                 "short-for", "annotations"}));
  EXPECT_THAT(
      r.warnings[0].text,
      HasSubstr("lint.rules.yml:8:15: rule \"job:memory_bytes:rate5m\": "
                "rate() over \"process_resident_memory_bytes\": metric "
                "might not be a counter"));
  EXPECT_THAT(r.warnings[1].text,
              HasSubstr("alert \"Flapping\": for: 30s is shorter than the "
                        "group interval 1m"));
  CheckOptions only;
  only.lint = {"short-for"};
  const CheckResult s =
      CheckRuleFile(absl::StrCat(FixtureDir(), "/lint.rules.yml"), only);
  EXPECT_EQ(Checks(s), (std::vector<std::string>{"short-for"}));
  EXPECT_EQ(s.duplicates, "");
  CheckOptions none;
  none.lint = {"none"};
  EXPECT_TRUE(CheckRuleFile(absl::StrCat(FixtureDir(), "/lint.rules.yml"), none)
                  .warnings.empty());
}

TEST(RuleLintTest, PrometheusRuleResource) {
  const CheckResult r = CheckRuleFile(
      absl::StrCat(SourceDir(), "/deploy/rules/pod-security.yaml"), {});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.rule_count, 1);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.duplicates, "");
}

}  // namespace
}  // namespace vigil::ruletest
