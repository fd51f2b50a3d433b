// Replay from a vigil storage directory (`vigil replay --data DIR`): the
// same report as the same data from OpenMetrics files, whether the
// directory holds only a log or a snapshot and the log after it; the
// series the rules produce left out and counted; the directory unchanged;
// a directory that is not storage named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/support/dir_files.h"
#include "vigil/backfill.h"
#include "vigil/replay.h"
#include "vigil/replay_report.h"
#include "vigil/tsdb.h"

namespace vigil::replay {
namespace {

namespace fs = std::filesystem;
using ::vigil::testing::DirFiles;

constexpr int64_t kStep = 30;  // seconds between samples
constexpr int kPods = 20;

constexpr char kRules[] = R"(groups:
  - name: pods
    interval: 1m
    rules:
      - record: pods:down:count
        expr: count(up == 0)
      - alert: PodDown
        expr: up == 0
        for: 3m
      - alert: ManyDown
        expr: pods:down:count >= 3
        for: 1m
)";

std::vector<RuleGroupSpec> Rules() {
  auto specs = ParseRuleFile(kRules, "rules.yml");
  EXPECT_TRUE(specs.ok()) << specs.status();
  return specs.ok() ? *specs : std::vector<RuleGroupSpec>{};
}

// Samples [from, to) of every pod, down for a while every few hours at a
// time of its own; and what a live vigil would have written itself.
std::string Data(int from, int to) {
  std::string om;
  for (int p = 0; p < kPods; ++p) {
    for (int i = from; i < to; ++i) {
      const int phase = (i + p * 37) % 400;
      absl::StrAppend(&om, "up{pod=\"p", p, "\"} ", phase < 20 ? 0 : 1, " ",
                      i * kStep, "\n");
    }
  }
  for (int i = from; i < to; ++i) {
    absl::StrAppend(&om,
                    "ALERTS{alertname=\"PodDown\",alertstate=\"firing\"} 1 ",
                    i * kStep, "\n", "pods:down:count 2 ", i * kStep, "\n");
  }
  return om + "# EOF\n";
}

class ReplayStorageTest : public ::testing::Test {
 protected:
  static constexpr int kSamples = 6 * 3600 / kStep;  // six hours

  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat(
               "replay_storage_test_", getpid(), "_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    first_ = Write("first.om", Data(0, kSamples / 2));
    second_ = Write("second.om", Data(kSamples / 2, kSamples));
    all_ = Write("all.om", Data(0, kSamples));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // What `vigil run --storage.tsdb.path` leaves: both files committed
  // through the log, with a snapshot between them if asked.
  std::string Storage(const std::string& name, bool snapshot) {
    const std::string dir = (dir_ / name).string();
    tsdb::HeadOptions ho;
    ho.retention_ms = 0;
    tsdb::Head head(ho);
    tsdb::WalOptions wo;
    wo.dir = dir;
    wo.sync_interval_ms = 0;
    wo.segment_bytes = 256 << 10;
    EXPECT_TRUE(head.OpenWal(wo, 0).ok());
    EXPECT_TRUE(backfill::LoadOpenMetricsFile(first_, head).ok());
    if (snapshot) {
      EXPECT_TRUE(head.SnapshotWal().ok());
    }
    EXPECT_TRUE(backfill::LoadOpenMetricsFile(second_, head).ok());
    return dir;
  }

  static absl::StatusOr<std::string> Report(
      const std::vector<std::string>& data, LoadReport* load) {
    auto source = OpenLocalFiles(data, ProducedMetricNames(Rules()), load);
    if (!source.ok()) return source.status();
    const auto span = (*source)->DataSpan();
    EXPECT_TRUE(span.has_value());
    Options o;
    o.start_ms = span->min_ms;
    o.end_ms = span->max_ms;
    auto r = replay::Run(Rules(), **source, o);
    if (!r.ok()) return r.status();
    EXPECT_FALSE(r->alerts.empty());
    r->wall_seconds = 0;  // the one figure that differs run to run
    return ToJson(*r);
  }

  fs::path dir_;
  std::string first_, second_, all_;
};

TEST_F(ReplayStorageTest, ADirectoryReplaysAsTheSameDataFromFiles) {
  LoadReport from_files;
  auto expected = Report({all_}, &from_files);
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(from_files.series, static_cast<uint64_t>(kPods));
  const std::vector<std::pair<std::string, uint64_t>> skipped = {
      {"ALERTS", kSamples}, {"pods:down:count", kSamples}};
  EXPECT_EQ(from_files.skipped, skipped);

  for (bool snapshot : {false, true}) {
    SCOPED_TRACE(snapshot ? "snapshot and log" : "log only");
    const std::string dir =
        Storage(snapshot ? "with-snapshot" : "log-only", snapshot);
    const auto before = DirFiles(dir);
    ASSERT_EQ(std::any_of(before.begin(), before.end(),
                          [](const auto& f) {
                            return f.first.starts_with("snapshot.");
                          }),
              snapshot);
    LoadReport load;
    auto got = Report({dir}, &load);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, *expected);
    EXPECT_EQ(load.series, from_files.series);
    EXPECT_EQ(load.samples, from_files.samples);
    EXPECT_EQ(load.skipped, skipped);
    EXPECT_TRUE(load.notes.empty());
    EXPECT_EQ(DirFiles(dir), before);
  }
}

TEST_F(ReplayStorageTest, FilesAndDirectoriesMix) {
  LoadReport from_files;
  auto expected = Report({first_, second_}, &from_files);
  ASSERT_TRUE(expected.ok()) << expected.status();
  // The directory holds the first half only.
  const std::string dir = (dir_ / "first-half").string();
  {
    tsdb::HeadOptions ho;
    ho.retention_ms = 0;
    tsdb::Head head(ho);
    tsdb::WalOptions wo;
    wo.dir = dir;
    ASSERT_TRUE(head.OpenWal(wo, 0).ok());
    ASSERT_TRUE(backfill::LoadOpenMetricsFile(first_, head).ok());
  }
  LoadReport load;
  auto got = Report({dir, second_}, &load);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, *expected);
  EXPECT_EQ(load.samples, from_files.samples);
  EXPECT_EQ(load.skipped, from_files.skipped);
}

TEST_F(ReplayStorageTest, ADirectoryThatIsNotStorageIsNamed) {
  const std::string empty = (dir_ / "empty").string();
  fs::create_directories(empty);
  auto source = OpenLocalFiles({first_, empty}, {}, nullptr);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message(),
            empty +
                " is not a vigil storage directory (--storage.tsdb.path): "
                "it holds neither wal/ nor a snapshot");
  EXPECT_TRUE(fs::is_empty(empty));
}

}  // namespace
}  // namespace vigil::replay
