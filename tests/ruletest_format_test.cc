// The Go formatting promtool's messages are made of.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "lib/model/label_text.h"
#include "lib/ruletest/diff.h"
#include "lib/ruletest/format.h"

namespace vigil::ruletest {
namespace {

TEST(RuleTestFormatTest, GoDuration) {
  EXPECT_EQ(GoDuration(0), "0s");
  EXPECT_EQ(GoDuration(500), "500ms");
  EXPECT_EQ(GoDuration(1500), "1.5s");
  EXPECT_EQ(GoDuration(60'000), "1m0s");
  EXPECT_EQ(GoDuration(179'999), "2m59.999s");
  EXPECT_EQ(GoDuration(3'600'000), "1h0m0s");
  EXPECT_EQ(GoDuration(90'061'010), "25h1m1.01s");
  EXPECT_EQ(GoDuration(-60'000), "-1m0s");
}

TEST(RuleTestFormatTest, GoFloatE) {
  EXPECT_EQ(GoFloatE(1), "1E+00");
  EXPECT_EQ(GoFloatE(0), "0E+00");
  EXPECT_EQ(GoFloatE(60), "6E+01");
  EXPECT_EQ(GoFloatE(3600), "3.6E+03");
  EXPECT_EQ(GoFloatE(-0.25), "-2.5E-01");
  EXPECT_EQ(GoFloatE(1e100), "1E+100");
  EXPECT_EQ(GoFloatE(2.9999999999999996), "2.9999999999999996E+00");
  EXPECT_EQ(GoFloatE(NAN), "NaN");
  EXPECT_EQ(GoFloatE(INFINITY), "+Inf");
  EXPECT_EQ(GoFloatE(-INFINITY), "-Inf");
}

TEST(RuleTestFormatTest, Labels) {
  EXPECT_EQ(GoLabelsString(Labels()), "{}");
  EXPECT_EQ(
      GoLabelsString(Labels::FromStrings({"__name__", "up", "job", "a\"b"})),
      "{__name__=\"up\", job=\"a\\\"b\"}");
  EXPECT_EQ(GoLabelsString(std::vector<Label>{{"summary", ""}}),
            "{summary=\"\"}");
}

TEST(RuleTestFormatTest, AlertsAndSamples) {
  EXPECT_EQ(AlertsString({}), "[]");
  const std::vector<AlertEntry> two = {
      {Labels::FromStrings({"alertname", "A"}), {}},
      {Labels::FromStrings({"alertname", "B"}), {{"summary", "s"}}}};
  EXPECT_EQ(AlertsString(two),
            "[\n0:\n  Labels:{alertname=\"A\"}\n  Annotations:{},\n1:\n"
            "  Labels:{alertname=\"B\"}\n  Annotations:{summary=\"s\"}\n]");
  EXPECT_EQ(IndentLines("a\nb\nc", "  "), "a\n  b\n  c");
  EXPECT_EQ(SamplesString({}), "nil");
  EXPECT_EQ(
      SamplesString({{Labels(), 1}, {Labels::FromStrings({"a", "b"}), 2}}),
      "{} 1E+00, {a=\"b\"} 2E+00");
}

TEST(RuleTestFormatTest, FuzzyCompareIsOneUlp) {
  EXPECT_TRUE(SampleValueEqual(3, 3, false));
  EXPECT_FALSE(SampleValueEqual(3, 3.0000000000000004, false));
  EXPECT_TRUE(SampleValueEqual(3, 3.0000000000000004, true));
  EXPECT_TRUE(SampleValueEqual(3, 2.9999999999999996, true));
  EXPECT_FALSE(SampleValueEqual(3, 3.0000000000000013, true));
  // promtool compares with ==: NaN never equals NaN.
  EXPECT_FALSE(SampleValueEqual(NAN, NAN, true));
}

TEST(RuleTestFormatTest, SampleDiff) {
  const std::vector<SampleEntry> exp = {{Labels::FromStrings({"a", "1"}), 1},
                                        {Labels::FromStrings({"a", "2"}), 2}};
  const std::vector<SampleEntry> got = {{Labels::FromStrings({"a", "1"}), 1},
                                        {Labels::FromStrings({"a", "3"}), 3}};
  EXPECT_EQ(DiffSamples(exp, got, false),
            "    diff (-expected +got):\n"
            "      - missing {a=\"2\"} 2E+00\n"
            "      + unexpected {a=\"3\"} 3E+00\n");
  EXPECT_EQ(DiffSamples(exp, exp, false), "");
}

TEST(RuleTestFormatTest, AlertDiffPairsByLabels) {
  const std::vector<AlertEntry> exp = {
      {Labels::FromStrings({"alertname", "A", "job", "x", "pod", "p"}), {}}};
  const std::vector<AlertEntry> got = {
      {Labels::FromStrings({"alertname", "A", "job", "y", "pod", "p"}), {}}};
  EXPECT_EQ(DiffAlerts(exp, got),
            "    diff (-expected +got):\n"
            "      alert {alertname=\"A\", job=\"x\", pod=\"p\"} vs got "
            "{alertname=\"A\", job=\"y\", pod=\"p\"}\n"
            "        - label job: \"x\"\n"
            "        + label job: \"y\"\n");
}

}  // namespace
}  // namespace vigil::ruletest
