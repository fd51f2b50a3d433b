#include "vigil/labels.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vigil {
namespace {

TEST(LabelsTest, SortsByNameDropsEmptyValuesLaterDuplicateWins) {
  Labels l{{"b", "2"}, {"a", "1"}, {"c", ""}, {"a", "3"}};
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].name, "a");
  EXPECT_EQ(l[0].value, "3");
  EXPECT_EQ(l[1].name, "b");
  EXPECT_FALSE(l.Has("c"));
}

TEST(LabelsTest, GetReturnsEmptyForAbsent) {
  auto l = Labels::FromStrings({"__name__", "up", "job", "api"});
  EXPECT_EQ(l.Get("job"), "api");
  EXPECT_EQ(l.Get("nope"), "");
  EXPECT_EQ(l.MetricName(), "up");
}

TEST(LabelsTest, ToStringMatchesPrometheus) {
  auto l = Labels::FromStrings({"__name__", "up", "job", "a\"b", "z", "\n"});
  EXPECT_EQ(l.ToString(), R"(up{job="a\"b", z="\n"})");
  EXPECT_EQ(Labels::FromStrings({"a", "1"}).ToString(), R"({a="1"})");
  EXPECT_EQ(
      Labels::FromStrings({"__name__", "my.metric", "a.b", "x"}).ToString(),
      R"({"my.metric", "a.b"="x"})");
  EXPECT_EQ(Labels().ToString(), "{}");
}

TEST(LabelsTest, EqualSetsHashEquallyDifferentSetsDoNot) {
  auto a = Labels::FromStrings({"a", "1", "b", "2"});
  auto b = Labels::FromStrings({"b", "2", "a", "1"});
  auto c = Labels::FromStrings({"a", "12"});
  auto d = Labels::FromStrings({"a", "1", "2", ""});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.Hash(), b.Hash());
  EXPECT_NE(a.Hash(), c.Hash());
  // The field separator keeps "a"="12" apart from "a1"="2".
  EXPECT_NE(Labels::FromStrings({"a1", "2"}).Hash(), c.Hash());
  EXPECT_NE(d.Hash(), c.Hash());
}

TEST(LabelsTest, HashForOnAndIgnoring) {
  auto x = Labels::FromStrings({"__name__", "m1", "pod", "p", "ns", "n"});
  auto y = Labels::FromStrings(
      {"__name__", "m2", "pod", "p", "ns", "n", "extra", "e"});
  std::vector<std::string> on = {"ns", "pod"};
  EXPECT_EQ(x.HashFor(on, true), y.HashFor(on, true));
  // ignoring(extra) also ignores the metric name.
  std::vector<std::string> ignoring = {"extra"};
  EXPECT_EQ(x.HashFor(ignoring, false), y.HashFor(ignoring, false));
  EXPECT_NE(x.HashFor({}, false), y.HashFor({}, false));
}

TEST(LabelsTest, OrderingIsLexicographicOverPairs) {
  auto a = Labels::FromStrings({"a", "1"});
  auto b = Labels::FromStrings({"a", "1", "b", "1"});
  auto c = Labels::FromStrings({"a", "2"});
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST(LabelsBuilderTest, SetDelKeep) {
  auto base = Labels::FromStrings({"a", "1", "b", "2", "c", "3"});
  LabelsBuilder b(base);
  b.Set("d", "4").Del("a").Set("b", "");
  EXPECT_EQ(b.Build(), Labels::FromStrings({"c", "3", "d", "4"}));
  b.Keep({"d"});
  EXPECT_EQ(b.Build(), Labels::FromStrings({"d", "4"}));
  EXPECT_EQ(b.Get("d"), "4");
}

TEST(LabelsBuilderTest, SetKeepsTheSetInOrderAndOutlivesItsArguments) {
  auto base = Labels::FromStrings({"b", "2", "d", "4"});
  LabelsBuilder b(base);
  {
    std::string name = "c", value = "a value longer than a short string";
    b.Set(name, value).Set("a", "1").Set("e", "5");
    name.assign(40, 'x');
    value.assign(40, 'y');
  }
  const Labels built = b.Build();
  ASSERT_EQ(built.size(), 5u);
  std::vector<std::string> names;
  for (const Label& l : built) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(built.Get("c"), "a value longer than a short string");
}

TEST(LabelsBuilderTest, UnchangedBuildsTheBaseAndCopiesAreIndependent) {
  auto base = Labels::FromStrings({"a", "1", "b", "2"});
  LabelsBuilder b(base);
  b.Set("a", "1");  // the same value, given again
  EXPECT_EQ(b.Build(), base);
  EXPECT_EQ(LabelsBuilder(base).Build(), base);
  LabelsBuilder c(b);
  b.Set("c", "3");
  c.Del("a");
  LabelsBuilder moved(std::move(b));
  EXPECT_EQ(moved.Build(), Labels::FromStrings({"a", "1", "b", "2", "c", "3"}));
  EXPECT_EQ(c.Build(), Labels::FromStrings({"b", "2"}));
  LabelsBuilder assigned;
  assigned = c;
  c.Set("b", "changed");
  EXPECT_EQ(assigned.Build(), Labels::FromStrings({"b", "2"}));
}

}  // namespace
}  // namespace vigil
