// How pools choose tickets for random claims.
#ifndef BOXOFFICE_ENGINE_CORE_CLAIM_POLICY_H_
#define BOXOFFICE_ENGINE_CORE_CLAIM_POLICY_H_

#include <cstdint>

namespace boxoffice::internal {

struct ClaimPolicy {
  // Take the lowest-index vacant tickets (deterministic across
  // implementations, for differential tests) instead of random ones.
  bool lowest_first = false;
  // Seeds the per-thread generators that pick where a random claim starts.
  uint64_t seed = 0x9e3779b97f4a7c15ull;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CORE_CLAIM_POLICY_H_
