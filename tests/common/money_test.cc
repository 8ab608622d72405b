#include "boxoffice/money.h"

#include "gtest/gtest.h"

namespace boxoffice {
namespace {

TEST(MoneyTest, ParsesTwoPlaces) {
  EXPECT_EQ(ParseMoney("5600.00")->minor, 560000);
  EXPECT_EQ(ParseMoney("5600")->minor, 560000);
  EXPECT_EQ(ParseMoney("0.5")->minor, 50);
  EXPECT_EQ(ParseMoney("0.05")->minor, 5);
  EXPECT_EQ(ParseMoney("0")->minor, 0);
}

TEST(MoneyTest, RefusesEverythingElse) {
  for (const char* bad :
       {"", "-1.00", "+1", "1.005", "1e3", " 1", "1 ", ".5", "5.", "1,00",
        "abc", "NaN", "10000000000000.01", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseMoney(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseMoney("10000000000000.00").ok());  // exactly kMaxMinor
}

TEST(MoneyTest, Formats) {
  EXPECT_EQ(FormatMoney(Money{560000}), "5600.00");
  EXPECT_EQ(FormatMoney(Money{5}), "0.05");
  EXPECT_EQ(FormatMoney(Money{0}), "0.00");
  EXPECT_EQ(FormatMoney(Money{-150}), "-1.50");
}

TEST(MoneyTest, PercentRoundsHalfUp) {
  // Reference 003: 10% of 5600.00 is 560.00; of 990.00, 99.00.
  EXPECT_EQ(ApplyPercent(Money{560000}, *ParsePercent("10")).minor, 56000);
  EXPECT_EQ(ApplyPercent(Money{99000}, *ParsePercent("10")).minor, 9900);
  // 2.5% of 0.20 = 0.005 -> 0.01 (half up); of 0.19 = 0.00475 -> 0.00.
  EXPECT_EQ(ApplyPercent(Money{20}, *ParsePercent("2.5")).minor, 1);
  EXPECT_EQ(ApplyPercent(Money{19}, *ParsePercent("2.5")).minor, 0);
  EXPECT_EQ(ApplyPercent(Money{Money::kMaxMinor}, *ParsePercent("1000")).minor,
            Money::kMaxMinor * 10);
  EXPECT_EQ(FormatPercent(*ParsePercent("12.50")), "12.5");
  EXPECT_FALSE(ParsePercent("1000.01").ok());
  EXPECT_FALSE(ParsePercent("10%").ok());
}

}  // namespace
}  // namespace boxoffice
