// The second pool design measured against the engine's bitmap pool: per
// set, a boost::lockfree::queue of vacant ticket indices plus a vacancy
// counter and a per-ticket state word. Benchmark prototype only (issue 2 asks
// for two designs measured and the faster kept; docs/benchmarks/core.md has
// the figures and the decision).
//
// How it works: a random claim reserves k units from the set's counter in
// one CAS, then pops entries until it has k tickets whose state word it
// could CAS from vacant to its holder. A specific claim reserves one unit and
// CASes the ticket's state word; its queue entry stays behind, stale, and is
// dropped by whichever popper finds the ticket held (lazy deletion). An
// "enqueued" bit in the state word keeps at most one entry per ticket, so
// the queue is bounded by the set's size (bounded_push, no allocation).
// Release CASes the state back to vacant, pushes the index unless an entry
// is still queued, and returns the unit (entry before unit, so a reserver
// always finds one).
//
// Known limits besides speed: lowest-first picks are impossible (no
// differential testing against the reference); a batch gives back only
// counter units and commits specific tickets one by one, so it has none of
// the engine's tentative-hold machinery against false sold-outs; a popper
// may have to skip many stale entries.
//
// Thread-safety: all methods may be called concurrently, AddSet excepted
// (before any other use, single-threaded).
#ifndef BOXOFFICE_BENCH_CORE_QUEUE_POOL_H_
#define BOXOFFICE_BENCH_CORE_QUEUE_POOL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "boost/lockfree/queue.hpp"
#include "engine/core/inventory.h"
#include "engine/core/pool_common.h"

namespace boxoffice::internal::bench {

class QueueInventory final : public Inventory {
 public:
  // Set in a ticket's state word while its index sits in the queue (the
  // tentative bit of the engine's encoding, unused here).
  static constexpr uint32_t kEnqueued = core::kTentativeBit;

  absl::Status AddSet(SetIndex set, TicketIndex first, uint32_t size) override {
    if (absl::Status s = core::ValidateAddSet(
            static_cast<uint32_t>(sets_.size()), set, first, size);
        !s.ok()) {
      return s;
    }
    auto p = std::make_unique<Pool>(first, size);
    for (uint32_t i = 0; i < size; ++i) {
      if (!p->queue.bounded_push(i)) std::abort();
    }
    sets_.push_back(std::move(p));
    return absl::OkStatus();
  }

  uint32_t ClaimRandom(SetIndex set, uint32_t n, HolderId holder,
                       bool all_or_nothing, std::span<TicketRef> out) override {
    Pool& p = *sets_[set];
    const uint32_t k = Reserve(p, n, all_or_nothing);
    Pop(p, set, k, holder, out.data());
    return k;
  }

  bool ClaimTicket(TicketRef t, HolderId holder) override {
    Pool& p = *sets_[t.set];
    if (Reserve(p, 1, true) == 0) return false;
    std::atomic<uint32_t>& word = p.state[t.ticket - p.first];
    uint32_t s = word.load(std::memory_order_relaxed);
    // acq_rel: pairs with the releaser's release CAS of the state word.
    while ((s & ~kEnqueued) == 0) {
      if (word.compare_exchange_weak(s, holder | (s & kEnqueued),
                                     std::memory_order_acq_rel)) {
        return true;
      }
    }
    p.available.fetch_add(1, std::memory_order_release);
    return false;
  }

  BatchResult ClaimBatch(const BatchClaim& claim, HolderId holder,
                         std::span<TicketRef> out) override {
    // Sets in ascending order (repeated minimum: a batch names few sets, and
    // this allocates nothing), counter units only; then the pops, which
    // cannot fail once units are held.
    bool has_prev = false;
    SetIndex prev = 0;
    for (;;) {
      const RandomClaim* next = nullptr;
      for (const RandomClaim& r : claim.random) {
        if (r.count == 0 || (has_prev && r.set <= prev)) continue;
        if (next == nullptr || r.set < next->set) next = &r;
      }
      if (next == nullptr) break;
      if (Reserve(*sets_[next->set], next->count, true) == 0) {
        for (const RandomClaim& r : claim.random) {
          if (r.count != 0 && has_prev && r.set <= prev) {
            sets_[r.set]->available.fetch_add(r.count,
                                              std::memory_order_release);
          }
        }
        return BatchResult{0, false};
      }
      has_prev = true;
      prev = next->set;
    }
    uint32_t k = 0;
    for (const RandomClaim& r : claim.random) {
      Pop(*sets_[r.set], r.set, r.count, holder, out.data() + k);
      k += r.count;
    }
    for (const TicketRef& t : claim.specific) {
      if (ClaimTicket(t, holder)) out[k++] = t;
    }
    return BatchResult{k, true};
  }

  uint32_t Release(std::span<const TicketRef> tickets,
                   HolderId holder) override {
    uint32_t n = 0;
    for (const TicketRef& t : tickets) {
      Pool& p = *sets_[t.set];
      const uint32_t i = t.ticket - p.first;
      uint32_t s = p.state[i].load(std::memory_order_relaxed);
      bool mine = true;
      while (mine) {
        if ((s & ~kEnqueued) != holder) {
          mine = false;
        } else if (p.state[i].compare_exchange_weak(
                       s, kEnqueued, std::memory_order_acq_rel)) {
          break;
        }
      }
      if (!mine) continue;
      // At most one entry per ticket, so the queue never exceeds its
      // preallocated capacity.
      if ((s & kEnqueued) == 0 && !p.queue.bounded_push(i)) std::abort();
      p.available.fetch_add(1, std::memory_order_release);
      ++n;
    }
    return n;
  }

  uint32_t Sell(std::span<const TicketRef> tickets, HolderId holder) override {
    uint32_t n = 0;
    for (const TicketRef& t : tickets) {
      Pool& p = *sets_[t.set];
      uint32_t expected = holder;
      std::atomic<uint32_t>& word = p.state[t.ticket - p.first];
      uint32_t s = word.load(std::memory_order_relaxed);
      while ((s & ~kEnqueued) == expected) {
        if (word.compare_exchange_weak(s, s | core::kSoldBit,
                                       std::memory_order_acq_rel)) {
          ++n;
          break;
        }
      }
    }
    return n;
  }

  SetCounts Counts(SetIndex set) const override {
    const Pool& p = *sets_[set];
    const uint32_t a = static_cast<uint32_t>(
        std::max<int64_t>(0, p.available.load(std::memory_order_relaxed)));
    return SetCounts{p.size, a, p.size - a, 0};  // sold not tracked
  }
  TicketStatusWord Status(TicketRef t) const override {
    const Pool& p = *sets_[t.set];
    return core::DecodeStatus(
        p.state[t.ticket - p.first].load(std::memory_order_acquire) &
        ~kEnqueued);
  }
  uint32_t set_count() const override {
    return static_cast<uint32_t>(sets_.size());
  }
  size_t memory_bytes() const override { return 0; }
  absl::Status Verify() const override { return absl::OkStatus(); }

 private:
  struct Pool {
    Pool(TicketIndex f, uint32_t n)
        : first(f),
          size(n),
          state(std::make_unique<std::atomic<uint32_t>[]>(n)),
          queue(size_t{n} + 64) {
      available.store(n, std::memory_order_relaxed);
      for (uint32_t i = 0; i < n; ++i) {
        state[i].store(kEnqueued, std::memory_order_relaxed);
      }
    }
    const TicketIndex first;
    const uint32_t size;
    std::unique_ptr<std::atomic<uint32_t>[]> state;
    boost::lockfree::queue<uint32_t> queue;
    alignas(64) std::atomic<int64_t> available{0};
  };

  static uint32_t Reserve(Pool& p, uint32_t n, bool exact) {
    int64_t a = p.available.load(std::memory_order_relaxed);
    for (;;) {
      const int64_t k = a >= n ? n : (exact ? 0 : a);
      if (k <= 0) return 0;
      // acquire: pairs with the releaser's release add (its push is seen).
      if (p.available.compare_exchange_weak(a, a - k,
                                            std::memory_order_acq_rel)) {
        return static_cast<uint32_t>(k);
      }
    }
  }

  static void Pop(Pool& p, SetIndex set, uint32_t k, HolderId holder,
                  TicketRef* out) {
    while (k > 0) {
      uint32_t i;
      if (!p.queue.pop(i)) continue;  // an entry is on its way (units held)
      std::atomic<uint32_t>& word = p.state[i];
      uint32_t s = word.load(std::memory_order_relaxed);
      for (;;) {
        // The entry is consumed either way: clear the enqueued bit, and
        // take the ticket if vacant (else the entry was stale).
        const bool vacant = (s & ~kEnqueued) == 0;
        const uint32_t next = vacant ? holder : (s & ~kEnqueued);
        if (word.compare_exchange_weak(s, next, std::memory_order_acq_rel)) {
          if (vacant) {
            *out++ = TicketRef{set, p.first + i};
            --k;
          }
          break;
        }
      }
    }
  }

  std::vector<std::unique_ptr<Pool>> sets_;
};

}  // namespace boxoffice::internal::bench

#endif  // BOXOFFICE_BENCH_CORE_QUEUE_POOL_H_
