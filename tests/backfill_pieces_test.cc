// Loading a file in pieces (LoadOptions::read_piece_bytes): whatever the
// piece size, a file loads exactly as its whole text does — the same
// series and samples, or the same error at the same line and column.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "vigil/backfill.h"
#include "vigil/tsdb.h"

namespace vigil::backfill {
namespace {

// Every series of the head with its samples, one line each.
std::vector<std::string> Contents(tsdb::Head& head) {
  constexpr int64_t kMin = 0, kMax = int64_t{1} << 50;
  auto q = head.OpenQuerier(kMin, kMax);
  EXPECT_TRUE(q.ok());
  auto m = Matcher::Create(MatchType::kRegexMatch, "__name__", ".+");
  EXPECT_TRUE(m.ok());
  auto set = (*q)->Select({kMin, kMax}, {*m});
  EXPECT_TRUE(set.ok());
  std::vector<std::string> out;
  for (const auto& s : *set) {
    std::string line = s->labels().ToString();
    auto it = s->Iterator();
    while (it->Next()) {
      line +=
          " " + std::to_string(it->At().t) + "=" + std::to_string(it->At().v);
    }
    out.push_back(line);
  }
  return out;
}

// The outcome of one load: the error, or the stats and the head's contents.
std::vector<std::string> Outcome(const absl::StatusOr<LoadStats>& stats,
                                 tsdb::Head& head) {
  if (!stats.ok()) return {"ERROR " + std::string(stats.status().message())};
  std::vector<std::string> out = Contents(head);
  out.push_back("series=" + std::to_string(stats->series) +
                " samples=" + std::to_string(stats->samples) +
                " min=" + std::to_string(stats->min_time_ms) +
                " max=" + std::to_string(stats->max_time_ms));
  return out;
}

class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : path_((std::filesystem::temp_directory_path() /
               ("backfill_pieces_" + std::to_string(::getpid()) + ".om"))
                  .string()) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> LoadWhole(const std::string& text,
                                   const std::string& name) {
  tsdb::Head head;
  return Outcome(LoadOpenMetrics(text, name, head), head);
}

std::vector<std::string> LoadInPieces(const TempFile& file, size_t piece) {
  tsdb::Head head;
  LoadOptions options;
  options.read_piece_bytes = piece;
  return Outcome(LoadOpenMetricsFile(file.path(), head, options), head);
}

// Many series with labels of growing length, so that lines are split by
// every piece size below and some are longer than a piece; each series has
// runs of three lines, as recordings list a series' samples together.
std::string Recording(int lines) {
  std::string text = "# HELP up Whether up.\n# TYPE up gauge\n";
  for (int i = 0; i < lines; ++i) {
    const int k = i / 3;
    text += "up{job=\"j" + std::to_string(k % 7) + "\",pad=\"" +
            std::string(static_cast<size_t>(k % 40), 'p') + "\"} " +
            std::to_string(i % 5) + " " + std::to_string(1000 + i) + "\n";
  }
  return text;
}

TEST(BackfillPiecesTest, EveryPieceSizeLoadsWhatTheWholeTextDoes) {
  const std::string big = Recording(600);
  const std::string inputs[] = {
      big + "# EOF\n",
      big + "# EOF",
      big,                                              // no # EOF
      big + "# EOF\n" + "up 1 1\n",                     // data after it
      big + "# EOF\n\n",                                // even a newline
      big + "# EOFx\n",                                 // not a # EOF
      big + "up{job=\"j1\",pad=\"\"} 5 1000\n# EOF\n",  // out of order
      big + "up{job=\"j1\"} 5\n# EOF\n",                // no timestamp
      big + "up{job=1} 5 9999\n# EOF\n",                // syntax
      big + "up{job=\"j1\",pad=\"\"} 7 1362\n# EOF\n",  // duplicate
      "# EOF\n",
      "",
      "a 1 1\n# EOF\n# EOF\n",
  };
  for (const std::string& text : inputs) {
    TempFile file(text);
    const std::vector<std::string> whole = LoadWhole(text, file.path());
    for (size_t piece : {1, 2, 3, 7, 64, 100, 4096, 1 << 20}) {
      SCOPED_TRACE(text.substr(text.size() > 40 ? text.size() - 40 : 0) +
                   " in pieces of " + std::to_string(piece));
      EXPECT_EQ(LoadInPieces(file, piece), whole);
    }
  }
}

// An error far past the first piece names its own line and column.
TEST(BackfillPiecesTest, ErrorPastTheFirstPieceHasItsPosition) {
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text +=
        "a{i=\"" + std::to_string(i % 10) + "\"} 1 " + std::to_string(i) + "\n";
  }
  text += "a{i=\"3\"} 1 5\n# EOF\n";
  TempFile file(text);
  tsdb::Head head;
  LoadOptions options;
  options.read_piece_bytes = 64;
  auto stats = LoadOpenMetricsFile(file.path(), head, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(std::string(stats.status().message()),
            file.path() +
                ":1001:12: out of order sample for series a{i=\"3\"}: "
                "timestamp 5 is before the series' previous sample at 993");
}

}  // namespace
}  // namespace vigil::backfill
