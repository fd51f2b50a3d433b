// Selecting series by matchers: Prometheus's empty-value semantics, checked
// case by case and against a brute-force scan over random data.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Matcher M(MatchType type, std::string name, std::string value) {
  auto m = Matcher::Create(type, std::move(name), std::move(value));
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

std::vector<std::string> SelectStrings(Head& head, const Matchers& ms) {
  auto q = head.OpenQuerier(0, 1000);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select({0, 1000}, ms);
  EXPECT_TRUE(set.ok());
  std::vector<std::string> out;
  for (const auto& s : *set) out.push_back(s->labels().ToString());
  return out;
}

class MatcherSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (const Labels& l : {Labels::FromStrings({"__name__", "m", "a", "x"}),
                            Labels::FromStrings({"__name__", "m", "a", "y"}),
                            Labels::FromStrings({"__name__", "m"}),
                            Labels::FromStrings({"__name__", "m", "b", "x"})}) {
      ASSERT_TRUE(app->Append(l, 10, 1).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  Head head_;
};

TEST_F(MatcherSemanticsTest, EmptyMatcherListSelectsNothing) {
  EXPECT_THAT(SelectStrings(head_, {}), IsEmpty());
}

TEST_F(MatcherSemanticsTest, EqualEmptyMeansLabelAbsent) {
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kEqual, "a", "")}),
              ElementsAre("m{}", "m{b=\"x\"}"));
}

TEST_F(MatcherSemanticsTest, NotEqualEmptyMeansLabelPresent) {
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kNotEqual, "a", "")}),
              ElementsAre("m{a=\"x\"}", "m{a=\"y\"}"));
}

TEST_F(MatcherSemanticsTest, NotEqualValueIncludesSeriesWithoutTheLabel) {
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kEqual, "__name__", "m"),
                                    M(MatchType::kNotEqual, "a", "x")}),
              ElementsAre("m{}", "m{a=\"y\"}", "m{b=\"x\"}"));
}

TEST_F(MatcherSemanticsTest, RegexMatchingEmptyIncludesSeriesWithoutLabel) {
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexMatch, "a", "x|")}),
              ElementsAre("m{}", "m{a=\"x\"}", "m{b=\"x\"}"));
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexMatch, "a", ".*")}),
              ElementsAre("m{}", "m{a=\"x\"}", "m{a=\"y\"}", "m{b=\"x\"}"));
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexMatch, "a", ".+")}),
              ElementsAre("m{a=\"x\"}", "m{a=\"y\"}"));
}

TEST_F(MatcherSemanticsTest, RegexIsAnchoredAndLiteralSetsWork) {
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexMatch, "a", "x|y")}),
              ElementsAre("m{a=\"x\"}", "m{a=\"y\"}"));
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexMatch, "__name__", "")}),
              IsEmpty());
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexNoMatch, "a", "x|y")}),
              ElementsAre("m{}", "m{b=\"x\"}"));
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kRegexNoMatch, "a", "")}),
              ElementsAre("m{a=\"x\"}", "m{a=\"y\"}"));
}

TEST_F(MatcherSemanticsTest, UnknownLabelEqualityFindsNothing) {
  EXPECT_THAT(SelectStrings(head_, {M(MatchType::kEqual, "zzz", "1")}),
              IsEmpty());
}

// Random label sets and matchers: Select must agree with checking every
// matcher against every series.
TEST(MatcherPropertyTest, SelectAgreesWithBruteForce) {
  const std::vector<std::string> names = {"__name__", "a", "b", "c"};
  const std::vector<std::string> values = {"", "x", "y", "xy", "foo\nbar", "1"};
  const std::vector<std::string> patterns = {
      "",      "x",  "y",   ".*", ".+", "x|",      "x|y", "x.*",
      "(x|y)", "xy", "x+y", "1",  "",   "foo.bar", "f.*", "[xy]"};
  std::mt19937_64 rng(12345);
  Head head;
  std::vector<Labels> all;
  {
    auto app = head.NewAppender();
    for (int i = 0; i < 300; ++i) {
      std::vector<Label> ls;
      for (const std::string& n : names) {
        ls.push_back({n, values[rng() % values.size()]});
      }
      Labels l = Labels::FromVector(std::move(ls));
      if (l.empty() || std::find(all.begin(), all.end(), l) != all.end()) {
        continue;
      }
      auto ref = app->Append(l, 100, i);
      ASSERT_TRUE(ref.ok()) << ref.status();
      all.push_back(l);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  std::sort(all.begin(), all.end());
  auto q = head.OpenQuerier(0, 1000);
  ASSERT_TRUE(q.ok());
  const MatchType types[] = {MatchType::kEqual, MatchType::kNotEqual,
                             MatchType::kRegexMatch, MatchType::kRegexNoMatch};
  for (int round = 0; round < 2000; ++round) {
    Matchers ms;
    const int n = static_cast<int>(rng() % 4);  // 0..3; 0 selects nothing
    for (int i = 0; i < n; ++i) {
      const MatchType t = types[rng() % 4];
      const std::string& name = names[rng() % names.size()];
      const bool regex =
          t == MatchType::kRegexMatch || t == MatchType::kRegexNoMatch;
      const std::string& v = regex ? patterns[rng() % patterns.size()]
                                   : values[rng() % values.size()];
      ms.push_back(M(t, name, v));
    }
    std::vector<Labels> want;
    if (!ms.empty()) {
      for (const Labels& l : all) {
        if (std::all_of(ms.begin(), ms.end(), [&](const Matcher& m) {
              return m.Matches(l.Get(m.name()));
            })) {
          want.push_back(l);
        }
      }
    }
    auto got = (*q)->Select({0, 1000}, ms);
    ASSERT_TRUE(got.ok());
    std::vector<Labels> got_labels;
    for (const auto& s : *got) got_labels.push_back(s->labels());
    std::string desc;
    for (const Matcher& m : ms) desc += m.ToString() + " ";
    ASSERT_EQ(got_labels, want) << desc;

    // LabelValues and LabelNames restricted by the same matchers.
    if (!ms.empty()) {
      std::vector<std::string> want_values, want_names;
      for (const Labels& l : want) {
        if (l.Has("a")) want_values.emplace_back(l.Get("a"));
        for (const Label& lab : l) want_names.push_back(lab.name);
      }
      for (auto* v : {&want_values, &want_names}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
      }
      auto vals = (*q)->LabelValues("a", ms);
      ASSERT_TRUE(vals.ok());
      EXPECT_EQ(*vals, want_values) << desc;
      auto lnames = (*q)->LabelNames(ms);
      ASSERT_TRUE(lnames.ok());
      EXPECT_EQ(*lnames, want_names) << desc;
    }
  }
}

}  // namespace
}  // namespace vigil::tsdb

namespace vigil::tsdb {
namespace {

// Select() orders by Labels' own order whatever the labels hold: values
// that prefix one another, bytes above 0x7f, a NUL inside a value (which the
// querier's flat sort keys cannot order) and series sharing none, some or
// all of their first pairs.
void CheckSelectOrder(bool with_nul) {
  std::mt19937 rng(with_nul ? 7 : 11);
  const std::vector<std::string> values = {
      "a", "ab", "b", "\xc3\xa9", "a b", "z", std::string("a\0b", 3)};
  const size_t num_values = values.size() - (with_nul ? 0 : 1);
  auto pick = [&] { return values[rng() % num_values]; };
  Head head;
  auto app = head.NewAppender();
  std::vector<Labels> want;
  for (int i = 0; i < 300; ++i) {
    LabelsBuilder b;
    b.Set("__name__", i % 3 == 0 ? "m" : "metric");
    b.Set("job", "j");
    for (const char* name : {"a", "b", "c"}) {
      if (rng() % 3 != 0) b.Set(name, pick());
    }
    const Labels l = b.Build();
    if (std::find(want.begin(), want.end(), l) != want.end()) continue;
    ASSERT_TRUE(app->Append(l, 10, 1).ok());
    want.push_back(l);
  }
  ASSERT_TRUE(app->Commit().ok());
  std::sort(want.begin(), want.end());
  auto q = head.OpenQuerier(0, 1000);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select({0, 1000}, {M(MatchType::kEqual, "job", "j")});
  ASSERT_TRUE(set.ok());
  std::vector<Labels> got;
  for (const auto& s : *set) got.push_back(s->labels());
  EXPECT_EQ(got, want);
}

TEST(SelectOrderTest, SortedByLabels) { CheckSelectOrder(false); }
TEST(SelectOrderTest, SortedByLabelsWithNulInValues) { CheckSelectOrder(true); }

}  // namespace
}  // namespace vigil::tsdb
