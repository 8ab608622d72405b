#include "engine/catalog/catalog_store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boxoffice/errors.h"
#include "boxoffice/limits.h"
#include "engine/catalog/catalog_validate.h"
#include "engine/catalog/stable_storage.h"
#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

// Seeds that keep the hash families of different indexes independent.
constexpr uint64_t kKeySeed = 0x6b6579;             // "key"
constexpr uint64_t kCodeSeed = 0x636f6465;          // "code"
constexpr uint64_t kTicketIdSeed = 0x7469636b6574;  // "ticket"
// Attempts to find a free generated id. Each attempt collides with
// probability below (ids loaded) / 2^96, so a second attempt is already
// astronomically rare; running out means the hash is broken.
constexpr int kMaxIdAttempts = 64;

char FoldAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Hashes the code as FoldCode would fold it, without building the folded
// string: lookups by code happen on order requests and must not allocate.
uint64_t CodeHash(EventIndex event, std::string_view code) {
  uint64_t h =
      0xcbf29ce484222325ULL ^ Mix64(kCodeSeed ^ (uint64_t{event} << 20));
  for (const char c : code) {
    h ^= static_cast<unsigned char>(FoldAscii(c));
    h *= 0x100000001b3ULL;
  }
  return Mix64(h);
}

bool EqualsFolded(std::string_view code, std::string_view folded) {
  if (code.size() != folded.size()) return false;
  for (size_t i = 0; i < code.size(); ++i) {
    if (FoldAscii(code[i]) != folded[i]) return false;
  }
  return true;
}

// The id of the ordinal-th ticket of `set` (0-based, counting listed
// tickets too), attempt-th try. A pure function of its arguments, so that
// generated ids are the same for the same document.
ObjectId GeneratedTicketId(const ObjectId& set, uint64_t ordinal,
                           uint64_t attempt) {
  const uint64_t base = HashObjectId(set) ^ kTicketIdSeed;
  const uint64_t a = Mix64(base ^ Mix64(ordinal * 0x9e3779b97f4a7c15ULL +
                                        attempt * 0xbf58476d1ce4e5b9ULL + 1));
  const uint64_t b = Mix64(a ^ 0x94d049bb133111ebULL);
  std::array<uint8_t, ObjectId::kBytes> bytes;
  std::memcpy(bytes.data(), &a, 8);
  const uint32_t b32 = static_cast<uint32_t>(b >> 32);
  std::memcpy(bytes.data() + 8, &b32, 4);
  return ObjectId(bytes);
}

// Three capital letters from the set id: a stable default for `serial`.
std::string DefaultSerial(const ObjectId& set) {
  uint64_t h = HashObjectId(set);
  std::string s(3, 'A');
  for (char& c : s) {
    c = static_cast<char>('A' + h % 26);
    h /= 26;
  }
  return s;
}

uint32_t SetSize(const SetSpec& set) {
  int64_t n = static_cast<int64_t>(set.tickets.size());
  if (set.count.has_value() && *set.count > n) n = *set.count;
  BOXOFFICE_DCHECK(n >= 0);
  BOXOFFICE_DCHECK(n <= limits::kMaxTicketsPerSet);
  return static_cast<uint32_t>(n);
}

}  // namespace

bool EventRecord::SellableBy(PartnerIndex p) const {
  if (status != EventStatus::kPublic) return false;
  if (org == p) return true;
  return std::find(vendors.begin(), vendors.end(), p) != vendors.end();
}

// Thread-safety: see CatalogStore. Fields marked "writer only" are touched
// only under mu_; the rest are read by lock-free readers as documented at
// each atomic.
// Cache-line aligned: every lookup of every request thread reads it (see
// engine/common/cache_line.h).
class alignas(kCacheLine) CatalogStore::Impl {
 public:
  explicit Impl(CatalogStoreLimits limits) : limits_(limits) {
    snapshots_.push_back(std::make_unique<PublishedCounts>());
    published_.store(snapshots_.back().get(), std::memory_order_release);
  }

  absl::StatusOr<CatalogSummary> Load(const CatalogDocument& doc,
                                      LoadListener* listener);

  // Readers. Each filters by the published count, so that a load under way
  // stays invisible until it is published whole.
  std::optional<uint32_t> FindPartner(const ObjectId& id) const {
    return Published(FindPartnerAny(id), partner_count());
  }
  std::optional<uint32_t> FindPartnerByKey(std::string_view key) const {
    const uint32_t n = partner_count();
    const uint32_t i = key_index_.live()->Find(
        HashBytes(key, kKeySeed),
        [&](uint32_t c) { return partners_.Get(c).key == key; });
    return Published(i, n);
  }
  std::optional<uint32_t> FindEvent(const ObjectId& id) const {
    return Published(FindEventAny(id), event_count());
  }
  std::optional<uint32_t> FindSet(const ObjectId& id) const {
    return Published(FindSetAny(id), set_count());
  }
  std::optional<uint32_t> FindTicket(const ObjectId& id) const {
    return Published(FindTicketAny(id), ticket_count());
  }
  std::optional<uint32_t> FindPromocode(const ObjectId& id) const {
    return Published(FindPromocodeAny(id), promocode_count());
  }
  std::optional<uint32_t> FindPromocodeByCode(EventIndex event,
                                              std::string_view code) const {
    const uint32_t n = promocode_count();
    const uint32_t i =
        code_index_.live()->Find(CodeHash(event, code), [&](uint32_t c) {
          const PromocodeRecord& p = promocodes_.Get(c);
          return p.event == event && EqualsFolded(code, p.code_folded);
        });
    return Published(i, n);
  }

  // All counts come from one snapshot, so that a reader walking from a
  // ticket up to its set and event, or from an event down to its sets and
  // tickets, never meets an index that another count does not cover yet.
  uint32_t partner_count() const { return Counts().partners; }
  uint32_t event_count() const { return Counts().events; }
  uint32_t set_count() const { return Counts().sets; }
  uint32_t ticket_count() const { return Counts().tickets; }
  uint32_t seat_count() const { return Counts().seats; }
  uint32_t promocode_count() const { return Counts().promocodes; }
  size_t ticket_index_bytes() const {
    // Relaxed: a statistic, not a publication edge.
    return ticket_index_bytes_.load(std::memory_order_relaxed);
  }

  SegmentedArray<PartnerRecord, 8, limits::kMaxPartners> partners_;
  SegmentedArray<EventRecord, 8, limits::kMaxEvents> events_;
  SegmentedArray<SetRecord, 10, limits::kMaxSets> sets_;
  SegmentedArray<TicketRecord, 16, limits::kMaxTickets> tickets_;
  SegmentedArray<Seat, 14, limits::kMaxTickets> seats_;
  SegmentedArray<PromocodeRecord, 8, limits::kMaxPromocodes> promocodes_;

 private:
  static std::optional<uint32_t> Published(uint32_t i, uint32_t count) {
    if (i == UINT32_MAX || i >= count) return std::nullopt;
    return i;
  }

  // Unfiltered lookups: they also find entries of the load under way
  // (indexed but not yet published). Readers filter their results; the
  // writer uses them as they are, to keep generated ids unique.
  uint32_t FindPartnerAny(const ObjectId& id) const {
    return partner_index_.live()->Find(HashObjectId(id), [&](uint32_t c) {
      return SameId(partners_.Get(c).id, id);
    });
  }
  uint32_t FindEventAny(const ObjectId& id) const {
    return event_index_.live()->Find(HashObjectId(id), [&](uint32_t c) {
      return SameId(events_.Get(c).id, id);
    });
  }
  uint32_t FindSetAny(const ObjectId& id) const {
    return set_index_.live()->Find(HashObjectId(id), [&](uint32_t c) {
      return SameId(sets_.Get(c).id, id);
    });
  }
  uint32_t FindTicketAny(const ObjectId& id) const {
    return ticket_index_.live()->Find(HashObjectId(id), [&](uint32_t c) {
      return SameId(tickets_.Get(c).id, id);
    });
  }
  uint32_t FindPromocodeAny(const ObjectId& id) const {
    return promocode_index_.live()->Find(HashObjectId(id), [&](uint32_t c) {
      return SameId(promocodes_.Get(c).id, id);
    });
  }
  // Any kind but tickets (the ticket index is checked as ids are inserted).
  bool NonTicketIdTaken(const ObjectId& id) const {
    return FindSetAny(id) != UINT32_MAX || FindEventAny(id) != UINT32_MAX ||
           FindPartnerAny(id) != UINT32_MAX ||
           FindPromocodeAny(id) != UINT32_MAX;
  }

  void CheckAgainstLoaded(const CatalogDocument& doc,
                          std::vector<std::string>* problems) const;
  void CheckCapacity(const CatalogDocument& doc,
                     std::vector<std::string>* problems) const;
  // Writes partner, event, set and promocode records above the published
  // counts (invisible to readers).
  void WriteRecords(const CatalogDocument& doc);
  void IndexRecords(const CatalogDocument& doc);
  void WriteTickets(const CatalogDocument& doc);
  void Publish(const CatalogDocument& doc);

  const CatalogStoreLimits limits_;
  // Serializes Load. std::mutex: Debian's Abseil locks are invisible to
  // ThreadSanitizer (see engine/core/reference_inventory.cc).
  std::mutex mu_;

  // Cache-line aligned, like Impl: read on every lookup.
  struct alignas(kCacheLine) PublishedCounts {
    uint32_t partners = 0, events = 0, sets = 0, tickets = 0, seats = 0,
             promocodes = 0;
  };
  const PublishedCounts& Counts() const {
    // Acquire pairs with the release in Publish: every record below these
    // counts, and its index entries, were written before the snapshot was
    // published.
    return *published_.load(std::memory_order_acquire);
  }
  // The published snapshot; replaced (never modified) by each load. Old
  // snapshots are kept in snapshots_ until the store dies, since a reader
  // may still hold one (24 bytes per load).
  std::atomic<const PublishedCounts*> published_{nullptr};
  std::vector<std::unique_ptr<PublishedCounts>> snapshots_;  // writer only
  std::atomic<size_t> ticket_index_bytes_{0};

  GrowableIndex partner_index_;
  GrowableIndex key_index_;
  GrowableIndex event_index_;
  GrowableIndex set_index_;
  GrowableIndex ticket_index_;
  GrowableIndex promocode_index_;
  GrowableIndex code_index_;

  // Writer only, valid during one Load: the bases of the document's
  // records (the published counts when the load began) and its sizes.
  uint32_t partner_base_ = 0, event_base_ = 0, set_base_ = 0, ticket_base_ = 0,
           seat_base_ = 0, promocode_base_ = 0;
  uint32_t new_sets_ = 0, new_tickets_ = 0, new_seats_ = 0, new_promocodes_ = 0;
  absl::flat_hash_map<ObjectId, PartnerIndex> doc_partners_;
};

void CatalogStore::Impl::CheckAgainstLoaded(
    const CatalogDocument& doc, std::vector<std::string>* problems) const {
  // The pointer is built only for a problem: a stadium lists 100,000
  // tickets, nearly always fine.
  auto taken = [&](const ObjectId& id, const auto& pointer) {
    if (FindTicket(id) || FindSet(id) || FindEvent(id) || FindPartner(id) ||
        FindPromocode(id)) {
      problems->push_back(Problem(
          pointer(), absl::StrCat("id ", id.ToString(), " is already loaded")));
    }
  };
  absl::flat_hash_set<ObjectId> doc_partner_ids;
  for (size_t p = 0; p < doc.partners.size(); ++p) {
    const PartnerSpec& partner = doc.partners[p];
    const std::string pp = PartnerPointer(p);
    taken(partner.id, [&] { return pp + "/id"; });
    if (FindPartnerByKey(partner.key)) {
      problems->push_back(Problem(pp + "/key", "duplicate partner key"));
    }
    doc_partner_ids.insert(partner.id);
  }
  auto is_partner = [&](const ObjectId& id) {
    return doc_partner_ids.contains(id) || FindPartner(id).has_value();
  };
  for (size_t e = 0; e < doc.events.size(); ++e) {
    const EventSpec& event = doc.events[e];
    const std::string ep = EventPointer(e);
    taken(event.id, [&] { return ep + "/id"; });
    if (!is_partner(event.org)) {
      problems->push_back(Problem(
          ep + "/org",
          absl::StrCat("partner ", event.org.ToString(), " not found")));
    }
    for (size_t v = 0; v < event.vendors.size(); ++v) {
      if (!is_partner(event.vendors[v])) {
        problems->push_back(
            Problem(absl::StrCat(ep, "/vendors/", v),
                    absl::StrCat("partner ", event.vendors[v].ToString(),
                                 " not found")));
      }
    }
    for (size_t s = 0; s < event.sets.size(); ++s) {
      const SetSpec& set = event.sets[s];
      taken(set.id, [&] { return SetPointer(e, s) + "/id"; });
      for (size_t t = 0; t < set.tickets.size(); ++t) {
        taken(set.tickets[t].id,
              [&] { return TicketPointer(e, s, t) + "/id"; });
      }
    }
    for (size_t p = 0; p < event.promocodes.size(); ++p) {
      taken(event.promocodes[p].id,
            [&] { return PromocodePointer(e, p) + "/id"; });
    }
  }
}

void CatalogStore::Impl::CheckCapacity(
    const CatalogDocument& doc, std::vector<std::string>* problems) const {
  uint64_t sets = 0, promocodes = 0, seats = 0;
  for (const EventSpec& e : doc.events) {
    sets += e.sets.size();
    promocodes += e.promocodes.size();
    for (const SetSpec& s : e.sets) {
      for (const TicketSpec& t : s.tickets) seats += t.seat.has_value();
    }
  }
  const uint64_t max_tickets = std::min<uint64_t>(
      limits_.max_tickets < 0 ? 0 : limits_.max_tickets, limits::kMaxTickets);
  auto check = [&](const char* pointer, const char* what, uint64_t loaded,
                   uint64_t more, uint64_t max) {
    if (loaded + more > max) {
      problems->push_back(
          Problem(pointer, absl::StrCat("too many ", what, ": ", loaded + more,
                                        " with those loaded, at most ", max)));
    }
  };
  check("/partners", "partners", partner_count(), doc.partners.size(),
        limits::kMaxPartners);
  check("/events", "events", event_count(), doc.events.size(),
        limits::kMaxEvents);
  check("/events", "sets", set_count(), sets, limits::kMaxSets);
  check("/events", "promocodes", promocode_count(), promocodes,
        limits::kMaxPromocodes);
  check("/events", "tickets", ticket_count(),
        static_cast<uint64_t>(DocumentTicketCount(doc)), max_tickets);
  check("/events", "seats", seat_count(), seats, limits::kMaxTickets);
}

void CatalogStore::Impl::WriteRecords(const CatalogDocument& doc) {
  partner_base_ = partner_count();
  event_base_ = event_count();
  set_base_ = set_count();
  ticket_base_ = ticket_count();
  seat_base_ = seat_count();
  promocode_base_ = promocode_count();
  doc_partners_.clear();
  for (size_t p = 0; p < doc.partners.size(); ++p) {
    PartnerRecord& r = partners_.Mutable(partner_base_ + p);
    r.id = doc.partners[p].id;
    r.name = doc.partners[p].name;
    r.key = doc.partners[p].key;
    doc_partners_[r.id] = static_cast<PartnerIndex>(partner_base_ + p);
  }
  auto partner_index = [&](const ObjectId& id) -> PartnerIndex {
    auto it = doc_partners_.find(id);
    if (it != doc_partners_.end()) return it->second;
    const std::optional<PartnerIndex> loaded = FindPartner(id);
    BOXOFFICE_CHECK(loaded.has_value());  // CheckAgainstLoaded passed
    return *loaded;
  };
  uint32_t set_index = set_base_;
  uint32_t promo_index = promocode_base_;
  uint64_t first = ticket_base_;
  uint64_t seats = 0;
  for (size_t e = 0; e < doc.events.size(); ++e) {
    const EventSpec& spec = doc.events[e];
    const EventIndex event_index = static_cast<EventIndex>(event_base_ + e);
    EventRecord& ev = events_.Mutable(event_index);
    ev.id = spec.id;
    ev.org = partner_index(spec.org);
    ev.vendors.clear();
    for (const ObjectId& v : spec.vendors)
      ev.vendors.push_back(partner_index(v));
    ev.status = spec.status;
    ev.title_text = spec.title_text;
    ev.title_desc = spec.title_desc;
    ev.start = spec.start;
    ev.finish = spec.finish;
    ev.timezone = spec.timezone;
    ev.extra_percent = spec.extra_percent;
    ev.sets.clear();
    ev.promocodes.clear();
    absl::flat_hash_map<ObjectId, SetIndex> event_sets;
    for (const SetSpec& s : spec.sets) {
      SetRecord& r = sets_.Mutable(set_index);
      r.id = s.id;
      r.event = event_index;
      r.name = s.name;
      r.price = s.price;
      r.with_seats = s.with_seats;
      r.serial = s.serial.has_value() ? *s.serial : DefaultSerial(s.id);
      r.rule = s.rule.value_or(s.id);
      r.extra_percent = s.extra_percent.value_or(spec.extra_percent);
      r.first = static_cast<TicketIndex>(first);
      r.size = SetSize(s);
      first += r.size;
      for (const TicketSpec& t : s.tickets) seats += t.seat.has_value();
      ev.sets.push_back(set_index);
      event_sets[s.id] = set_index;
      ++set_index;
    }
    for (const PromocodeSpec& p : spec.promocodes) {
      PromocodeRecord& r = promocodes_.Mutable(promo_index);
      r.id = p.id;
      r.event = event_index;
      r.code = p.code;
      r.code_folded = FoldCode(p.code);
      r.discount = p.discount;
      r.limit = p.limit;
      r.sets.clear();
      if (p.sets.has_value()) {
        for (const ObjectId& s : *p.sets) {
          auto it = event_sets.find(s);
          BOXOFFICE_CHECK(it != event_sets.end());  // validated
          r.sets.push_back(it->second);
        }
      }
      ev.promocodes.push_back(promo_index);
      ++promo_index;
    }
  }
  new_sets_ = set_index - set_base_;
  new_promocodes_ = promo_index - promocode_base_;
  BOXOFFICE_CHECK(first - ticket_base_ <= UINT32_MAX);
  new_tickets_ = static_cast<uint32_t>(first - ticket_base_);
  new_seats_ = static_cast<uint32_t>(seats);
}

void CatalogStore::Impl::IndexRecords(const CatalogDocument& doc) {
  // Each index is sized once per load from the document's counts; a table
  // that must grow is rebuilt from the (published) records and replaced.
  auto rehash_ids = [](const auto& records, uint32_t count) {
    return [&records, count](AtomicIndexTable* t) {
      for (uint32_t i = 0; i < count; ++i) {
        t->Insert(HashObjectId(records.Get(i).id), i);
      }
    };
  };
  const uint32_t np = static_cast<uint32_t>(doc.partners.size());
  const uint32_t ne = static_cast<uint32_t>(doc.events.size());
  partner_index_.Reserve(np, rehash_ids(partners_, partner_base_));
  key_index_.Reserve(np, [&](AtomicIndexTable* t) {
    for (uint32_t i = 0; i < partner_base_; ++i) {
      t->Insert(HashBytes(partners_.Get(i).key, kKeySeed), i);
    }
  });
  event_index_.Reserve(ne, rehash_ids(events_, event_base_));
  set_index_.Reserve(new_sets_, rehash_ids(sets_, set_base_));
  promocode_index_.Reserve(new_promocodes_,
                           rehash_ids(promocodes_, promocode_base_));
  code_index_.Reserve(new_promocodes_, [&](AtomicIndexTable* t) {
    for (uint32_t i = 0; i < promocode_base_; ++i) {
      const PromocodeRecord& p = promocodes_.Get(i);
      t->Insert(CodeHash(p.event, p.code_folded), i);
    }
  });
  ticket_index_.Reserve(new_tickets_, rehash_ids(tickets_, ticket_base_));

  for (uint32_t i = partner_base_; i < partner_base_ + np; ++i) {
    const PartnerRecord& r = partners_.Get(i);
    partner_index_.live()->Insert(HashObjectId(r.id), i);
    key_index_.live()->Insert(HashBytes(r.key, kKeySeed), i);
  }
  for (uint32_t i = event_base_; i < event_base_ + ne; ++i) {
    event_index_.live()->Insert(HashObjectId(events_.Get(i).id), i);
  }
  for (uint32_t i = set_base_; i < set_base_ + new_sets_; ++i) {
    set_index_.live()->Insert(HashObjectId(sets_.Get(i).id), i);
  }
  for (uint32_t i = promocode_base_; i < promocode_base_ + new_promocodes_;
       ++i) {
    const PromocodeRecord& p = promocodes_.Get(i);
    promocode_index_.live()->Insert(HashObjectId(p.id), i);
    code_index_.live()->Insert(CodeHash(p.event, p.code_folded), i);
  }
}

void CatalogStore::Impl::WriteTickets(const CatalogDocument& doc) {
  AtomicIndexTable* index = ticket_index_.live();
  BOXOFFICE_DCHECK(index->Fits(new_tickets_));
  // Listed tickets first, all of them, so that a generated id can be
  // checked against every listed id of the document.
  uint32_t set_index = set_base_;
  uint32_t seat = seat_base_;
  for (const EventSpec& event : doc.events) {
    for (const SetSpec& s : event.sets) {
      const SetRecord& set = sets_.Get(set_index);
      for (size_t k = 0; k < s.tickets.size(); ++k) {
        const TicketSpec& spec = s.tickets[k];
        const TicketIndex t = set.first + static_cast<uint32_t>(k);
        TicketRecord& r = tickets_.Mutable(t);
        r.id = spec.id;
        r.set = set_index;
        r.number = spec.number.value_or(static_cast<int64_t>(k) + 1);
        if (spec.seat.has_value()) {
          seats_.Mutable(seat) = *spec.seat;
          r.seat = seat++;
        } else {
          r.seat = kNoSeat;
        }
        index->Insert(HashObjectId(r.id), t);
      }
      ++set_index;
    }
  }
  BOXOFFICE_CHECK(seat - seat_base_ == new_seats_);
  // Then the generated ones, ordinals listed .. size - 1 of each set, in
  // blocks: the first-attempt ids of a block are hashed and their home
  // slots prefetched before any is inserted, so that the block's cache
  // misses on the (large, randomly addressed) table overlap instead of
  // queueing one by one.
  constexpr uint32_t kBlock = 16;
  std::array<ObjectId, kBlock> ids;
  std::array<uint64_t, kBlock> hashes;
  set_index = set_base_;
  for (const EventSpec& event : doc.events) {
    for (const SetSpec& s : event.sets) {
      const SetRecord& set = sets_.Get(set_index);
      for (uint32_t k0 = static_cast<uint32_t>(s.tickets.size()); k0 < set.size;
           k0 += kBlock) {
        const uint32_t n = std::min(kBlock, set.size - k0);
        for (uint32_t j = 0; j < n; ++j) {
          ids[j] = GeneratedTicketId(set.id, k0 + j, 0);
          hashes[j] = HashObjectId(ids[j]);
          index->Prefetch(hashes[j]);
        }
        for (uint32_t j = 0; j < n; ++j) {
          const uint32_t k = k0 + j;
          const TicketIndex t = set.first + k;
          // Write the record first: InsertIfAbsent compares through it,
          // and a reader may reach it as soon as the slot is stored.
          TicketRecord& r = tickets_.Mutable(t);
          r.set = set_index;
          r.number = static_cast<int64_t>(k) + 1;
          r.seat = kNoSeat;
          ObjectId id = ids[j];
          uint64_t hash = hashes[j];
          for (int attempt = 0;; ++attempt) {
            BOXOFFICE_CHECK(attempt < kMaxIdAttempts);
            if (attempt > 0) {
              id = GeneratedTicketId(set.id, k, static_cast<uint64_t>(attempt));
              hash = HashObjectId(id);
            }
            if (NonTicketIdTaken(id)) continue;
            r.id = id;
            // One walk of the probe path both checks the id against every
            // ticket loaded or inserted so far and inserts it.
            if (index->InsertIfAbsent(hash, t, [&](uint32_t c) {
                  return SameId(tickets_.Get(c).id, id);
                })) {
              break;
            }
          }
        }
      }
      ++set_index;
    }
  }
}

void CatalogStore::Impl::Publish(const CatalogDocument& doc) {
  auto next = std::make_unique<PublishedCounts>();
  next->tickets = ticket_base_ + new_tickets_;
  next->seats = seat_base_ + new_seats_;
  next->sets = set_base_ + new_sets_;
  next->promocodes = promocode_base_ + new_promocodes_;
  next->events = event_base_ + static_cast<uint32_t>(doc.events.size());
  next->partners = partner_base_ + static_cast<uint32_t>(doc.partners.size());
  // Release: the whole document (records, index slots) becomes visible at
  // once to a reader that acquires this pointer.
  published_.store(next.get(), std::memory_order_release);
  snapshots_.push_back(std::move(next));
  ticket_index_bytes_.store(ticket_index_.bytes(), std::memory_order_relaxed);
}

absl::StatusOr<CatalogSummary> CatalogStore::Impl::Load(
    const CatalogDocument& doc, LoadListener* listener) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> problems;
  ValidateCatalogDocument(
      doc, std::min<int64_t>(limits_.max_tickets, limits::kMaxTickets),
      RefusedPointers(), &problems);
  CheckAgainstLoaded(doc, &problems);
  if (!problems.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, std::move(problems));
  }
  CheckCapacity(doc, &problems);
  if (!problems.empty()) {
    return MakeError(absl::StatusCode::kResourceExhausted, std::move(problems));
  }
  WriteRecords(doc);
  // The listener learns of every set and promocode before anything is
  // indexed: if it refuses, nothing has become findable, and the records
  // written above the published counts are overwritten by the next load.
  if (listener != nullptr) {
    for (uint32_t i = set_base_; i < set_base_ + new_sets_; ++i) {
      if (absl::Status s = listener->OnSetAdded(i, sets_.Get(i)); !s.ok()) {
        return s;
      }
    }
    for (uint32_t i = promocode_base_; i < promocode_base_ + new_promocodes_;
         ++i) {
      if (absl::Status s = listener->OnPromocodeAdded(i, promocodes_.Get(i));
          !s.ok()) {
        return s;
      }
    }
  }
  // From here on nothing can fail: the load is committed.
  IndexRecords(doc);
  WriteTickets(doc);
  Publish(doc);
  CatalogSummary summary;
  summary.partners = static_cast<int64_t>(doc.partners.size());
  summary.events = static_cast<int64_t>(doc.events.size());
  summary.tickets = new_tickets_;
  return summary;
}

namespace {

// Relaxed: only hands out distinct numbers.
std::atomic<uint64_t> next_store_id{1};

// Per thread, the last partner id it looked up and what it found: a server
// thread serves one box office's requests after another, and the lookup by
// id (hashing, a probe, a published-count check) showed in the order
// lifecycle profile. Valid because partners are never removed and an id,
// once published, names the same index for the store's lifetime; keyed by
// a process-unique store id (never by address, which a later store could
// reuse). Only found (published) partners are cached.
struct PartnerLookup {
  uint64_t store = 0;  // 0: empty
  ObjectId id;
  PartnerIndex index = 0;
};
constinit thread_local PartnerLookup last_partner_lookup;

}  // namespace

CatalogStore::CatalogStore(CatalogStoreLimits limits)
    : impl_(std::make_unique<Impl>(limits)),
      store_id_(next_store_id.fetch_add(1, std::memory_order_relaxed)) {}
CatalogStore::~CatalogStore() = default;

absl::StatusOr<CatalogSummary> CatalogStore::Load(const CatalogDocument& doc,
                                                  LoadListener* listener) {
  return impl_->Load(doc, listener);
}

std::optional<PartnerIndex> CatalogStore::FindPartner(
    const ObjectId& id) const {
  PartnerLookup& last = last_partner_lookup;
  if (last.store == store_id_ && last.id == id) return last.index;
  const std::optional<PartnerIndex> found = impl_->FindPartner(id);
  if (found.has_value()) last = PartnerLookup{store_id_, id, *found};
  return found;
}
std::optional<PartnerIndex> CatalogStore::FindPartnerByKey(
    std::string_view key) const {
  return impl_->FindPartnerByKey(key);
}
std::optional<EventIndex> CatalogStore::FindEvent(const ObjectId& id) const {
  return impl_->FindEvent(id);
}
std::optional<SetIndex> CatalogStore::FindSet(const ObjectId& id) const {
  return impl_->FindSet(id);
}
std::optional<TicketIndex> CatalogStore::FindTicket(const ObjectId& id) const {
  return impl_->FindTicket(id);
}
std::optional<PromocodeIndex> CatalogStore::FindPromocode(
    const ObjectId& id) const {
  return impl_->FindPromocode(id);
}
std::optional<PromocodeIndex> CatalogStore::FindPromocodeByCode(
    EventIndex event, std::string_view code) const {
  return impl_->FindPromocodeByCode(event, code);
}

const PartnerRecord& CatalogStore::partner(PartnerIndex i) const {
  BOXOFFICE_DCHECK(i < impl_->partner_count());
  return impl_->partners_.Get(i);
}
const EventRecord& CatalogStore::event(EventIndex i) const {
  BOXOFFICE_DCHECK(i < impl_->event_count());
  return impl_->events_.Get(i);
}
const SetRecord& CatalogStore::set(SetIndex i) const {
  BOXOFFICE_DCHECK(i < impl_->set_count());
  return impl_->sets_.Get(i);
}
const TicketRecord& CatalogStore::ticket(TicketIndex i) const {
  BOXOFFICE_DCHECK(i < impl_->ticket_count());
  return impl_->tickets_.Get(i);
}
const Seat& CatalogStore::seat(uint32_t i) const {
  BOXOFFICE_DCHECK(i < impl_->seat_count());
  return impl_->seats_.Get(i);
}
const PromocodeRecord& CatalogStore::promocode(PromocodeIndex i) const {
  BOXOFFICE_DCHECK(i < impl_->promocode_count());
  return impl_->promocodes_.Get(i);
}

uint32_t CatalogStore::partner_count() const { return impl_->partner_count(); }
uint32_t CatalogStore::event_count() const { return impl_->event_count(); }
uint32_t CatalogStore::set_count() const { return impl_->set_count(); }
uint32_t CatalogStore::ticket_count() const { return impl_->ticket_count(); }
uint32_t CatalogStore::promocode_count() const {
  return impl_->promocode_count();
}
size_t CatalogStore::ticket_index_bytes() const {
  return impl_->ticket_index_bytes();
}

}  // namespace boxoffice::internal
