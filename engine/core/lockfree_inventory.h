// The engine's inventory: per set, an atomic bitmap of vacant tickets, an
// atomic state word per ticket and one 64-bit admission word; claims,
// releases and sales are CAS loops, never a lock. See
// docs/architecture/core.md for the design, its invariants and the
// no-false-sold-out and lock-freedom arguments.
#ifndef BOXOFFICE_ENGINE_CORE_LOCKFREE_INVENTORY_H_
#define BOXOFFICE_ENGINE_CORE_LOCKFREE_INVENTORY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "engine/common/cache_line.h"
#include "engine/core/claim_policy.h"
#include "engine/core/inventory.h"

namespace boxoffice::internal {

// Thread-safety: every method may be called concurrently from any number of
// threads, except AddSet (one at a time, concurrent with claims on sets added
// earlier) and set_test_hook (before any concurrent use). No method takes a
// lock or allocates, except AddSet.
class LockFreeInventory final : public Inventory {
 public:
  // Where a test hook is called (tests only; see set_test_hook).
  enum class HookPoint : uint8_t {
    // A claim has reserved units of a set's admission word and not yet taken
    // their bits: the moment a stall would hurt most.
    kAfterReserve,
    // An all-or-nothing batch holds a set's tickets tentatively and has not
    // moved on to its next set.
    kAfterTentativeSet,
    // A claimer saw a vacant word empty and is about to clear the word's
    // summary bit (the bit still reads set).
    kBeforeSummaryClear,
    // ... has cleared the summary bit and not yet re-read the word: a word
    // refilled meanwhile is non-empty with its bit clear until the re-read.
    kAfterSummaryClear,
  };
  using TestHook = void (*)(void* arg, HookPoint point, SetIndex set);

  // How many backoff steps a claimer waits for another claimer's transient
  // (tentative) hold to resolve before it takes what it sees as the answer.
  // Steps beyond the first few yield the CPU, so this covers a preempted
  // holder many times over; only a holder stalled longer can cause a false
  // sold-out, and every such give-up is counted (contention_giveups()).
  static constexpr uint32_t kWaitBudget = 1u << 16;

  explicit LockFreeInventory(ClaimPolicy policy = {});
  ~LockFreeInventory() override;
  LockFreeInventory(const LockFreeInventory&) = delete;
  LockFreeInventory& operator=(const LockFreeInventory&) = delete;

  absl::Status AddSet(SetIndex set, TicketIndex first, uint32_t size) override;
  uint32_t ClaimRandom(SetIndex set, uint32_t n, HolderId holder,
                       bool all_or_nothing, std::span<TicketRef> out) override;
  bool ClaimTicket(TicketRef ticket, HolderId holder) override;
  BatchResult ClaimBatch(const BatchClaim& claim, HolderId holder,
                         std::span<TicketRef> out) override;
  uint32_t Release(std::span<const TicketRef> tickets,
                   HolderId holder) override;
  uint32_t Sell(std::span<const TicketRef> tickets, HolderId holder) override;
  SetCounts Counts(SetIndex set) const override;
  TicketStatusWord Status(TicketRef ticket) const override;
  uint32_t set_count() const override;
  size_t memory_bytes() const override;
  absl::Status Verify() const override;

  // Times a claimer stopped waiting for a transient hold because its wait
  // budget ran out (each is a potential false sold-out). Zero unless some
  // thread stalled mid-claim for a long time.
  uint64_t contention_giveups() const;

  // Times a random claim's summary pass came up short and it fell back to a
  // linear scan of the set's words (it raced the summary protocol; see
  // docs/architecture/core.md). Statistics for tests and benchmarks.
  uint64_t linear_passes() const;

  // Tests only: `hook(arg, point, set)` is called at the HookPoints, e.g. to
  // block one claimer mid-operation. Set before concurrent use.
  void set_test_hook(TestHook hook, void* arg) {
    hook_ = hook;
    hook_arg_ = arg;
  }

 private:
  struct SetPool;
  struct SetOrder;
  class BatchRun;

  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  // Whole cache lines, like every array claimers read (cache_line.h).
  struct alignas(kCacheLine) Chunk
      : std::array<std::atomic<SetPool*>, kChunkSize> {};

  SetPool* pool(SetIndex set) const;
  // Reserves up to `need` units of `p` (exactly `need` when `exact`), adding
  // a tentative registration when `tentative`; 0 when none (or not exactly
  // `need`) can be had. Waits out transient holds within the budget.
  uint32_t Reserve(SetPool& p, uint32_t need, bool exact, bool tentative);
  // Takes `k` vacant bits of `p`, which a prior Reserve guarantees exist,
  // writing the tickets to out and `state` into their state words. Looks
  // for non-empty words through the set's summary bitmap first, and scans
  // the words linearly only when a summary pass comes up short.
  void TakeBits(SetPool& p, uint32_t k, uint32_t state, TicketRef* out);
  // Takes up to `k` bits of vacant word `word`, lowering k and advancing
  // out; keeps the word's summary bit right when it sees the word empty.
  void TakeFromWord(SetPool& p, uint32_t word, uint32_t& k, uint32_t state,
                    TicketRef*& out);
  // Clears the vacant bit of one specific ticket, waiting out transient
  // holds; false when the ticket is really held or sold.
  bool TakeSpecific(SetPool& p, TicketIndex ticket);
  // The summary protocol's clear side (see SetPool in the .cc): called by
  // whoever saw `word` of `p` empty (possibly a stale read); clears the
  // word's summary bit, then re-reads the word and sets the bit back if the
  // word is non-empty.
  void NoteEmpty(SetPool& p, uint32_t word);
  // Returns one taken-but-uncommitted ticket to the bitmap.
  void UntakeTicket(SetPool& p, TicketIndex ticket);
  void Hook(HookPoint point, SetIndex set) {
    if (hook_ != nullptr) hook_(hook_arg_, point, set);
  }

  const ClaimPolicy policy_;
  const uint64_t owner_id_;
  TestHook hook_ = nullptr;
  void* hook_arg_ = nullptr;
  // Published set count: release-stored by AddSet after the pool pointer, so
  // a reader that sees count > s sees set s's pool (acquire).
  std::atomic<uint32_t> set_count_{0};
  // Statistics only; relaxed.
  mutable std::atomic<uint64_t> giveups_{0};
  mutable std::atomic<uint64_t> linear_passes_{0};
  // The set directory: a fixed array of chunk pointers, each chunk a fixed
  // array of pool pointers. Nothing readers see is ever moved or freed
  // before destruction, so AddSet never disturbs a concurrent claim.
  CacheLineArray<std::atomic<Chunk*>> directory_;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CORE_LOCKFREE_INVENTORY_H_
