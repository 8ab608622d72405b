// CatalogStore: loading (all or none, every problem listed), lookups,
// defaults, generated ids, the listener, index growth and its memory.
#include "engine/catalog/catalog_store.h"

#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boxoffice/catalog.h"
#include "boxoffice/errors.h"
#include "engine/core/lockfree_inventory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/catalog/catalog_test_docs.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

ObjectId Id(const char* hex) {
  auto id = ObjectId::Parse(hex);
  EXPECT_TRUE(id.has_value()) << hex;
  return id.value_or(ObjectId());
}

CatalogDocument Parse(const std::string& text) {
  auto doc = ParseCatalogJson(text);
  EXPECT_TRUE(doc.ok()) << doc.status();
  return doc.ok() ? *std::move(doc) : CatalogDocument();
}

struct Counts {
  uint32_t partners, events, sets, tickets, promocodes;
  friend bool operator==(const Counts&, const Counts&) = default;
};
Counts CountsOf(const CatalogStore& s) {
  return {s.partner_count(), s.event_count(), s.set_count(), s.ticket_count(),
          s.promocode_count()};
}

// Records what the store told it; fails on demand.
class RecordingListener : public LoadListener {
 public:
  absl::Status OnSetAdded(SetIndex index, const SetRecord& set) override {
    if (fail_set_at >= 0 && static_cast<int>(sets.size()) == fail_set_at) {
      return absl::ResourceExhaustedError("inventory full");
    }
    sets.push_back({index, set.first, set.size});
    return absl::OkStatus();
  }
  absl::Status OnPromocodeAdded(PromocodeIndex index,
                                const PromocodeRecord& p) override {
    promocodes.push_back(index);
    codes.push_back(p.code);
    return absl::OkStatus();
  }
  struct SetCall {
    SetIndex index;
    TicketIndex first;
    uint32_t size;
  };
  std::vector<SetCall> sets;
  std::vector<PromocodeIndex> promocodes;
  std::vector<std::string> codes;
  int fail_set_at = -1;
};

// FindPartner keeps a per-thread cache of its last answer; it must never
// answer for one store from another (two live stores, or a new store at a
// destroyed one's address), nor remember a partner that was not found.
TEST(CatalogStoreTest, PartnerLookupCacheIsPerStore) {
  const ObjectId x = Id("5ba10ea90c43fc000b0fc701");
  const ObjectId y = Id("5ba10ea90c43fc000b0fc702");
  CatalogDocument xy, y_only;
  xy.partners.push_back(PartnerSpec{x, "X", "key-x"});
  xy.partners.push_back(PartnerSpec{y, "Y", "key-y"});
  y_only.partners.push_back(PartnerSpec{y, "Y", "key-y2"});
  CatalogStore a, b;
  ASSERT_TRUE(a.Load(xy, nullptr).ok());
  ASSERT_TRUE(b.Load(y_only, nullptr).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.FindPartner(y), std::optional<PartnerIndex>(1));
    EXPECT_EQ(b.FindPartner(y), std::optional<PartnerIndex>(0));
    EXPECT_EQ(b.FindPartner(x), std::nullopt);
    EXPECT_EQ(a.FindPartner(x), std::optional<PartnerIndex>(0));
  }
  for (int round = 0; round < 20; ++round) {
    auto first = std::make_unique<CatalogStore>();
    ASSERT_TRUE(first->Load(xy, nullptr).ok());
    EXPECT_EQ(first->FindPartner(y), std::optional<PartnerIndex>(1));
    first.reset();
    auto second = std::make_unique<CatalogStore>();
    EXPECT_EQ(second->FindPartner(y), std::nullopt);  // nothing loaded yet
    ASSERT_TRUE(second->Load(y_only, nullptr).ok());
    EXPECT_EQ(second->FindPartner(y), std::optional<PartnerIndex>(0));
  }
}

TEST(CatalogStoreTest, LoadsTheSpecExample) {
  CatalogStore store;
  RecordingListener listener;
  auto summary = store.Load(Parse(testing::kSpecExample), &listener);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->partners, 1);
  EXPECT_EQ(summary->events, 1);
  EXPECT_EQ(summary->tickets, 1001);
  EXPECT_EQ(CountsOf(store), (Counts{1, 1, 2, 1001, 1}));

  const auto partner = store.FindPartner(Id("5ba10ea90c43fc000b0fc786"));
  ASSERT_TRUE(partner.has_value());
  EXPECT_EQ(store.FindPartnerByKey("9bd8359943b545500278875r49c5b96d"),
            partner);
  EXPECT_FALSE(store.FindPartnerByKey("9BD8359943B545500278875R49C5B96D"));
  EXPECT_FALSE(store.FindPartnerByKey(""));

  const auto event = store.FindEvent(Id("5d7134962110d30a34e95b96"));
  ASSERT_TRUE(event.has_value());
  const EventRecord& ev = store.event(*event);
  EXPECT_EQ(ev.org, *partner);
  EXPECT_EQ(ev.title_text, "Slipknot");
  EXPECT_EQ(ev.extra_percent, Percent{1000});
  ASSERT_EQ(ev.sets.size(), 2u);

  const SetRecord& fan = store.set(ev.sets[0]);
  const SetRecord& a2 = store.set(ev.sets[1]);
  EXPECT_EQ(store.FindSet(Id("5d7135112110d30a34e97e2d")), ev.sets[0]);
  EXPECT_EQ(fan.first, 0u);
  EXPECT_EQ(fan.size, 1000u);
  EXPECT_EQ(a2.first, 1000u);
  EXPECT_EQ(a2.size, 1u);
  EXPECT_EQ(fan.serial, "PYX");
  EXPECT_EQ(fan.rule, fan.id);                  // default: the set id
  EXPECT_EQ(fan.extra_percent, Percent{1000});  // the event's
  EXPECT_EQ(fan.price, Money{560000});
  EXPECT_EQ(fan.event, *event);

  // The listed ticket keeps its number and comes first; generated tickets
  // run on from the listed ones.
  const auto listed = store.FindTicket(Id("5d7135113f18da51a186ad16"));
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(*listed, fan.first);
  EXPECT_EQ(store.ticket(*listed).number, 168475);
  for (uint32_t k = 1; k < fan.size; ++k) {
    const TicketRecord& t = store.ticket(fan.first + k);
    EXPECT_EQ(t.set, ev.sets[0]);
    EXPECT_EQ(t.number, k + 1);
    EXPECT_EQ(t.seat, kNoSeat);
    EXPECT_EQ(store.FindTicket(t.id), fan.first + k);
  }
  const auto seated = store.FindTicket(Id("5d7134962110d30a34e95cfe"));
  ASSERT_TRUE(seated.has_value());
  ASSERT_NE(store.ticket(*seated).seat, kNoSeat);
  EXPECT_EQ(store.seat(store.ticket(*seated).seat),
            (Seat{"5a8dd58e6e55b2064c67c144", "2", "14"}));

  const auto promo = store.FindPromocode(Id("5d7140000000000000000001"));
  ASSERT_TRUE(promo.has_value());
  EXPECT_EQ(store.FindPromocodeByCode(*event, "spring"), promo);
  EXPECT_EQ(store.FindPromocodeByCode(*event, "SpRiNg"), promo);
  EXPECT_FALSE(store.FindPromocodeByCode(*event, "SPRING2"));
  EXPECT_FALSE(store.FindPromocodeByCode(*event + 1, "SPRING"));
  EXPECT_EQ(store.promocode(*promo).limit, std::optional<int64_t>(100));
  EXPECT_TRUE(store.promocode(*promo).sets.empty());

  ASSERT_EQ(listener.sets.size(), 2u);
  EXPECT_EQ(listener.sets[0].index, 0u);
  EXPECT_EQ(listener.sets[0].first, 0u);
  EXPECT_EQ(listener.sets[0].size, 1000u);
  EXPECT_EQ(listener.sets[1].index, 1u);
  EXPECT_EQ(listener.sets[1].first, 1000u);
  EXPECT_THAT(listener.promocodes, ElementsAre(0u));
  EXPECT_THAT(listener.codes, ElementsAre("SPRING"));

  EXPECT_FALSE(store.FindTicket(Id("aaaaaaaaaaaaaaaaaaaaaaaa")));
  EXPECT_FALSE(store.FindEvent(Id("5d7135112110d30a34e97e2d")));  // a set id
}

TEST(CatalogStoreTest, SellableByOrgAndVendorsOfPublicEventsOnly) {
  CatalogStore store;
  json d = json::parse(testing::kSpecExample);
  d["partners"].push_back({{"id", "5ba10ea90c43fc000b0fc787"},
                           {"name", "vendor"},
                           {"key", "vendor-key"}});
  d["partners"].push_back({{"id", "5ba10ea90c43fc000b0fc788"},
                           {"name", "stranger"},
                           {"key", "stranger-key"}});
  d["events"][0]["vendors"] = {"5ba10ea90c43fc000b0fc787"};
  json draft = d["events"][0];
  draft["id"] = "5d7134962110d30a34e95b97";
  draft["status"] = "draft";
  draft["promocodes"] = json::array();
  draft["sets"] = {{{"id", "5d7135112110d30a34e97e2e"},
                    {"name", "x"},
                    {"price", "1"},
                    {"count", 3}}};
  d["events"].push_back(draft);
  ASSERT_TRUE(store.Load(Parse(d.dump()), nullptr).ok());
  const PartnerIndex org =
      *store.FindPartnerByKey("9bd8359943b545500278875r49c5b96d");
  const PartnerIndex vendor = *store.FindPartnerByKey("vendor-key");
  const PartnerIndex stranger = *store.FindPartnerByKey("stranger-key");
  const EventRecord& pub =
      store.event(*store.FindEvent(Id("5d7134962110d30a34e95b96")));
  const EventRecord& drf =
      store.event(*store.FindEvent(Id("5d7134962110d30a34e95b97")));
  EXPECT_TRUE(pub.SellableBy(org));
  EXPECT_TRUE(pub.SellableBy(vendor));
  EXPECT_FALSE(pub.SellableBy(stranger));
  EXPECT_FALSE(drf.SellableBy(org));
  EXPECT_FALSE(drf.SellableBy(vendor));
  // The draft's set: a default serial of three capitals, numbers 1..3.
  const SetRecord& set =
      store.set(*store.FindSet(Id("5d7135112110d30a34e97e2e")));
  ASSERT_EQ(set.serial.size(), 3u);
  for (char c : set.serial) EXPECT_TRUE(c >= 'A' && c <= 'Z') << set.serial;
  EXPECT_EQ(store.ticket(set.first + 2).number, 3);
}

TEST(CatalogStoreTest, DuplicatesAcrossLoadsRefuseTheWholeDocument) {
  CatalogStore store;
  ASSERT_TRUE(store.Load(Parse(testing::kSpecExample), nullptr).ok());
  const Counts before = CountsOf(store);
  auto again = store.Load(Parse(testing::kSpecExample), nullptr);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      ErrorMessages(again.status()),
      UnorderedElementsAre(
          "/partners/0/id: id 5ba10ea90c43fc000b0fc786 is already loaded",
          "/partners/0/key: duplicate partner key",
          "/events/0/id: id 5d7134962110d30a34e95b96 is already loaded",
          "/events/0/sets/0/id: id 5d7135112110d30a34e97e2d is already loaded",
          "/events/0/sets/0/tickets/0/id: id 5d7135113f18da51a186ad16 is "
          "already loaded",
          "/events/0/sets/1/id: id 5d71353b2110d30a34e97e31 is already loaded",
          "/events/0/sets/1/tickets/0/id: id 5d7134962110d30a34e95cfe is "
          "already loaded",
          "/events/0/promocodes/0/id: id 5d7140000000000000000001 is already "
          "loaded"));
  EXPECT_EQ(CountsOf(store), before);

  // One new event whose only fault is one ticket id loaded before: still
  // nothing of it is loaded.
  json d = json::parse(testing::kSpecExample);
  d["partners"] = json::array();
  d["events"][0]["id"] = "5d7134962110d30a34e95b99";
  d["events"][0]["promocodes"] = json::array();
  d["events"][0]["sets"][0]["id"] = "5d7135112110d30a34e97e99";
  d["events"][0]["sets"][1]["id"] = "5d71353b2110d30a34e97e98";
  d["events"][0]["sets"][1]["tickets"][0]["id"] = "5d7134962110d30a34e95c99";
  auto partial = store.Load(Parse(d.dump()), nullptr);
  ASSERT_FALSE(partial.ok());
  EXPECT_THAT(ErrorMessages(partial.status()),
              ElementsAre("/events/0/sets/0/tickets/0/id: id "
                          "5d7135113f18da51a186ad16 is already loaded"));
  EXPECT_EQ(CountsOf(store), before);
  EXPECT_FALSE(store.FindEvent(Id("5d7134962110d30a34e95b99")));
  // Fixed, it loads, and its org is the partner loaded earlier.
  d["events"][0]["sets"][0]["tickets"][0]["id"] = "5d7135113f18da51a186ad99";
  auto fixed = store.Load(Parse(d.dump()), nullptr);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(store.event(*store.FindEvent(Id("5d7134962110d30a34e95b99"))).org,
            *store.FindPartner(Id("5ba10ea90c43fc000b0fc786")));
  EXPECT_EQ(store.ticket_count(), 2002u);
}

TEST(CatalogStoreTest, UnknownOrgVendorAndForeignPromocodeSetsAreListed) {
  CatalogStore store;
  CatalogDocument doc = Parse(testing::kSpecExample);
  doc.partners.clear();
  doc.events[0].vendors.push_back(Id("5ba10ea90c43fc000b0fc799"));
  doc.events[0].promocodes[0].sets = std::vector<ObjectId>{
      Id("5d71353b2110d30a34e97e31"), Id("5d71353b2110d30a34e97eff")};
  doc.events[0].sets[1].price = Money{-1};
  doc.events[0].sets[0].tickets[0].number = -5;
  auto r = store.Load(doc, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(
      ErrorMessages(r.status()),
      UnorderedElementsAre(
          "/events/0/org: partner 5ba10ea90c43fc000b0fc786 not found",
          "/events/0/vendors/0: partner 5ba10ea90c43fc000b0fc799 not found",
          "/events/0/promocodes/0/sets/1: set 5d71353b2110d30a34e97eff is not "
          "a set of this event",
          "/events/0/sets/1/price: must be a decimal string with at most two "
          "places",
          "/events/0/sets/0/tickets/0/number: must be a non-negative "
          "integer"));
  EXPECT_EQ(CountsOf(store), (Counts{0, 0, 0, 0, 0}));
}

TEST(CatalogStoreTest, PromocodeSetsMapToSetIndices) {
  CatalogStore store;
  CatalogDocument doc = Parse(testing::kSpecExample);
  doc.events[0].promocodes[0].sets =
      std::vector<ObjectId>{Id("5d71353b2110d30a34e97e31")};
  ASSERT_TRUE(store.Load(doc, nullptr).ok());
  const PromocodeRecord& p = store.promocode(0);
  EXPECT_THAT(p.sets,
              ElementsAre(*store.FindSet(Id("5d71353b2110d30a34e97e31"))));
  EXPECT_EQ(p.code_folded, "spring");
}

TEST(CatalogStoreTest, ListenerFailurePublishesNothing) {
  CatalogStore store;
  RecordingListener failing;
  failing.fail_set_at = 1;
  auto r = store.Load(Parse(testing::kSpecExample), &failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CountsOf(store), (Counts{0, 0, 0, 0, 0}));
  EXPECT_FALSE(store.FindPartnerByKey("9bd8359943b545500278875r49c5b96d"));
  EXPECT_FALSE(store.FindTicket(Id("5d7135113f18da51a186ad16")));
  // The same indices are handed out again by the next load.
  RecordingListener ok;
  ASSERT_TRUE(store.Load(Parse(testing::kSpecExample), &ok).ok());
  ASSERT_EQ(ok.sets.size(), 2u);
  EXPECT_EQ(ok.sets[0].index, 0u);
  EXPECT_EQ(store.FindTicket(Id("5d7135113f18da51a186ad16")), 0u);
}

TEST(CatalogStoreTest, CapacityIsCheckedAgainstWhatIsLoaded) {
  CatalogStore store(CatalogStoreLimits{.max_tickets = 1500});
  ASSERT_TRUE(
      store.Load(testing::MakeDocument(1, 1, 1, 0, 1000), nullptr).ok());
  auto r = store.Load(testing::MakeDocument(2, 1, 1, 0, 501), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(ErrorMessages(r.status()),
              ElementsAre("/events: too many tickets: 1501 with those loaded, "
                          "at most 1500"));
  EXPECT_EQ(store.ticket_count(), 1000u);
  EXPECT_TRUE(store.Load(testing::MakeDocument(3, 1, 1, 0, 500), nullptr).ok());
  EXPECT_EQ(store.ticket_count(), 1500u);
}

std::vector<ObjectId> AllTicketIds(const CatalogStore& s) {
  std::vector<ObjectId> ids;
  for (uint32_t i = 0; i < s.ticket_count(); ++i) ids.push_back(s.ticket(i).id);
  return ids;
}

TEST(CatalogStoreTest, GeneratedIdsAreDeterministicAndDistinct) {
  const CatalogDocument doc = testing::MakeDocument(7, 3, 4, 5, 2000);
  CatalogStore a, b;
  ASSERT_TRUE(a.Load(doc, nullptr).ok());
  ASSERT_TRUE(b.Load(doc, nullptr).ok());
  const std::vector<ObjectId> ids = AllTicketIds(a);
  ASSERT_EQ(ids.size(), 3u * 4u * 2000u);
  EXPECT_EQ(ids, AllTicketIds(b));
  absl::flat_hash_set<ObjectId> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), ids.size());
  // No generated id equals a partner, event, set or listed ticket id.
  for (const EventSpec& e : doc.events) {
    EXPECT_FALSE(distinct.contains(e.id));
    EXPECT_FALSE(distinct.contains(e.org));
    for (const SetSpec& s : e.sets) EXPECT_FALSE(distinct.contains(s.id));
  }
  // A later load in another store gives the same ids for the same document,
  // whatever was loaded before it.
  CatalogStore c;
  ASSERT_TRUE(c.Load(testing::MakeDocument(99, 2, 2, 0, 300), nullptr).ok());
  ASSERT_TRUE(c.Load(doc, nullptr).ok());
  std::vector<ObjectId> later = AllTicketIds(c);
  later.erase(later.begin(), later.begin() + 2 * 2 * 300);
  EXPECT_EQ(later, ids);
}

// A listed id equal to the id a set's generated ticket would get forces the
// generator to perturb deterministically, and everything still loads.
TEST(CatalogStoreTest, GeneratedIdCollisionIsPerturbed) {
  CatalogDocument doc = testing::MakeDocument(5, 1, 2, 0, 10);
  CatalogStore probe;
  ASSERT_TRUE(probe.Load(doc, nullptr).ok());
  const SetRecord& first_set = probe.set(0);
  const ObjectId would_be = probe.ticket(first_set.first + 3).id;
  // List it as a ticket of the second set (count 10 keeps the sizes).
  TicketSpec t;
  t.id = would_be;
  doc.events[0].sets[1].tickets.push_back(t);
  CatalogStore a, b;
  ASSERT_TRUE(a.Load(doc, nullptr).ok());
  ASSERT_TRUE(b.Load(doc, nullptr).ok());
  EXPECT_EQ(AllTicketIds(a), AllTicketIds(b));
  const SetRecord& s0 = a.set(0);
  const SetRecord& s1 = a.set(1);
  EXPECT_EQ(a.ticket(s1.first).id, would_be);
  EXPECT_EQ(a.FindTicket(would_be), s1.first);
  EXPECT_NE(a.ticket(s0.first + 3).id, would_be);
  // The other generated ids are unaffected by the perturbation.
  EXPECT_EQ(a.ticket(s0.first + 2).id, probe.ticket(first_set.first + 2).id);
  const std::vector<ObjectId> ids = AllTicketIds(a);
  EXPECT_EQ(absl::flat_hash_set<ObjectId>(ids.begin(), ids.end()).size(),
            ids.size());
}

TEST(CatalogStoreTest, ManyLoadsGrowTheIndexesAndEveryIdStaysFindable) {
  CatalogStore store;
  const int loads = static_cast<int>(testing::Scaled(200, 20));
  for (int l = 0; l < loads; ++l) {
    ASSERT_TRUE(
        store.Load(testing::MakeDocument(100 + l, 2, 3, 4, 50), nullptr).ok());
  }
  ASSERT_EQ(store.ticket_count(), static_cast<uint32_t>(loads * 2 * 3 * 50));
  for (uint32_t i = 0; i < store.ticket_count(); ++i) {
    ASSERT_EQ(store.FindTicket(store.ticket(i).id), i);
  }
  for (uint32_t i = 0; i < store.set_count(); ++i) {
    ASSERT_EQ(store.FindSet(store.set(i).id), i);
  }
  for (uint32_t i = 0; i < store.event_count(); ++i) {
    ASSERT_EQ(store.FindEvent(store.event(i).id), i);
  }
  for (uint32_t i = 0; i < store.partner_count(); ++i) {
    ASSERT_EQ(store.FindPartner(store.partner(i).id), i);
    ASSERT_EQ(store.FindPartnerByKey(store.partner(i).key), i);
  }
}

// The ticket index costs at most ~7 bytes per ticket (4-byte slots at a
// load factor of at least 0.7 after a load sized from its document; the
// tables retired by growth are included).
TEST(CatalogStoreTest, TicketIndexStaysWithinItsMemoryBudget) {
  CatalogStore store;
  const int sets = static_cast<int>(testing::Scaled(100, 10));
  ASSERT_TRUE(
      store.Load(testing::MakeDocument(1, 10, sets, 10, 1000), nullptr).ok());
  const double per_ticket =
      static_cast<double>(store.ticket_index_bytes()) / store.ticket_count();
  EXPECT_LE(per_ticket, 7.0);
  EXPECT_GE(per_ticket, 4.0);
}

// The engine's inventory, attached through the listener, gets one pool per
// set with the set's ticket range, before any reader can find the set.
class InventoryListener : public LoadListener {
 public:
  explicit InventoryListener(Inventory* inv) : inv_(inv) {}
  absl::Status OnSetAdded(SetIndex index, const SetRecord& set) override {
    return inv_->AddSet(index, set.first, set.size);
  }
  absl::Status OnPromocodeAdded(PromocodeIndex,
                                const PromocodeRecord&) override {
    return absl::OkStatus();
  }

 private:
  Inventory* inv_;
};

TEST(CatalogStoreTest, InventoryAttachedThroughTheListener) {
  CatalogStore store;
  LockFreeInventory inventory;
  InventoryListener listener(&inventory);
  ASSERT_TRUE(store.Load(Parse(testing::kSpecExample), &listener).ok());
  ASSERT_TRUE(store.Load(testing::MakeDocument(3, 2, 2, 1, 7), &listener).ok());
  ASSERT_EQ(inventory.set_count(), store.set_count());
  for (SetIndex s = 0; s < store.set_count(); ++s) {
    const SetCounts c = inventory.Counts(s);
    EXPECT_EQ(c.size, store.set(s).size);
    EXPECT_EQ(c.vacant, store.set(s).size);
  }
  // A ticket found by id can be claimed through its set's pool.
  const TicketIndex t = *store.FindTicket(Id("5d7134962110d30a34e95cfe"));
  EXPECT_TRUE(inventory.ClaimTicket(TicketRef{store.ticket(t).set, t}, 1));
  EXPECT_EQ(inventory.Counts(store.ticket(t).set).reserved, 1u);
  EXPECT_TRUE(inventory.Verify().ok());
}

TEST(CatalogStoreTest, EmptyDocumentLoadsNothing) {
  CatalogStore store;
  auto r = store.Load(CatalogDocument(), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tickets, 0);
  EXPECT_EQ(CountsOf(store), (Counts{0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace boxoffice::internal
