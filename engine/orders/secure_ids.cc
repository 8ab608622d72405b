#include "engine/orders/secure_ids.h"

#include <pthread.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

// ---- Secure random bytes.

// getrandom(2) never returns a short read for requests up to 256 bytes once
// the pool is initialized, so one buffer refill is one syscall.
constexpr size_t kRandomBufferBytes = 256;
// EINTR can only happen while the pool is still initializing at boot; the
// bound keeps the loop finite if the OS keeps refusing.
constexpr int kGetrandomAttempts = 1000;

// Bumped in the child after fork(): a buffer filled before the fork would
// otherwise give parent and child the same bytes. Relaxed: the handler and
// the reader are the same (only surviving) thread of the child.
std::atomic<uint64_t> fork_epoch{0};

void OnForkChild() { fork_epoch.fetch_add(1, std::memory_order_relaxed); }

struct RandomBuffer {
  unsigned char bytes[kRandomBufferBytes];
  size_t used = kRandomBufferBytes;  // bytes [used, size) not yet handed out
  uint64_t epoch = 0;
};

[[noreturn]] void DieNoRandomness(int err) {
  std::fprintf(stderr,
               "boxoffice: getrandom(2) failed (%s); refusing to issue "
               "tokens without a secure random source\n",
               std::strerror(err));
  std::abort();
}

void FillFromOs(unsigned char* out, size_t n) {
  size_t done = 0;
  for (int attempt = 0; done < n; ++attempt) {
    if (attempt == kGetrandomAttempts) DieNoRandomness(EAGAIN);
    const ssize_t got = getrandom(out + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      DieNoRandomness(errno);
    }
    done += static_cast<size_t>(got);
  }
  BOXOFFICE_DCHECK(done == n);
}

void RegisterForkHandlerOnce() {
  // Thread-safe by the static-initialization rule.
  static const bool registered = [] {
    BOXOFFICE_CHECK(pthread_atfork(nullptr, nullptr, &OnForkChild) == 0);
    return true;
  }();
  (void)registered;
}

// ---- SipHash-2-4.

constexpr uint64_t Rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  explicit SipState(const SipKey& key)
      : v0(key.k0 ^ 0x736f6d6570736575ULL),
        v1(key.k1 ^ 0x646f72616e646f6dULL),
        v2(key.k0 ^ 0x6c7967656e657261ULL),
        v3(key.k1 ^ 0x7465646279746573ULL) {}

  void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }

  // c = 2 rounds per message block.
  void Compress(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }

  // d = 4 finalization rounds.
  uint64_t Finish() {
    v2 ^= 0xff;
    Round();
    Round();
    Round();
    Round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t CeilSqrt(uint64_t n) {
  BOXOFFICE_DCHECK(n >= 1 && n <= FeistelPermutation::kMaxDomain);
  uint64_t s = static_cast<uint64_t>(std::sqrt(static_cast<long double>(n)));
  // The float estimate is within a few units; fix it up exactly.
  while (s * s < n) ++s;
  while (s > 1 && (s - 1) * (s - 1) >= n) --s;
  BOXOFFICE_DCHECK(s * s >= n);
  BOXOFFICE_DCHECK(s == 1 || (s - 1) * (s - 1) < n);
  return s;
}

}  // namespace

void SecureRandomBytes(void* out, size_t n) {
  BOXOFFICE_DCHECK(out != nullptr || n == 0);
  RegisterForkHandlerOnce();
  thread_local RandomBuffer buffer;
  unsigned char* dst = static_cast<unsigned char*>(out);
  const uint64_t epoch = fork_epoch.load(std::memory_order_relaxed);
  if (buffer.epoch != epoch) {
    buffer.used = kRandomBufferBytes;  // filled before a fork: never reuse
    buffer.epoch = epoch;
  }
  while (n > 0) {
    if (buffer.used == kRandomBufferBytes) {
      FillFromOs(buffer.bytes, kRandomBufferBytes);
      buffer.used = 0;
    }
    const size_t take = std::min(n, kRandomBufferBytes - buffer.used);
    std::memcpy(dst, buffer.bytes + buffer.used, take);
    // Bytes handed out are wiped, so a later memory disclosure of this
    // thread's buffer says nothing about keys or tokens made from them.
    explicit_bzero(buffer.bytes + buffer.used, take);
    buffer.used += take;
    dst += take;
    n -= take;
  }
}

uint64_t SecureRandom64() {
  uint64_t v;
  SecureRandomBytes(&v, sizeof(v));
  return v;
}

uint64_t SipHash24(const SipKey& key, const void* data, size_t n) {
  BOXOFFICE_DCHECK(data != nullptr || n == 0);
  const unsigned char* p = static_cast<const unsigned char*>(data);
  SipState s(key);
  const size_t blocks = n / 8;
  for (size_t i = 0; i < blocks; ++i) s.Compress(LoadLe64(p + 8 * i));
  uint64_t last = static_cast<uint64_t>(n & 0xff) << 56;
  for (size_t i = 0; i < n % 8; ++i) {
    last |= static_cast<uint64_t>(p[8 * blocks + i]) << (8 * i);
  }
  s.Compress(last);
  return s.Finish();
}

uint64_t SipHash24Short(const SipKey& key, uint64_t m, int len) {
  BOXOFFICE_DCHECK(len >= 0 && len < 8);
  BOXOFFICE_DCHECK(len == 0 || (m >> (8 * len)) == 0);
  BOXOFFICE_DCHECK(len != 0 || m == 0);
  SipState s(key);
  s.Compress((static_cast<uint64_t>(len) << 56) | m);
  return s.Finish();
}

FeistelPermutation::FeistelPermutation(const SipKey& key, uint64_t domain,
                                       uint8_t tweak)
    : key_(key), domain_(domain), side_(CeilSqrt(domain)), tweak_(tweak) {
  BOXOFFICE_CHECK(domain >= 1 && domain <= kMaxDomain);
  // Halves fit in 32 bits, which the round-function message relies on.
  BOXOFFICE_CHECK(side_ <= (uint64_t{1} << 31));
}

uint64_t FeistelPermutation::Round(int round, uint64_t half) const {
  BOXOFFICE_DCHECK(half < side_);
  BOXOFFICE_DCHECK(round >= 0 && round < kRounds);
  // A 6-byte message: half (4 bytes), round, tweak. Distinct (tweak, round,
  // half) give independent-looking outputs under the key.
  const uint64_t message = half | (static_cast<uint64_t>(round) << 32) |
                           (static_cast<uint64_t>(tweak_) << 40);
  const uint64_t hash = SipHash24Short(key_, message, 6);
  // Lemire's multiply-shift maps [0, 2^64) onto [0, side) with the same
  // bias bound as a modulo (side / 2^64 <= 2^-33) for a multiply instead of
  // a 64-bit division (8 per token otherwise).
  const uint64_t reduced = static_cast<uint64_t>(
      (static_cast<unsigned __int128>(hash) * side_) >> 64);
  BOXOFFICE_DCHECK(reduced < side_);
  return reduced;
}

uint64_t FeistelPermutation::Forward(uint64_t x) const {
  BOXOFFICE_DCHECK(x < side_ * side_);
  uint64_t left = x / side_;
  uint64_t right = x % side_;
  for (int round = 0; round < kRounds; ++round) {
    // (L, R) -> (R, L + F(R) mod m): invertible given R, whatever F is.
    uint64_t mixed = left + Round(round, right);
    if (mixed >= side_) mixed -= side_;
    left = right;
    right = mixed;
  }
  return left * side_ + right;
}

uint64_t FeistelPermutation::Backward(uint64_t x) const {
  BOXOFFICE_DCHECK(x < side_ * side_);
  uint64_t left = x / side_;
  uint64_t right = x % side_;
  for (int round = kRounds - 1; round >= 0; --round) {
    const uint64_t previous_right = left;
    const uint64_t f = Round(round, previous_right);
    const uint64_t previous_left = right >= f ? right - f : right + side_ - f;
    left = previous_left;
    right = previous_right;
  }
  return left * side_ + right;
}

uint64_t FeistelPermutation::Permute(uint64_t x) const {
  BOXOFFICE_DCHECK(x < domain_);
  // Cycle walking (Black & Rogaway): follow x's cycle of the permutation
  // of [0, m*m) to the first point back inside [0, domain). The cycle holds
  // x, so this ends within the m*m - domain points outside, and it is a
  // bijection on [0, domain) because each cycle is cut into disjoint runs.
  const uint64_t outside = side_ * side_ - domain_;
  uint64_t y = Forward(x);
  for (uint64_t steps = 0; y >= domain_; ++steps) {
    BOXOFFICE_CHECK(steps <= outside);
    y = Forward(y);
  }
  BOXOFFICE_DCHECK(y < domain_);
  return y;
}

uint64_t FeistelPermutation::Inverse(uint64_t y) const {
  BOXOFFICE_DCHECK(y < domain_);
  const uint64_t outside = side_ * side_ - domain_;
  uint64_t x = Backward(y);
  for (uint64_t steps = 0; x >= domain_; ++steps) {
    BOXOFFICE_CHECK(steps <= outside);
    x = Backward(x);
  }
  BOXOFFICE_DCHECK(x < domain_);
  return x;
}

namespace {

// Tweaks keep the two permutations independent under one key.
constexpr uint8_t kBarcodeTweak = 1;
constexpr uint8_t kCodeTweak = 2;
constexpr char kCodeAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static_assert(sizeof(kCodeAlphabet) - 1 == 36);

SipKey FreshKey() {
  SipKey key;
  SecureRandomBytes(&key.k0, sizeof(key.k0));
  SecureRandomBytes(&key.k1, sizeof(key.k1));
  return key;
}

SipKey MakeKey(uint64_t k0, uint64_t k1) {
  SipKey key;
  key.k0 = k0;
  key.k1 = k1;
  return key;
}

}  // namespace

TokenGenerator::TokenGenerator() : TokenGenerator(FreshKey()) {}

TokenGenerator::TokenGenerator(uint64_t k0, uint64_t k1)
    : TokenGenerator(MakeKey(k0, k1)) {}

TokenGenerator::TokenGenerator(const SipKey& key)
    : barcodes_(key, kBarcodeDomain, kBarcodeTweak),
      codes_(key, kCodeDomain, kCodeTweak) {}

std::string TokenGenerator::Barcode(uint64_t sequence) const {
  BOXOFFICE_DCHECK(sequence < kBarcodeDomain);
  uint64_t value = barcodes_.Permute(sequence);
  std::string out(kBarcodeDigits, '0');
  for (int i = kBarcodeDigits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  BOXOFFICE_DCHECK(value == 0);
  return out;
}

std::string TokenGenerator::Code(uint64_t sequence) const {
  BOXOFFICE_DCHECK(sequence < kCodeDomain);
  uint64_t value = codes_.Permute(sequence);
  std::string out(kCodeChars, '0');
  for (int i = kCodeChars - 1; i >= 0; --i) {
    out[i] = kCodeAlphabet[value % 36];
    value /= 36;
  }
  BOXOFFICE_DCHECK(value == 0);
  return out;
}

}  // namespace boxoffice::internal
