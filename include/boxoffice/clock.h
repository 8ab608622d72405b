// The engine's source of time, injected so that tests, the replay tool and
// the on-sale harness run on virtual time, deterministically.
//
// Thread-safety: every Clock implementation must be safe to read from any
// number of threads; SimulatedClock may also be set from any thread.
#ifndef BOXOFFICE_CLOCK_H_
#define BOXOFFICE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace boxoffice {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The process-wide real clock (absl::Now()); never destroyed.
  static Clock* Real();
};

// A clock that moves only when told. Time is kept in whole microseconds
// (the contract's resolution), so Now() after Set(t) is t truncated to 1us.
// Occupies whole cache lines (alignas): every engine call of every thread
// reads it, so it must not share a line with memory some thread writes.
class alignas(64) SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = absl::UnixEpoch());
  absl::Time Now() const override;
  // Moves the clock to t; a t before Now() is ignored and returns false,
  // because time never goes backwards for the engine.
  bool Set(absl::Time t);
  void Advance(absl::Duration d);

 private:
  // Relaxed is enough: the clock orders nothing by itself; the engine's
  // own atomics publish whatever a reading of the clock decided.
  std::atomic<int64_t> micros_;
};

}  // namespace boxoffice

#endif  // BOXOFFICE_CLOCK_H_
