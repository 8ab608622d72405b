#include "boxoffice/money.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace boxoffice {
namespace {

// Parses digits[.d[d]] into hundredths; no sign, no exponent. `max` bounds
// the result so that the caller's arithmetic cannot overflow.
bool ParseFixed2(std::string_view text, int64_t max, int64_t* out) {
  if (text.empty() || text.size() > 24) return false;
  int64_t whole = 0;
  size_t i = 0;
  bool any_digit = false;
  for (; i < text.size() && text[i] != '.'; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    if (whole > (max / 100 + 1)) return false;  // bounded loop: overflow guard
    whole = whole * 10 + (c - '0');
    any_digit = true;
  }
  if (!any_digit) return false;
  int64_t frac = 0;
  if (i < text.size()) {  // at '.'
    const std::string_view f = text.substr(i + 1);
    if (f.empty() || f.size() > 2) return false;
    for (char c : f) {
      if (c < '0' || c > '9') return false;
      frac = frac * 10 + (c - '0');
    }
    if (f.size() == 1) frac *= 10;
  }
  if (whole > max / 100) return false;
  const int64_t value = whole * 100 + frac;
  if (value > max) return false;
  *out = value;
  return true;
}

}  // namespace

absl::StatusOr<Money> ParseMoney(std::string_view text) {
  int64_t v = 0;
  if (!ParseFixed2(text, Money::kMaxMinor, &v)) {
    return absl::InvalidArgumentError(
        "must be a decimal string with at most two places");
  }
  return Money{v};
}

void AppendMoney(Money m, std::string* out) {
  uint64_t v;
  if (m.minor < 0) {
    out->push_back('-');
    v = 0 - static_cast<uint64_t>(m.minor);
  } else {
    v = static_cast<uint64_t>(m.minor);
  }
  absl::StrAppend(out, v / 100, ".");
  const unsigned cents = static_cast<unsigned>(v % 100);
  out->push_back(static_cast<char>('0' + cents / 10));
  out->push_back(static_cast<char>('0' + cents % 10));
}

std::string FormatMoney(Money m) {
  std::string s;
  AppendMoney(m, &s);
  return s;
}

absl::StatusOr<Percent> ParsePercent(std::string_view text) {
  int64_t v = 0;
  if (!ParseFixed2(text, 100'000, &v)) {
    return absl::InvalidArgumentError(
        "must be a decimal percentage from 0 to 1000 with at most two places");
  }
  return Percent{static_cast<int32_t>(v)};
}

std::string FormatPercent(Percent p) {
  std::string s = absl::StrCat(p.hundredths / 100);
  const int frac = p.hundredths % 100;
  if (frac != 0) {
    s.push_back('.');
    s.push_back(static_cast<char>('0' + frac / 10));
    if (frac % 10 != 0) s.push_back(static_cast<char>('0' + frac % 10));
  }
  return s;
}

Money ApplyPercent(Money amount, Percent p) {
  // amount * (hundredths / 100) / 100 = amount * hundredths / 10000,
  // rounded half up (amounts here are never negative; a negative one is
  // rounded half away from zero, symmetrically).
  const __int128 num = static_cast<__int128>(amount.minor) * p.hundredths;
  const __int128 den = 10000;
  const __int128 q =
      num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
  return Money{static_cast<int64_t>(q)};
}

}  // namespace boxoffice
