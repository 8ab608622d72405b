// Randomized test against a trivially correct model (LevelDB's ModelDB
// idea): the same random stream of schedule / cancel / advance / pop goes to
// the wheel and to a std::multimap of deadlines, compared after every step.
// Values are biased toward the edges (tick and level boundaries, the
// current microsecond, the past, the far future). A failing run prints its
// seed; BOXOFFICE_SEED=<n> replays it.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "absl/time/time.h"
#include "engine/timers/timer_wheel.h"
#include "gtest/gtest.h"
#include "tests/support/scale.h"

namespace boxoffice::internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'600'000'000);

struct Live {
  TimerHandle handle;
  int64_t deadline_us;
};

class Model {
 public:
  void Schedule(uint64_t payload, int64_t deadline_us, TimerHandle h) {
    by_deadline_.emplace(deadline_us, payload);
    live_[payload] = Live{h, deadline_us};
  }
  bool Cancel(uint64_t payload) {
    auto it = live_.find(payload);
    if (it == live_.end()) return false;
    Erase(payload, it->second.deadline_us);
    live_.erase(it);
    return true;
  }
  // Checks one PopDue result against the model and removes what it fired.
  void CheckPopped(const std::vector<uint64_t>& got, size_t max,
                   int64_t now_us) {
    ASSERT_LE(got.size(), max);
    for (uint64_t payload : got) {
      auto it = live_.find(payload);
      ASSERT_NE(it, live_.end())
          << "popped twice, cancelled or unknown: " << payload;
      ASSERT_LE(it->second.deadline_us, now_us) << "popped early: " << payload;
      Erase(payload, it->second.deadline_us);
      live_.erase(it);
    }
    if (got.size() < max && !by_deadline_.empty()) {
      ASSERT_GT(by_deadline_.begin()->first, now_us)
          << "a due timer stayed behind, payload "
          << by_deadline_.begin()->second;
    }
  }
  size_t size() const { return live_.size(); }
  const std::map<uint64_t, Live>& live() const { return live_; }

 private:
  void Erase(uint64_t payload, int64_t deadline_us) {
    auto [first, last] = by_deadline_.equal_range(deadline_us);
    for (auto it = first; it != last; ++it) {
      if (it->second == payload) {
        by_deadline_.erase(it);
        return;
      }
    }
    FAIL() << "model lost " << payload;
  }

  std::multimap<int64_t, uint64_t> by_deadline_;
  std::map<uint64_t, Live> live_;
};

uint64_t SeedFromEnvOr(uint64_t fallback) {
  if (const char* env = std::getenv("BOXOFFICE_SEED")) {
    return std::strtoull(env, nullptr, 10);
  }
  return fallback;
}

void RunRandomized(uint64_t seed, int64_t tick_us, int64_t steps) {
  SCOPED_TRACE(::testing::Message()
               << "seed " << seed << " tick_us " << tick_us
               << " (BOXOFFICE_SEED=" << seed << " replays)");
  std::mt19937_64 rng(seed);
  constexpr size_t kCapacity = 96;
  TimerWheelOptions options;
  options.start = kStart;
  options.tick = absl::Microseconds(tick_us);
  options.max_timers = kCapacity;
  auto created = TimerWheel::Create(options);
  ASSERT_TRUE(created.ok());
  TimerWheel& wheel = **created;
  Model model;
  std::vector<TimerHandle> dead;  // fired or cancelled: stale handles
  int64_t now_us = 0;
  uint64_t next_payload = 0;
  int64_t refusals = 0, fired = 0, cancelled = 0, max_live = 0;
  // Odd seeds run "crowded": more schedules, no big clock jumps, so the
  // live set fills the capacity and refusals and reclaims are exercised.
  const bool crowded = seed % 2 == 1;
  const uint64_t schedule_below = crowded ? 55 : 40;
  const uint64_t cancel_below = crowded ? 65 : 60;
  auto pick = [&](uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
  };
  auto near_edge = [&]() -> int64_t {
    // An offset from now biased toward boundaries of ticks and levels.
    static const int kBits[] = {0, 8, 16, 24, 32, 33, 36};
    const int bits = kBits[pick(7)];
    const int64_t span = tick_us << bits;
    const int64_t base = (now_us / span + static_cast<int64_t>(pick(3))) * span;
    return base - now_us + static_cast<int64_t>(pick(5)) - 2;
  };
  for (int64_t step = 0; step < steps; ++step) {
    const uint64_t op = pick(100);
    if (op < schedule_below) {
      int64_t deadline_us = 0;
      switch (pick(6)) {
        case 0:
          deadline_us = now_us;
          break;
        case 1:
          deadline_us = now_us - static_cast<int64_t>(pick(3 * tick_us + 2));
          break;
        case 2:
          deadline_us = now_us + static_cast<int64_t>(pick(4 * tick_us));
          break;
        case 3:
          deadline_us = now_us + near_edge();
          break;
        case 4:
          deadline_us = now_us + static_cast<int64_t>(pick(uint64_t{1} << 40));
          break;
        default:
          deadline_us = now_us + static_cast<int64_t>(pick(300 * tick_us));
          break;
      }
      const uint64_t payload = next_payload++;
      const TimerHandle h =
          wheel.Schedule(payload, kStart + absl::Microseconds(deadline_us));
      // A full Schedule reclaims cancelled nodes itself (no PopDue runs
      // concurrently here), so it refuses only when live timers fill it.
      if (!h.valid()) {
        ASSERT_EQ(model.size(), kCapacity) << "refused below capacity";
        ++refusals;
        continue;
      }
      model.Schedule(payload, deadline_us, h);
    } else if (op < cancel_below) {
      if (!model.live().empty() && pick(4) != 0) {
        auto it = model.live().begin();
        std::advance(it, static_cast<long>(pick(model.live().size())));
        const uint64_t payload = it->first;
        const TimerHandle h = it->second.handle;
        ASSERT_TRUE(wheel.Cancel(h)) << "cancel of live " << payload;
        ASSERT_TRUE(model.Cancel(payload));
        ++cancelled;
        dead.push_back(h);
        ASSERT_FALSE(wheel.Cancel(h)) << "second cancel";
      } else if (!dead.empty()) {
        ASSERT_FALSE(wheel.Cancel(dead[pick(dead.size())])) << "stale handle";
      }
    } else if (op < 90) {
      switch (pick(5)) {
        case 0:
          now_us += static_cast<int64_t>(pick(3));
          break;
        case 1:
          now_us += static_cast<int64_t>(pick(2 * tick_us));
          break;
        case 2: {
          const int64_t edge = near_edge();
          now_us += edge > 0 ? edge : 0;
          break;
        }
        case 3:
          now_us +=
              crowded
                  ? static_cast<int64_t>(pick(2 * tick_us))
                  : static_cast<int64_t>(pick(uint64_t{1} << (10 + pick(30))));
          break;
        default:
          break;  // same time again
      }
      if (now_us < 0) now_us = 0;
      const size_t max = pick(3) == 0 ? 1 + pick(4) : 1'000'000;
      std::vector<uint64_t> due;
      const size_t got =
          wheel.PopDue(kStart + absl::Microseconds(now_us), max, &due);
      ASSERT_EQ(got, due.size());
      // Each popped handle is now stale.
      for (uint64_t payload : due) {
        auto it = model.live().find(payload);
        if (it != model.live().end()) dead.push_back(it->second.handle);
      }
      model.CheckPopped(due, max, now_us);
      if (::testing::Test::HasFatalFailure()) return;
      fired += static_cast<int64_t>(due.size());
    } else if (op < 95) {
      // A caller whose now lags the wheel's (another thread read the clock
      // earlier): nothing later than its own now may come out.
      const int64_t lagging_us =
          now_us - static_cast<int64_t>(pick(4 * tick_us + 3));
      const size_t max = 1 + pick(3);
      std::vector<uint64_t> due;
      wheel.PopDue(kStart + absl::Microseconds(lagging_us), max, &due);
      for (uint64_t payload : due) {
        auto it = model.live().find(payload);
        if (it != model.live().end()) dead.push_back(it->second.handle);
      }
      model.CheckPopped(due, max, lagging_us);
      if (::testing::Test::HasFatalFailure()) return;
    } else {
      ASSERT_EQ(wheel.pending(), model.size());
    }
    max_live = std::max<int64_t>(max_live, static_cast<int64_t>(model.size()));
    if (dead.size() > 4096) dead.erase(dead.begin(), dead.begin() + 2048);
  }
  // Drain everything.
  std::vector<uint64_t> due;
  wheel.PopDue(absl::InfiniteFuture(), 1'000'000, &due);
  model.CheckPopped(due, 1'000'000, int64_t{1} << 61);
  EXPECT_EQ(model.size(), 0u);
  EXPECT_EQ(wheel.pending(), 0u);
  std::printf(
      "seed %llu tick %lld: fired %lld cancelled %lld refused %lld "
      "max live %lld\n",
      static_cast<unsigned long long>(seed), static_cast<long long>(tick_us),
      static_cast<long long>(fired), static_cast<long long>(cancelled),
      static_cast<long long>(refusals), static_cast<long long>(max_live));
}

TEST(TimerWheelModel, RandomOperationsMatchTheModel) {
  const int64_t seeds = testing::Scaled(40, 4);
  const int64_t steps = testing::Scaled(50'000, 20'000);
  const uint64_t base = SeedFromEnvOr(20261125);
  for (int64_t i = 0; i < seeds; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    for (int64_t tick_us : {int64_t{1}, int64_t{7}, int64_t{1000}}) {
      RunRandomized(seed, tick_us, steps);
      if (HasFatalFailure()) return;
    }
    if (std::getenv("BOXOFFICE_SEED") != nullptr) break;
  }
}

}  // namespace
}  // namespace boxoffice::internal
