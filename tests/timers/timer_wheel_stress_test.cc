// Multi-threaded stress of the timing wheel: producers schedule timers and
// cancel their own and each other's, racing two poppers that advance a
// shared virtual clock. Invariants checked at the end, for every timer:
// cancelled (Cancel returned true) => never popped; otherwise popped exactly
// once; never popped before its deadline; a Cancel that returned false
// means the timer fired. Two poppers also exercise PopDue's try-flag (a
// double pop would show as a count of 2).
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "engine/timers/timer_wheel.h"
#include "gtest/gtest.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'650'000'000);

// Bit 63 marks "scheduled", so that slot 0 generation 0 is not 0.
constexpr uint64_t kScheduledBit = uint64_t{1} << 63;
uint64_t Pack(TimerHandle h) {
  return kScheduledBit | (uint64_t{h.slot} << 32) | h.generation;
}
TimerHandle Unpack(uint64_t v) {
  return TimerHandle{static_cast<uint32_t>((v & ~kScheduledBit) >> 32),
                     static_cast<uint32_t>(v)};
}

struct Shared {
  explicit Shared(size_t n)
      : deadline_us(n), handle(n), popped(n), cancelled(n), cancel_lost(n) {}
  std::vector<int64_t> deadline_us;  // written before Schedule, read after pop
  std::vector<std::atomic<uint64_t>> handle;  // 0 until scheduled
  std::vector<std::atomic<int>> popped;
  std::vector<std::atomic<int>> cancelled;    // Cancel returned true
  std::vector<std::atomic<int>> cancel_lost;  // Cancel returned false
  std::atomic<int64_t> now_us{0};
  std::atomic<int64_t> early{0};
  std::atomic<int64_t> refused{0};
};

void RunStress(int producers, int64_t per_producer, size_t capacity,
               absl::Duration tick) {
  TimerWheelOptions options;
  options.start = kStart;
  options.tick = tick;
  options.max_timers = capacity;
  auto created = TimerWheel::Create(options);
  ASSERT_TRUE(created.ok());
  TimerWheel& wheel = **created;
  const size_t total = static_cast<size_t>(producers * per_producer);
  Shared shared(total);
  std::atomic<int> producers_left{producers};

  auto pop_and_record = [&](int64_t now_us, size_t max) {
    std::vector<uint64_t> due;
    const size_t got =
        wheel.PopDue(kStart + absl::Microseconds(now_us), max, &due);
    EXPECT_EQ(got, due.size());
    for (uint64_t p : due) {
      if (shared.deadline_us[p] > now_us) {
        shared.early.fetch_add(1, std::memory_order_relaxed);
      }
      shared.popped[p].fetch_add(1, std::memory_order_relaxed);
    }
    return got;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      const size_t first = static_cast<size_t>(t * per_producer);
      for (size_t i = first; i < first + per_producer; ++i) {
        const int64_t now = shared.now_us.load(std::memory_order_relaxed);
        shared.deadline_us[i] = now - 5 + static_cast<int64_t>(rng() % 3000);
        TimerHandle h;
        // The poppers free slots as the clock moves; the bound only stops a
        // broken wheel from hanging the test.
        for (int attempt = 0; attempt < 10'000'000; ++attempt) {
          h = wheel.Schedule(
              i, kStart + absl::Microseconds(shared.deadline_us[i]));
          if (h.valid()) break;
          shared.refused.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();
        }
        ASSERT_TRUE(h.valid());
        // Release: the cancelling thread's acquire load then happens after
        // Schedule returned, as Cancel requires.
        shared.handle[i].store(Pack(h), std::memory_order_release);
        if (rng() % 2 == 0) {
          // Cancel a recent timer of any producer (possibly fired already,
          // possibly being cancelled by another thread right now).
          const size_t span = std::min<size_t>(i + 1, 64);
          size_t j = i - rng() % span;
          if (rng() % 2 == 0) {
            j = (j + static_cast<size_t>(per_producer) * (rng() % producers)) %
                total;
          }
          const uint64_t packed =
              shared.handle[j].load(std::memory_order_acquire);
          if (packed != 0) {
            if (wheel.Cancel(Unpack(packed))) {
              shared.cancelled[j].fetch_add(1, std::memory_order_relaxed);
            } else {
              shared.cancel_lost[j].fetch_add(1, std::memory_order_relaxed);
            }
          }
        }
      }
      producers_left.fetch_sub(1, std::memory_order_release);
    });
  }
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&, p] {
      std::mt19937_64 rng(77 + p);
      while (producers_left.load(std::memory_order_acquire) > 0) {
        const int64_t now =
            shared.now_us.fetch_add(static_cast<int64_t>(rng() % 40),
                                    std::memory_order_relaxed) +
            static_cast<int64_t>(rng() % 40);
        pop_and_record(now, 1 + rng() % 300);
      }
    });
  }
  for (auto& th : threads) th.join();

  // Quiescent: drain everything.
  const int64_t end_us = int64_t{1} << 40;
  for (int calls = 0; pop_and_record(end_us, 1024) == 1024; ++calls) {
    ASSERT_LT(calls, 1'000'000);
  }
  EXPECT_EQ(wheel.pending(), 0u);
  EXPECT_EQ(shared.early.load(), 0);
  int64_t cancelled = 0, fired = 0, lost = 0;
  for (size_t i = 0; i < total; ++i) {
    ASSERT_NE(shared.handle[i].load(), 0u) << i;
    const int c = shared.cancelled[i].load();
    const int p = shared.popped[i].load();
    ASSERT_LE(c, 1) << "two cancels won for timer " << i;
    if (c == 1) {
      ASSERT_EQ(p, 0) << "cancelled timer " << i << " was popped";
      ++cancelled;
    } else {
      ASSERT_EQ(p, 1) << "timer " << i << " popped " << p << " times";
      ++fired;
    }
    if (shared.cancel_lost[i].load() > 0) {
      // Lost to the fire, or to another canceller.
      ASSERT_TRUE(p == 1 || c == 1) << i;
      ++lost;
    }
  }
  EXPECT_EQ(cancelled + fired, static_cast<int64_t>(total));
  // Every timer's slot is back: the whole capacity can be scheduled again.
  for (size_t i = 0; i < capacity; ++i) {
    ASSERT_TRUE(wheel.Schedule(i, kStart).valid()) << i;
  }
  EXPECT_FALSE(wheel.Schedule(0, kStart).valid());
  std::printf(
      "timers %zu cancelled %lld fired %lld lost-cancels %lld "
      "refused-schedules %lld\n",
      total, static_cast<long long>(cancelled), static_cast<long long>(fired),
      static_cast<long long>(lost),
      static_cast<long long>(shared.refused.load()));
}

TEST(TimerWheelStress, ProducersCancellersAndTwoPoppers) {
  RunStress(/*producers=*/3, testing::Scaled(100'000, 20'000),
            /*capacity=*/size_t{1} << 16, absl::Microseconds(100));
}

TEST(TimerWheelStress, TinyCapacityKeepsRecyclingSlots) {
  // 64 slots: Schedule is refused often, and every slot is recycled many
  // times, so stale handles and generations are exercised hard.
  RunStress(/*producers=*/2, testing::Scaled(50'000, 10'000),
            /*capacity=*/64, absl::Microseconds(1));
}

}  // namespace
}  // namespace boxoffice::internal
