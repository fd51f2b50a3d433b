// Postings lists and the in-memory inverted index.
#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/tsdb/postings.h"

namespace vigil::tsdb {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

PostingsList RandomList(std::mt19937_64& rng, size_t n, uint64_t universe) {
  std::set<SeriesRef> s;
  while (s.size() < n) s.insert(1 + rng() % universe);
  return {s.begin(), s.end()};
}

TEST(PostingsOpsTest, SmallCases) {
  EXPECT_THAT(Intersect({1, 3, 5}, {2, 3, 4, 5}), ElementsAre(3, 5));
  EXPECT_THAT(Intersect({}, {1}), IsEmpty());
  EXPECT_THAT(Subtract({1, 2, 3}, {2}), ElementsAre(1, 3));
  EXPECT_THAT(Subtract({1, 2}, {}), ElementsAre(1, 2));
  PostingsList a{1, 4}, b{2, 4}, c{9};
  EXPECT_THAT(Merge({&a, &b, &c}), ElementsAre(1, 2, 4, 9));
  EXPECT_THAT(Merge({}), IsEmpty());
}

TEST(PostingsOpsTest, MatchStdSetAlgorithmsOnRandomLists) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    // Mix similar sizes (linear merge) and very different ones (galloping).
    const size_t na = rng() % 50;
    const size_t nb = round % 2 == 0 ? rng() % 50 : 1000 + rng() % 2000;
    const uint64_t universe = 5000;
    PostingsList a = RandomList(rng, na, universe);
    PostingsList b = RandomList(rng, nb, universe);
    PostingsList want;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                          std::back_inserter(want));
    EXPECT_EQ(Intersect(a, b), want);
    EXPECT_EQ(Intersect(b, a), want);
    want.clear();
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(want));
    EXPECT_EQ(Subtract(a, b), want);
    want.clear();
    std::set_union(a.begin(), a.end(), b.begin(), b.end(),
                   std::back_inserter(want));
    EXPECT_EQ(Merge({&a, &b}), want);
  }
}

TEST(MemPostingsTest, AddKeepsListsSortedAndDeleteDropsEmptyEntries) {
  MemPostings p;
  const Labels a = Labels::FromStrings({"__name__", "up", "job", "api"});
  const Labels b = Labels::FromStrings({"__name__", "up", "job", "db"});
  p.Add(2, b);
  p.Add(1, a);  // out of order, as two concurrent creations can be
  {
    MemPostings::Reader r(p);
    EXPECT_THAT(r.All(), ElementsAre(1, 2));
    ASSERT_NE(r.Get("__name__", "up"), nullptr);
    EXPECT_THAT(*r.Get("__name__", "up"), ElementsAre(1, 2));
    EXPECT_THAT(*r.Get("job", "db"), ElementsAre(2));
    EXPECT_EQ(r.Get("job", "nope"), nullptr);
    EXPECT_THAT(r.Names(), UnorderedElementsAre("__name__", "job"));
  }
  p.Delete({{2, b}});
  MemPostings::Reader r(p);
  EXPECT_THAT(r.All(), ElementsAre(1));
  EXPECT_EQ(r.Get("job", "db"), nullptr);
  ASSERT_NE(r.Values("job"), nullptr);
  EXPECT_EQ(r.Values("job")->size(), 1u);
}

TEST(MemPostingsTest, DeletingTheLastSeriesOfALabelRemovesTheName) {
  MemPostings p;
  const Labels a = Labels::FromStrings({"__name__", "x", "only", "here"});
  p.Add(1, a);
  p.Delete({{1, a}});
  MemPostings::Reader r(p);
  EXPECT_THAT(r.Names(), IsEmpty());
  EXPECT_THAT(r.All(), IsEmpty());
}

}  // namespace
}  // namespace vigil::tsdb
