#include "vigil/labels.h"

#include <gtest/gtest.h>

#include <compare>
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

TEST(LabelsWithoutFirstTest, IsTheSetWithoutItsFirstPairs) {
  const Labels full = Labels::FromStrings(
      {"__name__", "http_requests_total_with_a_long_name", "job", "api", "le",
       "0.5", "zone", "a-zone-name-past-sso"});
  const Labels view = full.WithoutFirst(1);
  const Labels built = Labels::FromStrings(
      {"job", "api", "le", "0.5", "zone", "a-zone-name-past-sso"});
  ASSERT_EQ(view.size(), 3u);
  EXPECT_FALSE(view.empty());
  EXPECT_EQ(view[0].name, "job");
  EXPECT_EQ(view[2].value, "a-zone-name-past-sso");
  EXPECT_EQ(std::vector<Label>(view.begin(), view.end()),
            std::vector<Label>(built.begin(), built.end()));
  EXPECT_EQ(view.MetricName(), "");
  EXPECT_EQ(view.Get("le"), "0.5");
  EXPECT_EQ(view, built);
  EXPECT_EQ(built, view);
  EXPECT_NE(view, full);
  EXPECT_EQ(view <=> built, std::strong_ordering::equal);
  EXPECT_EQ(view.ToString(), built.ToString());
  // The original is untouched.
  EXPECT_EQ(full.size(), 4u);
  EXPECT_EQ(full.MetricName(), "http_requests_total_with_a_long_name");
}

TEST(LabelsWithoutFirstTest, HashesAsTheSetBuiltDirectly) {
  // Hash() values feed scrape offsets and alert state: a view must hash as
  // the equal set built directly, whichever was hashed first.
  const Labels full = Labels::FromStrings(
      {"__name__", "m", "__type__", "counter", "a", "1", "b", "2"});
  const Labels one = full.WithoutFirst(1);
  const Labels two = full.WithoutFirst(2);
  const Labels built_one =
      Labels::FromStrings({"__type__", "counter", "a", "1", "b", "2"});
  const Labels built_two = Labels::FromStrings({"a", "1", "b", "2"});
  EXPECT_EQ(two.Hash(), built_two.Hash());
  EXPECT_EQ(one.Hash(), built_one.Hash());
  EXPECT_EQ(full.Hash(), Labels::FromStrings({"__name__", "m", "__type__",
                                              "counter", "a", "1", "b", "2"})
                             .Hash());
  // Again, from the kept values.
  EXPECT_EQ(two.Hash(), built_two.Hash());
  EXPECT_EQ(one.Hash(), built_one.Hash());
  EXPECT_NE(one.Hash(), two.Hash());
  EXPECT_EQ(two.HashFor({"a"}, true), built_two.HashFor({"a"}, true));
  EXPECT_EQ(one.HashFor({}, false), built_one.HashFor({}, false));
}

TEST(LabelsWithoutFirstTest, EdgesChainsAndCopies) {
  const Labels full =
      Labels::FromStrings({"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"});
  EXPECT_EQ(full.WithoutFirst(0), full);
  EXPECT_TRUE(full.WithoutFirst(5).empty());
  EXPECT_EQ(full.WithoutFirst(5).size(), 0u);
  EXPECT_EQ(full.WithoutFirst(5), Labels());
  EXPECT_TRUE(Labels().WithoutFirst(0).empty());
  // Chained views, and beyond kMaxSharedSkip (a copy): the same pairs.
  EXPECT_EQ(full.WithoutFirst(1).WithoutFirst(1),
            Labels::FromStrings({"c", "3", "d", "4", "e", "5"}));
  EXPECT_EQ(full.WithoutFirst(Labels::kMaxSharedSkip + 1),
            Labels::FromStrings({"e", "5"}));
  EXPECT_EQ(full.WithoutFirst(2).WithoutFirst(2),
            Labels::FromStrings({"e", "5"}));
  EXPECT_EQ(full.WithoutFirst(2).WithoutFirst(2).Hash(),
            Labels::FromStrings({"e", "5"}).Hash());
}

TEST(LabelsWithoutFirstTest, CopiesMovesAndBuilders) {
  const Labels full = Labels::FromStrings({"__name__", "m", "a", "1"});
  Labels view = full.WithoutFirst(1);
  const Labels copy = view;
  EXPECT_EQ(copy, Labels::FromStrings({"a", "1"}));
  Labels moved = std::move(view);
  EXPECT_EQ(moved, copy);
  // A moved-from set is empty, whatever it was a view of.
  EXPECT_TRUE(view.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(view.size(), 0u);
  EXPECT_EQ(view.begin(), view.end());
  view = copy;
  EXPECT_EQ(view, copy);
  // A builder over a view starts from the view's pairs only.
  EXPECT_EQ(LabelsBuilder(copy).Build(), copy);
  EXPECT_EQ(LabelsBuilder(copy).Set("b", "2").Build(),
            Labels::FromStrings({"a", "1", "b", "2"}));
  EXPECT_EQ(LabelsBuilder(copy).Get("__name__"), "");
}

}  // namespace
}  // namespace vigil
