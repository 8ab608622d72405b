// Randomized differential test: the same single-threaded stream of
// operations goes to LockFreeInventory and ReferenceInventory (both
// lowest-first, so they must pick the same tickets); every result, the counts
// of every set and the status of every touched ticket are compared step by
// step. Values are biased toward edges (0, 1, vacant, size, size + 1).
//
// BOXOFFICE_CORE_SEED=<n> replays one seed; BOXOFFICE_CORE_OPS=<n> changes
// the number of operations per seed (default 100,000).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/core/lockfree_inventory.h"
#include "engine/core/pool_common.h"
#include "engine/core/reference_inventory.h"
#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(core::SplitMix64(seed) | 1) {}
  uint64_t Next() { return core::XorShift64Star(state_); }
  uint32_t Below(uint32_t n) { return n == 0 ? 0 : Next() % n; }
  bool OneIn(uint32_t n) { return Below(n) == 0; }

 private:
  uint64_t state_;
};

struct Held {
  TicketRef ticket;
  HolderId holder;
};

class Differential {
 public:
  explicit Differential(uint64_t seed) : rng_(seed) {
    const ClaimPolicy policy{.lowest_first = true, .seed = seed};
    lf_ = std::make_unique<LockFreeInventory>(policy);
    ref_ = std::make_unique<ReferenceInventory>(policy);
    // Sizes at and around bitmap word edges, plus an empty set.
    const uint32_t sizes[] = {1, 63, 64, 65, 130, 0, 7};
    TicketIndex first = 0;
    for (uint32_t s = 0; s < std::size(sizes); ++s) {
      EXPECT_TRUE(lf_->AddSet(s, first, sizes[s]).ok());
      EXPECT_TRUE(ref_->AddSet(s, first, sizes[s]).ok());
      firsts_.push_back(first);
      sizes_.push_back(sizes[s]);
      first += sizes[s];
    }
  }

  // Runs `ops` operations; returns a description of the first divergence.
  std::string Run(int64_t ops) {
    for (int64_t i = 0; i < ops; ++i) {
      std::string err = Step();
      if (err.empty()) err = CompareCounts();
      if (err.empty() && i % 1000 == 999) err = CompareAll();
      if (!err.empty()) return "op " + std::to_string(i) + ": " + err;
    }
    return CompareAll();
  }

 private:
  uint32_t sets() const { return static_cast<uint32_t>(sizes_.size()); }

  // A count biased toward the edges of set `s`.
  uint32_t EdgyCount(SetIndex s) {
    const uint32_t vacant = ref_->Counts(s).vacant;
    switch (rng_.Below(8)) {
      case 0:
        return 0;
      case 1:
        return 1;
      case 2:
        return vacant;
      case 3:
        return vacant + 1;
      case 4:
        return sizes_[s];
      case 5:
        return sizes_[s] + 1;
      default:
        return rng_.Below(5);
    }
  }

  HolderId RandomHolder() {
    return rng_.OneIn(50) ? kMaxHolder : 1 + rng_.Below(6);
  }

  bool RandomTicket(TicketRef& t) {
    const SetIndex s = rng_.Below(sets());
    if (sizes_[s] == 0) return false;
    t = TicketRef{s, firsts_[s] + rng_.Below(sizes_[s])};
    return true;
  }

  void Record(std::span<const TicketRef> got, HolderId holder) {
    for (const TicketRef& t : got) held_.push_back({t, holder});
  }

  std::string Step() {
    const uint32_t kind = rng_.Below(100);
    if (kind < 25) {
      const SetIndex s = rng_.Below(sets());
      const uint32_t n = EdgyCount(s);
      const bool aon = rng_.OneIn(2);
      const HolderId h = RandomHolder();
      std::vector<TicketRef> a(n), b(n);
      const uint32_t ga = lf_->ClaimRandom(s, n, h, aon, a);
      const uint32_t gb = ref_->ClaimRandom(s, n, h, aon, b);
      if (ga != gb) return "ClaimRandom count " + Pair(ga, gb);
      a.resize(ga);
      b.resize(gb);
      if (a != b) return "ClaimRandom tickets differ";
      Record(a, h);
    } else if (kind < 40) {
      TicketRef t;
      if (!RandomTicket(t)) return "";
      const HolderId h = RandomHolder();
      const bool ga = lf_->ClaimTicket(t, h);
      const bool gb = ref_->ClaimTicket(t, h);
      if (ga != gb) return "ClaimTicket " + Pair(ga, gb);
      if (ga) held_.push_back({t, h});
    } else if (kind < 60) {
      return Batch();
    } else if (kind < 85) {
      return ReleaseOrSell(/*sell=*/false);
    } else {
      return ReleaseOrSell(/*sell=*/true);
    }
    return "";
  }

  std::string Batch() {
    std::vector<RandomClaim> random;
    std::vector<TicketRef> specific;
    for (SetIndex s = 0; s < sets(); ++s) {
      if (rng_.OneIn(2)) random.push_back({s, EdgyCount(s)});
    }
    // Shuffle the entries' order: the result layout follows request order.
    for (size_t i = random.size(); i > 1; --i) {
      std::swap(random[i - 1], random[rng_.Below(static_cast<uint32_t>(i))]);
    }
    const uint32_t want_specific = rng_.Below(4);
    for (uint32_t i = 0;
         i < want_specific * 2 && specific.size() < want_specific; ++i) {
      TicketRef t;
      if (!RandomTicket(t)) continue;
      // Bias toward held tickets: half the time, one somebody holds.
      if (!held_.empty() && rng_.OneIn(2)) {
        t = held_[rng_.Below(static_cast<uint32_t>(held_.size()))].ticket;
      }
      if (std::find(specific.begin(), specific.end(), t) == specific.end()) {
        specific.push_back(t);
      }
    }
    const bool aon = rng_.OneIn(2);
    const HolderId h = RandomHolder();
    uint64_t total = specific.size();
    for (const RandomClaim& r : random) total += r.count;
    std::vector<TicketRef> a(total), b(total);
    const BatchClaim claim{random, specific, aon};
    const BatchResult ra = lf_->ClaimBatch(claim, h, a);
    const BatchResult rb = ref_->ClaimBatch(claim, h, b);
    if (ra.claimed != rb.claimed || ra.complete != rb.complete) {
      return "ClaimBatch result " + Pair(ra.claimed, rb.claimed) + " " +
             Pair(ra.complete, rb.complete);
    }
    a.resize(ra.claimed);
    b.resize(rb.claimed);
    if (a != b) return "ClaimBatch tickets differ";
    Record(a, h);
    return "";
  }

  std::string ReleaseOrSell(bool sell) {
    // Mostly one holder's own tickets, sometimes others' and unheld ones.
    const HolderId h = RandomHolder();
    std::vector<TicketRef> list;
    const uint32_t n = rng_.Below(6);
    for (uint32_t i = 0; i < n; ++i) {
      if (!held_.empty() && !rng_.OneIn(4)) {
        const Held& x = held_[rng_.Below(static_cast<uint32_t>(held_.size()))];
        list.push_back(x.ticket);
      } else {
        TicketRef t;
        if (RandomTicket(t)) list.push_back(t);
      }
    }
    const uint32_t ga = sell ? lf_->Sell(list, h) : lf_->Release(list, h);
    const uint32_t gb = sell ? ref_->Sell(list, h) : ref_->Release(list, h);
    if (ga != gb) return (sell ? "Sell " : "Release ") + Pair(ga, gb);
    // Forget what is no longer held (sold tickets stay sold; forget them
    // too so that the list does not fill with dead entries).
    std::erase_if(held_, [&](const Held& x) {
      return ref_->Status(x.ticket).state != TicketState::kReserved;
    });
    return "";
  }

  std::string CompareCounts() {
    for (SetIndex s = 0; s < sets(); ++s) {
      const SetCounts a = lf_->Counts(s);
      const SetCounts b = ref_->Counts(s);
      if (a.vacant != b.vacant || a.reserved != b.reserved ||
          a.sold != b.sold || a.size != b.size) {
        return "counts of set " + std::to_string(s) + " vacant " +
               Pair(a.vacant, b.vacant) + " reserved " +
               Pair(a.reserved, b.reserved) + " sold " + Pair(a.sold, b.sold);
      }
      if (a.vacant + a.reserved + a.sold != a.size) return "counts add up";
    }
    return "";
  }

  std::string CompareAll() {
    for (SetIndex s = 0; s < sets(); ++s) {
      for (uint32_t i = 0; i < sizes_[s]; ++i) {
        const TicketRef t{s, firsts_[s] + i};
        const TicketStatusWord a = lf_->Status(t);
        const TicketStatusWord b = ref_->Status(t);
        if (a.state != b.state || a.holder != b.holder) {
          return "status of ticket " + std::to_string(t.ticket);
        }
      }
    }
    if (absl::Status v = lf_->Verify(); !v.ok()) {
      return "lock-free Verify: " + std::string(v.message());
    }
    if (absl::Status v = ref_->Verify(); !v.ok()) {
      return "reference Verify: " + std::string(v.message());
    }
    return "";
  }

  template <typename T>
  static std::string Pair(T a, T b) {
    return "lock-free " + std::to_string(a) + " vs reference " +
           std::to_string(b);
  }

  Rng rng_;
  std::unique_ptr<LockFreeInventory> lf_;
  std::unique_ptr<ReferenceInventory> ref_;
  std::vector<TicketIndex> firsts_;
  std::vector<uint32_t> sizes_;
  std::vector<Held> held_;
};

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::strtoll(v, nullptr, 10);
}

TEST(InventoryDifferentialTest, LockFreeMatchesReferenceStepByStep) {
  std::vector<uint64_t> seeds = {1, 2, 3, 0x5eed, 20261125};
  if (std::getenv("BOXOFFICE_CORE_SEED") != nullptr) {
    seeds = {static_cast<uint64_t>(EnvInt("BOXOFFICE_CORE_SEED", 1))};
  }
  const int64_t ops = EnvInt("BOXOFFICE_CORE_OPS", 100'000);
  for (uint64_t seed : seeds) {
    Differential d(seed);
    const std::string err = d.Run(ops);
    EXPECT_EQ(err, "") << "seed " << seed
                       << " (replay with BOXOFFICE_CORE_SEED=" << seed << ")";
  }
}

}  // namespace
}  // namespace boxoffice::internal
