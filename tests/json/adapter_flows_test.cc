// The reference pages' flows (shared/examples/*.jsonl), retold as tests
// through the adapter, plus a concurrent stress of the adapter's shared
// state (the refs cache) over the lock-free engine.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/json/adapter_fixture.h"
#include "tests/support/scale.h"

namespace boxoffice::testing {
namespace {

std::string With(std::string s, const char* name, const std::string& value) {
  for (size_t at = s.find(name); at != std::string::npos;
       at = s.find(name, at + value.size())) {
    s.replace(at, std::string_view(name).size(), value);
  }
  return s;
}

std::string Ids(std::string s) {
  s = With(std::move(s), "$E1", kE1);
  s = With(std::move(s), "$S1", kS1);
  s = With(std::move(s), "$E2", kE2);
  s = With(std::move(s), "$FANT", kFanTicket);
  s = With(std::move(s), "$FAN", kFan);
  s = With(std::move(s), "$A2", kA2);
  s = With(std::move(s), "$SEAT14", kSeat14);
  return s;
}

// Reference 000: three vacant tickets. An all_or_nothing order of two gets
// both; a second one of two gets nothing but is still created; without the
// flag the same request takes the one left; when the first order expires
// its tickets are for sale again.
TEST_F(AdapterTest, FlowV1AllOrNothing) {
  clock_.Set(At(2016, 1, 26, 13, 29, 12, 624000));
  const std::string two = Ids(
      R"({"all_or_nothing": "true", "event": "$E1", "random": {"$S1": 2}})");
  const Answer first = Call1("POST", "/v1/resources/orders", two);
  ASSERT_EQ(first.status, 201) << first.text;
  EXPECT_EQ(first.body["tickets"].size(), 2u);
  EXPECT_EQ(first.body["value"], "200.00");
  EXPECT_EQ(first.body["reserved_till"], "2016-01-26T13:39:12.624000+00:00");

  clock_.Set(At(2016, 1, 26, 13, 31, 22, 838000));
  const Answer empty = Call1("POST", "/v1/resources/orders", two);
  ASSERT_EQ(empty.status, 201) << empty.text;
  EXPECT_EQ(empty.body["status"], "executed");
  EXPECT_EQ(empty.body["tickets"], json::array());
  EXPECT_EQ(empty.body["value"], "0.00");
  EXPECT_EQ(empty.body["values"],
            (json{{"nominal", "0.00"}, {"extra", "0.00"}, {"full", "0.00"}}));

  clock_.Set(At(2016, 1, 26, 13, 32, 0));
  const Answer rest = Call1("POST", "/v1/resources/orders",
                            Ids(R"({"event": "$E1", "random": {"$S1": 2}})"));
  ASSERT_EQ(rest.status, 201) << rest.text;
  EXPECT_EQ(rest.body["tickets"].size(), 1u);
  EXPECT_EQ(rest.body["value"], "100.00");
  EXPECT_EQ(engine_->Totals().vacant, 0 + 2 + 4 + 2);  // E1 sold out

  clock_.Set(At(2016, 1, 26, 13, 39, 13));
  const Answer expired = Call1(
      "GET", "/v1/resources/orders/" + first.body["id"].get<std::string>());
  ASSERT_EQ(expired.status, 200);
  EXPECT_EQ(expired.body["status"], "expired");
  EXPECT_EQ(expired.body["tickets"], json::array());

  const Answer again = Call1(
      "POST", "/v1/resources/orders",
      Ids(R"({"all_or_nothing": true, "event": "$E1", "random": {"$S1": 2}})"));
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.body["tickets"], first.body["tickets"]);
  EXPECT_EQ(again.body["value"], "200.00");
}

// Reference 001: one ticket, a payment system, in_progress moves the
// deadline to now + payment TTL, done sells; a done order stays done.
TEST_F(AdapterTest, FlowV1CarryOut) {
  clock_.Set(At(2016, 1, 26, 9, 25, 19, 378000));
  const Answer created =
      Call1("POST", "/v1/resources/orders",
            Ids(R"({"event": "$E1", "random": {"$S1": 1}})"));
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["reserved_till"], "2016-01-26T09:35:19.378000+00:00");
  EXPECT_TRUE(created.body["payment"]["system"].is_null());
  const std::string path =
      "/v1/resources/orders/" + created.body["id"].get<std::string>();
  const json ticket = created.body["tickets"][0];

  clock_.Set(At(2016, 1, 26, 9, 25, 40));
  const Answer system =
      Call1("PATCH", path, R"({"payment": {"system": "api/BASE"}})");
  ASSERT_EQ(system.status, 200);
  EXPECT_EQ(system.body["status"], "executed");
  EXPECT_EQ(system.body["payment"]["system"], "api/BASE");
  EXPECT_EQ(system.body["tickets"], json::array({ticket}));

  clock_.Set(At(2016, 1, 26, 9, 26, 6, 620000));
  const Answer paying = Call1("PATCH", path, R"({"status": "in_progress"})");
  ASSERT_EQ(paying.status, 200);
  EXPECT_EQ(paying.body["status"], "in_progress");
  EXPECT_EQ(paying.body["reserved_till"], "2016-01-26T09:56:06.620000+00:00");

  // Past the reservation TTL, within the payment TTL.
  clock_.Set(At(2016, 1, 26, 9, 40, 0));
  const Answer done = Call1("PATCH", path, R"({"status": "done"})");
  ASSERT_EQ(done.status, 200) << done.text;
  EXPECT_EQ(done.body["status"], "done");
  EXPECT_EQ(done.body["tickets"], json::array({ticket}));
  EXPECT_EQ(engine_->Totals().sold, 1);

  const Answer cancel = Call1("PATCH", path, R"({"status": "cancelled"})");
  EXPECT_EQ(cancel.status, 400);
  EXPECT_EQ(cancel.text,
            R"({"errors":["Cannot change status from done to cancelled"]})");
}

// Reference 003, steps 2a, 3a, 4: a ticket without a seat, then the seat
// added by listing both tickets, then done.
TEST_F(AdapterTest, FlowV2MixedOrderSeatLast) {
  clock_.Set(At(2019, 9, 25, 16, 14, 1));
  const Answer created =
      Call2("POST", "/v2/resources/orders",
            Ids(R"({"event": "$E2", "random": {"$FAN": 1}})"));
  ASSERT_EQ(created.status, 200);
  EXPECT_EQ(created.body["data"]["tickets"][0]["id"], kFanTicket);
  const std::string path =
      "/v2/resources/orders/" + created.body["data"]["id"].get<std::string>();

  clock_.Set(At(2019, 9, 25, 16, 15, 0));
  const Answer both =
      Call2("PATCH", path, Ids(R"({"tickets": ["$FANT", "$SEAT14"]})"));
  ASSERT_EQ(both.status, 200) << both.text;
  const json& tickets = both.body["data"]["tickets"];
  ASSERT_EQ(tickets.size(), 2u);
  EXPECT_EQ(tickets[0]["id"], kFanTicket);
  EXPECT_EQ(tickets[1]["id"], kSeat14);
  EXPECT_EQ(tickets[1]["seat"],
            (json{{"sector", kSector}, {"row", "2"}, {"number", "14"}}));
  EXPECT_EQ(both.body["data"]["values"]["full"], "7249.00");
  EXPECT_EQ(both.body["refs"]["sets"].size(), 2u);
  const Answer seats = Call2("GET", Ids("/v2/resources/events/$E2/seats"));
  EXPECT_EQ(seats.body["data"][0]["status"], "reserved");

  clock_.Set(At(2019, 9, 25, 16, 20, 40));
  const Answer done = Call2("PATCH", path, R"({"status": "done"})");
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.body["data"]["done_at"], "2019-09-25 16:20:40");
  for (const json& t : done.body["data"]["tickets"]) {
    EXPECT_EQ(t["status"], "sold");
    EXPECT_EQ(t["barcode"].get<std::string>().size(), 17u);
  }
  EXPECT_EQ(Call2("GET", Ids("/v2/resources/events/$E2/seats"))
                .body["data"][0]["status"],
            "sold");

  // A done order does not expire.
  clock_.Set(At(2019, 9, 25, 18, 0, 0));
  EXPECT_EQ(engine_->ExpireDue(), 0);
  EXPECT_EQ(Call2("GET", path).body["data"]["status"], "done");
}

// Reference 003, steps 2b, 3b, 4: the seat first (the event comes from the
// ticket), then `random` naming the seat's set too, to keep it.
TEST_F(AdapterTest, FlowV2MixedOrderSeatFirst) {
  clock_.Set(At(2019, 9, 25, 16, 14, 1));
  const Answer created =
      Call2("POST", "/v2/resources/orders", Ids(R"({"tickets": ["$SEAT14"]})"));
  ASSERT_EQ(created.status, 200) << created.text;
  EXPECT_EQ(created.body["data"]["event"], kE2);
  EXPECT_EQ(created.body["data"]["values"]["full"], "1089.00");
  const std::string path =
      "/v2/resources/orders/" + created.body["data"]["id"].get<std::string>();

  const Answer grown =
      Call2("PATCH", path, Ids(R"({"random": {"$A2": 1, "$FAN": 1}})"));
  ASSERT_EQ(grown.status, 200) << grown.text;
  const json& tickets = grown.body["data"]["tickets"];
  ASSERT_EQ(tickets.size(), 2u);
  EXPECT_EQ(tickets[0]["id"], kSeat14);
  EXPECT_EQ(tickets[1]["id"], kFanTicket);
  EXPECT_EQ(grown.body["data"]["values"]["full"], "7249.00");
  EXPECT_EQ(grown.body["data"]["values"]["extra"], "659.00");

  const Answer done = Call2("PATCH", path, R"({"status": "done"})");
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.body["data"]["status"], "done");
  EXPECT_EQ(engine_->Totals().sold, 2);

  const Answer unknown = Call2(
      "POST", "/v2/resources/orders",
      Ids(R"({"event": "000000000000000000000000", "random": {"$FAN": 1}})"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.text,
            R"({"errors":["Event 000000000000000000000000 not found"]})");
  EXPECT_EQ(
      Call("POST", "/v2/resources/orders", "", Ids(R"({"event": "$E2"})")).text,
      R"({"errors":["Unauthorized"]})");
}

// Threads create, change and read orders through one adapter while its refs
// cache fills; every answer must be well-formed strict JSON, and at the end
// the engine's audit must pass and the tickets that answers reported sold
// must equal the engine's sold count (no ticket sold twice or lost).
TEST_F(AdapterTest, ConcurrentRequestsKeepEveryInvariant) {
  constexpr char kBigEvent[] = "5d7134962110d30a34e95b99";
  constexpr char kBigSet[] = "5d7135112110d30a34e97e99";
  CatalogDocument doc;
  EventSpec big;
  big.id = Id(kBigEvent);
  big.org = Id(kP2);
  big.vendors.push_back(Id(kP3));
  big.title_text = "Stadium";
  big.start = At(2020, 6, 12, 15, 0, 0);
  big.finish = At(2020, 6, 12, 18, 0, 0);
  big.timezone = "UTC";
  SetSpec stand;
  stand.id = Id(kBigSet);
  stand.name = "Stand";
  stand.price = Money{150000};
  stand.count = 100'000;
  big.sets.push_back(stand);
  doc.events.push_back(big);
  ASSERT_TRUE(engine_->LoadCatalog(doc).ok());

  constexpr int kThreads = 4;
  const int64_t rounds = Scaled(2000, 20);
  std::atomic<int64_t> sold_by_answers{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RawResponse r;
      const std::string auth =
          std::string("key ") + (t % 2 == 0 ? kKey2 : kKey3);
      for (int64_t i = 0; i < rounds; ++i) {
        // Mixed orders contend for the one seat and the fan zone's four
        // tickets; the stand has room for every round.
        const std::string body =
            (i % 4 == 0)
                ? Ids(R"({"tickets": ["$SEAT14"], "random": {"$FAN": 1}, "promocodes": ["spring"]})")
                : With(With(R"({"event": "EV", "random": {"SET": 2}})", "EV",
                            kBigEvent),
                       "SET", kBigSet);
        adapter_->Handle(RawRequest{"POST", "/v2/resources/orders", auth, body},
                         &r);
        ASSERT_EQ(r.status, 200) << r.body;
        const json created = ParseAnswer(r.body);
        const std::string id = created["data"]["id"].get<std::string>();
        // The refs come from the cache the threads are filling at once.
        if (i % 4 != 0) {
          EXPECT_EQ(created["refs"]["sets"][kBigSet]["name"], "Stand");
          EXPECT_EQ(created["refs"]["events"][kBigEvent]["title"]["text"],
                    "Stadium");
        }
        const size_t held = created["data"]["tickets"].size();
        const bool finish = (i + t) % 2 == 0;
        adapter_->Handle(RawRequest{"PATCH", "/v2/resources/orders/" + id, auth,
                                    finish ? R"({"status": "done"})"
                                           : R"({"status": "cancelled"})"},
                         &r);
        const json changed = ParseAnswer(r.body);
        if (finish && held == 0) {
          // Only an order that got no ticket may fail to be done.
          EXPECT_EQ(r.status, 400);
          EXPECT_EQ(changed["errors"][0], "Order " + id + " has no tickets");
        } else {
          ASSERT_EQ(r.status, 200) << r.body;
          EXPECT_EQ(changed["data"]["tickets"].size(), finish ? held : 0u);
          if (finish) sold_by_answers += static_cast<int64_t>(held);
        }
        adapter_->Handle(RawRequest{"GET", "/v2/resources/events", auth, ""},
                         &r);
        EXPECT_EQ(r.status, 200);
        ParseAnswer(r.body);
        if (i % 16 == 0) {
          adapter_->Handle(
              RawRequest{"GET", "/v2/resources/orders?per_page=100", auth, ""},
              &r);
          EXPECT_EQ(r.status, 200);
          ParseAnswer(r.body);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const absl::Status audit = engine_->CheckInvariants();
  EXPECT_TRUE(audit.ok()) << audit;
  const InventoryTotals totals = engine_->Totals();
  EXPECT_EQ(totals.sold, sold_by_answers.load());
  EXPECT_EQ(totals.reserved, 0);
  EXPECT_EQ(totals.vacant + totals.reserved + totals.sold, totals.tickets);
}

}  // namespace
}  // namespace boxoffice::testing
