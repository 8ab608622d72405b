#include "engine/common/index_blocks.h"

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

TEST(IndexBlocksTest, OneThreadGetsConsecutiveIndices) {
  IndexBlocks blocks(1u << 20);
  // One thread is one stripe: its blocks follow each other.
  for (uint64_t i = 0; i < 3 * IndexBlocks::kBlock + 5; ++i) {
    ASSERT_EQ(blocks.Take(), i);
  }
  EXPECT_EQ(blocks.bound(), 4 * IndexBlocks::kBlock);
}

TEST(IndexBlocksTest, NoBlockIsHandedOutPastTheLimit) {
  constexpr uint32_t kLimit = IndexBlocks::kBlock + 10;
  IndexBlocks blocks(kLimit);
  std::vector<uint64_t> got;
  for (int i = 0; i < 200; ++i) got.push_back(blocks.Take());
  for (uint64_t i = 0; i < IndexBlocks::kBlock; ++i) ASSERT_EQ(got[i], i);
  // The next block would end past the limit: its first index comes back
  // (for the caller to refuse) and the stripe stays exhausted, so every
  // later call is one more fresh index from the counter, never a repeat.
  std::vector<uint64_t> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  for (size_t i = IndexBlocks::kBlock; i < got.size(); ++i) {
    EXPECT_GE(got[i], kLimit - 10) << i;
  }
}

// Threads well beyond the stripe count, so that stripes are shared and the
// CAS, refill and fallback paths all race. Invariants: every index is
// handed out once; none is at or above (indices taken) + kSlack.
TEST(IndexBlocksStressTest, ManyThreadsTakeUniqueIndicesWithinTheSlack) {
  constexpr int kThreads = 24;
  const int64_t per_thread = testing::Scaled(200'000, 2'000);
  IndexBlocks blocks(UINT32_MAX);
  std::vector<std::vector<uint64_t>> taken(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      taken[t].reserve(static_cast<size_t>(per_thread));
      for (int64_t i = 0; i < per_thread; ++i) {
        taken[t].push_back(blocks.Take());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<uint64_t> all;
  for (const auto& v : taken) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const uint64_t n = all.size();
  ASSERT_EQ(n, static_cast<uint64_t>(kThreads * per_thread));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end())
      << "an index was handed out twice";
  EXPECT_LT(all.back(), n + IndexBlocks::kSlack);
  EXPECT_LE(blocks.bound(), n + IndexBlocks::kSlack);
  EXPECT_GT(blocks.bound(), all.back());
}

}  // namespace
}  // namespace boxoffice::internal
