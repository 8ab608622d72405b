// Tests of engine/orders/secure_ids: SipHash-2-4 against the paper's
// vectors, the Feistel permutation (exhaustively on small domains, by
// inversion on the real ones), token formats and uniqueness, and the
// secure random source (including after fork()).
#include "engine/orders/secure_ids.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
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

}  // namespace
}  // namespace boxoffice::internal
