// Money and percentages as exact integers. Money is never held in floating
// point: amounts are integer minor units (kopecks, cents), percentages are
// integer hundredths of a percent ("10" -> 1000, "2.5" -> 250).
//
// Thread-safety: value types and pure functions.
#ifndef BOXOFFICE_MONEY_H_
#define BOXOFFICE_MONEY_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace boxoffice {

struct Money {
  int64_t minor = 0;  // hundredths of the currency unit

  // The largest amount accepted from input: 10^13 units, so that sums of
  // max_tickets_per_order tickets and fee products fit in int64 with room.
  static constexpr int64_t kMaxMinor = 1'000'000'000'000'000;

  friend Money operator+(Money a, Money b) { return Money{a.minor + b.minor}; }
  friend Money operator-(Money a, Money b) { return Money{a.minor - b.minor}; }
  Money& operator+=(Money o) {
    minor += o.minor;
    return *this;
  }
  friend bool operator==(Money, Money) = default;
  friend auto operator<=>(Money, Money) = default;
};

// Parses a non-negative decimal string with at most two places ("5600.00",
// "5600", "0.5"). No sign, exponent, spaces or more than kMaxMinor.
absl::StatusOr<Money> ParseMoney(std::string_view text);
// Always two places: Money{560000} -> "5600.00"; negative amounts get '-'.
std::string FormatMoney(Money m);
void AppendMoney(Money m, std::string* out);

// A percentage in hundredths of a percent, 0..100000 (0%..1000%).
struct Percent {
  int32_t hundredths = 0;
  friend bool operator==(Percent, Percent) = default;
};
// Parses "10", "2.5", "12.75" (bare number, at most two places).
absl::StatusOr<Percent> ParsePercent(std::string_view text);
// "10", "2.5": the shortest exact form.
std::string FormatPercent(Percent p);

// amount * p / 100, rounded half up to the minor unit (exact, 128-bit math).
Money ApplyPercent(Money amount, Percent p);

}  // namespace boxoffice

#endif  // BOXOFFICE_MONEY_H_
