// The promqltest runner's execution side: the `@` variants upstream's
// harness derives from instant evals, and how evals end up passed, failed
// or unsupported.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/promqltest/at_modifier_variants.h"
#include "tests/promqltest/runner.h"
#include "tests/promqltest/test_file_parser.h"
#include "vigil/promql/series_description.h"

namespace vigil::promqltest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<int64_t> Times(const std::vector<InstantQuery>& qs) {
  std::vector<int64_t> out;
  for (const auto& q : qs) out.push_back(q.eval_ms);
  return out;
}

TEST(AtModifierVariantsTest, PinsSelectorsAtUpstreamTimes) {
  auto v = AtModifierVariants("foo + rate(bar[5m])", 120000);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 5u);
  EXPECT_EQ((*v)[0].expr, "foo @ 120.000 + rate(bar[5m] @ 120.000)");
  EXPECT_THAT(Times(*v), ElementsAre(-1200000, 0, 24000, 120000, 1200000));

  auto at_zero = AtModifierVariants("foo", 0);
  ASSERT_TRUE(at_zero.ok());
  EXPECT_THAT(Times(*at_zero), ElementsAre(-1000, 0, 1000));
}

TEST(AtModifierVariantsTest, KeepsExistingTimestampsAndPinsSubqueries) {
  auto v = AtModifierVariants(
      "foo @ 10 + sum_over_time(bar[5m:1m]) + baz @ start()", 60000);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_FALSE(v->empty());
  EXPECT_EQ((*v)[0].expr,
            "foo @ 10.000 + sum_over_time(bar[5m:1m] @ 60.000) + "
            "baz @ 60.000");
}

TEST(AtModifierVariantsTest, SkipsTimeDependentFunctions) {
  for (const char* q : {"time()", "timestamp(foo)", "hour(foo)",
                        "predict_linear(foo[5m], 60)", "start()", "end()"}) {
    auto v = AtModifierVariants(q, 60000);
    ASSERT_TRUE(v.ok()) << q;
    EXPECT_THAT(*v, IsEmpty()) << q;
  }
  // Below a pinned subquery upstream looks no further, calls included.
  auto v = AtModifierVariants("max_over_time(vector(time())[5m:1m])", 60000);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 5u);
}

TEST(AtModifierVariantsTest, RejectsUnparsableExpressions) {
  EXPECT_FALSE(AtModifierVariants("foo +", 0).ok());
}

FileReport RunText(std::string_view text) {
  auto file = ParseTestFile(text, [](std::string_view line) {
    return promql::ParseSeriesDescription(line);
  });
  EXPECT_TRUE(file.ok()) << file.status();
  promql::Engine engine(ReferenceEngineOptions());
  return file.ok() ? RunTestFile(*file, engine) : FileReport{};
}

TEST(RunTestFileTest, CountsEveryEvalOnce) {
  FileReport r = RunText(R"(
load 1m
  up{job="a"} 1 2 3
  hist{job="a"} {{schema:0 sum:1 count:1}}

eval instant at 1m up
  up{job="a"} 2

eval instant at 1m up
  up{job="a"} 5

eval instant at 1m {job="a"}
  up{job="a"} 2
  hist{job="a"} {{schema:0 sum:1 count:1}}

eval instant at 1m hist[1m] anchored
  hist{job="a"} {{schema:0 sum:1 count:1}}

eval instant at 1m up +
  {} 1

clear

eval instant at 1m {job="a"}
)");
  EXPECT_EQ(r.passed, 3);
  EXPECT_EQ(r.failed, 2);
  EXPECT_EQ(r.unsupported, 1);
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_EQ(r.results[0].line, 9);
  EXPECT_THAT(r.results[0].message, HasSubstr("expected 5"));
  // Anchored range selectors outside functions are not implemented yet.
  EXPECT_EQ(r.results[1].outcome, Outcome::kUnsupported);
  EXPECT_THAT(r.results[1].message, HasSubstr("not supported"));
  EXPECT_THAT(r.results[2].message, HasSubstr("does not parse"));
}

TEST(RunTestFileTest, RangeModeAndVariantsRun) {
  // A wrong value is caught by the plain query already; the @ variants and
  // the range-mode re-run must agree with a right one.
  FileReport r = RunText(R"(
load 1m
  x 0+1x10

eval instant at 5m x offset 1m
  x 4

eval range from 0 to 2m step 1m x
  x 0 1 2
)");
  EXPECT_EQ(r.failed, 0) << (r.results.empty() ? "" : r.results[0].message);
  EXPECT_EQ(r.passed, 2);
}

}  // namespace
}  // namespace vigil::promqltest
