// ParseStrictJson: what nlohmann would accept or crash on and the contract
// refuses, each with its exact message.
#include "engine/common/strict_json.h"

#include <string>

#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

using nlohmann::json;

absl::Status Parse(std::string_view text, json* out, int max_depth = 64,
                   size_t max_bytes = size_t{1} << 20) {
  StrictJsonLimits limits;
  limits.max_bytes = max_bytes;
  limits.max_depth = max_depth;
  return ParseStrictJson(text, limits, out);
}

std::string Message(std::string_view text, int max_depth = 64) {
  json out;
  const absl::Status s = Parse(text, &out, max_depth);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
  EXPECT_TRUE(out.is_null()) << "a refused parse leaves no partial DOM";
  return std::string(s.message());
}

TEST(StrictJsonTest, ParsesAnObjectWithEveryKindOfValue) {
  json out;
  ASSERT_TRUE(
      Parse(R"({"a": [1, -2, 3.5, true, false, null, "x\u00e9"], "b": {}})",
            &out)
          .ok());
  ASSERT_TRUE(out.is_object());
  EXPECT_EQ(out["a"].size(), 7u);
  EXPECT_TRUE(out["a"][0].is_number_unsigned());
  EXPECT_TRUE(out["a"][1].is_number_integer());
  EXPECT_EQ(out["a"][1].get<int64_t>(), -2);
  EXPECT_TRUE(out["a"][2].is_number_float());
  EXPECT_EQ(out["a"][6].get<std::string>(), "x\xc3\xa9");
  EXPECT_TRUE(out["b"].is_object());
  EXPECT_TRUE(out["b"].empty());
}

TEST(StrictJsonTest, ScalarsAtTheTopLevelAreValidJson) {
  json out;
  ASSERT_TRUE(Parse("  42 ", &out).ok());
  EXPECT_EQ(out.get<int64_t>(), 42);
  ASSERT_TRUE(Parse("\"s\"", &out).ok());
  EXPECT_EQ(out.get<std::string>(), "s");
  ASSERT_TRUE(Parse("null", &out).ok());
  EXPECT_TRUE(out.is_null());
}

TEST(StrictJsonTest, NestingUpToTheLimitIsAccepted) {
  json out;
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  ASSERT_TRUE(Parse(ok, &out).ok());
  int depth = 0;
  for (const json* p = &out; p->is_array();
       p = p->empty() ? nullptr : &(*p)[0]) {
    ++depth;
    if (p->empty()) break;
  }
  EXPECT_EQ(depth, 64);
}

TEST(StrictJsonTest, OneLevelTooDeepIsRefusedWithTheContractMessage) {
  EXPECT_EQ(Message(std::string(65, '[') + std::string(65, ']')),
            "Malformed JSON: nested deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += "{\"a\":";
  objects += "1" + std::string(65, '}');
  EXPECT_EQ(Message(objects), "Malformed JSON: nested deeper than 64 levels");
  EXPECT_EQ(Message("[[[1]]]", 2),
            "Malformed JSON: nested deeper than 2 levels");
}

// The regression the cap exists for: nlohmann alone recurses once per level
// when such a DOM is copied or dumped; the parse must stop long before.
TEST(StrictJsonTest, HundredThousandLevelsAreRefusedWithoutCrashing) {
  const std::string deep =
      std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_EQ(Message(deep), "Malformed JSON: nested deeper than 64 levels");
  std::string unclosed;
  for (int i = 0; i < 100'000; ++i) unclosed += "{\"k\":[";
  EXPECT_EQ(Message(unclosed), "Malformed JSON: nested deeper than 64 levels");
}

TEST(StrictJsonTest, WrapperLevelsDoNotCountAgainstTheBodyLimit) {
  StrictJsonLimits limits;
  limits.wrapper_levels = 1;
  json out;
  const std::string body64 = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(ParseStrictJson("{\"body\":" + body64 + "}", limits, &out).ok());
  const std::string body65 = std::string(65, '[') + std::string(65, ']');
  const absl::Status s =
      ParseStrictJson("{\"body\":" + body65 + "}", limits, &out);
  EXPECT_EQ(s.message(), "Malformed JSON: nested deeper than 64 levels");
}

TEST(StrictJsonTest, DuplicateKeysAreRefusedNothingSilentlyWins) {
  EXPECT_EQ(Message(R"({"a": 1, "a": 2})"),
            "Malformed JSON: duplicate key \"a\"");
  EXPECT_EQ(Message(R"({"x": {"b": 1, "c": 2, "b": 3}})"),
            "Malformed JSON: duplicate key \"b\"");
  // The same key in sibling objects is no duplicate.
  json out;
  EXPECT_TRUE(Parse(R"([{"a": 1}, {"a": 2}])", &out).ok());
  // Escapes are decoded before comparing: "\u0061" is "a".
  EXPECT_EQ(Message(R"({"a": 1, "\u0061": 2})"),
            "Malformed JSON: duplicate key \"a\"");
}

TEST(StrictJsonTest, NumbersKeepTheirKind) {
  json out;
  // 2^64 + 1 does not fit uint64: it becomes a double, which callers that
  // need an exact integer refuse by its type.
  ASSERT_TRUE(Parse("18446744073709551617", &out).ok());
  EXPECT_TRUE(out.is_number_float());
  // 2^63 fits only uint64: get<int64_t>() would wrap, so callers must look
  // at the type first.
  ASSERT_TRUE(Parse("9223372036854775808", &out).ok());
  EXPECT_TRUE(out.is_number_unsigned());
  EXPECT_EQ(out.get<uint64_t>(), uint64_t{1} << 63);
  ASSERT_TRUE(Parse("-0", &out).ok());
  EXPECT_TRUE(out.is_number_integer());
  EXPECT_EQ(out.get<int64_t>(), 0);
  ASSERT_TRUE(Parse("1.5", &out).ok());
  EXPECT_TRUE(out.is_number_float());
  ASSERT_TRUE(Parse("1e2", &out).ok());
  EXPECT_TRUE(out.is_number_float());
}

TEST(StrictJsonTest, NumbersBeyondADoubleAreRefused) {
  EXPECT_EQ(Message("1e400"),
            "Malformed JSON: number out of range of a double at byte 5");
  EXPECT_EQ(Message(R"({"n": -1e400})"),
            "Malformed JSON: number out of range of a double at byte 12");
}

TEST(StrictJsonTest, InvalidUnicodeIsRefused) {
  EXPECT_EQ(Message("\"\\ud800\""),
            "Malformed JSON: lone surrogate in a string at byte 8");
  EXPECT_EQ(Message("\"\\udc00\""),
            "Malformed JSON: lone surrogate in a string at byte 7");
  EXPECT_EQ(Message("\"\\ud800\\u0041\""),
            "Malformed JSON: lone surrogate in a string at byte 13");
  EXPECT_EQ(Message("\"\xff\""), "Malformed JSON: invalid UTF-8 at byte 2");
  EXPECT_EQ(Message("{\"a\": \"ok\xc3\"}"),
            "Malformed JSON: invalid UTF-8 at byte 11");
  // Overlong encoding of '/'.
  EXPECT_EQ(Message("\"\xc0\xaf\""), "Malformed JSON: invalid UTF-8 at byte 2");
  // A surrogate pair is fine.
  json out;
  ASSERT_TRUE(Parse("\"\\ud83d\\ude00\"", &out).ok());
  EXPECT_EQ(out.get<std::string>(), "\xf0\x9f\x98\x80");
}

TEST(StrictJsonTest, EmptyTrailingAndTruncatedInputIsRefused) {
  EXPECT_EQ(Message(""), "Malformed JSON: empty input");
  EXPECT_EQ(Message(" \n\t"), "Malformed JSON: empty input");
  EXPECT_EQ(Message("{} x"),
            "Malformed JSON: trailing characters after the value at byte 4");
  EXPECT_EQ(Message("{}{}"),
            "Malformed JSON: trailing characters after the value at byte 3");
  EXPECT_EQ(Message("{\"a\": 1"),
            "Malformed JSON: unexpected end of input at byte 8");
  EXPECT_EQ(
      Message("\"a\nb\""),
      "Malformed JSON: unescaped control character in a string at byte 3");
  EXPECT_EQ(Message(std::string("{\"a\"\0:1}", 8)),
            "Malformed JSON: NUL byte at byte 5");
  // nlohmann alone would stop at the NUL and accept "{}".
  EXPECT_EQ(Message(std::string("{}\0garbage", 10)),
            "Malformed JSON: NUL byte at byte 3");
  EXPECT_EQ(Message(std::string("\"a\0\"", 4)),
            "Malformed JSON: NUL byte at byte 3");
  EXPECT_EQ(Message("{'a': 1}").rfind("Malformed JSON: syntax error", 0), 0u);
  EXPECT_EQ(Message("[1,]").rfind("Malformed JSON: syntax error", 0), 0u);
  EXPECT_EQ(Message("// c\n{}").rfind("Malformed JSON: syntax error", 0), 0u);
}

TEST(StrictJsonTest, MessagesNeverCarryRawBytes) {
  const std::string m = Message("{\"\xff\xfe\": tru\xff}");
  for (const char c : m) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    EXPECT_LT(static_cast<unsigned char>(c), 0x7f);
  }
  const std::string k = Message("{\"\x01\\u00ff\": 1, \"\x01\\u00ff\": 2}");
  EXPECT_EQ(
      k, "Malformed JSON: unescaped control character in a string at byte 3");
}

TEST(StrictJsonTest, OversizeTextIsRefusedBeforeParsing) {
  json out;
  const absl::Status s = Parse("[1, 2, 3]", &out, 64, 8);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Body too large: 9 bytes, at most 8");
  EXPECT_TRUE(Parse("[1, 2, 3]", &out, 64, 9).ok());
}

}  // namespace
}  // namespace boxoffice::internal
