#include "tools/replay/pattern.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace boxoffice::replay {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::Field;

std::vector<Mismatch> Diff(const char* pattern, const char* actual) {
  std::vector<Mismatch> out;
  const json p = json::parse(pattern);
  const json a = json::parse(actual);
  const bool ok = MatchPattern(p, &a, &out);
  EXPECT_EQ(ok, out.empty());
  return out;
}

bool Matches(const char* pattern, const char* actual) {
  return Diff(pattern, actual).empty();
}

TEST(PatternTest, ObjectsArePartial) {
  EXPECT_TRUE(Matches(R"({"a": 1})", R"({"a": 1, "b": 2})"));
  EXPECT_TRUE(Matches(R"({})", R"({"a": 1})"));
  EXPECT_FALSE(Matches(R"({"c": 1})", R"({"a": 1})"));
  EXPECT_FALSE(Matches(R"({"a": 1})", R"([1])"));
}

TEST(PatternTest, ArraysHaveExactLength) {
  EXPECT_TRUE(Matches(R"([1, 2])", R"([1, 2])"));
  EXPECT_FALSE(Matches(R"([1, 2])", R"([1, 2, 3])"));
  EXPECT_FALSE(Matches(R"([1, 2])", R"([1])"));
  EXPECT_FALSE(Matches(R"([])", R"([1])"));
  EXPECT_TRUE(Matches(R"([])", R"([])"));
  EXPECT_FALSE(Matches(R"([2, 1])", R"([1, 2])"));  // order matters
  // Objects inside arrays are partial too.
  EXPECT_TRUE(Matches(R"([{"id": "x"}])", R"([{"id": "x", "more": true}])"));
}

TEST(PatternTest, NumbersCompareByValue) {
  EXPECT_TRUE(Matches("201", "201"));
  EXPECT_TRUE(Matches("2", "2.0"));
  EXPECT_TRUE(Matches("2.0", "2"));
  EXPECT_TRUE(Matches("-3", "-3.0"));
  EXPECT_FALSE(Matches("2", "3"));
  EXPECT_FALSE(Matches("-1", "18446744073709551615"));
  EXPECT_TRUE(Matches("18446744073709551615", "18446744073709551615"));
  EXPECT_FALSE(Matches("1", "\"1\""));
  EXPECT_FALSE(Matches("0.5", "0.25"));
}

TEST(PatternTest, BooleansEqualOnlyBooleans) {
  EXPECT_TRUE(Matches("true", "true"));
  EXPECT_FALSE(Matches("true", "1"));
  EXPECT_FALSE(Matches("1", "true"));
  EXPECT_FALSE(Matches("false", "0"));
  EXPECT_FALSE(Matches("false", "null"));
  EXPECT_FALSE(Matches("true", "\"true\""));
}

TEST(PatternTest, NullAndStrings) {
  EXPECT_TRUE(Matches("null", "null"));
  EXPECT_FALSE(Matches("null", "0"));
  EXPECT_FALSE(Matches("null", "{}"));
  EXPECT_TRUE(Matches(R"("Тест")", R"("Тест")"));
  EXPECT_FALSE(Matches(R"("a")", R"("A")"));
}

TEST(PatternTest, AnyMatchesEveryPresentValue) {
  for (const char* v :
       {"null", "0", "false", "\"\"", "[]", "{}", "{\"x\": [1]}"}) {
    EXPECT_TRUE(Matches(R"({"k": "$any"})",
                        (std::string(R"({"k": )") + v + "}").c_str()))
        << v;
  }
  EXPECT_FALSE(Matches(R"({"k": "$any"})", R"({})"));
  EXPECT_TRUE(Matches(R"(["$any", "$any"])", R"([1, {"a": 2}])"));
  EXPECT_FALSE(Matches(R"(["$any", "$any"])", R"([1])"));
  EXPECT_TRUE(Matches(R"("$any")", R"({"whole": "body"})"));
}

TEST(PatternTest, AbsentMatchesOnlyAMissingKey) {
  EXPECT_TRUE(Matches(R"({"code": "$absent"})", R"({"id": 1})"));
  EXPECT_FALSE(Matches(R"({"code": "$absent"})", R"({"code": null})"));
  EXPECT_FALSE(Matches(R"({"code": "$absent"})", R"({"code": "abc"})"));
  // As an array element it stands for a present value, so it never matches.
  EXPECT_FALSE(Matches(R"(["$absent"])", R"([1])"));
}

TEST(PatternTest, ReportsPathExpectedAndActual) {
  const auto diff = Diff(
      R"({"data": {"status": "done", "tickets": [{"status": "sold"}]},
                             "gone": "$absent", "here": "$any", "x/y": 1})",
      R"({"data": {"status": "executed", "tickets": [{"status": "reserved"}]},
                             "gone": 5, "x/y": 2})");
  ASSERT_EQ(diff.size(), 5u);
  EXPECT_EQ(diff[0].path, "/data/status");
  EXPECT_EQ(diff[0].expected, "\"done\"");
  EXPECT_EQ(diff[0].actual, "\"executed\"");
  EXPECT_EQ(diff[1].path, "/data/tickets/0/status");
  EXPECT_EQ(diff[1].actual, "\"reserved\"");
  EXPECT_EQ(diff[2].path, "/gone");
  EXPECT_EQ(diff[2].expected, "\"$absent\"");
  EXPECT_EQ(diff[2].actual, "5");
  EXPECT_EQ(diff[3].path, "/here");
  EXPECT_EQ(diff[3].actual, "absent");
  EXPECT_EQ(diff[4].path, "/x~1y");  // RFC 6901 escaping
}

TEST(PatternTest, ArrayLengthMismatchReportsTheArray) {
  const auto diff =
      Diff(R"({"tickets": ["$any", "$any"]})", R"({"tickets": ["a"]})");
  EXPECT_THAT(
      diff, ElementsAre(AllOf(Field(&Mismatch::path, "/tickets"),
                              Field(&Mismatch::expected, R"(["$any","$any"])"),
                              Field(&Mismatch::actual, R"(["a"])"))));
}

TEST(PatternTest, AbsentBodyIsReported) {
  std::vector<Mismatch> out;
  EXPECT_FALSE(MatchPattern(json::parse("{}"), nullptr, &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].path, "");
  EXPECT_EQ(out[0].actual, "absent");
}

TEST(PatternTest, ReportIsBounded) {
  json pattern = json::array();
  json actual = json::array();
  for (int i = 0; i < 100; ++i) {
    pattern.push_back(i);
    actual.push_back(i + 1);
  }
  std::vector<Mismatch> out;
  EXPECT_FALSE(MatchPattern(pattern, &actual, &out, 3));
  EXPECT_EQ(out.size(), 3u);
}

TEST(PatternTest, DeepNestingNeedsNoRecursion) {
  // 10,000 levels: a recursive matcher would risk the stack under sanitizers.
  json p = 1;
  json a = 1;
  for (int i = 0; i < 10'000; ++i) {
    p = json::array({std::move(p)});
    a = json::array({std::move(a)});
  }
  std::vector<Mismatch> out;
  EXPECT_TRUE(MatchPattern(p, &a, &out));
}

TEST(PatternTest, ShortJsonCuts) {
  EXPECT_EQ(ShortJson(json("abcdefgh"), 4), "\"abc...");
  EXPECT_EQ(ShortJson(json::parse(R"({"a":[1,2]})")), R"({"a":[1,2]})");
}

}  // namespace
}  // namespace boxoffice::replay
