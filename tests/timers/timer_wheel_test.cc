// Unit tests of the timing wheel: exact firing, cancel, stale handles,
// cascades across every level boundary, the overflow list, bounded batches
// and capacity.
#include "engine/timers/timer_wheel.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

std::unique_ptr<TimerWheel> MakeWheel(
    absl::Duration tick = absl::Milliseconds(1), size_t max_timers = 1024) {
  TimerWheelOptions options;
  options.start = kStart;
  options.tick = tick;
  options.max_timers = max_timers;
  auto wheel = TimerWheel::Create(options);
  EXPECT_TRUE(wheel.ok()) << wheel.status();
  return *std::move(wheel);
}

absl::Time At(int64_t us) { return kStart + absl::Microseconds(us); }

std::vector<uint64_t> Pop(TimerWheel& wheel, absl::Time now,
                          size_t max = 1'000'000) {
  std::vector<uint64_t> due;
  wheel.PopDue(now, max, &due);
  return due;
}

TEST(TimerWheelCreate, RejectsBadOptions) {
  TimerWheelOptions options;
  options.tick = absl::ZeroDuration();
  EXPECT_EQ(TimerWheel::Create(options).status(),
            absl::InvalidArgumentError("TimerWheelOptions.tick must be a "
                                       "positive whole number of "
                                       "microseconds"));
  options.tick = absl::Nanoseconds(1500);
  EXPECT_EQ(TimerWheel::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.tick = -absl::Milliseconds(1);
  EXPECT_EQ(TimerWheel::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.tick = absl::Milliseconds(1);
  options.max_timers = 0;
  EXPECT_EQ(TimerWheel::Create(options).status(),
            absl::InvalidArgumentError(
                "TimerWheelOptions.max_timers must be in [1, 1073741824]"));
  options.max_timers = 16;
  options.start = absl::InfiniteFuture();
  EXPECT_EQ(
      TimerWheel::Create(options).status(),
      absl::InvalidArgumentError("TimerWheelOptions.start must be finite"));
  options.start = kStart;
  EXPECT_TRUE(TimerWheel::Create(options).ok());
}

// prepared_timers only writes pages ahead; it is clipped to the capacity
// (ASan sees a write past the node array), and a wheel built with it, or
// with more fresh nodes than one populate region, fills and drains exactly.
TEST(TimerWheelCreate, PreparedTimersAreClippedAndChangeNothingSeen) {
  for (size_t prepared : {size_t{0}, size_t{5}, size_t{10}, size_t{100'000}}) {
    SCOPED_TRACE(prepared);
    TimerWheelOptions options;
    options.start = kStart;
    options.max_timers = 10;
    options.prepared_timers = prepared;
    auto wheel = TimerWheel::Create(options);
    ASSERT_TRUE(wheel.ok()) << wheel.status();
    for (uint64_t i = 0; i < 10; ++i) {
      ASSERT_TRUE((*wheel)->Schedule(i, At(1000)).valid());
    }
    EXPECT_FALSE((*wheel)->Schedule(10, At(1000)).valid());
    EXPECT_EQ(Pop(**wheel, At(1000)).size(), 10u);
  }
  // Past several 4,096-node populate regions, prepared for half of them.
  TimerWheelOptions options;
  options.start = kStart;
  options.max_timers = 20'000;
  options.prepared_timers = 10'000;
  auto wheel = TimerWheel::Create(options);
  ASSERT_TRUE(wheel.ok()) << wheel.status();
  for (uint64_t i = 0; i < 20'000; ++i) {
    ASSERT_TRUE((*wheel)->Schedule(i, At(5000 + i % 7)).valid()) << i;
  }
  EXPECT_FALSE((*wheel)->Schedule(20'000, At(5000)).valid());
  std::vector<uint64_t> due = Pop(**wheel, At(5006));
  std::sort(due.begin(), due.end());
  ASSERT_EQ(due.size(), 20'000u);
  for (uint64_t i = 0; i < 20'000; ++i) ASSERT_EQ(due[i], i);
}

TEST(TimerWheel, FiresAtTheDeadlineToTheMicrosecondNeverBefore) {
  auto wheel = MakeWheel();
  const TimerHandle h = wheel->Schedule(7, At(1234));
  ASSERT_TRUE(h.valid());
  EXPECT_EQ(wheel->pending(), 1u);
  EXPECT_THAT(Pop(*wheel, At(1233)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(1233) + absl::Nanoseconds(999)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(1234)), ElementsAre(7u));
  EXPECT_EQ(wheel->pending(), 0u);
  EXPECT_THAT(Pop(*wheel, At(5000)), IsEmpty());
}

TEST(TimerWheel, SubMicrosecondDeadlineRoundsUpNotDown) {
  auto wheel = MakeWheel();
  wheel->Schedule(1, At(10) + absl::Nanoseconds(1));
  EXPECT_THAT(Pop(*wheel, At(10)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(11)), ElementsAre(1u));
}

TEST(TimerWheel, SubMicrosecondDeadlinesRoundUpBeforeTheStartToo) {
  // Before the start the microsecond count is negative: -1.5 us must become
  // -1 us (the ceiling), not -2 us (which would fire it 0.5 us early).
  auto wheel = MakeWheel();
  wheel->Schedule(1, At(-2) + absl::Nanoseconds(500));
  wheel->Schedule(2, At(-3));
  wheel->Schedule(3, At(5) - absl::Nanoseconds(1));
  EXPECT_THAT(Pop(*wheel, At(-3)), ElementsAre(2u));
  EXPECT_THAT(Pop(*wheel, At(-2)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(-1)), ElementsAre(1u));
  EXPECT_THAT(Pop(*wheel, At(5) - absl::Nanoseconds(2)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(5)), ElementsAre(3u));
}

TEST(TimerWheel, EntriesOfTheCurrentTickWaitForTheirOwnDeadline) {
  // Tick 1 ms: deadlines 100, 400 and 900 us share tick 0, and 1000 us is
  // the next tick; each fires at its own microsecond.
  auto wheel = MakeWheel();
  wheel->Schedule(900, At(900));
  wheel->Schedule(100, At(100));
  wheel->Schedule(1000, At(1000));
  wheel->Schedule(400, At(400));
  EXPECT_THAT(Pop(*wheel, At(99)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(100)), ElementsAre(100u));
  EXPECT_THAT(Pop(*wheel, At(399)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(899)), ElementsAre(400u));
  // Scheduled into the tick the wheel is already in.
  wheel->Schedule(950, At(950));
  EXPECT_THAT(Pop(*wheel, At(949)), ElementsAre(900u));
  EXPECT_THAT(Pop(*wheel, At(999)), ElementsAre(950u));
  EXPECT_THAT(Pop(*wheel, At(1000)), ElementsAre(1000u));
}

TEST(TimerWheel, PastDeadlinesFireOnTheNextPopDue) {
  auto wheel = MakeWheel();
  wheel->Schedule(1, kStart - absl::Hours(1));  // before the wheel's start
  wheel->Schedule(2, kStart);
  EXPECT_THAT(Pop(*wheel, kStart), UnorderedElementsAre(1u, 2u));
  EXPECT_THAT(Pop(*wheel, At(5'000'000)), IsEmpty());
  // Behind the wheel's current tick.
  wheel->Schedule(3, At(10));
  wheel->Schedule(4, At(4'999'999));
  EXPECT_THAT(Pop(*wheel, At(5'000'000)), UnorderedElementsAre(3u, 4u));
}

TEST(TimerWheel, TimeGoingBackwardsFiresNothingNew) {
  auto wheel = MakeWheel();
  wheel->Schedule(1, At(5000));
  EXPECT_THAT(Pop(*wheel, At(4000)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(1000)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(5000)), ElementsAre(1u));
}

TEST(TimerWheel, CancelPreventsFiring) {
  auto wheel = MakeWheel();
  const TimerHandle a = wheel->Schedule(1, At(100));
  const TimerHandle b = wheel->Schedule(2, At(100));
  EXPECT_TRUE(wheel->Cancel(a));
  EXPECT_FALSE(wheel->Cancel(a)) << "second cancel";
  EXPECT_EQ(wheel->pending(), 1u);
  EXPECT_THAT(Pop(*wheel, At(100)), ElementsAre(2u));
  EXPECT_FALSE(wheel->Cancel(b)) << "already fired";
  EXPECT_FALSE(wheel->Cancel(TimerHandle{})) << "invalid handle";
  EXPECT_FALSE(wheel->Cancel(TimerHandle{5000, 0})) << "out of range";
  EXPECT_FALSE(wheel->Cancel(TimerHandle{7, 0})) << "never scheduled";
}

TEST(TimerWheel, CancelAfterPlacementInEveryStructure) {
  auto wheel = MakeWheel();
  // One timer per place: current-tick heap, level 0, level 2, overflow.
  const TimerHandle heap = wheel->Schedule(1, At(500));
  const TimerHandle level0 = wheel->Schedule(2, At(3000));
  const TimerHandle level2 = wheel->Schedule(3, At(int64_t{1} << 30));
  const TimerHandle overflow = wheel->Schedule(4, At(int64_t{1} << 50));
  const TimerHandle kept = wheel->Schedule(5, At(2000));
  EXPECT_THAT(Pop(*wheel, At(1)), IsEmpty());  // drains them into place
  for (TimerHandle h : {heap, level0, level2, overflow}) {
    EXPECT_TRUE(wheel->Cancel(h));
  }
  EXPECT_EQ(wheel->pending(), 1u);
  EXPECT_THAT(Pop(*wheel, absl::InfiniteFuture()), ElementsAre(5u));
  EXPECT_FALSE(wheel->Cancel(kept));
}

TEST(TimerWheel, StaleHandleDoesNotCancelTheSlotsNextTimer) {
  auto wheel = MakeWheel(absl::Milliseconds(1), /*max_timers=*/1);
  const TimerHandle first = wheel->Schedule(1, At(10));
  ASSERT_TRUE(first.valid());
  EXPECT_THAT(Pop(*wheel, At(10)), ElementsAre(1u));
  const TimerHandle second = wheel->Schedule(2, At(20));
  ASSERT_TRUE(second.valid());
  EXPECT_EQ(second.slot, first.slot) << "one slot: it was recycled";
  EXPECT_NE(second.generation, first.generation);
  EXPECT_FALSE(wheel->Cancel(first));
  EXPECT_THAT(Pop(*wheel, At(20)), ElementsAre(2u));

  // Cancelled, reclaimed, reused: the cancelled handle is stale too.
  const TimerHandle third = wheel->Schedule(3, At(30));
  ASSERT_TRUE(third.valid());
  EXPECT_TRUE(wheel->Cancel(third));
  EXPECT_THAT(Pop(*wheel, At(25)), IsEmpty());  // reclaims the slot
  const TimerHandle fourth = wheel->Schedule(4, At(40));
  ASSERT_TRUE(fourth.valid());
  EXPECT_FALSE(wheel->Cancel(third));
  EXPECT_THAT(Pop(*wheel, At(40)), ElementsAre(4u));
}

TEST(TimerWheel, CancelBeforeTheWheelSawTheTimer) {
  auto wheel = MakeWheel(absl::Milliseconds(1), /*max_timers=*/2);
  const TimerHandle h = wheel->Schedule(1, At(10));
  EXPECT_TRUE(wheel->Cancel(h));
  EXPECT_EQ(wheel->pending(), 0u);
  EXPECT_THAT(Pop(*wheel, At(10)), IsEmpty());
  // Both slots are free again.
  EXPECT_TRUE(wheel->Schedule(2, At(20)).valid());
  EXPECT_TRUE(wheel->Schedule(3, At(20)).valid());
  EXPECT_FALSE(wheel->Schedule(4, At(20)).valid());
}

TEST(TimerWheel, CascadesAcrossEveryLevelBoundary) {
  // Tick 1 us, so ticks are microseconds. Deadlines around each level's span
  // (2^8, 2^16, 2^24, 2^32 ticks) and the overflow beyond.
  auto wheel = MakeWheel(absl::Microseconds(1));
  std::vector<int64_t> deadlines;
  for (int bits : {8, 16, 24, 32, 33, 40}) {
    const int64_t edge = int64_t{1} << bits;
    for (int64_t d : {edge - 1, edge, edge + 1, 3 * edge - 1, 3 * edge + 7}) {
      deadlines.push_back(d);
    }
  }
  deadlines.push_back(1);
  deadlines.push_back(255);
  std::sort(deadlines.begin(), deadlines.end());
  deadlines.erase(std::unique(deadlines.begin(), deadlines.end()),
                  deadlines.end());
  for (int64_t d : deadlines) wheel->Schedule(static_cast<uint64_t>(d), At(d));
  EXPECT_EQ(wheel->pending(), deadlines.size());
  for (int64_t d : deadlines) {
    SCOPED_TRACE(d);
    EXPECT_THAT(Pop(*wheel, At(d - 1)), IsEmpty());
    EXPECT_THAT(Pop(*wheel, At(d)), ElementsAre(static_cast<uint64_t>(d)));
  }
  EXPECT_EQ(wheel->pending(), 0u);
}

TEST(TimerWheel, OneBigJumpFiresEverythingDueAndNothingElse) {
  auto wheel = MakeWheel(absl::Microseconds(1));
  for (int bits = 1; bits < 45; ++bits) {
    wheel->Schedule(static_cast<uint64_t>(bits), At(int64_t{1} << bits));
  }
  std::vector<uint64_t> due = Pop(*wheel, At((int64_t{1} << 40) + 5));
  std::sort(due.begin(), due.end());
  std::vector<uint64_t> expected;
  for (uint64_t bits = 1; bits <= 40; ++bits) expected.push_back(bits);
  EXPECT_EQ(due, expected);
  EXPECT_EQ(wheel->pending(), 4u);
}

TEST(TimerWheel, OverflowTimersFireExactlyAfterManyEpochs) {
  // 1 ms ticks: the wheel spans 2^32 ms (49.7 days); these are beyond it.
  auto wheel = MakeWheel();
  const int64_t days = int64_t{86'400} * 1'000'000;
  wheel->Schedule(1, At(60 * days + 17));
  wheel->Schedule(2, At(400 * days));
  wheel->Schedule(3, At(5 * days));
  EXPECT_THAT(Pop(*wheel, At(5 * days)), ElementsAre(3u));
  EXPECT_THAT(Pop(*wheel, At(60 * days + 16)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(60 * days + 17)), ElementsAre(1u));
  EXPECT_THAT(Pop(*wheel, At(400 * days - 1)), IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(400 * days)), ElementsAre(2u));
}

TEST(TimerWheel, InfiniteDeadlineNeverFiresInPractice) {
  auto wheel = MakeWheel();
  const TimerHandle h = wheel->Schedule(1, absl::InfiniteFuture());
  ASSERT_TRUE(h.valid());
  EXPECT_THAT(Pop(*wheel, kStart + absl::Hours(24 * 365 * 1000)), IsEmpty());
  EXPECT_TRUE(wheel->Cancel(h));
}

TEST(TimerWheel, PopDueReturnsBoundedBatchesAndResumes) {
  auto wheel = MakeWheel(absl::Milliseconds(1), 4096);
  constexpr int kTimers = 1000;
  for (int i = 0; i < kTimers; ++i) {
    wheel->Schedule(static_cast<uint64_t>(i), At(i * 37));
  }
  std::vector<uint64_t> due;
  size_t calls = 0;
  while (true) {
    const size_t before = due.size();
    const size_t got = wheel->PopDue(At(kTimers * 37), 64, &due);
    ++calls;
    EXPECT_EQ(got, due.size() - before);
    ASSERT_LE(got, 64u);
    if (got < 64) break;
  }
  EXPECT_EQ(calls, kTimers / 64 + 1);
  std::sort(due.begin(), due.end());
  ASSERT_EQ(due.size(), static_cast<size_t>(kTimers));
  for (int i = 0; i < kTimers; ++i) EXPECT_EQ(due[i], static_cast<uint64_t>(i));
  EXPECT_EQ(wheel->PopDue(At(kTimers * 37), 0, &due), 0u);
}

TEST(TimerWheel, ACallerWithAnEarlierNowGetsOnlyWhatIsDueForIt) {
  // A catch-up PopDue stopped by `max` leaves due timers behind; a later
  // caller whose clock reads earlier must not get those past its own now.
  auto wheel = MakeWheel(absl::Microseconds(1));
  for (int i = 1; i <= 10; ++i) {
    wheel->Schedule(static_cast<uint64_t>(i), At(i * 100'000));
  }
  std::vector<uint64_t> due;
  EXPECT_EQ(wheel->PopDue(At(2'000'000), 2, &due), 2u);
  std::vector<uint64_t> early = Pop(*wheel, At(450'000));
  for (uint64_t p : early) EXPECT_LE(p, 4u);
  due.insert(due.end(), early.begin(), early.end());
  std::vector<uint64_t> rest = Pop(*wheel, At(2'000'000));
  due.insert(due.end(), rest.begin(), rest.end());
  std::sort(due.begin(), due.end());
  EXPECT_THAT(due, ElementsAre(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u));
}

TEST(TimerWheel, MaxZeroStillReclaimsAndFiresNothing) {
  auto wheel = MakeWheel();
  wheel->Schedule(1, At(1));
  std::vector<uint64_t> due;
  EXPECT_EQ(wheel->PopDue(At(10), 0, &due), 0u);
  EXPECT_THAT(due, IsEmpty());
  EXPECT_THAT(Pop(*wheel, At(10)), ElementsAre(1u));
}

TEST(TimerWheel, FullCapacityGivesAnInvalidHandleUntilSlotsComeBack) {
  auto wheel = MakeWheel(absl::Milliseconds(1), /*max_timers=*/4);
  std::vector<TimerHandle> handles;
  for (int i = 0; i < 4; ++i) {
    handles.push_back(wheel->Schedule(static_cast<uint64_t>(i), At(100)));
    ASSERT_TRUE(handles.back().valid());
  }
  EXPECT_FALSE(wheel->Schedule(99, At(100)).valid());
  EXPECT_EQ(wheel->pending(), 4u);
  EXPECT_TRUE(wheel->Cancel(handles[0]));
  // A full Schedule reclaims cancelled slots itself, with no PopDue.
  EXPECT_TRUE(wheel->Schedule(4, At(100)).valid());
  EXPECT_FALSE(wheel->Schedule(99, At(100)).valid());
  EXPECT_THAT(Pop(*wheel, At(100)), UnorderedElementsAre(1u, 2u, 3u, 4u));
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(wheel->Schedule(static_cast<uint64_t>(i), At(200)).valid());
  }
}

TEST(TimerWheel, SameDeadlineManyTimers) {
  auto wheel = MakeWheel(absl::Milliseconds(1), 1 << 16);
  for (uint64_t i = 0; i < 50'000; ++i) wheel->Schedule(i, At(123'456));
  EXPECT_THAT(Pop(*wheel, At(123'455)), IsEmpty());
  std::vector<uint64_t> due = Pop(*wheel, At(123'456));
  EXPECT_EQ(due.size(), 50'000u);
  std::sort(due.begin(), due.end());
  EXPECT_EQ(std::adjacent_find(due.begin(), due.end()), due.end());
}

}  // namespace
}  // namespace boxoffice::internal
