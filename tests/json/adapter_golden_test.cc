// Golden tests: every route and shape through the public adapter API, whole
// answers compared as text (after Normalize), against Engine::Open.
#include <string>
#include <vector>

#include "boxoffice/errors.h"
#include "tests/json/adapter_fixture.h"

namespace boxoffice::testing {
namespace {

// Expands $NAME placeholders into the fixture's ids, so that goldens stay
// readable.
std::string Fill(std::string text) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"$P1", kP1},         {"$P2", kP2},          {"$P3", kP3},
      {"$E1", kE1},         {"$S1", kS1},          {"$RULE1", kRule1},
      {"$T1a", kT1a},       {"$T1b", kT1b},        {"$T1c", kT1c},
      {"$E2", kE2},         {"$FANT", kFanTicket}, {"$FAN", kFan},
      {"$A2", kA2},         {"$SEAT14", kSeat14},  {"$SEAT15", kSeat15},
      {"$SECTOR", kSector}, {"$PROMO", kPromo}};
  for (const auto& [name, id] : names) {
    for (size_t at = text.find(name); at != std::string::npos;
         at = text.find(name, at)) {
      text.replace(at, name.size(), id);
    }
  }
  return text;
}

constexpr char kNoPayment[] =
    R"({"system":null,"success_url":null,"failure_url":null})";

std::string EventRef2() {
  return Fill(
      R"("$E2":{"id":"$E2","org":"$P2","title":{"text":"Slipknot","desc":"ref"},)"
      R"("lifetime":{"start":"2020-06-12 15:00:00","finish":"2020-06-12 18:00:00"},)"
      R"("status":"public","timezone":"Europe/Moscow"})");
}

TEST_F(AdapterTest, V1CreateAnswers201WithTheV1Shape) {
  clock_.Set(At(2016, 1, 26, 13, 29, 12, 624000));
  const Answer a = Call1("POST", "/v1/resources/orders",
                         Fill(R"({"all_or_nothing": "true", "event": "$E1",
                                  "random": {"$S1": 2}, "customer": {"lang": "ru"}})"));
  ASSERT_EQ(a.status, 201) << a.text;
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0],
            (std::pair<std::string, std::string>("X-Partner", kP1)));
  const std::string id = a.body["id"].get<std::string>();
  EXPECT_EQ(
      Normalize(a.text, {id}),
      Fill(
          std::string(R"({"id":"ORDER0","number":N,)") +
          R"("created_at":"2016-01-26T13:29:12.624000+00:00",)"
          R"("updated_at":"2016-01-26T13:29:12.624000+00:00",)"
          R"("event":"$E1","org":"$P1","vendor":"$P1","customer":{"lang":"ru"},"deal":null,)"
          R"("payment":)" +
          kNoPayment +
          R"(,"promocodes":[],)"
          R"("reserved_till":"2016-01-26T13:39:12.624000+00:00",)"
          R"("rules":{"$S1":"$RULE1"},"status":"executed","tickets":["$T1a","$T1b"],)"
          R"("value":"200.00","value_extra":"0.00",)"
          R"("values":{"nominal":"200.00","extra":"0.00","full":"200.00"}})"));
}

TEST_F(AdapterTest, V1GetPatchAndDelete) {
  clock_.Set(At(2016, 1, 26, 13, 29, 12, 624000));
  const Answer created =
      Call1("POST", "/v1/resources/orders",
            Fill(R"({"event": "$E1", "random": {"$S1": 1}})"));
  ASSERT_EQ(created.status, 201) << created.text;
  const std::string id = created.body["id"].get<std::string>();
  const std::string path = "/v1/resources/orders/" + id;

  const Answer got = Call1("GET", path);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.text, created.text);

  clock_.Advance(absl::Seconds(21));
  const Answer paid =
      Call1("PATCH", path, R"({"payment": {"system": "api/BASE"}})");
  ASSERT_EQ(paid.status, 200) << paid.text;
  EXPECT_EQ(paid.body["payment"]["system"], "api/BASE");
  EXPECT_TRUE(paid.body["payment"]["success_url"].is_null());
  EXPECT_EQ(paid.body["updated_at"], "2016-01-26T13:29:33.624000+00:00");
  EXPECT_EQ(paid.body["created_at"], created.body["created_at"]);

  const Answer deleted = Call1("DELETE", path);
  ASSERT_EQ(deleted.status, 200) << deleted.text;
  // v1 spells the status with one l; a cancelled order lists no tickets.
  EXPECT_EQ(deleted.body["status"], "canceled");
  EXPECT_EQ(deleted.body["tickets"], json::array());
  EXPECT_EQ(deleted.body["value"], "0.00");
  EXPECT_EQ(deleted.body["rules"], json::object());
  EXPECT_EQ(engine_->Totals().vacant, 3 + 2 + 4 + 2);

  // Messages spell statuses as v2 does, even on v1 routes.
  const Answer again = Call1("PATCH", path, R"({"status": "canceled"})");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(
      again.text,
      R"({"errors":["Cannot change status from cancelled to cancelled"]})");
}

TEST_F(AdapterTest, V2CreateAnswersDataAndRefs) {
  clock_.Set(At(2019, 9, 25, 16, 14, 1));
  const Answer a = Call2("POST", "/v2/resources/orders",
                         Fill(R"({"event": "$E2", "random": {"$FAN": 1}})"));
  ASSERT_EQ(a.status, 200) << a.text;
  EXPECT_EQ(a.headers[0].second, kP2);
  const std::string id = a.body["data"]["id"].get<std::string>();
  EXPECT_EQ(
      Normalize(a.text, {id}),
      Fill(
          std::string(
              R"({"data":{"id":"ORDER0","number":N,"created_at":"2019-09-25 16:14:01",)") +
          R"("expired_after":"2019-09-25 16:24:01","event":"$E2","org":"$P2","vendor":"$P2",)"
          R"("origin":"api","status":"executed","customer":{},"payment":)" +
          kNoPayment +
          R"(,"promocodes":[],"tickets":[{"id":"$FANT","set":"$FAN","number":168475,)"
          R"("serial":"PYX","barcode":null,"status":"reserved","price":"5600.00",)"
          R"("discount":"0.00","nominal":"5600.00","extra":"560.00","full":"6160.00"}],)"
          R"("values":{"price":"5600.00","discount":"0.00","nominal":"5600.00",)"
          R"("extra":"560.00","full":"6160.00","sets_values":{"$FAN":{"id":"$FAN",)"
          R"("price":"5600.00","nominal":"5600.00","discount":"0.00","promocode":null}},)"
          R"("viral_promocodes":[]}},"refs":{"events":{)" +
          EventRef2() +
          R"(},"partners":{"$P2":{"id":"$P2","name":"Тест VK Pay"}},)"
          R"("sets":{"$FAN":{"id":"$FAN","name":"Фан зона","price":"5600.00","with_seats":false}},)"
          R"("promocodes":{}}})"));
}

TEST_F(AdapterTest, V2DoneWithPromocodeSeatsBarcodesAndCode) {
  clock_.Set(At(2019, 9, 25, 16, 14, 1));
  const Answer created = Call2(
      "POST", "/v2/resources/orders",
      Fill(
          R"({"tickets": ["$SEAT14"], "random": {"$FAN": 1}, "promocodes": ["spring"],
                     "customer": {"lang": "ru", "name": "Ива\"н"}})"));
  ASSERT_EQ(created.status, 200) << created.text;
  const std::string id = created.body["data"]["id"].get<std::string>();
  EXPECT_FALSE(created.body["data"].contains("done_at"));
  EXPECT_FALSE(created.body["data"].contains("code"));

  clock_.Set(At(2019, 9, 25, 16, 20, 40));
  const Answer done =
      Call2("PATCH", "/v2/resources/orders/" + id, R"({"status": "done"})");
  ASSERT_EQ(done.status, 200) << done.text;
  EXPECT_EQ(
      Normalize(done.text, {id}),
      Fill(
          std::string(
              R"({"data":{"id":"ORDER0","number":N,"created_at":"2019-09-25 16:14:01",)") +
          R"("expired_after":"2019-09-25 16:24:01","done_at":"2019-09-25 16:20:40",)"
          R"("code":"C","event":"$E2","org":"$P2","vendor":"$P2",)"
          R"("origin":"api","status":"done","customer":{"lang":"ru","name":"Ива\"н"},)"
          R"("payment":)" +
          kNoPayment +
          R"(,"promocodes":["$PROMO"],"tickets":[)"
          R"({"id":"$SEAT14","set":"$A2","number":135830,"serial":"EOY","barcode":"B",)"
          R"("status":"sold","price":"990.00","discount":"99.00","nominal":"891.00",)"
          R"("extra":"89.10","full":"980.10","seat":{"sector":"$SECTOR","row":"2","number":"14"}},)"
          R"({"id":"$FANT","set":"$FAN","number":168475,"serial":"PYX","barcode":"B",)"
          R"("status":"sold","price":"5600.00","discount":"560.00","nominal":"5040.00",)"
          R"("extra":"504.00","full":"5544.00"}],)"
          R"("values":{"price":"6590.00","discount":"659.00","nominal":"5931.00",)"
          R"("extra":"593.10","full":"6524.10","sets_values":{)"
          R"("$A2":{"id":"$A2","price":"990.00","nominal":"891.00","discount":"99.00","promocode":"$PROMO"},)"
          R"("$FAN":{"id":"$FAN","price":"5600.00","nominal":"5040.00","discount":"560.00","promocode":"$PROMO"}},)"
          R"("viral_promocodes":[]}},"refs":{"events":{)" +
          EventRef2() +
          R"(},"partners":{"$P2":{"id":"$P2","name":"Тест VK Pay"}},)"
          R"("sets":{"$A2":{"id":"$A2","name":"A2","price":"990.00","with_seats":true},)"
          R"("$FAN":{"id":"$FAN","name":"Фан зона","price":"5600.00","with_seats":false}},)"
          R"("promocodes":{"$PROMO":{"id":"$PROMO","code":"SPRING","discount":{"percentage":"10%"}}}}})"));
  // Barcodes differ from each other; the code is 8 of [a-z0-9].
  const json& tickets = done.body["data"]["tickets"];
  EXPECT_NE(tickets[0]["barcode"], tickets[1]["barcode"]);
  EXPECT_EQ(done.body["data"]["code"].get<std::string>().size(), 8u);
  // GET answers the same document.
  EXPECT_EQ(Call2("GET", "/v2/resources/orders/" + id).text, done.text);
}

TEST_F(AdapterTest, V2ListFiltersAndPages) {
  clock_.Set(At(2019, 9, 25, 16, 14, 1));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(1));
    const Answer a = Call2("POST", "/v2/resources/orders",
                           Fill(R"({"event": "$E2", "random": {"$FAN": 1}})"));
    ASSERT_EQ(a.status, 200) << a.text;
    ids.push_back(a.body["data"]["id"].get<std::string>());
  }
  ASSERT_EQ(
      Call2("PATCH", "/v2/resources/orders/" + ids[1], R"({"status": "done"})")
          .status,
      200);
  // Another partner's orders never show.
  ASSERT_EQ(Call1("POST", "/v1/resources/orders",
                  Fill(R"({"event": "$E1", "random": {"$S1": 1}})"))
                .status,
            201);

  const Answer all = Call2("GET", "/v2/resources/orders");
  ASSERT_EQ(all.status, 200) << all.text;
  ASSERT_EQ(all.body["data"].size(), 3u);
  // Newest first.
  EXPECT_EQ(all.body["data"][0]["id"], ids[2]);
  EXPECT_EQ(all.body["data"][2]["id"], ids[0]);
  EXPECT_EQ(all.body["pagination"],
            (json{{"page", 1}, {"per_page", 20}, {"total", 3}}));
  EXPECT_EQ(all.body["refs"]["events"].size(), 1u);
  EXPECT_EQ(all.body["refs"]["sets"].size(), 1u);
  EXPECT_EQ(all.body["refs"]["partners"].size(), 1u);

  const Answer page2 = Call2("GET", "/v2/resources/orders?per_page=2&page=2");
  ASSERT_EQ(page2.status, 200) << page2.text;
  ASSERT_EQ(page2.body["data"].size(), 1u);
  EXPECT_EQ(page2.body["data"][0]["id"], ids[0]);
  EXPECT_EQ(page2.body["pagination"],
            (json{{"page", 2}, {"per_page", 2}, {"total", 3}}));

  const Answer done = Call2(
      "GET", Fill("/v2/resources/orders?status=done&event=$E2&x=ignored"));
  ASSERT_EQ(done.status, 200) << done.text;
  ASSERT_EQ(done.body["data"].size(), 1u);
  EXPECT_EQ(done.body["data"][0]["id"], ids[1]);
  EXPECT_EQ(done.body["pagination"]["total"], 1);

  const Answer none = Call2("GET", Fill("/v2/resources/orders?event=$E1"));
  ASSERT_EQ(none.status, 200) << none.text;
  EXPECT_EQ(none.body["data"], json::array());
  EXPECT_EQ(none.body["pagination"]["total"], 0);
  EXPECT_EQ(
      none.text,
      R"({"data":[],"refs":{"events":{},"partners":{},"sets":{},)"
      R"("promocodes":{}},"pagination":{"page":1,"per_page":20,"total":0}})");
}

TEST_F(AdapterTest, EventsListWhatThePartnerMaySellWithCounts) {
  clock_.Set(At(2019, 9, 25, 16, 14, 1));
  ASSERT_EQ(Call2("POST", "/v2/resources/orders",
                  Fill(R"({"tickets": ["$SEAT14"], "random": {"$FAN": 2}})"))
                .status,
            200);
  const std::string e2 = Fill(
      R"({"data":[{"id":"$E2","org":"$P2","title":{"text":"Slipknot","desc":"ref"},)"
      R"("lifetime":{"start":"2020-06-12 15:00:00","finish":"2020-06-12 18:00:00"},)"
      R"("status":"public","timezone":"Europe/Moscow","sets":[)"
      R"({"id":"$FAN","name":"Фан зона","price":"5600.00","with_seats":false,)"
      R"("tickets":{"vacant":2,"reserved":2,"sold":0}},)"
      R"({"id":"$A2","name":"A2","price":"990.00","with_seats":true,)"
      R"("tickets":{"vacant":1,"reserved":1,"sold":0}}]}]})");
  const Answer org = Call2("GET", "/v2/resources/events");
  EXPECT_EQ(org.status, 200);
  EXPECT_EQ(org.text, e2);
  // A vendor listed on the event sees it too; a stranger sees nothing; the
  // draft event is nobody's to sell.
  EXPECT_EQ(
      Call("GET", "/v2/resources/events", std::string("key ") + kKey3).text,
      e2);
  EXPECT_EQ(
      Call("GET", "/v2/resources/events", std::string("key ") + kKey4).text,
      R"({"data":[]})");
  const Answer p1 = Call1("GET", "/v2/resources/events");
  ASSERT_EQ(p1.body["data"].size(), 1u);
  EXPECT_EQ(p1.body["data"][0]["id"], kE1);
}

TEST_F(AdapterTest, SeatsOfAnEvent) {
  ASSERT_EQ(
      Call2("POST", "/v2/resources/orders", Fill(R"({"tickets": ["$SEAT15"]})"))
          .status,
      200);
  const Answer a = Call2("GET", Fill("/v2/resources/events/$E2/seats"));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(
      a.text,
      Fill(
          R"({"data":[)"
          R"({"id":"$SEAT14","set":"$A2","seat":{"sector":"$SECTOR","row":"2","number":"14"},"status":"vacant"},)"
          R"({"id":"$SEAT15","set":"$A2","seat":{"sector":"$SECTOR","row":"2","number":"15"},"status":"reserved"}]})"));
  // Events without seated sets answer an empty list; events the partner may
  // not sell are not found.
  EXPECT_EQ(Call1("GET", Fill("/v2/resources/events/$E1/seats")).text,
            R"({"data":[]})");
  const Answer hidden = Call1("GET", Fill("/v2/resources/events/$E2/seats"));
  EXPECT_EQ(hidden.status, 400);
  EXPECT_EQ(hidden.text, Fill(R"({"errors":["Event $E2 not found"]})"));
}

TEST_F(AdapterTest, OrdersOfAnotherPartnerAreNotFound) {
  const Answer created =
      Call1("POST", "/v1/resources/orders",
            Fill(R"({"event": "$E1", "random": {"$S1": 1}})"));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["id"].get<std::string>();
  const std::string before = Snapshot();
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/v1/resources/orders/" + id, ""},
           {"GET", "/v2/resources/orders/" + id, ""},
           {"PATCH", "/v2/resources/orders/" + id, R"({"status": "done"})"},
           {"DELETE", "/v1/resources/orders/" + id, ""}}) {
    const Answer a = Call2(method, path, body);
    EXPECT_EQ(a.status, 400) << method << " " << path;
    EXPECT_EQ(a.text, R"({"errors":["Order )" + id + R"( not found"]})");
    EXPECT_EQ(a.headers[0].second, kP2);
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AdapterTest, AVendorSellsAnotherOrgsEvent) {
  const Answer a =
      Call("POST", "/v2/resources/orders", std::string("key ") + kKey3,
           Fill(R"({"event": "$E2", "random": {"$FAN": 1}})"));
  ASSERT_EQ(a.status, 200) << a.text;
  EXPECT_EQ(a.body["data"]["org"], kP2);
  EXPECT_EQ(a.body["data"]["vendor"], kP3);
  EXPECT_EQ(a.body["refs"]["partners"].size(), 2u);
  EXPECT_EQ(a.body["refs"]["partners"][kP3]["name"], "Vendor");
}

TEST_F(AdapterTest, AdminCatalogRoute) {
  const std::string doc =
      R"({"partners": [{"id": "aaaaaaaaaaaaaaaaaaaaaaaa", "name": "New",
                                            "key": "new-key"}], "events": []})";
  EXPECT_EQ(Call("POST", "/v2/admin/catalog", "", doc).status, 401);
  EXPECT_EQ(Call("POST", "/v2/admin/catalog", std::string("key ") + kKey1, doc)
                .status,
            401);
  EXPECT_EQ(Call("POST", "/v2/admin/catalog", "admin wrong", doc).status, 401);
  const Answer bad =
      Call("POST", "/v2/admin/catalog", std::string("admin ") + kAdminKey,
           R"({"partners": [{"id": "zz"}]})");
  EXPECT_EQ(bad.status, 400);
  ASSERT_TRUE(bad.body["errors"].is_array());
  EXPECT_GE(bad.body["errors"].size(), 1u);
  EXPECT_EQ(bad.body["errors"][0].get<std::string>().rfind("/partners/0", 0),
            0u)
      << bad.text;
  EXPECT_FALSE(engine_->FindPartnerByKey("new-key").has_value());

  const Answer ok =
      Call("POST", "/v2/admin/catalog", std::string("admin ") + kAdminKey, doc);
  ASSERT_EQ(ok.status, 200) << ok.text;
  EXPECT_EQ(ok.text, R"({"data":{"partners":1,"events":0,"tickets":0}})");
  EXPECT_TRUE(ok.headers.empty());
  EXPECT_EQ(Call("GET", "/v2/resources/events", "key new-key").text,
            R"({"data":[]})");
  // The same document again: its id is loaded already, nothing changes.
  EXPECT_EQ(
      Call("POST", "/v2/admin/catalog", std::string("admin ") + kAdminKey, doc)
          .status,
      400);

  // No admin key configured: the route answers 401 to everyone.
  JsonAdapter closed(engine_.get(), JsonAdapterOptions{});
  RawResponse r;
  closed.Handle(RawRequest{"POST", "/v2/admin/catalog", "admin ", doc}, &r);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"errors":["Unauthorized"]})");
}

TEST_F(AdapterTest, EnvelopeCarriesTheSameRequestsAndAnswers) {
  const std::string create = Fill(
      R"({"method": "POST", "path": "/v1/resources/orders",
          "headers": {"AUTHORIZATION": "key 047bdb8bcee44d3693371920aaf9135c", "X-Other": "1"},
          "body": {"event": "$E1", "random": {"$S1": 1}}})");
  const json answer = ParseAnswer(adapter_->HandleEnvelope(create));
  ASSERT_EQ(answer["status"], 201) << answer.dump();
  EXPECT_EQ(answer["headers"], (json{{"X-Partner", kP1}}));
  const std::string id = answer["body"]["id"].get<std::string>();
  EXPECT_EQ(answer["body"]["tickets"], json::array({kT1a}));

  // A string body is the raw text, parsed by the adapter's own checks.
  const std::string as_text =
      Fill(R"({"method": "PATCH", "path": "/v1/resources/orders/)") + id +
      R"(", "headers": {"authorization": "key 047bdb8bcee44d3693371920aaf9135c"},
          "body": "{\"status\": \"in_progress\"}"})";
  const json patched = ParseAnswer(adapter_->HandleEnvelope(as_text));
  EXPECT_EQ(patched["status"], 200) << patched.dump();
  EXPECT_EQ(patched["body"]["status"], "in_progress");

  // A GET without a body; the envelope's answer embeds the raw one.
  const std::string get =
      R"({"method": "GET", "path": "/v1/resources/orders/)" + id +
      R"(", "headers": {"Authorization": "key 047bdb8bcee44d3693371920aaf9135c"}})";
  const RawResponse raw = adapter_->Handle(RawRequest{
      "GET", "/v1/resources/orders/" + id, std::string("key ") + kKey1, ""});
  EXPECT_EQ(adapter_->HandleEnvelope(get),
            R"({"status":200,"headers":{"X-Partner":")" + std::string(kP1) +
                R"("},"body":)" + raw.body + "}");
}

TEST_F(AdapterTest, MalformedEnvelopesAnswer400InTheSameShape) {
  const auto expect = [&](std::string_view envelope,
                          const std::string& errors) {
    EXPECT_EQ(adapter_->HandleEnvelope(envelope),
              R"({"status":400,"headers":{},"body":{"errors":)" + errors + "}}")
        << envelope;
  };
  expect("", R"(["Malformed JSON: empty input"])");
  expect("[]", R"(["Field envelope must be an object"])");
  expect("{", R"(["Malformed JSON: unexpected end of input at byte 2"])");
  expect(R"({"method": 1, "path": null, "headers": []})",
         R"(["Field method must be a string","Field path must be a string",)"
         R"("Field headers must be an object of strings"])");
  expect(R"({"method": "GET", "path": "/v2/resources/events",
             "headers": {"Authorization": "key a", "authorization": "key b"}})",
         R"(["Field headers must name Authorization once"])");
  expect(
      R"({"method": "GET", "path": "/v2/resources/events", "headers": {"Authorization": 5}})",
      R"(["Field headers.Authorization must be a string"])");
  expect(R"({"method": "GET", "method": "POST", "path": "/"})",
         R"(["Malformed JSON: duplicate key \"method\""])");
  // The body's own depth limit is what counts, not the envelope's.
  // Levels: the body 1, customer 2, then the arrays: 62 of them make 64.
  const std::string body64 = std::string(62, '[') + std::string(62, ']');
  const std::string ok =
      std::string(R"({"method": "POST", "path": "/v2/resources/orders",
      "headers": {"Authorization": "key 047bdb8bcee44d3693371920aaf9135c"},
      "body": {"customer": )") +
      "{\"a\":" + body64 + "}}}";
  EXPECT_NE(
      adapter_->HandleEnvelope(ok).find("Field event must be an event id"),
      std::string::npos);
  const std::string body65 = std::string(63, '[') + std::string(63, ']');
  const std::string deep =
      std::string(R"({"method": "POST", "path": "/v2/resources/orders",
      "body": {"customer": )") +
      "{\"a\":" + body65 + "}}}";
  expect(deep, R"(["Malformed JSON: nested deeper than 64 levels"])");
}

}  // namespace
}  // namespace boxoffice::testing

namespace boxoffice::testing {
namespace {

// An engine that refuses every change as if another PATCH of the same order
// were under way (the engine's race, which a test cannot time), to pin the
// adapter's mapping of Aborted to 409 with the engine's message.
class BusyEngine final : public Engine {
 public:
  explicit BusyEngine(Engine* inner) : inner_(inner) {}
  absl::StatusOr<CatalogSummary> LoadCatalog(
      const CatalogDocument& doc) override {
    return inner_->LoadCatalog(doc);
  }
  std::optional<ObjectId> FindPartnerByKey(
      std::string_view key) const override {
    return inner_->FindPartnerByKey(key);
  }
  absl::StatusOr<OrderView> CreateOrder(const ObjectId& p,
                                        const CreateOrderRequest& r) override {
    return inner_->CreateOrder(p, r);
  }
  absl::StatusOr<OrderView> ChangeOrder(const ObjectId&, const ObjectId& order,
                                        const ChangeOrderRequest&) override {
    return MakeError(absl::StatusCode::kAborted,
                     "Order " + order.ToString() + " is being changed");
  }
  absl::StatusOr<OrderView> GetOrder(const ObjectId& p,
                                     const ObjectId& o) override {
    return inner_->GetOrder(p, o);
  }
  absl::StatusOr<OrderPage> ListOrders(const ObjectId& p,
                                       const OrderFilter& f) override {
    return inner_->ListOrders(p, f);
  }
  std::vector<EventInfo> ListEvents(const ObjectId& p) override {
    return inner_->ListEvents(p);
  }
  absl::StatusOr<std::vector<SeatView>> ListSeats(const ObjectId& p,
                                                  const ObjectId& e) override {
    return inner_->ListSeats(p, e);
  }
  std::optional<PartnerInfo> DescribePartner(
      const ObjectId& id) const override {
    return inner_->DescribePartner(id);
  }
  std::optional<EventInfo> DescribeEvent(const ObjectId& id) const override {
    return inner_->DescribeEvent(id);
  }
  std::optional<SetInfo> DescribeSet(const ObjectId& id) const override {
    return inner_->DescribeSet(id);
  }
  std::optional<PromocodeInfo> DescribePromocode(
      const ObjectId& id) const override {
    return inner_->DescribePromocode(id);
  }
  int64_t ExpireDue() override { return inner_->ExpireDue(); }
  InventoryTotals Totals() const override { return inner_->Totals(); }
  absl::Status CheckInvariants() const override {
    return inner_->CheckInvariants();
  }

 private:
  Engine* inner_;
};

TEST_F(AdapterTest, AChangeUnderWayAnswers409) {
  const Answer created =
      Call1("POST", "/v1/resources/orders",
            Fill(R"({"event": "$E1", "random": {"$S1": 1}})"));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["id"].get<std::string>();
  BusyEngine busy(engine_.get());
  JsonAdapter adapter(&busy);
  const RawResponse r = adapter.Handle(
      RawRequest{"PATCH", "/v1/resources/orders/" + id,
                 std::string("key ") + kKey1, R"({"status": "in_progress"})"});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, R"({"errors":["Order )" + id + R"( is being changed"]})");
  EXPECT_EQ(Call1("GET", "/v1/resources/orders/" + id).body["status"],
            "executed");
}

}  // namespace
}  // namespace boxoffice::testing
