#include "engine/core/reference_inventory.h"

#include <algorithm>
#include <string>

#include "engine/common/assert.h"
#include "engine/core/pool_common.h"

namespace boxoffice::internal {
namespace {

// std::mutex, not absl::Mutex: Debian's Abseil is built with deadlock
// detection on (every lock also takes a process-wide graph lock: 23 ns
// against 6 ns uncontended on this machine) and without TSan
// instrumentation, which would make the baseline both slower than a plain
// mutex and invisible to ThreadSanitizer. The peers' C++ baseline uses
// std::mutex too, so the comparison is with what a user would write.
using Locked = std::lock_guard<std::mutex>;

}  // namespace

using core::kSoldBit;

ReferenceInventory::ReferenceInventory(ClaimPolicy policy)
    : policy_(policy), rng_(core::SplitMix64(policy.seed) | 1) {}

absl::Status ReferenceInventory::AddSet(SetIndex set, TicketIndex first,
                                        uint32_t size) {
  Locked lock(mu_);
  if (absl::Status s = core::ValidateAddSet(static_cast<uint32_t>(sets_.size()),
                                            set, first, size);
      !s.ok()) {
    return s;
  }
  Set s;
  s.first = first;
  s.size = size;
  s.state.assign(size, 0);
  s.vacant.resize(size);
  s.position.resize(size);
  for (uint32_t i = 0; i < size; ++i) {
    s.vacant[i] = i;
    s.position[i] = i;
  }
  sets_.push_back(std::move(s));
  return absl::OkStatus();
}

bool ReferenceInventory::Valid(TicketRef t) const {
  return t.set < sets_.size() && t.ticket >= sets_[t.set].first &&
         t.ticket - sets_[t.set].first < sets_[t.set].size;
}

bool ReferenceInventory::IsVacant(TicketRef t) const {
  return Valid(t) && sets_[t.set].state[t.ticket - sets_[t.set].first] == 0;
}

void ReferenceInventory::Take(Set& s, uint32_t offset, HolderId holder) {
  BOXOFFICE_CHECK(s.state[offset] == 0);
  const uint32_t pos = s.position[offset];
  BOXOFFICE_CHECK(pos != kAbsent);
  const uint32_t moved = s.vacant.back();
  s.vacant[pos] = moved;
  s.position[moved] = pos;
  s.vacant.pop_back();
  s.position[offset] = kAbsent;
  s.state[offset] = holder;
  ++s.reserved;
}

uint32_t ReferenceInventory::Pick(const Set& s) {
  BOXOFFICE_DCHECK(!s.vacant.empty());
  if (policy_.lowest_first) {
    for (uint32_t i = 0; i < s.size; ++i) {
      if (s.state[i] == 0) return i;
    }
    BOXOFFICE_CHECK(false);
  }
  return s.vacant[core::XorShift64Star(rng_) % s.vacant.size()];
}

uint32_t ReferenceInventory::ClaimRandomLocked(SetIndex set, uint32_t n,
                                               HolderId holder,
                                               TicketRef* out) {
  Set& s = sets_[set];
  const uint32_t k = std::min<uint64_t>(n, s.vacant.size());
  for (uint32_t i = 0; i < k; ++i) {
    const uint32_t offset = Pick(s);
    Take(s, offset, holder);
    out[i] = TicketRef{set, s.first + offset};
  }
  return k;
}

uint32_t ReferenceInventory::ClaimRandom(SetIndex set, uint32_t n,
                                         HolderId holder, bool all_or_nothing,
                                         std::span<TicketRef> out) {
  BOXOFFICE_DCHECK(holder != kNoHolder && holder <= kMaxHolder);
  BOXOFFICE_CHECK(out.size() >= n);
  Locked lock(mu_);
  BOXOFFICE_DCHECK(set < sets_.size());
  if (set >= sets_.size()) return 0;
  if (all_or_nothing && sets_[set].vacant.size() < n) return 0;
  return ClaimRandomLocked(set, n, holder, out.data());
}

bool ReferenceInventory::ClaimTicket(TicketRef ticket, HolderId holder) {
  BOXOFFICE_DCHECK(holder != kNoHolder && holder <= kMaxHolder);
  Locked lock(mu_);
  BOXOFFICE_DCHECK(Valid(ticket));
  if (!IsVacant(ticket)) return false;
  Take(sets_[ticket.set], ticket.ticket - sets_[ticket.set].first, holder);
  return true;
}

BatchResult ReferenceInventory::ClaimBatch(const BatchClaim& claim,
                                           HolderId holder,
                                           std::span<TicketRef> out) {
  BOXOFFICE_DCHECK(holder != kNoHolder && holder <= kMaxHolder);
  uint64_t total = claim.specific.size();
  for (const RandomClaim& r : claim.random) total += r.count;
  BOXOFFICE_CHECK(out.size() >= total);
  Locked lock(mu_);
  if (claim.all_or_nothing) {
    // Check everything first; then nothing can fail while applying.
    for (const TicketRef& t : claim.specific) {
      if (!IsVacant(t)) return BatchResult{0, false};
    }
    for (const RandomClaim& r : claim.random) {
      if (r.count == 0) continue;
      if (r.set >= sets_.size()) return BatchResult{0, false};
      uint64_t specific_here = 0;
      for (const TicketRef& t : claim.specific) {
        specific_here += t.set == r.set ? 1 : 0;
      }
      if (sets_[r.set].vacant.size() < specific_here + r.count) {
        return BatchResult{0, false};
      }
    }
  }
  uint32_t k = 0;
  for (const TicketRef& t : claim.specific) {
    if (!IsVacant(t)) continue;
    Take(sets_[t.set], t.ticket - sets_[t.set].first, holder);
    out[k++] = t;
  }
  for (const RandomClaim& r : claim.random) {
    if (r.count == 0 || r.set >= sets_.size()) continue;
    k += ClaimRandomLocked(r.set, r.count, holder, out.data() + k);
  }
  BOXOFFICE_DCHECK(!claim.all_or_nothing || k == total);
  return BatchResult{k, k == total};
}

uint32_t ReferenceInventory::Release(std::span<const TicketRef> tickets,
                                     HolderId holder) {
  Locked lock(mu_);
  uint32_t released = 0;
  for (const TicketRef& t : tickets) {
    if (!Valid(t)) continue;
    Set& s = sets_[t.set];
    const uint32_t offset = t.ticket - s.first;
    if (s.state[offset] != holder) continue;
    s.state[offset] = 0;
    s.position[offset] = static_cast<uint32_t>(s.vacant.size());
    s.vacant.push_back(offset);
    --s.reserved;
    ++released;
  }
  return released;
}

uint32_t ReferenceInventory::Sell(std::span<const TicketRef> tickets,
                                  HolderId holder) {
  Locked lock(mu_);
  uint32_t sold = 0;
  for (const TicketRef& t : tickets) {
    if (!Valid(t)) continue;
    Set& s = sets_[t.set];
    const uint32_t offset = t.ticket - s.first;
    if (s.state[offset] != holder) continue;
    s.state[offset] = holder | kSoldBit;
    --s.reserved;
    ++s.sold;
    ++sold;
  }
  return sold;
}

SetCounts ReferenceInventory::Counts(SetIndex set) const {
  Locked lock(mu_);
  BOXOFFICE_DCHECK(set < sets_.size());
  if (set >= sets_.size()) return {};
  const Set& s = sets_[set];
  return SetCounts{s.size, static_cast<uint32_t>(s.vacant.size()), s.reserved,
                   s.sold};
}

TicketStatusWord ReferenceInventory::Status(TicketRef ticket) const {
  Locked lock(mu_);
  BOXOFFICE_DCHECK(Valid(ticket));
  if (!Valid(ticket)) return {};
  return core::DecodeStatus(
      sets_[ticket.set].state[ticket.ticket - sets_[ticket.set].first]);
}

uint32_t ReferenceInventory::set_count() const {
  Locked lock(mu_);
  return static_cast<uint32_t>(sets_.size());
}

size_t ReferenceInventory::memory_bytes() const {
  Locked lock(mu_);
  size_t bytes = sizeof(*this) + sets_.capacity() * sizeof(Set);
  for (const Set& s : sets_) {
    bytes += sizeof(uint32_t) *
             (s.state.capacity() + s.vacant.capacity() + s.position.capacity());
  }
  return bytes;
}

absl::Status ReferenceInventory::Verify() const {
  Locked lock(mu_);
  for (size_t si = 0; si < sets_.size(); ++si) {
    const Set& s = sets_[si];
    uint32_t vacant = 0, reserved = 0, sold = 0;
    for (uint32_t i = 0; i < s.size; ++i) {
      if (s.state[i] == 0) {
        ++vacant;
        if (s.position[i] == kAbsent || s.vacant[s.position[i]] != i) {
          return absl::InternalError("set " + std::to_string(si) +
                                     " vacant index broken");
        }
      } else if ((s.state[i] & kSoldBit) != 0) {
        ++sold;
      } else {
        ++reserved;
      }
    }
    if (vacant != s.vacant.size() || reserved != s.reserved || sold != s.sold ||
        vacant + reserved + sold != s.size) {
      return absl::InternalError("set " + std::to_string(si) +
                                 " counts disagree with tickets");
    }
  }
  return absl::OkStatus();
}

}  // namespace boxoffice::internal
