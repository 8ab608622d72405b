// Stress of the wheel's striped producer side: each thread schedules and
// cancels through its own stripe (engine/common/thread_stripe.h), with its
// own free list, block of fresh slots and inboxes, while one owner drains
// every stripe. Cases: 4 producers (no two share a stripe) and 20 (more
// threads than stripes, so some share one); capacity exhaustion when the
// free nodes sit in other stripes' free lists, in their blocks of fresh
// slots, or in their cancel inboxes; threads of one stripe racing to
// install fresh blocks; and reclaiming with no PopDue at all.
// Checked for every timer: fired exactly once or cancelled exactly once,
// never early; pending() exact at every quiescent point; and the full
// capacity, no more, schedulable again at the end (no slot lost or
// duplicated between stripes).
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "engine/common/thread_stripe.h"
#include "engine/timers/timer_wheel.h"
#include "gtest/gtest.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'680'000'000);
const absl::Time kFarFuture = kStart + absl::Hours(24 * 365);

std::unique_ptr<TimerWheel> MakeWheel(size_t capacity) {
  TimerWheelOptions options;
  options.start = kStart;
  options.tick = absl::Microseconds(10);
  options.max_timers = capacity;
  auto wheel = TimerWheel::Create(options);
  EXPECT_TRUE(wheel.ok()) << wheel.status();
  return *std::move(wheel);
}

// Schedules from the calling thread until the wheel refuses; returns how
// many it accepted. Bounded by `limit` so that a wheel that never refuses
// fails the test instead of hanging it.
size_t ScheduleUntilFull(TimerWheel& wheel, absl::Time deadline, size_t limit) {
  size_t accepted = 0;
  while (accepted <= limit && wheel.Schedule(accepted, deadline).valid()) {
    ++accepted;
  }
  return accepted;
}

// Bit 63 marks "scheduled", so that slot 0 generation 0 is not 0.
constexpr uint64_t kScheduledBit = uint64_t{1} << 63;
uint64_t Pack(TimerHandle h) {
  return kScheduledBit | (uint64_t{h.slot} << 32) | h.generation;
}
TimerHandle Unpack(uint64_t v) {
  return TimerHandle{static_cast<uint32_t>((v & ~kScheduledBit) >> 32),
                     static_cast<uint32_t>(v)};
}

// Producers run in rounds; between rounds every producer waits at a
// barrier and the owner is outside PopDue, so the wheel is quiescent and
// pending() must equal scheduled - cancelled - fired exactly.
void RunStriped(int producers, int rounds, int per_round, size_t capacity) {
  auto wheel_ptr = MakeWheel(capacity);
  TimerWheel& wheel = *wheel_ptr;
  const size_t total = static_cast<size_t>(producers) * rounds * per_round;
  std::vector<int64_t> deadline_us(total);
  std::vector<std::atomic<uint64_t>> handle(total);
  std::vector<std::atomic<int>> popped(total);
  std::vector<std::atomic<int>> cancelled(total);
  std::vector<std::atomic<int>> cancel_lost(total);
  std::vector<uint32_t> stripe_of(producers);
  std::atomic<int64_t> scheduled_count{0};
  std::atomic<int64_t> cancelled_count{0};
  std::atomic<int64_t> popped_count{0};
  std::atomic<int64_t> early{0};
  std::atomic<int64_t> refused{0};
  std::atomic<int64_t> now_us{0};
  std::atomic<int> finished{0};  // producers done with the current round
  std::barrier round_end(producers + 1);
  int64_t quiescent_checks = 0;

  auto pop = [&](int64_t now, size_t max) {
    std::vector<uint64_t> due;
    const size_t got =
        wheel.PopDue(kStart + absl::Microseconds(now), max, &due);
    EXPECT_EQ(got, due.size());
    for (uint64_t id : due) {
      if (deadline_us[id] > now) early.fetch_add(1, std::memory_order_relaxed);
      popped[id].fetch_add(1, std::memory_order_relaxed);
    }
    popped_count.fetch_add(static_cast<int64_t>(got),
                           std::memory_order_relaxed);
    return got;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      stripe_of[t] = ThreadStripe();
      std::mt19937_64 rng(500 + t);
      for (int r = 0; r < rounds; ++r) {
        const size_t first =
            (static_cast<size_t>(r) * producers + t) * per_round;
        for (size_t id = first; id < first + per_round; ++id) {
          deadline_us[id] = now_us.load(std::memory_order_relaxed) - 5 +
                            static_cast<int64_t>(rng() % 2000);
          TimerHandle h;
          // The owner frees slots as the clock moves; the bound only stops
          // a broken wheel from hanging the test.
          for (int attempt = 0; attempt < 10'000'000; ++attempt) {
            h = wheel.Schedule(id,
                               kStart + absl::Microseconds(deadline_us[id]));
            if (h.valid()) break;
            refused.fetch_add(1, std::memory_order_relaxed);
            std::this_thread::yield();
          }
          if (!h.valid()) {
            // Not ASSERT: returning early would leave the barrier waiting.
            std::fprintf(stderr, "timer %zu never scheduled\n", id);
            std::abort();
          }
          scheduled_count.fetch_add(1, std::memory_order_relaxed);
          // Release: a canceller's acquire load then happens after
          // Schedule returned, as Cancel requires.
          handle[id].store(Pack(h), std::memory_order_release);
          const uint64_t dice = rng() % 4;
          if (dice == 0) continue;
          // Cancel this timer, or one of any producer from this round or
          // an earlier one (its notice then goes to this thread's stripe,
          // not the scheduler's; it may have fired, or not be scheduled
          // yet).
          size_t victim = id;
          if (dice >= 2) {
            const size_t round = rng() % (r + 1);
            const size_t other = rng() % producers;
            victim =
                (round * producers + other) * per_round + rng() % per_round;
          }
          const uint64_t packed =
              handle[victim].load(std::memory_order_acquire);
          if (packed == 0) continue;
          if (wheel.Cancel(Unpack(packed))) {
            cancelled[victim].fetch_add(1, std::memory_order_relaxed);
            cancelled_count.fetch_add(1, std::memory_order_relaxed);
          } else {
            cancel_lost[victim].fetch_add(1, std::memory_order_relaxed);
          }
        }
        // Release: the owner's acquire of `finished` sees this round's
        // counters.
        finished.fetch_add(1, std::memory_order_release);
        round_end.arrive_and_wait();
      }
    });
  }
  threads.emplace_back([&] {
    std::mt19937_64 rng(99);
    for (int r = 0; r < rounds; ++r) {
      while (finished.load(std::memory_order_acquire) < producers) {
        const int64_t now = now_us.fetch_add(static_cast<int64_t>(rng() % 30),
                                             std::memory_order_relaxed);
        pop(now, 1 + rng() % 200);
      }
      // Quiescent: every producer is at the barrier, and this thread is
      // outside PopDue.
      const int64_t expected =
          scheduled_count.load() - cancelled_count.load() - popped_count.load();
      EXPECT_EQ(wheel.pending(), static_cast<size_t>(expected))
          << "round " << r;
      ++quiescent_checks;
      finished.store(0, std::memory_order_relaxed);
      round_end.arrive_and_wait();
    }
  });
  for (auto& th : threads) th.join();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(quiescent_checks, rounds);

  // The stripes really were spread as the case intends.
  const std::set<uint32_t> distinct(stripe_of.begin(), stripe_of.end());
  if (producers <= static_cast<int>(kThreadStripes)) {
    EXPECT_EQ(distinct.size(), static_cast<size_t>(producers));
  } else {
    EXPECT_LT(distinct.size(), static_cast<size_t>(producers));
  }

  // Drain everything.
  for (int calls = 0; pop(int64_t{1} << 40, 1024) == 1024; ++calls) {
    ASSERT_LT(calls, 1'000'000);
  }
  EXPECT_EQ(wheel.pending(), 0u);
  EXPECT_EQ(early.load(), 0);
  int64_t fired = 0, n_cancelled = 0;
  for (size_t id = 0; id < total; ++id) {
    ASSERT_NE(handle[id].load(), 0u) << id;
    const int c = cancelled[id].load();
    const int p = popped[id].load();
    ASSERT_LE(c, 1) << "two cancels won for timer " << id;
    ASSERT_EQ(c + p, 1) << "timer " << id << " cancelled " << c << " popped "
                        << p;
    if (cancel_lost[id].load() > 0) {
      // Lost to the fire, or to another canceller.
      ASSERT_TRUE(p == 1 || c == 1) << id;
    }
    fired += p;
    n_cancelled += c;
  }
  EXPECT_EQ(fired + n_cancelled, static_cast<int64_t>(total));
  // Every slot is back, wherever its stripe: exactly the capacity again.
  EXPECT_EQ(ScheduleUntilFull(wheel, kFarFuture, capacity), capacity);
  EXPECT_EQ(wheel.pending(), capacity);
  std::printf(
      "producers %d timers %zu fired %lld cancelled %lld refused %lld\n",
      producers, total, static_cast<long long>(fired),
      static_cast<long long>(n_cancelled),
      static_cast<long long>(refused.load()));
}

TEST(TimerWheelStripes, FourProducersEachOnItsOwnStripe) {
  RunStriped(/*producers=*/4, /*rounds=*/8,
             static_cast<int>(testing::Scaled(20'000, 4'000)),
             /*capacity=*/size_t{1} << 14);
}

TEST(TimerWheelStripes, TwentyProducersShareStripes) {
  RunStriped(/*producers=*/20, /*rounds=*/6,
             static_cast<int>(testing::Scaled(5'000, 1'000)),
             /*capacity=*/size_t{1} << 14);
}

TEST(TimerWheelStripes, TwentyProducersTinyCapacity) {
  // 128 slots for 20 threads: stripes run dry all the time, so Schedule
  // keeps stealing from other stripes and becoming the owner to reclaim.
  RunStriped(/*producers=*/20, /*rounds=*/4,
             static_cast<int>(testing::Scaled(3'000, 600)),
             /*capacity=*/128);
}

TEST(TimerWheelStripes, FullWheelTakesNodesFromOtherStripesFreeLists) {
  constexpr size_t kCapacity = 1024;
  constexpr int kThreads = 8;
  auto wheel = MakeWheel(kCapacity);
  const absl::Time deadline = kStart + absl::Seconds(1);
  // Every thread takes an equal share, so the nodes come home to 8 stripes.
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t i = 0; i < kCapacity / kThreads; ++i) {
        EXPECT_TRUE(wheel->Schedule(i, deadline).valid());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wheel->pending(), kCapacity);
  EXPECT_FALSE(wheel->Schedule(0, deadline).valid());
  std::vector<uint64_t> due;
  EXPECT_EQ(wheel->PopDue(deadline, kCapacity, &due), kCapacity);
  EXPECT_EQ(wheel->pending(), 0u);
  // This thread's stripe holds at most one share; the rest must come from
  // the other stripes' free lists.
  EXPECT_EQ(ScheduleUntilFull(*wheel, deadline, kCapacity), kCapacity);
  // And again from a new thread, after the nodes went home to this one.
  due.clear();
  EXPECT_EQ(wheel->PopDue(deadline, kCapacity, &due), kCapacity);
  std::thread([&] {
    EXPECT_EQ(ScheduleUntilFull(*wheel, deadline, kCapacity), kCapacity);
  }).join();
  EXPECT_EQ(wheel->pending(), kCapacity);
}

TEST(TimerWheelStripes, FullWheelTakesOtherStripesFreshBlocks) {
  // 4096 slots: blocks of 64 fresh slots. 16 threads (every stripe) each
  // schedule one timer, taking a block and leaving 63 slots in it; then one
  // thread must get every remaining slot: the global counter's blocks,
  // then the blocks parked in the other 15 stripes.
  constexpr size_t kCapacity = 4096;
  auto wheel = MakeWheel(kCapacity);
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreadStripes; ++t) {
    threads.emplace_back(
        [&] { EXPECT_TRUE(wheel->Schedule(0, kFarFuture).valid()); });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ScheduleUntilFull(*wheel, kFarFuture, kCapacity),
            kCapacity - kThreadStripes);
  EXPECT_EQ(wheel->pending(), kCapacity);
}

TEST(TimerWheelStripes, ConcurrentFillHandsOutEverySlotExactlyOnce) {
  // 32 threads (two per stripe) fill an empty wheel at once, so threads of
  // one stripe race to take and install blocks of fresh slots; the rest of
  // a block that lost the race must reach the free list, not be dropped.
  constexpr size_t kCapacity = 8192;
  constexpr int kThreads = 2 * kThreadStripes;
  auto wheel = MakeWheel(kCapacity);
  std::vector<std::vector<TimerHandle>> handles(kThreads);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (size_t i = 0; i <= kCapacity; ++i) {
        const TimerHandle h = wheel->Schedule(i, kFarFuture);
        if (!h.valid()) break;
        handles[t].push_back(h);
      }
    });
  }
  for (auto& th : threads) th.join();
  // A refusal can be transient (a block in the hands of a thread about to
  // install it), so top up from here; the total must be exact.
  std::set<uint32_t> slots;
  size_t accepted = 0;
  for (const auto& per_thread : handles) {
    accepted += per_thread.size();
    for (const TimerHandle h : per_thread) slots.insert(h.slot);
  }
  EXPECT_EQ(slots.size(), accepted) << "a slot was handed out twice";
  EXPECT_EQ(accepted + ScheduleUntilFull(*wheel, kFarFuture, kCapacity),
            kCapacity);
  EXPECT_EQ(wheel->pending(), kCapacity);
}

TEST(TimerWheelStripes, TwoThreadsOfOneStripeRaceForFreshBlocks) {
  // Of 17 threads two share a stripe (pigeonhole); only that pair fills
  // fresh wheels, running at once on the two cores: their shared block
  // runs dry for both at the same moment, so both take a new block and one
  // of them loses the install and must put its rest on the free list.
  constexpr int kThreads = kThreadStripes + 1;
  constexpr size_t kCapacity = size_t{1} << 14;
  const int rounds = static_cast<int>(testing::Scaled(200, 20));
  std::vector<uint32_t> stripe_of(kThreads);
  std::barrier drawn(kThreads);
  std::barrier pair_sync(2);
  std::unique_ptr<TimerWheel> wheel;
  std::vector<std::vector<TimerHandle>> handles(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      stripe_of[t] = ThreadStripe();
      drawn.arrive_and_wait();
      // The pair: the first two threads with the same stripe.
      int role = -1;
      for (int a = 0; a < kThreads && role < 0; ++a) {
        for (int b = a + 1; b < kThreads; ++b) {
          if (stripe_of[a] != stripe_of[b]) continue;
          if (t == a) role = 0;
          if (t == b) role = 1;
          if (role < 0) role = 2;  // a pair exists and it is not us
          break;
        }
      }
      if (role != 0 && role != 1) return;
      for (int r = 0; r < rounds; ++r) {
        if (role == 0) wheel = MakeWheel(kCapacity);
        handles[role].clear();
        pair_sync.arrive_and_wait();
        for (size_t i = 0; i <= kCapacity; ++i) {
          const TimerHandle h = wheel->Schedule(i, kFarFuture);
          if (!h.valid()) break;
          handles[role].push_back(h);
        }
        pair_sync.arrive_and_wait();
        if (role == 0) {
          std::set<uint32_t> slots;
          for (const auto& per_thread : handles) {
            for (const TimerHandle h : per_thread) slots.insert(h.slot);
          }
          const size_t accepted = handles[0].size() + handles[1].size();
          EXPECT_EQ(slots.size(), accepted) << "round " << r;
          EXPECT_EQ(accepted + ScheduleUntilFull(*wheel, kFarFuture, kCapacity),
                    kCapacity)
              << "round " << r;
        }
        pair_sync.arrive_and_wait();
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::set<uint32_t> distinct(stripe_of.begin(), stripe_of.end());
  EXPECT_LT(distinct.size(), static_cast<size_t>(kThreads));
}

TEST(TimerWheelStripes, FullWheelReclaimsCancelsFromEveryStripesInbox) {
  constexpr size_t kCapacity = 512;
  constexpr int kThreads = 8;
  auto wheel = MakeWheel(kCapacity);
  std::vector<std::vector<TimerHandle>> handles(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < kCapacity / kThreads; ++i) {
        handles[t].push_back(wheel->Schedule(i, kFarFuture));
        EXPECT_TRUE(handles[t].back().valid());
      }
    });
  }
  for (auto& th : threads) th.join();
  threads.clear();
  EXPECT_FALSE(wheel->Schedule(0, kFarFuture).valid());
  // Each thread cancels another's timers: the notices land in 8 stripes
  // other than the schedulers', and no PopDue runs.
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const TimerHandle h : handles[(t + 1) % kThreads]) {
        EXPECT_TRUE(wheel->Cancel(h));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wheel->pending(), 0u);
  // The first Schedule finds no free node, drains every inbox as the
  // owner, and then the whole capacity is there.
  EXPECT_EQ(ScheduleUntilFull(*wheel, kFarFuture, kCapacity), kCapacity);
  // Stale handles cancel nothing, though their slots are in use again.
  for (const auto& per_thread : handles) {
    for (const TimerHandle h : per_thread) EXPECT_FALSE(wheel->Cancel(h));
  }
  EXPECT_EQ(wheel->pending(), kCapacity);
}

TEST(TimerWheelStripes, ConcurrentScheduleCancelWithNoPopDue) {
  // No owner thread: cancelled nodes come back only through the full
  // Schedule's own drain. 20 threads (some sharing stripes) on 64 slots.
  constexpr size_t kCapacity = 64;
  constexpr int kThreads = 20;
  const int per_thread = static_cast<int>(testing::Scaled(20'000, 3'000));
  auto wheel = MakeWheel(kCapacity);
  std::atomic<int64_t> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        TimerHandle h;
        // Refused only while another thread holds the owner flag with
        // nothing free yet; the bound stops a leaking wheel from hanging.
        for (int attempt = 0; attempt < 10'000'000; ++attempt) {
          h = wheel->Schedule(static_cast<uint64_t>(t), kFarFuture);
          if (h.valid()) break;
          refused.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();
        }
        ASSERT_TRUE(h.valid());
        // Nobody else cancels it and nothing fires it.
        ASSERT_TRUE(wheel->Cancel(h));
        ASSERT_FALSE(wheel->Cancel(h));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wheel->pending(), 0u);
  EXPECT_EQ(ScheduleUntilFull(*wheel, kFarFuture, kCapacity), kCapacity);
  std::printf("refused schedules %lld\n",
              static_cast<long long>(refused.load()));
}

}  // namespace
}  // namespace boxoffice::internal
