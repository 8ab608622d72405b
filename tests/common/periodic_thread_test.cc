#include "engine/common/periodic_thread.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

// Waits (bounded: 10 s) until `done()` holds; false if it never did.
template <typename Pred>
bool WaitUntil(Pred done) {
  for (int i = 0; i < 10'000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

bool WaitForCalls(const std::atomic<int>& calls, int n) {
  return WaitUntil([&] { return calls.load() >= n; });
}

TEST(PeriodicThreadTest, CallsRepeatedlyUntilStoppedAndNeverAfter) {
  std::atomic<int> calls{0};
  PeriodicThread t;
  t.Start(absl::Milliseconds(1), [&] { calls.fetch_add(1); });
  ASSERT_TRUE(WaitForCalls(calls, 3));
  t.Stop();
  const int at_stop = calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(calls.load(), at_stop);
  t.Stop();  // idempotent
}

TEST(PeriodicThreadTest, StopDoesNotWaitForTheInterval) {
  std::atomic<int> calls{0};
  PeriodicThread t;
  t.Start(absl::Hours(1), [&] { calls.fetch_add(1); });
  const auto t0 = std::chrono::steady_clock::now();
  t.Stop();
  // Not a timing assertion on speed: an hour-long wait would mean Stop
  // slept through the interval instead of waking the thread.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::minutes(1));
  EXPECT_EQ(calls.load(), 0);
}

TEST(PeriodicThreadTest, StopWaitsForACallInProgress) {
  std::atomic<bool> inside{false};
  std::atomic<bool> finished{false};
  PeriodicThread t;
  t.Start(absl::Milliseconds(1), [&] {
    if (finished.load()) return;
    inside.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    finished.store(true);
  });
  ASSERT_TRUE(WaitUntil([&] { return inside.load(); }));
  t.Stop();
  EXPECT_TRUE(finished.load());
}

TEST(PeriodicThreadTest, DestructorStopsAndCanRestartAfterStop) {
  std::atomic<int> calls{0};
  {
    PeriodicThread t;
    t.Start(absl::Milliseconds(1), [&] { calls.fetch_add(1); });
    ASSERT_TRUE(WaitForCalls(calls, 1));
    t.Stop();
    t.Start(absl::Milliseconds(1), [&] { calls.fetch_add(1); });
    const int before = calls.load();
    ASSERT_TRUE(WaitForCalls(calls, before + 1));
  }  // the destructor joins the second thread
  const int after = calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(calls.load(), after);
}

}  // namespace
}  // namespace boxoffice::internal
