// Per-row tests of the orders contract (shared/spec/orders-api.md) through
// the public Engine API, run on both engines: every status transition,
// every error message, the PATCH rules, money and promocodes, visibility,
// listing and expiry at the deadline.
#include "boxoffice/engine.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boxoffice/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/orders/order_test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define BOXOFFICE_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOXOFFICE_TEST_LSAN 1
#endif
#endif
#if defined(BOXOFFICE_TEST_LSAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace boxoffice::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

const absl::Time kStart =
    absl::FromUnixSeconds(1569428041);  // 2019-09-25 16:14:01

class EngineTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Reopen(EngineOptions{}); }

  void Reopen(EngineOptions options) {
    options.clock = &clock_;
    // Small capacities keep each Open cheap (the tests reopen often).
    if (options.max_orders == EngineOptions{}.max_orders)
      options.max_orders = 4096;
    options.lowest_vacant_first = true;
    options.claim_seed = 1;
    auto e =
        GetParam() ? Engine::OpenReference(options) : Engine::Open(options);
    ASSERT_TRUE(e.ok()) << e.status();
    engine_ = *std::move(e);
    auto loaded = engine_->LoadCatalog(cat_.Document());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->tickets, 13);
  }

  void TearDown() override {
    if (engine_ != nullptr) {
      EXPECT_TRUE(engine_->CheckInvariants().ok())
          << engine_->CheckInvariants();
    }
  }

  OrderView Create(CreateOrderRequest r, const ObjectId* partner = nullptr) {
    auto v = engine_->CreateOrder(partner ? *partner : cat_.vendor, r);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : OrderView{};
  }
  CreateOrderRequest Random(const ObjectId& set, int64_t n, bool aon = false) {
    CreateOrderRequest r;
    r.event = cat_.event;
    r.random = {SetCount{set, n}};
    r.all_or_nothing = aon;
    return r;
  }
  absl::StatusOr<OrderView> Patch(const ObjectId& order, ChangeOrderRequest r) {
    return engine_->ChangeOrder(cat_.vendor, order, r);
  }
  absl::StatusOr<OrderView> SetStatus(const ObjectId& order, OrderStatus s) {
    ChangeOrderRequest r;
    r.status = s;
    return Patch(order, r);
  }
  OrderStatus StatusOf(const ObjectId& order) {
    auto v = engine_->GetOrder(cat_.vendor, order);
    EXPECT_TRUE(v.ok()) << v.status();
    return v->status;
  }
  std::vector<ObjectId> TicketIds(const OrderView& v) {
    std::vector<ObjectId> ids;
    for (const TicketView& t : v.tickets) ids.push_back(t.id);
    return ids;
  }
  SetInfo SetCounts(const ObjectId& set) {
    for (const EventInfo& e : engine_->ListEvents(cat_.vendor)) {
      for (const SetInfo& s : e.sets) {
        if (s.id == set) return s;
      }
    }
    ADD_FAILURE() << "set not listed";
    return {};
  }
  // An order of one Fan ticket, brought to status `s`.
  ObjectId OrderIn(OrderStatus s) {
    OrderView v = Create(Random(cat_.fan, 1));
    switch (s) {
      case OrderStatus::kExecuted:
        break;
      case OrderStatus::kInProgress:
        EXPECT_TRUE(SetStatus(v.id, OrderStatus::kInProgress).ok());
        break;
      case OrderStatus::kDone:
        EXPECT_TRUE(SetStatus(v.id, OrderStatus::kDone).ok());
        break;
      case OrderStatus::kCancelled:
        EXPECT_TRUE(SetStatus(v.id, OrderStatus::kCancelled).ok());
        break;
      case OrderStatus::kExpired:
        clock_.Advance(absl::Minutes(15));
        EXPECT_EQ(engine_->ExpireDue(), 1);
        break;
    }
    EXPECT_EQ(StatusOf(v.id), s);
    return v.id;
  }

  SimulatedClock clock_{kStart};
  UnitCatalog cat_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineTest, OpenRefusesEveryBadOptionTogether) {
  EngineOptions o;
  o.reservation_ttl = absl::ZeroDuration();
  o.payment_ttl = absl::Hours(24 * 31);
  o.max_tickets_per_order = 0;
  o.max_orders = 0;
  o.reserved_orders = 1;  // above max_orders
  o.max_tickets = 0;
  o.expiry_interval = absl::ZeroDuration();
  auto e = GetParam() ? Engine::OpenReference(o) : Engine::Open(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      Messages(e.status()),
      ElementsAre("Option reservation_ttl must be between 1s and 30 days",
                  "Option payment_ttl must be between 1s and 30 days",
                  "Option max_tickets_per_order must be between 1 and 10000",
                  "Option max_orders must be between 1 and 1073739776",
                  "Option reserved_orders must be between 0 and max_orders "
                  "(at most 16777216)",
                  "Option max_tickets must be between 1 and 2147483648",
                  "Option expiry_interval must be between 1ms and 1h"));
  o = EngineOptions{};
  o.max_tickets_per_order = 10001;  // never clamped
  e = GetParam() ? Engine::OpenReference(o) : Engine::Open(o);
  EXPECT_FALSE(e.ok());
  o = EngineOptions{};
  o.reserved_orders = -1;
  e = GetParam() ? Engine::OpenReference(o) : Engine::Open(o);
  EXPECT_FALSE(e.ok());
  o.reserved_orders = (int64_t{1} << 24) + 1;
  e = GetParam() ? Engine::OpenReference(o) : Engine::Open(o);
  EXPECT_FALSE(e.ok());
}

// Memory set aside at Open changes nothing an order shows: the reserved
// slots are used first and the engine goes on past them.
TEST_P(EngineTest, ReservedOrdersAreUsedAndExceeded) {
  EngineOptions o;
  o.max_orders = 20000;
  o.reserved_orders = 5000;
  Reopen(o);
  for (int64_t n = 1; n <= 5000 + 4096 + 10; ++n) {
    CreateOrderRequest r;
    r.event = cat_.event;
    auto v = engine_->CreateOrder(cat_.vendor, r);
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_EQ(v->number, n);
    if (n % 997 == 0) {
      auto again = engine_->GetOrder(cat_.vendor, v->id);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(again->number, n);
    }
  }
}

TEST_P(EngineTest, CreateRandomReservesAndPrices) {
  OrderView v = Create(Random(cat_.fan, 2));
  EXPECT_EQ(v.status, OrderStatus::kExecuted);
  EXPECT_EQ(v.number, 1);
  EXPECT_EQ(v.event, cat_.event);
  EXPECT_EQ(v.org, cat_.org);
  EXPECT_EQ(v.vendor, cat_.vendor);
  EXPECT_EQ(v.created_at, kStart);
  EXPECT_EQ(v.expired_after, kStart + absl::Minutes(15));
  EXPECT_EQ(v.customer_json, "{}");
  ASSERT_EQ(v.tickets.size(), 2u);
  EXPECT_EQ(v.tickets[0].id, cat_.fan_tickets[0]);  // lowest vacant first
  EXPECT_EQ(v.tickets[0].serial, "PYX");
  EXPECT_EQ(v.tickets[0].number, 1000);
  EXPECT_EQ(v.tickets[0].status, TicketStatus::kReserved);
  EXPECT_FALSE(v.tickets[0].barcode.has_value());
  EXPECT_EQ(v.tickets[0].price, M(560000));
  EXPECT_EQ(v.tickets[0].extra, M(56000));  // 10% of the event
  EXPECT_EQ(v.tickets[0].full, M(616000));
  EXPECT_EQ(v.values.price, M(1120000));
  EXPECT_EQ(v.values.nominal, M(1120000));
  EXPECT_EQ(v.values.extra, M(112000));
  EXPECT_EQ(v.values.full, M(1232000));
  ASSERT_EQ(v.values.sets.size(), 1u);
  EXPECT_EQ(v.values.sets[0].set, cat_.fan);
  EXPECT_FALSE(v.values.sets[0].promocode.has_value());
  EXPECT_EQ(SetCounts(cat_.fan).reserved, 2);
  EXPECT_EQ(Create(Random(cat_.fan, 1)).number, 2);  // sequential
}

TEST_P(EngineTest, CreateFromTicketsInfersEventAndKeepsCustomer) {
  CreateOrderRequest r;
  r.tickets = {cat_.a2_tickets[1]};
  r.customer_json = R"({"lang": "ru"})";
  OrderView v = Create(r);
  EXPECT_EQ(v.event, cat_.event);
  EXPECT_EQ(v.customer_json, R"({"lang": "ru"})");
  ASSERT_EQ(v.tickets.size(), 1u);
  ASSERT_TRUE(v.tickets[0].seat.has_value());
  EXPECT_EQ(v.tickets[0].seat->number, "15");
  EXPECT_EQ(v.tickets[0].extra, M(0));  // the set's 0% wins over the event's
}

TEST_P(EngineTest, CreateReadsRandomAsDesiredTotalAfterTickets) {
  CreateOrderRequest r = Random(cat_.a2, 1);
  r.tickets = {cat_.a2_tickets[2]};
  OrderView v = Create(r);
  EXPECT_THAT(TicketIds(v), ElementsAre(cat_.a2_tickets[2]));
  r.tickets = {cat_.a2_tickets[1]};
  r.random = {SetCount{cat_.a2, 2}};
  v = Create(r);
  EXPECT_THAT(TicketIds(v),
              ElementsAre(cat_.a2_tickets[1], cat_.a2_tickets[0]));
}

TEST_P(EngineTest, CreateBestEffortAndAllOrNothing) {
  OrderView aon = Create(Random(cat_.fan, 6, /*aon=*/true));
  EXPECT_EQ(aon.status, OrderStatus::kExecuted);
  EXPECT_TRUE(aon.tickets.empty());
  EXPECT_TRUE(aon.all_or_nothing);
  EXPECT_EQ(aon.values.full, M(0));
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 5);
  OrderView partial = Create(Random(cat_.fan, 6));
  EXPECT_EQ(partial.tickets.size(), 5u);
  CreateOrderRequest r;
  r.tickets = {cat_.fan_tickets[0], cat_.a2_tickets[0]};
  OrderView skip = Create(r);  // the taken one is skipped
  EXPECT_THAT(TicketIds(skip), ElementsAre(cat_.a2_tickets[0]));
  r.tickets = {cat_.a2_tickets[1], cat_.a2_tickets[0]};
  r.all_or_nothing = true;
  EXPECT_TRUE(Create(r).tickets.empty());
  EXPECT_EQ(SetCounts(cat_.a2).vacant, 2);
}

TEST_P(EngineTest, CreateErrors) {
  CreateOrderRequest r;
  auto s = engine_->CreateOrder(cat_.vendor, r);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Messages(s.status()),
              ElementsAre("Field event must be an event id"));

  const ObjectId unknown = TestId(0x0f, 9);
  for (const ObjectId& event : {unknown, cat_.draft, cat_.other}) {
    r = CreateOrderRequest{};
    r.event = event;
    r.random = {SetCount{unknown, 1}};  // only the event's message
    s = engine_->CreateOrder(cat_.vendor, r);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(Messages(s.status()),
                ElementsAre("Event " + event.ToString() + " not found"));
  }
  // The stranger may not sell the event.
  s = engine_->CreateOrder(cat_.stranger, Random(cat_.fan, 1));
  EXPECT_THAT(Messages(s.status()),
              ElementsAre("Event " + cat_.event.ToString() + " not found"));

  r = CreateOrderRequest{};
  r.tickets = {unknown};
  EXPECT_THAT(Messages(engine_->CreateOrder(cat_.vendor, r).status()),
              ElementsAre("Ticket " + unknown.ToString() + " not found"));
  r.tickets = {cat_.other_tickets[0]};  // another partner's event
  EXPECT_THAT(
      Messages(engine_->CreateOrder(cat_.vendor, r).status()),
      ElementsAre("Ticket " + cat_.other_tickets[0].ToString() + " not found"));

  r = Random(cat_.fan, 1);
  r.tickets = {cat_.draft_tickets[0], cat_.other_tickets[0], unknown};
  r.random.push_back(SetCount{cat_.draft_set, 1});
  r.random.push_back(SetCount{unknown, 1});
  r.random.push_back(SetCount{cat_.a2, -1});
  r.promocodes = {"nope"};
  s = engine_->CreateOrder(cat_.vendor, r);
  // Things of events the partner may not sell are not revealed.
  EXPECT_THAT(
      Messages(s.status()),
      ElementsAre("Ticket " + cat_.draft_tickets[0].ToString() + " not found",
                  "Ticket " + cat_.other_tickets[0].ToString() + " not found",
                  "Ticket " + unknown.ToString() + " not found",
                  "Set " + cat_.draft_set.ToString() + " not found",
                  "Set " + unknown.ToString() + " not found",
                  "Field random." + cat_.a2.ToString() +
                      " must be a non-negative integer",
                  "Promocode nope not found"));

  // Things of another event the partner may sell are named as such.
  r = CreateOrderRequest{};
  r.event = cat_.other;
  r.tickets = {cat_.other2_ticket};
  r.random = {SetCount{cat_.other2_set, 1}};
  s = engine_->CreateOrder(cat_.stranger, r);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      Messages(s.status()),
      ElementsAre("Ticket " + cat_.other2_ticket.ToString() +
                      " does not belong to event " + cat_.other.ToString(),
                  "Set " + cat_.other2_set.ToString() +
                      " does not belong to event " + cat_.other.ToString()));

  r = Random(cat_.fan, 101);
  s = engine_->CreateOrder(cat_.vendor, r);
  EXPECT_THAT(Messages(s.status()),
              ElementsAre("Too many tickets: 101, at most 100"));
  r.random = {SetCount{cat_.fan, int64_t{1} << 53}};
  s = engine_->CreateOrder(cat_.vendor, r);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  // Every refusal changed nothing.
  EXPECT_EQ(engine_->Totals().vacant, 13);
}

// Every (from, to) pair of the status table, and nothing else.
TEST_P(EngineTest, StatusTableEveryPair) {
  const OrderStatus all[] = {OrderStatus::kExecuted, OrderStatus::kInProgress,
                             OrderStatus::kDone, OrderStatus::kCancelled,
                             OrderStatus::kExpired};
  for (OrderStatus from : all) {
    for (OrderStatus to : all) {
      Reopen(EngineOptions{});
      const ObjectId id = OrderIn(from);
      const bool allowed =
          (from == OrderStatus::kExecuted && to == OrderStatus::kInProgress) ||
          ((from == OrderStatus::kExecuted ||
            from == OrderStatus::kInProgress) &&
           (to == OrderStatus::kDone || to == OrderStatus::kCancelled));
      auto v = SetStatus(id, to);
      SCOPED_TRACE(std::string(OrderStatusName(from)) + " -> " +
                   std::string(OrderStatusName(to)));
      if (allowed) {
        ASSERT_TRUE(v.ok()) << v.status();
        EXPECT_EQ(v->status, to);
      } else {
        ASSERT_FALSE(v.ok());
        EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_THAT(Messages(v.status()),
                    ElementsAre("Cannot change status from " +
                                std::string(OrderStatusName(from)) + " to " +
                                std::string(OrderStatusName(to))));
        EXPECT_EQ(StatusOf(id), from);
      }
      EXPECT_TRUE(engine_->CheckInvariants().ok());
    }
  }
}

TEST_P(EngineTest, InProgressMovesDeadlineToPaymentTtl) {
  const ObjectId id = Create(Random(cat_.fan, 1)).id;
  clock_.Advance(absl::Minutes(10));
  auto v = SetStatus(id, OrderStatus::kInProgress);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->expired_after, kStart + absl::Minutes(40));
  EXPECT_EQ(v->updated_at, kStart + absl::Minutes(10));
  clock_.Advance(absl::Minutes(20));  // past the first deadline
  EXPECT_EQ(engine_->ExpireDue(), 0);
  EXPECT_EQ(StatusOf(id), OrderStatus::kInProgress);
  clock_.Advance(absl::Minutes(10));
  EXPECT_EQ(engine_->ExpireDue(), 1);
  EXPECT_EQ(StatusOf(id), OrderStatus::kExpired);
}

TEST_P(EngineTest, DoneSellsWithBarcodesAndCode) {
  const ObjectId id = Create(Random(cat_.fan, 2)).id;
  clock_.Advance(absl::Seconds(5));
  auto v = SetStatus(id, OrderStatus::kDone);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->done_at, kStart + absl::Seconds(5));
  ASSERT_TRUE(v->code.has_value());
  EXPECT_EQ(v->code->size(), 8u);
  for (char c : *v->code)
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  ASSERT_EQ(v->tickets.size(), 2u);
  for (const TicketView& t : v->tickets) {
    EXPECT_EQ(t.status, TicketStatus::kSold);
    ASSERT_TRUE(t.barcode.has_value());
    EXPECT_EQ(t.barcode->size(), 17u);
    EXPECT_TRUE(std::all_of(t.barcode->begin(), t.barcode->end(), ::isdigit));
  }
  EXPECT_NE(*v->tickets[0].barcode, *v->tickets[1].barcode);
  EXPECT_EQ(SetCounts(cat_.fan).sold, 2);
  clock_.Advance(absl::Hours(5));  // a done order never expires
  EXPECT_EQ(engine_->ExpireDue(), 0);
  EXPECT_EQ(StatusOf(id), OrderStatus::kDone);
}

TEST_P(EngineTest, DoneWithoutTicketsRefused) {
  const ObjectId id = Create(Random(cat_.fan, 6, /*aon=*/true)).id;
  auto v = SetStatus(id, OrderStatus::kDone);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Messages(v.status()),
              ElementsAre("Order " + id.ToString() + " has no tickets"));
  // Emptying and done in one PATCH is refused whole.
  const ObjectId full = Create(Random(cat_.fan, 1)).id;
  ChangeOrderRequest r;
  r.random = std::vector<SetCount>{SetCount{cat_.fan, 0}};
  r.status = OrderStatus::kDone;
  EXPECT_FALSE(Patch(full, r).ok());
  EXPECT_EQ(engine_->GetOrder(cat_.vendor, full)->tickets.size(), 1u);
}

TEST_P(EngineTest, CancelReleasesTicketsAndZeroesValues) {
  const ObjectId id = Create(Random(cat_.fan, 3)).id;
  auto v = SetStatus(id, OrderStatus::kCancelled);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->tickets.empty());
  EXPECT_EQ(v->values.full, M(0));
  EXPECT_EQ(v->number, 1);
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 5);
}

TEST_P(EngineTest, ExpiresExactlyAtTheDeadlineOnAccess) {
  const OrderView o = Create(Random(cat_.fan, 2));
  clock_.Set(o.expired_after - absl::Microseconds(1));
  EXPECT_EQ(StatusOf(o.id), OrderStatus::kExecuted);
  EXPECT_EQ(engine_->ExpireDue(), 0);
  clock_.Set(o.expired_after);
  // No sweep ran: the read itself expires it.
  auto v = engine_->GetOrder(cat_.vendor, o.id);
  EXPECT_EQ(v->status, OrderStatus::kExpired);
  EXPECT_TRUE(v->tickets.empty());
  EXPECT_EQ(v->updated_at, o.expired_after);
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 5);
  EXPECT_EQ(engine_->ExpireDue(), 0);  // already expired
}

TEST_P(EngineTest, LateDoneRefusedBeforeAnySweep) {
  const OrderView o = Create(Random(cat_.fan, 1));
  clock_.Set(o.expired_after);
  auto v = SetStatus(o.id, OrderStatus::kDone);
  EXPECT_THAT(Messages(v.status()),
              ElementsAre("Cannot change status from expired to done"));
  EXPECT_EQ(SetCounts(cat_.fan).sold, 0);
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 5);
}

TEST_P(EngineTest, PatchTicketsReplacesTheList) {
  CreateOrderRequest r;
  r.tickets = {cat_.a2_tickets[0], cat_.a2_tickets[1]};
  const ObjectId id = Create(r).id;
  ChangeOrderRequest p;
  p.tickets = std::vector<ObjectId>{cat_.a2_tickets[1], cat_.a2_tickets[2],
                                    cat_.fan_tickets[0]};
  auto v = Patch(id, p);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_THAT(TicketIds(*v), ElementsAre(cat_.a2_tickets[1], cat_.a2_tickets[2],
                                         cat_.fan_tickets[0]));
  EXPECT_EQ(SetCounts(cat_.a2).vacant, 1);
  // A listed ticket someone else holds is left out (best effort).
  const ObjectId other = Create(Random(cat_.fan, 1)).id;  // takes fan[1]
  p.tickets = std::vector<ObjectId>{cat_.fan_tickets[1], cat_.fan_tickets[0]};
  v = Patch(id, p);
  EXPECT_THAT(TicketIds(*v), ElementsAre(cat_.fan_tickets[0]));
  EXPECT_EQ(engine_->GetOrder(cat_.vendor, other)->tickets.size(), 1u);
}

TEST_P(EngineTest, PatchRandomIsDesiredTotalPerSet) {
  CreateOrderRequest r;
  r.tickets = {cat_.a2_tickets[0]};
  const ObjectId id = Create(r).id;
  ChangeOrderRequest p;  // reference 3b: name the seat's set to keep it
  p.random = std::vector<SetCount>{{cat_.a2, 1}, {cat_.fan, 1}};
  auto v = Patch(id, p);
  ASSERT_TRUE(v.ok());
  EXPECT_THAT(TicketIds(*v),
              ElementsAre(cat_.a2_tickets[0], cat_.fan_tickets[0]));
  EXPECT_EQ(v->values.full, M(99000 + 616000));
  p.random = std::vector<SetCount>{{cat_.fan, 3}};  // A2 unnamed: goes to 0
  v = Patch(id, p);
  EXPECT_THAT(TicketIds(*v),
              ElementsAre(cat_.fan_tickets[0], cat_.fan_tickets[1],
                          cat_.fan_tickets[2]));
  EXPECT_EQ(SetCounts(cat_.a2).vacant, 3);
  p.random = std::vector<SetCount>{{cat_.fan, 1}};  // shrink: latest first
  v = Patch(id, p);
  EXPECT_THAT(TicketIds(*v), ElementsAre(cat_.fan_tickets[0]));
  // A listed ticket keeps its unnamed set; the total never drops below it.
  p.tickets = std::vector<ObjectId>{cat_.fan_tickets[0], cat_.a2_tickets[1]};
  p.random = std::vector<SetCount>{{cat_.fan, 0}};
  v = Patch(id, p);
  EXPECT_THAT(TicketIds(*v),
              ElementsAre(cat_.fan_tickets[0], cat_.a2_tickets[1]));
}

// Regression (found by the demo scenario): `tickets` dropping the order's
// own standing tickets and `random` naming their set again must be able to
// take those tickets back, even when no other ticket of the set is vacant.
TEST_P(EngineTest, PatchTicketsThenRandomReusesTheTicketsItDropped) {
  const OrderView o = Create(Random(cat_.fan, 2));
  const ObjectId id = o.id;
  const int64_t others = SetCounts(cat_.fan).vacant;
  if (others > 0) Create(Random(cat_.fan, others));  // nothing else vacant
  ASSERT_EQ(SetCounts(cat_.fan).vacant, 0);
  ChangeOrderRequest p;
  p.tickets = std::vector<ObjectId>{cat_.a2_tickets[0]};
  p.random = std::vector<SetCount>{{cat_.fan, 2}};
  auto v = Patch(id, p);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_THAT(TicketIds(*v), ElementsAre(o.tickets[0].id, o.tickets[1].id,
                                         cat_.a2_tickets[0]));
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 0);
  EXPECT_TRUE(engine_->CheckInvariants().ok());
}

TEST_P(EngineTest, AllOrNothingPatchLeavesTheOrderAsItWas) {
  const OrderView o = Create(Random(cat_.fan, 1, /*aon=*/true));
  clock_.Advance(absl::Minutes(1));
  ChangeOrderRequest p;
  p.random = std::vector<SetCount>{{cat_.fan, 6}};
  p.promocodes = std::vector<std::string>{"spring"};
  p.payment = Payment{std::string("api/BASE")};
  p.status = OrderStatus::kInProgress;
  auto v = Patch(o.id, p);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->status, OrderStatus::kExecuted);
  EXPECT_TRUE(v->promocodes.empty());
  EXPECT_FALSE(v->payment.system.has_value());
  EXPECT_EQ(v->updated_at, o.updated_at);
  EXPECT_EQ(v->expired_after, o.expired_after);
  EXPECT_THAT(TicketIds(*v), ElementsAre(cat_.fan_tickets[0]));
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 4);
  p.random =
      std::vector<SetCount>{{cat_.fan, 5}};  // satisfiable: applies whole
  v = Patch(o.id, p);
  EXPECT_EQ(v->status, OrderStatus::kInProgress);
  EXPECT_EQ(v->tickets.size(), 5u);
}

TEST_P(EngineTest, InProgressAllowsOnlyDroppingTickets) {
  const OrderView o = Create(Random(cat_.fan, 3));
  ASSERT_TRUE(SetStatus(o.id, OrderStatus::kInProgress).ok());
  const std::string refused =
      "Order " + o.id.ToString() + " cannot be changed in status in_progress";
  ChangeOrderRequest p;
  p.tickets = std::vector<ObjectId>{cat_.fan_tickets[0],
                                    cat_.fan_tickets[4]};  // adds one
  EXPECT_THAT(Messages(Patch(o.id, p).status()), ElementsAre(refused));
  p.tickets = std::vector<ObjectId>{};
  EXPECT_THAT(Messages(Patch(o.id, p).status()), ElementsAre(refused));
  p = ChangeOrderRequest{};
  p.random = std::vector<SetCount>{{cat_.fan, 1}};
  EXPECT_THAT(Messages(Patch(o.id, p).status()), ElementsAre(refused));
  p = ChangeOrderRequest{};
  p.promocodes = std::vector<std::string>{"spring"};
  EXPECT_THAT(Messages(Patch(o.id, p).status()), ElementsAre(refused));
  p = ChangeOrderRequest{};
  p.tickets = std::vector<ObjectId>{cat_.fan_tickets[2]};
  auto v = Patch(o.id, p);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_THAT(TicketIds(*v), ElementsAre(cat_.fan_tickets[2]));
  EXPECT_EQ(v->expired_after, kStart + absl::Minutes(30));  // did not move
  EXPECT_EQ(SetCounts(cat_.fan).vacant, 4);
}

TEST_P(EngineTest, FinalOrdersCannotBeChanged) {
  for (OrderStatus s :
       {OrderStatus::kDone, OrderStatus::kCancelled, OrderStatus::kExpired}) {
    const ObjectId id = OrderIn(s);
    ChangeOrderRequest p;
    p.payment = Payment{std::string("x")};
    EXPECT_THAT(
        Messages(Patch(id, p).status()),
        ElementsAre("Order " + id.ToString() + " cannot be changed in status " +
                    std::string(OrderStatusName(s))));
    p.status = OrderStatus::kDone;
    EXPECT_EQ(Messages(Patch(id, p).status()).size(), 2u);  // listed together
    EXPECT_TRUE(Patch(id, ChangeOrderRequest{}).ok());  // an empty PATCH reads
  }
}

TEST_P(EngineTest, PaymentFieldsReplaceThoseGiven) {
  const ObjectId id = Create(Random(cat_.fan, 1)).id;
  ChangeOrderRequest p;
  p.payment = Payment{std::string("api/BASE"), std::string("https://ok")};
  auto v = Patch(id, p);
  EXPECT_EQ(v->payment.system, "api/BASE");
  ASSERT_TRUE(SetStatus(id, OrderStatus::kInProgress).ok());
  p.payment = Payment{std::nullopt, std::nullopt, std::string("https://fail")};
  v = Patch(id, p);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->payment.system, "api/BASE");
  EXPECT_EQ(v->payment.success_url, "https://ok");
  EXPECT_EQ(v->payment.failure_url, "https://fail");
}

TEST_P(EngineTest, PromocodesDiscountTakeUsesAndGiveThemBack) {
  CreateOrderRequest r = Random(cat_.fan, 3);
  r.promocodes = {"sPrInG"};  // case-insensitive; limit 2
  OrderView v = Create(r);
  ASSERT_EQ(v.tickets.size(), 3u);
  EXPECT_THAT(v.promocodes, ElementsAre(cat_.spring));
  EXPECT_EQ(v.tickets[0].discount, M(56000));
  EXPECT_EQ(v.tickets[0].nominal, M(504000));
  EXPECT_EQ(v.tickets[0].extra, M(50400));
  EXPECT_EQ(v.tickets[1].discount, M(56000));
  EXPECT_EQ(v.tickets[2].discount, M(0));  // past the limit: full price
  EXPECT_EQ(v.values.discount, M(112000));
  ASSERT_EQ(v.values.sets.size(), 1u);
  EXPECT_EQ(v.values.sets[0].promocode, cat_.spring);
  OrderView second = Create(r);  // no use left
  EXPECT_EQ(second.values.discount, M(0));
  ASSERT_TRUE(SetStatus(v.id, OrderStatus::kCancelled).ok());
  // Uses came back; discounts are recomputed only when codes or tickets
  // change, so the second order gets them on its next PATCH.
  EXPECT_EQ(engine_->GetOrder(cat_.vendor, second.id)->values.discount, M(0));
  ChangeOrderRequest p;
  p.promocodes = std::vector<std::string>{"FIX", "spring"};
  auto after = Patch(second.id, p);
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->promocodes, ElementsAre(cat_.fix, cat_.spring));
  EXPECT_EQ(after->values.discount, M(112000));  // FIX covers only A2
  EXPECT_TRUE(engine_->CheckInvariants().ok());
  EXPECT_THAT(
      Messages(
          Patch(second.id, ChangeOrderRequest{std::nullopt, std::nullopt,
                                              std::vector<std::string>{"nope"}})
              .status()),
      ElementsAre("Promocode nope not found"));
}

TEST_P(EngineTest, FixDiscountFirstCoveringCodeAndPriceCap) {
  CreateOrderRequest r = Random(cat_.a2, 2);
  r.random.push_back(SetCount{cat_.fan, 1});
  r.promocodes = {"big", "fix", "spring"};
  OrderView v = Create(r);
  ASSERT_EQ(v.tickets.size(), 3u);
  EXPECT_EQ(v.tickets[0].discount, M(99000));  // BIG capped at the price
  EXPECT_EQ(v.tickets[0].nominal, M(0));
  EXPECT_EQ(v.tickets[2].discount, M(56000));  // Fan: only SPRING covers it
  ASSERT_EQ(v.values.sets.size(), 2u);
  EXPECT_EQ(v.values.sets[0].promocode, cat_.big);
  EXPECT_EQ(v.values.sets[1].promocode, cat_.spring);
}

TEST_P(EngineTest, OtherPartnersOrdersAndForgedIdsAreNotFound) {
  const ObjectId id = Create(Random(cat_.fan, 1)).id;
  const std::string msg = "Order " + id.ToString() + " not found";
  EXPECT_THAT(Messages(engine_->GetOrder(cat_.org, id).status()),
              ElementsAre(msg));
  EXPECT_EQ(engine_->GetOrder(cat_.org, id).status().code(),
            absl::StatusCode::kNotFound);
  ChangeOrderRequest p;
  p.status = OrderStatus::kCancelled;
  EXPECT_THAT(Messages(engine_->ChangeOrder(cat_.stranger, id, p).status()),
              ElementsAre(msg));
  EXPECT_EQ(StatusOf(id), OrderStatus::kExecuted);
  std::array<uint8_t, ObjectId::kBytes> b = id.bytes();
  b[11] ^= 1;  // same slot, wrong secret
  const ObjectId forged(b);
  EXPECT_THAT(Messages(engine_->GetOrder(cat_.vendor, forged).status()),
              ElementsAre("Order " + forged.ToString() + " not found"));
  EXPECT_FALSE(engine_->GetOrder(cat_.vendor, TestId(0x7f, 1)).ok());
}

TEST_P(EngineTest, ListOrdersNewestFirstFilteredAndPaged) {
  std::vector<ObjectId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Create(Random(cat_.fan, 1)).id);
  Create(Random(cat_.fan, 1), &cat_.org);  // another partner's
  ASSERT_TRUE(SetStatus(ids[1], OrderStatus::kDone).ok());
  OrderFilter f;
  f.per_page = 2;
  auto page = engine_->ListOrders(cat_.vendor, f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->orders.size(), 2u);
  EXPECT_EQ(page->orders[0].id, ids[4]);
  EXPECT_EQ(page->orders[1].id, ids[3]);
  f.page = 3;
  page = engine_->ListOrders(cat_.vendor, f);
  ASSERT_EQ(page->orders.size(), 1u);
  EXPECT_EQ(page->orders[0].id, ids[0]);
  f = OrderFilter{};
  f.status = OrderStatus::kDone;
  page = engine_->ListOrders(cat_.vendor, f);
  EXPECT_EQ(page->total, 1);
  f.event = cat_.other;
  f.status.reset();
  EXPECT_EQ(engine_->ListOrders(cat_.vendor, f)->total, 0);
  // Expiry is applied before filtering.
  clock_.Advance(absl::Minutes(15));
  f = OrderFilter{};
  f.status = OrderStatus::kExpired;
  EXPECT_EQ(engine_->ListOrders(cat_.vendor, f)->total, 4);
  for (int64_t bad : {0, 101, -1}) {
    f = OrderFilter{};
    f.per_page = bad;
    EXPECT_THAT(Messages(engine_->ListOrders(cat_.vendor, f).status()),
                ElementsAre("Field per_page must be an integer from 1 to 100"));
  }
  f = OrderFilter{};
  f.page = 0;
  EXPECT_THAT(Messages(engine_->ListOrders(cat_.vendor, f).status()),
              ElementsAre("Field page must be a positive integer"));
}

TEST_P(EngineTest, EventsSeatsAndDescriptions) {
  CreateOrderRequest r;
  r.tickets = {cat_.a2_tickets[1]};
  Create(r);
  std::vector<EventInfo> events = engine_->ListEvents(cat_.vendor);
  ASSERT_EQ(events.size(), 1u);  // not the draft, not the stranger's
  EXPECT_EQ(events[0].id, cat_.event);
  ASSERT_EQ(events[0].sets.size(), 2u);
  EXPECT_EQ(events[0].sets[1].vacant, 2);
  EXPECT_EQ(events[0].sets[1].reserved, 1);
  EXPECT_EQ(engine_->ListEvents(cat_.stranger).size(), 2u);
  EXPECT_EQ(engine_->ListEvents(cat_.org).size(), 1u);
  auto seats = engine_->ListSeats(cat_.vendor, cat_.event);
  ASSERT_TRUE(seats.ok());
  ASSERT_EQ(seats->size(), 3u);
  EXPECT_EQ((*seats)[1].ticket, cat_.a2_tickets[1]);
  EXPECT_EQ((*seats)[1].status, TicketStatus::kReserved);
  EXPECT_EQ((*seats)[0].status, TicketStatus::kVacant);
  EXPECT_THAT(Messages(engine_->ListSeats(cat_.vendor, cat_.other).status()),
              ElementsAre("Event " + cat_.other.ToString() + " not found"));
  EXPECT_EQ(engine_->DescribePartner(cat_.vendor)->name, "Vendor");
  EXPECT_EQ(engine_->DescribeEvent(cat_.draft)->status, EventStatus::kDraft);
  EXPECT_EQ(engine_->DescribeSet(cat_.a2)->serial, "EOY");
  EXPECT_EQ(engine_->DescribePromocode(cat_.fix)->code, "Fix");
  EXPECT_FALSE(engine_->DescribeSet(TestId(0x7f, 2)).has_value());
  EXPECT_EQ(engine_->FindPartnerByKey("vendor-key"), cat_.vendor);
  EXPECT_FALSE(engine_->FindPartnerByKey("nope").has_value());
  const InventoryTotals t = engine_->Totals();
  EXPECT_EQ(t.tickets, 13);
  EXPECT_EQ(t.reserved, 1);
}

TEST_P(EngineTest, TooManyTicketsOnChange) {
  EngineOptions o;
  o.max_tickets_per_order = 3;
  Reopen(o);
  const ObjectId id = Create(Random(cat_.fan, 2)).id;
  ChangeOrderRequest p;
  p.random = std::vector<SetCount>{{cat_.fan, 2}, {cat_.a2, 2}};
  EXPECT_THAT(Messages(Patch(id, p).status()),
              ElementsAre("Too many tickets: 4, at most 3"));
  EXPECT_EQ(engine_->GetOrder(cat_.vendor, id)->tickets.size(), 2u);
}

TEST_P(EngineTest, MaxOrdersIsACapacityLimit) {
  EngineOptions o;
  o.max_orders = 2;
  Reopen(o);
  Create(Random(cat_.fan, 1));
  Create(Random(cat_.fan, 1));
  auto third = engine_->CreateOrder(cat_.vendor, Random(cat_.fan, 1));
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Messages(third.status()),
              ElementsAre("Too many orders: at most 2"));
  EXPECT_EQ(SetCounts(cat_.fan).reserved, 2);  // the refusal claimed nothing
}

TEST_P(EngineTest, BackgroundExpiryReleasesWithoutAnyAccess) {
  EngineOptions o;
  o.background_expiry = true;
  o.expiry_interval = absl::Milliseconds(1);
  Reopen(o);
  Create(Random(cat_.fan, 3));
  clock_.Advance(absl::Minutes(15));
  // Totals reads no order, so only the background sweep can release them.
  // Polls (no timing is asserted; the bound only stops a broken build).
  for (int i = 0; i < 30000 && engine_->Totals().reserved != 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(engine_->Totals().reserved, 0);
  EXPECT_EQ(engine_->Totals().vacant, 13);
}

// Reference 000 (v1-all-or-nothing.jsonl), in C++.
TEST_P(EngineTest, ReferenceFlowAllOrNothing) {
  EngineOptions o;
  o.reservation_ttl = absl::Minutes(10);
  Reopen(o);
  // The reference's set has three tickets, as A2 does.
  const OrderView first = Create(Random(cat_.a2, 2, true));
  EXPECT_EQ(first.tickets.size(), 2u);
  EXPECT_EQ(first.values.full, M(198000));
  clock_.Advance(absl::Seconds(130));
  const OrderView empty = Create(Random(cat_.a2, 2, true));
  EXPECT_TRUE(empty.tickets.empty());
  EXPECT_EQ(empty.status, OrderStatus::kExecuted);
  const OrderView partial = Create(Random(cat_.a2, 2));
  EXPECT_EQ(partial.tickets.size(), 1u);
  clock_.Set(first.expired_after + absl::Microseconds(1));
  EXPECT_EQ(StatusOf(first.id), OrderStatus::kExpired);
  EXPECT_EQ(Create(Random(cat_.a2, 2, true)).tickets.size(), 2u);
}

// Reference 001 (v1-carry-out.jsonl).
TEST_P(EngineTest, ReferenceFlowCarryOut) {
  EngineOptions o;
  o.reservation_ttl = absl::Minutes(10);
  Reopen(o);
  const OrderView v = Create(Random(cat_.fan, 1));
  ChangeOrderRequest p;
  p.payment = Payment{std::string("api/BASE")};
  clock_.Advance(absl::Seconds(21));
  EXPECT_EQ(Patch(v.id, p)->payment.system, "api/BASE");
  clock_.Advance(absl::Seconds(26));
  auto ip = SetStatus(v.id, OrderStatus::kInProgress);
  EXPECT_EQ(ip->expired_after, clock_.Now() + absl::Minutes(30));
  clock_.Advance(
      absl::Minutes(14));  // past the reservation TTL, not the payment TTL
  EXPECT_EQ(SetStatus(v.id, OrderStatus::kDone)->status, OrderStatus::kDone);
  EXPECT_THAT(Messages(SetStatus(v.id, OrderStatus::kCancelled).status()),
              ElementsAre("Cannot change status from done to cancelled"));
}

// Reference 003, seat first (v2-mixed-order-seat-first.jsonl).
TEST_P(EngineTest, ReferenceFlowMixedOrderSeatFirst) {
  CreateOrderRequest r;
  r.tickets = {cat_.a2_tickets[0]};  // the event comes from the ticket
  const OrderView v = Create(r);
  EXPECT_EQ(v.event, cat_.event);
  ChangeOrderRequest p;  // random names the seat's set too, to keep it
  p.random = std::vector<SetCount>{{cat_.a2, 1}, {cat_.fan, 1}};
  auto v2 = Patch(v.id, p);
  ASSERT_TRUE(v2.ok());
  EXPECT_THAT(TicketIds(*v2),
              ElementsAre(cat_.a2_tickets[0], cat_.fan_tickets[0]));
  EXPECT_EQ(v2->values.extra, M(56000));  // A2's 0% + Fan's 10%
  auto done = SetStatus(v.id, OrderStatus::kDone);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->code.has_value());
  EXPECT_TRUE(done->tickets[1].barcode.has_value());
  // Errors are a list of messages, and change nothing.
  CreateOrderRequest bad;
  bad.event = Id("000000000000000000000000");
  bad.random = {SetCount{cat_.fan, 1}};
  EXPECT_THAT(Messages(engine_->CreateOrder(cat_.vendor, bad).status()),
              ElementsAre("Event 000000000000000000000000 not found"));
  EXPECT_EQ(engine_->Totals().sold, 2);
  EXPECT_EQ(engine_->Totals().reserved, 0);
}

// Reference 003, seat last (v2-mixed-order-seat-last.jsonl).
TEST_P(EngineTest, ReferenceFlowMixedOrderSeatLast) {
  const OrderView v = Create(Random(cat_.fan, 1));
  EXPECT_EQ(v.values.extra, M(56000));
  ChangeOrderRequest p;
  p.tickets = std::vector<ObjectId>{v.tickets[0].id, cat_.a2_tickets[0]};
  auto v2 = Patch(v.id, p);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->tickets.size(), 2u);
  EXPECT_EQ((*engine_->ListSeats(cat_.vendor, cat_.event))[0].status,
            TicketStatus::kReserved);
  auto done = SetStatus(v.id, OrderStatus::kDone);
  EXPECT_EQ(done->status, OrderStatus::kDone);
  EXPECT_EQ((*engine_->ListSeats(cat_.vendor, cat_.event))[0].status,
            TicketStatus::kSold);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(StatusOf(v.id), OrderStatus::kDone);
}

// Order slots live in chunks mapped outside the heap; LeakSanitizer must
// still see the heap blocks they own (an order's ticket list) while the
// engine lives, or every leak check before the engine's end (libFuzzer runs
// one per input) reports them leaked. Only meaningful under ASan.
TEST_P(EngineTest, LeakCheckWhileTheEngineLivesFindsNothing) {
#if defined(BOXOFFICE_TEST_LSAN)
  EngineOptions o;
  o.max_orders = 20000;
  o.reserved_orders = 8192;  // mapped chunks, built at Open
  Reopen(o);
  for (int i = 0; i < 3; ++i) Create(Random(cat_.fan, 1));
  EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0);
#else
  GTEST_SKIP() << "needs AddressSanitizer";
#endif
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "Reference" : "LockFree";
                         });

}  // namespace
}  // namespace boxoffice::testing
