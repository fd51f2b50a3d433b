// RunBlocks: every item once, from any number of callers at once, and a
// large piece of work shared with a helper thread. Run under TSan too
// (scripts/test.sh).
#include "lib/model/block_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace vigil {
namespace {

// Runs RunBlocks over n items and checks each was visited exactly once,
// by blocks of at most `block` items.
void ExpectEachOnce(size_t n, size_t block) {
  std::vector<std::atomic<int>> visits(n);
  std::atomic<bool> oversized{false};
  RunBlocks(n, block, [&](size_t b, size_t e) {
    if (e <= b || e - b > std::max<size_t>(block, 1) || e > n) oversized = true;
    for (size_t i = b; i < e; ++i) visits[i].fetch_add(1);
  });
  EXPECT_FALSE(oversized) << "n=" << n << " block=" << block;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(visits[i].load(), 1) << "item " << i << " of " << n;
  }
}

TEST(BlockPoolTest, VisitsEveryItemOnce) {
  for (size_t n : {0, 1, 2, 127, 128, 129, 256, 1000, 10'007}) {
    ExpectEachOnce(n, 128);
  }
  ExpectEachOnce(10, 1);
  ExpectEachOnce(10, 0);  // taken as 1
}

TEST(BlockPoolTest, SmallWorkStaysOnTheCaller) {
  const std::thread::id caller = std::this_thread::get_id();
  bool elsewhere = false;
  RunBlocks(100, 128, [&](size_t, size_t) {
    elsewhere = elsewhere || std::this_thread::get_id() != caller;
  });
  EXPECT_FALSE(elsewhere);
}

TEST(BlockPoolTest, ManyCallersAtOnce) {
  std::vector<std::thread> callers;
  for (int c = 0; c < 6; ++c) {
    callers.emplace_back([] {
      for (int round = 0; round < 50; ++round) ExpectEachOnce(3000, 64);
    });
  }
  for (auto& t : callers) t.join();
}

TEST(BlockPoolTest, LargeWorkIsShared) {
  if (BlockPoolHelpers() == 0) GTEST_SKIP() << "one core: no helpers";
  // The first block claimed holds its thread until another thread has
  // started a block: only a helper can, as blocks go one per claim.
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::thread::id> threads;
  int started = 0;
  bool timed_out = false;
  RunBlocks(64, 8, [&](size_t, size_t) {
    std::unique_lock<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
    if (++started == 1) {
      // A bound for a failing test, not a wait standing for an event.
      timed_out = !cv.wait_for(lock, std::chrono::seconds(30),
                               [&] { return started > 1; });
    } else {
      cv.notify_all();
    }
  });
  EXPECT_FALSE(timed_out);
  EXPECT_GE(threads.size(), 2u);
}

}  // namespace
}  // namespace vigil
