#include "tests/support/memory_storage.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vigil::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Matcher M(MatchType type, std::string name, std::string value) {
  return *Matcher::Create(type, std::move(name), std::move(value));
}

std::vector<std::string> Names(
    const std::vector<std::shared_ptr<Series>>& series) {
  std::vector<std::string> out;
  for (const auto& s : series) out.push_back(s->labels().ToString());
  return out;
}

std::vector<Sample> Drain(const Series& s) {
  std::vector<Sample> out;
  auto it = s.Iterator();
  while (it->Next()) out.push_back(it->At());
  return out;
}

std::vector<int64_t> Times(const std::vector<Sample>& samples) {
  std::vector<int64_t> out;
  for (const Sample& s : samples) out.push_back(s.t);
  return out;
}

class MemoryStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int64_t t = 0; t <= 40; t += 10) {
      storage_.Add(Labels::FromStrings({"__name__", "up", "job", "b"}), t, 1);
      storage_.Add(Labels::FromStrings({"__name__", "up", "job", "a"}), t, 2);
      storage_.Add(Labels::FromStrings({"__name__", "up"}), t, 3);
      storage_.Add(
          Labels::FromStrings({"__name__", "down", "job", "a", "zone", "x"}), t,
          4);
    }
  }

  std::vector<std::string> Select(const Matchers& matchers, int64_t mint = 0,
                                  int64_t maxt = 100) {
    auto q = storage_.OpenQuerier(mint, maxt);
    EXPECT_TRUE(q.ok());
    auto series = (*q)->Select({mint, maxt}, matchers);
    EXPECT_TRUE(series.ok());
    return Names(*series);
  }

  MemoryStorage storage_;
};

TEST_F(MemoryStorageTest, SelectsByEveryMatcherTypeSortedByLabels) {
  EXPECT_THAT(Select({M(MatchType::kEqual, "__name__", "up")}),
              ElementsAre("up{}", "up{job=\"a\"}", "up{job=\"b\"}"));
  EXPECT_THAT(Select({M(MatchType::kEqual, "__name__", "up"),
                      M(MatchType::kNotEqual, "job", "a")}),
              ElementsAre("up{}", "up{job=\"b\"}"));
  EXPECT_THAT(Select({M(MatchType::kRegexMatch, "job", "a|b")}),
              ElementsAre("down{job=\"a\", zone=\"x\"}", "up{job=\"a\"}",
                          "up{job=\"b\"}"));
  EXPECT_THAT(Select({M(MatchType::kRegexNoMatch, "job", "a")}),
              ElementsAre("up{}", "up{job=\"b\"}"));
}

TEST_F(MemoryStorageTest, EmptyValueMatchesAbsentLabel) {
  EXPECT_THAT(Select({M(MatchType::kEqual, "__name__", "up"),
                      M(MatchType::kEqual, "job", "")}),
              ElementsAre("up{}"));
  EXPECT_THAT(Select({M(MatchType::kNotEqual, "job", "")}),
              ElementsAre("down{job=\"a\", zone=\"x\"}", "up{job=\"a\"}",
                          "up{job=\"b\"}"));
  // Regexes are anchored, and an absent label is "" for them too.
  EXPECT_THAT(Select({M(MatchType::kEqual, "__name__", "up"),
                      M(MatchType::kRegexMatch, "job", "a?")}),
              ElementsAre("up{}", "up{job=\"a\"}"));
}

TEST_F(MemoryStorageTest, EmptyMatcherListSelectsNothing) {
  EXPECT_THAT(Select({}), IsEmpty());
}

TEST_F(MemoryStorageTest, OnlySamplesInsideTheQuerierRange) {
  auto q = storage_.OpenQuerier(10, 30);
  ASSERT_TRUE(q.ok());
  auto series =
      (*q)->Select({0, 100}, {M(MatchType::kEqual, "__name__", "down")});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_THAT(Times(Drain(*(*series)[0])), ElementsAre(10, 20, 30));
  // A series without samples in range is not returned.
  EXPECT_THAT(Select({M(MatchType::kEqual, "__name__", "down")}, 41, 100),
              IsEmpty());
}

TEST_F(MemoryStorageTest, SeekPositionsAtFirstSampleAtOrAfter) {
  auto q = storage_.OpenQuerier(0, 30);
  ASSERT_TRUE(q.ok());
  auto series =
      (*q)->Select({0, 30}, {M(MatchType::kEqual, "__name__", "down")});
  ASSERT_TRUE(series.ok());
  auto it = (*series)[0]->Iterator();
  ASSERT_TRUE(it->Seek(15));
  EXPECT_EQ(it->At().t, 20);
  EXPECT_EQ(it->At().v, 4);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().t, 30);
  EXPECT_FALSE(it->Next());
  EXPECT_FALSE((*series)[0]->Iterator()->Seek(31));
}

TEST_F(MemoryStorageTest, AddKeepsSamplesSortedAndReplacesSameTimestamp) {
  MemoryStorage s;
  Labels l = Labels::FromStrings({"__name__", "x"});
  s.Add(l, 20, 2);
  s.Add(l, 0, 0);
  s.Add(l, 10, 1);
  s.Add(l, 10, 5);
  s.Add(l, 30, StaleNaN());
  auto q = s.OpenQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  auto series = (*q)->Select({0, 100}, {M(MatchType::kEqual, "__name__", "x")});
  ASSERT_TRUE(series.ok());
  std::vector<Sample> got = Drain(*(*series)[0]);
  EXPECT_THAT(Times(got), ElementsAre(0, 10, 20, 30));
  EXPECT_EQ(got[1].v, 5);
  EXPECT_TRUE(IsStaleNaN(got[3].v));
}

TEST_F(MemoryStorageTest, StartTimestampsOnlyForSeriesThatHaveThem) {
  MemoryStorage s;
  Labels with = Labels::FromStrings({"__name__", "with"});
  Labels without = Labels::FromStrings({"__name__", "without"});
  s.Add(with, 20, 2, 15);
  s.Add(with, 0, 0);      // before the first start timestamp: none
  s.Add(with, 10, 1, 5);  // inserted between
  s.Add(with, 20, 3);     // replaces the sample and drops its start time
  s.Add(without, 0, 1);
  auto q = s.OpenQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  auto series =
      (*q)->Select({0, 100}, {M(MatchType::kRegexMatch, "__name__", ".+")});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  auto it = (*series)[0]->Iterator();
  ASSERT_TRUE(it->HasStartTimestamps());
  std::vector<int64_t> st;
  while (it->Next()) st.push_back(it->AtST());
  EXPECT_THAT(st, ElementsAre(0, 5, 0));
  EXPECT_FALSE((*series)[1]->Iterator()->HasStartTimestamps());
}

TEST_F(MemoryStorageTest, QuerierIsASnapshot) {
  auto q = storage_.OpenQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  storage_.Add(
      Labels::FromStrings({"__name__", "down", "job", "a", "zone", "x"}), 50,
      9);
  storage_.Add(Labels::FromStrings({"__name__", "new"}), 0, 1);
  auto series =
      (*q)->Select({0, 100}, {M(MatchType::kRegexMatch, "__name__", ".+")});
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(series->size(), 4u);
  EXPECT_EQ(Drain(*(*series)[0]).size(), 5u);
  storage_.Clear();
  EXPECT_EQ(Drain(*(*series)[0]).size(), 5u);
  EXPECT_THAT(Select({M(MatchType::kRegexMatch, "__name__", ".+")}), IsEmpty());
  EXPECT_EQ(storage_.NumSeries(), 0u);
}

TEST_F(MemoryStorageTest, LabelNamesAndValues) {
  auto q = storage_.OpenQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  auto names = (*q)->LabelNames({});
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ElementsAre("__name__", "job", "zone"));
  auto up_names = (*q)->LabelNames({M(MatchType::kEqual, "__name__", "up")});
  ASSERT_TRUE(up_names.ok());
  EXPECT_THAT(*up_names, ElementsAre("__name__", "job"));
  auto jobs = (*q)->LabelValues("job", {});
  ASSERT_TRUE(jobs.ok());
  EXPECT_THAT(*jobs, ElementsAre("a", "b"));
  auto down_jobs =
      (*q)->LabelValues("job", {M(MatchType::kEqual, "__name__", "down")});
  ASSERT_TRUE(down_jobs.ok());
  EXPECT_THAT(*down_jobs, ElementsAre("a"));
}

}  // namespace
}  // namespace vigil::testing
