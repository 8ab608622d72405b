// The reference inventory: the same interface as LockFreeInventory, done the
// obvious way behind one mutex. It is the oracle of the differential tests
// and the baseline of every core benchmark, so it favours being evidently
// right over being fast (random picks are O(1); lowest-first picks scan).
#ifndef BOXOFFICE_ENGINE_CORE_REFERENCE_INVENTORY_H_
#define BOXOFFICE_ENGINE_CORE_REFERENCE_INVENTORY_H_

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "engine/core/claim_policy.h"
#include "engine/core/inventory.h"

namespace boxoffice::internal {

// Thread-safety: every method may be called from any thread; each takes the
// one mutex for its whole duration, so every call is trivially atomic.
class ReferenceInventory final : public Inventory {
 public:
  explicit ReferenceInventory(ClaimPolicy policy = {});
  ReferenceInventory(const ReferenceInventory&) = delete;
  ReferenceInventory& operator=(const ReferenceInventory&) = delete;

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

 private:
  struct Set {
    TicketIndex first = 0;
    uint32_t size = 0;
    // Per ticket, the same encoding as the lock-free pool (pool_common.h)
    // minus the tentative bit: 0 vacant, holder, or holder | sold.
    std::vector<uint32_t> state;
    // The vacant tickets (offsets in the set) in no particular order, and
    // each ticket's position in it (kAbsent when not vacant): O(1) random
    // pick and removal.
    std::vector<uint32_t> vacant;
    std::vector<uint32_t> position;
    uint32_t reserved = 0;
    uint32_t sold = 0;
  };
  static constexpr uint32_t kAbsent = 0xffffffffu;

  bool Valid(TicketRef t) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IsVacant(TicketRef t) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Take(Set& s, uint32_t offset, HolderId holder)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Picks a vacant ticket offset (lowest or random) without taking it.
  uint32_t Pick(const Set& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t ClaimRandomLocked(SetIndex set, uint32_t n, HolderId holder,
                             TicketRef* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ClaimPolicy policy_;
  mutable std::mutex mu_;
  std::vector<Set> sets_ ABSL_GUARDED_BY(mu_);
  uint64_t rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CORE_REFERENCE_INVENTORY_H_
