// Native histograms in the Head: the histogram chunk's encoding, appends
// with the float rules (out of order, duplicates, staleness, rollback,
// retention), chunk cuts and their counter reset hints, series switching
// between floats and histograms, and the write-ahead log and snapshot
// carrying them across a restart.
#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/tsdb/histogram_chunk.h"
#include "lib/tsdb/wal.h"
#include "lib/tsdb/wal_records.h"
#include "tests/support/temp_dir.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A schema-3 counter histogram at scrape `i`: `buckets` populated buckets
// from index `first`, each growing at its own pace.
FloatHistogram Exponential(int i, int buckets = 20, int32_t first = -5) {
  FloatHistogram h;
  h.schema = 3;
  h.zero_threshold = 1e-128;
  h.zero_count = 2.0 * i;
  h.positive_spans = {{first, static_cast<uint32_t>(buckets)}};
  h.negative_spans = {{0, 2}};
  double count = h.zero_count;
  for (int b = 0; b < buckets; ++b) {
    h.positive_buckets.push_back(static_cast<double>(i * (b % 7 + 1)));
    count += h.positive_buckets.back();
  }
  h.negative_buckets = {static_cast<double>(i), 3.0 * i};
  count += 4.0 * i;
  h.count = count;
  h.sum = 0.37 * i * buckets;
  return h;
}

// A custom-bucket (NHCB) histogram: bounds 0.1 .. 10 and +Inf.
FloatHistogram Custom(int i) {
  FloatHistogram h;
  h.schema = kCustomBucketsSchema;
  h.custom_values = {0.1, 0.5, 1, 2.5, 5, 10};
  h.positive_spans = {{0, 7}};
  double count = 0;
  for (int b = 0; b < 7; ++b) {
    h.positive_buckets.push_back(static_cast<double>(i * (b + 1)));
    count += h.positive_buckets.back();
  }
  h.count = count;
  h.sum = 1.25 * i;
  return h;
}

Labels L(const std::string& name) {
  return Labels::FromStrings({"__name__", name});
}

// One read-back sample: a float, or a histogram.
struct Point {
  int64_t t;
  double v;
  HistogramPtr h;
};

std::vector<Point> Read(Storage& storage, const std::string& name,
                        int64_t mint = 0, int64_t maxt = INT64_MAX) {
  std::vector<Point> out;
  auto q = storage.OpenQuerier(mint, maxt);
  EXPECT_TRUE(q.ok());
  auto m = Matcher::Create(MatchType::kEqual, "__name__", name);
  auto set = (*q)->Select({mint, maxt}, {*m});
  EXPECT_TRUE(set.ok());
  if (set->empty()) return out;
  auto it = (*set)[0]->Iterator();
  while (it->Next()) {
    out.push_back({it->At().t, it->At().v, it->AtHistogram()});
  }
  return out;
}

void ExpectSame(const FloatHistogram& got, const FloatHistogram& want) {
  EXPECT_TRUE(got.Equals(want))
      << got.TestExpression() << " vs " << want.TestExpression();
}

TEST(HistogramChunkTest, SamplesRoundTripAndAResumedChunkContinuesIt) {
  for (const int variant : {0, 1, 2, 3}) {
    const bool custom = (variant & 1) != 0;
    const FloatHistogram first = custom ? Custom(1) : Exponential(1);
    HistogramChunkLayout layout;
    layout.integer = (variant & 2) != 0;
    layout.schema = first.schema;
    layout.zero_threshold = first.zero_threshold;
    layout.positive_spans = first.positive_spans;
    layout.negative_spans = first.negative_spans;
    layout.custom_values = first.custom_values;
    HistogramEncoder straight(layout);
    std::vector<FloatHistogram> written;
    for (int i = 1; i <= 40; ++i) {
      FloatHistogram h = custom ? Custom(i) : Exponential(i);
      if (i == 17) h.sum = StaleNaN();
      straight.Append(i * 15000 + (i % 3), h);
      written.push_back(h);
      if (i == 25) {
        // Resume from the bytes so far, then write the rest on both.
        HistogramEncoder resumed{HistogramChunkLayout{}};
        ASSERT_TRUE(resumed.Resume(straight.bytes().data(),
                                   straight.bytes().size(), 25));
        for (int j = 26; j <= 40; ++j) {
          resumed.Append(j * 15000 + (j % 3),
                         custom ? Custom(j) : Exponential(j));
        }
        HistogramEncoder rest = straight;
        for (int j = 26; j <= 40; ++j) {
          rest.Append(j * 15000 + (j % 3), custom ? Custom(j) : Exponential(j));
        }
        EXPECT_EQ(resumed.bytes(), rest.bytes());
      }
    }
    HistogramDecoder d(straight.bytes().data(), straight.bytes().size(), 40);
    for (int i = 1; i <= 40; ++i) {
      ASSERT_TRUE(d.Next()) << i;
      EXPECT_EQ(d.t(), i * 15000 + (i % 3));
      const FloatHistogram got = d.At();
      if (i == 17) {
        EXPECT_TRUE(IsStaleNaN(got.sum));
        EXPECT_TRUE(got.positive_buckets.empty());
        continue;
      }
      ExpectSame(got, written[static_cast<size_t>(i - 1)]);
      EXPECT_EQ(got.counter_reset_hint,
                i == 1 ? CounterResetHint::kUnknown
                       : CounterResetHint::kNotCounterReset);
    }
    EXPECT_FALSE(d.Next());
    EXPECT_FALSE(d.corrupt());
    // Every cut of the bytes decodes to an error or fewer samples, never a
    // crash.
    for (size_t n = 0; n < straight.bytes().size(); n += 7) {
      HistogramDecoder cut(straight.bytes().data(), n, 40);
      int got = 0;
      while (cut.Next()) ++got;
      EXPECT_LT(got, 40);
      EXPECT_TRUE(cut.corrupt());
    }
  }
}

TEST(HeadHistogramTest, AppendedHistogramsReadBackAsCommitted) {
  Head head;
  auto app = head.NewAppender();
  for (int i = 1; i <= 300; ++i) {
    ASSERT_TRUE(
        app->AppendHistogram(0, L("h"), i * 15000, Exponential(i)).ok());
    ASSERT_TRUE(app->AppendHistogram(0, L("c"), i * 15000, Custom(i)).ok());
  }
  // Not visible before the commit.
  EXPECT_TRUE(Read(head, "h").empty());
  ASSERT_TRUE(app->Commit().ok());
  for (const char* name : {"h", "c"}) {
    const std::vector<Point> got = Read(head, name);
    ASSERT_EQ(got.size(), 300u);
    for (int i = 1; i <= 300; ++i) {
      const Point& p = got[static_cast<size_t>(i - 1)];
      EXPECT_EQ(p.t, i * 15000);
      ASSERT_NE(p.h, nullptr);
      ExpectSame(*p.h, name[0] == 'h' ? Exponential(i) : Custom(i));
    }
  }
  const HeadStats stats = head.Stats();
  EXPECT_EQ(stats.samples_appended, 600u);
  // Cut by size: a kilobyte, or 120 samples.
  EXPECT_GE(stats.chunks, 6u);
  // Seeking lands on histograms too.
  auto q = head.OpenQuerier(0, INT64_MAX);
  auto set = (*q)->Select(
      {0, INT64_MAX}, {*Matcher::Create(MatchType::kEqual, "__name__", "h")});
  auto it = (*set)[0]->Iterator();
  ASSERT_TRUE(it->Seek(200 * 15000 - 1));
  EXPECT_EQ(it->At().t, 200 * 15000);
  ExpectSame(*it->AtHistogram(), Exponential(200));
}

// A batch holding floats and histograms of one series keeps it until the
// histograms (committed after the floats) are in, then lets GC have it.
TEST(HeadHistogramTest, MixedBatchReleasesItsSeries) {
  for (bool histogram_first : {false, true}) {
    SCOPED_TRACE(histogram_first ? "histogram first" : "float first");
    HeadOptions opts;
    opts.retention_ms = 1000;
    Head head(opts);
    auto app = head.NewAppender();
    if (histogram_first) {
      ASSERT_TRUE(app->AppendHistogram(0, L("m"), 10, Exponential(1)).ok());
      ASSERT_TRUE(app->Append(0, L("m"), 20, 1).ok());
      ASSERT_TRUE(app->Append(0, L("m"), 30, 2).ok());
    } else {
      ASSERT_TRUE(app->Append(0, L("m"), 10, 1).ok());
      ASSERT_TRUE(app->AppendHistogram(0, L("m"), 20, Exponential(1)).ok());
      ASSERT_TRUE(app->Append(0, L("m"), 30, 2).ok());
      ASSERT_TRUE(app->AppendHistogram(0, L("m"), 40, Exponential(2)).ok());
    }
    EXPECT_EQ(head.RunGc(100'000).series_removed, 0u);
    ASSERT_TRUE(app->Commit().ok());
    // The floats commit first, so a histogram buffered before a later
    // float is out of order by then.
    EXPECT_EQ(head.Stats().samples_appended, histogram_first ? 2u : 3u);
    EXPECT_EQ(head.RunGc(100'000).series_removed, 1u);
  }
}

TEST(HeadHistogramTest, OutOfOrderAndDuplicatesFollowTheFloatRules) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 2000, Exponential(2)).ok());
  // Against the batch.
  EXPECT_EQ(ClassifyAppendError(
                app->AppendHistogram(0, L("h"), 1000, Exponential(1)).status()),
            AppendError::kOutOfOrder);
  EXPECT_TRUE(app->AppendHistogram(0, L("h"), 2000, Exponential(2)).ok());
  const absl::Status dup =
      app->AppendHistogram(0, L("h"), 2000, Exponential(3)).status();
  EXPECT_EQ(ClassifyAppendError(dup), AppendError::kDuplicate);
  EXPECT_EQ(dup.message(), "duplicate sample for timestamp");
  ASSERT_TRUE(app->Commit().ok());
  // Against what is committed.
  EXPECT_EQ(ClassifyAppendError(
                app->AppendHistogram(0, L("h"), 1000, Exponential(1)).status()),
            AppendError::kOutOfOrder);
  EXPECT_EQ(ClassifyAppendError(
                app->AppendHistogram(0, L("h"), 2000, Exponential(9)).status()),
            AppendError::kDuplicate);
  EXPECT_TRUE(app->AppendHistogram(0, L("h"), 2000, Exponential(2)).ok());
  // A float at a histogram's time clashes, whatever its value.
  EXPECT_EQ(ClassifyAppendError(app->Append(L("h"), 2000, 0).status()),
            AppendError::kDuplicate);
  ASSERT_TRUE(app->Commit().ok());
  const HeadStats stats = head.Stats();
  EXPECT_EQ(stats.samples_appended, 1u);
  EXPECT_EQ(stats.out_of_order_rejected, 2u);
  EXPECT_EQ(stats.duplicates_rejected, 3u);
  EXPECT_EQ(stats.duplicates_ignored, 2u);
  EXPECT_EQ(ClassifyAppendError(
                app->AppendHistogram(0, L("h"), -1, Exponential(1)).status()),
            AppendError::kOutOfOrder);
  head.RunGc(kDefaultRetentionMs + 10000);
  EXPECT_EQ(ClassifyAppendError(
                app->AppendHistogram(0, L("h"), 5000, Exponential(5)).status()),
            AppendError::kOutOfBounds);
}

TEST(HeadHistogramTest, ACommitDropsHistogramsAnotherAppenderOvertook) {
  Head head;
  auto a = head.NewAppender();
  auto b = head.NewAppender();
  ASSERT_TRUE(a->AppendHistogram(0, L("h"), 1000, Exponential(1)).ok());
  ASSERT_TRUE(b->AppendHistogram(0, L("h"), 2000, Exponential(2)).ok());
  ASSERT_TRUE(b->Commit().ok());
  ASSERT_TRUE(a->Commit().ok());
  const std::vector<Point> got = Read(head, "h");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].t, 2000);
  EXPECT_EQ(head.Stats().out_of_order_rejected, 1u);
  // And a rolled back batch leaves nothing.
  ASSERT_TRUE(a->AppendHistogram(0, L("h"), 3000, Exponential(3)).ok());
  a->Rollback();
  ASSERT_TRUE(a->Commit().ok());
  EXPECT_EQ(Read(head, "h").size(), 1u);
}

TEST(HeadHistogramTest, ASeriesSwitchesBetweenFloatsAndHistograms) {
  Head head;
  auto app = head.NewAppender();
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(app->Append(L("x"), i, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  for (int i = 4; i <= 6; ++i) {
    ASSERT_TRUE(app->AppendHistogram(0, L("x"), i, Exponential(i)).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  for (int i = 7; i <= 8; ++i) ASSERT_TRUE(app->Append(L("x"), i, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  const std::vector<Point> got = Read(head, "x");
  ASSERT_EQ(got.size(), 8u);
  for (const Point& p : got) {
    const bool histogram = p.t >= 4 && p.t <= 6;
    EXPECT_EQ(p.h != nullptr, histogram) << p.t;
    if (!histogram) {
      EXPECT_EQ(p.v, static_cast<double>(p.t));
    }
  }
  EXPECT_EQ(head.Stats().chunks, 3u);  // one per switch
  // Read from the middle of the histograms, across the switch back.
  const std::vector<Point> tail = Read(head, "x", 5, 7);
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_NE(tail[0].h, nullptr);
  EXPECT_EQ(tail[2].h, nullptr);
}

TEST(HeadHistogramTest, AStalenessMarkerEndsAHistogramSeriesAsAHistogram) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 1000, Exponential(1)).ok());
  ASSERT_TRUE(app->Commit().ok());
  // A scrape that lost the series writes a float marker.
  ASSERT_TRUE(app->Append(L("h"), 2000, StaleNaN()).ok());
  ASSERT_TRUE(app->Commit().ok());
  FloatHistogram marker;
  marker.sum = StaleNaN();
  ASSERT_TRUE(app->AppendHistogram(0, L("g"), 1000, Custom(1)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("g"), 2000, marker).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("g"), 3000, Custom(7)).ok());
  ASSERT_TRUE(app->Commit().ok());
  const std::vector<Point> h = Read(head, "h");
  ASSERT_EQ(h.size(), 2u);
  ASSERT_NE(h[1].h, nullptr);
  EXPECT_TRUE(IsStaleNaN(h[1].h->sum));
  const std::vector<Point> g = Read(head, "g");
  ASSERT_EQ(g.size(), 3u);
  EXPECT_TRUE(IsStaleNaN(g[1].h->sum));
  ExpectSame(*g[2].h, Custom(7));
  // The histogram after a marker starts over: a new chunk, hint Unknown.
  EXPECT_EQ(g[2].h->counter_reset_hint, CounterResetHint::kUnknown);
}

// Buckets `first`..`first + n - 1` at scrape `i`, each worth i * (index + 2).
FloatHistogram Spread(int i, int32_t first, int n) {
  FloatHistogram h;
  h.schema = 0;
  h.positive_spans = {{first, static_cast<uint32_t>(n)}};
  for (int32_t idx = first; idx < first + n; ++idx) {
    h.positive_buckets.push_back(static_cast<double>(i * (idx + 2)));
    h.count += h.positive_buckets.back();
  }
  h.sum = h.count;
  return h;
}

TEST(HeadHistogramTest, ANewBucketRewritesTheOpenChunkOnWiderSpans) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 1000, Spread(1, 0, 3)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 2000, Spread(2, 0, 4)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 3000, Spread(3, -1, 5)).ok());
  // Empty buckets that a histogram leaves out are no reset.
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 4000, Spread(4, 1, 2)).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.Stats().chunks, 2u);  // the last is a reset: -1 and 0 fell
  const std::vector<Point> got = Read(head, "h");
  ASSERT_EQ(got.size(), 4u);
  // Each reads back on the union (buckets -1..3), zero where it had none.
  EXPECT_THAT(got[0].h->positive_buckets,
              ::testing::ElementsAre(0, 2, 3, 4, 0));
  EXPECT_THAT(got[1].h->positive_buckets,
              ::testing::ElementsAre(0, 4, 6, 8, 10));
  EXPECT_THAT(got[2].h->positive_buckets,
              ::testing::ElementsAre(3, 6, 9, 12, 15));
  // Without the empty buckets, each is what was appended.
  for (int i = 0; i < 3; ++i) {
    FloatHistogram compact = *got[static_cast<size_t>(i)].h;
    compact.Compact(0);
    ExpectSame(compact, Spread(i + 1, i == 2 ? -1 : 0,
                               i == 0   ? 3
                               : i == 1 ? 4
                                        : 5));
  }
  EXPECT_EQ(got[2].h->counter_reset_hint, CounterResetHint::kNotCounterReset);
  EXPECT_EQ(got[3].h->counter_reset_hint, CounterResetHint::kUnknown);
}

TEST(HeadHistogramTest, AHistogramMissingAnEmptyBucketJoinsTheChunk) {
  Head head;
  auto app = head.NewAppender();
  FloatHistogram first = Spread(1, 0, 3);
  first.positive_buckets[0] = 0;  // bucket 0 empty
  first.count -= 2;
  first.sum = first.count;
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 1000, first).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 2000, Spread(2, 1, 2)).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.Stats().chunks, 1u);
  const std::vector<Point> got = Read(head, "h");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_THAT(got[1].h->positive_buckets, ::testing::ElementsAre(0, 6, 8));
  EXPECT_EQ(got[1].h->counter_reset_hint, CounterResetHint::kNotCounterReset);
}

TEST(HeadHistogramTest, ResetsSchemaChangesAndGaugesCutChunksWithTheirHints) {
  Head head;
  auto app = head.NewAppender();
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 1000, Exponential(5)).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 2000, Exponential(6)).ok());
  // Detected reset: a new chunk whose first sample says Unknown.
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 3000, Exponential(1)).ok());
  // Explicit reset: said as it was.
  FloatHistogram explicit_reset = Exponential(2);
  explicit_reset.counter_reset_hint = CounterResetHint::kCounterReset;
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 4000, explicit_reset).ok());
  // Another schema.
  FloatHistogram coarser = Exponential(3);
  coarser.schema = 2;
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 5000, coarser).ok());
  FloatHistogram gauge = Exponential(1);
  gauge.counter_reset_hint = CounterResetHint::kGauge;
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 6000, gauge).ok());
  ASSERT_TRUE(app->AppendHistogram(0, L("h"), 7000, gauge).ok());
  ASSERT_TRUE(app->Commit().ok());
  const std::vector<Point> got = Read(head, "h");
  ASSERT_EQ(got.size(), 7u);
  using H = CounterResetHint;
  const std::vector<H> want = {
      H::kUnknown, H::kNotCounterReset, H::kUnknown, H::kCounterReset,
      H::kUnknown, H::kGauge,           H::kGauge};
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].h->counter_reset_hint, want[i]) << i;
  }
  EXPECT_EQ(head.Stats().chunks, 5u);
}

TEST(HeadHistogramTest, MalformedHistogramsAreRefusedWithWhatIsWrong) {
  Head head;
  auto app = head.NewAppender();
  FloatHistogram short_spans = Exponential(1);
  short_spans.positive_spans = {{0, 3}};
  absl::Status s = app->AppendHistogram(0, L("h"), 1, short_spans).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("spans cover 3 positive buckets, but it "
                                     "has 20"));
  FloatHistogram schema = Exponential(1);
  schema.schema = 9;
  EXPECT_THAT(app->AppendHistogram(0, L("h"), 1, schema).status().message(),
              HasSubstr("unknown schema 9"));
  FloatHistogram bounds = Custom(1);
  bounds.custom_values = {1, 0.5, 2, 3, 4, 5};
  EXPECT_THAT(app->AppendHistogram(0, L("h"), 1, bounds).status().message(),
              HasSubstr("not strictly increasing"));
  FloatHistogram past = Custom(1);
  past.positive_spans = {{0, 8}};
  past.positive_buckets.push_back(1);
  EXPECT_THAT(app->AppendHistogram(0, L("h"), 1, past).status().message(),
              HasSubstr("past its bounds"));
  FloatHistogram huge = Exponential(1, 1);
  huge.positive_spans = {{0, 1 << 20}};
  huge.positive_buckets.assign(1 << 20, 1.0);
  EXPECT_THAT(app->AppendHistogram(0, L("h"), 1, huge).status().message(),
              HasSubstr("more than the"));
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.Stats().samples_appended, 0u);
}

TEST(HeadHistogramTest, RetentionDropsHistogramChunksAndTheirSeries) {
  HeadOptions o;
  o.retention_ms = 3'600'000;
  Head head(o);
  auto app = head.NewAppender();
  for (int i = 1; i <= 500; ++i) {
    ASSERT_TRUE(
        app->AppendHistogram(0, L("h"), i * 15000, Exponential(i)).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  const uint64_t chunks = head.Stats().chunks;
  const Head::GcResult gc = head.RunGc(500 * 15000 + 1'800'000);
  EXPECT_GT(gc.chunks_removed, 0u);
  EXPECT_LT(head.Stats().chunks, chunks);
  const std::vector<Point> left = Read(head, "h");
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.back().t, 500 * 15000);
  head.RunGc(500 * 15000 + 3'600'000 * 5);
  EXPECT_TRUE(Read(head, "h").empty());
  EXPECT_EQ(head.Stats().series, 0u);
  EXPECT_EQ(head.Stats().chunk_bytes, 0u);
}

// --- The write-ahead log and snapshots.

using ::vigil::testing::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;

WalOptions Options(const std::string& dir, std::vector<std::string>* log) {
  WalOptions o;
  o.dir = dir;
  o.sync_interval_ms = 0;
  o.segment_bytes = 128 << 10;
  o.log = [log](std::string_view m) { log->emplace_back(m); };
  return o;
}

// Floats and histograms of several series, a marker and a type switch.
void FillMixed(Head& head, int from, int to) {
  for (int c = from; c < to; ++c) {
    auto app = head.NewAppender();
    const int64_t t = kNow - 3'600'000 + c * 15000;
    for (int s = 0; s < 10; ++s) {
      const Labels l =
          Labels::FromStrings({"__name__", "m", "s", std::to_string(s)});
      if (s % 3 == 0) {
        ASSERT_TRUE(app->Append(l, t, c * 1.5 + s).ok());
      } else if (s % 3 == 1) {
        ASSERT_TRUE(app->AppendHistogram(0, l, t, Exponential(c + 1)).ok());
      } else if (c == to - 1 && s == 5) {
        ASSERT_TRUE(app->Append(l, t, StaleNaN()).ok());
      } else if (s == 8 && c % 50 >= 25) {
        ASSERT_TRUE(app->Append(l, t, c).ok());  // switches to floats
      } else {
        ASSERT_TRUE(app->AppendHistogram(0, l, t, Custom(c + 1)).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

// Every sample of the Head as text: floats by bits, histograms by their
// test expression and hint.
std::vector<std::string> DumpAll(Head& head) {
  std::vector<std::string> out;
  auto q = head.OpenQuerier(0, INT64_MAX);
  auto set = (*q)->Select(
      {0, INT64_MAX},
      {*Matcher::Create(MatchType::kRegexMatch, "__name__", ".+")});
  for (const auto& s : *set) {
    auto it = s->Iterator();
    while (it->Next()) {
      const HistogramPtr h = it->AtHistogram();
      out.push_back(
          s->labels().ToString() + " " + std::to_string(it->At().t) + " " +
          (h ? h->TestExpression() + " hint " +
                   std::to_string(static_cast<int>(h->counter_reset_hint))
             : std::to_string(std::bit_cast<uint64_t>(it->At().v))));
    }
  }
  return out;
}

TEST(HeadHistogramWalTest, WhatWasCommittedSurvivesAProcessDeath) {
  // Killed without closing anything: the log as the kernel has it is
  // copied while the Head is open.
  TempDir dir, copy;
  std::vector<std::string> log;
  Head head;
  ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
  FillMixed(head, 0, 200);
  const std::vector<std::string> before = DumpAll(head);
  ASSERT_EQ(before.size(), 2000u);
  fs::copy(dir.path() + "/wal", copy.path() + "/wal");
  Head replayed;
  auto stats = replayed.OpenWal(Options(copy.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->samples, 2000u);
  EXPECT_EQ(stats->corruptions, 0u);
  EXPECT_EQ(DumpAll(replayed), before);
  EXPECT_TRUE(log.empty()) << log[0];
  // Appends continue where the log left off, with the same verdicts.
  auto app = replayed.NewAppender();
  const Labels l = Labels::FromStrings({"__name__", "m", "s", "1"});
  const int64_t last = kNow - 3'600'000 + 199 * 15000;
  EXPECT_TRUE(app->AppendHistogram(0, l, last, Exponential(200)).ok());
  EXPECT_EQ(ClassifyAppendError(
                app->AppendHistogram(0, l, last, Exponential(3)).status()),
            AppendError::kDuplicate);
  EXPECT_TRUE(app->AppendHistogram(0, l, last + 15000, Exponential(201)).ok());
  ASSERT_TRUE(app->Commit().ok());
}

TEST(HeadHistogramWalTest, ASnapshotCarriesHistogramChunksAndAppendsContinue) {
  TempDir dir;
  std::vector<std::string> log;
  std::vector<std::string> before;
  uint64_t chunks = 0;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    FillMixed(head, 0, 150);
    ASSERT_TRUE(head.SnapshotWal().ok());
    FillMixed(head, 150, 160);  // in the log after the snapshot
    before = DumpAll(head);
    chunks = head.Stats().chunks;
  }
  Head loaded;
  auto stats = loaded.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshot_samples, 1500u);
  EXPECT_EQ(stats->samples, 100u);
  EXPECT_EQ(stats->snapshots_discarded, 0u);
  EXPECT_EQ(DumpAll(loaded), before);
  // The open histogram chunks were reopened, not sealed and restarted.
  EXPECT_EQ(loaded.Stats().chunks, chunks);
  EXPECT_TRUE(log.empty()) << log[0];
}

TEST(HeadHistogramWalTest, AnUnreadableHistogramRecordIsSkippedAndReported) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    FillMixed(head, 0, 3);
  }
  // A record that passes the checksum but holds a histogram whose spans
  // disagree with its buckets (a bug's, or a newer writer's).
  FloatHistogram bad = Exponential(4);
  bad.positive_spans = {{0, 2}};
  wal::HistogramSampleEntry e;
  e.ref = 2;
  e.t = kNow;
  e.h = bad;
  std::string record;
  wal::EncodeHistogramSamples(&e, 1, &record);
  std::string segment_path;
  {
    auto w = wal::Writer::Open(dir.path() + "/wal");
    ASSERT_TRUE(w.ok()) << w.status();
    segment_path =
        dir.path() + "/wal/" + wal::SegmentName((*w)->segment_index());
    ASSERT_TRUE((*w)->Log({record}).ok());
  }
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->corruptions, 1u);
  EXPECT_EQ(stats->samples, 30u);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_THAT(log[0], HasSubstr("segment " + segment_path + ", record 1: "));
  EXPECT_THAT(log[0], HasSubstr("corrupt log record: histogram sample 0: "
                                "histogram spans cover 2 positive buckets, "
                                "but it has 20"));
}

TEST(WalHistogramRecordsTest, RoundTripAndDamageIsAnErrorNotACrash) {
  std::vector<wal::HistogramSampleEntry> in(3);
  in[0] = {5, kNow, Exponential(3)};
  in[1] = {9, kNow - 5, Custom(2)};
  in[2].ref = 5;
  in[2].t = kNow + 1;
  in[2].h.sum = StaleNaN();
  in[1].h.counter_reset_hint = CounterResetHint::kGauge;
  std::string record;
  wal::EncodeHistogramSamples(in.data(), in.size(), &record);
  wal::RecordType type;
  std::vector<wal::SeriesEntry> series;
  std::vector<wal::SampleEntry> samples;
  std::vector<wal::HistogramSampleEntry> out;
  ASSERT_TRUE(wal::DecodeRecord(record, &type, &series, &samples, &out).ok());
  EXPECT_EQ(type, wal::RecordType::kHistogramSamples);
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].t, in[i].t);
    EXPECT_EQ(out[i].h.counter_reset_hint, in[i].h.counter_reset_hint);
    if (i < 2) ExpectSame(out[i].h, in[i].h);
  }
  EXPECT_TRUE(IsStaleNaN(out[2].h.sum));
  // A reader that does not ask for histograms only learns the type.
  ASSERT_TRUE(wal::DecodeRecord(record, &type, &series, &samples).ok());
  EXPECT_EQ(type, wal::RecordType::kHistogramSamples);
  for (size_t n = 0; n + 1 < record.size(); ++n) {
    EXPECT_FALSE(
        wal::DecodeRecord(record.substr(0, n), &type, &series, &samples, &out)
            .ok())
        << n;
  }
  // A count that claims millions of buckets allocates nothing for them.
  std::string bomb = record.substr(0, 12);
  bomb.append("\xff\xff\xff\x7f", 4);
  EXPECT_FALSE(wal::DecodeRecord(bomb, &type, &series, &samples, &out).ok());
}

}  // namespace
}  // namespace vigil::tsdb
