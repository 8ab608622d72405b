// Secure randomness and unguessable tokens: ticket barcodes (17 decimal
// digits) and order codes (8 characters [a-z0-9]).
//
// A token is a keyed pseudo-random permutation of a sequence number: the
// engine hands out sequences 0, 1, 2, ... and gets tokens that are distinct
// by construction (a permutation never collides, so no uniqueness table is
// needed) and that cannot be predicted from other tokens without the
// 128-bit key, which comes from the OS's CSPRNG (getrandom(2)).
//
// The permutation is a Feistel network on a rectangle Z_m x Z_m (m =
// ceil(sqrt(domain))) with SipHash-2-4 as round function (Black & Rogaway's
// generalized Feistel; Botan's FE1 has the same shape), restricted to
// [0, domain) by cycle walking.
#ifndef BOXOFFICE_ENGINE_ORDERS_SECURE_IDS_H_
#define BOXOFFICE_ENGINE_ORDERS_SECURE_IDS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace boxoffice::internal {

// Fills out[0, n) from getrandom(2), through a small per-thread buffer
// (refilled 256 bytes at a time, bytes wiped once handed out, discarded
// after fork() so that parent and child never share output). There is no
// seeding and no fallback: if the OS refuses, the process aborts with a
// message, since handing out guessable tokens would be worse.
// Thread-safe (the buffer is thread-local).
void SecureRandomBytes(void* out, size_t n);
uint64_t SecureRandom64();

// A 128-bit SipHash key: k0 is bytes 0-7 and k1 bytes 8-15 of the key,
// little-endian, as in the SipHash paper.
struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};

// SipHash-2-4 (Aumasson & Bernstein, 2012) of data[0, n).
uint64_t SipHash24(const SipKey& key, const void* data, size_t n);
// The same function of a message shorter than one block: the low `len`
// bytes of m, little-endian (len in [0, 7]; the bytes above must be zero).
// The Feistel rounds use it: a one-block message costs 6 SipRounds, where
// an 8-byte one costs 8.
uint64_t SipHash24Short(const SipKey& key, uint64_t m, int len);

// A keyed permutation of [0, domain). Immutable after construction, so
// thread-safe. `tweak` separates permutations that share a key.
class FeistelPermutation {
 public:
  static constexpr int kRounds = 8;
  // Domains up to 2^62 (so that m * m fits in 64 bits); domain >= 1.
  static constexpr uint64_t kMaxDomain = uint64_t{1} << 62;

  FeistelPermutation(const SipKey& key, uint64_t domain, uint8_t tweak);

  // x < domain (DCHECK). Permute(x) < domain, and Inverse(Permute(x)) == x.
  uint64_t Permute(uint64_t x) const;
  uint64_t Inverse(uint64_t y) const;
  uint64_t domain() const { return domain_; }

 private:
  // One pass of the network over [0, m*m) and its inverse.
  uint64_t Forward(uint64_t x) const;
  uint64_t Backward(uint64_t x) const;
  uint64_t Round(int round, uint64_t half) const;

  SipKey key_;
  uint64_t domain_;
  uint64_t side_;  // m = ceil(sqrt(domain))
  uint8_t tweak_;
};

inline constexpr uint64_t kBarcodeDomain = 100'000'000'000'000'000;  // 10^17
inline constexpr int kBarcodeDigits = 17;
inline constexpr uint64_t kCodeDomain = 2'821'109'907'456;  // 36^8
inline constexpr int kCodeChars = 8;

// Turns sequence numbers into barcodes and order codes.
// Thread-safety: immutable after construction; every method is const and
// safe from any number of threads.
class TokenGenerator {
 public:
  // A fresh 128-bit key from SecureRandomBytes.
  TokenGenerator();
  // A fixed key, for tests and reproducible replays only.
  TokenGenerator(uint64_t k0, uint64_t k1);

  // 17 decimal digits (leading zeros kept); sequence < kBarcodeDomain.
  // Distinct sequences give distinct barcodes.
  std::string Barcode(uint64_t sequence) const;
  // 8 characters [0-9a-z]; sequence < kCodeDomain. Distinct sequences give
  // distinct codes.
  std::string Code(uint64_t sequence) const;

 private:
  explicit TokenGenerator(const SipKey& key);

  FeistelPermutation barcodes_;
  FeistelPermutation codes_;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_ORDERS_SECURE_IDS_H_
