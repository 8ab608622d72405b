// Response bodies: v1 and v2 orders, refs, events, seats and errors,
// written with JsonWriter straight into the response buffer.
#ifndef BOXOFFICE_ENGINE_JSON_RENDER_H_
#define BOXOFFICE_ENGINE_JSON_RENDER_H_

#include <array>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "boxoffice/engine.h"
#include "engine/common/cache_line.h"
#include "engine/common/thread_stripe.h"
#include "engine/json/json_writer.h"

namespace boxoffice::internal {

// Pre-rendered `refs` entries (`{id, name, ...}` text) of the catalog
// objects that responses name, and each set's price rule for v1's `rules`.
// Loaded catalog objects never change (a load only adds; catalog.md), so an
// entry rendered once stays right forever; the cache holds only ids the
// engine described, so it is bounded by the catalog's own size.
//
// Thread-safety: every method may be called concurrently. A lookup takes
// the reader side of its thread stripe's lock only (ThreadStripe()), so
// that threads answering at once write no common line: with one shared
// reader lock, each of a response's three or four lookups moved that
// lock's line between the cores. A miss renders outside any lock and
// inserts holding every stripe's lock (two threads racing on one miss
// render the same text; one wins). Misses stop once every catalog object
// a response names has been seen.
class RefCache {
 public:
  explicit RefCache(Engine* engine) : engine_(engine) {}
  RefCache(const RefCache&) = delete;
  RefCache& operator=(const RefCache&) = delete;

  // Writes the member `"<id>": {...}` into the open object of *w; returns
  // false (writing nothing) when the engine does not know the id.
  bool WriteEvent(const ObjectId& id, JsonWriter* w);
  bool WritePartner(const ObjectId& id, JsonWriter* w);
  bool WriteSet(const ObjectId& id, JsonWriter* w);
  bool WritePromocode(const ObjectId& id, JsonWriter* w);
  // A set's price rule (the set's `rule`, default its id); nullopt when
  // the engine does not know the set.
  std::optional<ObjectId> SetRule(const ObjectId& id);

 private:
  // Built by whichever thread first needs it, then read by all: the map's
  // nodes and arrays and the texts are on cache lines of their own
  // (engine/common/cache_line.h), not next to the builder's per-request
  // allocations.
  using Text =
      std::basic_string<char, std::char_traits<char>, CacheLineAllocator<char>>;
  struct Entry {
    Text json;      // the value's text, `{...}`
    ObjectId rule;  // sets only
  };
  enum Kind { kEvent, kPartner, kSet, kPromocode, kKinds };

  // The cached entry, rendered on a miss; nullptr when unknown.
  const Entry* Find(Kind kind, const ObjectId& id);
  std::optional<Entry> Render(Kind kind, const ObjectId& id) const;
  bool Write(Kind kind, const ObjectId& id, JsonWriter* w);

  Engine* const engine_;
  // Reader: any one stripe's lock (shared); writer: all of them, in index
  // order. std::shared_mutex rather than absl::Mutex: Debian's Abseil is
  // not built for ThreadSanitizer (its lock operations are invisible to
  // TSan, which then reports the map's accesses as races), and it keeps
  // deadlock detection on, which costs a graph lookup per lock on the hot
  // path.
  std::array<Padded<std::shared_mutex>, kThreadStripes> stripes_;
  // Guarded by stripes_ as above. node_hash_map: an Entry never moves once
  // inserted, so a pointer taken under a reader lock stays valid after it
  // (entries are never erased, and an Entry's text is immutable once
  // published).
  absl::node_hash_map<ObjectId, Entry, absl::Hash<ObjectId>,
                      std::equal_to<ObjectId>,
                      CacheLineAllocator<std::pair<const ObjectId, Entry>>>
      maps_[kKinds];
};

// The ids an order or a page of orders names, each once, in first-seen
// order. Thread-safety: a value type, one per answer. Small: linear
// de-duplication is cheaper than hashing for the few ids one order names; lists
// of many orders stay within per_page * sets.
struct RefIds {
  std::vector<ObjectId> events, partners, sets, promocodes;
  void Add(const OrderView& order);
};

void WriteRefs(const RefIds& ids, RefCache* cache, JsonWriter* w);

void WriteOrderV1(const OrderView& order, RefCache* cache, JsonWriter* w);
void WriteOrderV2(const OrderView& order, JsonWriter* w);
void WriteEvents(const std::vector<EventInfo>& events, JsonWriter* w);
void WriteSeats(const std::vector<SeatView>& seats, JsonWriter* w);
// `{"errors": [messages...]}`.
void WriteErrors(const std::vector<std::string>& messages, std::string* out);

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_JSON_RENDER_H_
