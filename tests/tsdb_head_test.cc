// The Head: appends, rejections, chunks, iteration, snapshots, retention.
#include <bit>
#include <cmath>
#include <memory>
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

Matchers Name(const std::string& name) {
  return {M(MatchType::kEqual, "__name__", name)};
}

std::vector<Sample> Drain(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.Next()) out.push_back(it.At());
  return out;
}

// All samples of the single series named `name` in [mint, maxt].
std::vector<Sample> Read(Head& head, const std::string& name, int64_t mint,
                         int64_t maxt) {
  auto q = head.OpenQuerier(mint, maxt);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select({mint, maxt}, Name(name));
  EXPECT_TRUE(set.ok());
  if (set->empty()) return {};
  EXPECT_EQ(set->size(), 1u);
  auto it = (*set)[0]->Iterator();
  return Drain(*it);
}

std::vector<int64_t> Times(const std::vector<Sample>& s) {
  std::vector<int64_t> out;
  for (const Sample& x : s) out.push_back(x.t);
  return out;
}

const Labels kUp = Labels::FromStrings({"__name__", "up", "job", "api"});

TEST(HeadTest, AppendCommitAndReadBack) {
  Head head;
  auto app = head.NewAppender();
  auto ref = app->Append(kUp, 1000, 1);
  ASSERT_TRUE(ref.ok());
  EXPECT_NE(*ref, 0u);
  // The ref is stable and works without labels.
  auto again = app->Append(*ref, Labels(), 2000, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *ref);
  EXPECT_THAT(Read(head, "up", 0, 10000), IsEmpty()) << "not committed yet";
  ASSERT_TRUE(app->Commit().ok());
  const auto got = Read(head, "up", 0, 10000);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].t, 1000);
  EXPECT_EQ(got[0].v, 1);
  EXPECT_EQ(got[1].t, 2000);
  EXPECT_EQ(got[1].v, 0);
  // Same labels in a new appender give the same ref.
  auto app2 = head.NewAppender();
  auto ref2 = app2->Append(kUp, 3000, 1);
  ASSERT_TRUE(ref2.ok());
  EXPECT_EQ(*ref2, *ref);
  const HeadStats stats = head.Stats();
  EXPECT_EQ(stats.series, 1u);
  EXPECT_EQ(stats.samples_appended, 2u);
  EXPECT_EQ(stats.chunks, 1u);
  EXPECT_GT(stats.chunk_bytes, 0u);
}

TEST(HeadTest, RollbackDiscardsTheBatch) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(kUp, 1000, 1).ok());
  app->Rollback();
  EXPECT_THAT(Read(head, "up", 0, 10000), IsEmpty());
  // Destroying an appender rolls back too.
  { ASSERT_TRUE(head.NewAppender()->Append(kUp, 1000, 1).ok()); }
  EXPECT_THAT(Read(head, "up", 0, 10000), IsEmpty());
  EXPECT_EQ(head.Stats().samples_appended, 0u);
  // A rolled-back sample's time is free again.
  auto app2 = head.NewAppender();
  ASSERT_TRUE(app2->Append(kUp, 1000, 5).ok());
  ASSERT_TRUE(app2->Commit().ok());
  EXPECT_EQ(Read(head, "up", 0, 10000).size(), 1u);
}

TEST(HeadTest, EmptyLabelsWithoutRefIsInvalid) {
  Head head;
  auto app = head.NewAppender();
  auto r = app->Append(Labels(), 1, 1);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "empty labelset: invalid sample");
  EXPECT_EQ(ClassifyAppendError(r.status()), AppendError::kInvalid);
}

TEST(HeadTest, OutOfOrderAndDuplicatesAreRejectedAndCounted) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(kUp, 2000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());

  auto ooo = app->Append(kUp, 1000, 1);
  EXPECT_EQ(ooo.status().message(), "out of order sample");
  EXPECT_EQ(ClassifyAppendError(ooo.status()), AppendError::kOutOfOrder);

  auto dup = app->Append(kUp, 2000, 2.5);
  EXPECT_EQ(dup.status().message(),
            "duplicate sample for timestamp 2000; overrides not allowed: "
            "existing 1, new value 2.5");
  EXPECT_EQ(ClassifyAppendError(dup.status()), AppendError::kDuplicate);

  // The same value again is accepted and ignored, as Prometheus does.
  EXPECT_TRUE(app->Append(kUp, 2000, 1).ok());

  // Within one batch too, against the batch's own last sample.
  ASSERT_TRUE(app->Append(kUp, 5000, 1).ok());
  EXPECT_EQ(ClassifyAppendError(app->Append(kUp, 4000, 1).status()),
            AppendError::kOutOfOrder);
  EXPECT_EQ(ClassifyAppendError(app->Append(kUp, 5000, 7).status()),
            AppendError::kDuplicate);
  // Against the newest buffered sample, not the first.
  ASSERT_TRUE(app->Append(kUp, 6000, 1).ok());
  EXPECT_EQ(ClassifyAppendError(app->Append(kUp, 5500, 1).status()),
            AppendError::kOutOfOrder);
  ASSERT_TRUE(app->Commit().ok());

  EXPECT_THAT(Times(Read(head, "up", 0, 10000)), ElementsAre(2000, 5000, 6000));
  const HeadStats s = head.Stats();
  EXPECT_EQ(s.out_of_order_rejected, 3u);
  EXPECT_EQ(s.duplicates_rejected, 2u);
  EXPECT_EQ(s.duplicates_ignored, 1u);
  EXPECT_EQ(s.samples_appended, 3u);
}

TEST(HeadTest, ConflictBetweenTwoAppendersIsResolvedAtCommit) {
  Head head;
  auto a = head.NewAppender();
  auto b = head.NewAppender();
  ASSERT_TRUE(a->Append(kUp, 2000, 1).ok());
  ASSERT_TRUE(b->Append(kUp, 1000, 1).ok());
  ASSERT_TRUE(a->Commit().ok());
  ASSERT_TRUE(b->Commit().ok());  // its sample is now out of order: dropped
  EXPECT_THAT(Times(Read(head, "up", 0, 10000)), ElementsAre(2000));
  EXPECT_EQ(head.Stats().out_of_order_rejected, 1u);
}

// Each appender judges against its own newest buffered sample; another
// appender pinning the series in between only costs the in-batch check
// (Commit still drops what became out of order).
TEST(HeadTest, InterleavedAppendersAndReuseAfterCommit) {
  Head head;
  auto a = head.NewAppender();
  auto b = head.NewAppender();
  ASSERT_TRUE(a->Append(kUp, 1000, 1).ok());
  ASSERT_TRUE(a->Append(kUp, 3000, 1).ok());
  EXPECT_EQ(ClassifyAppendError(a->Append(kUp, 2000, 1).status()),
            AppendError::kOutOfOrder);
  ASSERT_TRUE(b->Append(kUp, 2500, 1).ok());  // b pins it now
  ASSERT_TRUE(a->Append(kUp, 4000, 1).ok());  // a again, after b
  EXPECT_EQ(ClassifyAppendError(a->Append(kUp, 3500, 1).status()),
            AppendError::kOutOfOrder);
  ASSERT_TRUE(a->Commit().ok());
  ASSERT_TRUE(b->Commit().ok());  // 2500 is behind 4000 now: dropped
  EXPECT_THAT(Times(Read(head, "up", 0, 10000)), ElementsAre(1000, 3000, 4000));
  // A committed appender starts clean: its old buffer slots are gone.
  ASSERT_TRUE(a->Append(kUp, 5000, 2).ok());
  EXPECT_EQ(ClassifyAppendError(a->Append(kUp, 4500, 1).status()),
            AppendError::kOutOfOrder);
  ASSERT_TRUE(a->Commit().ok());
  ASSERT_TRUE(a->Append(kUp, 6000, 3).ok());
  a->Rollback();
  ASSERT_TRUE(a->Append(kUp, 5500, 3).ok());  // 6000 was rolled back
  ASSERT_TRUE(a->Commit().ok());
  EXPECT_THAT(Times(Read(head, "up", 0, 10000)),
              ElementsAre(1000, 3000, 4000, 5000, 5500));
  EXPECT_EQ(head.Stats().out_of_order_rejected, 4u);
}

// A querier whose range ends before the open chunk gets no copy of it, and
// one opened before its samples were committed sees none of them.
TEST(HeadTest, SnapshotsLeaveOutAnOpenChunkTheyCannotSee) {
  Head head;
  auto app = head.NewAppender();
  for (int i = 0; i < 130; ++i) ASSERT_TRUE(app->Append(kUp, i, i).ok());
  ASSERT_TRUE(app->Commit().ok());  // a sealed chunk [0,119], open [120,129]
  auto before = head.OpenQuerier(0, 1000);
  ASSERT_TRUE(before.ok());
  for (int i = 130; i < 140; ++i) ASSERT_TRUE(app->Append(kUp, i, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(Read(head, "up", 0, 119).size(), 120u);
  EXPECT_EQ(Read(head, "up", 125, 1000).size(), 15u);
  auto set = (*before)->Select({}, Name("up"));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->size(), 1u);
  auto it = (*set)[0]->Iterator();
  EXPECT_EQ(Drain(*it).size(), 130u);
}

TEST(HeadTest, DuplicateMessageFormatsValuesLikeGo) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(kUp, 7, 1234567).ok());
  auto dup = app->Append(kUp, 7, 0.000025909);
  EXPECT_EQ(dup.status().message(),
            "duplicate sample for timestamp 7; overrides not allowed: "
            "existing 1.234567e+06, new value 2.5909e-05");
}

TEST(HeadTest, StaleMarkersAndSpecialValuesAreStoredBitExactly) {
  Head head;
  auto app = head.NewAppender();
  const double values[] = {1, StaleNaN(), std::nan(""), -0.0,
                           std::numeric_limits<double>::infinity()};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(app->Append(kUp, 1000 * (i + 1), values[i]).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  const auto got = Read(head, "up", 0, 10000);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(got[i].v),
              std::bit_cast<uint64_t>(values[i]));
  }
  EXPECT_TRUE(IsStaleNaN(got[1].v));
}

TEST(HeadTest, ChunksAreCutAt120SamplesAndAtTheChunkRange) {
  Head head;
  auto app = head.NewAppender();
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(app->Append(kUp, i * 1000, i).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.Stats().chunks, 3u);  // 120 + 120 + 10

  HeadOptions opts;
  opts.chunk_range_ms = 10'000;
  Head ranged(opts);
  auto app2 = ranged.NewAppender();
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(app2->Append(kUp, i * 1000, i).ok());
  }
  ASSERT_TRUE(app2->Commit().ok());
  EXPECT_EQ(ranged.Stats().chunks, 3u);  // [0,10s) [10s,20s) [20s,25s)
  EXPECT_EQ(Read(ranged, "up", 0, 100'000).size(), 25u);
}

TEST(HeadTest, IteratorsAreBoundedAndSeekSkipsChunks) {
  Head head;
  auto app = head.NewAppender();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(app->Append(kUp, i * 10, i).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(Read(head, "up", 0, 9990).size(), 1000u);
  const auto bounded = Read(head, "up", 1205, 2400);
  ASSERT_FALSE(bounded.empty());
  EXPECT_EQ(bounded.front().t, 1210);
  EXPECT_EQ(bounded.back().t, 2400);
  EXPECT_EQ(bounded.size(), 120u);

  auto q = head.OpenQuerier(100, 9000);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select({}, Name("up"));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->size(), 1u);
  auto it = (*set)[0]->Iterator();
  ASSERT_TRUE(it->Seek(0));  // clamps to the querier's mint
  EXPECT_EQ(it->At().t, 100);
  ASSERT_TRUE(it->Seek(5005));
  EXPECT_EQ(it->At().t, 5010);
  EXPECT_EQ(it->At().v, 501);
  ASSERT_TRUE(it->Seek(10));  // never backwards
  EXPECT_EQ(it->At().t, 5010);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().t, 5020);
  ASSERT_TRUE(it->Seek(9000));
  EXPECT_EQ(it->At().t, 9000);
  EXPECT_FALSE(it->Next());  // past maxt
  EXPECT_FALSE(it->Seek(9500));

  auto it2 = (*set)[0]->Iterator();
  EXPECT_FALSE(it2->Seek(9001));
}

TEST(HeadTest, SelectSkipsSeriesWithoutChunksInRangeAndSortsByLabels) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "m", "i", "2"}), 100, 1)
          .ok());
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "m", "i", "1"}), 100, 1)
          .ok());
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "m", "i", "3"}), 50000, 1)
          .ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = head.OpenQuerier(0, 1000);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select({}, Name("m"));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->size(), 2u);
  EXPECT_EQ((*set)[0]->labels().Get("i"), "1");
  EXPECT_EQ((*set)[1]->labels().Get("i"), "2");
}

TEST(HeadTest, QuerierIsASnapshot) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(kUp, 1000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());

  auto q = head.OpenQuerier(0, 1'000'000);
  ASSERT_TRUE(q.ok());
  // Enough appends to seal the chunk the snapshot saw half of, plus a new
  // series.
  for (int i = 2; i <= 300; ++i) {
    ASSERT_TRUE(app->Append(kUp, i * 1000, i).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  const Labels other = Labels::FromStrings({"__name__", "up", "job", "new"});
  ASSERT_TRUE(app->Append(other, 5000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());

  auto set = (*q)->Select({}, Name("up"));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->size(), 1u) << "the new series has no visible samples";
  auto it = (*set)[0]->Iterator();
  EXPECT_THAT(Times(Drain(*it)), ElementsAre(1000));

  // A querier opened now sees everything.
  auto now = head.OpenQuerier(0, 1'000'000);
  ASSERT_TRUE(now.ok());
  auto fresh = (*now)->Select({}, Name("up"));
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->size(), 2u);
  EXPECT_EQ(Drain(*(*fresh)[0]->Iterator()).size(), 300u);
}

TEST(HeadTest, SelectedSeriesStayValidAfterLaterAppendsAndGc) {
  HeadOptions opts;
  opts.retention_ms = 1000;
  Head head(opts);
  auto app = head.NewAppender();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(app->Append(kUp, i, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  std::vector<std::shared_ptr<Series>> set;
  {
    auto q = head.OpenQuerier(0, 1000);
    ASSERT_TRUE(q.ok());
    auto s = (*q)->Select({}, Name("up"));
    ASSERT_TRUE(s.ok());
    set = *s;
  }
  for (int i = 200; i < 500; ++i) ASSERT_TRUE(app->Append(kUp, i, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  head.RunGc(100'000);  // drops everything
  ASSERT_EQ(set.size(), 1u);
  auto it = set[0]->Iterator();
  EXPECT_EQ(Drain(*it).size(), 200u);
}

TEST(HeadTest, RetentionDropsOldChunksAndCollectsEmptySeries) {
  HeadOptions opts;
  opts.retention_ms = 100'000;
  Head head(opts);
  const Labels old_series =
      Labels::FromStrings({"__name__", "gone", "pod", "p1"});
  auto app = head.NewAppender();
  for (int i = 0; i < 240; ++i) {  // two full chunks: [0,119s] [120s,239s]
    ASSERT_TRUE(app->Append(kUp, i * 1000, i).ok());
  }
  ASSERT_TRUE(app->Append(old_series, 5000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.Stats().series, 2u);

  // Cutoff 120s: the first chunk of `up` (max 119s) and all of `gone` go.
  const Head::GcResult r = head.RunGc(220'000);
  EXPECT_EQ(r.chunks_removed, 2u);
  EXPECT_EQ(r.series_removed, 1u);
  const HeadStats s = head.Stats();
  EXPECT_EQ(s.series, 1u);
  EXPECT_EQ(s.chunks, 1u);
  EXPECT_EQ(s.chunks_removed, 2u);

  const auto left = Read(head, "up", 0, 1'000'000);
  ASSERT_EQ(left.size(), 120u);
  EXPECT_EQ(left.front().t, 120'000);

  // The collected series is gone from the index too.
  auto q = head.OpenQuerier(0, 1'000'000);
  ASSERT_TRUE(q.ok());
  auto names = (*q)->LabelValues("__name__", {});
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ElementsAre("up"));
  auto pods = (*q)->LabelNames({});
  ASSERT_TRUE(pods.ok());
  EXPECT_THAT(*pods, ElementsAre("__name__", "job"));

  // Appends below the cutoff are out of bounds now.
  auto oob = app->Append(old_series, 110'000, 1);
  EXPECT_EQ(oob.status().message(), "out of bounds");
  EXPECT_EQ(ClassifyAppendError(oob.status()), AppendError::kOutOfBounds);
  EXPECT_EQ(head.Stats().out_of_bounds_rejected, 1u);
  // A collected series can come back, with a new ref.
  ASSERT_TRUE(app->Append(old_series, 230'000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(Read(head, "gone", 0, 1'000'000).size(), 1u);
}

TEST(HeadTest, GcKeepsWhatAnOpenQuerierCovers) {
  HeadOptions opts;
  opts.retention_ms = 1000;
  Head head(opts);
  auto app = head.NewAppender();
  ASSERT_TRUE(app->Append(kUp, 10, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = head.OpenQuerier(0, 100);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(head.RunGc(1'000'000).chunks_removed, 0u);
  auto set = (*q)->Select({}, Name("up"));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->size(), 1u);
  q->reset();
  EXPECT_EQ(head.RunGc(1'000'000).series_removed, 1u);
}

TEST(HeadTest, RolledBackSeriesAreCollected) {
  Head head;
  {
    auto app = head.NewAppender();
    ASSERT_TRUE(app->Append(kUp, 10, 1).ok());
  }
  EXPECT_EQ(head.Stats().series, 1u);
  EXPECT_EQ(head.RunGc(0).series_removed, 1u);
  EXPECT_EQ(head.Stats().series, 0u);
}

TEST(HeadTest, PendingSeriesSurviveGc) {
  Head head;
  auto app = head.NewAppender();
  auto ref = app->Append(kUp, 10, 1);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(head.RunGc(0).series_removed, 0u);
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(Read(head, "up", 0, 100).size(), 1u);
}

// A series GC collected is not appended to by its old ref: by ref alone
// the append fails as an unknown ref does, with labels the series is
// created anew.
// Two appenders' batches interleave on one series, so the first holds
// two pins on it: the series outlives every batch still pending and goes
// once all are done, whether committed or rolled back.
TEST(HeadTest, PinsOfInterleavedAppendersAreAllReleased) {
  for (bool roll_back : {false, true}) {
    SCOPED_TRACE(roll_back ? "rolled back" : "committed");
    HeadOptions opts;
    opts.retention_ms = 1000;
    Head head(opts);
    auto a = head.NewAppender();
    auto b = head.NewAppender();
    auto ref = a->Append(kUp, 10, 1);
    ASSERT_TRUE(ref.ok());
    ASSERT_TRUE(b->Append(*ref, Labels(), 20, 2).ok());
    ASSERT_TRUE(a->Append(*ref, Labels(), 30, 3).ok());
    ASSERT_TRUE(a->Append(*ref, Labels(), 40, 4).ok());
    if (roll_back) {
      a->Rollback();
    } else {
      ASSERT_TRUE(a->Commit().ok());
    }
    // b's sample is pending: its series stays, however old its chunks.
    EXPECT_EQ(head.RunGc(100'000).series_removed, 0u);
    b->Rollback();
    EXPECT_EQ(head.RunGc(100'000).series_removed, 1u);
    EXPECT_EQ(head.Stats().series, 0u);
  }
}

TEST(HeadTest, AppendByRefAfterGcCollectedTheSeries) {
  HeadOptions opts;
  opts.retention_ms = 1000;
  Head head(opts);
  auto app = head.NewAppender();
  auto ref = app->Append(kUp, 10, 1);
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(app->Append(*ref, Labels(), 20, 2).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.RunGc(100'000).series_removed, 1u);

  EXPECT_FALSE(app->Append(*ref, Labels(), 200'000, 3).ok());
  auto again = app->Append(*ref, kUp, 210'000, 4);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *ref);
  ASSERT_TRUE(app->Commit().ok());
  const auto left = Read(head, "up", 0, 1'000'000);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].t, 210'000);
  EXPECT_EQ(head.Stats().series, 1u);
}

TEST(HeadTest, LabelValuesWithMatchers) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "a", "pod", "p2"}), 1, 1)
          .ok());
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "a", "pod", "p1"}), 1, 1)
          .ok());
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "b", "pod", "p3"}), 1, 1)
          .ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = head.OpenQuerier(0, 10);
  ASSERT_TRUE(q.ok());
  auto all = (*q)->LabelValues("pod", {});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, ElementsAre("p1", "p2", "p3"));
  auto some = (*q)->LabelValues("pod", Name("a"));
  ASSERT_TRUE(some.ok());
  EXPECT_THAT(*some, ElementsAre("p1", "p2"));
  auto none = (*q)->LabelValues("nope", {});
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

}  // namespace
}  // namespace vigil::tsdb
