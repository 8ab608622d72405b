#include "engine/orders/secure_ids.h"

#include <pthread.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
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

// One syscall per 512 order secrets: a refill of 256 bytes (one per 32
// orders) was 2.5% of the order lifecycle's CPU on this VM kind. Requests
// above 256 bytes may come back short (a signal), which FillFromOs loops on.
constexpr size_t kRandomBufferBytes = 4096;
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

// ---- The Feistel round function, for one token (T = uint64_t) or for a
// vector of lanes (T = a GCC vector of uint64_t), from one source so that
// the scalar and batch paths cannot drift apart.

// GCC warns that passing vectors by value changes the ABI between targets;
// the vector helpers below are always inlined, so no such call exists. Not
// popped: GCC reports the template instantiations at the end of the file.
#pragma GCC diagnostic ignored "-Wpsabi"

template <class T>
[[gnu::always_inline]] inline T RotlT(T x, int b) {
  return (x << b) | (x >> (64 - b));
}

template <class T>
[[gnu::always_inline]] inline void SipRoundT(T& v0, T& v1, T& v2, T& v3) {
  v0 += v1;
  v1 = RotlT(v1, 13);
  v1 ^= v0;
  v0 = RotlT(v0, 32);
  v2 += v3;
  v3 = RotlT(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = RotlT(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = RotlT(v1, 17);
  v1 ^= v2;
  v2 = RotlT(v2, 32);
}

// SipHash24Short(key, m, 6) given the state that FeistelPermutation
// precomputes from the key (v0, v1 already through the first half of the
// first SipRound, which does not read the message). m carries the length
// byte already. Exactly SipState's Compress + Finish, reordered only where
// the operations are independent.
template <class T>
[[gnu::always_inline]] inline T SipOneBlockFromState(T v0, T v1, T v2, T v3,
                                                     T m) {
  v3 ^= m;
  // The second half of the first compression SipRound.
  v2 += v3;
  v3 = RotlT(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = RotlT(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = RotlT(v1, 17);
  v1 ^= v2;
  v2 = RotlT(v2, 32);
  SipRoundT(v0, v1, v2, v3);
  v0 ^= m;
  v2 ^= 0xff;
  SipRoundT(v0, v1, v2, v3);
  SipRoundT(v0, v1, v2, v3);
  SipRoundT(v0, v1, v2, v3);
  SipRoundT(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

// Not shared: each PermuteMany call has its own on the stack.
// The batch kernel's view of up to FeistelPermutation::kBatchLanes lanes,
// one array per field so that a vector load picks a field of consecutive
// lanes. Lanes past the live ones repeat lane 0 (valid inputs whose
// results are ignored).
struct alignas(64) LaneBlock {
  static constexpr int kLanes = FeistelPermutation::kBatchLanes;
  uint64_t v0[kLanes];
  uint64_t v1[kLanes];
  uint64_t v2[kLanes];
  uint64_t v3[kLanes];
  uint64_t message_high[kLanes];
  uint64_t side[kLanes];
  uint64_t left[kLanes];  // in: x / side; out: after kRounds rounds
  uint64_t right[kLanes];
};

typedef uint64_t U64x4 __attribute__((vector_size(32)));
typedef uint64_t U64x8 __attribute__((vector_size(64)));
static_assert(sizeof(U64x8) == sizeof(uint64_t) * LaneBlock::kLanes);

template <class V>
[[gnu::always_inline]] inline V LoadLanes(const uint64_t* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

// One Forward pass (kRounds rounds) of the first sizeof(V) / 8 lanes of
// *block, in lockstep: round r of every lane before round r + 1 of any, so
// the out-of-order core (and the SIMD unit) works on independent chains.
// The arithmetic is FeistelPermutation::Round's, lane-wise.
template <class V>
[[gnu::always_inline]] inline void ForwardPassBody(LaneBlock* block) {
  const V v0 = LoadLanes<V>(block->v0);
  const V v1 = LoadLanes<V>(block->v1);
  const V v2 = LoadLanes<V>(block->v2);
  const V v3 = LoadLanes<V>(block->v3);
  const V message_high = LoadLanes<V>(block->message_high);
  const V side = LoadLanes<V>(block->side);
  V left = LoadLanes<V>(block->left);
  V right = LoadLanes<V>(block->right);
  for (int round = 0; round < FeistelPermutation::kRounds; ++round) {
    const V m = right | message_high | (static_cast<uint64_t>(round) << 32);
    const V hash = SipOneBlockFromState(v0, v1, v2, v3, m);
    // Lemire's reduction floor(hash * side / 2^64) without a 128-bit
    // product: with hash = hi * 2^32 + lo and side < 2^32 (side <= 2^31),
    // floor(hash * side / 2^64) = floor((hi * side + floor(lo * side /
    // 2^32)) / 2^32), and no term overflows 64 bits. Equal to the scalar
    // __int128 form for every input (the tests compare both).
    const V lo = hash & 0xffffffffu;
    const V hi = hash >> 32;
    const V f = (hi * side + ((lo * side) >> 32)) >> 32;
    // (left + f) mod side, both terms < side: if the sum is below side,
    // sum - side wraps around to above it, so the unsigned minimum picks
    // the reduced value (one vpminuq, shorter than compare-and-subtract).
    const V sum = left + f;
    const V wrapped = sum - side;
    left = right;
    right = sum < wrapped ? sum : wrapped;
  }
  std::memcpy(block->left, &left, sizeof(V));
  std::memcpy(block->right, &right, sizeof(V));
}

// The kernels: the same body compiled for each instruction set, chosen at
// run time (the library is built for baseline x86-64). Width 4 for up to 4
// live lanes, 8 above.
// The portable kernel keeps the first kLive lanes in general-purpose
// registers, interleaved round by round: without SIMD rotates a vector
// SipRound is a longer chain than a scalar one, and the scalar lanes still
// overlap on the out-of-order core. The arithmetic is Round's exactly.
template <int kLive>
void ForwardScalarLanes(LaneBlock* block) {
  static_assert(kLive >= 1 && kLive <= LaneBlock::kLanes);
  uint64_t left[kLive];
  uint64_t right[kLive];
  for (int j = 0; j < kLive; ++j) {
    left[j] = block->left[j];
    right[j] = block->right[j];
  }
  for (int round = 0; round < FeistelPermutation::kRounds; ++round) {
    for (int j = 0; j < kLive; ++j) {
      const uint64_t side = block->side[j];
      const uint64_t m = right[j] | block->message_high[j] |
                         (static_cast<uint64_t>(round) << 32);
      const uint64_t hash = SipOneBlockFromState(block->v0[j], block->v1[j],
                                                 block->v2[j], block->v3[j], m);
      const uint64_t f = static_cast<uint64_t>(
          (static_cast<unsigned __int128>(hash) * side) >> 64);
      const uint64_t sum = left[j] + f;
      left[j] = right[j];
      right[j] = sum >= side ? sum - side : sum;
    }
  }
  for (int j = 0; j < kLive; ++j) {
    block->left[j] = left[j];
    block->right[j] = right[j];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define BOXOFFICE_X86_KERNELS 1
// AVX2 has no 64-bit rotate or 64x64 multiply: shifts and pmuludq.
__attribute__((target("avx2"))) void ForwardAvx2x4(LaneBlock* b) {
  ForwardPassBody<U64x4>(b);
}
__attribute__((target("avx2"))) void ForwardAvx2x8(LaneBlock* b) {
  ForwardPassBody<U64x8>(b);
}
// AVX-512VL: vprolq makes a SipRound as short a chain as the scalar one,
// and vpmullq (DQ) one multiply per product.
__attribute__((target("avx2,avx512f,avx512vl,avx512dq"))) void ForwardAvx512x4(
    LaneBlock* b) {
  ForwardPassBody<U64x4>(b);
}
__attribute__((target("avx2,avx512f,avx512vl,avx512dq"))) void ForwardAvx512x8(
    LaneBlock* b) {
  ForwardPassBody<U64x8>(b);
}
#else
#define BOXOFFICE_X86_KERNELS 0
#endif

using Kernel = FeistelPermutation::Kernel;

Kernel DetectKernel() {
#if BOXOFFICE_X86_KERNELS
  __builtin_cpu_init();
  // libgcc's checks include the OS enabling the register state (XCR0).
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    return Kernel::kAvx512;
  }
  if (__builtin_cpu_supports("avx2")) return Kernel::kAvx2;
#endif
  return Kernel::kPortable;
}

Kernel BestKernel() {
  // Thread-safe by the static-initialization rule; the CPU does not change.
  static const Kernel best = DetectKernel();
  return best;
}

using ForwardFn = void (*)(LaneBlock*);

// A pass function and how many lanes it computes (live lanes plus the
// padding that fills its vectors).
struct Pass {
  ForwardFn fn;
  int width;
};

// kAuto's choice for `live` lanes, from measurements on Zen 4 (see
// docs/benchmarks/timers.md): a SIMD lane's SipRound chain is ~1.3x a
// scalar one with AVX-512 rotates and longer with AVX2's shift pairs, so
// few lanes go faster in general-purpose registers, which run 2 chains at
// ~1.5x the time of one.
Kernel AutoKernel(int live) {
  switch (BestKernel()) {
    case Kernel::kAvx512:
      return live >= 3 ? Kernel::kAvx512 : Kernel::kPortable;
    case Kernel::kAvx2:
      return live >= 4 ? Kernel::kAvx2 : Kernel::kPortable;
    default:
      return Kernel::kPortable;
  }
}

// The pass for `live` lanes on `kernel`.
Pass PassFor(Kernel kernel, int live) {
  BOXOFFICE_DCHECK(live >= 1 && live <= LaneBlock::kLanes);
  if (kernel == Kernel::kAuto) kernel = AutoKernel(live);
  const bool narrow = live <= 4;
  switch (kernel) {
#if BOXOFFICE_X86_KERNELS
    case Kernel::kAvx512:
      return narrow ? Pass{&ForwardAvx512x4, 4} : Pass{&ForwardAvx512x8, 8};
    case Kernel::kAvx2:
      return narrow ? Pass{&ForwardAvx2x4, 4} : Pass{&ForwardAvx2x8, 8};
#endif
    case Kernel::kPortable: {
      static constexpr ForwardFn kByLive[LaneBlock::kLanes] = {
          &ForwardScalarLanes<1>, &ForwardScalarLanes<2>,
          &ForwardScalarLanes<3>, &ForwardScalarLanes<4>,
          &ForwardScalarLanes<5>, &ForwardScalarLanes<6>,
          &ForwardScalarLanes<7>, &ForwardScalarLanes<8>};
      return Pass{kByLive[live - 1], live};
    }
    default:
      BOXOFFICE_CHECK(false);  // unsupported kernels are refused earlier
      return Pass{nullptr, 0};
  }
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
    : domain_(domain),
      side_(CeilSqrt(domain)),
      message_high_((uint64_t{6} << 56) |
                    (static_cast<uint64_t>(tweak) << 40)) {
  BOXOFFICE_CHECK(domain >= 1 && domain <= kMaxDomain);
  // Halves fit in 32 bits, which the round-function message relies on, and
  // side < 2^32, which the vector kernels' reduction relies on.
  BOXOFFICE_CHECK(side_ <= (uint64_t{1} << 31));
  // SipState's key setup, then the message-independent half of the first
  // SipRound (see SipOneBlockFromState).
  const SipState initial(key);
  const uint64_t sum = initial.v0 + initial.v1;
  sip_v0_ = Rotl(sum, 32);
  sip_v1_ = Rotl(initial.v1, 13) ^ sum;
  sip_v2_ = initial.v2;
  sip_v3_ = initial.v3;
}

uint64_t FeistelPermutation::Round(int round, uint64_t half) const {
  BOXOFFICE_DCHECK(half < side_);
  BOXOFFICE_DCHECK(round >= 0 && round < kRounds);
  // A 6-byte message: half (4 bytes), round, tweak (and the length byte,
  // 6, on top, as SipHash24Short(key, message, 6) adds it). Distinct
  // (tweak, round, half) give independent-looking outputs under the key.
  const uint64_t message =
      half | (static_cast<uint64_t>(round) << 32) | message_high_;
  const uint64_t hash =
      SipOneBlockFromState(sip_v0_, sip_v1_, sip_v2_, sip_v3_, message);
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

bool FeistelPermutation::KernelSupported(Kernel kernel) {
  switch (kernel) {
    case Kernel::kAuto:
    case Kernel::kPortable:
      return true;
    case Kernel::kAvx2:
      return BestKernel() == Kernel::kAvx2 || BestKernel() == Kernel::kAvx512;
    case Kernel::kAvx512:
      return BestKernel() == Kernel::kAvx512;
  }
  return false;
}

void FeistelPermutation::PermuteMany(std::span<const Lane> lanes,
                                     std::span<uint64_t> out, Kernel kernel) {
  BOXOFFICE_CHECK(out.size() == lanes.size());
  BOXOFFICE_CHECK(KernelSupported(kernel));
  constexpr int kLanes = LaneBlock::kLanes;
  LaneBlock block;
  for (size_t group = 0; group < lanes.size(); group += kLanes) {
    const int count =
        static_cast<int>(std::min<size_t>(kLanes, lanes.size() - group));
    // Pending lanes of this group: their index in the group and the point
    // to push through the next pass.
    std::array<int, kLanes> index;
    std::array<uint64_t, kLanes> point;
    for (int i = 0; i < count; ++i) {
      const Lane& lane = lanes[group + i];
      BOXOFFICE_DCHECK(lane.perm != nullptr);
      BOXOFFICE_DCHECK(lane.x < lane.perm->domain_);
      index[i] = i;
      point[i] = lane.x;
    }
    // Each pass finishes or advances every pending lane one step along its
    // cycle, so a lane still pending after pass p has walked p steps; the
    // CHECK below bounds that as Permute does, so the loop ends.
    int pending = count;
    for (uint64_t pass = 0; pending > 0; ++pass) {
      if (pending == 1) {
        // Nothing to interleave with: the scalar pass is the shortest.
        const FeistelPermutation& perm = *lanes[group + index[0]].perm;
        point[0] = perm.Forward(point[0]);
      } else {
        for (int j = 0; j < pending; ++j) {
          const FeistelPermutation& perm = *lanes[group + index[j]].perm;
          block.v0[j] = perm.sip_v0_;
          block.v1[j] = perm.sip_v1_;
          block.v2[j] = perm.sip_v2_;
          block.v3[j] = perm.sip_v3_;
          block.message_high[j] = perm.message_high_;
          block.side[j] = perm.side_;
          BOXOFFICE_DCHECK(point[j] < perm.side_ * perm.side_);
          block.left[j] = point[j] / perm.side_;
          block.right[j] = point[j] % perm.side_;
        }
        // The kernel computes whole vectors: the lanes up to its width
        // repeat lane 0 (valid inputs, results ignored).
        const Pass pass = PassFor(kernel, pending);
        const int width = pass.width;
        for (int j = pending; j < width; ++j) {
          block.v0[j] = block.v0[0];
          block.v1[j] = block.v1[0];
          block.v2[j] = block.v2[0];
          block.v3[j] = block.v3[0];
          block.message_high[j] = block.message_high[0];
          block.side[j] = block.side[0];
          block.left[j] = block.left[0];
          block.right[j] = block.right[0];
        }
        pass.fn(&block);
        for (int j = 0; j < pending; ++j) {
          const uint64_t side = block.side[j];
          BOXOFFICE_DCHECK(block.left[j] < side && block.right[j] < side);
          point[j] = block.left[j] * side + block.right[j];
        }
      }
      int still = 0;
      for (int j = 0; j < pending; ++j) {
        const int i = index[j];
        const FeistelPermutation& perm = *lanes[group + i].perm;
        if (point[j] < perm.domain_) {
          out[group + i] = point[j];
          continue;
        }
        // Cycle walking, as in Permute.
        BOXOFFICE_CHECK(pass <= perm.side_ * perm.side_ - perm.domain_);
        index[still] = i;
        point[still] = point[j];
        ++still;
      }
      BOXOFFICE_DCHECK(still <= pending);
      pending = still;
    }
  }
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

uint64_t TokenGenerator::BarcodeValue(uint64_t sequence) const {
  BOXOFFICE_DCHECK(sequence < kBarcodeDomain);
  const uint64_t value = barcodes_.Permute(sequence);
  BOXOFFICE_DCHECK(value < kBarcodeDomain);
  return value;
}

uint64_t TokenGenerator::CodeValue(uint64_t sequence) const {
  BOXOFFICE_DCHECK(sequence < kCodeDomain);
  const uint64_t value = codes_.Permute(sequence);
  BOXOFFICE_DCHECK(value < kCodeDomain);
  return value;
}

void TokenGenerator::FormatBarcode(uint64_t value, char out[kBarcodeDigits]) {
  BOXOFFICE_DCHECK(value < kBarcodeDomain);
  // Two 32-bit halves (9 + 8 digits): their digit chains are independent,
  // so they overlap, and a 32-bit division by 10 is a short multiply.
  uint32_t high = static_cast<uint32_t>(value / 100'000'000);
  uint32_t low = static_cast<uint32_t>(value % 100'000'000);
  BOXOFFICE_DCHECK(high < 1'000'000'000);
  for (int i = 8; i >= 0; --i) {
    out[i] = static_cast<char>('0' + high % 10);
    high /= 10;
  }
  for (int i = kBarcodeDigits - 1; i >= 9; --i) {
    out[i] = static_cast<char>('0' + low % 10);
    low /= 10;
  }
  BOXOFFICE_DCHECK(high == 0 && low == 0);
}

void TokenGenerator::FormatCode(uint64_t value, char out[kCodeChars]) {
  BOXOFFICE_DCHECK(value < kCodeDomain);
  // Two 4-character halves in 32 bits, as in FormatBarcode.
  constexpr uint64_t k36Pow4 = 36 * 36 * 36 * 36;
  uint32_t high = static_cast<uint32_t>(value / k36Pow4);
  uint32_t low = static_cast<uint32_t>(value % k36Pow4);
  BOXOFFICE_DCHECK(high < k36Pow4);
  for (int i = 3; i >= 0; --i) {
    out[i] = kCodeAlphabet[high % 36];
    high /= 36;
  }
  for (int i = kCodeChars - 1; i >= 4; --i) {
    out[i] = kCodeAlphabet[low % 36];
    low /= 36;
  }
  BOXOFFICE_DCHECK(high == 0 && low == 0);
}

std::string TokenGenerator::Barcode(uint64_t sequence) const {
  std::string out(kBarcodeDigits, '0');
  FormatBarcode(BarcodeValue(sequence), out.data());
  return out;
}

std::string TokenGenerator::Code(uint64_t sequence) const {
  std::string out(kCodeChars, '0');
  FormatCode(CodeValue(sequence), out.data());
  return out;
}

void TokenGenerator::MintOrder(std::span<const uint64_t> ticket_sequences,
                               uint64_t order_sequence,
                               std::span<uint64_t> barcodes_out,
                               uint64_t* code_out) const {
  BOXOFFICE_CHECK(barcodes_out.size() == ticket_sequences.size());
  BOXOFFICE_DCHECK(code_out == nullptr || order_sequence < kCodeDomain);
  using Lane = FeistelPermutation::Lane;
  constexpr int kLanes = FeistelPermutation::kBatchLanes;
  std::array<Lane, kLanes> lanes;
  std::array<uint64_t, kLanes> values;
  bool code_pending = code_out != nullptr;
  size_t next = 0;
  // Every iteration takes at least one token: the code (first group only)
  // and then up to kLanes barcodes.
  while (code_pending || next < ticket_sequences.size()) {
    int n = 0;
    if (code_pending) lanes[n++] = Lane{&codes_, order_sequence};
    const size_t first = next;
    while (n < kLanes && next < ticket_sequences.size()) {
      BOXOFFICE_DCHECK(ticket_sequences[next] < kBarcodeDomain);
      lanes[n++] = Lane{&barcodes_, ticket_sequences[next++]};
    }
    FeistelPermutation::PermuteMany(std::span<const Lane>(lanes.data(), n),
                                    std::span<uint64_t>(values.data(), n));
    const int barcodes_from = code_pending ? 1 : 0;
    if (code_pending) *code_out = values[0];
    std::copy(values.begin() + barcodes_from, values.begin() + n,
              barcodes_out.begin() + first);
    code_pending = false;
  }
}

}  // namespace boxoffice::internal
