// Pieces both inventory implementations share, so that they agree bit for
// bit on what is checked and how a ticket's state word is encoded: the
// AddSet validation (same messages), the holder-word encoding, the per-thread
// generator behind random claims, and the bounded backoff used while waiting
// out another claimer's transient hold.
//
// Thread-safety: free functions and small value types; NextRandom() touches
// only thread-local state.
#ifndef BOXOFFICE_ENGINE_CORE_POOL_COMMON_H_
#define BOXOFFICE_ENGINE_CORE_POOL_COMMON_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "boxoffice/limits.h"
#include "engine/core/inventory.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace boxoffice::internal::core {

// A ticket's state word: 0 when vacant; otherwise the holder id in the low
// 30 bits, plus kSoldBit once sold (final), or kTentativeBit while an
// all-or-nothing batch holds it and may still give it back.
inline constexpr uint32_t kHolderMask = (1u << 30) - 1;
inline constexpr uint32_t kSoldBit = 1u << 30;
inline constexpr uint32_t kTentativeBit = 1u << 31;
static_assert(kMaxHolder == kHolderMask);
static_assert(boxoffice::limits::kMaxOrders <= kMaxHolder);

// Marks an unfilled output slot while a batch is in progress; never a valid
// ticket because indices stay below limits::kMaxTickets.
inline constexpr TicketIndex kNoTicket = 0xffffffffu;
static_assert(boxoffice::limits::kMaxTickets <= kNoTicket);

inline TicketStatusWord DecodeStatus(uint32_t word) {
  // A tentative hold may still be rolled back, so it is not yet visible as a
  // reservation: reporting it vacant keeps "a failed all-or-nothing batch
  // held nothing at any point visible" true for readers too.
  if (word == 0 || (word & kTentativeBit) != 0) return {};
  if ((word & kSoldBit) != 0) {
    return {TicketState::kSold, word & kHolderMask};
  }
  return {TicketState::kReserved, word & kHolderMask};
}

// Both implementations refuse the same AddSet calls with the same messages.
inline absl::Status ValidateAddSet(uint32_t set_count, SetIndex set,
                                   TicketIndex first, uint32_t size) {
  if (set != set_count) {
    return absl::InvalidArgumentError("Set index " + std::to_string(set) +
                                      " out of order: expected " +
                                      std::to_string(set_count));
  }
  if (set >= boxoffice::limits::kMaxSets) {
    return absl::ResourceExhaustedError(
        "Too many sets: at most " +
        std::to_string(boxoffice::limits::kMaxSets));
  }
  if (size > boxoffice::limits::kMaxTicketsPerSet) {
    return absl::InvalidArgumentError(
        "Set " + std::to_string(set) + " has " + std::to_string(size) +
        " tickets, at most " +
        std::to_string(boxoffice::limits::kMaxTicketsPerSet));
  }
  if (uint64_t{first} + size > boxoffice::limits::kMaxTickets) {
    return absl::InvalidArgumentError(
        "Set " + std::to_string(set) + " ticket range exceeds " +
        std::to_string(boxoffice::limits::kMaxTickets));
  }
  return absl::OkStatus();
}

// splitmix64: turns any seed (including 0) into a well-mixed state.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// xorshift64* step; state must be non-zero.
inline uint64_t XorShift64Star(uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

// A per-thread generator for where random claims start, seeded from
// (seed, owner, thread ordinal) the first time a thread uses it for an
// owner. Deterministic for a given thread start order; never shared between
// threads, so it needs no synchronization.
uint64_t NextRandom(uint64_t seed, uint64_t owner_id);

// A process-wide unique id per inventory object, so that two inventories
// with different seeds do not share a generator stream.
uint64_t NewOwnerId();

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Bounded exponential backoff: a few spins, then yields, so that a claimer
// waiting for another's transient hold lets a preempted holder run (2 cores,
// many threads). Step() returns false once the budget is spent; the caller
// then gives up waiting and treats what it sees as the answer.
class Backoff {
 public:
  explicit Backoff(uint32_t budget) : budget_(budget) {}
  bool Step() {
    if (steps_ >= budget_) return false;
    ++steps_;
    if (steps_ <= kSpinSteps) {
      for (uint32_t i = 0; i < (1u << steps_); ++i) CpuRelax();
    } else {
      std::this_thread::yield();
    }
    return true;
  }
  uint32_t steps() const { return steps_; }

 private:
  static constexpr uint32_t kSpinSteps = 6;
  const uint32_t budget_;
  uint32_t steps_ = 0;
};

}  // namespace boxoffice::internal::core

#endif  // BOXOFFICE_ENGINE_CORE_POOL_COMMON_H_
