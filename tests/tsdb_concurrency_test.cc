// Appends, queries and GC at the same time. Meant to be run under
// ASan/UBSan (and TSan): besides the assertions, the sanitizers check that
// readers never touch what a writer is changing.
#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

// More than one block of the querier's (querier.cc): selections are read
// on two threads, while the writer and GC run.
constexpr int kBaseSeries = 300;
constexpr int kScrapes = 400;
constexpr int64_t kIntervalMs = 1000;
constexpr int kReaders = 3;

Matcher M(MatchType type, std::string name, std::string value) {
  auto m = Matcher::Create(type, std::move(name), std::move(value));
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

// Counts a reader in once, when it has checked or gives up on a failure,
// so that a writer waiting halfway for every reader is always released.
class CheckIn {
 public:
  explicit CheckIn(std::atomic<int>& checked_in) : checked_in_(checked_in) {}
  ~CheckIn() { Now(); }
  CheckIn(const CheckIn&) = delete;
  CheckIn& operator=(const CheckIn&) = delete;
  void Now() {
    if (done_) return;
    done_ = true;
    checked_in_.fetch_add(1);
  }

 private:
  std::atomic<int>& checked_in_;
  bool done_ = false;
};

// GC over and over until `done`, up to `ahead` after the last commit.
std::thread GcUntilDone(Head& head, const std::atomic<bool>& done,
                        const std::atomic<int64_t>& committed_t,
                        int64_t ahead) {
  return std::thread([&head, &done, &committed_t, ahead] {
    while (!done.load()) {
      const int64_t t = committed_t.load();
      if (t > 0) head.RunGc(t + ahead);
      std::this_thread::yield();
    }
  });
}

TEST(TsdbConcurrencyTest, WriterReadersAndGcAgreeOnCommits) {
  HeadOptions opts;
  opts.retention_ms = 50 * kIntervalMs;
  opts.chunk_range_ms = 30 * kIntervalMs;  // many chunk cuts and drops
  Head head(opts);
  std::atomic<int64_t> committed_t{-1};
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  // Readers that finished a check. Halfway through, the writer waits for
  // all of them, so every reader checks while writes and GC still run,
  // however the threads happen to be scheduled.
  std::atomic<int> readers_checked{0};

  std::thread writer([&] {
    std::vector<Labels> labels;
    for (int i = 0; i < kBaseSeries; ++i) {
      labels.push_back(Labels::FromStrings(
          {"__name__", "m", "kind", "base", "i", std::to_string(i)}));
    }
    std::vector<SeriesRef> refs(kBaseSeries, 0);
    auto app = head.NewAppender();
    for (int k = 1; k <= kScrapes; ++k) {
      if (k == kScrapes / 2) {
        while (readers_checked.load() < kReaders) std::this_thread::yield();
      }
      const int64_t t = k * kIntervalMs;
      for (int i = 0; i < kBaseSeries; ++i) {
        auto ref = app->Append(refs[i], labels[i], t, static_cast<double>(k));
        if (!ref.ok()) {
          failures.fetch_add(1);
          continue;
        }
        refs[i] = *ref;
      }
      // Churn: short-lived series that GC will collect.
      auto churn =
          app->Append(Labels::FromStrings({"__name__", "m", "kind", "churn",
                                           "k", std::to_string(k)}),
                      t, 1);
      if (!churn.ok()) failures.fetch_add(1);
      if (k % 7 == 0) {
        app->Rollback();  // rolled back scrapes are simply missing
        continue;
      }
      if (!app->Commit().ok()) failures.fetch_add(1);
      committed_t.store(t);
    }
    done.store(true);
  });

  std::thread gc = GcUntilDone(head, done, committed_t, 0);

  const Matchers base = {M(MatchType::kEqual, "__name__", "m"),
                         M(MatchType::kRegexMatch, "kind", "b.*")};
  std::vector<std::thread> readers;
  std::vector<int> checks(kReaders, 0);
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      CheckIn check_in(readers_checked);
      while (!done.load()) {
        const int64_t seen_before_open = committed_t.load();
        // Recent ranges, as rule evaluations use: GC is never held back.
        const int64_t mint =
            seen_before_open > 0 ? seen_before_open - 20 * kIntervalMs : 0;
        auto q = head.OpenQuerier(mint, std::numeric_limits<int64_t>::max());
        if (!q.ok()) {
          failures.fetch_add(1);
          return;
        }
        int64_t last_of_first = -2;
        for (int pass = 0; pass < 2; ++pass) {
          auto set = (*q)->Select({}, base);
          if (!set.ok()) {
            failures.fetch_add(1);
            return;
          }
          if (seen_before_open > 0 &&
              set->size() != static_cast<size_t>(kBaseSeries)) {
            failures.fetch_add(1);
          }
          for (size_t i = 0; i < set->size(); ++i) {
            if (i > 0 && !((*set)[i - 1]->labels() < (*set)[i]->labels())) {
              failures.fetch_add(1);  // not sorted
            }
            auto it = (*set)[i]->Iterator();
            int64_t prev = -1;
            int64_t last = -1;
            while (it->Next()) {
              const Sample s = it->At();
              if (s.t <= prev ||
                  s.v != static_cast<double>(s.t / kIntervalMs)) {
                failures.fetch_add(1);
              }
              prev = last = s.t;
            }
            // Every commit wrote all base series at one time, so a snapshot
            // shows the same newest sample for each; later commits stay
            // invisible however long the querier lives.
            if (last_of_first == -2) last_of_first = last;
            if (last != last_of_first) failures.fetch_add(1);
            if (last < seen_before_open) failures.fetch_add(1);
          }
          std::this_thread::yield();
        }
        ++checks[r];
        check_in.Now();
      }
    });
  }

  writer.join();
  gc.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int r = 0; r < kReaders; ++r) EXPECT_GT(checks[r], 0) << "reader " << r;

  // After a final GC only the retained window is left.
  head.RunGc(kScrapes * kIntervalMs);
  const HeadStats s = head.Stats();
  EXPECT_LE(s.series, static_cast<uint64_t>(kBaseSeries + 60));
  EXPECT_EQ(s.out_of_order_rejected, 0u);
}

// Series that GC keeps collecting while a writer appends to them by the
// refs it kept (found removed, or forgotten, then appended by labels) and
// readers select them and list their label values: lookups by ref race
// with removal and with the freeing of what was removed.
TEST(TsdbConcurrencyTest, AppendsAndSelectsByRefWhileGcCollects) {
  constexpr int kSeries = 600;  // more than two blocks of a selection
  constexpr int kRounds = 200;
  HeadOptions opts;
  opts.retention_ms = 2 * kIntervalMs;
  opts.chunk_range_ms = kIntervalMs;
  Head head(opts);
  std::atomic<int64_t> committed_t{-1};
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> readers_checked{0};

  std::thread writer([&] {
    std::vector<Labels> labels;
    for (int i = 0; i < kSeries; ++i) {
      labels.push_back(
          Labels::FromStrings({"__name__", "g", "i", std::to_string(i)}));
    }
    std::vector<SeriesRef> refs(kSeries, 0);
    auto app = head.NewAppender();
    for (int k = 1; k <= kRounds; ++k) {
      // Halfway, every reader has selected and GC has removed series
      // while the others still run, however the threads are scheduled.
      if (k == kRounds / 2) {
        while (readers_checked.load() < kReaders ||
               head.Stats().series_removed == 0) {
          std::this_thread::yield();
        }
      }
      // Every series only every fourth round: in between GC empties and
      // removes it, and its ref is stale when it comes back.
      const int64_t t = k * 4 * kIntervalMs;
      for (int i = k % 4; i < kSeries; i += 4) {
        auto ref = app->Append(refs[i], labels[i], t, static_cast<double>(t));
        if (!ref.ok()) {
          failures.fetch_add(1);
          continue;
        }
        refs[i] = *ref;
      }
      if (!app->Commit().ok()) failures.fetch_add(1);
      committed_t.store(t);
    }
    done.store(true);
  });

  std::thread gc = GcUntilDone(head, done, committed_t, kIntervalMs);

  const Matchers selector = {M(MatchType::kEqual, "__name__", "g")};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      CheckIn check_in(readers_checked);
      while (!done.load()) {
        // Recent ranges: an open querier's range is kept from GC.
        const int64_t mint =
            std::max<int64_t>(0, committed_t.load() - 4 * kIntervalMs);
        auto q = head.OpenQuerier(mint, std::numeric_limits<int64_t>::max());
        if (!q.ok()) {
          failures.fetch_add(1);
          return;
        }
        auto set = (*q)->Select({}, selector);
        auto values = (*q)->LabelValues("i", selector);
        if (!set.ok() || !values.ok()) {
          failures.fetch_add(1);
          return;
        }
        for (const auto& series : *set) {
          if (series->labels().Get("__name__") != "g") failures.fetch_add(1);
          auto it = series->Iterator();
          while (it->Next()) {
            const Sample s = it->At();
            if (s.v != static_cast<double>(s.t)) failures.fetch_add(1);
          }
        }
        if (!set->empty()) check_in.Now();
      }
    });
  }

  writer.join();
  gc.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(head.Stats().series_removed, 0u);
}

}  // namespace
}  // namespace vigil::tsdb
