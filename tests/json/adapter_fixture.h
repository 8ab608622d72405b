// A small world for the adapter's tests: an engine on a simulated clock
// with the reference pages' catalogs, an adapter over it, and helpers that
// call the adapter and snapshot what a refused request must not change.
#ifndef BOXOFFICE_TESTS_JSON_ADAPTER_FIXTURE_H_
#define BOXOFFICE_TESTS_JSON_ADAPTER_FIXTURE_H_

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "boxoffice/catalog.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/json_adapter.h"
#include "engine/common/strict_json.h"
#include "gtest/gtest.h"

namespace boxoffice::testing {

using nlohmann::json;

// Reference 000/001: one organizer selling its own event.
inline constexpr char kP1[] = "56810047f06c5a6ac62f4e1d";
inline constexpr char kKey1[] = "047bdb8bcee44d3693371920aaf9135c";
inline constexpr char kE1[] = "56a6253df06c5a059a93802e";
inline constexpr char kS1[] = "56a6254bf06c5a059b93800c";
inline constexpr char kRule1[] = "56a6254bf06c5a059b93800b";
inline constexpr char kT1a[] = "56a6253df06c5a059a9380a0";
inline constexpr char kT1b[] = "56a6253df06c5a059a9380ae";
inline constexpr char kT1c[] = "56a6253df06c5a059a9380b0";
// A draft event of P1: nobody may sell it.
inline constexpr char kE1Draft[] = "56a6253df06c5a059a93802f";
inline constexpr char kS1Draft[] = "56a6254bf06c5a059b93800d";
// Reference 003: an organizer with a set without seats and a seated set.
inline constexpr char kP2[] = "5ba10ea90c43fc000b0fc786";
inline constexpr char kKey2[] = "9bd8359943b545500278875r49c5b96d";
inline constexpr char kE2[] = "5d7134962110d30a34e95b96";
inline constexpr char kFan[] = "5d7135112110d30a34e97e2d";
inline constexpr char kFanTicket[] = "5d7135113f18da51a186ad16";
inline constexpr char kA2[] = "5d71353b2110d30a34e97e31";
inline constexpr char kSeat14[] = "5d7134962110d30a34e95cfe";
inline constexpr char kSeat15[] = "5d7134962110d30a34e95cff";
inline constexpr char kSector[] = "5a8dd58e6e55b2064c67c144";
inline constexpr char kPromo[] = "5d7140000000000000000001";
// A vendor allowed to sell E2, and a partner that may sell nothing.
inline constexpr char kP3[] = "5ba10ea90c43fc000b0fc787";
inline constexpr char kKey3[] = "vendor-key-3";
inline constexpr char kP4[] = "5ba10ea90c43fc000b0fc788";
inline constexpr char kKey4[] = "stranger-key-4";
inline constexpr char kAdminKey[] = "the-operator";
inline constexpr char kNoId[] = "000000000000000000000000";

inline ObjectId Id(const char* hex) {
  const std::optional<ObjectId> id = ObjectId::Parse(hex);
  EXPECT_TRUE(id.has_value()) << hex;
  return id.value_or(ObjectId());
}

inline absl::Time At(int y, int mo, int d, int h, int mi, int s,
                     int micros = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone()) +
         absl::Microseconds(micros);
}

inline CatalogDocument ReferenceCatalog() {
  CatalogDocument doc;
  doc.partners.push_back({Id(kP1), "Test partner", kKey1});
  doc.partners.push_back({Id(kP2), "Тест VK Pay", kKey2});
  doc.partners.push_back({Id(kP3), "Vendor", kKey3});
  doc.partners.push_back({Id(kP4), "Stranger", kKey4});

  EventSpec e1;
  e1.id = Id(kE1);
  e1.org = Id(kP1);
  e1.title_text = "Concert";
  e1.start = At(2016, 2, 20, 16, 0, 0);
  e1.finish = At(2016, 2, 20, 19, 0, 0);
  e1.timezone = "Europe/Moscow";
  SetSpec floor;
  floor.id = Id(kS1);
  floor.name = "Dance floor";
  floor.price = Money{10000};
  floor.rule = Id(kRule1);
  for (const char* t : {kT1a, kT1b, kT1c})
    floor.tickets.push_back({Id(t), std::nullopt, std::nullopt});
  e1.sets.push_back(floor);
  doc.events.push_back(e1);

  EventSpec draft = e1;
  draft.id = Id(kE1Draft);
  draft.status = EventStatus::kDraft;
  draft.sets.clear();
  SetSpec draft_set;
  draft_set.id = Id(kS1Draft);
  draft_set.name = "Draft";
  draft_set.price = Money{100};
  draft_set.count = 2;
  draft.sets.push_back(draft_set);
  doc.events.push_back(draft);

  EventSpec e2;
  e2.id = Id(kE2);
  e2.org = Id(kP2);
  e2.vendors.push_back(Id(kP3));
  e2.title_text = "Slipknot";
  e2.title_desc = "ref";
  e2.start = At(2020, 6, 12, 15, 0, 0);
  e2.finish = At(2020, 6, 12, 18, 0, 0);
  e2.timezone = "Europe/Moscow";
  e2.extra_percent = Percent{1000};
  PromocodeSpec promo;
  promo.id = Id(kPromo);
  promo.code = "SPRING";
  promo.discount.kind = Discount::Kind::kPercentage;
  promo.discount.percentage = Percent{1000};
  promo.limit = 100;
  e2.promocodes.push_back(promo);
  SetSpec fan;
  fan.id = Id(kFan);
  fan.name = "Фан зона";
  fan.price = Money{560000};
  fan.serial = "PYX";
  fan.tickets.push_back({Id(kFanTicket), 168475, std::nullopt});
  fan.count = 4;
  e2.sets.push_back(fan);
  SetSpec a2;
  a2.id = Id(kA2);
  a2.name = "A2";
  a2.price = Money{99000};
  a2.with_seats = true;
  a2.serial = "EOY";
  a2.tickets.push_back({Id(kSeat14), 135830, Seat{kSector, "2", "14"}});
  a2.tickets.push_back({Id(kSeat15), 135831, Seat{kSector, "2", "15"}});
  e2.sets.push_back(a2);
  doc.events.push_back(e2);
  return doc;
}

struct Answer {
  int status = 0;
  std::string text;
  json body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Parses an answer strictly: whatever the adapter writes must be valid JSON.
inline json ParseAnswer(const std::string& text) {
  json out;
  internal::StrictJsonLimits limits;
  limits.max_bytes = size_t{64} << 20;
  const absl::Status s = internal::ParseStrictJson(text, limits, &out);
  EXPECT_TRUE(s.ok()) << s.message() << "\n" << text;
  return out;
}

class AdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Early enough for every flow: the clock never goes back.
    clock_.Set(At(2016, 1, 26, 9, 0, 0));
    EngineOptions options;
    options.clock = &clock_;
    options.reservation_ttl = absl::Minutes(10);
    options.payment_ttl = absl::Minutes(30);
    options.lowest_vacant_first = true;
    options.claim_seed = 7;
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    auto loaded = engine_->LoadCatalog(ReferenceCatalog());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    JsonAdapterOptions adapter_options;
    adapter_options.admin_key = kAdminKey;
    adapter_ = std::make_unique<JsonAdapter>(engine_.get(), adapter_options);
  }

  Answer Call(std::string_view method, std::string_view path,
              std::string_view authorization, std::string_view body = "") {
    RawResponse response;
    adapter_->Handle(RawRequest{method, path, authorization, body}, &response);
    Answer a;
    a.status = response.status;
    a.text = response.body;
    a.body = ParseAnswer(response.body);
    a.headers = response.headers;
    return a;
  }
  Answer Call1(std::string_view method, std::string_view path,
               std::string_view body = "") {
    return Call(method, path, std::string("key ") + kKey1, body);
  }
  Answer Call2(std::string_view method, std::string_view path,
               std::string_view body = "") {
    return Call(method, path, std::string("key ") + kKey2, body);
  }

  // Everything a refused request must leave as it was: the ticket counts,
  // every partner's orders (all of their fields, through the adapter's own
  // list), the events' counts and the engine's audit.
  std::string Snapshot() {
    std::string s;
    const InventoryTotals t = engine_->Totals();
    s += "totals " + std::to_string(t.tickets) + " " +
         std::to_string(t.vacant) + " " + std::to_string(t.reserved) + " " +
         std::to_string(t.sold) + "\n";
    for (const char* key : {kKey1, kKey2, kKey3, kKey4}) {
      const std::string auth = std::string("key ") + key;
      s += Call("GET", "/v2/resources/orders?per_page=100", auth).text + "\n";
      s += Call("GET", "/v2/resources/events", auth).text + "\n";
    }
    const absl::Status audit = engine_->CheckInvariants();
    EXPECT_TRUE(audit.ok()) << audit;
    return s;
  }

  SimulatedClock clock_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<JsonAdapter> adapter_;
};

// Replaces what the engine makes unpredictable (order ids, numbers,
// barcodes, codes) with fixed words, so that whole answers compare as text.
inline std::string Normalize(std::string text,
                             const std::vector<std::string>& order_ids) {
  for (size_t i = 0; i < order_ids.size(); ++i) {
    const std::string word = "ORDER" + std::to_string(i);
    for (size_t at = text.find(order_ids[i]); at != std::string::npos;
         at = text.find(order_ids[i], at + word.size())) {
      text.replace(at, order_ids[i].size(), word);
    }
  }
  text = std::regex_replace(text, std::regex(R"("number":\d+,"created_at")"),
                            R"("number":N,"created_at")");
  text = std::regex_replace(text, std::regex(R"("barcode":"\d{17}")"),
                            R"("barcode":"B")");
  text = std::regex_replace(text, std::regex(R"("code":"[a-z0-9]{8}")"),
                            R"("code":"C")");
  return text;
}

}  // namespace boxoffice::testing

#endif  // BOXOFFICE_TESTS_JSON_ADAPTER_FIXTURE_H_
