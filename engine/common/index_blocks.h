// Unique indices for many threads without one shared counter line per
// index: each thread stripe (ThreadStripe()) takes a block of kBlock
// consecutive indices from the shared counter and hands them out one by
// one from its own cache line.
//
// Why: the order path used to take every order's slot index with one
// fetch_add on a shared counter. Measured on a 2-vCPU VM (2026-12-07), one
// contended line costs each thread ~130 ns per operation, and consecutive
// indices put two threads' orders in neighbouring slots, which the
// hardware prefetchers then pull back and forth. With blocks, a thread's
// orders are contiguous and the shared counter is written once per kBlock.
//
// Indices are unique, but not dense and not in call order: a stripe's
// unused remainder is a gap until that stripe comes back for more. At any
// moment at most kThreadStripes * kBlock taken-block indices are unused
// (kSlack); so `n` calls never return an index at or above n + kSlack.
// Callers that need an order among their records (order numbers) keep a
// separate counter for it.
//
// Thread-safety: Take may be called from any number of threads. Lock-free:
// a stripe being refilled by one thread sends its other threads to the
// shared counter for one index each, rather than making them wait.
#ifndef BOXOFFICE_ENGINE_COMMON_INDEX_BLOCKS_H_
#define BOXOFFICE_ENGINE_COMMON_INDEX_BLOCKS_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "engine/common/assert.h"
#include "engine/common/thread_stripe.h"

namespace boxoffice::internal {

class IndexBlocks {
 public:
  static constexpr uint32_t kBlock = 64;
  // Bound on indices taken but not yet handed out (see the file comment).
  static constexpr uint64_t kSlack = uint64_t{kThreadStripes} * kBlock;

  // Indices below `limit` are packed in 32 bits; beyond it Take still
  // returns unique values (so a caller can refuse them), never a block.
  explicit IndexBlocks(uint32_t limit) : limit_(limit) {}
  IndexBlocks(const IndexBlocks&) = delete;
  IndexBlocks& operator=(const IndexBlocks&) = delete;

  // A fresh unique index (possibly >= limit once more than about limit -
  // kSlack have been taken: the caller's capacity check refuses those).
  uint64_t Take() {
    std::atomic<uint64_t>& word = stripes_[ThreadStripe()].value;
    uint64_t w = word.load(std::memory_order_relaxed);
    // Bounded: each failed CAS means another thread of this stripe took an
    // index or a block meanwhile; after a few, take one from the counter.
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (w == kRefilling) break;
      if (Next(w) < End(w)) {
        // Relaxed: an index only has to be unique; whatever the caller
        // builds at it is published by the caller's own release.
        if (word.compare_exchange_weak(w, w + 1, std::memory_order_relaxed)) {
          return Next(w);
        }
        continue;
      }
      if (word.compare_exchange_weak(w, kRefilling,
                                     std::memory_order_relaxed)) {
        const uint64_t first =
            counter_.fetch_add(kBlock, std::memory_order_relaxed);
        // A block past the limit is not kept: its first index is returned
        // (and refused by the caller), the stripe stays exhausted.
        word.store(first + kBlock <= limit_ ? Pack(first + 1, first + kBlock)
                                            : Pack(0, 0),
                   std::memory_order_relaxed);
        return first;
      }
    }
    return counter_.fetch_add(1, std::memory_order_relaxed);
  }

  // Above every index handed out so far (and every one being handed out
  // from a block already taken): a bound for scans over the indices.
  // Relaxed: a number, not a publication; what a scan finds at an index is
  // published (or not) by the caller's own release.
  uint64_t bound() const { return counter_.load(std::memory_order_relaxed); }

 private:
  // A stripe's word: the next index to hand out (low 32 bits) and the end
  // of its block (high 32); equal when exhausted. kRefilling while one
  // thread takes a new block for the stripe.
  static constexpr uint64_t kRefilling = ~uint64_t{0};
  static uint64_t Pack(uint64_t next, uint64_t end) {
    BOXOFFICE_DCHECK(next <= end && end <= UINT32_MAX);
    return next | (end << 32);
  }
  static uint64_t Next(uint64_t w) { return w & UINT32_MAX; }
  static uint64_t End(uint64_t w) { return w >> 32; }

  const uint64_t limit_;
  // Every stripe starts exhausted (0, 0).
  std::array<Padded<std::atomic<uint64_t>>, kThreadStripes> stripes_{};
  alignas(64) std::atomic<uint64_t> counter_{0};
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_COMMON_INDEX_BLOCKS_H_
