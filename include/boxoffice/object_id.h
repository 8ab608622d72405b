// ObjectId: the 24-lowercase-hex identifiers of partners, events, sets,
// tickets, promocodes and orders (MongoDB ObjectIds in the reference API).
//
// Thread-safety: a value type; distinct objects may be used from any thread.
#ifndef BOXOFFICE_OBJECT_ID_H_
#define BOXOFFICE_OBJECT_ID_H_

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice {

class ObjectId {
 public:
  static constexpr int kBytes = 12;
  static constexpr int kHexChars = 24;

  constexpr ObjectId() = default;
  explicit constexpr ObjectId(const std::array<uint8_t, kBytes>& bytes)
      : bytes_(bytes) {}

  // Accepts exactly 24 lowercase hex characters; anything else is nullopt.
  static std::optional<ObjectId> Parse(std::string_view text);

  std::string ToString() const;
  // Appends the 24 hex characters to *out (no allocation beyond *out's growth).
  void AppendTo(std::string* out) const;

  const std::array<uint8_t, kBytes>& bytes() const { return bytes_; }

  // Two word compares: the defaulted == on the byte array is a call to
  // memcmp, which showed in every lookup-heavy profile.
  friend bool operator==(const ObjectId& a, const ObjectId& b) {
    uint64_t a0, b0;
    uint32_t a1, b1;
    std::memcpy(&a0, a.bytes_.data(), 8);
    std::memcpy(&b0, b.bytes_.data(), 8);
    std::memcpy(&a1, a.bytes_.data() + 8, 4);
    std::memcpy(&b1, b.bytes_.data() + 8, 4);
    return a0 == b0 && a1 == b1;
  }
  friend auto operator<=>(const ObjectId&, const ObjectId&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const ObjectId& id) {
    return H::combine_contiguous(std::move(h), id.bytes_.data(), kBytes);
  }

 private:
  std::array<uint8_t, kBytes> bytes_{};
};

}  // namespace boxoffice

#endif  // BOXOFFICE_OBJECT_ID_H_
