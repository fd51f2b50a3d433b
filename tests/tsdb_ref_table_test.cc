// RefTable (lib/tsdb/ref_table.h): lookups by ref without a lock, and the
// freeing of removed series only once no guard can have found them. The
// concurrent cases are meant for TSan and ASan as much as for their
// assertions.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/tsdb/mem_series.h"
#include "lib/tsdb/ref_table.h"
#include "lib/tsdb/symbol_table.h"
#include "vigil/tsdb.h"

namespace vigil::tsdb {
namespace {

class RefTableTest : public ::testing::Test {
 protected:
  std::shared_ptr<MemSeries> NewSeries(SeriesRef ref) {
    return std::make_shared<MemSeries>(
        ref, Labels::FromStrings({"__name__", "m", "ref", std::to_string(ref)}),
        symbols_);
  }

  SymbolTable symbols_;  // before the table: its series hold symbols
  RefTable table_;
};

TEST_F(RefTableTest, FindsWhatWasSetAndNothingElse) {
  // Beyond the first directory, in a later segment, and a ref only a
  // write-ahead log would name (kept apart from the array).
  const SeriesRef refs[] = {1, 2, kRefSegment, 100 * kRefSegment + 3,
                            kDenseRefs + 5};
  std::vector<std::shared_ptr<MemSeries>> owners;
  for (SeriesRef ref : refs) {
    owners.push_back(NewSeries(ref));
    table_.Set(ref, owners.back().get());
  }
  RefTable::Guard guard(table_);
  for (size_t i = 0; i < owners.size(); ++i) {
    EXPECT_EQ(table_.Find(refs[i], guard), owners[i].get()) << refs[i];
  }
  for (SeriesRef absent :
       {SeriesRef{0}, SeriesRef{3}, SeriesRef{kRefSegment + 1},
        SeriesRef{1000 * kRefSegment}, kDenseRefs + 6, ~SeriesRef{0}}) {
    EXPECT_EQ(table_.Find(absent, guard), nullptr) << absent;
  }
}

TEST_F(RefTableTest, ErasedIsGoneAndFreedAtReclaimWithoutReaders) {
  for (SeriesRef ref : {SeriesRef{7}, kDenseRefs + 1}) {
    auto s = NewSeries(ref);
    std::weak_ptr<MemSeries> watch = s;
    table_.Set(ref, s.get());
    table_.Erase(ref, std::move(s));
    {
      RefTable::Guard guard(table_);
      EXPECT_EQ(table_.Find(ref, guard), nullptr);
    }
    EXPECT_FALSE(watch.expired()) << "freed before Reclaim()";
    EXPECT_EQ(table_.RetiredCount(), 1u);
    EXPECT_EQ(table_.Reclaim(), 1u);
    EXPECT_TRUE(watch.expired());
    EXPECT_EQ(table_.RetiredCount(), 0u);
  }
}

TEST_F(RefTableTest, GuardKeepsWhatItMayHaveFoundUntilItGoes) {
  auto s = NewSeries(1);
  std::weak_ptr<MemSeries> watch = s;
  table_.Set(1, s.get());
  auto guard = std::make_unique<RefTable::Guard>(table_);
  MemSeries* found = table_.Find(1, *guard);
  ASSERT_EQ(found, s.get());
  table_.Erase(1, std::move(s));
  // However often GC runs, the series stays while the guard lives.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(table_.Reclaim(), 0u);
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(found->ref(), 1u);
  }
  guard.reset();
  EXPECT_EQ(table_.Reclaim(), 1u);
  EXPECT_TRUE(watch.expired());
}

TEST_F(RefTableTest, LaterGuardDoesNotHoldBackWhatWasRetiredBeforeIt) {
  auto early = NewSeries(1);
  std::weak_ptr<MemSeries> watch_early = early;
  table_.Set(1, early.get());
  table_.Erase(1, std::move(early));
  EXPECT_EQ(table_.Reclaim(), 1u);  // no guard: freed at once
  EXPECT_TRUE(watch_early.expired());

  auto late = NewSeries(2);
  std::weak_ptr<MemSeries> watch_late = late;
  table_.Set(2, late.get());
  table_.Erase(2, std::move(late));
  table_.Reclaim();  // no guard yet: freed
  RefTable::Guard guard(table_);
  EXPECT_TRUE(watch_late.expired());
  // Retired while the guard lives: kept for it, then freed.
  auto third = NewSeries(3);
  std::weak_ptr<MemSeries> watch_third = third;
  table_.Set(3, third.get());
  table_.Erase(3, std::move(third));
  EXPECT_EQ(table_.Reclaim(), 0u);
  EXPECT_FALSE(watch_third.expired());
}

TEST_F(RefTableTest, EmptiedSegmentIsDroppedAndComesBack) {
  std::vector<std::shared_ptr<MemSeries>> owners;
  const SeriesRef base = 5 * kRefSegment;
  for (SeriesRef r = base; r < base + 3; ++r) {
    owners.push_back(NewSeries(r));
    table_.Set(r, owners.back().get());
  }
  for (size_t i = 0; i < owners.size(); ++i) {
    table_.Erase(base + i, std::move(owners[i]));
  }
  EXPECT_EQ(table_.Reclaim(), 3u);
  auto again = NewSeries(base + 1);
  table_.Set(base + 1, again.get());
  RefTable::Guard guard(table_);
  EXPECT_EQ(table_.Find(base + 1, guard), again.get());
  EXPECT_EQ(table_.Find(base, guard), nullptr);
}

// Readers look series up and read them while a writer keeps adding
// series, growing the directory, removing them (emptying whole segments)
// and reclaiming. A reader only ever sees a series under the ref it was
// set at, and never one already freed (ASan/TSan would say).
TEST_F(RefTableTest, ConcurrentFindsDuringCreationRemovalAndReclaim) {
  constexpr SeriesRef kRefs = 6 * kRefSegment;
  constexpr int kReaders = 2;
  std::atomic<SeriesRef> created{0};  // refs below are set or were
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> readers_started{0};
  std::atomic<uint64_t> seen{0};
  // Readers that found a series. Halfway through, the writer waits for all
  // of them, so that each reads while the writer still runs, however the
  // threads are scheduled.
  std::atomic<int> readers_found{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      readers_started.fetch_add(1);
      uint64_t x = 12345 + r;
      uint64_t local_seen = 0;
      while (!done.load()) {
        RefTable::Guard guard(table_);
        const SeriesRef limit = created.load() + 1;
        for (int i = 0; i < 64; ++i) {
          x = x * 6364136223846793005u + 1442695040888963407u;
          const SeriesRef ref = 1 + (x >> 33) % limit;
          if (const MemSeries* s = table_.Find(ref, guard)) {
            if (s->ref() != ref ||
                !s->HasLabels(Labels::FromStrings(
                    {"__name__", "m", "ref", std::to_string(ref)}))) {
              bad.fetch_add(1);
            }
            if (++local_seen == 1) readers_found.fetch_add(1);
          }
        }
      }
      seen.fetch_add(local_seen);
    });
  }
  while (readers_started.load() < kReaders) std::this_thread::yield();
  std::vector<std::shared_ptr<MemSeries>> live;
  for (SeriesRef ref = 1; ref <= kRefs; ++ref) {
    live.push_back(NewSeries(ref));
    table_.Set(ref, live.back().get());
    created.store(ref);
    if (ref == kRefs / 2) {
      while (readers_found.load() < kReaders) std::this_thread::yield();
    }
    // Remove all but every tenth of each batch, so most segments empty.
    if (ref % 256 == 0) {
      for (auto& s : live) {
        const SeriesRef r = s->ref();
        if (r % 10 != 0) table_.Erase(r, std::move(s));
      }
      std::erase(live, nullptr);
      table_.Reclaim();
    }
  }
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(seen.load(), 0u);
  // Once the readers are gone everything retired goes.
  table_.Reclaim();
  EXPECT_EQ(table_.RetiredCount(), 0u);
  RefTable::Guard guard(table_);
  for (SeriesRef ref = 1; ref <= kRefs; ++ref) {
    EXPECT_EQ(table_.Find(ref, guard) != nullptr, ref % 10 == 0) << ref;
  }
}

}  // namespace
}  // namespace vigil::tsdb
