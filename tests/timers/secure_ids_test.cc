// Tests of engine/orders/secure_ids: SipHash-2-4 against the paper's
// vectors, the Feistel permutation (exhaustively on small domains, by
// inversion on the real ones), token formats and uniqueness, and the
// secure random source (including after fork()); the batch path
// (PermuteMany, MintOrder) against the scalar one on every kernel the CPU
// has, and the allocation-free formatters against the string forms.
#include "engine/orders/secure_ids.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

// The key of the SipHash paper's Appendix A: bytes 00 01 .. 0f.
constexpr SipKey kPaperKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

TEST(SipHash24, PaperAndReferenceVectors) {
  unsigned char message[64];
  for (int i = 0; i < 64; ++i) message[i] = static_cast<unsigned char>(i);
  // Appendix A of the paper: the 15-byte message 00 .. 0e.
  EXPECT_EQ(SipHash24(kPaperKey, message, 15), 0xa129ca6149be45e5ULL);
  // vectors.h of the reference implementation (message 00 .. n-1).
  EXPECT_EQ(SipHash24(kPaperKey, message, 0), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(SipHash24(kPaperKey, message, 1), 0x74f839c593dc67fdULL);
  EXPECT_EQ(SipHash24(kPaperKey, message, 2), 0x0d6c8009d9a94f5aULL);
  EXPECT_EQ(SipHash24(kPaperKey, message, 3), 0x85676696d7fb7e2dULL);
  EXPECT_EQ(SipHash24(kPaperKey, message, 4), 0xcf2794e0277187b7ULL);
  EXPECT_EQ(SipHash24(kPaperKey, message, 8), 0x93f5f5799a932462ULL);
}

TEST(SipHash24, ZeroKeyVectors) {
  // Cross-checked against an independent implementation (dchest/siphash).
  const SipKey zero{0, 0};
  EXPECT_EQ(SipHash24(zero, "Hello world", 11), 0xc9e8a3021f3822d9ULL);
  EXPECT_EQ(SipHash24(zero, "", 0), 0x1e924b9d737700d7ULL);
  EXPECT_EQ(SipHash24(zero, "12345678123", 11), 0x0f95d77ccdb0649fULL);
  const unsigned char zeros[8] = {};
  EXPECT_EQ(SipHash24(zero, zeros, 8), 0xe849e8bb6ffe2567ULL);
}

TEST(SipHash24, ShortFormMatchesTheByteForm) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1000; ++i) {
    const SipKey key{rng(), rng()};
    const int len = static_cast<int>(rng() % 8);
    const uint64_t m = len == 0 ? 0 : rng() & (~uint64_t{0} >> (64 - 8 * len));
    unsigned char bytes[8];
    for (int b = 0; b < 8; ++b)
      bytes[b] = static_cast<unsigned char>(m >> (8 * b));
    ASSERT_EQ(SipHash24Short(key, m, len), SipHash24(key, bytes, len))
        << "len " << len;
  }
}

TEST(FeistelPermutation, IsAPermutationOfSmallDomains) {
  // Exhaustive: every output in range, none repeated, Inverse undoes
  // Permute. Domains that are squares (no cycle walking), just above a
  // square (walking almost always), primes, and 1.
  std::mt19937_64 rng(11);
  for (uint64_t domain : {1ull, 2ull, 3ull, 4ull, 5ull, 17ull, 100ull, 101ull,
                          257ull, 1000ull, 4096ull, 4097ull, 65'521ull}) {
    const FeistelPermutation perm(SipKey{rng(), rng()}, domain, 3);
    std::vector<bool> seen(domain, false);
    for (uint64_t x = 0; x < domain; ++x) {
      const uint64_t y = perm.Permute(x);
      ASSERT_LT(y, domain) << "domain " << domain;
      ASSERT_FALSE(seen[y]) << "domain " << domain << " repeats " << y;
      seen[y] = true;
      ASSERT_EQ(perm.Inverse(y), x) << "domain " << domain;
    }
  }
}

TEST(FeistelPermutation, DependsOnKeyAndTweak) {
  const FeistelPermutation a(SipKey{1, 2}, 1'000'000, 1);
  const FeistelPermutation b(SipKey{1, 3}, 1'000'000, 1);
  const FeistelPermutation c(SipKey{1, 2}, 1'000'000, 2);
  int same_key = 0, same_tweak = 0;
  for (uint64_t x = 0; x < 1000; ++x) {
    same_key += a.Permute(x) == b.Permute(x);
    same_tweak += a.Permute(x) == c.Permute(x);
  }
  // A random pair agrees with probability 1e-6 per point.
  EXPECT_LE(same_key, 1);
  EXPECT_LE(same_tweak, 1);
}

TEST(FeistelPermutation, LooksUniformOnASmallDomain) {
  // The low digit of outputs of 0..n-1 over domain 10^4 must be a
  // permutation (exactly n/10 each); over a prefix it should be near
  // uniform, unlike the identity (which would give 100 zeros in 0..999
  // at positions 0, 10, ...). A weak check that rounds actually mix.
  const FeistelPermutation perm(SipKey{42, 43}, 10'000, 1);
  int fixed_points = 0;
  uint64_t increasing = 0;
  uint64_t previous = perm.Permute(0);
  for (uint64_t x = 0; x < 10'000; ++x) {
    const uint64_t y = perm.Permute(x);
    fixed_points += (y == x);
    if (x > 0) increasing += (y > previous);
    previous = y;
  }
  EXPECT_LE(fixed_points, 10);  // expected 1 for a random permutation
  EXPECT_GT(increasing, 4'000u);
  EXPECT_LT(increasing, 6'000u);
}

TEST(TokenGenerator, BarcodeFormatAndInverseOnTheFullDomain) {
  const TokenGenerator tokens(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
  const FeistelPermutation check(
      SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL}, kBarcodeDomain, 1);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    uint64_t seq = rng() % kBarcodeDomain;
    if (i < 3) seq = i == 0 ? 0 : (i == 1 ? 1 : kBarcodeDomain - 1);
    const std::string barcode = tokens.Barcode(seq);
    ASSERT_EQ(barcode.size(), 17u);
    ASSERT_TRUE(std::all_of(barcode.begin(), barcode.end(), [](char c) {
      return c >= '0' && c <= '9';
    })) << barcode;
    const uint64_t value = std::stoull(barcode);
    ASSERT_EQ(value, check.Permute(seq));
    ASSERT_EQ(check.Inverse(value), seq);
  }
}

TEST(TokenGenerator, CodeFormat) {
  const TokenGenerator tokens(7, 8);
  for (uint64_t seq :
       {uint64_t{0}, uint64_t{1}, kCodeDomain - 1, uint64_t{123456789}}) {
    const std::string code = tokens.Code(seq);
    ASSERT_EQ(code.size(), 8u);
    for (char c : code) {
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << code;
    }
  }
}

TEST(TokenGenerator, UniqueOverManySequences) {
  const TokenGenerator tokens;  // a real random key
  const int64_t n = testing::Scaled(1'000'000, 20'000);
  std::vector<std::string> barcodes, codes;
  barcodes.reserve(n);
  codes.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    barcodes.push_back(tokens.Barcode(static_cast<uint64_t>(i)));
    codes.push_back(tokens.Code(static_cast<uint64_t>(i)));
  }
  // Consecutive sequences must not give nearby barcodes.
  int adjacent_close = 0;
  for (int64_t i = 1; i < std::min<int64_t>(n, 1000); ++i) {
    const uint64_t a = std::stoull(barcodes[i - 1]);
    const uint64_t b = std::stoull(barcodes[i]);
    adjacent_close += (a > b ? a - b : b - a) < 1'000'000;
  }
  EXPECT_LE(adjacent_close, 1);
  std::sort(barcodes.begin(), barcodes.end());
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(std::adjacent_find(barcodes.begin(), barcodes.end()),
            barcodes.end());
  EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end());
}

TEST(TokenGenerator, FixedKeyIsDeterministicAndKeysDiffer) {
  const TokenGenerator a(1, 2), b(1, 2), c(1, 3);
  EXPECT_EQ(a.Barcode(5), b.Barcode(5));
  EXPECT_EQ(a.Code(5), b.Code(5));
  EXPECT_NE(a.Barcode(5), c.Barcode(5));
  const TokenGenerator random1, random2;
  EXPECT_NE(random1.Barcode(0), random2.Barcode(0));
  EXPECT_NE(random1.Code(0), random2.Code(0));
}

TEST(TokenGenerator, ThreadSafeConcurrentUse) {
  const TokenGenerator tokens(9, 10);
  const int64_t per_thread = testing::Scaled(50'000, 500);
  std::vector<std::vector<std::string>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < per_thread; ++i) {
        out[t].push_back(
            tokens.Barcode(static_cast<uint64_t>(t * per_thread + i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> all;
  for (auto& v : out) all.insert(all.end(), v.begin(), v.end());
  for (int64_t i = 0; i < 4 * per_thread; i += 97) {
    ASSERT_EQ(all[i], tokens.Barcode(static_cast<uint64_t>(i)));
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(SecureRandom, BytesVaryAndCoverAllLengths) {
  // Lengths across the 256-byte buffer boundary, including 0.
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{255}, size_t{256},
                   size_t{257}, size_t{1000}}) {
    std::vector<unsigned char> a(n + 2, 0xAA), b(n + 2, 0xAA);
    SecureRandomBytes(a.data() + 1, n);
    SecureRandomBytes(b.data() + 1, n);
    EXPECT_EQ(a[0], 0xAA);
    EXPECT_EQ(a[n + 1], 0xAA) << "wrote past the end";
    if (n >= 7) {
      EXPECT_NE(a, b) << n;
    }
  }
  // Bits are balanced: 64 Ki random bits have 32 Ki +- a few hundred ones.
  std::vector<uint64_t> words(1024);
  SecureRandomBytes(words.data(), words.size() * sizeof(uint64_t));
  int ones = 0;
  for (uint64_t w : words) ones += __builtin_popcountll(w);
  EXPECT_GT(ones, 32768 - 1000);
  EXPECT_LT(ones, 32768 + 1000);
}

TEST(SecureRandom, DistinctAcrossThreads) {
  const int64_t per_thread = testing::Scaled(20'000, 500);
  std::vector<std::vector<uint64_t>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < per_thread; ++i)
        out[t].push_back(SecureRandom64());
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& v : out) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(SecureRandom, ParentAndChildDrawDifferentBytesAfterFork) {
  // Prime this thread's buffer, so that without the fork handler both
  // processes would hand out the same buffered bytes next.
  (void)SecureRandom64();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const uint64_t v = SecureRandom64();
    const ssize_t w = write(fds[1], &v, sizeof(v));
    _exit(w == sizeof(v) ? 0 : 1);
  }
  const uint64_t mine = SecureRandom64();
  uint64_t child = 0;
  ASSERT_EQ(read(fds[0], &child, sizeof(child)),
            static_cast<ssize_t>(sizeof(child)));
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(mine, child);
}

// ---- The fast paths must compute exactly the function they replace.

using Kernel = FeistelPermutation::Kernel;

// The kernels to test here: every one this CPU runs (kAuto included, which
// is one of them, and the portable one always).
std::vector<Kernel> KernelsToTest() {
  std::vector<Kernel> kernels;
  for (Kernel k :
       {Kernel::kAuto, Kernel::kPortable, Kernel::kAvx2, Kernel::kAvx512}) {
    if (FeistelPermutation::KernelSupported(k)) kernels.push_back(k);
  }
  return kernels;
}

const char* KernelName(Kernel k) {
  switch (k) {
    case Kernel::kAuto:
      return "auto";
    case Kernel::kPortable:
      return "portable";
    case Kernel::kAvx2:
      return "avx2";
    case Kernel::kAvx512:
      return "avx512";
  }
  return "?";
}

// The permutation as first written: each round a fresh SipHash24Short of
// the 6-byte message (half, round, tweak), a 128-bit Lemire product, and
// cycle walking. The precomputed-state rounds must match it bit for bit.
uint64_t ReferencePermute(const SipKey& key, uint64_t domain, uint8_t tweak,
                          uint64_t x) {
  // ceil(sqrt(domain)), from a float estimate corrected exactly.
  uint64_t side = static_cast<uint64_t>(std::sqrt(static_cast<double>(domain)));
  while (side * side < domain) ++side;
  while (side > 1 && (side - 1) * (side - 1) >= domain) --side;
  uint64_t y = x;
  do {
    uint64_t left = y / side, right = y % side;
    for (int round = 0; round < FeistelPermutation::kRounds; ++round) {
      const uint64_t message = right | (static_cast<uint64_t>(round) << 32) |
                               (static_cast<uint64_t>(tweak) << 40);
      const uint64_t hash = SipHash24Short(key, message, 6);
      const uint64_t f = static_cast<uint64_t>(
          (static_cast<unsigned __int128>(hash) * side) >> 64);
      const uint64_t mixed = (left + f) % side;
      left = right;
      right = mixed;
    }
    y = left * side + right;
  } while (y >= domain);
  return y;
}

TEST(FeistelPermutation, PrecomputedRoundsMatchTheReferenceDefinition) {
  std::mt19937_64 rng(21);
  // Small domains (walking, slow sqrt loop is fine) and the token domains.
  for (uint64_t domain : {1ull, 2ull, 5ull, 101ull, 4097ull, 1'000'003ull}) {
    for (int k = 0; k < 4; ++k) {
      const SipKey key{rng(), rng()};
      const uint8_t tweak = static_cast<uint8_t>(rng());
      const FeistelPermutation perm(key, domain, tweak);
      for (int i = 0; i < 50; ++i) {
        const uint64_t x = rng() % domain;
        ASSERT_EQ(perm.Permute(x), ReferencePermute(key, domain, tweak, x))
            << "domain " << domain << " x " << x;
      }
    }
  }
  const SipKey key{rng(), rng()};
  const FeistelPermutation barcodes(key, kBarcodeDomain, 1);
  const FeistelPermutation codes(key, kCodeDomain, 2);
  for (int i = 0; i < 200; ++i) {
    const uint64_t b = rng() % kBarcodeDomain, c = rng() % kCodeDomain;
    ASSERT_EQ(barcodes.Permute(b), ReferencePermute(key, kBarcodeDomain, 1, b));
    ASSERT_EQ(codes.Permute(c), ReferencePermute(key, kCodeDomain, 2, c));
  }
}

TEST(TokenGenerator, OutputUnchangedFromBeforeTheFastPaths) {
  // Printed by the scalar implementation of commit 842e30b (before the
  // precomputed state, the batch API and the split formatters): fixed-key
  // tokens must never change, or replays would stop reproducing.
  struct Golden {
    uint64_t sequence;
    const char* barcode;
    const char* code;
  };
  const Golden golden[] = {
      {0u, "43888848708202380", "4alh7diw"},
      {1u, "77240220031027109", "hng22jcl"},
      {2u, "08687462333280465", "g8um3egi"},
      {3u, "43117381617746019", "ktripu5r"},
      {41u, "92982627057721170", "6o6g5drv"},
      {1000u, "57154176542668341", "zza3lsk5"},
      {123456789u, "22254124821129266", "p43unaw7"},
      {2821109907455u, "45997611160400160", "flnrdqtz"},
      {99999999999999999u, "66975187804418195", ""},
  };
  const TokenGenerator tokens(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
  for (const Golden& g : golden) {
    EXPECT_EQ(tokens.Barcode(g.sequence), g.barcode) << g.sequence;
    if (g.sequence < kCodeDomain) {
      EXPECT_EQ(tokens.Code(g.sequence), g.code) << g.sequence;
    }
  }
  const FeistelPermutation small(SipKey{5, 6}, 4097, 3);
  const uint64_t expected[] = {702,  2212, 1115, 1717, 3530, 1728,
                               3366, 3357, 4047, 2782, 2475, 417};
  for (uint64_t x = 0; x < 12; ++x) EXPECT_EQ(small.Permute(x), expected[x]);
}

TEST(FeistelPermutation, PermuteManyEqualsPermuteForEveryLaneCount) {
  // Random keys; lanes drawn from a mix of permutations: the two token
  // domains and small ones just above a square, where most passes land
  // outside the domain, so lanes walk different numbers of passes.
  std::mt19937_64 rng(31);
  const int trials = static_cast<int>(testing::Scaled(300, 30));
  for (Kernel kernel : KernelsToTest()) {
    for (int trial = 0; trial < trials; ++trial) {
      const SipKey key{rng(), rng()};
      const std::vector<FeistelPermutation> perms = {
          FeistelPermutation(key, kBarcodeDomain, 1),
          FeistelPermutation(key, kCodeDomain, 2),
          FeistelPermutation(SipKey{rng(), rng()}, 5, 7),
          FeistelPermutation(SipKey{rng(), rng()}, 17, 7),
          FeistelPermutation(SipKey{rng(), rng()}, 65, 9),
          FeistelPermutation(SipKey{rng(), rng()}, 1, 9),
          FeistelPermutation(SipKey{rng(), rng()}, 1'000'001, 4),
      };
      for (size_t count :
           {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 16u, 17u, 100u}) {
        // Some batches all on one permutation, some mixed.
        const bool mixed = trial % 3 != 0;
        const size_t only = rng() % perms.size();
        std::vector<FeistelPermutation::Lane> lanes(count);
        for (auto& lane : lanes) {
          lane.perm = &perms[mixed ? rng() % perms.size() : only];
          // Edges first: 0 and domain - 1 show up in every batch.
          const uint64_t d = lane.perm->domain();
          const uint64_t r = rng() % 8;
          lane.x = r == 0 ? 0 : (r == 1 ? d - 1 : rng() % d);
        }
        std::vector<uint64_t> out(count, ~uint64_t{0});
        FeistelPermutation::PermuteMany(lanes, out, kernel);
        for (size_t i = 0; i < count; ++i) {
          ASSERT_EQ(out[i], lanes[i].perm->Permute(lanes[i].x))
              << KernelName(kernel) << " count " << count << " lane " << i
              << " domain " << lanes[i].perm->domain() << " x " << lanes[i].x;
          ASSERT_LT(out[i], lanes[i].perm->domain());
        }
      }
    }
  }
}

TEST(FeistelPermutation, PermuteManyIsAPermutationOfSmallDomains) {
  // Exhaustive through the batch path alone: all of [0, domain) in one
  // call must come out as each value exactly once.
  std::mt19937_64 rng(41);
  for (Kernel kernel : KernelsToTest()) {
    for (uint64_t domain : {3ull, 10ull, 101ull, 4097ull}) {
      const FeistelPermutation perm(SipKey{rng(), rng()}, domain, 5);
      std::vector<FeistelPermutation::Lane> lanes(domain);
      for (uint64_t x = 0; x < domain; ++x) lanes[x] = {&perm, x};
      std::vector<uint64_t> out(domain);
      FeistelPermutation::PermuteMany(lanes, out, kernel);
      std::vector<bool> seen(domain, false);
      for (uint64_t x = 0; x < domain; ++x) {
        ASSERT_LT(out[x], domain);
        ASSERT_FALSE(seen[out[x]]) << KernelName(kernel) << " " << domain;
        seen[out[x]] = true;
        ASSERT_EQ(perm.Inverse(out[x]), x);
      }
    }
  }
}

TEST(FeistelPermutation, PermuteManyOfNothingIsFine) {
  FeistelPermutation::PermuteMany({}, {});
}

TEST(TokenGenerator, ValuesAndFormattersMatchTheStrings) {
  const TokenGenerator tokens(11, 12);
  std::mt19937_64 rng(51);
  for (int i = 0; i < 3000; ++i) {
    const uint64_t b =
        i < 2 ? (i == 0 ? 0 : kBarcodeDomain - 1) : rng() % kBarcodeDomain;
    const uint64_t c =
        i < 2 ? (i == 0 ? 0 : kCodeDomain - 1) : rng() % kCodeDomain;
    const uint64_t bv = tokens.BarcodeValue(b);
    const uint64_t cv = tokens.CodeValue(c);
    ASSERT_LT(bv, kBarcodeDomain);
    ASSERT_LT(cv, kCodeDomain);
    char bbuf[kBarcodeDigits + 1] = {};
    char cbuf[kCodeChars + 1] = {};
    TokenGenerator::FormatBarcode(bv, bbuf);
    TokenGenerator::FormatCode(cv, cbuf);
    ASSERT_EQ(std::string(bbuf), tokens.Barcode(b));
    ASSERT_EQ(std::string(cbuf), tokens.Code(c));
    ASSERT_EQ(std::stoull(bbuf), bv);
    ASSERT_EQ(std::stoull(cbuf, nullptr, 36), cv);
  }
}

TEST(TokenGenerator, FormattersAtTheEdgesAndWriteExactlyTheirWidth) {
  // Guards on both sides catch a formatter writing one byte too many.
  const struct {
    uint64_t value;
    const char* text;
  } barcodes[] = {{0, "00000000000000000"},
                  {7, "00000000000000007"},
                  {99'999'999, "00000000099999999"},
                  {100'000'000, "00000000100000000"},
                  {kBarcodeDomain - 1, "99999999999999999"},
                  {12'345'678'901'234'567, "12345678901234567"}};
  for (const auto& e : barcodes) {
    char buf[kBarcodeDigits + 2];
    std::memset(buf, '#', sizeof(buf));
    TokenGenerator::FormatBarcode(e.value, buf + 1);
    EXPECT_EQ(buf[0], '#');
    EXPECT_EQ(buf[kBarcodeDigits + 1], '#');
    EXPECT_EQ(std::string(buf + 1, kBarcodeDigits), e.text);
  }
  const struct {
    uint64_t value;
    const char* text;
  } codes[] = {{0, "00000000"},
               {35, "0000000z"},
               {36, "00000010"},
               {36ull * 36 * 36 * 36 - 1, "0000zzzz"},
               {36ull * 36 * 36 * 36, "00010000"},
               {kCodeDomain - 1, "zzzzzzzz"}};
  for (const auto& e : codes) {
    char buf[kCodeChars + 2];
    std::memset(buf, '#', sizeof(buf));
    TokenGenerator::FormatCode(e.value, buf + 1);
    EXPECT_EQ(buf[0], '#');
    EXPECT_EQ(buf[kCodeChars + 1], '#');
    EXPECT_EQ(std::string(buf + 1, kCodeChars), e.text);
  }
}

TEST(TokenGenerator, MintOrderEqualsTheScalarTokens) {
  std::mt19937_64 rng(61);
  const TokenGenerator tokens(rng(), rng());
  const int trials = static_cast<int>(testing::Scaled(200, 20));
  for (int trial = 0; trial < trials; ++trial) {
    for (size_t tickets : {0u, 1u, 2u, 3u, 6u, 7u, 8u, 9u, 15u, 16u, 100u}) {
      std::vector<uint64_t> seqs(tickets);
      for (auto& s : seqs) s = rng() % kBarcodeDomain;
      const uint64_t order = rng() % kCodeDomain;
      std::vector<uint64_t> barcodes(tickets, ~uint64_t{0});
      uint64_t code = ~uint64_t{0};
      const bool want_code = trial % 4 != 3;
      tokens.MintOrder(seqs, order, barcodes, want_code ? &code : nullptr);
      for (size_t i = 0; i < tickets; ++i) {
        ASSERT_EQ(barcodes[i], tokens.BarcodeValue(seqs[i]))
            << tickets << " tickets, #" << i;
      }
      if (want_code) {
        ASSERT_EQ(code, tokens.CodeValue(order)) << tickets << " tickets";
      } else {
        ASSERT_EQ(code, ~uint64_t{0});
      }
    }
  }
}

TEST(TokenGenerator, MintOrderTokensAreUnique) {
  // Consecutive orders of 2 and 6 tickets, as the engine mints them (one
  // sequence per ticket, one per order): no barcode or code repeats.
  const TokenGenerator tokens;
  const int64_t orders = testing::Scaled(100'000, 2'000);
  std::vector<uint64_t> barcodes, codes;
  uint64_t ticket = 0;
  for (int64_t o = 0; o < orders; ++o) {
    const size_t n = o % 2 == 0 ? 2 : 6;
    uint64_t seqs[6];
    for (size_t i = 0; i < n; ++i) seqs[i] = ticket++;
    uint64_t out[6];
    uint64_t code;
    tokens.MintOrder(std::span<const uint64_t>(seqs, n),
                     static_cast<uint64_t>(o), std::span<uint64_t>(out, n),
                     &code);
    barcodes.insert(barcodes.end(), out, out + n);
    codes.push_back(code);
  }
  for (uint64_t b : barcodes) ASSERT_LT(b, kBarcodeDomain);
  for (uint64_t c : codes) ASSERT_LT(c, kCodeDomain);
  std::sort(barcodes.begin(), barcodes.end());
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(std::adjacent_find(barcodes.begin(), barcodes.end()),
            barcodes.end());
  EXPECT_EQ(std::adjacent_find(codes.begin(), codes.end()), codes.end());
}

TEST(TokenGenerator, MintOrderFromManyThreads) {
  // One shared generator, 4 threads minting disjoint orders; each result
  // is checked against the scalar path afterwards.
  const TokenGenerator tokens(13, 14);
  const int64_t per_thread = testing::Scaled(20'000, 300);
  constexpr size_t kTickets = 5;
  std::vector<std::vector<uint64_t>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t o = 0; o < per_thread; ++o) {
        const uint64_t order = static_cast<uint64_t>(t * per_thread + o);
        uint64_t seqs[kTickets];
        for (size_t i = 0; i < kTickets; ++i) seqs[i] = order * kTickets + i;
        uint64_t barcodes[kTickets];
        uint64_t code;
        tokens.MintOrder(seqs, order, barcodes, &code);
        out[t].insert(out[t].end(), barcodes, barcodes + kTickets);
        out[t].push_back(code);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(out[t].size(), per_thread * (kTickets + 1));
    for (int64_t o = 0; o < per_thread; o += 7) {
      const uint64_t order = static_cast<uint64_t>(t * per_thread + o);
      const uint64_t* row = &out[t][o * (kTickets + 1)];
      for (size_t i = 0; i < kTickets; ++i) {
        ASSERT_EQ(row[i], tokens.BarcodeValue(order * kTickets + i));
      }
      ASSERT_EQ(row[kTickets], tokens.CodeValue(order));
    }
  }
}

TEST(FeistelPermutationDeathTest, RefusesMismatchedSizes) {
  const FeistelPermutation perm(SipKey{1, 2}, 100, 1);
  const FeistelPermutation::Lane lanes[2] = {{&perm, 1}, {&perm, 2}};
  uint64_t out[1];
  EXPECT_DEATH(FeistelPermutation::PermuteMany(lanes, out), "CHECK failed");
}

}  // namespace
}  // namespace boxoffice::internal
