// Head::LoadStorage: a storage directory read as OpenWal would load it
// (snapshot, then the log after it) without changing a byte of it, with
// the series a caller leaves out never created and their samples counted;
// damage reported, not repaired; bad directories named.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/tsdb/wal.h"
#include "tests/support/dir_files.h"
#include "tests/support/storage_dump.h"
#include "tests/support/temp_dir.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

namespace fs = std::filesystem;
using ::vigil::testing::DirFiles;
using ::vigil::testing::DumpAllSeries;
using ::vigil::testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

// Every series' samples as (t, v) pairs, which compare.
std::map<std::string, std::vector<std::pair<int64_t, double>>> Contents(
    Head& head) {
  std::map<std::string, std::vector<std::pair<int64_t, double>>> out;
  for (const auto& [series, samples] : DumpAllSeries(head)) {
    auto& pairs = out[series];
    for (const Sample& s : samples) pairs.emplace_back(s.t, s.v);
  }
  return out;
}

WalOptions Wal(const std::string& dir) {
  WalOptions o;
  o.dir = dir;
  o.sync_interval_ms = 0;
  o.segment_bytes = 16 << 10;
  return o;
}

// `commits` commits from minute `from` on, of `pods` "up" series and one
// ALERTS series.
void Commit(Head& head, int from, int commits, int pods) {
  for (int c = from; c < from + commits; ++c) {
    auto app = head.NewAppender();
    const int64_t t = kT0 + int64_t{c} * 60'000;
    for (int p = 0; p < pods; ++p) {
      ASSERT_TRUE(app->Append(Labels::FromStrings(
                                  {"__name__", "up", "pod", std::to_string(p)}),
                              t, (c * pods + p) % 7)
                      .ok());
    }
    ASSERT_TRUE(app->Append(Labels::FromStrings(
                                {"__name__", "ALERTS", "alertname", "X"}),
                            t, 1)
                    .ok());
    ASSERT_TRUE(app->Commit().ok());
  }
}

absl::StatusOr<StorageReadStats> Load(Head& head, const std::string& dir,
                                      std::vector<std::string>* log = nullptr,
                                      uint64_t* alerts = nullptr) {
  StorageReadOptions o;
  o.dir = dir;
  if (alerts != nullptr) {
    o.skip = [alerts](const Labels& l) -> uint64_t* {
      return l.MetricName() == "ALERTS" ? alerts : nullptr;
    };
  }
  if (log != nullptr)
    o.log = [log](std::string_view m) { log->emplace_back(m); };
  return head.LoadStorage(o);
}

TEST(StorageReadTest, ALogLoadsAsOpenWalWouldAndStaysByteForByte) {
  TempDir dir;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> written;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Wal(dir.path()), kT0).ok());
    Commit(head, 0, 300, 20);
    written = Contents(head);
    // Read while the writer still holds the directory and its lock.
    const auto before = DirFiles(dir.path());
    Head reader;
    auto stats = Load(reader, dir.path());
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(Contents(reader), written);
    EXPECT_EQ(DirFiles(dir.path()), before);
    EXPECT_GT(stats->replay.segments, 0u);
    EXPECT_EQ(stats->replay.snapshot_series, 0u);
    EXPECT_EQ(stats->min_time_ms, kT0);
    EXPECT_EQ(stats->max_time_ms, kT0 + 299 * 60'000);
    // No log is attached: what the reader is given stays in memory.
    EXPECT_FALSE(reader.GetWalStats().enabled);
  }
  const auto before = DirFiles(dir.path());
  Head reader;
  ASSERT_TRUE(Load(reader, dir.path()).ok());
  EXPECT_EQ(Contents(reader), written);
  EXPECT_EQ(DirFiles(dir.path()), before);
}

TEST(StorageReadTest,
     ASnapshotAndTheLogAfterItLoadAndProducedSeriesAreLeftOut) {
  TempDir dir;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> written;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Wal(dir.path()), kT0).ok());
    Commit(head, 0, 200, 10);
    ASSERT_TRUE(head.SnapshotWal().ok());
    Commit(head, 200, 50, 10);
    written = Contents(head);
  }
  // An interrupted snapshot OpenWal would remove: a reader leaves it.
  fs::create_directories(dir.path() + "/snapshot.00000099.tmp");
  const auto before = DirFiles(dir.path());
  Head reader;
  uint64_t alerts = 0;
  auto stats = Load(reader, dir.path(), nullptr, &alerts);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(DirFiles(dir.path()), before);
  EXPECT_EQ(stats->replay.snapshot_series, 10u);  // ALERTS not created
  EXPECT_GT(stats->replay.segments, 0u);
  EXPECT_EQ(alerts, 250u);  // 200 in the snapshot, 50 in the log
  EXPECT_EQ(stats->skipped_samples, 250u);
  EXPECT_EQ(stats->skipped_series, 1u);
  EXPECT_EQ(stats->replay.unknown_refs, 0u);
  std::erase_if(written, [](const auto& e) {
    return e.first.find("ALERTS") != std::string::npos;
  });
  ASSERT_EQ(written.size(), 10u);
  EXPECT_EQ(Contents(reader), written);
  EXPECT_EQ(reader.Stats().series, 10u);
}

TEST(StorageReadTest, DamageIsReportedAndLeftAsItIs) {
  TempDir dir;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Wal(dir.path()), kT0).ok());
    Commit(head, 0, 4, 10);
  }
  const std::string seg = dir.path() + "/wal/" + wal::SegmentName(0);
  fs::resize_file(seg, fs::file_size(seg) - 30);  // half the last commit
  const auto before = DirFiles(dir.path());
  Head reader;
  std::vector<std::string> log;
  auto stats = Load(reader, dir.path(), &log);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->replay.samples, 33u);  // three whole commits of 11
  EXPECT_EQ(stats->replay.truncations, 0u);
  EXPECT_EQ(DirFiles(dir.path()), before);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("Read up to a torn write at the end of the log (left "
                        "as it is): segment " +
                        seg),
            std::string::npos)
      << log[0];
}

TEST(StorageReadTest, ADirectoryChangedWhileReadSaysSo) {
  TempDir dir;
  {
    Head head;
    ASSERT_TRUE(head.OpenWal(Wal(dir.path()), kT0).ok());
    // Values zstd cannot shrink, so that the log takes several segments.
    uint64_t x = 1;
    for (int c = 0; c < 300; ++c) {
      auto app = head.NewAppender();
      for (int p = 0; p < 50; ++p) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        ASSERT_TRUE(app->Append(Labels::FromStrings({"__name__", "noise", "p",
                                                     std::to_string(p)}),
                                kT0 + c * 1000, static_cast<double>(x >> 11))
                        .ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    ASSERT_GT(head.GetWalStats().segment_current, 0);
  }
  const std::string first = dir.path() + "/wal/" + wal::SegmentName(0);
  const std::string second = dir.path() + "/wal/" + wal::SegmentName(1);
  {
    std::fstream f(first, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10000);
    f.put('\x55');
    f.put('\xAA');
  }
  // The damage in the first segment is reported before the second is read:
  // a checkpoint of a running vigil deleting it then.
  StorageReadOptions o;
  o.dir = dir.path();
  o.log = [&](std::string_view) { fs::remove(second); };
  Head reader;
  auto stats = reader.LoadStorage(o);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find(second), std::string::npos)
      << stats.status();
  EXPECT_NE(stats.status().message().find(
                dir.path() + " changed while it was read, as a running "
                             "vigil's checkpoint replaces its log: copy the "
                             "directory for a consistent view"),
            std::string::npos)
      << stats.status();
}

TEST(StorageReadTest, WhatIsNotAStorageDirectoryIsNamed) {
  TempDir dir;
  Head head;
  EXPECT_EQ(Load(head, dir.path()).status().message(),
            dir.path() +
                " is not a vigil storage directory (--storage.tsdb.path): it "
                "holds neither wal/ nor a snapshot");
  const std::string missing = dir.path() + "/missing";
  EXPECT_EQ(Load(head, missing).status().message(),
            "cannot read storage directory " + missing +
                ": No such file or directory");
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  EXPECT_EQ(Load(head, file).status().message(), file + " is not a directory");

  fs::create_directories(dir.path() + "/wal");
  const std::string seg = dir.path() + "/wal/" + wal::SegmentName(0);
  std::ofstream(seg, std::ios::binary) << std::string("VWAL\x07\0\0\0", 8);
  auto newer = Load(head, dir.path());
  EXPECT_NE(newer.status().message().find(seg), std::string::npos)
      << newer.status();
  EXPECT_NE(newer.status().message().find("log format version 7"),
            std::string::npos)
      << newer.status();
  EXPECT_EQ(head.Stats().series, 0u);
  // An empty log is a storage directory with nothing in it yet.
  fs::remove(seg);
  auto empty = Load(head, dir.path());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_GT(empty->min_time_ms, empty->max_time_ms);
}

}  // namespace
}  // namespace vigil::tsdb
