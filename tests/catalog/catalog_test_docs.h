// Catalog documents shared by the catalog tests: the spec's example
// (catalog.md) and the documents embedded in the shared replay examples
// (/work/shared/examples/*.jsonl, their `catalog` lines, copied verbatim so
// that the tests do not depend on files outside the repository).
#ifndef BOXOFFICE_TESTS_CATALOG_CATALOG_TEST_DOCS_H_
#define BOXOFFICE_TESTS_CATALOG_CATALOG_TEST_DOCS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "boxoffice/catalog.h"
#include "boxoffice/object_id.h"

namespace boxoffice::testing {

inline constexpr char kSpecExample[] = R"json({
  "partners": [
    {"id": "5ba10ea90c43fc000b0fc786", "name": "Тест VK Pay",
     "key": "9bd8359943b545500278875r49c5b96d"}
  ],
  "events": [
    {
      "id": "5d7134962110d30a34e95b96",
      "org": "5ba10ea90c43fc000b0fc786",
      "vendors": [],
      "status": "public",
      "title": {"text": "Slipknot", "desc": "ref"},
      "lifetime": {"start": "2020-06-12T15:00:00Z", "finish": "2020-06-12T18:00:00Z"},
      "timezone": "Europe/Moscow",
      "extra_percent": "10",
      "promocodes": [
        {"id": "5d7140000000000000000001", "code": "SPRING",
         "discount": {"percentage": "10%"}, "limit": 100}
      ],
      "sets": [
        {"id": "5d7135112110d30a34e97e2d", "name": "Фан зона", "price": "5600.00",
         "with_seats": false, "serial": "PYX", "count": 1000,
         "tickets": [{"id": "5d7135113f18da51a186ad16", "number": 168475}]},
        {"id": "5d71353b2110d30a34e97e31", "name": "A2", "price": "990.00",
         "with_seats": true, "serial": "EOY",
         "tickets": [
           {"id": "5d7134962110d30a34e95cfe", "number": 135830,
            "seat": {"sector": "5a8dd58e6e55b2064c67c144", "row": "2", "number": "14"}}
         ]}
      ]
    }
  ]
})json";

// v1-all-or-nothing.jsonl and v1-carry-out.jsonl.
inline constexpr char kV1Example[] =
    R"json({"partners": [{"id": "56810047f06c5a6ac62f4e1d", "name": "Test partner", "key": "047bdb8bcee44d3693371920aaf9135c"}], "events": [{"id": "56a6253df06c5a059a93802e", "org": "56810047f06c5a6ac62f4e1d", "status": "public", "title": {"text": "Concert", "desc": ""}, "lifetime": {"start": "2016-02-20T16:00:00Z", "finish": "2016-02-20T19:00:00Z"}, "timezone": "Europe/Moscow", "sets": [{"id": "56a6254bf06c5a059b93800c", "name": "Dance floor", "price": "100.00", "with_seats": false, "rule": "56a6254bf06c5a059b93800b", "tickets": [{"id": "56a6253df06c5a059a9380a0"}, {"id": "56a6253df06c5a059a9380ae"}, {"id": "56a6253df06c5a059a9380b0"}]}]}]})json";

// v2-mixed-order-seat-first.jsonl and v2-mixed-order-seat-last.jsonl.
inline constexpr char kV2Example[] =
    R"json({"partners": [{"id": "5ba10ea90c43fc000b0fc786", "name": "Тест VK Pay", "key": "9bd8359943b545500278875r49c5b96d"}], "events": [{"id": "5d7134962110d30a34e95b96", "org": "5ba10ea90c43fc000b0fc786", "status": "public", "title": {"text": "Slipknot", "desc": "ref"}, "lifetime": {"start": "2020-06-12T15:00:00Z", "finish": "2020-06-12T18:00:00Z"}, "timezone": "Europe/Moscow", "extra_percent": "10", "sets": [{"id": "5d7135112110d30a34e97e2d", "name": "Фан зона", "price": "5600.00", "with_seats": false, "serial": "PYX", "tickets": [{"id": "5d7135113f18da51a186ad16", "number": 168475}]}, {"id": "5d71353b2110d30a34e97e31", "name": "A2", "price": "990.00", "with_seats": true, "serial": "EOY", "tickets": [{"id": "5d7134962110d30a34e95cfe", "number": 135830, "seat": {"sector": "5a8dd58e6e55b2064c67c144", "row": "2", "number": "14"}}]}]}]})json";

// An id from a small integer: distinct n give distinct ids; `kind` keeps the
// kinds (partners, events, ...) of a generated document apart.
inline ObjectId TestId(uint32_t kind, uint64_t n) {
  std::array<uint8_t, ObjectId::kBytes> b{};
  b[0] = static_cast<uint8_t>(kind);
  for (int i = 0; i < 8; ++i) b[11 - i] = static_cast<uint8_t>(n >> (8 * i));
  return ObjectId(b);
}

// A document built in C++: `events` events of one new partner, each with
// `sets` sets of `listed` listed tickets and `count` in all (count >=
// listed). `salt` makes the ids of different documents distinct.
inline CatalogDocument MakeDocument(uint64_t salt, int events, int sets,
                                    int listed, int count) {
  CatalogDocument doc;
  PartnerSpec partner;
  partner.id = TestId(1, salt);
  partner.name = absl::StrCat("partner ", salt);
  partner.key = absl::StrCat("key-", salt);
  doc.partners.push_back(partner);
  uint64_t next = salt << 32;
  for (int e = 0; e < events; ++e) {
    EventSpec event;
    event.id = TestId(2, next++);
    event.org = partner.id;
    event.title_text = "event";
    event.timezone = "Europe/Moscow";
    event.start = absl::FromUnixSeconds(1'600'000'000);
    event.finish = event.start + absl::Hours(3);
    for (int s = 0; s < sets; ++s) {
      SetSpec set;
      set.id = TestId(3, next++);
      set.name = "set";
      set.price = Money{10000};
      set.count = count;
      for (int t = 0; t < listed; ++t) {
        TicketSpec ticket;
        ticket.id = TestId(4, next++);
        set.tickets.push_back(ticket);
      }
      event.sets.push_back(std::move(set));
    }
    doc.events.push_back(std::move(event));
  }
  return doc;
}

}  // namespace boxoffice::testing

#endif  // BOXOFFICE_TESTS_CATALOG_CATALOG_TEST_DOCS_H_
