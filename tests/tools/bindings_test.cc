#include "tools/replay/bindings.h"

#include <string>

#include "gtest/gtest.h"

namespace boxoffice::replay {
namespace {

using json = nlohmann::json;

class BindingsTest : public ::testing::Test {
 protected:
  BindingsTest() {
    b_.Bind("order", "5d7134962110d30a34e95b96");
    b_.Bind("n", 42);
    b_.Bind("obj", json::parse(R"({"a": [1, 2]})"));
    b_.Bind("nothing", nullptr);
    b_.Bind("tricky", "${n}");
  }

  json Sub(const char* text) {
    json v = json::parse(text);
    absl::Status s = b_.Substitute(&v);
    EXPECT_TRUE(s.ok()) << s;
    return v;
  }

  Bindings b_;
};

TEST_F(BindingsTest, StringInsertedAsIs) {
  EXPECT_EQ(Sub(R"("/v2/resources/orders/${order}")"),
            json("/v2/resources/orders/5d7134962110d30a34e95b96"));
  EXPECT_EQ(Sub(R"("${order}")"), json("5d7134962110d30a34e95b96"));
}

TEST_F(BindingsTest, OtherValuesInsertedAsJsonText) {
  EXPECT_EQ(Sub(R"("n=${n}, obj=${obj}")"), json(R"(n=42, obj={"a":[1,2]})"));
  EXPECT_EQ(Sub(R"("x${nothing}")"), json("xnull"));
}

TEST_F(BindingsTest, WholeStringBecomesTheValue) {
  EXPECT_EQ(Sub(R"({"count": "${n}"})"), json::parse(R"({"count": 42})"));
  EXPECT_EQ(Sub(R"(["${obj}"])"), json::parse(R"([{"a": [1, 2]}])"));
  EXPECT_EQ(Sub(R"("${nothing}")"), json(nullptr));
}

TEST_F(BindingsTest, ObjectKeysAreSubstituted) {
  EXPECT_EQ(
      Sub(R"({"random": {"${order}": 2}, "k${n}": "${n}"})"),
      json::parse(R"({"random": {"5d7134962110d30a34e95b96": 2}, "k42": 42})"));
  // A whole key bound to a number becomes its text: keys are strings.
  EXPECT_EQ(Sub(R"({"${n}": true})"), json::parse(R"({"42": true})"));
}

TEST_F(BindingsTest, InsertedValuesAreNotScannedAgain) {
  EXPECT_EQ(Sub(R"("${tricky}")"), json("${n}"));
}

TEST_F(BindingsTest, NotANameIsLiteral) {
  EXPECT_EQ(Sub(R"("${} ${no spaces} ${a/b} $n {n} ${unclosed")"),
            json("${} ${no spaces} ${a/b} $n {n} ${unclosed"));
  EXPECT_EQ(Sub(R"("${bad name} ${n}")"), json("${bad name} 42"));
}

TEST_F(BindingsTest, DeepStructures) {
  json v = "${n}";
  for (int i = 0; i < 5'000; ++i) v = json::array({std::move(v)});
  ASSERT_TRUE(b_.Substitute(&v).ok());
  const json* p = &v;
  for (int i = 0; i < 5'000; ++i) p = &(*p)[0];
  EXPECT_EQ(*p, json(42));
}

TEST_F(BindingsTest, UnboundNameIsAnError) {
  json v = json::parse(R"({"path": "/orders/${missing}"})");
  absl::Status s = b_.Substitute(&v);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "unbound name ${missing}");
  json key = json::parse(R"({"${missing}": 1})");
  EXPECT_EQ(b_.Substitute(&key).message(), "unbound name ${missing}");
  json whole = json("${missing}");
  EXPECT_EQ(b_.Substitute(&whole).message(), "unbound name ${missing}");
}

TEST_F(BindingsTest, UnbindForgets) {
  b_.Unbind("order");
  EXPECT_EQ(b_.Find("order"), nullptr);
  json v = "${order}";
  EXPECT_FALSE(b_.Substitute(&v).ok());
  b_.Bind("order", "again");
  EXPECT_EQ(Sub(R"("${order}")"), json("again"));
}

TEST(NameTest, Validity) {
  EXPECT_TRUE(IsValidName("order"));
  EXPECT_TRUE(IsValidName("a.b-c_9"));
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName("a b"));
  EXPECT_FALSE(IsValidName("a/b"));
  EXPECT_FALSE(IsValidName(std::string(65, 'x')));
  EXPECT_TRUE(IsValidName(std::string(64, 'x')));
}

}  // namespace
}  // namespace boxoffice::replay
