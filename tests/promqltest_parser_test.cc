// The promqltest runner's own logic: the test-language parser, the result
// comparison and the Go literal rules it inherits. The series parser is a
// small stand-in here so that these tests depend on nothing but the runner.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/promqltest/expectations.h"
#include "tests/promqltest/go_literals.h"
#include "tests/promqltest/test_file_parser.h"
#include "tests/promqltest/text_util.h"

namespace vigil::promqltest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

// Stand-in for promql::ParseSeriesDescription: `name{a="b", c="d"} v…` with
// plain numbers, `_` and `stale`; `{{` means a native histogram.
absl::StatusOr<promql::SeriesDescription> FakeSeriesParser(
    std::string_view line) {
  if (line.find("{{") != std::string_view::npos) {
    return absl::UnimplementedError("native histograms");
  }
  promql::SeriesDescription d;
  size_t brace = line.find('{');
  size_t space = line.find(' ');
  LabelsBuilder b;
  std::string_view rest;
  if (brace != std::string_view::npos && brace < space) {
    b.Set(kMetricName, line.substr(0, brace));
    size_t close = line.find('}', brace);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("unclosed {");
    }
    for (absl::string_view pair :
         absl::StrSplit(ToAbsl(line.substr(brace + 1, close - brace - 1)), ',',
                        absl::SkipWhitespace())) {
      std::vector<std::string> kv = absl::StrSplit(pair, '=');
      if (kv.size() != 2) return absl::InvalidArgumentError("bad label");
      std::string_view k = TrimSpace(kv[0]);
      std::string_view v = TrimSpace(kv[1]);
      b.Set(k, v.substr(1, v.size() - 2));
    }
    rest = line.substr(close + 1);
  } else {
    b.Set(kMetricName, line.substr(0, space));
    rest = space == std::string_view::npos ? "" : line.substr(space);
  }
  d.labels = b.Build();
  for (absl::string_view atok :
       absl::StrSplit(ToAbsl(rest), ' ', absl::SkipEmpty())) {
    std::string_view tok = FromAbsl(atok);
    if (tok == "_") {
      d.values.push_back(std::nullopt);
    } else if (tok == "stale") {
      d.values.push_back(StaleNaN());
    } else {
      auto v = ParseGoFloat(tok);
      if (!v) return absl::InvalidArgumentError("bad value");
      d.values.push_back(*v);
    }
  }
  return d;
}

TestFile Parse(std::string_view text) {
  auto f = ParseTestFile(text, FakeSeriesParser);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *std::move(f) : TestFile{};
}

const EvalCommand& EvalAt(const TestFile& f, size_t i) {
  return std::get<EvalCommand>(f.commands.at(i));
}

Labels L(std::initializer_list<std::string_view> kv) {
  return Labels::FromStrings(kv);
}

TEST(TestFileParserTest, LoadClearAndEvalCommands) {
  TestFile f = Parse(R"(
# a comment
load 5m
  up{job="a"} 1 2 _ stale
  up{job="b"} 3
  up{job="a"} 7

clear
eval instant at 1m30s sum(up)
  {} 3
)");
  ASSERT_EQ(f.commands.size(), 3u);
  const auto& load = std::get<LoadCommand>(f.commands[0]);
  EXPECT_EQ(load.line, 3);
  EXPECT_EQ(load.step_ms, 300000);
  EXPECT_FALSE(load.with_nhcb);
  // The later `up{job="a"}` line replaced the earlier one.
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].labels, L({"__name__", "up", "job", "a"}));
  EXPECT_THAT(load.series[0].values, ElementsAre(Optional(7.0)));
  EXPECT_EQ(std::get<ClearCommand>(f.commands[1]).line, 8);
  const EvalCommand& ev = EvalAt(f, 2);
  EXPECT_EQ(ev.line, 9);
  EXPECT_EQ(ev.expr, "sum(up)");
  EXPECT_FALSE(ev.is_range);
  EXPECT_EQ(ev.eval_ms, 90000);
  EXPECT_EQ(ev.end_ms, kNoEnd);
  ASSERT_EQ(ev.expected.size(), 1u);
  EXPECT_EQ(ev.expected.begin()->second.pos, 1);
  EXPECT_TRUE(ev.error.empty());
}

TEST(TestFileParserTest, UnsupportedSeriesInLoadBlocks) {
  TestFile f = Parse(R"(
load 1m
  h{a="b"} {{schema:0 sum:1 count:1}} 2
  f 1 2
  g@st -1m -1m
  g 1 2

load_with_nhcb 5m
  x_bucket{le="1"} 1
  x_bucket{le="+Inf"} 2
  x_count 2
  x_sum 3
  y 1
)");
  ASSERT_EQ(f.commands.size(), 2u);
  const auto& l1 = std::get<LoadCommand>(f.commands[0]);
  ASSERT_EQ(l1.series.size(), 2u);  // f and g; h is not loaded
  ASSERT_EQ(l1.start_offsets.size(), 2u);
  EXPECT_TRUE(l1.start_offsets[0].empty());  // f has no @st line
  EXPECT_THAT(l1.start_offsets[1], ElementsAre(-60000, -60000));
  ASSERT_EQ(l1.unsupported.size(), 1u);
  EXPECT_EQ(l1.unsupported[0].labels, L({"__name__", "h", "a", "b"}));
  EXPECT_EQ(l1.unsupported[0].reason, kReasonHistogramSeries);
  const auto& l2 = std::get<LoadCommand>(f.commands[1]);
  EXPECT_TRUE(l2.with_nhcb);
  EXPECT_EQ(l2.series.size(), 5u);
  // The runner derives the native histogram `x` itself.
  EXPECT_TRUE(l2.unsupported.empty());
  EXPECT_EQ(NhcbSeriesFor(L({"__name__", "x_bucket", "le", "1"})),
            L({"__name__", "x"}));
  EXPECT_EQ(NhcbSeriesFor(L({"__name__", "x_count", "a", "b"})),
            L({"__name__", "x", "a", "b"}));
  EXPECT_EQ(NhcbSeriesFor(L({"__name__", "y"})), std::nullopt);
}

TEST(TestFileParserTest, StartTimestampOffsets) {
  auto offsets = ParseStartTimestampOffsets(
      " _ _x2 -30s-1mx2 +1m 0 -59999msx1 1ms+1sx1 -0ms");
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_THAT(*offsets, ElementsAre(std::nullopt, std::nullopt, std::nullopt,
                                    -30000, -90000, -150000, 60000, 0, -59999,
                                    -59999, 1, 1001, 0));
  for (std::string_view bad :
       {"1", "-", "x3", "1mx", "1m+1m", "1m*2", "_x0", "_xa", "1m-1mx-1"}) {
    EXPECT_FALSE(ParseStartTimestampOffsets(bad).ok()) << bad;
  }
}

TEST(TestFileParserTest, StartTimestampLinesPairWithTheNextSampleLine) {
  // A later line for the same series replaces its start timestamps too.
  TestFile f = Parse(R"(
load 1m
  a@st -1m _
  a 1 2
  a 3 4
)");
  const auto& load = std::get<LoadCommand>(f.commands[0]);
  ASSERT_EQ(load.start_offsets.size(), 1u);
  EXPECT_TRUE(load.start_offsets[0].empty());

  auto error = [](std::string_view text) {
    auto r = ParseTestFile(text, FakeSeriesParser);
    return r.ok() ? std::string() : std::string(FromAbsl(r.status().message()));
  };
  EXPECT_THAT(error("load 1m\n  a@st -1m\n  b 1\n"),
              HasSubstr("line 2: @st metric does not match"));
  EXPECT_THAT(error("load 1m\n  a@st -1m\n  a 1 2\n"),
              HasSubstr("@st line has 1 values but sample line has 2"));
  EXPECT_THAT(error("load 1m\n  a@st -1m\n  a@st -1m\n  a 1\n"),
              HasSubstr("line 2: @st line has no following sample line"));
  EXPECT_THAT(error("load 1m\n  a 1\n  a@st -1m\n"),
              HasSubstr("line 3: @st line has no following sample line"));
  EXPECT_THAT(error("load 1m\n  a@st 5x\n  a 1\n"),
              HasSubstr("invalid @st line"));
}

TEST(TestFileParserTest, RangeEvalAndExpectLines) {
  TestFile f = Parse(R"(
eval range from 0 to 10m step 5m rate(x[5m])
  expect warn msg: PromQL warning: something (1:1)
  expect info regex: metric .* counter
  expect no_warn
  x{a="1"} 1 _ 3
)");
  const EvalCommand& ev = EvalAt(f, 0);
  EXPECT_TRUE(ev.is_range);
  EXPECT_EQ(ev.start_ms, 0);
  EXPECT_EQ(ev.end_ms, 600000);
  EXPECT_EQ(ev.step_ms, 300000);
  // warn and no_warn together are invalid, as upstream.
  EXPECT_THAT(ev.error, HasSubstr("warn and no_warn cannot be used together"));
  ASSERT_EQ(ev.Expects(ExpectKind::kWarn).size(), 1u);
  EXPECT_TRUE(ev.Expects(ExpectKind::kWarn)[0].Matches(
      "PromQL warning: something (1:1)"));
  EXPECT_FALSE(
      ev.Expects(ExpectKind::kWarn)[0].Matches("PromQL warning: something"));
  ASSERT_EQ(ev.Expects(ExpectKind::kInfo).size(), 1u);
  EXPECT_TRUE(ev.Expects(ExpectKind::kInfo)[0].Matches(
      "PromQL info: metric might not be a counter"));
  ASSERT_EQ(ev.expected.size(), 1u);
  EXPECT_THAT(ev.expected.begin()->second.values,
              ElementsAre(Optional(1.0), std::nullopt, Optional(3.0)));
}

TEST(TestFileParserTest, OrderedPositionsSkipExpectLines) {
  TestFile f = Parse(R"(
eval instant at 0 sort(x)
  expect ordered
  x{a="2"} 1
  expect no_info
  x{a="1"} 2

eval_ordered instant at 0 sort(x)
  x{a="2"} 1
)");
  const EvalCommand& ev = EvalAt(f, 0);
  EXPECT_TRUE(ev.IsOrdered());
  EXPECT_EQ(ev.expected.at(L({"__name__", "x", "a", "2"})).pos, 1);
  EXPECT_EQ(ev.expected.at(L({"__name__", "x", "a", "1"})).pos, 2);
  EXPECT_TRUE(EvalAt(f, 1).ordered);
}

TEST(TestFileParserTest, ScalarsStringsAndRangeVectors) {
  TestFile f = Parse(R"(
eval instant at 0 1 + 0x10
  17

eval instant at 0 "a"
  expect string "a\tb"

eval instant at 0 `x`
  expect string `raw\n`

eval instant at 1m x[1m]
  expect range vector from 0 to 1m step 30s
  x 1 2 3
)");
  EXPECT_TRUE(EvalAt(f, 0).expect_scalar);
  EXPECT_EQ(EvalAt(f, 0).expected_scalar, 17);
  EXPECT_EQ(EvalAt(f, 1).expected_string, "a\tb");
  EXPECT_TRUE(EvalAt(f, 1).exclude_from_range_query);
  EXPECT_EQ(EvalAt(f, 2).expected_string, "raw\\n");
  const EvalCommand& rv = EvalAt(f, 3);
  EXPECT_TRUE(rv.error.empty()) << rv.error;
  EXPECT_EQ(rv.start_ms, 0);
  EXPECT_EQ(rv.end_ms, 60000);
  EXPECT_EQ(rv.step_ms, 30000);
  EXPECT_EQ(rv.eval_ms, 60000);
  EXPECT_TRUE(rv.exclude_from_range_query);
}

TEST(TestFileParserTest, FailForms) {
  TestFile f = Parse(R"(
eval instant at 0 foo
  expect fail msg: bad thing

eval_fail instant at 0 foo
  expected_fail_message bad thing

eval_fail instant at 0 foo
  expected_fail_regexp bad.*

eval instant at 0 foo
  expect fail
  expect fail
)");
  EXPECT_TRUE(EvalAt(f, 0).IsFail());
  EXPECT_EQ(EvalAt(f, 0).Expects(ExpectKind::kFail)[0].message, "bad thing");
  EXPECT_TRUE(EvalAt(f, 1).fail);
  EXPECT_EQ(EvalAt(f, 1).expected_fail_message, "bad thing");
  EXPECT_NE(EvalAt(f, 2).expected_fail_regexp, nullptr);
  EXPECT_THAT(EvalAt(f, 3).error, HasSubstr("multiple expect fail lines"));
}

TEST(TestFileParserTest, MalformedInput) {
  auto bad_command = ParseTestFile("lod 5m\n", FakeSeriesParser);
  EXPECT_FALSE(bad_command.ok());
  EXPECT_THAT(bad_command.status().message(), HasSubstr("line 1"));
  EXPECT_FALSE(ParseTestFile("load xyz\n  a 1\n", FakeSeriesParser).ok());
  EXPECT_FALSE(ParseTestFile("eval foo\n", FakeSeriesParser).ok());

  TestFile f = Parse(R"(
eval instant at 0 x
  x 1 2

eval instant at 0 x
  expect bogus

eval instant at 0 x
  {{schema:0}}
)");
  EXPECT_THAT(EvalAt(f, 0).error, HasSubstr("multiple values"));
  EXPECT_THAT(EvalAt(f, 1).error, HasSubstr("invalid expect statement"));
  EXPECT_EQ(EvalAt(f, 2).unsupported_reason, kReasonHistogramExpected);
}

TEST(TestFileParserTest, CommentEndsABlock) {
  // upstream blanks comment lines, so a comment inside a block ends it.
  auto f =
      ParseTestFile("eval instant at 0 x\n# note\n  x 1\n", FakeSeriesParser);
  EXPECT_FALSE(f.ok());  // `x 1` is then a command, and not a valid one
}

EvalCommand InstantEval() {
  EvalCommand ev;
  ev.line = 1;
  ev.expr = "x";
  return ev;
}

promql::Vector Vec(std::vector<std::pair<Labels, double>> samples) {
  promql::Vector v;
  for (auto& [l, x] : samples) v.push_back({l, 0, x});
  return v;
}

TEST(CompareResultTest, VectorsAreSetsUnlessOrdered) {
  EvalCommand ev = InstantEval();
  Labels a = L({"a", "1"}), b = L({"a", "2"});
  ev.expected[a] = {a, {1.0}, 1};
  ev.expected[b] = {b, {2.0}, 2};
  EXPECT_TRUE(CompareResult(ev, Vec({{b, 2}, {a, 1}})).ok());
  EXPECT_TRUE(CompareResult(ev, Vec({{a, 1.0000001}, {b, 2}})).ok());
  EXPECT_FALSE(CompareResult(ev, Vec({{a, 1.001}, {b, 2}})).ok());
  EXPECT_FALSE(CompareResult(ev, Vec({{a, 1}})).ok());
  EXPECT_FALSE(
      CompareResult(ev, Vec({{a, 1}, {b, 2}, {L({"a", "3"}), 3}})).ok());
  ev.ordered = true;
  EXPECT_TRUE(CompareResult(ev, Vec({{a, 1}, {b, 2}})).ok());
  auto s = CompareResult(ev, Vec({{b, 2}, {a, 1}}));
  EXPECT_THAT(s.message(), HasSubstr("at position 2 but was at 1"));
}

TEST(CompareResultTest, SpecialValues) {
  EvalCommand ev = InstantEval();
  Labels a = L({"a", "1"});
  ev.expected[a] = {a, {std::numeric_limits<double>::quiet_NaN()}, 1};
  EXPECT_TRUE(CompareResult(ev, Vec({{a, std::nan("")}})).ok());
  EXPECT_FALSE(CompareResult(ev, Vec({{a, StaleNaN()}})).ok());
  ev.expected[a].values = {StaleNaN()};
  EXPECT_TRUE(CompareResult(ev, Vec({{a, StaleNaN()}})).ok());
  EXPECT_FALSE(CompareResult(ev, Vec({{a, std::nan("")}})).ok());
  EXPECT_TRUE(AlmostEqual(0, 0));
  EXPECT_FALSE(AlmostEqual(0, 1e-300));
  EXPECT_TRUE(AlmostEqual(INFINITY, INFINITY));
  EXPECT_FALSE(AlmostEqual(INFINITY, -INFINITY));
}

TEST(CompareResultTest, ScalarsAndStrings) {
  EvalCommand ev = InstantEval();
  ev.expect_scalar = true;
  ev.expected_scalar = 3;
  EXPECT_TRUE(CompareResult(ev, promql::Scalar{0, 3}).ok());
  EXPECT_FALSE(CompareResult(ev, promql::Scalar{0, 4}).ok());
  EXPECT_THAT(CompareResult(ev, Vec({})).message(),
              HasSubstr("expected scalar result"));
  EvalCommand sv = InstantEval();
  sv.expected_string = "hi";
  EXPECT_TRUE(CompareResult(sv, promql::StringResult{0, "hi"}).ok());
  EXPECT_FALSE(CompareResult(sv, promql::StringResult{0, "ho"}).ok());
  EXPECT_FALSE(CompareResult(sv, promql::Scalar{0, 1}).ok());
}

TEST(CompareResultTest, MatricesComparePointsAndOrder) {
  EvalCommand ev = InstantEval();
  ev.is_range = true;
  ev.start_ms = 0;
  ev.end_ms = 20;
  ev.step_ms = 10;
  Labels a = L({"a", "1"}), b = L({"a", "2"});
  ev.expected[a] = {a, {1.0, std::nullopt, 3.0}, 1};
  ev.expected[b] = {b, {5.0}, 2};
  promql::Matrix good = {{a, {{0, 1}, {20, 3}}}, {b, {{0, 5}}}};
  EXPECT_TRUE(CompareResult(ev, good).ok());
  promql::Matrix unsorted = {good[1], good[0]};
  EXPECT_THAT(CompareResult(ev, unsorted).message(), HasSubstr("not sorted"));
  promql::Matrix wrong_time = {{a, {{0, 1}, {10, 3}}}, {b, {{0, 5}}}};
  EXPECT_THAT(CompareResult(ev, wrong_time).message(),
              HasSubstr("to have timestamp 20"));
  promql::Matrix extra_point = {{a, {{0, 1}, {10, 2}, {20, 3}}}, {b, {{0, 5}}}};
  EXPECT_FALSE(CompareResult(ev, extra_point).ok());
  ev.ordered = true;
  EXPECT_THAT(CompareResult(ev, good).message(), HasSubstr("ordered"));
  // An instant eval has no range: expecting matrix points cannot pass.
  EvalCommand inst = InstantEval();
  inst.expected[a] = {a, {1.0}, 1};
  EXPECT_THAT(CompareResult(inst, promql::Matrix{{a, {{0, 1}}}}).message(),
              HasSubstr("cannot return this many points"));
}

TEST(CheckAnnotationsTest, FollowsUpstreamRules) {
  TestFile f = Parse(R"(
eval instant at 0 x
  x 1

eval instant at 0 x
  expect no_warn
  x 1

eval instant at 0 x
  expect warn msg: PromQL warning: w1
  x 1

eval_warn instant at 0 x
  x 1

eval instant at 0 x
  expect info
  x 1
)");
  const std::vector<std::string> none, w1 = {"PromQL warning: w1"},
                                       w2 = {"PromQL warning: w2"},
                                       i1 = {"PromQL info: i1"};
  // No expectation: annotations are not looked at.
  EXPECT_TRUE(CheckAnnotations(EvalAt(f, 0), "x", w1, i1).ok());
  EXPECT_FALSE(CheckAnnotations(EvalAt(f, 1), "x", w1, none).ok());
  EXPECT_TRUE(CheckAnnotations(EvalAt(f, 1), "x", none, i1).ok());
  EXPECT_TRUE(CheckAnnotations(EvalAt(f, 2), "x", w1, i1).ok());
  EXPECT_FALSE(CheckAnnotations(EvalAt(f, 2), "x", none, none).ok());
  std::vector<std::string> both = {"PromQL warning: w1", "PromQL warning: w2"};
  EXPECT_THAT(CheckAnnotations(EvalAt(f, 2), "x", both, none).message(),
              HasSubstr("unexpected warn annotation"));
  EXPECT_FALSE(CheckAnnotations(EvalAt(f, 3), "x", none, none).ok());
  EXPECT_TRUE(CheckAnnotations(EvalAt(f, 3), "x", w2, none).ok());
  EXPECT_TRUE(CheckAnnotations(EvalAt(f, 4), "x", w2, i1).ok());
  EXPECT_FALSE(CheckAnnotations(EvalAt(f, 4), "x", w2, none).ok());
}

TEST(CheckExpectedFailureTest, MessageAndPattern) {
  TestFile f = Parse(R"(
eval instant at 0 x
  expect fail msg: boom

eval instant at 0 x
  expect fail regex: bo+m

eval instant at 0 x
  expect fail

eval_fail instant at 0 x
  expected_fail_regexp ^b
)");
  EXPECT_TRUE(CheckExpectedFailure(EvalAt(f, 0), "boom").ok());
  EXPECT_FALSE(CheckExpectedFailure(EvalAt(f, 0), "boom!").ok());
  EXPECT_TRUE(CheckExpectedFailure(EvalAt(f, 1), "a booom b").ok());
  EXPECT_FALSE(CheckExpectedFailure(EvalAt(f, 1), "bm").ok());
  EXPECT_TRUE(CheckExpectedFailure(EvalAt(f, 2), "anything").ok());
  // Go's regexp decodes invalid UTF-8 as U+FFFD, which `.` matches.
  EXPECT_TRUE(CheckExpectedFailure(EvalAt(f, 2), "bad name: \xff").ok());
  EXPECT_TRUE(CheckExpectedFailure(EvalAt(f, 1), "\xff boom").ok());
  EXPECT_TRUE(CheckExpectedFailure(EvalAt(f, 3), "bad").ok());
  EXPECT_FALSE(CheckExpectedFailure(EvalAt(f, 3), "abad").ok());
}

TEST(GoLiteralsTest, Numbers) {
  EXPECT_THAT(ParseGoNumber("42"), Optional(42.0));
  EXPECT_THAT(ParseGoNumber("-0x1F"), Optional(-31.0));
  EXPECT_THAT(ParseGoNumber("010"), Optional(8.0));  // Go's octal
  EXPECT_THAT(ParseGoNumber("0b101"), Optional(5.0));
  EXPECT_THAT(ParseGoNumber("1_000"), Optional(1000.0));
  EXPECT_THAT(ParseGoNumber("1.5e3"), Optional(1500.0));
  EXPECT_THAT(ParseGoNumber(".5"), Optional(0.5));
  EXPECT_THAT(ParseGoNumber("0x1p-2"), Optional(0.25));
  EXPECT_THAT(ParseGoNumber("-Inf"), Optional(-INFINITY));
  EXPECT_THAT(ParseGoNumber("+infinity"), Optional(INFINITY));
  EXPECT_TRUE(std::isnan(ParseGoNumber("NaN").value_or(0)));
  EXPECT_FALSE(ParseGoNumber("-NaN").has_value());
  EXPECT_FALSE(ParseGoNumber("1_").has_value());
  EXPECT_FALSE(ParseGoNumber("1m").has_value());
  EXPECT_FALSE(ParseGoNumber("{} 1").has_value());
  EXPECT_FALSE(ParseGoNumber("x").has_value());
  EXPECT_FALSE(ParseGoNumber("1e400").has_value());
}

TEST(GoLiteralsTest, UnquoteAndFormat) {
  EXPECT_THAT(GoUnquote("\"a\\x41\\u00e9\\101\""),
              Optional(std::string("aA\xc3\xa9"
                                   "A")));
  EXPECT_THAT(GoUnquote("`a\\b`"), Optional(std::string("a\\b")));
  EXPECT_THAT(GoUnquote("'x'"), Optional(std::string("x")));
  EXPECT_FALSE(GoUnquote("'xy'").has_value());
  EXPECT_FALSE(GoUnquote("\"a").has_value());
  EXPECT_FALSE(GoUnquote("\"a\"b\"").has_value());
  EXPECT_FALSE(GoUnquote("\"\\q\"").has_value());
  EXPECT_EQ(FormatGoFloat(1), "1");
  EXPECT_EQ(FormatGoFloat(0.25), "0.25");
  EXPECT_EQ(FormatGoFloat(1e21), "1e+21");
  EXPECT_EQ(FormatGoFloat(1e-5), "1e-05");
  EXPECT_EQ(FormatGoFloat(-INFINITY), "-Inf");
  EXPECT_EQ(FormatGoFloat(std::nan("")), "NaN");
}

}  // namespace
}  // namespace vigil::promqltest
