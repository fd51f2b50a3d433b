// UnreadSeries (lib/replay/unread_series.h) gives the verdicts a Head gives
// for the same appends: random sequences of in-order, repeated, earlier
// and stale samples over a few series, appended by ref and by labels, one
// appender per round as the rules do; and it forgets ended series without
// breaking the refs handed out for them.
#include <gtest/gtest.h>

#include <random>

#include "lib/replay/unread_series.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

TEST(UnreadSeriesTest, VerdictsAreTheHeads) {
  std::mt19937 rng(20);
  const std::vector<Labels> series = {
      Labels::FromStrings({"__name__", "ALERTS", "alertname", "A"}),
      Labels::FromStrings({"__name__", "ALERTS", "alertname", "B"}),
      Labels::FromStrings({"__name__", "ALERTS_FOR_STATE", "alertname", "A"}),
  };
  UnreadSeries unread({"ALERTS", "ALERTS_FOR_STATE"});
  tsdb::Head head;
  std::vector<SeriesRef> unread_refs(series.size(), 0);
  std::vector<SeriesRef> head_refs(series.size(), 0);
  const double values[] = {0, 1, 2, StaleNaN()};
  int64_t t = 1000;
  size_t rejected = 0;
  for (int round = 0; round < 400; ++round) {
    auto app = head.NewAppender();
    for (int k = 0; k < 4; ++k) {
      const size_t s = rng() % series.size();
      const int64_t at = t - static_cast<int64_t>(rng() % 3) * 1000;
      const double v = values[rng() % 4];
      // Now and then by labels alone, as after a rule lost its ref.
      const bool by_ref = rng() % 5 != 0;
      ASSERT_TRUE(unread.Covers(series[s]));
      auto got = unread.Append(by_ref ? unread_refs[s] : 0, series[s], at, v);
      auto want = app->Append(by_ref ? head_refs[s] : 0, series[s], at, v);
      ASSERT_EQ(got.ok(), want.ok())
          << "round " << round << " series " << s << " t " << at;
      if (!want.ok()) {
        ++rejected;
        EXPECT_EQ(ClassifyAppendError(got.status()),
                  ClassifyAppendError(want.status()));
        continue;
      }
      EXPECT_TRUE(UnreadSeries::Owns(*got));
      unread_refs[s] = *got;
      head_refs[s] = *want;
    }
    ASSERT_TRUE(app->Commit().ok());
    t += 1000 * static_cast<int64_t>(rng() % 2);
  }
  EXPECT_GT(rejected, 0u);  // the sequence did test refusals
  EXPECT_EQ(unread.size(), series.size());
}

TEST(UnreadSeriesTest, ForgetsEndedSeriesOnly) {
  const Labels ended = Labels::FromStrings({"__name__", "ALERTS", "a", "1"});
  const Labels live = Labels::FromStrings({"__name__", "ALERTS", "a", "2"});
  UnreadSeries unread({"ALERTS"});
  EXPECT_FALSE(unread.Covers(Labels::FromStrings({"__name__", "up"})));
  auto e = unread.Append(0, ended, 1000, 1);
  auto l = unread.Append(0, live, 1000, 1);
  ASSERT_TRUE(e.ok() && l.ok());
  ASSERT_TRUE(unread.Append(*e, ended, 2000, StaleNaN()).ok());
  ASSERT_TRUE(unread.Append(*l, live, 2000, 1).ok());
  unread.Forget(1500);  // ended after it: kept
  EXPECT_EQ(unread.size(), 2u);
  unread.Forget(3000);
  EXPECT_EQ(unread.size(), 1u);
  // The old ref finds the series again by its labels, as a new one.
  auto again = unread.Append(*e, ended, 1000, 5);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *e);
  EXPECT_EQ(unread.size(), 2u);
  // The live one kept its last sample.
  EXPECT_FALSE(unread.Append(*l, live, 1000, 1).ok());
}

}  // namespace
}  // namespace vigil::replay
