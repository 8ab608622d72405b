#include "engine/core/pool_common.h"

#include <atomic>

namespace boxoffice::internal::core {
namespace {

// Relaxed: these counters only hand out distinct numbers; nothing is
// published through them.
std::atomic<uint64_t> next_thread_ordinal{1};
std::atomic<uint64_t> next_owner_id{1};

// Constant-initialized so that access needs no TLS init guard; the
// thread's ordinal is drawn lazily on first use.
struct ThreadGenerator {
  uint64_t owner = 0;
  uint64_t state = 0;
  uint64_t ordinal = 0;
};

constinit thread_local ThreadGenerator generator;

}  // namespace

uint64_t NextRandom(uint64_t seed, uint64_t owner_id) {
  ThreadGenerator& g = generator;
  if (g.owner != owner_id) [[unlikely]] {
    if (g.ordinal == 0) {
      g.ordinal = next_thread_ordinal.fetch_add(1, std::memory_order_relaxed);
    }
    g.owner = owner_id;
    g.state = SplitMix64(seed ^ SplitMix64(g.ordinal) ^
                         (owner_id * 0xd1b54a32d192ed03ull));
    if (g.state == 0) g.state = 1;
  }
  return XorShift64Star(g.state);
}

uint64_t NewOwnerId() {
  return next_owner_id.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace boxoffice::internal::core
