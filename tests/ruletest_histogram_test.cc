// Native histograms in rule unit tests, as promtool 3.x reads them:
// `{{…}}` values in input_series and `histogram:` in exp_samples, compared
// through the normalised test expression.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/ruletest_support.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest {
namespace {

using support::FixtureDir;
using support::Texts;
using ::testing::HasSubstr;

// Writes a test file (and its rules) to a fresh temporary directory.
std::string WriteTest(const std::string& name, const std::string& test,
                      const std::string& rules = "groups: []\n") {
  const std::string dir = ::testing::TempDir();
  std::ofstream(absl::StrCat(dir, "/", name, ".rules.yml")) << rules;
  const std::string path = absl::StrCat(dir, "/", name, ".test.yml");
  std::ofstream(path) << "rule_files: [" << name << ".rules.yml]\n" << test;
  return path;
}

TEST(RuleTestHistogramTest, ExampleFixturePasses) {
  const FileResult r = RunTestFile(
      absl::StrCat(FixtureDir(), "/native_histograms/latency.test.yml"), {});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
}

TEST(RuleTestHistogramTest, MismatchPrintsBothHistogramsAsPromtool) {
  const std::string path = WriteTest("mismatch", R"(
tests:
  - interval: 1m
    input_series:
      - series: h
        values: '{{schema:0 sum:5 count:4 buckets:[1 2 1]}}'
    promql_expr_test:
      - expr: h
        eval_time: 0m
        exp_samples:
          - labels: h
            histogram: '{{sum:5 count:4 buckets:[1 3]}}'
)");
  const FileResult r = RunTestFile(path, {});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(
      Texts(r),
      "    expr: \"h\", time: 0s,\n"
      "        exp: {__name__=\"h\"} {{count:4 sum:5 buckets:[1 3]}}\n"
      "        got: {__name__=\"h\"} {{count:4 sum:5 buckets:[1 2 1]}}\n");
}

TEST(RuleTestHistogramTest, ExpectedHistogramMustBeOneHistogram) {
  const std::string path = WriteTest("notone", R"(
tests:
  - input_series:
      - series: h
        values: '{{count:1 sum:1 buckets:[1]}}'
    promql_expr_test:
      - expr: h
        eval_time: 0m
        exp_samples:
          - labels: h
            histogram: '1'
      - expr: h
        eval_time: 0m
        exp_samples:
          - labels: h
            histogram: '{{count:1}}x1'
)");
  const FileResult r = RunTestFile(path, {});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(Texts(r),
            "    expr: \"h\", time: 0s, err: labels \"h\": expected "
            "histogram, got 1.000000\n"
            "    expr: \"h\", time: 0s, err: labels \"h\": expected 1 value, "
            "got 2\n");
}

TEST(RuleTestHistogramTest, SeriesSwitchesBetweenFloatsAndHistograms) {
  // Floats and histograms of one series are read back in time order;
  // `stale` ends the histogram series too.
  const std::string path = WriteTest("mixed", R"(
tests:
  - interval: 1m
    input_series:
      - series: m
        values: '1 {{count:2 sum:2 buckets:[2]}} 3 stale'
    promql_expr_test:
      - expr: m
        eval_time: 0m
        exp_samples:
          - labels: m
            value: 1
      - expr: m
        eval_time: 1m
        exp_samples:
          - labels: m
            histogram: '{{count:2 sum:2 buckets:[2]}}'
      - expr: m
        eval_time: 2m
        exp_samples:
          - labels: m
            value: 3
      - expr: m
        eval_time: 3m
      - expr: count_over_time(m[3m])
        eval_time: 2m
        exp_samples:
          - value: 3
)");
  const FileResult r = RunTestFile(path, {});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
}

TEST(RuleTestHistogramTest, RecordingRuleWritesHistograms) {
  const std::string path = WriteTest("record", R"(
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'h{i="a"}'
        values: '{{count:1 sum:1 buckets:[1]}}x3'
      - series: 'h{i="b"}'
        values: '{{count:2 sum:4 buckets:[0 2]}}x3'
    promql_expr_test:
      - expr: total
        eval_time: 2m
        exp_samples:
          - labels: total
            # Read back as from a TSDB chunk: not its first sample.
            histogram: '{{count:3 sum:5 counter_reset_hint:not_reset buckets:[1 2]}}'
      - expr: total_hist
        eval_time: 2m
        exp_samples:
          - labels: total_hist
            value: 3
)",
                                     R"(groups:
  - name: g
    rules:
      - record: total
        expr: sum(h)
      - record: total_hist
        expr: histogram_count(total)
)");
  const FileResult r = RunTestFile(path, {});
  EXPECT_EQ(r.verdict, Verdict::kPass) << Texts(r);
}

}  // namespace
}  // namespace vigil::ruletest
