// The loaded catalog: immutable records in stable storage, found by id in
// O(1) through insert-only hash indexes whose readers never lock.
//
// Thread-safety: every const method may be called from any thread at any
// time, concurrently with Load. Load calls are serialized by an internal
// mutex (catalog loads are rare operator actions). A record, once returned,
// stays valid and unchanged for the store's lifetime.
#ifndef BOXOFFICE_ENGINE_CATALOG_CATALOG_STORE_H_
#define BOXOFFICE_ENGINE_CATALOG_CATALOG_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boxoffice/catalog.h"
#include "boxoffice/money.h"
#include "boxoffice/object_id.h"
#include "engine/common/cache_line.h"
#include "engine/core/inventory.h"

namespace boxoffice::internal {

using PartnerIndex = uint32_t;
using EventIndex = uint32_t;
using PromocodeIndex = uint32_t;
inline constexpr uint32_t kNoSeat = UINT32_MAX;

struct PartnerRecord {
  ObjectId id;
  std::string name;
  // Compared by every request's key lookup, from every thread: its text is
  // on cache lines of its own (engine/common/cache_line.h).
  std::basic_string<char, std::char_traits<char>, CacheLineAllocator<char>> key;
};

struct TicketRecord {
  ObjectId id;
  SetIndex set = 0;
  int64_t number = 0;
  uint32_t seat = kNoSeat;  // index into the store's seats, or kNoSeat
};

struct SetRecord {
  ObjectId id;
  EventIndex event = 0;
  std::string name;
  Money price;
  bool with_seats = false;
  std::string serial;
  ObjectId rule;
  Percent extra_percent;  // the set's own, else the event's
  TicketIndex first = 0;  // the set's tickets: [first, first + size)
  uint32_t size = 0;
};

struct PromocodeRecord {
  ObjectId id;
  EventIndex event = 0;
  std::string code;         // as loaded
  std::string code_folded;  // lowercase, for case-insensitive matching
  Discount discount;
  std::optional<int64_t> limit;
  std::vector<SetIndex> sets;  // empty: every set of the event
};

struct EventRecord {
  ObjectId id;
  PartnerIndex org = 0;
  std::vector<PartnerIndex> vendors;
  EventStatus status = EventStatus::kPublic;
  std::string title_text, title_desc;
  absl::Time start, finish;
  std::string timezone;
  Percent extra_percent;
  std::vector<SetIndex> sets;              // catalog order
  std::vector<PromocodeIndex> promocodes;  // catalog order

  // The partner may create orders for this event (org or vendor, public).
  bool SellableBy(PartnerIndex p) const;
};

// Told about new sets and promocodes during Load, before any reader can
// find them, so that the inventory and the promocode counters exist first.
class LoadListener {
 public:
  virtual ~LoadListener() = default;
  virtual absl::Status OnSetAdded(SetIndex index, const SetRecord& set) = 0;
  virtual absl::Status OnPromocodeAdded(PromocodeIndex index,
                                        const PromocodeRecord& promocode) = 0;
};

struct CatalogStoreLimits {
  int64_t max_tickets = 100'000'000;
};

class CatalogStore {
 public:
  explicit CatalogStore(CatalogStoreLimits limits = {});
  ~CatalogStore();
  CatalogStore(const CatalogStore&) = delete;
  CatalogStore& operator=(const CatalogStore&) = delete;

  // Validates `doc` against itself and what is loaded (duplicate ids, orgs
  // and vendors that are no partner, capacity) and adds it all or none,
  // listing every problem as "<JSON pointer>: <problem>". Generated ticket
  // ids (for `count`) are deterministic for a given document.
  absl::StatusOr<CatalogSummary> Load(const CatalogDocument& doc,
                                      LoadListener* listener);

  std::optional<PartnerIndex> FindPartner(const ObjectId& id) const;
  std::optional<PartnerIndex> FindPartnerByKey(std::string_view key) const;
  std::optional<EventIndex> FindEvent(const ObjectId& id) const;
  std::optional<SetIndex> FindSet(const ObjectId& id) const;
  std::optional<TicketIndex> FindTicket(const ObjectId& id) const;
  std::optional<PromocodeIndex> FindPromocode(const ObjectId& id) const;
  // Case-insensitive code lookup within one event's promocodes.
  std::optional<PromocodeIndex> FindPromocodeByCode(
      EventIndex event, std::string_view code) const;

  // Indices below the *_count() are valid; the counts only grow.
  const PartnerRecord& partner(PartnerIndex i) const;
  const EventRecord& event(EventIndex i) const;
  const SetRecord& set(SetIndex i) const;
  const TicketRecord& ticket(TicketIndex i) const;
  const Seat& seat(uint32_t i) const;
  const PromocodeRecord& promocode(PromocodeIndex i) const;

  uint32_t partner_count() const;
  uint32_t event_count() const;
  uint32_t set_count() const;
  uint32_t ticket_count() const;
  uint32_t promocode_count() const;

  // Approximate bytes held by the ticket id index (for the memory budget).
  size_t ticket_index_bytes() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  // Process-unique, for the per-thread lookup cache of FindPartner.
  const uint64_t store_id_;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CATALOG_CATALOG_STORE_H_
