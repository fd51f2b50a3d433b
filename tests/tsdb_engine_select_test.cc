// Large selections over the Head, which the engine reads on two threads
// (lib/model/block_pool.h): the answers are those of the same queries over
// the test storage, read on one; the query's injected clock is read only
// by the thread that runs the query. Run under TSan too (scripts/test.sh).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/support/memory_storage.h"
#include "vigil/promql/engine.h"
#include "vigil/tsdb.h"

namespace vigil {
namespace {

constexpr int64_t kScrapeMs = 30'000;
constexpr int kScrapes = 200;
// Several blocks of the querier's and of the engine's selection.
constexpr int kSeries = 600;

class LargeSelectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.NewAppender();
    for (int i = 0; i < kScrapes; ++i) {
      const int64_t t = i * kScrapeMs;
      for (int s = 0; s < kSeries; ++s) {
        // Some series end early (a staleness marker), some start late, so
        // blocks differ in what they keep.
        if (s % 7 == 3 && i > 150) continue;
        if (s % 11 == 5 && i < 120) continue;
        const Labels l = Labels::FromStrings(
            {"__name__", "requests_total", "group", std::to_string(s % 13),
             "instance", absl::StrFormat("pod-%04d-with-a-long-name", s)});
        const double v = s % 7 == 3 && i == 150
                             ? StaleNaN()
                             : static_cast<double>(i * (s % 17 + 1));
        ASSERT_TRUE(app->Append(0, l, t, v).ok());
        reference_.Add(l, t, v);
      }
      if (i % 20 == 19) {
        ASSERT_TRUE(app->Commit().ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  static std::vector<std::string> Text(const promql::QueryResult& res) {
    std::vector<std::string> out;
    if (const auto* v = std::get_if<promql::Vector>(&res.value)) {
      for (const promql::VectorSample& s : *v) {
        out.push_back(
            absl::StrFormat("%s %d %.17g", s.metric.ToString(), s.t, s.v));
      }
      // An instant vector has no order; compare as sets.
      std::sort(out.begin(), out.end());
    } else if (const auto* m = std::get_if<promql::Matrix>(&res.value)) {
      for (const promql::MatrixSeries& s : *m) {
        for (const Sample& p : s.samples) {
          out.push_back(
              absl::StrFormat("%s %d %.17g", s.metric.ToString(), p.t, p.v));
        }
      }
    }
    return out;
  }

  void ExpectSame(const std::string& query) {
    const int64_t end = (kScrapes - 1) * kScrapeMs + kScrapeMs / 2;
    auto got = engine_.InstantQuery(head_, query, end);
    auto want = engine_.InstantQuery(reference_, query, end);
    ASSERT_TRUE(got.ok()) << query << ": " << got.status();
    ASSERT_TRUE(want.ok()) << query << ": " << want.status();
    EXPECT_EQ(Text(*got), Text(*want)) << "instant " << query;
    EXPECT_FALSE(Text(*got).empty()) << query;

    auto got_range =
        engine_.RangeQuery(head_, query, end - 3'600'000, end, kScrapeMs);
    auto want_range =
        engine_.RangeQuery(reference_, query, end - 3'600'000, end, kScrapeMs);
    ASSERT_TRUE(got_range.ok()) << query << ": " << got_range.status();
    ASSERT_TRUE(want_range.ok()) << query << ": " << want_range.status();
    // A range answer is sorted by labels, so compared in order.
    EXPECT_EQ(Text(*got_range), Text(*want_range)) << "range " << query;
  }

  tsdb::Head head_;
  testing::MemoryStorage reference_;
  promql::Engine engine_;
};

TEST_F(LargeSelectionTest, SameAnswersAsOneThread) {
  ExpectSame("requests_total");
  ExpectSame("rate(requests_total[5m])");
  ExpectSame("sum by (group) (rate(requests_total[5m]))");
  ExpectSame("count_over_time(requests_total[10m])");
  ExpectSame("requests_total{group=~\"1|2\"}");
}

TEST_F(LargeSelectionTest, TimeoutSeenWhileSelecting) {
  // A clock that moves a second at every reading, which only the query's
  // own thread may make (TSan would see a helper's read of `readings`).
  int64_t readings = 0;
  promql::EngineOptions o;
  o.timeout = std::chrono::seconds(3);
  o.monotonic_clock = [&readings] {
    return std::chrono::steady_clock::time_point(
        std::chrono::seconds(readings++));
  };
  promql::Engine engine(o);
  auto res =
      engine.InstantQuery(head_, "requests_total", (kScrapes - 1) * kScrapeMs);
  EXPECT_EQ(res.status().code(), absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace vigil
