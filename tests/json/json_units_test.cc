// Unit tests of the adapter's pieces that need no engine: the writer, the
// route table, the query parser and the request decoders.
#include <string>

#include "absl/time/civil_time.h"
#include "engine/common/strict_json.h"
#include "engine/json/json_writer.h"
#include "engine/json/request_decoder.h"
#include "engine/json/route.h"
#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

using nlohmann::json;

json Parse(std::string_view text) {
  json out;
  StrictJsonLimits limits;
  const absl::Status s = ParseStrictJson(text, limits, &out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonWriterTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Quoted(std::string("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(Quoted("\xd0\xa4\xd0\xb0\xd0\xbd"),
            "\"\xd0\xa4\xd0\xb0\xd0\xbd\"");  // Фан
  EXPECT_EQ(Quoted("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(Quoted("/"), "\"/\"");
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(Quoted("a\xff"
                   "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(Quoted("\xc3"), "\"\xef\xbf\xbd\"");                  // truncated
  EXPECT_EQ(Quoted("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // overlong
  EXPECT_EQ(Quoted("\xed\xa0\x80"),
            "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");       // surrogate
  EXPECT_EQ(Quoted("\xf4\x90\x80\x80").size(), 2u + 4u * 3u);  // > U+10FFFF
  // Whatever the bytes, the result parses as strict JSON.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(Parse(Quoted(all)).get<std::string>().size(),
            128u + 1u * 0 + 128u * 3u);
}

TEST(JsonWriterTest, WritesNestedValuesWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.Int(-2);
  w.Int(INT64_MIN);
  w.Null();
  w.Bool(true);
  w.EndArray();
  w.Key("m");
  w.MoneyString(Money{560000});
  w.Key("e");
  w.BeginObject();
  w.EndObject();
  w.EndObject();
  EXPECT_TRUE(w.Complete());
  EXPECT_EQ(
      out,
      R"({"a":[1,-2,-9223372036854775808,null,true],"m":"5600.00","e":{}})");
  EXPECT_TRUE(Parse(out).is_object());
}

TEST(JsonWriterTest, TimesInBothFormats) {
  const absl::Time t =
      absl::FromCivil(absl::CivilSecond(2016, 1, 26, 13, 29, 12),
                      absl::UTCTimeZone()) +
      absl::Microseconds(624000);
  std::string v1, v2;
  AppendTimeV1(t, &v1);
  AppendTimeV2(t, &v2);
  EXPECT_EQ(v1, "\"2016-01-26T13:29:12.624000+00:00\"");
  EXPECT_EQ(v2, "\"2016-01-26 13:29:12\"");
  std::string e;
  AppendTimeV1(absl::UnixEpoch() + absl::Microseconds(7), &e);
  EXPECT_EQ(e, "\"1970-01-01T00:00:00.000007+00:00\"");
}

TEST(RouteTest, TheTable) {
  EXPECT_EQ(MatchRoute("POST", "/v1/resources/orders").kind,
            RouteKind::kCreateV1);
  EXPECT_EQ(MatchRoute("GET", "/v1/resources/orders/abc").kind,
            RouteKind::kGetV1);
  EXPECT_EQ(MatchRoute("GET", "/v1/resources/orders/abc").id, "abc");
  EXPECT_EQ(MatchRoute("PATCH", "/v1/resources/orders/abc").kind,
            RouteKind::kPatchV1);
  EXPECT_EQ(MatchRoute("DELETE", "/v1/resources/orders/abc").kind,
            RouteKind::kDeleteV1);
  EXPECT_EQ(MatchRoute("POST", "/v2/resources/orders").kind,
            RouteKind::kCreateV2);
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/orders?page=2").kind,
            RouteKind::kListV2);
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/orders?page=2").query, "page=2");
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/orders/x?y").kind,
            RouteKind::kGetV2);
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/orders/x?y").id, "x");
  EXPECT_EQ(MatchRoute("PATCH", "/v2/resources/orders/x").kind,
            RouteKind::kPatchV2);
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/events").kind,
            RouteKind::kEventsV2);
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/events/e/seats").kind,
            RouteKind::kSeatsV2);
  EXPECT_EQ(MatchRoute("GET", "/v2/resources/events/e/seats").id, "e");
  EXPECT_EQ(MatchRoute("POST", "/v2/admin/catalog").kind,
            RouteKind::kAdminCatalog);
}

TEST(RouteTest, WrongMethodsAndUnknownPaths) {
  EXPECT_EQ(MatchRoute("PUT", "/v1/resources/orders").kind,
            RouteKind::kMethodNotAllowed);
  EXPECT_EQ(MatchRoute("GET", "/v1/resources/orders").kind,
            RouteKind::kMethodNotAllowed);
  EXPECT_EQ(MatchRoute("DELETE", "/v2/resources/orders/x").kind,
            RouteKind::kMethodNotAllowed);
  EXPECT_EQ(MatchRoute("get", "/v2/resources/events").kind,
            RouteKind::kMethodNotAllowed);
  EXPECT_EQ(MatchRoute("GET", "/v2/admin/catalog").kind,
            RouteKind::kMethodNotAllowed);
  EXPECT_EQ(MatchRoute("POST", "/v2/resources/events").kind,
            RouteKind::kMethodNotAllowed);
  for (const char* path :
       {"", "/", "v1/resources/orders", "/v1/resources/orders/",
        "/v1/resources//orders", "/v3/resources/orders",
        "/v1/resources/orders/a/b", "/v2/resources/events/e",
        "/v2/resources/events/e/seat", "/v1/resources/events",
        "/v2/admin/catalog/x", "/v1/admin/catalog", "/a/b/c/d/e/f/g"}) {
    EXPECT_EQ(MatchRoute("GET", path).kind, RouteKind::kNotFound) << path;
    EXPECT_EQ(MatchRoute("POST", path).kind, RouteKind::kNotFound) << path;
  }
}

TEST(RouteTest, QueryPairsArePercentDecoded) {
  const auto pairs = ParseQuery("a=1&b=x%20y+z&&c&d=%zz&e=%4");
  ASSERT_EQ(pairs.size(), 5u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>("a", "1")));
  EXPECT_EQ(pairs[1].second, "x y z");
  EXPECT_EQ(pairs[2], (std::pair<std::string, std::string>("c", "")));
  EXPECT_EQ(pairs[3].second, "%zz");
  EXPECT_EQ(pairs[4].second, "%4");
  EXPECT_EQ(ParseQuery("a=1&a=2&a=3", 2).size(), 2u);
}

TEST(DecoderTest, ExactIntegers) {
  EXPECT_EQ(ExactNonNegativeInteger(Parse("0")), 0);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("-0")), 0);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("9007199254740992")),
            kMaxExactInteger);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("9007199254740993")), std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("9223372036854775808")),
            std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("18446744073709551615")),
            std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("18446744073709551617")),
            std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("-1")), std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("1.5")), std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("1.0")), std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("1e2")), std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("\"2\"")), std::nullopt);
  EXPECT_EQ(ExactNonNegativeInteger(Parse("true")), std::nullopt);
}

constexpr char kSet[] = "5d7135112110d30a34e97e2d";
constexpr char kEvent[] = "5d7134962110d30a34e95b96";

std::vector<std::string> CreateErrors(std::string_view body,
                                      CreateOrderRequest* out) {
  std::vector<std::string> errors;
  DecodeCreate(Parse(body), out, &errors);
  return errors;
}

TEST(DecoderTest, CreateReadsEveryField) {
  CreateOrderRequest r;
  const auto errors = CreateErrors(
      std::string(R"({"event": ")") + kEvent + R"(", "random": {")" + kSet +
          R"(": 2}, "tickets": [")" + kSet + R"("], "all_or_nothing": "true",
          "promocodes": ["Spring"], "customer": {"lang": "ru"}, "unknown": [1]})",
      &r);
  EXPECT_TRUE(errors.empty());
  ASSERT_TRUE(r.event.has_value());
  EXPECT_EQ(r.event->ToString(), kEvent);
  ASSERT_EQ(r.random.size(), 1u);
  EXPECT_EQ(r.random[0].count, 2);
  EXPECT_EQ(r.tickets.size(), 1u);
  EXPECT_TRUE(r.all_or_nothing);
  EXPECT_EQ(r.promocodes, std::vector<std::string>{"Spring"});
  EXPECT_EQ(r.customer_json, R"({"lang":"ru"})");
}

TEST(DecoderTest, CreateListsEveryProblem) {
  CreateOrderRequest r;
  const auto errors = CreateErrors(
      std::string(R"({"event": 5, "random": {")") + kSet +
          R"(": 1.5, "zz": 1}, "all_or_nothing": 1, "promocodes": "x", "customer": []})",
      &r);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "Field event must be an event id",
                        std::string("Field random.") + kSet +
                            " must be a non-negative integer",
                        "Set zz not found",
                        "Field all_or_nothing must be true or false",
                        "Field promocodes must be a list of codes",
                        "Field customer must be an object"}));
  EXPECT_EQ(CreateErrors("{}", &r),
            std::vector<std::string>{"Field event must be an event id"});
  EXPECT_EQ(CreateErrors(R"({"tickets": []})", &r),
            std::vector<std::string>{"Field event must be an event id"});
  EXPECT_EQ(CreateErrors(R"({"tickets": ["x", 1]})", &r),
            (std::vector<std::string>{"Field tickets.0 must be a ticket id",
                                      "Field tickets.1 must be a ticket id"}));
}

TEST(DecoderTest, ChangeStatusSpellings) {
  ChangeOrderRequest r;
  std::vector<std::string> errors;
  DecodeChange(Parse(R"({"status": "canceled"})"), ApiVersion::kV1, &r,
               &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(r.status, OrderStatus::kCancelled);
  DecodeChange(Parse(R"({"status": "canceled"})"), ApiVersion::kV2, &r,
               &errors);
  DecodeChange(Parse(R"({"status": "expired"})"), ApiVersion::kV2, &r, &errors);
  DecodeChange(Parse(R"({"status": 1})"), ApiVersion::kV2, &r, &errors);
  EXPECT_EQ(errors.size(), 3u);
  for (const auto& e : errors) {
    EXPECT_EQ(
        e,
        "Field status must be one of executed, in_progress, done, cancelled");
  }
  errors.clear();
  DecodeChange(
      Parse(R"({"payment": {"system": "vk", "success_url": 1}, "random": {}})"),
      ApiVersion::kV2, &r, &errors);
  EXPECT_EQ(
      errors,
      std::vector<std::string>{
          "Field payment.success_url must be a string of at most 4096 bytes"});
  errors.clear();
  DecodeChange(
      Parse(R"({"payment": {"system": "vk"}, "random": {}, "tickets": []})"),
      ApiVersion::kV2, &r, &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_TRUE(r.payment.has_value());
  EXPECT_EQ(r.payment->system, "vk");
  EXPECT_FALSE(r.payment->success_url.has_value());
  ASSERT_TRUE(r.random.has_value());
  EXPECT_TRUE(r.random->empty());
  ASSERT_TRUE(r.tickets.has_value());
  EXPECT_FALSE(r.promocodes.has_value());
  EXPECT_FALSE(r.status.has_value());
}

}  // namespace
}  // namespace boxoffice::internal

namespace boxoffice::internal {
namespace {

// The writer's own calendar arithmetic against Abseil's, over dates from
// 1900 to 2200 (leap years, century rules, month ends) and times before 1970.
TEST(JsonWriterTest, TimesAgreeWithAbseilEverywhere) {
  const absl::Time from = absl::FromCivil(
      absl::CivilSecond(1900, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  const absl::Time to = absl::FromCivil(absl::CivilSecond(2200, 1, 1, 0, 0, 0),
                                        absl::UTCTimeZone());
  int checked = 0;
  // A step that is not a whole number of days walks through every time of
  // day and every day of the month.
  for (absl::Time t = from; t < to;
       t += absl::Hours(37) + absl::Seconds(17) + absl::Microseconds(3)) {
    std::string ours;
    AppendTimeV1(t, &ours);
    const std::string theirs =
        "\"" +
        absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", t, absl::UTCTimeZone()) +
        "\"";
    ASSERT_EQ(ours, theirs);
    ++checked;
  }
  EXPECT_GT(checked, 70'000);
  std::string v2;
  AppendTimeV2(absl::FromCivil(absl::CivilSecond(2000, 2, 29, 23, 59, 59),
                               absl::UTCTimeZone()) +
                   absl::Microseconds(999'999),
               &v2);
  EXPECT_EQ(v2, "\"2000-02-29 23:59:59\"");
}

}  // namespace
}  // namespace boxoffice::internal
