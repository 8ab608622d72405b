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
//
// Speed without weakening: the rounds of one token form a serial chain, so
// a lone token leaves the CPU mostly idle. PermuteMany runs up to 8 tokens
// (of any permutations) in lockstep in SIMD lanes, and every round starts
// from the key's SipHash state precomputed once per permutation. Neither
// changes the function: same key, same 8 rounds, same SipHash-2-4 of the
// same message, so the security argument above is untouched, and the tests
// check bit-for-bit equality with the scalar path.
#ifndef BOXOFFICE_ENGINE_ORDERS_SECURE_IDS_H_
#define BOXOFFICE_ENGINE_ORDERS_SECURE_IDS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace boxoffice::internal {

// Fills out[0, n) from getrandom(2), through a small per-thread buffer
// (refilled 4 KiB at a time, bytes wiped once handed out, discarded
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
// thread-safe (PermuteMany included: it only reads the permutations).
// `tweak` separates permutations that share a key.
class FeistelPermutation {
 public:
  static constexpr int kRounds = 8;
  // Domains up to 2^62 (so that m * m fits in 64 bits); domain >= 1.
  // (The side m is then at most 2^31, which the round message and the
  // vector kernels rely on.)
  static constexpr uint64_t kMaxDomain = uint64_t{1} << 62;
  // Tokens computed in lockstep by one PermuteMany kernel call; longer
  // batches are cut into groups of this many.
  static constexpr int kBatchLanes = 8;

  // One input of a batch: wants perm->Permute(x). perm is borrowed and must
  // outlive the call. A plain value; thread-safety is the caller's.
  struct Lane {
    const FeistelPermutation* perm = nullptr;
    uint64_t x = 0;
  };
  // How PermuteMany computes a group: kPortable keeps lanes in general-
  // purpose registers, interleaved; kAvx2 and kAvx512 run them as SIMD
  // vectors of 4 or 8. kAuto picks, per group, what is fastest on this CPU
  // for that many lanes (x86: AVX-512 from 3 lanes, AVX2 from 4, else
  // portable). The explicit ones are for tests and benchmarks and are
  // refused (CHECK) when !KernelSupported. All give identical results.
  enum class Kernel { kAuto, kPortable, kAvx2, kAvx512 };
  static bool KernelSupported(Kernel kernel);

  FeistelPermutation(const SipKey& key, uint64_t domain, uint8_t tweak);

  // x < domain (DCHECK). Permute(x) < domain, and Inverse(Permute(x)) == x.
  uint64_t Permute(uint64_t x) const;
  uint64_t Inverse(uint64_t y) const;
  uint64_t domain() const { return domain_; }

  // out[i] = lanes[i].perm->Permute(lanes[i].x) for every i, bit for bit,
  // with the rounds of up to kBatchLanes lanes interleaved. Lanes may mix
  // permutations. A lane whose pass lands outside its domain walks on in
  // later passes while the finished ones wait. No allocation.
  // Preconditions: out.size() == lanes.size(), each x < its domain.
  static void PermuteMany(std::span<const Lane> lanes, std::span<uint64_t> out,
                          Kernel kernel = Kernel::kAuto);

 private:
  // One pass of the network over [0, m*m) and its inverse.
  uint64_t Forward(uint64_t x) const;
  uint64_t Backward(uint64_t x) const;
  uint64_t Round(int round, uint64_t half) const;

  uint64_t domain_;
  uint64_t side_;  // m = ceil(sqrt(domain))
  // The round function's SipHash state, fixed by the key alone: v0..v3
  // after the key is mixed in and after the half of the first SipRound that
  // reads only v0 and v1 (the message enters through v3). Every round
  // starts here instead of from the key. It is as secret as the key.
  uint64_t sip_v0_;
  uint64_t sip_v1_;
  uint64_t sip_v2_;
  uint64_t sip_v3_;
  // The message bytes 4-7 of every round: (6 << 56) | (tweak << 40); the
  // round number goes in byte 4 and the half in bytes 0-3.
  uint64_t message_high_;
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

  // The numbers behind the strings: Barcode(s) is FormatBarcode of
  // BarcodeValue(s), Code(s) is FormatCode of CodeValue(s). Values are
  // < kBarcodeDomain and < kCodeDomain.
  uint64_t BarcodeValue(uint64_t sequence) const;
  uint64_t CodeValue(uint64_t sequence) const;
  // Write exactly kBarcodeDigits / kCodeChars characters, no terminator,
  // into the caller's buffer; no allocation. value < the domain (DCHECK).
  static void FormatBarcode(uint64_t value, char out[kBarcodeDigits]);
  static void FormatCode(uint64_t value, char out[kCodeChars]);

  // Every token of one order in one batch: barcodes_out[i] =
  // BarcodeValue(ticket_sequences[i]) and *code_out = CodeValue(
  // order_sequence), computed in lockstep groups of
  // FeistelPermutation::kBatchLanes. Sizes must match (DCHECK); any number
  // of tickets, no allocation. code_out may be null (barcodes only).
  void MintOrder(std::span<const uint64_t> ticket_sequences,
                 uint64_t order_sequence, std::span<uint64_t> barcodes_out,
                 uint64_t* code_out) const;

  // The two permutations, for callers that build their own
  // FeistelPermutation::PermuteMany batches.
  const FeistelPermutation& barcode_permutation() const { return barcodes_; }
  const FeistelPermutation& code_permutation() const { return codes_; }

 private:
  explicit TokenGenerator(const SipKey& key);

  FeistelPermutation barcodes_;
  FeistelPermutation codes_;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_ORDERS_SECURE_IDS_H_
