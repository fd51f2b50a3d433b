// RunOnLargeStack: handlers get 8 MiB of stack on whatever thread calls
// them, with no thread started per call.
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/api/large_stack.h"

namespace vigil::api {
namespace {

// Uses about `bytes` of stack; returns something the compiler cannot
// fold away.
__attribute__((noinline)) uint64_t UseStack(size_t bytes) {
  volatile char frame[4096];
  for (size_t i = 0; i < sizeof(frame); i += 512)
    frame[i] = static_cast<char>(i);
  if (bytes <= sizeof(frame)) return frame[512];
  return UseStack(bytes - sizeof(frame)) + frame[1024];
}

// Where the caller's frame is: the real stack, also when ASan moves
// locals to its fake stacks (detect_stack_use_after_return).
__attribute__((noinline)) uintptr_t StackAddress() {
  return reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
}

// Runs `fn` on a thread whose stack is `stack_bytes`, as civetweb's workers.
void OnSmallThread(size_t stack_bytes, void (*fn)()) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, stack_bytes), 0);
  pthread_t t;
  ASSERT_EQ(pthread_create(
                &t, &attr,
                [](void* arg) -> void* {
                  reinterpret_cast<void (*)()>(arg)();
                  return nullptr;
                },
                reinterpret_cast<void*>(fn)),
            0);
  pthread_attr_destroy(&attr);
  pthread_join(t, nullptr);
}

TEST(LargeStackTest, RunsDeepRecursionFromASmallStackedThread) {
  static std::atomic<bool> ran{false};
  static std::atomic<bool> mapped{false};
  OnSmallThread(256 << 10, [] {
    // 4 MiB of frames would overflow this thread's own 256 KiB.
    mapped = RunOnLargeStack([] {
      UseStack(4 << 20);
      ran = true;
    });
  });
  EXPECT_TRUE(mapped);
  EXPECT_TRUE(ran);
}

TEST(LargeStackTest, RunsOnAnotherStackOfTheSameThread) {
  std::thread::id inside_thread;
  uintptr_t inside = 0;
  ASSERT_TRUE(RunOnLargeStack([&] {
    inside = StackAddress();
    inside_thread = std::this_thread::get_id();
  }));
  EXPECT_EQ(inside_thread, std::this_thread::get_id());
  const uintptr_t outside = StackAddress();
  const uintptr_t distance =
      inside > outside ? inside - outside : outside - inside;
  EXPECT_GT(distance, kLargeStackBytes / 2);
}

TEST(LargeStackTest, ExceptionsReachTheCaller) {
  EXPECT_THROW(RunOnLargeStack([] { throw std::runtime_error("boom"); }),
               std::runtime_error);
  // And the stack is usable again afterwards.
  int n = 0;
  EXPECT_TRUE(RunOnLargeStack([&] { n = 1; }));
  EXPECT_EQ(n, 1);
}

TEST(LargeStackTest, NestedCallsRunInPlace) {
  int depth = 0;
  ASSERT_TRUE(RunOnLargeStack([&] {
    ++depth;
    EXPECT_TRUE(RunOnLargeStack([&] {
      ++depth;
      UseStack(1 << 20);
    }));
  }));
  EXPECT_EQ(depth, 2);
}

TEST(LargeStackTest, ADeepCallGivesItsPagesBack) {
  ASSERT_TRUE(RunOnLargeStack([] { UseStack(6 << 20); }));
  EXPECT_GT(LargeStackResidentBytes(), 0u);
  EXPECT_LE(LargeStackResidentBytes(), kLargeStackKeptBytes);
}

TEST(LargeStackTest, ThreadsHaveTheirOwnStacks) {
  constexpr int kThreads = 4;
  std::vector<uintptr_t> where(kThreads);
  // Every thread holds on to its stack until all have used theirs: a
  // thread's stack is unmapped when it exits, and the next may get the
  // same addresses.
  std::latch all_ran(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &where, &all_ran] {
      for (int round = 0; round < 100; ++round) {
        EXPECT_TRUE(RunOnLargeStack([&] {
          where[i] = StackAddress();
          UseStack(64 << 10);
        }));
      }
      all_ran.arrive_and_wait();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    for (int j = i + 1; j < kThreads; ++j) {
      const uintptr_t d =
          where[i] > where[j] ? where[i] - where[j] : where[j] - where[i];
      EXPECT_GE(d, kLargeStackBytes / 2) << i << " " << j;
    }
  }
}

}  // namespace
}  // namespace vigil::api
