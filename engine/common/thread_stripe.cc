#include "engine/common/thread_stripe.h"

#include <atomic>

namespace boxoffice::internal::thread_stripe_internal {

uint32_t DrawStripe() {
  // Relaxed: only distinctness of the drawn numbers matters.
  static std::atomic<uint32_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) % kThreadStripes;
}

}  // namespace boxoffice::internal::thread_stripe_internal
