#include "engine/json/json_writer.h"

#include <string>

namespace boxoffice::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence starting at s[i], or 0 when the
// bytes there are not one (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const size_t left = s.size() - i;
  const auto cont = [&](size_t k) { return (b(k) & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) {
    return left >= 2 && cont(i + 1) ? 2 : 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xe0 && b(i + 1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(i + 1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xf0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void Append2(int v, std::string* out) {
  BOXOFFICE_DCHECK(v >= 0 && v < 100);
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

// Floor division and modulo for possibly negative times (before 1970).
int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Writes the UTC date and time of `t` as "YYYY-MM-DD<sep>HH:MM:SS" and
// returns the microseconds within the second (0..999999). The civil date
// comes from Howard Hinnant's days-to-civil algorithm (proleptic
// Gregorian, exact for every int64 day count reached here): cheaper than a
// time-zone library call on every time of every answer.
int64_t AppendCivil(absl::Time t, char sep, std::string* out) {
  const int64_t us = absl::ToUnixMicros(t);  // saturates at the int64 ends
  const int64_t secs = FloorDiv(us, 1'000'000);
  const int64_t micros = us - secs * 1'000'000;
  const int64_t days = FloorDiv(secs, 86'400);
  const int64_t sod = secs - days * 86'400;
  const int64_t z = days + 719'468;
  const int64_t era = FloorDiv(z, 146'097);
  const int64_t doe = z - era * 146'097;  // [0, 146096]
  const int64_t yoe =
      (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;     // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);     // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                          // [0, 11]
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);  // [1, 31]
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);   // [1, 12]
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  BOXOFFICE_DCHECK(micros >= 0 && micros < 1'000'000);
  BOXOFFICE_DCHECK(sod >= 0 && sod < 86'400);
  // Years outside 0..9999 cannot come from the catalog's RFC 3339 times or
  // a sane clock; write them as they are rather than misformat silently.
  if (year >= 0 && year <= 9999) {
    Append2(static_cast<int>(year / 100), out);
    Append2(static_cast<int>(year % 100), out);
  } else {
    out->append(std::to_string(year));
  }
  out->push_back('-');
  Append2(month, out);
  out->push_back('-');
  Append2(day, out);
  out->push_back(sep);
  Append2(static_cast<int>(sod / 3600), out);
  out->push_back(':');
  Append2(static_cast<int>(sod / 60 % 60), out);
  out->push_back(':');
  Append2(static_cast<int>(sod % 60), out);
  return micros;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one append.
    size_t run = i;
    while (run < s.size()) {
      const unsigned char c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\xef\xbf\xbd");  // U+FFFD for each bad byte
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        BOXOFFICE_DCHECK(c < 0x20);
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
    ++i;
  }
  out->push_back('"');
}

void AppendTimeV1(absl::Time t, std::string* out) {
  out->push_back('"');
  const int64_t micros = AppendCivil(t, 'T', out);
  out->push_back('.');
  char digits[6];
  int64_t m = micros;
  for (int k = 5; k >= 0; --k) {
    digits[k] = static_cast<char>('0' + m % 10);
    m /= 10;
  }
  out->append(digits, 6);
  out->append("+00:00\"");
}

void AppendTimeV2(absl::Time t, std::string* out) {
  out->push_back('"');
  AppendCivil(t, ' ', out);
  out->push_back('"');
}

void JsonWriter::Int(int64_t v) {
  BeforeValue();
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  // Negate in unsigned arithmetic so that INT64_MIN does not overflow.
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  out_->append(p, static_cast<size_t>(end - p));
}

}  // namespace boxoffice::internal
