// Unit tests of both inventories, run against each implementation (typed
// tests): every method, its edges, and the batch claim's layout rules.
#include <algorithm>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "engine/core/lockfree_inventory.h"
#include "engine/core/reference_inventory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

using ::testing::ElementsAre;

template <typename T>
class InventoryTest : public ::testing::Test {
 protected:
  // Three sets: 0 = tickets [100, 110), 1 = [110, 240) (spans words),
  // 2 = [240, 243).
  void SetUp() override { Build(ClaimPolicy{.lowest_first = true}); }

  void Build(ClaimPolicy policy) {
    inv_ = std::make_unique<T>(policy);
    ASSERT_TRUE(inv_->AddSet(0, 100, 10).ok());
    ASSERT_TRUE(inv_->AddSet(1, 110, 130).ok());
    ASSERT_TRUE(inv_->AddSet(2, 240, 3).ok());
  }

  void ExpectCounts(SetIndex s, uint32_t vacant, uint32_t reserved,
                    uint32_t sold) {
    const SetCounts c = inv_->Counts(s);
    EXPECT_EQ(c.vacant, vacant) << "set " << s;
    EXPECT_EQ(c.reserved, reserved) << "set " << s;
    EXPECT_EQ(c.sold, sold) << "set " << s;
    EXPECT_EQ(c.vacant + c.reserved + c.sold, c.size);
  }

  std::unique_ptr<Inventory> inv_;
};

using Implementations = ::testing::Types<LockFreeInventory, ReferenceInventory>;
TYPED_TEST_SUITE(InventoryTest, Implementations);

TYPED_TEST(InventoryTest, AddSetRefusesOutOfOrderAndOversizedSets) {
  TypeParam inv;
  EXPECT_EQ(inv.AddSet(1, 0, 5).message(),
            "Set index 1 out of order: expected 0");
  EXPECT_EQ(inv.AddSet(0, 0, (1u << 24) + 1).message(),
            "Set 0 has 16777217 tickets, at most 16777216");
  EXPECT_EQ(inv.AddSet(0, (1u << 31) - 2, 5).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(inv.AddSet(0, 0, 5).ok());
  EXPECT_TRUE(inv.AddSet(1, 5, 0).ok());  // an empty set is allowed
  EXPECT_EQ(inv.set_count(), 2u);
  EXPECT_EQ(inv.Counts(1).size, 0u);
  EXPECT_TRUE(inv.Verify().ok());
}

TYPED_TEST(InventoryTest, FreshSetsAreAllVacant) {
  this->ExpectCounts(0, 10, 0, 0);
  this->ExpectCounts(1, 130, 0, 0);
  EXPECT_EQ(this->inv_->Counts(1).size, 130u);
  EXPECT_EQ(this->inv_->Status({1, 200}).state, TicketState::kVacant);
  EXPECT_EQ(this->inv_->Status({1, 200}).holder, kNoHolder);
  EXPECT_EQ(this->inv_->set_count(), 3u);
  EXPECT_GT(this->inv_->memory_bytes(), 0u);
}

TYPED_TEST(InventoryTest, ClaimRandomZeroClaimsNothing) {
  std::vector<TicketRef> out(1);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 0, 7, false, out), 0u);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 0, 7, true, out), 0u);
  this->ExpectCounts(0, 10, 0, 0);
}

TYPED_TEST(InventoryTest, ClaimRandomLowestFirstTakesLowestVacant) {
  std::vector<TicketRef> out(3);
  ASSERT_TRUE(this->inv_->ClaimTicket({0, 101}, 5));
  EXPECT_EQ(this->inv_->ClaimRandom(0, 3, 7, false, out), 3u);
  EXPECT_THAT(out, ElementsAre(TicketRef{0, 100}, TicketRef{0, 102},
                               TicketRef{0, 103}));
  EXPECT_EQ(this->inv_->Status({0, 102}).state, TicketState::kReserved);
  EXPECT_EQ(this->inv_->Status({0, 102}).holder, 7u);
  this->ExpectCounts(0, 6, 4, 0);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, ClaimRandomBeyondVacantTakesWhatIsLeft) {
  std::vector<TicketRef> out(11);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 11, 7, false, out), 10u);
  this->ExpectCounts(0, 0, 10, 0);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 1, 8, false, out), 0u);
}

TYPED_TEST(InventoryTest, ClaimRandomAllOrNothingTakesAllOrNone) {
  std::vector<TicketRef> out(11);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 11, 7, true, out), 0u);
  this->ExpectCounts(0, 10, 0, 0);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 10, 7, true, out), 10u);
  this->ExpectCounts(0, 0, 10, 0);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 1, 8, true, out), 0u);
}

TYPED_TEST(InventoryTest, ClaimRandomResultsAreDistinctAcrossWords) {
  this->Build(ClaimPolicy{.lowest_first = false, .seed = 42});
  std::vector<TicketRef> out(130);
  std::set<TicketIndex> seen;
  for (int round = 0; round < 13; ++round) {
    ASSERT_EQ(
        this->inv_->ClaimRandom(1, 10, 9, true, std::span(out).subspan(0, 10)),
        10u);
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(out[i].set, 1u);
      EXPECT_GE(out[i].ticket, 110u);
      EXPECT_LT(out[i].ticket, 240u);
      EXPECT_TRUE(seen.insert(out[i].ticket).second) << out[i].ticket;
    }
  }
  this->ExpectCounts(1, 0, 130, 0);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, ClaimTicketOfReservedOrSoldTicketFails) {
  ASSERT_TRUE(this->inv_->ClaimTicket({2, 241}, 5));
  EXPECT_FALSE(this->inv_->ClaimTicket({2, 241}, 6));
  EXPECT_FALSE(this->inv_->ClaimTicket({2, 241}, 5));  // even its holder
  const TicketRef t[] = {{2, 241}};
  EXPECT_EQ(this->inv_->Sell(t, 5), 1u);
  EXPECT_FALSE(this->inv_->ClaimTicket({2, 241}, 6));
  EXPECT_EQ(this->inv_->Status({2, 241}).state, TicketState::kSold);
  EXPECT_EQ(this->inv_->Status({2, 241}).holder, 5u);
  this->ExpectCounts(2, 2, 0, 1);
}

TYPED_TEST(InventoryTest, ReleaseAndSellActOnlyOnTheHoldersReservedTickets) {
  ASSERT_TRUE(this->inv_->ClaimTicket({0, 100}, 5));
  ASSERT_TRUE(this->inv_->ClaimTicket({0, 101}, 6));
  const TicketRef both[] = {{0, 100}, {0, 101}, {0, 102}};
  EXPECT_EQ(this->inv_->Release(both, 7), 0u);  // holds none of them
  EXPECT_EQ(this->inv_->Sell(both, 7), 0u);
  EXPECT_EQ(this->inv_->Release(both, 5), 1u);  // only its own
  EXPECT_EQ(this->inv_->Status({0, 100}).state, TicketState::kVacant);
  EXPECT_EQ(this->inv_->Status({0, 101}).holder, 6u);
  EXPECT_EQ(this->inv_->Sell(both, 6), 1u);
  EXPECT_EQ(this->inv_->Release(both, 6), 0u);  // sold is final
  EXPECT_EQ(this->inv_->Sell(both, 6), 0u);     // and not sold twice
  this->ExpectCounts(0, 9, 0, 1);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, ReleaseCountsDuplicatesOnce) {
  ASSERT_TRUE(this->inv_->ClaimTicket({1, 150}, 5));
  const TicketRef twice[] = {{1, 150}, {1, 150}};
  EXPECT_EQ(this->inv_->Release(twice, 5), 1u);
  this->ExpectCounts(1, 130, 0, 0);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, ReleasedTicketsCanBeClaimedAgain) {
  std::vector<TicketRef> out(10);
  ASSERT_EQ(this->inv_->ClaimRandom(0, 10, 5, true, out), 10u);
  EXPECT_EQ(this->inv_->Release(std::span(out).subspan(3, 2), 5), 2u);
  this->ExpectCounts(0, 2, 8, 0);
  std::vector<TicketRef> again(2);
  EXPECT_EQ(this->inv_->ClaimRandom(0, 2, 6, true, again), 2u);
  EXPECT_THAT(again, ElementsAre(out[3], out[4]));
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, EmptyBatchIsComplete) {
  BatchClaim claim;
  std::vector<TicketRef> out;
  const BatchResult r = this->inv_->ClaimBatch(claim, 5, out);
  EXPECT_EQ(r.claimed, 0u);
  EXPECT_TRUE(r.complete);
}

TYPED_TEST(InventoryTest, BatchOverThreeSetsMixesRandomAndSpecific) {
  const RandomClaim random[] = {{2, 1}, {0, 2}, {1, 3}};
  const TicketRef specific[] = {{1, 239}, {0, 100}, {2, 240}};
  std::vector<TicketRef> out(9);
  for (bool aon : {false, true}) {
    SCOPED_TRACE(aon);
    this->SetUp();
    const BatchResult r =
        this->inv_->ClaimBatch(BatchClaim{random, specific, aon}, 5, out);
    EXPECT_EQ(r.claimed, 9u);
    EXPECT_TRUE(r.complete);
    // Specific first in request order, then random entry by entry; random
    // picks skip the specific tickets of the same batch.
    EXPECT_THAT(
        out,
        ElementsAre(TicketRef{1, 239}, TicketRef{0, 100}, TicketRef{2, 240},
                    TicketRef{2, 241}, TicketRef{0, 101}, TicketRef{0, 102},
                    TicketRef{1, 110}, TicketRef{1, 111}, TicketRef{1, 112}));
    for (const TicketRef& t : out) {
      EXPECT_EQ(this->inv_->Status(t).state, TicketState::kReserved);
      EXPECT_EQ(this->inv_->Status(t).holder, 5u);
    }
    this->ExpectCounts(0, 7, 3, 0);
    this->ExpectCounts(1, 126, 4, 0);
    this->ExpectCounts(2, 1, 2, 0);
    EXPECT_TRUE(this->inv_->Verify().ok());
  }
}

TYPED_TEST(InventoryTest, FailedAllOrNothingBatchLeavesNothingClaimed) {
  ASSERT_TRUE(this->inv_->ClaimTicket({2, 242}, 9));
  std::vector<TicketRef> out(200);
  // Fails on the last set's random count (2 vacant left, 3 asked).
  {
    const RandomClaim random[] = {{0, 5}, {1, 5}, {2, 3}};
    const TicketRef specific[] = {{1, 200}};
    const BatchResult r =
        this->inv_->ClaimBatch(BatchClaim{random, specific, true}, 5, out);
    EXPECT_EQ(r.claimed, 0u);
    EXPECT_FALSE(r.complete);
  }
  // Fails on a taken specific ticket in the last set, after the others.
  {
    const RandomClaim random[] = {{0, 5}, {1, 5}};
    const TicketRef specific[] = {{1, 200}, {2, 242}, {0, 109}};
    const BatchResult r =
        this->inv_->ClaimBatch(BatchClaim{random, specific, true}, 5, out);
    EXPECT_EQ(r.claimed, 0u);
    EXPECT_FALSE(r.complete);
  }
  // Fails in the middle set (specific ticket plus random exceed the set).
  {
    const RandomClaim random[] = {{0, 1}, {1, 130}, {2, 1}};
    const TicketRef specific[] = {{1, 200}};
    const BatchResult r =
        this->inv_->ClaimBatch(BatchClaim{random, specific, true}, 5, out);
    EXPECT_EQ(r.claimed, 0u);
  }
  this->ExpectCounts(0, 10, 0, 0);
  this->ExpectCounts(1, 130, 0, 0);
  this->ExpectCounts(2, 2, 1, 0);
  EXPECT_EQ(this->inv_->Status({1, 200}).state, TicketState::kVacant);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, BestEffortBatchClaimsWhatItCan) {
  ASSERT_TRUE(this->inv_->ClaimTicket({2, 242}, 9));
  const RandomClaim random[] = {{2, 5}, {0, 3}};
  const TicketRef specific[] = {{2, 242}, {0, 105}, {2, 240}};
  std::vector<TicketRef> out(11);
  const BatchResult r =
      this->inv_->ClaimBatch(BatchClaim{random, specific, false}, 5, out);
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.claimed, 6u);
  out.resize(r.claimed);
  EXPECT_THAT(out, ElementsAre(TicketRef{0, 105}, TicketRef{2, 240},
                               TicketRef{2, 241}, TicketRef{0, 100},
                               TicketRef{0, 101}, TicketRef{0, 102}));
  this->ExpectCounts(2, 0, 3, 0);
  this->ExpectCounts(0, 6, 4, 0);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, BatchWithZeroCountsAndSingleItems) {
  std::vector<TicketRef> out(2);
  const RandomClaim zero[] = {{0, 0}, {1, 0}};
  BatchResult r = this->inv_->ClaimBatch(BatchClaim{zero, {}, true}, 5, out);
  EXPECT_EQ(r.claimed, 0u);
  EXPECT_TRUE(r.complete);
  const TicketRef one[] = {{1, 111}};
  r = this->inv_->ClaimBatch(BatchClaim{zero, one, true}, 5, out);
  EXPECT_EQ(r.claimed, 1u);
  EXPECT_EQ(out[0], (TicketRef{1, 111}));
  r = this->inv_->ClaimBatch(BatchClaim{zero, one, true}, 6, out);
  EXPECT_EQ(r.claimed, 0u);
  EXPECT_FALSE(r.complete);
  const RandomClaim two[] = {{2, 2}};
  r = this->inv_->ClaimBatch(BatchClaim{two, {}, true}, 5, out);
  EXPECT_EQ(r.claimed, 2u);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

TYPED_TEST(InventoryTest, CountsStayConsistentThroughALifecycle) {
  std::vector<TicketRef> out(130);
  ASSERT_EQ(this->inv_->ClaimRandom(1, 100, 1, false, out), 100u);
  EXPECT_EQ(this->inv_->Sell(std::span(out).subspan(0, 40), 1), 40u);
  EXPECT_EQ(this->inv_->Release(std::span(out).subspan(30, 30), 1), 20u);
  this->ExpectCounts(1, 50, 40, 40);
  EXPECT_EQ(this->inv_->ClaimRandom(1, 60, 2, false, out), 50u);
  this->ExpectCounts(1, 0, 90, 40);
  EXPECT_TRUE(this->inv_->Verify().ok());
}

// Lock-free specifics.

TEST(LockFreeInventoryTest, PerTicketStateFitsTheBudget) {
  LockFreeInventory inv;
  ASSERT_TRUE(inv.AddSet(0, 0, 1'000'000).ok());
  const size_t empty = LockFreeInventory().memory_bytes();
  // 4 bytes of state word + 1 bit of vacancy per ticket, plus constant
  // overhead: at most 8 bytes per ticket (the catalog's index gets the rest
  // of the 16-byte budget).
  EXPECT_LE(inv.memory_bytes() - empty, 1'000'000u * 8);
  EXPECT_GE(inv.memory_bytes() - empty, 1'000'000u * 4);
}

TEST(LockFreeInventoryTest, ManySetsAcrossDirectoryChunks) {
  LockFreeInventory inv(ClaimPolicy{.lowest_first = true});
  constexpr uint32_t kSets = 10'000;  // more than one directory chunk
  for (uint32_t s = 0; s < kSets; ++s) {
    ASSERT_TRUE(inv.AddSet(s, s * 2, 2).ok());
  }
  std::vector<TicketRef> out(2);
  ASSERT_EQ(inv.ClaimRandom(kSets - 1, 2, 3, true, out), 2u);
  EXPECT_EQ(out[0], (TicketRef{kSets - 1, (kSets - 1) * 2}));
  EXPECT_EQ(inv.Counts(kSets - 1).vacant, 0u);
  EXPECT_EQ(inv.Counts(4096).vacant, 2u);
  EXPECT_TRUE(inv.Verify().ok());
}

TEST(LockFreeInventoryTest, NoGiveupsWithoutContention) {
  LockFreeInventory inv;
  ASSERT_TRUE(inv.AddSet(0, 0, 3).ok());
  std::vector<TicketRef> out(4);
  EXPECT_EQ(inv.ClaimRandom(0, 4, 1, true, out), 0u);
  EXPECT_TRUE(inv.ClaimTicket({0, 0}, 1));
  EXPECT_FALSE(inv.ClaimTicket({0, 0}, 2));
  EXPECT_EQ(inv.contention_giveups(), 0u);
}

// The summary bitmap (one bit per vacant word) after every kind of step
// that empties or refills a word: random claims, seat claims, releases and
// an all-or-nothing batch's rollback. Verify checks that every non-empty
// word has its bit; single-threaded, the summary is exact at every call,
// so no claim may ever need the linear fallback.
TEST(LockFreeInventoryTest, SummaryFollowsEveryPathThatEmptiesOrFillsAWord) {
  LockFreeInventory inv(ClaimPolicy{.seed = 5});
  // 9000 tickets: 141 words, 3 summary words, the last word partial.
  ASSERT_TRUE(inv.AddSet(0, 0, 9000).ok());
  ASSERT_TRUE(inv.AddSet(1, 9000, 100).ok());
  std::vector<TicketRef> held(9000);
  ASSERT_EQ(inv.ClaimRandom(0, 8990, 1, true, held), 8990u);
  held.resize(8990);
  EXPECT_TRUE(inv.Verify().ok());
  // Empty the remaining words seat by seat (TakeSpecific).
  std::vector<TicketRef> seats;
  for (TicketIndex x = 0; x < 9000; ++x) {
    if (inv.Status({0, x}).state == TicketState::kVacant) {
      seats.push_back({0, x});
    }
  }
  ASSERT_EQ(seats.size(), 10u);
  for (const TicketRef& t : seats) ASSERT_TRUE(inv.ClaimTicket(t, 2));
  EXPECT_EQ(inv.Counts(0).vacant, 0u);
  EXPECT_TRUE(inv.Verify().ok());
  // Refill scattered words (Release), then take them by random claims.
  std::vector<TicketRef> back;
  for (size_t i = 0; i < held.size(); i += 997) back.push_back(held[i]);
  ASSERT_EQ(inv.Release(back, 1), back.size());
  EXPECT_TRUE(inv.Verify().ok());
  std::vector<TicketRef> out(back.size());
  ASSERT_EQ(
      inv.ClaimRandom(0, static_cast<uint32_t>(back.size()), 3, true, out),
      back.size());
  EXPECT_EQ(inv.Counts(0).vacant, 0u);
  EXPECT_TRUE(inv.Verify().ok());
  // An all-or-nothing batch whose seat claims succeed and whose random part
  // fails gives its seats back (UntakeTicket refills their empty words).
  ASSERT_EQ(inv.Release({&seats[0], 2}, 2), 2u);
  EXPECT_TRUE(inv.Verify().ok());
  const TicketRef specific[] = {seats[0], seats[1]};
  const RandomClaim random[] = {{1, 101}};
  std::vector<TicketRef> bout(103);
  const BatchResult r =
      inv.ClaimBatch(BatchClaim{random, specific, true}, 4, bout);
  EXPECT_EQ(r.claimed, 0u);
  EXPECT_EQ(inv.Status(seats[0]).state, TicketState::kVacant);
  EXPECT_EQ(inv.Counts(0).vacant, 2u);
  EXPECT_TRUE(inv.Verify().ok());
  ASSERT_EQ(inv.ClaimRandom(0, 2, 5, true, out), 2u);
  EXPECT_TRUE(inv.Verify().ok());
  EXPECT_EQ(inv.linear_passes(), 0u);
}

// A nearly sold-out set: the single vacant ticket is found wherever it is
// (every word, both ends of each summary word), through the summary alone.
TEST(LockFreeInventoryTest, LastVacantTicketIsFoundAnywhere) {
  for (const bool lowest_first : {false, true}) {
    LockFreeInventory inv(ClaimPolicy{.lowest_first = lowest_first, .seed = 9});
    constexpr uint32_t kSize = 3 * 64 * 64 + 5;
    ASSERT_TRUE(inv.AddSet(0, 0, kSize).ok());
    std::vector<TicketRef> all(kSize);
    ASSERT_EQ(inv.ClaimRandom(0, kSize, 1, true, all), kSize);
    TicketRef got[1];
    for (TicketIndex x = 0; x < kSize; x += (x % 64 == 0 ? 63 : 1)) {
      const TicketRef t{0, x};
      ASSERT_EQ(inv.Release({&t, 1}, 1), 1u);
      ASSERT_EQ(inv.ClaimRandom(0, 1, 1, true, got), 1u) << x;
      EXPECT_EQ(got[0], t);
      EXPECT_EQ(inv.ClaimRandom(0, 1, 2, false, got), 0u);
    }
    EXPECT_TRUE(inv.Verify().ok());
    EXPECT_EQ(inv.linear_passes(), 0u);
  }
}

// A thread's random claims in one set continue in the word where its last
// claim took tickets (the per-thread cursor), so that consecutive orders
// touch neighbouring tickets; only when that word runs out does a claim
// jump to a random word.
TEST(LockFreeInventoryTest, ConsecutiveRandomClaimsOfOneThreadTakeNeighbours) {
  LockFreeInventory inv(ClaimPolicy{.lowest_first = false, .seed = 5});
  constexpr uint32_t kSize = 64 * 1000;
  ASSERT_TRUE(inv.AddSet(0, 0, kSize).ok());
  TicketRef got[2];
  ASSERT_EQ(inv.ClaimRandom(0, 2, 1, true, got), 2u);
  const uint32_t word = got[0].ticket / 64;
  EXPECT_EQ(got[1].ticket / 64, word);
  // 31 more pairs fill the word; each comes from it.
  for (int i = 0; i < 31; ++i) {
    ASSERT_EQ(inv.ClaimRandom(0, 2, 1, true, got), 2u);
    EXPECT_EQ(got[0].ticket / 64, word) << i;
    EXPECT_EQ(got[1].ticket / 64, word) << i;
  }
  // The word is full: the next claim goes elsewhere and still succeeds.
  ASSERT_EQ(inv.ClaimRandom(0, 2, 1, true, got), 2u);
  EXPECT_NE(got[0].ticket / 64, word);
  // A released ticket of the old word does not pull the cursor back.
  const TicketRef back{0, word * 64};
  ASSERT_EQ(inv.Release({&back, 1}, 1), 1u);
  const uint32_t next_word = got[0].ticket / 64;
  ASSERT_EQ(inv.ClaimRandom(0, 1, 1, true, got), 1u);
  EXPECT_EQ(got[0].ticket / 64, next_word);
  EXPECT_TRUE(inv.Verify().ok());
}

// The cursor is per inventory: a new inventory (which may reuse the old
// one's address) with a smaller set never starts from a stale word.
TEST(LockFreeInventoryTest, CursorOfAnotherInventoryIsNotUsed) {
  for (int round = 0; round < 20; ++round) {
    auto big = std::make_unique<LockFreeInventory>(ClaimPolicy{});
    ASSERT_TRUE(big->AddSet(0, 0, 64 * 4096).ok());
    TicketRef got[1];
    ASSERT_EQ(big->ClaimRandom(0, 1, 1, true, got), 1u);
    big.reset();
    auto small = std::make_unique<LockFreeInventory>(ClaimPolicy{});
    ASSERT_TRUE(small->AddSet(0, 0, 3).ok());
    TicketRef all[3];
    ASSERT_EQ(small->ClaimRandom(0, 3, 1, true, all), 3u);
    std::set<TicketIndex> distinct;
    for (const TicketRef& t : all) distinct.insert(t.ticket);
    EXPECT_EQ(distinct, (std::set<TicketIndex>{0, 1, 2}));
    EXPECT_TRUE(small->Verify().ok());
  }
}

}  // namespace
}  // namespace boxoffice::internal
