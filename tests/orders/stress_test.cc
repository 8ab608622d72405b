// Concurrency stress and oversell regression tests, on both engines.
//
// The regressions are named after the ways real shops have oversold:
//  - Magento (inventory reservations), Saleor (checkout stock allocation),
//    Vendure (stock allocation) and pretix (quota checks) all had, at one
//    time, a check of availability separate from the claim, so that two
//    buyers of the last item both passed the check: LastTicketRace with 2,
//    10 and 64 threads, and the check-then-claim gap widened on purpose by
//    a test hook (CheckThenClaimGapWidenedByHook).
//  - Payments confirmed after the reservation ran out (pretix "paid after
//    expiry", Saleor's late payment of a released checkout): a `done` after
//    the deadline must be refused even before any sweep ran
//    (LateDoneRefusedBeforeSweep), and `done` racing expiry and cancel must
//    end in exactly one outcome (DoneRacesExpiryAndCancel).
//  - Racers are different partners and the same partner.
//
// Invariants are checked at quiescent points with CheckInvariants (every
// sold ticket in exactly one done order, every reserved one in exactly one
// open order, vacant ones in none, counts add up, promocode uses equal
// discounted tickets) plus explicit checks here. Sizes follow
// tests/support/scale.h so that TSan runs stay short.
#include <atomic>
#include <barrier>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boxoffice/engine.h"
#include "engine/orders/order_logic.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/orders/order_test_util.h"
#include "tests/support/scale.h"

namespace boxoffice::testing {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

// One public event sold by `partners` partners (the first is the org),
// with one set of `tickets` tickets and a promocode "LAST" of `uses` uses.
CatalogDocument HotCatalog(int partners, int64_t tickets, int64_t uses) {
  CatalogDocument doc;
  EventSpec e;
  e.id = TestId(0x22, 1);
  for (int i = 0; i < partners; ++i) {
    doc.partners.push_back(PartnerSpec{TestId(0x21, i), absl::StrCat("P", i),
                                       absl::StrCat("key", i)});
    if (i > 0) e.vendors.push_back(TestId(0x21, i));
  }
  e.org = TestId(0x21, 0);
  e.title_text = "Hot";
  e.timezone = "UTC";
  SetSpec s;
  s.id = TestId(0x23, 1);
  s.name = "Floor";
  s.price = M(10000);
  s.count = tickets;
  e.sets = {s};
  PromocodeSpec p;
  p.id = TestId(0x25, 1);
  p.code = "LAST";
  p.discount.kind = Discount::Kind::kFix;
  p.discount.fix = M(100);
  p.limit = uses;
  e.promocodes = {p};
  doc.events.push_back(e);
  return doc;
}

std::unique_ptr<Engine> OpenHot(bool reference, Clock* clock, int partners,
                                int64_t tickets, int64_t uses) {
  EngineOptions o;
  o.clock = clock;
  o.max_orders = 1 << 22;
  auto e = reference ? Engine::OpenReference(o) : Engine::Open(o);
  EXPECT_TRUE(e.ok()) << e.status();
  auto loaded = (*e)->LoadCatalog(HotCatalog(partners, tickets, uses));
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return *std::move(e);
}

CreateOrderRequest Take(int64_t n, bool aon, bool promo = false) {
  CreateOrderRequest r;
  r.event = TestId(0x22, 1);
  r.random = {SetCount{TestId(0x23, 1), n}};
  r.all_or_nothing = aon;
  if (promo) r.promocodes = {"last"};
  return r;
}

struct RaceParam {
  bool reference;
  int threads;
  bool same_partner;
};

class LastTicketRace : public ::testing::TestWithParam<RaceParam> {};

// Exactly one of the racers for the last ticket wins, round after round;
// the winner then cancels and the next round races again.
TEST_P(LastTicketRace, ExactlyOneWins) {
  const RaceParam p = GetParam();
  SimulatedClock clock(kStart);
  const int partners = p.same_partner ? 1 : p.threads;
  std::unique_ptr<Engine> engine = OpenHot(p.reference, &clock, partners, 1, 1);
  const int64_t rounds = Scaled(p.threads >= 64 ? 100 : 400, 4);
  std::atomic<int> winners{0};
  std::vector<ObjectId> winner_order(1);
  std::vector<ObjectId> winner_partner(1);
  std::mutex winner_mu;
  std::barrier sync(p.threads);
  std::vector<std::thread> threads;
  for (int t = 0; t < p.threads; ++t) {
    threads.emplace_back([&, t] {
      const ObjectId partner = TestId(0x21, p.same_partner ? 0 : t);
      for (int64_t round = 0; round < rounds; ++round) {
        sync.arrive_and_wait();
        // Alternate best-effort and all-or-nothing claims, with the code.
        auto v = engine->CreateOrder(partner,
                                     Take(1, round % 2 == 0, round % 3 == 0));
        ASSERT_TRUE(v.ok()) << v.status();
        if (!v->tickets.empty()) {
          winners.fetch_add(1);
          std::lock_guard<std::mutex> l(winner_mu);
          winner_order[0] = v->id;
          winner_partner[0] = partner;
        }
        sync.arrive_and_wait();
        if (t == 0) {
          EXPECT_EQ(winners.exchange(0), 1) << "round " << round;
          EXPECT_TRUE(engine->CheckInvariants().ok())
              << engine->CheckInvariants();
          const InventoryTotals totals = engine->Totals();
          EXPECT_EQ(totals.reserved, 1);
          ChangeOrderRequest cancel;
          cancel.status = OrderStatus::kCancelled;
          EXPECT_TRUE(
              engine->ChangeOrder(winner_partner[0], winner_order[0], cancel)
                  .ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
  EXPECT_EQ(engine->Totals().vacant, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Regression, LastTicketRace,
    ::testing::Values(RaceParam{false, 2, false}, RaceParam{false, 10, false},
                      RaceParam{false, 64, false}, RaceParam{false, 2, true},
                      RaceParam{false, 10, true}, RaceParam{false, 64, true},
                      RaceParam{true, 10, false}, RaceParam{true, 10, true}),
    [](const auto& info) {
      return absl::StrCat(
          info.param.reference ? "Reference" : "LockFree", "_",
          info.param.threads, "Threads_",
          info.param.same_partner ? "SamePartner" : "DifferentPartners");
    });

class OrdersStressTest : public ::testing::TestWithParam<bool> {};

// A hook that makes the gap between a request's validation and its claims
// wide: the thread yields several times, so that racers all pass
// validation before any of them claims.
void WideGap() {
  for (int i = 0; i < 20; ++i) std::this_thread::yield();
}

TEST_P(OrdersStressTest, CheckThenClaimGapWidenedByHook) {
  SimulatedClock clock(kStart);
  constexpr int64_t kTickets = 7;
  std::unique_ptr<Engine> engine = OpenHot(GetParam(), &clock, 4, kTickets, 3);
  internal::SetClaimGapHookForTesting(&WideGap);
  const int threads = 8;
  const int64_t rounds = Scaled(100, 3);
  for (int64_t round = 0; round < rounds; ++round) {
    std::atomic<int64_t> held{0};
    std::vector<std::thread> ts;
    std::vector<std::vector<ObjectId>> mine(threads);
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        const ObjectId partner = TestId(0x21, t % 4);
        auto v =
            engine->CreateOrder(partner, Take(1 + t % 3, t % 2 == 0, true));
        ASSERT_TRUE(v.ok()) << v.status();
        held.fetch_add(static_cast<int64_t>(v->tickets.size()));
        mine[t].push_back(v->id);
      });
    }
    for (auto& th : ts) th.join();
    ASSERT_LE(held.load(), kTickets) << "oversold in round " << round;
    ASSERT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
    EXPECT_EQ(engine->Totals().reserved, held.load());
    // Release everything for the next round.
    clock.Advance(absl::Minutes(15));
    engine->ExpireDue();
    ASSERT_EQ(engine->Totals().vacant, kTickets);
  }
  internal::SetClaimGapHookForTesting(nullptr);
}

TEST_P(OrdersStressTest, LateDoneRefusedBeforeSweep) {
  SimulatedClock clock(kStart);
  std::unique_ptr<Engine> engine = OpenHot(GetParam(), &clock, 2, 50, 10);
  const ObjectId partner = TestId(0x21, 1);
  std::vector<OrderView> orders;
  for (int i = 0; i < 20; ++i)
    orders.push_back(*engine->CreateOrder(partner, Take(2, false)));
  clock.Set(orders[0].expired_after);  // exactly the deadline; no sweep runs
  std::vector<std::thread> ts;
  std::atomic<int> done_ok{0};
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (size_t i = t; i < orders.size(); i += 4) {
        ChangeOrderRequest r;
        r.status = OrderStatus::kDone;
        auto v = engine->ChangeOrder(partner, orders[i].id, r);
        if (v.ok()) done_ok.fetch_add(1);
        EXPECT_THAT(ErrorMessages(v.status()),
                    ::testing::ElementsAre(
                        "Cannot change status from expired to done"));
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(done_ok.load(), 0);
  EXPECT_EQ(engine->Totals().sold, 0);
  EXPECT_EQ(engine->Totals().vacant, 50);
  EXPECT_EQ(engine->ExpireDue(), 0);  // everything expired on access
  EXPECT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
}

// `done`, `cancelled` and the clock race for each order: exactly one final
// outcome, and it is the one any successful PATCH reported.
TEST_P(OrdersStressTest, DoneRacesExpiryAndCancel) {
  SimulatedClock clock(kStart);
  std::unique_ptr<Engine> engine = OpenHot(GetParam(), &clock, 2, 20, 5);
  const ObjectId partner = TestId(0x21, 1);
  const int64_t rounds = Scaled(300, 5);
  int outcomes[5] = {};
  for (int64_t round = 0; round < rounds; ++round) {
    auto order = engine->CreateOrder(partner, Take(2, true, true));
    ASSERT_TRUE(order.ok());
    std::atomic<int> done_ok{0}, cancel_ok{0};
    std::barrier sync(4);
    std::thread done([&] {
      sync.arrive_and_wait();
      ChangeOrderRequest r;
      r.status = OrderStatus::kDone;
      auto v = engine->ChangeOrder(partner, order->id, r);
      if (v.ok()) {
        EXPECT_EQ(v->status, OrderStatus::kDone);
        done_ok = 1;
      }
    });
    std::thread cancel([&] {
      sync.arrive_and_wait();
      ChangeOrderRequest r;
      r.status = OrderStatus::kCancelled;
      auto v = engine->ChangeOrder(partner, order->id, r);
      if (v.ok()) cancel_ok = 1;
    });
    std::thread sweep([&] {
      sync.arrive_and_wait();
      clock.Set(order->expired_after);
      engine->ExpireDue();
    });
    std::thread reader([&] {
      sync.arrive_and_wait();
      for (int i = 0; i < 3; ++i) {
        auto v = engine->GetOrder(partner, order->id);
        ASSERT_TRUE(v.ok());
        // Never a mix: a done order lists sold tickets; a cancelled or
        // expired one lists none.
        if (v->status == OrderStatus::kDone) {
          EXPECT_EQ(v->tickets.size(), 2u);
        } else if (IsFinal(v->status)) {
          EXPECT_TRUE(v->tickets.empty());
        }
      }
    });
    done.join();
    cancel.join();
    sweep.join();
    reader.join();
    auto final_view = engine->GetOrder(partner, order->id);
    ASSERT_TRUE(final_view.ok());
    const OrderStatus s = final_view->status;
    ASSERT_TRUE(IsFinal(s));
    EXPECT_LE(done_ok + cancel_ok, 1);
    const OrderStatus expected = done_ok     ? OrderStatus::kDone
                                 : cancel_ok ? OrderStatus::kCancelled
                                             : OrderStatus::kExpired;
    EXPECT_EQ(s, expected);
    ++outcomes[static_cast<int>(s)];
    ASSERT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
  }
  const InventoryTotals t = engine->Totals();
  EXPECT_EQ(t.sold, 2 * outcomes[static_cast<int>(OrderStatus::kDone)]);
  EXPECT_EQ(t.reserved, 0);
}

// Threads racing create / change / done / cancel / reads / expiry on a
// small hot catalog, checked at quiescent points.
TEST_P(OrdersStressTest, MixedOperationsKeepEveryInvariant) {
  SimulatedClock clock(kStart);
  constexpr int64_t kTickets = 24;
  std::unique_ptr<Engine> engine = OpenHot(GetParam(), &clock, 3, kTickets, 6);
  const int threads = 4;
  const int64_t phases = Scaled(20, 2);
  const int64_t ops_per_phase = Scaled(2000, 100);
  std::mutex mu;  // pthread: visible to TSan, unlike Debian's absl::Mutex
  std::vector<std::pair<ObjectId, ObjectId>> orders;  // (partner, order)
  // Final statuses each order was seen in; never more than one.
  absl::flat_hash_map<ObjectId, std::set<OrderStatus>> finals;
  std::atomic<int64_t> busy_refusals{0};
  for (int64_t phase = 0; phase < phases; ++phase) {
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::mt19937_64 rng(phase * 131 + t);
        const auto pick = [&](uint64_t n) { return rng() % n; };
        const auto note = [&](const ObjectId& id, OrderStatus s) {
          if (!IsFinal(s)) return;
          std::lock_guard<std::mutex> l(mu);
          finals[id].insert(s);
        };
        for (int64_t i = 0; i < ops_per_phase; ++i) {
          const uint64_t op = pick(100);
          if (op < 30) {
            const ObjectId partner = TestId(0x21, static_cast<int>(pick(3)));
            auto v = engine->CreateOrder(partner,
                                         Take(1 + pick(3), pick(2), pick(2)));
            ASSERT_TRUE(v.ok()) << v.status();
            std::lock_guard<std::mutex> l(mu);
            orders.emplace_back(partner, v->id);
            continue;
          }
          std::pair<ObjectId, ObjectId> target;
          {
            std::lock_guard<std::mutex> l(mu);
            if (orders.empty()) continue;
            // Mostly recent orders, so that threads collide on them.
            const size_t n = orders.size();
            target = orders[n - 1 - pick(std::min<size_t>(n, 6))];
          }
          if (op < 85) {
            ChangeOrderRequest r;
            const uint64_t k = pick(6);
            if (k == 0)
              r.random =
                  std::vector<SetCount>{{TestId(0x23, 1), int64_t(pick(4))}};
            if (k == 1) r.promocodes = std::vector<std::string>{"LAST"};
            if (k >= 2) {
              static const OrderStatus kTo[] = {
                  OrderStatus::kInProgress, OrderStatus::kDone,
                  OrderStatus::kCancelled, OrderStatus::kDone};
              r.status = kTo[k - 2];
            }
            auto v = engine->ChangeOrder(target.first, target.second, r);
            if (v.ok()) {
              note(target.second, v->status);
            } else if (v.status().code() == absl::StatusCode::kAborted) {
              busy_refusals.fetch_add(1);
              EXPECT_THAT(
                  ErrorMessages(v.status()),
                  ::testing::ElementsAre("Order " + target.second.ToString() +
                                         " is being changed"));
            }
          } else if (op < 95) {
            auto v = engine->GetOrder(target.first, target.second);
            ASSERT_TRUE(v.ok());
            note(target.second, v->status);
          } else if (op < 98) {
            clock.Advance(absl::Minutes(1 + pick(5)));
          } else {
            engine->ExpireDue();
          }
        }
      });
    }
    for (auto& th : ts) th.join();
    // Quiescent point.
    ASSERT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
    int64_t sold = 0, reserved = 0;
    for (const auto& [partner, id] : orders) {
      auto v = engine->GetOrder(partner, id);
      ASSERT_TRUE(v.ok());
      if (v->status == OrderStatus::kDone)
        sold += static_cast<int64_t>(v->tickets.size());
      if (!IsFinal(v->status))
        reserved += static_cast<int64_t>(v->tickets.size());
      if (IsFinal(v->status)) finals[id].insert(v->status);
    }
    const InventoryTotals totals = engine->Totals();
    EXPECT_EQ(totals.sold, sold);
    EXPECT_EQ(totals.reserved, reserved);
    EXPECT_EQ(totals.vacant + totals.reserved + totals.sold, kTickets);
    for (const auto& [id, seen] : finals) {
      EXPECT_EQ(seen.size(), 1u)
          << "order " << id.ToString() << " reached two final statuses";
    }
    // Give the tickets back for the next phase.
    clock.Advance(absl::Hours(1));
    engine->ExpireDue();
  }
  std::printf("busy refusals (409): %lld\n",
              static_cast<long long>(busy_refusals.load()));
}

// Creators on more threads than there are thread stripes (so that stripes
// share index blocks): every order gets a distinct number, the numbers are
// exactly 1..N, each thread sees its own numbers rise, and the list shows
// every order newest first by number, as GetOrder reports it.
TEST_P(OrdersStressTest, NumbersAreSequentialAcrossThreads) {
  SimulatedClock clock(kStart);
  constexpr int kThreads = 20;
  const int64_t per_thread = Scaled(300, 20);
  std::unique_ptr<Engine> engine =
      OpenHot(GetParam(), &clock, 1, kThreads * per_thread, 0);
  const ObjectId partner = TestId(0x21, 0);
  std::vector<std::vector<std::pair<int64_t, ObjectId>>> made(kThreads);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int64_t i = 0; i < per_thread; ++i) {
        auto v = engine->CreateOrder(partner, Take(1, false));
        ASSERT_TRUE(v.ok()) << v.status();
        made[t].emplace_back(v->number, v->id);
      }
    });
  }
  for (auto& th : ts) th.join();
  ASSERT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
  std::vector<std::pair<int64_t, ObjectId>> all;
  for (const auto& mine : made) {
    for (size_t i = 1; i < mine.size(); ++i) {
      EXPECT_LT(mine[i - 1].first, mine[i].first);
    }
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const int64_t n = kThreads * per_thread;
  ASSERT_EQ(static_cast<int64_t>(all.size()), n);
  for (int64_t k = 0; k < n; ++k) {
    ASSERT_EQ(all[static_cast<size_t>(k)].first, n - k);
  }
  OrderFilter filter;
  filter.per_page = 100;
  int64_t listed = 0;
  for (filter.page = 1; listed < n; ++filter.page) {
    auto page = engine->ListOrders(partner, filter);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->total, n);
    ASSERT_FALSE(page->orders.empty());
    for (const OrderView& o : page->orders) {
      const auto& [number, id] = all[static_cast<size_t>(listed++)];
      ASSERT_EQ(o.number, number);
      ASSERT_EQ(o.id, id);
    }
  }
}

// Two (or eight) orders racing for a promocode's last use: exactly one of
// them gets the discount, round after round.
TEST_P(OrdersStressTest, PromocodeLastUseGoesToExactlyOneOrder) {
  SimulatedClock clock(kStart);
  std::unique_ptr<Engine> engine = OpenHot(GetParam(), &clock, 4, 64, 1);
  const int threads = 8;
  const int64_t rounds = Scaled(200, 4);
  for (int64_t round = 0; round < rounds; ++round) {
    std::atomic<int> discounted{0};
    std::vector<std::pair<ObjectId, ObjectId>> created(threads);
    std::barrier sync(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        const ObjectId partner = TestId(0x21, t % 4);
        sync.arrive_and_wait();
        auto v = engine->CreateOrder(partner, Take(1, false, true));
        ASSERT_TRUE(v.ok()) << v.status();
        ASSERT_EQ(v->tickets.size(), 1u);
        if (v->values.discount.minor > 0) discounted.fetch_add(1);
        created[t] = {partner, v->id};
      });
    }
    for (auto& th : ts) th.join();
    ASSERT_EQ(discounted.load(), 1) << "round " << round;
    ASSERT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
    // Cancelling every order gives the use back for the next round.
    for (const auto& [partner, id] : created) {
      ChangeOrderRequest cancel;
      cancel.status = OrderStatus::kCancelled;
      ASSERT_TRUE(engine->ChangeOrder(partner, id, cancel).ok());
    }
  }
  EXPECT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
}

// A PATCH that finds another PATCH of the same order under way is refused
// at once with 409 and changes nothing, while PATCHes of other orders go
// on (no global lock): the first PATCH is parked inside its claim by the
// test hook until the others are done.
std::atomic<int> g_parked{0};
std::atomic<bool> g_release{false};
void ParkInClaim() {
  g_parked.fetch_add(1);
  while (!g_release.load()) std::this_thread::yield();
}

TEST(OrdersBusyTest, ConcurrentPatchOfTheSameOrderIsRefusedAtOnce) {
  SimulatedClock clock(kStart);
  std::unique_ptr<Engine> engine = OpenHot(false, &clock, 2, 10, 5);
  const ObjectId partner = TestId(0x21, 1);
  const OrderView parked = *engine->CreateOrder(partner, Take(1, false));
  const OrderView other = *engine->CreateOrder(partner, Take(1, false));
  g_parked = 0;
  g_release = false;
  internal::SetClaimGapHookForTesting(&ParkInClaim);
  std::thread first([&] {
    ChangeOrderRequest grow;
    grow.random = std::vector<SetCount>{{TestId(0x23, 1), 3}};
    auto v = engine->ChangeOrder(partner, parked.id, grow);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->tickets.size(), 3u);
  });
  while (g_parked.load() == 0) std::this_thread::yield();
  ChangeOrderRequest cancel;
  cancel.status = OrderStatus::kCancelled;
  auto refused = engine->ChangeOrder(partner, parked.id, cancel);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(ErrorMessages(refused.status()),
              ::testing::ElementsAre("Order " + parked.id.ToString() +
                                     " is being changed"));
  // Another order's PATCH (no claim, so it does not park) completes.
  ChangeOrderRequest pay;
  pay.payment = Payment{std::string("api/BASE")};
  auto paid = engine->ChangeOrder(partner, other.id, pay);
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(paid->payment.system, "api/BASE");
  g_release = true;
  first.join();
  internal::SetClaimGapHookForTesting(nullptr);
  auto v = engine->GetOrder(partner, parked.id);
  EXPECT_EQ(v->status,
            OrderStatus::kExecuted);  // the refused cancel did nothing
  EXPECT_EQ(v->tickets.size(), 3u);
  EXPECT_TRUE(engine->CheckInvariants().ok()) << engine->CheckInvariants();
}

INSTANTIATE_TEST_SUITE_P(Engines, OrdersStressTest,
                         ::testing::Values(false, true), [](const auto& info) {
                           return info.param ? "Reference" : "LockFree";
                         });

}  // namespace
}  // namespace boxoffice::testing
