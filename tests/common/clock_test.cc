#include "boxoffice/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace boxoffice {
namespace {

TEST(SimulatedClockTest, MovesOnlyForward) {
  SimulatedClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  EXPECT_TRUE(clock.Set(absl::FromUnixSeconds(200)));
  EXPECT_FALSE(clock.Set(absl::FromUnixSeconds(150)));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(200));
  clock.Advance(absl::Microseconds(7));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(200) + absl::Microseconds(7));
}

TEST(SimulatedClockTest, KeepsMicroseconds) {
  SimulatedClock clock;
  clock.Set(absl::FromUnixNanos(1'500'999));
  EXPECT_EQ(clock.Now(), absl::FromUnixMicros(1'500));
}

TEST(RealClockTest, IsNearNow) {
  EXPECT_LT(absl::AbsDuration(Clock::Real()->Now() - absl::Now()),
            absl::Seconds(5));
}

}  // namespace
}  // namespace boxoffice
