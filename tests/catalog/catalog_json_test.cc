// ParseCatalogJson: golden documents, a table of bad documents with their
// exact messages, and hostile input (deep nesting, size, broken JSON).
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boxoffice/catalog.h"
#include "boxoffice/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/catalog/catalog_test_docs.h"

namespace boxoffice {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

ObjectId Id(const char* hex) {
  auto id = ObjectId::Parse(hex);
  EXPECT_TRUE(id.has_value()) << hex;
  return id.value_or(ObjectId());
}

absl::Time Utc(int y, int mo, int d, int h) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, 0, 0),
                         absl::UTCTimeZone());
}

TEST(CatalogJsonTest, SpecExampleParsesFieldByField) {
  auto doc = ParseCatalogJson(testing::kSpecExample);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->partners.size(), 1u);
  EXPECT_EQ(doc->partners[0].id, Id("5ba10ea90c43fc000b0fc786"));
  EXPECT_EQ(doc->partners[0].name, "Тест VK Pay");
  EXPECT_EQ(doc->partners[0].key, "9bd8359943b545500278875r49c5b96d");
  ASSERT_EQ(doc->events.size(), 1u);
  const EventSpec& e = doc->events[0];
  EXPECT_EQ(e.id, Id("5d7134962110d30a34e95b96"));
  EXPECT_EQ(e.org, Id("5ba10ea90c43fc000b0fc786"));
  EXPECT_TRUE(e.vendors.empty());
  EXPECT_EQ(e.status, EventStatus::kPublic);
  EXPECT_EQ(e.title_text, "Slipknot");
  EXPECT_EQ(e.title_desc, "ref");
  EXPECT_EQ(e.start, Utc(2020, 6, 12, 15));
  EXPECT_EQ(e.finish, Utc(2020, 6, 12, 18));
  EXPECT_EQ(e.timezone, "Europe/Moscow");
  EXPECT_EQ(e.extra_percent, Percent{1000});
  ASSERT_EQ(e.promocodes.size(), 1u);
  EXPECT_EQ(e.promocodes[0].id, Id("5d7140000000000000000001"));
  EXPECT_EQ(e.promocodes[0].code, "SPRING");
  EXPECT_EQ(e.promocodes[0].discount.kind, Discount::Kind::kPercentage);
  EXPECT_EQ(e.promocodes[0].discount.percentage, Percent{1000});
  EXPECT_EQ(e.promocodes[0].limit, std::optional<int64_t>(100));
  EXPECT_FALSE(e.promocodes[0].sets.has_value());
  ASSERT_EQ(e.sets.size(), 2u);
  const SetSpec& fan = e.sets[0];
  EXPECT_EQ(fan.id, Id("5d7135112110d30a34e97e2d"));
  EXPECT_EQ(fan.name, "Фан зона");
  EXPECT_EQ(fan.price, Money{560000});
  EXPECT_FALSE(fan.with_seats);
  EXPECT_EQ(fan.serial, std::optional<std::string>("PYX"));
  EXPECT_FALSE(fan.rule.has_value());
  EXPECT_FALSE(fan.extra_percent.has_value());
  EXPECT_EQ(fan.count, std::optional<int64_t>(1000));
  ASSERT_EQ(fan.tickets.size(), 1u);
  EXPECT_EQ(fan.tickets[0].id, Id("5d7135113f18da51a186ad16"));
  EXPECT_EQ(fan.tickets[0].number, std::optional<int64_t>(168475));
  EXPECT_FALSE(fan.tickets[0].seat.has_value());
  const SetSpec& a2 = e.sets[1];
  EXPECT_TRUE(a2.with_seats);
  EXPECT_EQ(a2.price, Money{99000});
  EXPECT_FALSE(a2.count.has_value());
  ASSERT_EQ(a2.tickets.size(), 1u);
  ASSERT_TRUE(a2.tickets[0].seat.has_value());
  EXPECT_EQ(*a2.tickets[0].seat, (Seat{"5a8dd58e6e55b2064c67c144", "2", "14"}));
}

TEST(CatalogJsonTest, SharedReplayExamplesParse) {
  auto v1 = ParseCatalogJson(testing::kV1Example);
  ASSERT_TRUE(v1.ok()) << v1.status();
  ASSERT_EQ(v1->events.size(), 1u);
  ASSERT_EQ(v1->events[0].sets.size(), 1u);
  const SetSpec& floor = v1->events[0].sets[0];
  EXPECT_EQ(floor.rule,
            std::optional<ObjectId>(Id("56a6254bf06c5a059b93800b")));
  EXPECT_EQ(floor.tickets.size(), 3u);
  EXPECT_FALSE(floor.tickets[0].number.has_value());
  EXPECT_EQ(v1->events[0].title_desc, "");
  EXPECT_EQ(v1->events[0].extra_percent, Percent{0});

  auto v2 = ParseCatalogJson(testing::kV2Example);
  ASSERT_TRUE(v2.ok()) << v2.status();
  ASSERT_EQ(v2->events[0].sets.size(), 2u);
  EXPECT_FALSE(v2->events[0].sets[0].count.has_value());
  EXPECT_TRUE(v2->events[0].sets[1].with_seats);
}

TEST(CatalogJsonTest, UnknownFieldsAndNullOptionalsAreIgnored) {
  json d = json::parse(testing::kSpecExample);
  d["whatever"] = {{"x", 1}};
  d["events"][0]["sets"][0]["colour"] = "red";
  d["events"][0]["vendors"] = nullptr;
  d["events"][0]["promocodes"][0]["limit"] = nullptr;
  auto doc = ParseCatalogJson(d.dump());
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_FALSE(doc->events[0].promocodes[0].limit.has_value());
}

TEST(CatalogJsonTest, FixDiscountAndPromocodeSets) {
  json d = json::parse(testing::kSpecExample);
  d["events"][0]["promocodes"][0]["discount"] = {{"fix", "100.50"}};
  d["events"][0]["promocodes"][0]["sets"] = {"5d71353b2110d30a34e97e31"};
  auto doc = ParseCatalogJson(d.dump());
  ASSERT_TRUE(doc.ok()) << doc.status();
  const PromocodeSpec& p = doc->events[0].promocodes[0];
  EXPECT_EQ(p.discount.kind, Discount::Kind::kFix);
  EXPECT_EQ(p.discount.fix, Money{10050});
  ASSERT_TRUE(p.sets.has_value());
  EXPECT_THAT(*p.sets, ElementsAre(Id("5d71353b2110d30a34e97e31")));
}

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  std::vector<std::string> messages;
  CatalogLimits limits = {};
};

// Pointers used below.
constexpr char kE[] = "/events/0";
constexpr char kFan[] = "/events/0/sets/0";
constexpr char kA2[] = "/events/0/sets/1";
constexpr char kPromo[] = "/events/0/promocodes/0";

std::string P(const char* base, const char* rest, const char* problem) {
  return absl::StrCat(base, rest, ": ", problem);
}

constexpr char kIdProblem[] = "must be an id of 24 lowercase hex characters";
constexpr char kMoneyProblem[] =
    "must be a decimal string with at most two places";
constexpr char kPercentProblem[] =
    "must be a decimal percentage from 0 to 1000 with at most two places";
constexpr char kDiscountPercentProblem[] =
    "must be a percentage from \"0%\" to \"100%\" with at most two places";
constexpr char kIntProblem[] = "must be a non-negative integer";

std::vector<BadCase> BadCases() {
  std::vector<BadCase> c;
  c.push_back({"missing event id",
               [](json& d) { d["events"][0].erase("id"); },
               {P(kE, "/id", "is required")}});
  c.push_back(
      {"uppercase id",
       [](json& d) { d["events"][0]["id"] = "5D7134962110D30A34E95B96"; },
       {P(kE, "/id", kIdProblem)}});
  c.push_back(
      {"short ticket id",
       [](json& d) { d["events"][0]["sets"][0]["tickets"][0]["id"] = "5d71"; },
       {P(kFan, "/tickets/0/id", kIdProblem)}});
  c.push_back({"numeric org",
               [](json& d) { d["events"][0]["org"] = 5; },
               {P(kE, "/org", kIdProblem)}});
  c.push_back({"three decimal places",
               [](json& d) { d["events"][0]["sets"][1]["price"] = "990.001"; },
               {P(kA2, "/price", kMoneyProblem)}});
  c.push_back({"negative price",
               [](json& d) { d["events"][0]["sets"][1]["price"] = "-1.00"; },
               {P(kA2, "/price", kMoneyProblem)}});
  c.push_back({"price as a number",
               [](json& d) { d["events"][0]["sets"][1]["price"] = 990; },
               {P(kA2, "/price", kMoneyProblem)}});
  c.push_back({"bad event extra_percent",
               [](json& d) { d["events"][0]["extra_percent"] = "ten"; },
               {P(kE, "/extra_percent", kPercentProblem)}});
  c.push_back(
      {"set extra_percent beyond 1000",
       [](json& d) { d["events"][0]["sets"][0]["extra_percent"] = "1000.01"; },
       {P(kFan, "/extra_percent", kPercentProblem)}});
  c.push_back({"unknown status",
               [](json& d) { d["events"][0]["status"] = "open"; },
               {P(kE, "/status", "must be one of public, draft, cancelled")}});
  c.push_back({"time without zone",
               [](json& d) {
                 d["events"][0]["lifetime"]["start"] = "2020-06-12 15:00";
               },
               {P(kE, "/lifetime/start", "must be an RFC 3339 time")}});
  c.push_back(
      {"finish before start",
       [](json& d) {
         d["events"][0]["lifetime"]["finish"] = "2020-06-12T14:00:00Z";
       },
       {P(kE, "/lifetime/finish", "must not be before lifetime/start")}});
  c.push_back(
      {"ticket id equal to a set id",
       [](json& d) {
         d["events"][0]["sets"][1]["tickets"][0]["id"] =
             "5d7135112110d30a34e97e2d";
       },
       {P(kA2, "/tickets/0/id", "duplicate id 5d7135112110d30a34e97e2d")}});
  c.push_back(
      {"duplicate partner",
       [](json& d) { d["partners"].push_back(d["partners"][0]); },
       {P("/partners/1", "/id", "duplicate id 5ba10ea90c43fc000b0fc786"),
        P("/partners/1", "/key", "duplicate partner key")}});
  c.push_back(
      {"seated ticket without seat",
       [](json& d) { d["events"][0]["sets"][1]["tickets"][0].erase("seat"); },
       {P(kA2, "/tickets/0/seat", "is required in a set with seats")}});
  c.push_back({"seated count beyond listed",
               [](json& d) { d["events"][0]["sets"][1]["count"] = 5; },
               {P(kA2, "/count",
                  "must not exceed the number of listed tickets (1) in a set "
                  "with seats")}});
  c.push_back({"count below listed",
               [](json& d) {
                 auto& t = d["events"][0]["sets"][0]["tickets"];
                 t.push_back({{"id", "5d7135113f18da51a186ad17"}});
                 d["events"][0]["sets"][0]["count"] = 1;
               },
               {P(kFan, "/count",
                  "must be at least the number of listed tickets (2)")}});
  c.push_back({"negative count",
               [](json& d) { d["events"][0]["sets"][0]["count"] = -1; },
               {P(kFan, "/count", kIntProblem)}});
  c.push_back({"count with a fraction",
               [](json& d) { d["events"][0]["sets"][0]["count"] = 10.0; },
               {P(kFan, "/count", kIntProblem)}});
  c.push_back(
      {"count with an exponent",
       [](json& d) { d["events"][0]["sets"][0]["count"] = json::parse("1e3"); },
       {P(kFan, "/count", kIntProblem)}});
  c.push_back({"count as a string",
               [](json& d) { d["events"][0]["sets"][0]["count"] = "1000"; },
               {P(kFan, "/count", kIntProblem)}});
  c.push_back(
      {"ticket number as a string",
       [](json& d) { d["events"][0]["sets"][0]["tickets"][0]["number"] = "7"; },
       {P(kFan, "/tickets/0/number", kIntProblem)}});
  c.push_back({"set without tickets or count",
               [](json& d) {
                 d["events"][0]["sets"][0].erase("count");
                 d["events"][0]["sets"][0].erase("tickets");
               },
               {P(kFan, "", "must have tickets or count")}});
  c.push_back({"with_seats as a string",
               [](json& d) { d["events"][0]["sets"][0]["with_seats"] = "no"; },
               {P(kFan, "/with_seats", "must be a boolean")}});
  c.push_back({"partners not an array",
               [](json& d) {
                 d["partners"] = {{"a", 1}};
               },
               {"/partners: must be an array"}});
  c.push_back({"event not an object",
               [](json& d) { d["events"][0] = 5; },
               {P(kE, "", "must be an object")}});
  c.push_back(
      {"percentage without the sign",
       [](json& d) {
         d["events"][0]["promocodes"][0]["discount"] = {{"percentage", "10"}};
       },
       {P(kPromo, "/discount/percentage", kDiscountPercentProblem)}});
  c.push_back(
      {"percentage above 100%",
       [](json& d) {
         d["events"][0]["promocodes"][0]["discount"] = {{"percentage", "150%"}};
       },
       {P(kPromo, "/discount/percentage", kDiscountPercentProblem)}});
  c.push_back(
      {"both discount kinds",
       [](json& d) {
         d["events"][0]["promocodes"][0]["discount"] = {{"percentage", "10%"},
                                                        {"fix", "1.00"}};
       },
       {P(kPromo, "/discount", "must have exactly one of percentage, fix")}});
  c.push_back({"negative fix",
               [](json& d) {
                 d["events"][0]["promocodes"][0]["discount"] = {{"fix", "-5"}};
               },
               {P(kPromo, "/discount/fix", kMoneyProblem)}});
  c.push_back({"negative limit",
               [](json& d) { d["events"][0]["promocodes"][0]["limit"] = -1; },
               {P(kPromo, "/limit", kIntProblem)}});
  c.push_back({"promocode set of another event",
               [](json& d) {
                 d["events"][0]["promocodes"][0]["sets"] = {
                     "5d71353b2110d30a34e97e31", "aaaaaaaaaaaaaaaaaaaaaaaa"};
               },
               {P(kPromo, "/sets/1",
                  "set aaaaaaaaaaaaaaaaaaaaaaaa is not a set of this event")}});
  c.push_back({"codes equal ignoring case",
               [](json& d) {
                 json p = d["events"][0]["promocodes"][0];
                 p["id"] = "5d7140000000000000000002";
                 p["code"] = "spring";
                 d["events"][0]["promocodes"].push_back(p);
               },
               {P("/events/0/promocodes/1", "/code",
                  "duplicate code in this event (codes ignore case)")}});
  c.push_back({"missing and empty partner fields",
               [](json& d) {
                 d["partners"][0]["key"] = "";
                 d["partners"][0].erase("name");
               },
               {P("/partners/0", "/name", "is required"),
                P("/partners/0", "/key", "must not be empty")}});
  c.push_back({"name too long",
               [](json& d) {
                 d["events"][0]["sets"][0]["name"] = std::string(4097, 'x');
               },
               {P(kFan, "/name", "must be at most 4096 bytes")}});
  c.push_back({"seat row as a number",
               [](json& d) {
                 d["events"][0]["sets"][1]["tickets"][0]["seat"]["row"] = 2;
               },
               {P(kA2, "/tickets/0/seat/row", "must be a string")}});
  c.push_back({"seat not an object",
               [](json& d) {
                 d["events"][0]["sets"][1]["tickets"][0]["seat"] = "2-14";
               },
               {P(kA2, "/tickets/0/seat", "must be an object")}});
  c.push_back({"too many tickets in the document",
               [](json&) {},
               {"/events: too many tickets: 1001, at most 1000"},
               CatalogLimits{.max_tickets = 1000}});
  c.push_back({"set larger than a set may be",
               [](json& d) { d["events"][0]["sets"][0]["count"] = 16777217; },
               {P(kFan, "/count", "must be at most 16777216 tickets")}});
  c.push_back(
      {"missing title and lifetime",
       [](json& d) {
         d["events"][0].erase("title");
         d["events"][0].erase("lifetime");
       },
       {P(kE, "/title", "is required"), P(kE, "/lifetime", "is required")}});
  c.push_back({"bad vendor",
               [](json& d) { d["events"][0]["vendors"] = {"x"}; },
               {P(kE, "/vendors/0", kIdProblem)}});
  c.push_back({"root not an object",
               [](json& d) { d = json::array(); },
               {": must be an object"}});
  c.push_back(
      {"several problems at once",
       [](json& d) {
         d["events"][0]["status"] = "sold out";
         d["events"][0]["sets"][1]["price"] = "9,90";
         d["events"][0]["sets"][0]["tickets"][0]["id"] = "zz";
         d["events"][0]["sets"][1]["tickets"][0].erase("seat");
         d["partners"][0]["id"] = nullptr;
       },
       {P("/partners/0", "/id", "is required"),
        P(kE, "/status", "must be one of public, draft, cancelled"),
        P(kFan, "/tickets/0/id", kIdProblem), P(kA2, "/price", kMoneyProblem),
        P(kA2, "/tickets/0/seat", "is required in a set with seats")}});
  return c;
}

TEST(CatalogJsonTest, BadDocumentsListEveryProblemWithItsPointer) {
  const std::vector<BadCase> cases = BadCases();
  ASSERT_GE(cases.size(), 25u);
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    json d = json::parse(testing::kSpecExample);
    c.mutate(d);
    auto doc = ParseCatalogJson(d.dump(), c.limits);
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ErrorMessages(doc.status()),
                UnorderedElementsAreArray(c.messages));
  }
}

TEST(CatalogJsonTest, DeepNestingIsRefusedCleanly) {
  for (const int depth : {65, 1000, 100'000}) {
    SCOPED_TRACE(depth);
    std::string text = "{\"events\": ";
    text.append(static_cast<size_t>(depth), '[');
    text.append(static_cast<size_t>(depth), ']');
    text.append("}");
    auto doc = ParseCatalogJson(text);
    ASSERT_FALSE(doc.ok());
    EXPECT_THAT(ErrorMessages(doc.status()),
                ElementsAre("Malformed JSON: nested deeper than 64 levels"));
  }
  // 64 levels are fine as JSON (the shape is then wrong).
  std::string ok = "{\"x\": ";
  ok.append(63, '[');
  ok.append(63, ']');
  ok.append("}");
  EXPECT_TRUE(ParseCatalogJson(ok).ok());
}

TEST(CatalogJsonTest, OversizedAndBrokenJsonAreRefused) {
  auto big = ParseCatalogJson(testing::kSpecExample, {.max_bytes = 100});
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(ErrorMessages(big.status())[0],
              ::testing::StartsWith("Body too large: "));
  for (const char* text :
       {"", "{", "{\"events\": [}", "nul", "{\"a\": 1, \"a\": 2}", "[1] x"}) {
    SCOPED_TRACE(text);
    auto doc = ParseCatalogJson(text);
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ErrorMessages(doc.status()),
                ElementsAre(::testing::StartsWith("Malformed JSON: ")));
  }
}

TEST(CatalogJsonTest, EmptyDocumentIsValid) {
  auto doc = ParseCatalogJson("{}");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->partners.empty());
  EXPECT_TRUE(doc->events.empty());
}

// Every byte of a valid document, truncated or flipped, gives a clean
// refusal or a document: never a crash (run under ASan in CI).
TEST(CatalogJsonTest, MutatedDocumentsNeverCrash) {
  const std::string base = testing::kSpecExample;
  int refused = 0;
  for (size_t i = 0; i < base.size(); i += 3) {
    std::string cut = base.substr(0, i);
    refused += !ParseCatalogJson(cut).ok();
    std::string flipped = base;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x21);
    (void)ParseCatalogJson(flipped);
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace boxoffice
