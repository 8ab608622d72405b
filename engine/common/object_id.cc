#include "boxoffice/object_id.h"

namespace boxoffice {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is refused: ids are canonical lowercase
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::optional<ObjectId> ObjectId::Parse(std::string_view text) {
  if (text.size() != kHexChars) return std::nullopt;
  std::array<uint8_t, kBytes> bytes;
  for (int i = 0; i < kBytes; ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return ObjectId(bytes);
}

void ObjectId::AppendTo(std::string* out) const {
  const size_t at = out->size();
  out->resize(at + kHexChars);
  char* p = out->data() + at;
  for (uint8_t b : bytes_) {
    *p++ = kHexDigits[b >> 4];
    *p++ = kHexDigits[b & 15];
  }
}

std::string ObjectId::ToString() const {
  std::string s;
  AppendTo(&s);
  return s;
}

}  // namespace boxoffice
