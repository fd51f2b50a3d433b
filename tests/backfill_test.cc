// Loading timestamped OpenMetrics (promtool's backfill input) into a Head:
// good files, errors with their file:line:col, limits, and the retention
// exemption that `vigil run --storage.load` relies on.
#include "vigil/backfill.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vigil/tsdb.h"

namespace vigil::backfill {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// 2023-11-14T22:13:20Z.
constexpr int64_t kT0 = 1700000000;

Matchers Name(const std::string& name) {
  auto m = Matcher::Create(MatchType::kEqual, "__name__", name);
  EXPECT_TRUE(m.ok()) << m.status();
  return {*m};
}

struct Series {
  std::string labels;
  std::vector<Sample> samples;
};

std::vector<Series> Read(tsdb::Head& head, const std::string& name) {
  constexpr int64_t kMin = 0, kMax = int64_t{1} << 50;
  auto q = head.OpenQuerier(kMin, kMax);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select({kMin, kMax}, Name(name));
  EXPECT_TRUE(set.ok());
  std::vector<Series> out;
  for (const auto& s : *set) {
    Series got{s->labels().ToString(), {}};
    auto it = s->Iterator();
    while (it->Next()) got.samples.push_back(it->At());
    out.push_back(std::move(got));
  }
  return out;
}

MATCHER_P2(IsSample, t, v, "") { return arg.t == t && arg.v == v; }

TEST(BackfillTest, LoadsEverySampleOfAGoodFile) {
  tsdb::Head head;
  constexpr char kFile[] =
      "# HELP http_requests Requests served.\n"
      "# TYPE http_requests counter\n"
      "http_requests_total{code=\"200\"} 10 1700000000\n"
      "http_requests_total{code=\"500\"} 1 1700000000\n"
      "http_requests_total{code=\"200\"} 25 1700000015.5\n"
      "# TYPE temp_celsius gauge\n"
      "# UNIT temp_celsius celsius\n"
      "temp_celsius 21.5 1699999990\n"
      "# EOF\n";
  auto stats = LoadOpenMetrics(kFile, "data.om", head);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->series, 3u);
  EXPECT_EQ(stats->samples, 4u);
  EXPECT_EQ(stats->min_time_ms, (kT0 - 10) * 1000);
  EXPECT_EQ(stats->max_time_ms, kT0 * 1000 + 15500);

  auto requests = Read(head, "http_requests_total");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].labels, "http_requests_total{code=\"200\"}");
  EXPECT_THAT(
      requests[0].samples,
      ElementsAre(IsSample(kT0 * 1000, 10), IsSample(kT0 * 1000 + 15500, 25)));
  EXPECT_THAT(requests[1].samples, ElementsAre(IsSample(kT0 * 1000, 1)));
  EXPECT_THAT(Read(head, "temp_celsius")[0].samples,
              ElementsAre(IsSample((kT0 - 10) * 1000, 21.5)));
}

TEST(BackfillTest, CommitsInBatchesAndKeepsEverySample) {
  tsdb::Head head;
  std::string file;
  for (int i = 0; i < 7; ++i) {
    file += "x{i=\"" + std::to_string(i % 2) + "\"} " + std::to_string(i) +
            " " + std::to_string(kT0 + i) + "\n";
  }
  file += "# EOF\n";
  LoadOptions options;
  options.samples_per_commit = 2;
  auto stats = LoadOpenMetrics(file, "x.om", head, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->samples, 7u);
  auto x = Read(head, "x");
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[0].samples.size() + x[1].samples.size(), 7u);
}

TEST(BackfillTest, TwoSpellingsOfOneSeriesAreOneSeries) {
  tsdb::Head head;
  auto stats = LoadOpenMetrics(
      "a{x=\"1\",y=\"2\"} 1 100\n"
      "a{y=\"2\",x=\"1\"} 2 200\n"
      "a{y=\"2\",x=\"1\"} 3 250\n"
      "a{x=\"1\",y=\"2\"} 4 300\n"
      "# EOF\n",
      "a.om", head);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->series, 1u);
  EXPECT_EQ(stats->samples, 4u);
  EXPECT_EQ(Read(head, "a")[0].samples.size(), 4u);
}

TEST(BackfillTest, SameTimestampSameValueIsIgnored) {
  tsdb::Head head;
  auto stats =
      LoadOpenMetrics("a 1 100\na 1 100\na 2 200\n# EOF\n", "a.om", head);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->samples, 2u);
}

TEST(BackfillTest, AnEmptyFileLoadsNothing) {
  tsdb::Head head;
  auto stats = LoadOpenMetrics("# EOF\n", "empty.om", head);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->series, 0u);
  EXPECT_EQ(stats->samples, 0u);
  EXPECT_EQ(stats->max_time_ms, 0);
}

struct BadFile {
  const char* name;
  const char* text;
  const char* error;  // the whole message
};

void PrintTo(const BadFile& f, std::ostream* os) { *os << f.name; }

class BackfillErrorTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BackfillErrorTest, ReportsFileLineAndColumn) {
  tsdb::Head head;
  auto stats = LoadOpenMetrics(GetParam().text, "rec.om", head);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(stats.status().message()), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BackfillErrorTest,
    ::testing::Values(
        BadFile{"MissingTimestamp", "a 1 100\nb{x=\"y\"} 2\n# EOF\n",
                "rec.om:2:11: expected timestamp for series b{x=\"y\"}, got "
                "none"},
        BadFile{"OutOfOrder", "a 1 200\nb 1 100\na 2 100\n# EOF\n",
                "rec.om:3:5: out of order sample for series a: timestamp 100 "
                "is before the series' previous sample at 200"},
        BadFile{"OutOfOrderOnTheNextLine", "b 1 100\na 1 200\na 2 100\n# EOF\n",
                "rec.om:3:5: out of order sample for series a: timestamp 100 "
                "is before the series' previous sample at 200"},
        BadFile{"OutOfOrderAcrossSpellings",
                "a{x=\"1\",y=\"2\"} 1 200.5\na{y=\"2\",x=\"1\"} 2 200.25\n# "
                "EOF\n",
                "rec.om:2:18: out of order sample for series a{x=\"1\", "
                "y=\"2\"}: timestamp 200.25 is before the series' previous "
                "sample"},
        BadFile{"DuplicateWithAnotherValue", "a 1 100\na 2 100\n# EOF\n",
                "rec.om:2:5: duplicate sample for timestamp 100000; overrides "
                "not allowed: existing 1, new value 2"},
        BadFile{"SyntaxError", "a 1 100\na{x=1} 2 100\n# EOF\n",
                "rec.om:2:5: expected quoted label value, got \"1\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BackfillTest, MissingEofIsAnError) {
  tsdb::Head head;
  auto stats = LoadOpenMetrics("a 1 100\n", "rec.om", head);
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(std::string(stats.status().message()), StartsWith("rec.om:"));
  EXPECT_THAT(std::string(stats.status().message()), HasSubstr("# EOF"));
}

TEST(BackfillTest, SeriesLimitNamesTheLineOfTheSeriesTooMany) {
  tsdb::Head head;
  LoadOptions options;
  options.max_series = 2;
  auto stats = LoadOpenMetrics("a 1 1\nb 1 1\na 2 2\nc 1 1\n# EOF\n", "many.om",
                               head, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(std::string(stats.status().message()),
            "many.om:4:1: more than 2 series in one file");
}

TEST(BackfillTest, FileSizeLimit) {
  tsdb::Head head;
  LoadOptions options;
  options.max_file_bytes = 10;
  auto stats =
      LoadOpenMetrics("a 1 100\nb 1 100\n# EOF\n", "big.om", head, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(std::string(stats.status().message()),
            "big.om: file is 22 bytes, more than the limit of 10");

  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("backfill_test_" + std::to_string(::getpid()) + ".om"))
          .string();
  std::ofstream(path) << "a 1 100\nb 1 100\n# EOF\n";
  auto from_file = LoadOpenMetricsFile(path, head, options);
  std::filesystem::remove(path);
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(std::string(from_file.status().message()),
            path + ": file is 22 bytes, more than the limit of 10");
}

TEST(BackfillTest, ReadsFilesAndReportsMissingOnes) {
  tsdb::Head head;
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("backfill_test_ok_" + std::to_string(::getpid()) + ".om"))
          .string();
  std::ofstream(path) << "a 1 100\na 2 115\n# EOF\n";
  auto stats = LoadOpenMetricsFile(path, head);
  std::filesystem::remove(path);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->samples, 2u);

  auto missing = LoadOpenMetricsFile("/nonexistent/x.om", head);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/x.om"));
}

// `vigil run --storage.load`: a recording older than the retention survives
// GC against the wall clock; data written after it is still subject to it.
TEST(BackfillTest, LoadedDataIsExemptFromRetention) {
  constexpr int64_t kHourMs = 3600 * 1000;
  tsdb::HeadOptions options;
  options.retention_ms = kHourMs;
  tsdb::Head head(options);
  auto stats = LoadOpenMetrics("old 1 1700000000\nold 2 1700000060\n# EOF\n",
                               "old.om", head);
  ASSERT_TRUE(stats.ok()) << stats.status();
  head.ExemptFromRetention(stats->max_time_ms);

  // Written later (a scrape), newer than the recording, older than the
  // cutoff below.
  const int64_t later = kT0 * 1000 + 10 * kHourMs;
  auto app = head.NewAppender();
  ASSERT_TRUE(
      app->Append(Labels::FromStrings({"__name__", "live"}), later, 1).ok());
  ASSERT_TRUE(app->Commit().ok());

  head.RunGc(later + 5 * kHourMs);
  EXPECT_EQ(Read(head, "old")[0].samples.size(), 2u);
  EXPECT_THAT(Read(head, "live"), IsEmpty());

  // Without the exemption the recording goes at once.
  tsdb::Head plain(options);
  ASSERT_TRUE(
      LoadOpenMetrics("old 1 1700000000\n# EOF\n", "old.om", plain).ok());
  plain.RunGc(later);
  EXPECT_THAT(Read(plain, "old"), IsEmpty());
}

}  // namespace
}  // namespace vigil::backfill
