// The inventory core's interface: per-set pools of tickets whose claims are
// single atomic steps, and an all-or-nothing batch claim across sets.
//
// Two implementations: LockFreeInventory (core/lockfree_inventory.h), the
// engine's, and ReferenceInventory (core/reference_inventory.h), one mutex
// around plain containers: the oracle of differential tests and the
// baseline of benchmarks.
//
// Thread-safety: every method may be called concurrently from any number of
// threads, except AddSet, which the catalog loader calls under its own lock
// (one AddSet at a time, concurrent with claims on sets added earlier).
#ifndef BOXOFFICE_ENGINE_CORE_INVENTORY_H_
#define BOXOFFICE_ENGINE_CORE_INVENTORY_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"

namespace boxoffice::internal {

// Global dense ticket index, assigned by the catalog; a set's tickets are
// the contiguous range [first, first + size).
using TicketIndex = uint32_t;
using SetIndex = uint32_t;
// Who holds a ticket: an order's index + 1. 0 means nobody. Fits 30 bits.
using HolderId = uint32_t;
inline constexpr HolderId kNoHolder = 0;
inline constexpr HolderId kMaxHolder = (1u << 30) - 1;

struct TicketRef {
  SetIndex set = 0;
  TicketIndex ticket = 0;
  friend bool operator==(const TicketRef&, const TicketRef&) = default;
};

enum class TicketState : uint8_t { kVacant, kReserved, kSold };

struct TicketStatusWord {
  TicketState state = TicketState::kVacant;
  HolderId holder = kNoHolder;  // kNoHolder when vacant
};

// A consistent snapshot of one set: vacant + reserved + sold == size.
struct SetCounts {
  uint32_t size = 0;
  uint32_t vacant = 0;
  uint32_t reserved = 0;
  uint32_t sold = 0;
};

struct RandomClaim {
  SetIndex set = 0;
  uint32_t count = 0;
};

// Any mix of random and specific claims across the sets of one event.
// Preconditions: at most one RandomClaim per set; specific tickets distinct.
struct BatchClaim {
  std::span<const RandomClaim> random;
  std::span<const TicketRef> specific;
  bool all_or_nothing = false;
};

struct BatchResult {
  // Tickets claimed, written to the output span: the claimed specific
  // tickets first (in request order), then the random ones (per request
  // entry, in order).
  uint32_t claimed = 0;
  // Every requested ticket was claimed. With all_or_nothing, !complete
  // implies claimed == 0 and nothing was held at any point visible to a
  // failing competitor (no false sold-outs; see the implementation).
  bool complete = false;
};

class Inventory {
 public:
  virtual ~Inventory() = default;

  // Registers set `set` (== the number of sets added before it) of `size`
  // tickets, all vacant, with global indices [first, first + size).
  virtual absl::Status AddSet(SetIndex set, TicketIndex first,
                              uint32_t size) = 0;

  // Claims up to n random vacant tickets of `set` for `holder`, writing them
  // to out (out.size() >= n). all_or_nothing: n or none. Returns how many.
  virtual uint32_t ClaimRandom(SetIndex set, uint32_t n, HolderId holder,
                               bool all_or_nothing,
                               std::span<TicketRef> out) = 0;

  // Claims one specific ticket if vacant.
  virtual bool ClaimTicket(TicketRef ticket, HolderId holder) = 0;

  // out.size() >= specific.size() + sum of random counts.
  virtual BatchResult ClaimBatch(const BatchClaim& claim, HolderId holder,
                                 std::span<TicketRef> out) = 0;

  // Releases those of `tickets` that `holder` holds reserved (not sold);
  // returns how many. Tickets held by others are left alone.
  virtual uint32_t Release(std::span<const TicketRef> tickets,
                           HolderId holder) = 0;

  // Marks those of `tickets` that `holder` holds reserved as sold; returns
  // how many. Sold is final.
  virtual uint32_t Sell(std::span<const TicketRef> tickets,
                        HolderId holder) = 0;

  virtual SetCounts Counts(SetIndex set) const = 0;
  virtual TicketStatusWord Status(TicketRef ticket) const = 0;
  virtual uint32_t set_count() const = 0;
  // Bytes of per-ticket state held (for the <= 16 bytes/ticket budget).
  virtual size_t memory_bytes() const = 0;

  // O(tickets) check that every set's counts match its tickets' states.
  // Meaningful at a quiescent point only.
  virtual absl::Status Verify() const = 0;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CORE_INVENTORY_H_
