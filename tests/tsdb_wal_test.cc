// The write-ahead log: the segment format (pages, fragments, checksums,
// segment cuts), damage found and cut (torn tails, flipped bits, newer
// versions), and a Head replayed from it — refs, values and staleness
// markers as committed, a held lock refused, a failing disk survived.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/tsdb/wal.h"
#include "lib/tsdb/wal_records.h"
#include "tests/support/temp_dir.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

namespace fs = std::filesystem;

using ::vigil::testing::TempDir;

std::string Record(size_t n, char fill) {
  std::string r(n, fill);
  if (n > 0) r[0] = static_cast<char>(n % 251);
  return r;
}

std::vector<std::string> ReadAll(const std::string& dir) {
  std::vector<std::string> out;
  auto segments = wal::ListSegments(dir);
  EXPECT_TRUE(segments.ok());
  for (const auto& seg : *segments) {
    auto c = wal::ReadSegment(seg.path);
    EXPECT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->damage, "") << seg.path;
    out.insert(out.end(), c->records.begin(), c->records.end());
  }
  return out;
}

TEST(WalSegmentTest, RecordsOfEverySizeRoundTrip) {
  TempDir dir;
  std::vector<std::string> written;
  {
    auto w = wal::Writer::Open(dir.path());
    ASSERT_TRUE(w.ok()) << w.status();
    // Sizes around the page and fragment-header boundaries, and records
    // spanning several pages.
    for (size_t n : {1, 2, 100, 32768 - 8 - 7, 32768 - 7, 32768, 32769, 5,
                     100000, 3, 32760, 32761, 32762, 1}) {
      written.push_back(Record(n, static_cast<char>('a' + written.size())));
    }
    ASSERT_TRUE((*w)->Log(written).ok());
    ASSERT_TRUE((*w)->Log({Record(7, 'z')}).ok());
    written.push_back(Record(7, 'z'));
  }
  EXPECT_EQ(ReadAll(dir.path()), written);
}

TEST(WalSegmentTest, SegmentsAreCutAndRecordsNeverSpanThem) {
  TempDir dir;
  std::vector<std::string> written;
  {
    auto w = wal::Writer::Open(dir.path(), 4 * 32768);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 40; ++i) {
      written.push_back(Record(10000 + i * 7, static_cast<char>('a' + i % 26)));
      ASSERT_TRUE((*w)->Log({written.back()}).ok());
    }
    EXPECT_GT((*w)->segment_index(), 2);
  }
  auto segments = wal::ListSegments(dir.path());
  ASSERT_TRUE(segments.ok());
  for (const auto& seg : *segments) {
    EXPECT_LE(fs::file_size(seg.path), 4u * 32768) << seg.path;
  }
  EXPECT_EQ(ReadAll(dir.path()), written);
  // A writer opened later starts a segment of its own.
  auto again = wal::Writer::Open(dir.path(), 4 * 32768);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->segment_index(), segments->back().index + 1);
}

TEST(WalSegmentTest, TornTailAndFlippedBitAreFoundWhereTheyAre) {
  TempDir dir;
  {
    auto w = wal::Writer::Open(dir.path());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Log({Record(50, 'a'), Record(40000, 'b')}).ok());
  }
  const std::string seg = dir.path() + "/" + wal::SegmentName(0);
  const auto whole = fs::file_size(seg);
  // The last write stopped halfway.
  fs::resize_file(seg, whole - 20000);
  auto torn = wal::ReadSegment(seg);
  ASSERT_TRUE(torn.ok());
  EXPECT_TRUE(torn->torn);
  ASSERT_EQ(torn->records.size(), 1u);
  EXPECT_EQ(torn->valid_bytes, 8 + 7 + 50);

  // A bit flipped in the first record's payload.
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 7 + 10);
    f.put('X');
  }
  auto flipped = wal::ReadSegment(seg);
  ASSERT_TRUE(flipped.ok());
  EXPECT_FALSE(flipped->torn);
  EXPECT_TRUE(flipped->records.empty());
  EXPECT_EQ(flipped->valid_bytes, 8);
  EXPECT_EQ(flipped->damage, "checksum mismatch at offset 8");
}

TEST(WalSegmentTest, NewerFormatIsRefusedByName) {
  TempDir dir;
  const std::string seg = dir.path() + "/" + wal::SegmentName(3);
  std::ofstream(seg, std::ios::binary) << std::string("VWAL\x02\0\0\0", 8);
  EXPECT_EQ(wal::CheckSegmentHeader(seg).message(),
            seg +
                ": log format version 2 is newer than this vigil's (1); "
                "upgrade vigil or move the directory away");
  std::ofstream(seg, std::ios::binary) << "not a log at all";
  EXPECT_EQ(wal::ReadSegment(seg).status().message(),
            seg + ": not a vigil write-ahead log segment");
}

TEST(WalRecordsTest, SeriesAndSamplesRoundTripBitForBit) {
  std::vector<wal::SeriesEntry> series = {
      {7, Labels::FromStrings({"__name__", "up", "job", "a"})},
      {1ull << 40, Labels::FromStrings({"a", std::string(300, 'x')})}};
  std::string rec;
  wal::EncodeSeries(series, &rec);
  const double stale = std::bit_cast<double>(uint64_t{0x7ff0000000000002});
  std::vector<wal::SampleEntry> samples = {
      {7, 1000, 1.5}, {3, -5, stale}, {1ull << 40, INT64_MAX, -0.0}};
  std::string rec2;
  wal::EncodeSamples(samples.data(), samples.size(), &rec2);

  wal::RecordType type;
  std::vector<wal::SeriesEntry> got_series;
  std::vector<wal::SampleEntry> got_samples;
  ASSERT_TRUE(wal::DecodeRecord(rec, &type, &got_series, &got_samples).ok());
  EXPECT_EQ(type, wal::RecordType::kSeries);
  ASSERT_EQ(got_series.size(), 2u);
  EXPECT_EQ(got_series[1].ref, 1ull << 40);
  EXPECT_EQ(got_series[1].labels, series[1].labels);
  ASSERT_TRUE(wal::DecodeRecord(rec2, &type, &got_series, &got_samples).ok());
  ASSERT_EQ(got_samples.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got_samples[i].ref, samples[i].ref);
    EXPECT_EQ(got_samples[i].t, samples[i].t);
    EXPECT_EQ(std::bit_cast<uint64_t>(got_samples[i].v),
              std::bit_cast<uint64_t>(samples[i].v));
  }
  // Every truncation of a valid record is an error, never a crash.
  for (size_t n = 0; n < rec2.size(); ++n) {
    EXPECT_FALSE(
        wal::DecodeRecord(rec2.substr(0, n), &type, &got_series, &got_samples)
            .ok())
        << n;
  }
  EXPECT_FALSE(
      wal::DecodeRecord("\x09\x01", &type, &got_series, &got_samples).ok());
  // A ref that would wrap the Head's counter is damage.
  std::string huge;
  wal::EncodeSeries({{~uint64_t{0}, Labels::FromStrings({"a", "b"})}}, &huge);
  EXPECT_FALSE(wal::DecodeRecord(huge, &type, &got_series, &got_samples).ok());
  // A compressed record that inflates to millions of tiny entries is
  // refused before anything is allocated for them.
  std::string bomb(1, '\x01');
  for (uint64_t n = 5'000'000; n >= 0x80; n >>= 7) {
    bomb.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  bomb.push_back(static_cast<char>(5'000'000 >> 21));
  for (int i = 0; i < 5'000'000 / 8; ++i) bomb.append("\x01\x00", 2);
  wal::CompressRecord(&bomb);
  EXPECT_LT(bomb.size(), 100'000u);
  EXPECT_FALSE(wal::DecodeRecord(bomb, &type, &got_series, &got_samples).ok());
}

// Every series with its samples, by label text.
std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> Dump(
    Head& head) {
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> out;
  auto q = head.OpenQuerier(INT64_MIN, INT64_MAX);
  EXPECT_TRUE(q.ok());
  auto m = Matcher::Create(MatchType::kRegexMatch, "__name__", ".+");
  auto set = (*q)->Select({INT64_MIN, INT64_MAX}, {*m});
  EXPECT_TRUE(set.ok());
  for (const auto& s : *set) {
    auto& samples = out[s->labels().ToString()];
    auto it = s->Iterator();
    while (it->Next()) {
      samples.emplace_back(it->At().t, std::bit_cast<uint64_t>(it->At().v));
    }
  }
  return out;
}

constexpr int64_t kNow = 1'700'000'000'000;

WalOptions Options(const std::string& dir, std::vector<std::string>* log) {
  WalOptions o;
  o.dir = dir;
  o.sync_interval_ms = 0;
  o.segment_bytes = 128 << 10;
  o.log = [log](std::string_view m) { log->emplace_back(m); };
  return o;
}

// A value zstd cannot shrink much, so the tests' logs reach their sizes.
double Noise(uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  x ^= x >> 31;
  return std::bit_cast<double>(uint64_t{0x3ff0000000000000} | (x >> 12));
}

// Commits `commits` batches over `series` series of noise.
void Fill(Head& head, int commits, int series, int64_t t0) {
  for (int c = 0; c < commits; ++c) {
    auto app = head.NewAppender();
    for (int i = 0; i < series; ++i) {
      const Labels l = Labels::FromStrings(
          {"__name__", "m", "i", std::to_string(i), "pad",
           std::string(static_cast<size_t>(i % 7) * 10, 'p')});
      double v = Noise(static_cast<uint64_t>(c * series + i));
      if (c == commits - 1 && i % 5 == 0) {
        v = std::bit_cast<double>(uint64_t{0x7ff0000000000002});  // stale
      }
      ASSERT_TRUE(app->Append(l, t0 + c * 1000, v).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

TEST(HeadWalTest, ReplayRebuildsTheHeadRefsAndAll) {
  TempDir dir;
  std::vector<std::string> log;
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> before;
  SeriesRef ref_of_first = 0;
  {
    Head head;
    auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->samples, 0u);
    Fill(head, 100, 200, kNow - 120000);
    auto app = head.NewAppender();
    auto ref = app->Append(
        Labels::FromStrings({"__name__", "m", "i", "0", "pad", ""}), kNow, 42);
    ASSERT_TRUE(ref.ok());
    ref_of_first = *ref;
    ASSERT_TRUE(app->Commit().ok());
    before = Dump(head);
    EXPECT_GT(head.GetWalStats().segment_current, 0);  // cut at 128 KiB
  }
  Head replayed;
  auto stats = replayed.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->samples, 100u * 200 + 1);
  EXPECT_EQ(stats->series, 200u);
  EXPECT_EQ(stats->unknown_refs, 0u);
  EXPECT_EQ(stats->corruptions, 0u);
  EXPECT_EQ(Dump(replayed), before);
  // The ref a scrape cache held still names the same series.
  auto app = replayed.NewAppender();
  EXPECT_EQ(*app->Append(ref_of_first, Labels(), kNow + 1000, 43),
            ref_of_first);
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_TRUE(log.empty()) << log[0];
}

TEST(HeadWalTest, WhatWasCommittedSurvivesAProcessDeath) {
  // A process killed without closing anything: its log as the kernel has
  // it is copied while the Head is still open.
  TempDir dir, copy;
  std::vector<std::string> log;
  Head head;
  WalOptions o = Options(dir.path(), &log);
  o.sync_interval_ms = 60000;  // no fsync: the page cache is enough
  ASSERT_TRUE(head.OpenWal(o, kNow).ok());
  Fill(head, 5, 50, kNow - 10000);
  const auto before = Dump(head);
  fs::copy(dir.path() + "/wal", copy.path() + "/wal");
  Head replayed;
  auto stats = replayed.OpenWal(Options(copy.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(Dump(replayed), before);
}

TEST(HeadWalTest, ATornTailIsCutOnceAndTheRestReplayed) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 4, 10, kNow - 10000);
  }
  const std::string seg = dir.path() + "/wal/" + wal::SegmentName(0);
  fs::resize_file(seg, fs::file_size(seg) - 30);  // half the last commit
  {
    Head head;
    auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->samples, 30u);  // three whole commits
    EXPECT_EQ(stats->truncations, 1u);
    EXPECT_EQ(stats->corruptions, 0u);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(
        log[0].find("Cut a torn write at the end of the log: segment " + seg),
        std::string::npos)
        << log[0];
  }
  log.clear();
  Head again;
  auto stats = again.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->samples, 30u);
  EXPECT_EQ(stats->truncations, 0u);
  EXPECT_TRUE(log.empty());
}

TEST(HeadWalTest, CorruptionMidSegmentDropsTheRestOfThatSegmentOnly) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 400, 100, kNow - 1000000);
    ASSERT_GT(head.GetWalStats().segment_current, 2);
  }
  const std::string seg = dir.path() + "/wal/" + wal::SegmentName(1);
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40000);
    f.put('\x55');
    f.put('\xAA');
  }
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->corruptions, 1u);
  EXPECT_EQ(stats->truncations, 1u);
  EXPECT_GT(stats->samples, 0u);
  EXPECT_LT(stats->samples, 40000u);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("Dropped damaged write-ahead log data: segment " + seg),
            std::string::npos)
      << log[0];
  EXPECT_NE(log[0].find("checksum mismatch at offset"), std::string::npos);
  // Later segments were replayed: the newest samples are there.
  EXPECT_EQ(Dump(head).begin()->second.back().first, kNow - 1000000 + 399000);
}

TEST(HeadWalTest, HeldLockNewerFormatAndNotADirectoryAreErrorsThatKeepData) {
  TempDir dir;
  std::vector<std::string> log;
  Head first;
  ASSERT_TRUE(first.OpenWal(Options(dir.path(), &log), kNow).ok());
  Head second;
  EXPECT_EQ(second.OpenWal(Options(dir.path(), &log), kNow).status().message(),
            dir.path() + " is in use by another process (" + dir.path() +
                "/lock is locked)");

  TempDir other;
  fs::create_directories(other.path() + "/wal");
  const std::string seg = other.path() + "/wal/" + wal::SegmentName(0);
  std::ofstream(seg, std::ios::binary) << std::string("VWAL\x07\0\0\0", 8);
  Head third;
  auto refused = third.OpenWal(Options(other.path(), &log), kNow);
  EXPECT_NE(refused.status().message().find("log format version 7"),
            std::string::npos);
  EXPECT_EQ(fs::file_size(seg), 8u);
  EXPECT_EQ(std::distance(fs::directory_iterator(other.path() + "/wal"),
                          fs::directory_iterator()),
            1);

  const std::string file = other.path() + "/plain-file";
  std::ofstream(file) << "x";
  Head fourth;
  EXPECT_EQ(fourth.OpenWal(Options(file, &log), kNow).status().message(),
            file + " is not a directory");
}

TEST(HeadWalTest, AFullDiskFailsTheLogNotTheCommits) {
  // RLIMIT_FSIZE makes the kernel refuse writes past the limit (EFBIG), as
  // a full disk refuses them (ENOSPC): a real fault, no fake file layer.
  TempDir dir;
  std::vector<std::string> log;
  int64_t clock_ms = 0;
  Head head;
  WalOptions o = Options(dir.path(), &log);
  o.monotonic_ms = [&clock_ms] { return clock_ms; };
  ASSERT_TRUE(head.OpenWal(o, kNow).ok());
  Fill(head, 2, 10, kNow - 10000);

  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &old);
  rlimit saved{};
  getrlimit(RLIMIT_FSIZE, &saved);
  rlimit tight = saved;
  tight.rlim_cur = 0;  // no byte more, not even a new segment's header
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
  for (int i = 0; i < 5; ++i) {
    auto app = head.NewAppender();
    ASSERT_TRUE(
        app->Append(Labels::FromStrings({"__name__", "full"}), kNow + i, i)
            .ok());
    EXPECT_TRUE(app->Commit().ok());  // memory goes on
    clock_ms += 10'000;
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  sigaction(SIGXFSZ, &old, nullptr);
  EXPECT_EQ(head.GetWalStats().write_failures, 5u);
  ASSERT_EQ(log.size(), 1u);  // once a minute: one line for 50 s
  EXPECT_NE(log[0].find("Writing the write-ahead log failed"),
            std::string::npos);
  const auto dump = Dump(head);
  size_t full_samples = 0;
  for (const auto& [name, samples] : dump) {
    if (name.find("full") != std::string::npos) full_samples = samples.size();
  }
  EXPECT_EQ(full_samples, 5u);

  // Space is back: logging resumes, in a new segment.
  auto app = head.NewAppender();
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "full"}), kNow + 100, 100)
          .ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1], "Writing the write-ahead log works again");
  EXPECT_GT(head.GetWalStats().segment_current, 0);
}

TEST(HeadWalTest, AMissingSegmentCostsItsOwnSamplesOnly) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 300, 100, kNow - 600000);
    ASSERT_GE(head.GetWalStats().segment_current, 2);
  }
  fs::remove(dir.path() + "/wal/" + wal::SegmentName(1));
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->samples, 0u);
  EXPECT_LT(stats->samples, 300u * 100);
  EXPECT_EQ(stats->unknown_refs, 0u);  // the series are in segment 0
  // The newest samples, from the last segment, are there.
  EXPECT_EQ(Dump(head).begin()->second.back().first, kNow - 600000 + 299000);
}

TEST(HeadWalTest, ALogThatLostItsSegmentsIsNotHiddenByTheSnapshot) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 100, 50, kNow - 400000);
    ASSERT_TRUE(head.SnapshotWal().ok());
  }
  // An operator clears the log; the snapshot stays.
  for (const auto& e : fs::directory_iterator(dir.path() + "/wal")) {
    fs::remove(e.path());
  }
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> before;
  {
    Head head;
    auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->snapshot_samples, 100u * 50);
    Fill(head, 10, 50, kNow - 200000);  // logged after the snapshot's cut
    before = Dump(head);
  }
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshot_samples, 100u * 50);
  EXPECT_EQ(stats->samples, 10u * 50);
  EXPECT_EQ(Dump(head), before);
}

TEST(HeadWalTest, SeriesLoadedFromASnapshotAreLoggedAgain) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 20, 50, kNow - 400000);
    ASSERT_TRUE(head.SnapshotWal().ok());
  }
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 5, 50, kNow - 100000);  // the same series, no new snapshot
  }
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (e.is_regular_file() &&
        e.path().string().find("/snapshot.") != std::string::npos) {
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(200);
      f.put('\x42');
    }
  }
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshots_discarded, 1u);
  EXPECT_EQ(stats->unknown_refs, 0u);
  EXPECT_EQ(stats->samples, 5u * 50);
}

TEST(HeadWalTest, SnapshotsOfLongSeriesAndRepeatedSnapshots) {
  TempDir dir;
  std::vector<std::string> log;
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> before;
  {
    Head head;
    WalOptions o = Options(dir.path(), &log);
    ASSERT_TRUE(head.OpenWal(o, kNow).ok());
    // One series far larger than a record may be: 600k noisy samples.
    const Labels l = Labels::FromStrings({"__name__", "long"});
    for (int c = 0; c < 60; ++c) {
      auto app = head.NewAppender();
      for (int i = 0; i < 10000; ++i) {
        const int64_t t = kNow - 700000 + (c * 10000 + i);
        ASSERT_TRUE(app->Append(l, t, Noise(static_cast<uint64_t>(t))).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    ASSERT_TRUE(head.SnapshotWal().ok()) << "a long series";
    // Nothing committed since: the same snapshot, not an error.
    ASSERT_TRUE(head.SnapshotWal().ok());
    EXPECT_EQ(head.GetWalStats().snapshots, 1u);
    before = Dump(head);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()),
                          fs::directory_iterator()),
            3);  // lock, wal, one snapshot: no .tmp left
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshot_samples, 600000u);
  EXPECT_EQ(Dump(head), before);
}

// Commits samples [from, to) of `series` noisy series, one commit each.
void CommitRange(Head& head, int from, int to, int series) {
  for (int c = from; c < to; ++c) {
    auto app = head.NewAppender();
    for (int i = 0; i < series; ++i) {
      const Labels l =
          Labels::FromStrings({"__name__", "r", "i", std::to_string(i)});
      ASSERT_TRUE(app->Append(l, kNow - 500000 + c * 1000,
                              Noise(static_cast<uint64_t>(c * series + i)))
                      .ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

TEST(HeadWalTest, SnapshotChunksAreInstalledAsTheyAreAndAppendsContinueThem) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    CommitRange(head, 0, 300, 10);  // chunks of 120, 120 and an open 60
    ASSERT_TRUE(head.SnapshotWal().ok());
  }
  Head restored;
  auto stats = restored.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshot_samples, 3000u);
  CommitRange(restored, 300, 400, 10);
  // A Head that never restarted holds the same samples in the same chunks,
  // byte for byte: the open chunk was continued, not started again.
  Head never;
  CommitRange(never, 0, 400, 10);
  EXPECT_EQ(Dump(restored), Dump(never));
  EXPECT_EQ(restored.Stats().chunks, never.Stats().chunks);
  EXPECT_EQ(restored.Stats().chunk_bytes, never.Stats().chunk_bytes);
  EXPECT_EQ(restored.Stats().samples_appended, 4000u);
}

// Writes `group` as the snapshot format before chunks carried their times
// (record type 3), as an older vigil did.
std::string OldSnapshotRecord(const std::vector<wal::SnapshotSeries>& group) {
  std::string out(1, '\x03');
  auto varint = [&out](uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
    out.push_back(static_cast<char>(v));
  };
  auto str = [&](std::string_view s) {
    varint(s.size());
    out.append(s);
  };
  varint(group.size());
  for (const wal::SnapshotSeries& series : group) {
    varint(series.ref);
    varint(series.labels.size());
    for (const Label& l : series.labels) {
      str(l.name);
      str(l.value);
    }
    varint(series.chunks.size());
    for (const wal::SnapshotChunk& c : series.chunks) {
      varint(static_cast<uint64_t>(c.num_samples));
      str(c.bytes);
    }
  }
  return out;
}

TEST(HeadWalTest, ASnapshotInTheOlderFormatStillLoads) {
  TempDir dir;
  std::vector<std::string> log;
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> before;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    CommitRange(head, 0, 250, 10);
    ASSERT_TRUE(head.SnapshotWal().ok());
    before = Dump(head);
  }
  // Rewrite the snapshot's records in the older form, in place.
  std::string snapshot;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().filename().string().rfind("snapshot.", 0) == 0) {
      snapshot = e.path().string();
    }
  }
  ASSERT_NE(snapshot, "");
  std::vector<std::string> records;
  for (const std::string& r : ReadAll(snapshot)) {
    if (wal::RecordTypeOf(r) ==
        static_cast<uint8_t>(wal::RecordType::kSnapshotChunks)) {
      std::vector<wal::SnapshotSeries> group;
      ASSERT_TRUE(wal::DecodeSnapshotSeries(r, &group).ok());
      records.push_back(OldSnapshotRecord(group));
    } else {
      records.push_back(r);
    }
  }
  fs::remove_all(snapshot);
  fs::create_directory(snapshot);
  {
    auto writer = wal::Writer::Open(snapshot);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Log(records).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshots_discarded, 0u);
  EXPECT_EQ(stats->snapshot_samples, 2500u);
  EXPECT_EQ(Dump(head), before);
}

size_t CountSegments(const std::string& dir) {
  auto segments = wal::ListSegments(dir + "/wal");
  return segments.ok() ? segments->size() : 0;
}

TEST(HeadWalTest, ASnapshotReplacesTheSegmentsBeforeIt) {
  TempDir dir;
  std::vector<std::string> log;
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> before;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 100, 200, kNow - 200000);
    ASSERT_GE(CountSegments(dir.path()), 2u);
    ASSERT_TRUE(head.SnapshotWal().ok());
    EXPECT_EQ(CountSegments(dir.path()), 1u);  // the one after the cut
    Fill(head, 10, 200, kNow - 50000);         // logged after the snapshot
    before = Dump(head);
    EXPECT_EQ(head.GetWalStats().snapshots, 1u);
  }
  Head replayed;
  auto stats = replayed.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshot_series, 200u);
  EXPECT_EQ(stats->snapshot_samples, 100u * 200);
  EXPECT_EQ(stats->samples, 10u * 200);  // only the segments after it
  EXPECT_EQ(Dump(replayed), before);
  EXPECT_TRUE(log.empty()) << log[0];
}

TEST(HeadWalTest, GcCheckpointsTheLogWhenItOutgrowsTheSnapshot) {
  TempDir dir;
  std::vector<std::string> log;
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> before;
  {
    Head head;
    WalOptions o = Options(dir.path(), &log);
    o.checkpoint_min_bytes = 64 << 10;
    ASSERT_TRUE(head.OpenWal(o, kNow).ok());
    Fill(head, 50, 200, kNow - 300000);
    head.RunGc(kNow);
    const uint64_t first = head.GetWalStats().snapshots;
    EXPECT_EQ(first, 1u);
    head.RunGc(kNow);  // nothing new to fold in
    EXPECT_EQ(head.GetWalStats().snapshots, first);
    // Between collections the cheap check alone checkpoints a log that
    // grew past the threshold, and nothing else.
    Fill(head, 100, 200, kNow - 200000);
    head.CheckpointWalIfDue();
    EXPECT_EQ(head.GetWalStats().snapshots, 2u);
    head.CheckpointWalIfDue();
    EXPECT_EQ(head.GetWalStats().snapshots, 2u);
    Fill(head, 300, 200, kNow - 100000);  // outgrows the larger snapshot
    head.RunGc(kNow);
    EXPECT_EQ(head.GetWalStats().snapshots, 3u);
    before = Dump(head);
  }
  Head replayed;
  auto stats = replayed.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(Dump(replayed), before);
}

TEST(HeadWalTest, ADamagedOrMismatchedSnapshotIsDiscardedNotTrusted) {
  TempDir dir;
  std::vector<std::string> log;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Options(dir.path(), &log), kNow).ok());
    Fill(head, 20, 50, kNow - 100000);
    ASSERT_TRUE(head.SnapshotWal().ok());
    Fill(head, 5, 50, kNow - 50000);
  }
  // A flipped byte inside the snapshot.
  std::string snapshot_file;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    if (e.path().string().find("/snapshot.") != std::string::npos &&
        e.is_regular_file()) {
      snapshot_file = e.path().string();
    }
  }
  ASSERT_FALSE(snapshot_file.empty());
  {
    std::fstream f(snapshot_file,
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x42');
  }
  {
    Head head;
    auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->snapshots_discarded, 1u);
    EXPECT_EQ(stats->snapshot_samples, 0u);
    EXPECT_EQ(stats->samples, 5u * 50);  // what the log still has
    EXPECT_EQ(stats->unknown_refs, 0u);  // series logged again after a cut
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("Discarded snapshot"), std::string::npos) << log[0];
    // Its replacement is written at this clean shutdown.
    ASSERT_TRUE(head.SnapshotWal().ok());
  }
  log.clear();
  // Segments the snapshot needs are gone: it does not match the log.
  auto segments = wal::ListSegments(dir.path() + "/wal");
  ASSERT_TRUE(segments.ok());
  for (const auto& seg : *segments) fs::remove(seg.path);
  std::ofstream(dir.path() + "/wal/" + wal::SegmentName(900), std::ios::binary)
      << std::string("VWAL\x01\0\0\0", 8);
  Head head;
  auto stats = head.OpenWal(Options(dir.path(), &log), kNow);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->snapshots_discarded, 1u);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("are missing"), std::string::npos) << log[0];
}

}  // namespace
}  // namespace vigil::tsdb
