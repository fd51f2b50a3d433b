// When vigil gives freed memory back: once requests go quiet, and at the
// latest a while after the first one, so a dashboard that never pauses
// still gets its garbage returned.
#include "exporter/memory_trimmer.h"

#include <gtest/gtest.h>

#include <future>

namespace vigil::exporter {
namespace {

TEST(TrimScheduleTest, NothingToTrimUntilARequest) {
  TrimSchedule s(1000, 5000);
  EXPECT_FALSE(s.Due());
  s.Activity(100);
  EXPECT_EQ(s.Due(), 1100);
  s.Trimmed();
  EXPECT_FALSE(s.Due());
}

TEST(TrimScheduleTest, QuietPeriodMovesWithEachRequest) {
  TrimSchedule s(1000, 5000);
  s.Activity(0);
  s.Activity(700);
  EXPECT_EQ(s.Due(), 1700);
}

TEST(TrimScheduleTest, NeverLaterThanTheMaximumAfterTheFirst) {
  TrimSchedule s(1000, 5000);
  for (int64_t t = 0; t <= 10000; t += 500) s.Activity(t);
  EXPECT_EQ(s.Due(), 5000);
  s.Trimmed();
  s.Activity(10500);
  EXPECT_EQ(s.Due(), 11500);
}

TEST(MemoryTrimmerTest, TrimsAfterNotify) {
  std::promise<void> trimmed;
  bool once = false;
  MemoryTrimmer trimmer(
      [&] {
        if (!once) trimmed.set_value();
        once = true;
      },
      /*quiet_ms=*/0, /*max_delay_ms=*/0);
  EXPECT_EQ(trimmer.trims(), 0);
  trimmer.Notify();
  trimmed.get_future().wait();
}

TEST(MemoryTrimmerTest, StopsWithoutEverTrimming) {
  int calls = 0;
  {
    MemoryTrimmer trimmer([&] { ++calls; });
  }
  EXPECT_EQ(calls, 0);
}

class CountingObserver : public api::RequestObserver {
 public:
  void ObserveRequest(std::string_view, int, double) override { ++seen; }
  int seen = 0;
};

TEST(TrimmingObserverTest, ForwardsAllAndNotifiesForLongRequests) {
  CountingObserver next;
  std::promise<void> trimmed;
  bool once = false;
  MemoryTrimmer trimmer(
      [&] {
        if (!once) trimmed.set_value();
        once = true;
      },
      0, 0);
  TrimmingObserver observer(&next, &trimmer);
  observer.ObserveRequest("/api/v1/query", 200, 0.001);
  EXPECT_EQ(next.seen, 1);
  observer.ObserveRequest("/api/v1/query_range", 200, 0.5);
  EXPECT_EQ(next.seen, 2);
  trimmed.get_future().wait();
}

}  // namespace
}  // namespace vigil::exporter
