// Catalogs and helpers shared by the orders tests.
#ifndef BOXOFFICE_TESTS_ORDERS_ORDER_TEST_UTIL_H_
#define BOXOFFICE_TESTS_ORDERS_ORDER_TEST_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"
#include "gtest/gtest.h"

namespace boxoffice::testing {

inline ObjectId Id(const std::string& hex) {
  std::optional<ObjectId> id = ObjectId::Parse(hex);
  if (!id.has_value()) {
    std::fprintf(stderr, "bad test id %s\n", hex.c_str());
    std::abort();
  }
  return *id;
}

// A deterministic id: `kind` (two hex digits) and a number.
inline ObjectId TestId(uint8_t kind, uint32_t n) {
  std::array<uint8_t, ObjectId::kBytes> b{};
  b[0] = 0x5d;
  b[1] = kind;
  b[8] = static_cast<uint8_t>(n >> 24);
  b[9] = static_cast<uint8_t>(n >> 16);
  b[10] = static_cast<uint8_t>(n >> 8);
  b[11] = static_cast<uint8_t>(n);
  return ObjectId(b);
}

inline Money M(int64_t minor) { return Money{minor}; }

// The unit tests' catalog.
//   partners: org (key "org-key"), vendor ("vendor-key"), stranger
//   ("stranger-key").
//   event kEvent (org, vendor may sell, public, extra 10%):
//     kFan: 5600.00, no seats, 5 tickets; kA2: 990.00, seated, 3 tickets,
//     extra 0% on the set; promocodes SPRING (10%, limit 2, every set) and
//     FIX (100.00, no limit, kA2 only), BIG (fix 99999.00, kA2 only).
//   event kDraft (org, draft) with one set of 2 tickets.
//   event kOther (stranger's, public) with one set of 2 tickets, and
//   kOther2 (stranger's, public) with one set of 1 ticket: 13 tickets.
struct UnitCatalog {
  ObjectId org = TestId(0x01, 1), vendor = TestId(0x01, 2),
           stranger = TestId(0x01, 3);
  ObjectId event = TestId(0x02, 1), draft = TestId(0x02, 2),
           other = TestId(0x02, 3), other2 = TestId(0x02, 4);
  ObjectId fan = TestId(0x03, 1), a2 = TestId(0x03, 2),
           draft_set = TestId(0x03, 3), other_set = TestId(0x03, 4),
           other2_set = TestId(0x03, 5);
  ObjectId spring = TestId(0x05, 1), fix = TestId(0x05, 2),
           big = TestId(0x05, 3);
  std::vector<ObjectId> fan_tickets, a2_tickets, draft_tickets, other_tickets;
  ObjectId other2_ticket = TestId(0x04, 500);

  UnitCatalog() {
    for (uint32_t i = 0; i < 5; ++i)
      fan_tickets.push_back(TestId(0x04, 100 + i));
    for (uint32_t i = 0; i < 3; ++i)
      a2_tickets.push_back(TestId(0x04, 200 + i));
    for (uint32_t i = 0; i < 2; ++i)
      draft_tickets.push_back(TestId(0x04, 300 + i));
    for (uint32_t i = 0; i < 2; ++i)
      other_tickets.push_back(TestId(0x04, 400 + i));
  }

  CatalogDocument Document() const {
    CatalogDocument doc;
    doc.partners = {{org, "Org", "org-key"},
                    {vendor, "Vendor", "vendor-key"},
                    {stranger, "Stranger", "stranger-key"}};
    EventSpec e;
    e.id = event;
    e.org = org;
    e.vendors = {vendor};
    e.title_text = "Slipknot";
    e.start = absl::FromUnixSeconds(1591974000);
    e.finish = absl::FromUnixSeconds(1591984800);
    e.timezone = "Europe/Moscow";
    e.extra_percent = Percent{1000};
    SetSpec s1;
    s1.id = fan;
    s1.name = "Fan";
    s1.price = M(560000);
    s1.serial = "PYX";
    for (size_t i = 0; i < fan_tickets.size(); ++i) {
      s1.tickets.push_back(
          TicketSpec{fan_tickets[i], 1000 + static_cast<int64_t>(i)});
    }
    SetSpec s2;
    s2.id = a2;
    s2.name = "A2";
    s2.price = M(99000);
    s2.with_seats = true;
    s2.serial = "EOY";
    s2.extra_percent = Percent{0};
    for (size_t i = 0; i < a2_tickets.size(); ++i) {
      s2.tickets.push_back(
          TicketSpec{a2_tickets[i], 2000 + static_cast<int64_t>(i),
                     Seat{"sector", "2", std::to_string(14 + i)}});
    }
    e.sets = {s1, s2};
    PromocodeSpec p1;
    p1.id = spring;
    p1.code = "SPRING";
    p1.discount.kind = Discount::Kind::kPercentage;
    p1.discount.percentage = Percent{1000};
    p1.limit = 2;
    PromocodeSpec p2;
    p2.id = fix;
    p2.code = "Fix";
    p2.discount.kind = Discount::Kind::kFix;
    p2.discount.fix = M(10000);
    p2.sets = std::vector<ObjectId>{a2};
    PromocodeSpec p3;
    p3.id = big;
    p3.code = "BIG";
    p3.discount.kind = Discount::Kind::kFix;
    p3.discount.fix = M(9999900);
    p3.sets = std::vector<ObjectId>{a2};
    e.promocodes = {p1, p2, p3};
    doc.events.push_back(e);

    EventSpec d = e;
    d.id = draft;
    d.status = EventStatus::kDraft;
    d.promocodes.clear();
    SetSpec ds;
    ds.id = draft_set;
    ds.name = "D";
    ds.price = M(100);
    ds.tickets = {TicketSpec{draft_tickets[0]}, TicketSpec{draft_tickets[1]}};
    d.sets = {ds};
    doc.events.push_back(d);

    EventSpec o = d;
    o.id = other;
    o.org = stranger;
    o.vendors = {};
    o.status = EventStatus::kPublic;
    SetSpec os = ds;
    os.id = other_set;
    os.tickets = {TicketSpec{other_tickets[0]}, TicketSpec{other_tickets[1]}};
    o.sets = {os};
    doc.events.push_back(o);

    EventSpec o2 = o;
    o2.id = other2;
    SetSpec os2 = ds;
    os2.id = other2_set;
    os2.tickets = {TicketSpec{other2_ticket}};
    o2.sets = {os2};
    doc.events.push_back(o2);
    return doc;
  }
};

// The messages of a refusal, for EXPECT_THAT(..., ElementsAre(...)).
inline std::vector<std::string> Messages(const absl::Status& s) {
  return ErrorMessages(s);
}

}  // namespace boxoffice::testing

#endif  // BOXOFFICE_TESTS_ORDERS_ORDER_TEST_UTIL_H_
