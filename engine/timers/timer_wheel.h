// Reservation deadlines: a hierarchical timing wheel (Varghese & Lauck) with
// O(1) schedule and cancel, fed by any number of threads through lock-free
// inboxes striped by thread (a thread's Schedule and Cancel write only its
// stripe's cache line), and drained by one owner at a time.
//
// Thread-safety: Schedule and Cancel may be called from any thread,
// concurrently. PopDue may be called from any thread, but calls are
// serialized internally (a second concurrent caller returns 0 at once
// rather than wait): the wheel itself has one owner at a time.
#ifndef BOXOFFICE_ENGINE_TIMERS_TIMER_WHEEL_H_
#define BOXOFFICE_ENGINE_TIMERS_TIMER_WHEEL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace boxoffice::internal {

// Names one scheduled timer; stale handles (fired, cancelled, recycled)
// are recognized by their generation and ignored.
struct TimerHandle {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

struct TimerWheelOptions {
  absl::Time start = absl::UnixEpoch();  // wheel time begins here
  absl::Duration tick = absl::Milliseconds(1);
  // Timers pending at once; Schedule fails beyond it.
  size_t max_timers = size_t{1} << 22;
  // Fresh nodes whose pages Create writes at once (clipped to max_timers),
  // so that the first timers never wait for the kernel and hypervisor to
  // map a page: the engine passes EngineOptions::reserved_orders.
  size_t prepared_timers = 0;
};

class TimerWheel {
 public:
  static absl::StatusOr<std::unique_ptr<TimerWheel>> Create(
      const TimerWheelOptions& options);
  virtual ~TimerWheel() = default;

  // Asks for `payload` to be returned by PopDue once now >= deadline
  // (exactly: deadlines are kept to the microsecond, the tick only buckets
  // them). Lock-free, O(1). An invalid handle means the capacity is full.
  virtual TimerHandle Schedule(uint64_t payload, absl::Time deadline) = 0;

  // O(1), lock-free. True if the timer was pending and will now never fire.
  virtual bool Cancel(TimerHandle handle) = 0;

  // Moves the wheel to `now` and appends to *due the payloads of up to
  // `max` timers whose deadline is <= now (earlier deadlines first within a
  // tick is not promised). Returns how many it appended; call again while
  // it returns `max` to drain. Bounded work per call.
  virtual size_t PopDue(absl::Time now, size_t max,
                        std::vector<uint64_t>* due) = 0;

  // Timers scheduled and neither fired nor cancelled.
  virtual size_t pending() const = 0;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_TIMERS_TIMER_WHEEL_H_
