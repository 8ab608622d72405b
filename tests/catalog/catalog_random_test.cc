// Randomized tests (seeded; the seed is printed on failure):
//  - JSON round trip: random valid documents written as JSON parse back
//    into the same structs;
//  - the store against a model: random loads, some refused for ids already
//    loaded or unknown orgs, compared after every step with a plain map of
//    what must be findable.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boxoffice/catalog.h"
#include "boxoffice/errors.h"
#include "engine/catalog/catalog_store.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/catalog/catalog_test_docs.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

using json = nlohmann::json;

// Edges first: 0, 1 and the maximum are likelier than their share.
int64_t Pick(std::mt19937_64& rng, int64_t max) {
  switch (rng() % 4) {
    case 0:
      return 0;
    case 1:
      return max;
    default:
      return static_cast<int64_t>(rng() % static_cast<uint64_t>(max + 1));
  }
}

std::string RandomText(std::mt19937_64& rng) {
  static const char* kParts[] = {"A2", "Фан зона", "\"quoted\"", "tab\t",
                                 "",   "😀",        "x"};
  std::string s;
  const int n = static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) s += kParts[rng() % 7];
  return s;
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

json ToJson(const CatalogDocument& doc) {
  json root = {{"partners", json::array()}, {"events", json::array()}};
  for (const PartnerSpec& p : doc.partners) {
    root["partners"].push_back(
        {{"id", p.id.ToString()}, {"name", p.name}, {"key", p.key}});
  }
  for (const EventSpec& e : doc.events) {
    json ev = {{"id", e.id.ToString()},
               {"org", e.org.ToString()},
               {"vendors", json::array()},
               {"status", std::string(EventStatusName(e.status))},
               {"title", {{"text", e.title_text}, {"desc", e.title_desc}}},
               {"lifetime",
                {{"start", TimeText(e.start)}, {"finish", TimeText(e.finish)}}},
               {"timezone", e.timezone},
               {"extra_percent", FormatPercent(e.extra_percent)},
               {"sets", json::array()},
               {"promocodes", json::array()}};
    for (const ObjectId& v : e.vendors) ev["vendors"].push_back(v.ToString());
    for (const SetSpec& s : e.sets) {
      json js = {{"id", s.id.ToString()},
                 {"name", s.name},
                 {"price", FormatMoney(s.price)},
                 {"with_seats", s.with_seats},
                 {"tickets", json::array()}};
      if (s.serial) js["serial"] = *s.serial;
      if (s.rule) js["rule"] = s.rule->ToString();
      if (s.extra_percent)
        js["extra_percent"] = FormatPercent(*s.extra_percent);
      if (s.count) js["count"] = *s.count;
      for (const TicketSpec& t : s.tickets) {
        json jt = {{"id", t.id.ToString()}};
        if (t.number) jt["number"] = *t.number;
        if (t.seat) {
          jt["seat"] = {{"sector", t.seat->sector},
                        {"row", t.seat->row},
                        {"number", t.seat->number}};
        }
        js["tickets"].push_back(jt);
      }
      ev["sets"].push_back(js);
    }
    for (const PromocodeSpec& p : e.promocodes) {
      json jp = {{"id", p.id.ToString()}, {"code", p.code}};
      if (p.discount.kind == Discount::Kind::kPercentage) {
        jp["discount"] = {
            {"percentage", FormatPercent(p.discount.percentage) + "%"}};
      } else {
        jp["discount"] = {{"fix", FormatMoney(p.discount.fix)}};
      }
      if (p.limit) jp["limit"] = *p.limit;
      if (p.sets) {
        jp["sets"] = json::array();
        for (const ObjectId& s : *p.sets) jp["sets"].push_back(s.ToString());
      }
      ev["promocodes"].push_back(jp);
    }
    root["events"].push_back(ev);
  }
  return root;
}

CatalogDocument RandomDocument(std::mt19937_64& rng, uint64_t salt) {
  CatalogDocument doc;
  uint64_t next = salt << 24;
  const int partners = 1 + static_cast<int>(rng() % 3);
  for (int p = 0; p < partners; ++p) {
    doc.partners.push_back({testing::TestId(1, next++), RandomText(rng),
                            absl::StrCat("key-", salt, "-", p)});
  }
  const int events = static_cast<int>(Pick(rng, 3));
  for (int e = 0; e < events; ++e) {
    EventSpec ev;
    ev.id = testing::TestId(2, next++);
    ev.org = doc.partners[rng() % doc.partners.size()].id;
    if (rng() % 2) ev.vendors.push_back(doc.partners[0].id);
    ev.status = static_cast<EventStatus>(rng() % 3);
    ev.title_text = RandomText(rng);
    ev.title_desc = RandomText(rng);
    ev.start = absl::FromUnixSeconds(1'500'000'000 + Pick(rng, 100'000'000));
    ev.finish = ev.start + absl::Seconds(Pick(rng, 100'000));
    ev.timezone = "Europe/Moscow";
    ev.extra_percent = Percent{static_cast<int32_t>(Pick(rng, 100'000))};
    const int sets = static_cast<int>(Pick(rng, 3));
    for (int s = 0; s < sets; ++s) {
      SetSpec set;
      set.id = testing::TestId(3, next++);
      set.name = RandomText(rng);
      set.price = Money{Pick(rng, Money::kMaxMinor)};
      set.with_seats = rng() % 3 == 0;
      if (rng() % 2) set.serial = "ABC";
      if (rng() % 2) set.rule = testing::TestId(9, next++);
      if (rng() % 2) {
        set.extra_percent = Percent{static_cast<int32_t>(Pick(rng, 100'000))};
      }
      const int listed = static_cast<int>(Pick(rng, 4));
      for (int t = 0; t < listed; ++t) {
        TicketSpec ticket;
        ticket.id = testing::TestId(4, next++);
        if (rng() % 2) ticket.number = Pick(rng, int64_t{1} << 40);
        if (set.with_seats) {
          ticket.seat = Seat{RandomText(rng), absl::StrCat(t), "1"};
        }
        set.tickets.push_back(ticket);
      }
      if (set.with_seats) {
        if (listed == 0 || rng() % 2) set.count = listed;
      } else if (listed == 0 || rng() % 2) {
        set.count = listed + Pick(rng, 5);
      }
      ev.sets.push_back(std::move(set));
    }
    const int promos = static_cast<int>(Pick(rng, 2));
    for (int p = 0; p < promos; ++p) {
      PromocodeSpec promo;
      promo.id = testing::TestId(5, next++);
      promo.code = absl::StrCat("Code", p);
      if (rng() % 2) {
        promo.discount.kind = Discount::Kind::kFix;
        promo.discount.fix = Money{Pick(rng, 1'000'000)};
      } else {
        promo.discount.percentage =
            Percent{static_cast<int32_t>(Pick(rng, 10'000))};
      }
      if (rng() % 2) promo.limit = Pick(rng, 1000);
      if (!ev.sets.empty() && rng() % 2) {
        promo.sets = std::vector<ObjectId>{ev.sets[0].id};
      }
      ev.promocodes.push_back(promo);
    }
    doc.events.push_back(std::move(ev));
  }
  return doc;
}

void ExpectSameDocument(const CatalogDocument& a, const CatalogDocument& b) {
  ASSERT_EQ(a.partners.size(), b.partners.size());
  for (size_t i = 0; i < a.partners.size(); ++i) {
    EXPECT_EQ(a.partners[i].id, b.partners[i].id);
    EXPECT_EQ(a.partners[i].name, b.partners[i].name);
    EXPECT_EQ(a.partners[i].key, b.partners[i].key);
  }
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t e = 0; e < a.events.size(); ++e) {
    const EventSpec& x = a.events[e];
    const EventSpec& y = b.events[e];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.org, y.org);
    EXPECT_EQ(x.vendors, y.vendors);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.title_text, y.title_text);
    EXPECT_EQ(x.title_desc, y.title_desc);
    EXPECT_EQ(x.start, y.start);
    EXPECT_EQ(x.finish, y.finish);
    EXPECT_EQ(x.timezone, y.timezone);
    EXPECT_EQ(x.extra_percent, y.extra_percent);
    ASSERT_EQ(x.sets.size(), y.sets.size());
    for (size_t s = 0; s < x.sets.size(); ++s) {
      const SetSpec& p = x.sets[s];
      const SetSpec& q = y.sets[s];
      EXPECT_EQ(p.id, q.id);
      EXPECT_EQ(p.name, q.name);
      EXPECT_EQ(p.price, q.price);
      EXPECT_EQ(p.with_seats, q.with_seats);
      EXPECT_EQ(p.serial, q.serial);
      EXPECT_EQ(p.rule, q.rule);
      EXPECT_EQ(p.extra_percent, q.extra_percent);
      EXPECT_EQ(p.count, q.count);
      ASSERT_EQ(p.tickets.size(), q.tickets.size());
      for (size_t t = 0; t < p.tickets.size(); ++t) {
        EXPECT_EQ(p.tickets[t].id, q.tickets[t].id);
        EXPECT_EQ(p.tickets[t].number, q.tickets[t].number);
        EXPECT_EQ(p.tickets[t].seat, q.tickets[t].seat);
      }
    }
    ASSERT_EQ(x.promocodes.size(), y.promocodes.size());
    for (size_t p = 0; p < x.promocodes.size(); ++p) {
      EXPECT_EQ(x.promocodes[p].id, y.promocodes[p].id);
      EXPECT_EQ(x.promocodes[p].code, y.promocodes[p].code);
      EXPECT_EQ(x.promocodes[p].discount.kind, y.promocodes[p].discount.kind);
      if (x.promocodes[p].discount.kind == Discount::Kind::kFix) {
        EXPECT_EQ(x.promocodes[p].discount.fix, y.promocodes[p].discount.fix);
      } else {
        EXPECT_EQ(x.promocodes[p].discount.percentage,
                  y.promocodes[p].discount.percentage);
      }
      EXPECT_EQ(x.promocodes[p].limit, y.promocodes[p].limit);
      EXPECT_EQ(x.promocodes[p].sets, y.promocodes[p].sets);
    }
  }
}

uint64_t Seed(uint64_t fallback) {
  if (const char* s = std::getenv("BOXOFFICE_SEED")) return std::stoull(s);
  return fallback;
}

TEST(CatalogRandomTest, JsonRoundTrip) {
  const int n = static_cast<int>(testing::Scaled(3000, 100));
  for (uint64_t seed : {Seed(1), Seed(2), Seed(3)}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, " (BOXOFFICE_SEED to replay)"));
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n; ++i) {
      const CatalogDocument doc = RandomDocument(rng, static_cast<uint64_t>(i));
      auto parsed = ParseCatalogJson(ToJson(doc).dump());
      ASSERT_TRUE(parsed.ok()) << i << ": " << parsed.status();
      ExpectSameDocument(doc, *parsed);
      if (HasFailure()) return;
    }
  }
}

// The model: every id that must be findable, with its kind, and the
// published ticket count.
struct Model {
  std::map<ObjectId, int> ids;  // kind as in testing::TestId
  uint32_t tickets = 0;
  std::vector<ObjectId> partners;
};

TEST(CatalogRandomTest, StoreMatchesModelOverRandomLoads) {
  const int steps = static_cast<int>(testing::Scaled(2000, 100));
  for (uint64_t seed : {Seed(11), Seed(12)}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, " (BOXOFFICE_SEED to replay)"));
    std::mt19937_64 rng(seed);
    CatalogStore store;
    Model model;
    std::vector<CatalogDocument> loaded_docs;
    for (int step = 0; step < steps; ++step) {
      CatalogDocument doc = RandomDocument(rng, 1000 + step);
      bool must_fail = false;
      const int fault = static_cast<int>(rng() % 6);
      if (fault == 0 && !loaded_docs.empty()) {
        // Reuse an id loaded before: a partner (with its key) or an event.
        const CatalogDocument& old = loaded_docs[rng() % loaded_docs.size()];
        doc.partners.push_back(old.partners[0]);
        must_fail = true;
      } else if (fault == 1 && !doc.events.empty()) {
        // An org that is no partner, here or loaded.
        doc.events[0].org = testing::TestId(7, step);
        must_fail = true;
      } else if (fault == 2 && !model.partners.empty() && !doc.events.empty()) {
        // A vendor loaded earlier is fine.
        doc.events[0].vendors.push_back(
            model.partners[rng() % model.partners.size()]);
      }
      const uint32_t before = store.ticket_count();
      auto r = store.Load(doc, nullptr);
      ASSERT_EQ(r.ok(), !must_fail) << step << ": " << r.status();
      if (r.ok()) {
        loaded_docs.push_back(doc);
        for (const PartnerSpec& p : doc.partners) {
          model.ids[p.id] = 1;
          model.partners.push_back(p.id);
        }
        for (const EventSpec& e : doc.events) {
          model.ids[e.id] = 2;
          for (const SetSpec& s : e.sets) {
            model.ids[s.id] = 3;
            model.tickets += static_cast<uint32_t>(std::max<int64_t>(
                s.count.value_or(0), static_cast<int64_t>(s.tickets.size())));
            for (const TicketSpec& t : s.tickets) model.ids[t.id] = 4;
          }
          for (const PromocodeSpec& p : e.promocodes) model.ids[p.id] = 5;
        }
      } else {
        EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
        EXPECT_EQ(store.ticket_count(), before);
        // Nothing of the refused document is findable unless loaded before.
        for (const EventSpec& e : doc.events) {
          if (!model.ids.contains(e.id)) {
            ASSERT_FALSE(store.FindEvent(e.id));
          }
          for (const SetSpec& s : e.sets) {
            for (const TicketSpec& t : s.tickets) {
              if (!model.ids.contains(t.id)) {
                ASSERT_FALSE(store.FindTicket(t.id));
              }
            }
          }
        }
      }
      ASSERT_EQ(store.ticket_count(), model.tickets);
      ASSERT_EQ(store.partner_count(), model.partners.size());
      // Spot checks every step, a full check now and then.
      const bool full = step % 97 == 0 || step == steps - 1;
      size_t i = 0;
      for (const auto& [id, kind] : model.ids) {
        if (!full && (i++ % 17) != 0) continue;
        switch (kind) {
          case 1:
            ASSERT_TRUE(store.FindPartner(id));
            break;
          case 2:
            ASSERT_TRUE(store.FindEvent(id));
            break;
          case 3:
            ASSERT_TRUE(store.FindSet(id));
            break;
          case 4:
            ASSERT_TRUE(store.FindTicket(id));
            ASSERT_EQ(store.ticket(*store.FindTicket(id)).id, id);
            break;
          case 5:
            ASSERT_TRUE(store.FindPromocode(id));
            break;
        }
        // One namespace: no id is found as another kind.
        if (kind != 4) {
          ASSERT_FALSE(store.FindTicket(id));
        }
        if (kind != 2) {
          ASSERT_FALSE(store.FindEvent(id));
        }
      }
    }
  }
}

}  // namespace
}  // namespace boxoffice::internal
