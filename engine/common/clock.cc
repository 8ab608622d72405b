#include "boxoffice/clock.h"

#include "absl/time/clock.h"

namespace boxoffice {
namespace {

// Whole cache lines (alignas), like SimulatedClock: read by every call.
class alignas(64) RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock;  // never destroyed: safe at exit
  return clock;
}

SimulatedClock::SimulatedClock(absl::Time start)
    : micros_(absl::ToUnixMicros(start)) {}

absl::Time SimulatedClock::Now() const {
  return absl::FromUnixMicros(micros_.load(std::memory_order_relaxed));
}

bool SimulatedClock::Set(absl::Time t) {
  const int64_t want = absl::ToUnixMicros(t);
  int64_t have = micros_.load(std::memory_order_relaxed);
  // Monotonic max: a concurrent Set of a later time is never undone.
  while (have <= want) {
    if (micros_.compare_exchange_weak(have, want, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void SimulatedClock::Advance(absl::Duration d) {
  micros_.fetch_add(absl::ToInt64Microseconds(d), std::memory_order_relaxed);
}

}  // namespace boxoffice
