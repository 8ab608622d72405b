// Per-thread stripes: a small dense number per thread, for spreading
// counters, list heads and queues that every thread would otherwise write
// (one contended cache line per structure) over kThreadStripes lines.
//
// Thread-safety: ThreadStripe() may be called from any thread; each thread
// draws its stripe once (round robin over all threads of the process), so
// the first kThreadStripes threads never share a stripe.
#ifndef BOXOFFICE_ENGINE_COMMON_THREAD_STRIPE_H_
#define BOXOFFICE_ENGINE_COMMON_THREAD_STRIPE_H_

#include <cstdint>

namespace boxoffice::internal {

// A power of two; every striped structure holds this many cache lines.
inline constexpr uint32_t kThreadStripes = 16;

// Holds a value of T alone on its cache line, so that writers of
// neighbouring stripes never invalidate each other's line.
template <typename T>
struct alignas(64) Padded {
  T value{};
};

namespace thread_stripe_internal {
uint32_t DrawStripe();
// 0 until drawn; constant-initialized, so reading it needs no TLS guard.
inline constinit thread_local uint32_t stripe_plus_one = 0;
}  // namespace thread_stripe_internal

// In [0, kThreadStripes).
inline uint32_t ThreadStripe() {
  uint32_t s = thread_stripe_internal::stripe_plus_one;
  if (s == 0) [[unlikely]] {
    s = thread_stripe_internal::DrawStripe() + 1;
    thread_stripe_internal::stripe_plus_one = s;
  }
  return s - 1;
}

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_COMMON_THREAD_STRIPE_H_
