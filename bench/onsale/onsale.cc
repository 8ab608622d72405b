// boxoffice-onsale: what the engine does when a crowd arrives at once.
//
// Workload (one run per engine, same shape and seed): one stadium event,
// by default 100,000 seats in 50 seated sets plus 50,000 general-admission
// tickets in one set. Buyers ask for 1 to 6 tickets: random general
// admission, random seats of one set, specific adjacent seats, or specific
// seats plus random standing tickets; a third ask all_or_nothing. Of the
// buyers who got tickets, 70% pay (PATCH in_progress, then done), 20%
// abandon (their reservation expires on the virtual clock), 10% cancel. A
// buyer who got nothing tries again (4 times a visit) and, still empty-handed,
// goes back into the crowd. Buyers choose seats from an approximate seat map
// (seats some request already named) and avoid sets that recently came back
// short, as a client showing the event's map would. The run ends when the venue
// is sold out, every buyer has been served or --seconds have passed.
//
// Measured: orders per second (orders that got tickets, each with its
// payment, abandonment or cancellation; empty attempts reported apart), tickets
// sold, latency of every engine call (p50, p99, p99.9), and the time until sold
// out; for Engine::Open (lock-free) and Engine::OpenReference (one global
// mutex), and their ratio.
//
// Verified at the end (exit 1 otherwise): no ticket sold twice; sold
// tickets == tickets of done orders; counts add up (Totals and
// CheckInvariants); every abandoned order expired; every cancelled order is
// cancelled; no reservation is left once the clock passed every deadline.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/onsale/histogram.h"
#include "boxoffice/catalog.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"
#include "boxoffice/limits.h"
#include "boxoffice/object_id.h"
#include "boxoffice/options.h"
#include "boxoffice/order.h"
#include "nlohmann/json.hpp"

namespace boxoffice::onsale {
namespace {

using Steady = std::chrono::steady_clock;

struct Shape {
  int64_t seats = 100'000;  // seated tickets, spread over seated_sets
  int64_t seated_sets = 50;
  int64_t ga = 50'000;       // general admission, one set
  int64_t buyers = 100'000;  // the crowd
  int threads = 2;
  double seconds = 60;  // wall-clock cap per engine
  uint64_t seed = 1;
  // EngineOptions::reserved_orders for both engines: order memory set aside
  // at Open, as a server preparing an on-sale would. -1: one per buyer.
  int64_t reserved_orders = -1;
  bool json = false;
  bool quiet = false;
  bool run_lockfree = true;
  bool run_reference = true;
  absl::Duration reservation_ttl = absl::Minutes(15);
  absl::Duration payment_ttl = absl::Minutes(30);
  // Virtual time that passes per buyer: 100,000 buyers over ~17 minutes,
  // so early abandoned reservations expire while the sale goes on.
  absl::Duration step = absl::Milliseconds(10);
};

constexpr int kMaxAttempts = 4;
constexpr int kMaxThreads = 64;
// Sessions a worker runs between moving the clock and expiring: keeps
// those (shared, for the reference engine mutexed) calls off the per-order
// path. Sold out is checked only when a buyer comes back empty-handed (the
// moment it can have happened): a periodic engine-wide count was ~3.5% of
// a run's CPU, work a real crowd never asks of a box office.
constexpr int64_t kCheckEvery = 16;
// Sets a buyer tries before picking one that looks sold out anyway, and
// how long (virtual) such a look lasts.
constexpr int kSetProbes = 8;
// Virtual time an empty-handed buyer waits before coming back.
constexpr absl::Duration kWaitStep = absl::Seconds(5);
constexpr int64_t kHintMicros = 60'000'000;
// Places a buyer looks at on the seat map for a run of free seats.
constexpr int64_t kSeatMapProbes = 64;

// splitmix64: fast, seedable, good enough to shape a workload.
// Thread-safety: none; one per worker thread.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t Below(int64_t n) {
    return static_cast<int64_t>(Next() % static_cast<uint64_t>(n));
  }

 private:
  uint64_t state_;
};

constexpr uint8_t kSeatKind = 4;

ObjectId MakeId(uint8_t kind, uint64_t index) {
  std::array<uint8_t, ObjectId::kBytes> b{};
  b[0] = 0x5d;
  b[1] = kind;
  for (int i = 0; i < 8; ++i)
    b[11 - i] = static_cast<uint8_t>(index >> (8 * i));
  return ObjectId(b);
}

// The stadium: its catalog document and the ids the buyers need.
struct Venue {
  CatalogDocument doc;
  ObjectId partner, event, ga_set;
  std::vector<ObjectId> seated_sets;
  std::vector<std::vector<ObjectId>> seats;  // per seated set, in seat order
  std::vector<int64_t> seat_base;  // per seated set: its first seat-map index
  int64_t tickets = 0;
  std::string key = "0n5a1e0n5a1e0n5a1e0n5a1e0n5a1e00";
};

Venue BuildVenue(const Shape& shape) {
  Venue v;
  v.partner = MakeId(1, 1);
  v.event = MakeId(2, 1);
  v.doc.partners.push_back({v.partner, "Stadium box office", v.key});
  EventSpec e;
  e.id = v.event;
  e.org = v.partner;
  e.title_text = "Stadium on-sale";
  e.title_desc = "boxoffice-onsale";
  e.start = absl::FromUnixSeconds(1'900'000'000);
  e.finish = e.start + absl::Hours(3);
  e.timezone = "Europe/Moscow";
  uint64_t ticket_index = 0;
  for (int64_t s = 0; s < shape.seated_sets; ++s) {
    const int64_t size = shape.seats / shape.seated_sets +
                         (s < shape.seats % shape.seated_sets ? 1 : 0);
    SetSpec set;
    set.id = MakeId(3, static_cast<uint64_t>(s) + 1);
    set.name = absl::StrCat("Sector ", s + 1);
    set.price = Money{250000};
    set.with_seats = true;
    v.seat_base.push_back(v.tickets);
    std::vector<ObjectId>& ids = v.seats.emplace_back();
    ids.reserve(static_cast<size_t>(size));
    for (int64_t i = 0; i < size; ++i) {
      TicketSpec t;
      t.id = MakeId(kSeatKind, ++ticket_index);
      t.seat = Seat{absl::StrCat("S", s + 1), absl::StrCat(i / 40 + 1),
                    absl::StrCat(i % 40 + 1)};
      // Seat-map index + 1: Worker::SeatMapIndex decodes it back.
      if (ticket_index != static_cast<uint64_t>(v.tickets + i) + 1)
        std::abort();
      ids.push_back(t.id);
      set.tickets.push_back(std::move(t));
    }
    v.seated_sets.push_back(set.id);
    v.tickets += size;
    e.sets.push_back(std::move(set));
  }
  if (shape.ga > 0) {
    SetSpec ga;
    ga.id = MakeId(3, 1'000'000);
    ga.name = "Fan zone";
    ga.price = Money{560000};
    ga.count = shape.ga;
    v.ga_set = ga.id;
    v.tickets += shape.ga;
    e.sets.push_back(std::move(ga));
  }
  v.doc.events.push_back(std::move(e));
  return v;
}

// What one worker saw; merged after the run.
struct WorkerResult {
  Histogram latency_ns;
  int64_t calls = 0;
  int64_t orders = 0;  // orders created
  int64_t empty = 0;   // created with no ticket (claims failed)
  int64_t paid = 0;    // reached done
  int64_t tickets_paid = 0;
  int64_t abandoned = 0;
  int64_t cancelled = 0;
  int64_t late = 0;    // payment or cancel refused: the order expired first
  int64_t errors = 0;  // any other refusal
  int64_t waits = 0;   // clock pushed forward because nothing was vacant
  std::vector<ObjectId> done_ids, abandoned_ids, cancelled_ids;
  std::vector<std::string> error_samples;
};

// Shared by the workers of one run. Relaxed atomics throughout: they are
// counters and flags read for progress and stopping, ordering no data; the
// engine publishes its own state.
struct Run {
  Engine* engine = nullptr;
  SimulatedClock* clock = nullptr;
  const Venue* venue = nullptr;
  const Shape* shape = nullptr;
  // The crowd's seat map, one flag per seat: named by some request already.
  // Relaxed: a hint for choosing seats, never relied on for correctness.
  std::vector<std::atomic<uint8_t>> seat_map;
  // Per seated set, then general admission: the virtual time (us) a random
  // claim of it last came back short, 0 never. Relaxed: a hint only.
  std::vector<std::atomic<int64_t>> sold_out_hint;
  std::atomic<int64_t> buyers_left{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> sold_out_ns{-1};
  std::atomic<int64_t> orders{0};
  std::atomic<int64_t> tickets_paid{0};
  Steady::time_point start;
  Steady::time_point deadline;
};

// One buyer thread. Thread-safety: each Worker is used by its own thread;
// it shares only the Run (atomics and the thread-safe engine) with others,
// and its result is read after the thread is joined.
class Worker {
 public:
  Worker(Run* run, int index)
      : run_(run),
        rng_(run->shape->seed * 0x2545f4914f6cdd1dULL +
             static_cast<uint64_t>(index)) {}

  void Main() {
    int64_t sessions = 0;
    int64_t published_orders = 0, published_tickets = 0;
    while (!run_->stop.load(std::memory_order_relaxed)) {
      if (run_->buyers_left.fetch_sub(1, std::memory_order_relaxed) <= 0) break;
      if (!Buyer()) run_->buyers_left.fetch_add(1, std::memory_order_relaxed);
      if (++sessions % kCheckEvery == 0) {
        run_->clock->Advance(run_->shape->step * kCheckEvery);
        run_->engine->ExpireDue();
        run_->orders.fetch_add(result.orders - published_orders,
                               std::memory_order_relaxed);
        run_->tickets_paid.fetch_add(result.tickets_paid - published_tickets,
                                     std::memory_order_relaxed);
        published_orders = result.orders;
        published_tickets = result.tickets_paid;
        if (Steady::now() >= run_->deadline)
          run_->stop.store(true, std::memory_order_relaxed);
      }
    }
    run_->orders.fetch_add(result.orders - published_orders,
                           std::memory_order_relaxed);
    run_->tickets_paid.fetch_add(result.tickets_paid - published_tickets,
                                 std::memory_order_relaxed);
  }

  WorkerResult result;

 private:
  // Returns the totals it read.
  InventoryTotals CheckSoldOut() {
    const InventoryTotals t = run_->engine->Totals();
    if (t.sold == run_->venue->tickets) {
      int64_t expected = -1;
      const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             Steady::now() - run_->start)
                             .count();
      run_->sold_out_ns.compare_exchange_strong(expected, ns,
                                                std::memory_order_relaxed);
      run_->stop.store(true, std::memory_order_relaxed);
    }
    return t;
  }

  template <typename F>
  auto Timed(F&& call) {
    const auto t0 = Steady::now();
    auto r = call();
    result.latency_ns.Add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - t0)
            .count()));
    ++result.calls;
    return r;
  }

  void Error(const absl::Status& s) {
    ++result.errors;
    if (result.error_samples.size() < 5)
      result.error_samples.emplace_back(s.ToString());
  }

  void BuildRequest() {
    const Venue& v = *run_->venue;
    request_.event = v.event;
    request_.tickets.clear();
    request_.random.clear();
    request_.all_or_nothing = rng_.Below(3) == 0;
    const int64_t n = 1 + rng_.Below(6);
    const bool has_ga = run_->shape->ga > 0;
    const bool has_seats = !v.seated_sets.empty();
    int64_t kind = rng_.Below(4);
    if (!has_seats) kind = 0;
    if (!has_ga && (kind == 0 || kind == 3)) kind = 1 + rng_.Below(2);
    // Buyers avoid what the box office recently showed as sold out.
    if (kind == 0 && has_seats && LooksSoldOut(GaHint())) kind = 1;
    if (kind == 0) {
      request_.random.push_back({v.ga_set, n});
      return;
    }
    const int64_t sets = static_cast<int64_t>(v.seated_sets.size());
    int64_t s = rng_.Below(sets);
    for (int probe = 0; probe < kSetProbes && LooksSoldOut(s); ++probe) {
      s = rng_.Below(sets);
    }
    if (kind == 1) {
      request_.random.push_back({v.seated_sets[s], n});
      return;
    }
    // Adjacent seats, as people buy them; the rest standing for kind 3.
    const int64_t specific = kind == 2 || n == 1 ? n : 1 + rng_.Below(n - 1);
    const std::vector<ObjectId>& seats = v.seats[s];
    const int64_t size = static_cast<int64_t>(seats.size());
    const int64_t count = std::min<int64_t>(specific, size);
    // Buyers pick from the seat map: a run of `count` seats that no earlier
    // request of the crowd named, starting at a random place and looking at
    // most kSeatMapProbes places further; if none, they take random seats.
    const int64_t start = rng_.Below(size - count + 1);
    int64_t first = -1;
    for (int64_t probe = 0; probe < kSeatMapProbes && first < 0; ++probe) {
      const int64_t at = (start + probe) % (size - count + 1);
      bool free = true;
      for (int64_t i = 0; i < count && free; ++i) {
        free = run_->seat_map[v.seat_base[s] + at + i].load(
                   std::memory_order_relaxed) == 0;
      }
      if (free) first = at;
    }
    if (first < 0) {
      request_.random.push_back({v.seated_sets[s], n});
      return;
    }
    for (int64_t i = 0; i < count; ++i)
      request_.tickets.push_back(seats[first + i]);
    picked_base_ = v.seat_base[s] + first;
    picked_count_ = count;
    if (kind == 3 && n > specific)
      request_.random.push_back({v.ga_set, n - specific});
  }

  int64_t GaHint() const {
    return static_cast<int64_t>(run_->venue->seated_sets.size());
  }

  bool LooksSoldOut(int64_t hint) const {
    const int64_t at =
        run_->sold_out_hint[hint].load(std::memory_order_relaxed);
    return at != 0 && absl::ToUnixMicros(run_->clock->Now()) - at < kHintMicros;
  }

  // After a create: a set whose random claim came back short (without
  // all_or_nothing) had nothing more vacant; the crowd avoids it for a
  // virtual minute, after which expired reservations may have refilled it.
  void NoteShortSets(const OrderView& order) {
    if (request_.all_or_nothing) return;
    const Venue& v = *run_->venue;
    for (const SetCount& want : request_.random) {
      int64_t got = 0;
      for (const TicketView& t : order.tickets)
        got += t.set == want.set ? 1 : 0;
      if (got >= want.count) continue;
      int64_t hint = GaHint();
      if (want.set != v.ga_set) {
        hint = std::find(v.seated_sets.begin(), v.seated_sets.end(), want.set) -
               v.seated_sets.begin();
      }
      run_->sold_out_hint[hint].store(absl::ToUnixMicros(run_->clock->Now()),
                                      std::memory_order_relaxed);
    }
  }

  // Seats an order got by random claims are on the map as taken too, as
  // the box office's seat map would show them.
  void MarkHeld(const OrderView& order) {
    for (const TicketView& t : order.tickets) {
      if (!t.seat.has_value()) continue;
      const int64_t at = SeatMapIndex(t.id);
      if (at >= 0 && at < static_cast<int64_t>(run_->seat_map.size())) {
        run_->seat_map[at].store(1, std::memory_order_relaxed);
      }
    }
  }

  // The seat-map index of a seat's ticket id (MakeId(kSeatKind, index + 1),
  // see BuildVenue), or -1. Decoded rather than looked up: with a hash map
  // of every seat, the crowd's own bookkeeping was ~5% of a run's CPU, time
  // that a real crowd spends on its own machines, not the box office's.
  static int64_t SeatMapIndex(const ObjectId& id) {
    const auto& b = id.bytes();
    if (b[0] != 0x5d || b[1] != kSeatKind) return -1;
    uint64_t n = 0;
    for (int i = 4; i < ObjectId::kBytes; ++i) n = (n << 8) | b[i];
    return static_cast<int64_t>(n) - 1;
  }

  // Marks the seats the last request named as seen taken, whether this
  // order got them or another one had them: the map is approximate and
  // stale, like a client's, and a seat that comes back on sale is found by
  // random claims.
  void MarkPicked() {
    for (int64_t i = 0; i < picked_count_; ++i) {
      run_->seat_map[picked_base_ + i].store(1, std::memory_order_relaxed);
    }
    picked_count_ = 0;
  }

  // One buyer's visit. Returns false when the buyer got nothing in
  // kMaxAttempts tries: they stay in the crowd and come back later, so that
  // the sale runs until sold out rather than until the crowd gave up.
  bool Buyer() {
    Engine& engine = *run_->engine;
    const ObjectId& partner = run_->venue->partner;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      BuildRequest();
      absl::StatusOr<OrderView> order =
          Timed([&] { return engine.CreateOrder(partner, request_); });
      MarkPicked();
      if (order.ok()) {
        NoteShortSets(*order);
        MarkHeld(*order);
      }
      if (!order.ok()) {
        Error(order.status());
        return true;
      }
      ++result.orders;
      if (order->tickets.empty()) {
        ++result.empty;  // left to expire, as a real client would
        continue;
      }
      const int64_t outcome = rng_.Below(10);
      if (outcome < 7) {
        Pay(*order);
      } else if (outcome < 9) {
        ++result.abandoned;
        result.abandoned_ids.push_back(order->id);
      } else {
        ChangeOrderRequest cancel;
        cancel.status = OrderStatus::kCancelled;
        auto r = Timed(
            [&] { return engine.ChangeOrder(partner, order->id, cancel); });
        if (r.ok()) {
          ++result.cancelled;
          result.cancelled_ids.push_back(order->id);
        } else if (r.status().code() == absl::StatusCode::kFailedPrecondition) {
          ++result.late;  // another buyer's wait moved the clock past it first
        } else {
          Error(r.status());
        }
      }
      return true;
    }
    // Empty-handed: the buyer waits a little before coming back, and the
    // (virtual) time that passes lets abandoned reservations run out; at
    // the end of a sale that is how the last tickets come back on sale.
    const InventoryTotals t = CheckSoldOut();
    if (t.sold < run_->venue->tickets) {
      ++result.waits;
      run_->clock->Advance(kWaitStep);
      engine.ExpireDue();
    }
    return false;
  }

  void Pay(const OrderView& order) {
    Engine& engine = *run_->engine;
    const ObjectId& partner = run_->venue->partner;
    ChangeOrderRequest change;
    change.status = OrderStatus::kInProgress;
    auto started =
        Timed([&] { return engine.ChangeOrder(partner, order.id, change); });
    if (started.ok()) {
      change.status = OrderStatus::kDone;
      started =
          Timed([&] { return engine.ChangeOrder(partner, order.id, change); });
    }
    if (started.ok() && started->status == OrderStatus::kDone) {
      ++result.paid;
      result.tickets_paid += static_cast<int64_t>(started->tickets.size());
      result.done_ids.push_back(order.id);
    } else if (!started.ok() && started.status().code() ==
                                    absl::StatusCode::kFailedPrecondition) {
      ++result.late;  // the reservation ran out first: a late payment
    } else {
      Error(started.ok() ? absl::InternalError("done did not reach done")
                         : started.status());
    }
  }

  Run* run_;
  Rng rng_;
  CreateOrderRequest request_;
  int64_t picked_base_ = 0;  // seat-map index of the first seat named
  int64_t picked_count_ = 0;
};

struct EngineResult {
  std::string name;
  bool ran = false;
  double seconds = 0;
  std::optional<double> sold_out_seconds;
  WorkerResult merged;
  int64_t tickets = 0;
  int64_t sold = 0;
  double orders_per_s = 0;    // orders that got tickets, per second
  double attempts_per_s = 0;  // every CreateOrder, per second
  double calls_per_s = 0;
  std::vector<std::string> problems;  // verification failures
};

void Merge(WorkerResult& into, WorkerResult& from) {
  into.latency_ns.Merge(from.latency_ns);
  into.calls += from.calls;
  into.orders += from.orders;
  into.empty += from.empty;
  into.paid += from.paid;
  into.tickets_paid += from.tickets_paid;
  into.abandoned += from.abandoned;
  into.cancelled += from.cancelled;
  into.late += from.late;
  into.errors += from.errors;
  into.waits += from.waits;
  auto append = [](std::vector<ObjectId>& a, std::vector<ObjectId>& b) {
    a.insert(a.end(), b.begin(), b.end());
  };
  append(into.done_ids, from.done_ids);
  append(into.abandoned_ids, from.abandoned_ids);
  append(into.cancelled_ids, from.cancelled_ids);
  for (auto& s : from.error_samples) {
    if (into.error_samples.size() < 5) into.error_samples.push_back(s);
  }
}

// After the run, at a quiescent point: moves the clock past every deadline
// and checks what the harness promises.
void Verify(Engine& engine, SimulatedClock& clock, const Shape& shape,
            const Venue& venue, EngineResult* r) {
  auto problem = [&](std::string p) {
    if (r->problems.size() < 20) r->problems.push_back(std::move(p));
  };
  const WorkerResult& w = r->merged;
  if (w.errors > 0) {
    problem(absl::StrCat(w.errors, " engine calls refused unexpectedly, e.g. ",
                         w.error_samples.empty() ? "" : w.error_samples[0]));
  }
  clock.Advance(shape.reservation_ttl + shape.payment_ttl + absl::Seconds(1));
  engine.ExpireDue();

  absl::flat_hash_map<ObjectId, ObjectId> sold_by;  // ticket -> done order
  sold_by.reserve(static_cast<size_t>(w.tickets_paid));
  int64_t done_tickets = 0;
  for (const ObjectId& id : w.done_ids) {
    auto o = engine.GetOrder(venue.partner, id);
    if (!o.ok() || o->status != OrderStatus::kDone) {
      problem(absl::StrCat("done order ", id.ToString(), " is no longer done"));
      continue;
    }
    done_tickets += static_cast<int64_t>(o->tickets.size());
    for (const TicketView& t : o->tickets) {
      if (t.status != TicketStatus::kSold) {
        problem(absl::StrCat("ticket ", t.id.ToString(), " of done order ",
                             id.ToString(), " is not sold"));
      }
      auto [it, inserted] = sold_by.emplace(t.id, id);
      if (!inserted) {
        problem(absl::StrCat("ticket ", t.id.ToString(), " sold twice: orders ",
                             it->second.ToString(), " and ", id.ToString()));
      }
    }
  }
  for (const ObjectId& id : w.abandoned_ids) {
    auto o = engine.GetOrder(venue.partner, id);
    if (!o.ok() || o->status != OrderStatus::kExpired || !o->tickets.empty()) {
      problem(absl::StrCat("abandoned order ", id.ToString(),
                           " did not expire (",
                           o.ok() ? std::string(OrderStatusName(o->status))
                                  : std::string(o.status().message()),
                           ")"));
    }
  }
  for (const ObjectId& id : w.cancelled_ids) {
    auto o = engine.GetOrder(venue.partner, id);
    if (!o.ok() || o->status != OrderStatus::kCancelled) {
      problem(
          absl::StrCat("cancelled order ", id.ToString(), " is not cancelled"));
    }
  }
  const InventoryTotals t = engine.Totals();
  r->tickets = t.tickets;
  r->sold = t.sold;
  if (t.tickets != venue.tickets) {
    problem(absl::StrFormat("engine holds %d tickets, the venue has %d",
                            t.tickets, venue.tickets));
  }
  if (t.vacant + t.reserved + t.sold != t.tickets) {
    problem(absl::StrFormat(
        "counts do not add up: %d vacant + %d reserved + %d sold != %d",
        t.vacant, t.reserved, t.sold, t.tickets));
  }
  if (t.sold != done_tickets || done_tickets != w.tickets_paid) {
    problem(
        absl::StrFormat("%d tickets sold, done orders hold %d (%d when paid)",
                        t.sold, done_tickets, w.tickets_paid));
  }
  if (t.reserved != 0) {
    problem(absl::StrFormat(
        "%d tickets still reserved after every deadline passed", t.reserved));
  }
  if (absl::Status s = engine.CheckInvariants(); !s.ok()) {
    for (const std::string& m : ErrorMessages(s))
      problem(absl::StrCat("invariant: ", m));
  }
}

void ProgressBar(const char* name, Run& run, const Venue& venue, bool final) {
  const int64_t sold = run.tickets_paid.load(std::memory_order_relaxed);
  const int64_t orders = run.orders.load(std::memory_order_relaxed);
  const double secs =
      std::chrono::duration<double>(Steady::now() - run.start).count();
  constexpr int kWidth = 30;
  const int filled =
      venue.tickets > 0
          ? static_cast<int>(kWidth * std::min<int64_t>(sold, venue.tickets) /
                             venue.tickets)
          : 0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr,
               "\r%-10s [%s] %6.2f%%  sold %" PRId64 "/%" PRId64
               "  %.0f orders/s  %.1f s\033[K%s",
               name, bar.c_str(),
               venue.tickets > 0 ? 100.0 * sold / venue.tickets : 0.0, sold,
               venue.tickets, secs > 0 ? orders / secs : 0.0, secs,
               final ? "\n" : "");
  std::fflush(stderr);
}

int64_t ReservedOrders(const Shape& shape) {
  const int64_t wanted =
      shape.reserved_orders >= 0 ? shape.reserved_orders : shape.buyers;
  return std::min<int64_t>(wanted,
                           std::min<int64_t>(EngineOptions{}.max_orders,
                                             limits::kMaxReservedOrders));
}

EngineResult RunEngine(const char* name, bool reference, const Shape& shape,
                       const Venue& venue, bool progress) {
  EngineResult r;
  r.name = name;
  SimulatedClock clock(absl::FromUnixSeconds(1'890'000'000));
  EngineOptions options;
  options.clock = &clock;
  options.reservation_ttl = shape.reservation_ttl;
  options.payment_ttl = shape.payment_ttl;
  options.claim_seed = shape.seed;
  options.reserved_orders = ReservedOrders(shape);
  auto opened =
      reference ? Engine::OpenReference(options) : Engine::Open(options);
  if (!opened.ok()) {
    r.problems.push_back(
        absl::StrCat("cannot open the engine: ", opened.status().ToString()));
    return r;
  }
  std::unique_ptr<Engine> engine = *std::move(opened);
  auto loaded = engine->LoadCatalog(venue.doc);
  if (!loaded.ok()) {
    r.problems.push_back(
        absl::StrCat("catalog refused: ", loaded.status().ToString()));
    return r;
  }
  r.ran = true;
  Run run;
  run.engine = engine.get();
  run.clock = &clock;
  run.venue = &venue;
  run.shape = &shape;
  run.seat_map =
      std::vector<std::atomic<uint8_t>>(static_cast<size_t>(venue.tickets));
  run.sold_out_hint =
      std::vector<std::atomic<int64_t>>(venue.seated_sets.size() + 1);
  run.buyers_left.store(shape.buyers, std::memory_order_relaxed);
  run.start = Steady::now();
  run.deadline = run.start + std::chrono::microseconds(
                                 static_cast<int64_t>(shape.seconds * 1e6));
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  for (int i = 0; i < shape.threads; ++i)
    workers.push_back(std::make_unique<Worker>(&run, i));
  for (int i = 0; i < shape.threads; ++i)
    threads.emplace_back([&w = *workers[i]] { w.Main(); });
  if (progress) {
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done.load(std::memory_order_relaxed)) {
        ProgressBar(name, run, venue, false);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    for (auto& t : threads) t.join();
    done.store(true, std::memory_order_relaxed);
    watcher.join();
    ProgressBar(name, run, venue, true);
  } else {
    for (auto& t : threads) t.join();
  }
  r.seconds = std::chrono::duration<double>(Steady::now() - run.start).count();
  const int64_t sold_out_ns = run.sold_out_ns.load(std::memory_order_relaxed);
  if (sold_out_ns >= 0)
    r.sold_out_seconds = static_cast<double>(sold_out_ns) / 1e9;
  for (auto& w : workers) Merge(r.merged, w->result);
  // Orders that got tickets: an order created empty (its claims all failed)
  // is an attempt, reported apart, so that churn near sold-out does not
  // count as throughput.
  r.orders_per_s =
      r.seconds > 0
          ? static_cast<double>(r.merged.orders - r.merged.empty) / r.seconds
          : 0;
  r.attempts_per_s =
      r.seconds > 0 ? static_cast<double>(r.merged.orders) / r.seconds : 0;
  r.calls_per_s =
      r.seconds > 0 ? static_cast<double>(r.merged.calls) / r.seconds : 0;
  Verify(*engine, clock, shape, venue, &r);
  return r;
}

std::string Micros(uint64_t ns) {
  return absl::StrFormat("%.1f us", static_cast<double>(ns) / 1e3);
}

void PrintTable(const Shape& shape, const Venue& venue,
                const std::vector<EngineResult>& results) {
  std::printf("on-sale: 1 event, %" PRId64 " tickets (%" PRId64
              " seats in %" PRId64 " sets + %" PRId64 " standing), %" PRId64
              " buyers, %d threads, seed %" PRIu64 ", %" PRId64
              " orders reserved at open\n",
              venue.tickets, shape.seats, shape.seated_sets, shape.ga,
              shape.buyers, shape.threads, shape.seed, ReservedOrders(shape));
  std::printf("%-24s", "");
  for (const auto& r : results) std::printf(" %19s", r.name.c_str());
  if (results.size() == 2) std::printf("%10s", "ratio");
  std::printf("\n");
  auto row = [&](const char* label, auto value, std::optional<double> ratio) {
    std::printf("%-24s", label);
    for (const auto& r : results) std::printf(" %19s", value(r).c_str());
    if (ratio.has_value()) std::printf("%9.2fx", *ratio);
    std::printf("\n");
  };
  const bool two = results.size() == 2 && results[0].ran && results[1].ran;
  auto ratio = [&](double a, double b) -> std::optional<double> {
    if (!two || b <= 0) return std::nullopt;
    return a / b;
  };
  row(
      "orders/s",
      [](const EngineResult& r) {
        return absl::StrFormat("%.0f", r.orders_per_s);
      },
      two ? ratio(results[0].orders_per_s, results[1].orders_per_s)
          : std::nullopt);
  row(
      "order attempts/s",
      [](const EngineResult& r) {
        return absl::StrFormat("%.0f", r.attempts_per_s);
      },
      two ? ratio(results[0].attempts_per_s, results[1].attempts_per_s)
          : std::nullopt);
  row(
      "engine calls/s",
      [](const EngineResult& r) {
        return absl::StrFormat("%.0f", r.calls_per_s);
      },
      two ? ratio(results[0].calls_per_s, results[1].calls_per_s)
          : std::nullopt);
  row(
      "tickets sold",
      [](const EngineResult& r) { return absl::StrCat(r.sold); }, std::nullopt);
  row(
      "sold out after",
      [](const EngineResult& r) {
        return r.sold_out_seconds
                   ? absl::StrFormat("%.2f s", *r.sold_out_seconds)
                   : std::string("not sold out");
      },
      two && results[0].sold_out_seconds && results[1].sold_out_seconds
          ? std::optional<double>(*results[1].sold_out_seconds /
                                  *results[0].sold_out_seconds)
          : std::nullopt);
  row(
      "run time",
      [](const EngineResult& r) {
        return absl::StrFormat("%.2f s", r.seconds);
      },
      std::nullopt);
  for (auto [label, q] :
       {std::pair{"latency p50", 0.5}, std::pair{"latency p99", 0.99},
        std::pair{"latency p99.9", 0.999}}) {
    row(
        label,
        [q = q](const EngineResult& r) {
          return Micros(r.merged.latency_ns.Percentile(q));
        },
        std::nullopt);
  }
  row(
      "orders + empty ones",
      [](const EngineResult& r) {
        return absl::StrFormat("%d+%d", r.merged.orders - r.merged.empty,
                               r.merged.empty);
      },
      std::nullopt);
  row(
      "paid/abandon/cancel",
      [](const EngineResult& r) {
        return absl::StrFormat("%d/%d/%d", r.merged.paid, r.merged.abandoned,
                               r.merged.cancelled);
      },
      std::nullopt);
  row(
      "expired before pay/cancel",
      [](const EngineResult& r) { return absl::StrCat(r.merged.late); },
      std::nullopt);
  row(
      "verification",
      [](const EngineResult& r) {
        return std::string(r.problems.empty() ? "ok" : "FAILED");
      },
      std::nullopt);
  if (two) {
    const double x =
        results[0].orders_per_s / std::max(results[1].orders_per_s, 1e-9);
    std::printf("lock-free vs reference: %.2fx orders/s (target >= 3x: %s)\n",
                x, x >= 3 ? "met" : "NOT met");
  }
}

nlohmann::json ToJson(const Shape& shape, const Venue& venue,
                      const std::vector<EngineResult>& results) {
  nlohmann::json j;
  j["shape"] = {{"tickets", venue.tickets},
                {"seats", shape.seats},
                {"seated_sets", shape.seated_sets},
                {"ga", shape.ga},
                {"buyers", shape.buyers},
                {"threads", shape.threads},
                {"seed", shape.seed},
                {"reserved_orders", ReservedOrders(shape)},
                {"seconds", shape.seconds}};
  for (const auto& r : results) {
    const WorkerResult& w = r.merged;
    j["engines"][r.name] = {
        {"ran", r.ran},
        {"orders_per_s", r.orders_per_s},
        {"attempts_per_s", r.attempts_per_s},
        {"calls_per_s", r.calls_per_s},
        {"tickets_sold", r.sold},
        {"sold_out_s", r.sold_out_seconds ? nlohmann::json(*r.sold_out_seconds)
                                          : nlohmann::json()},
        {"run_s", r.seconds},
        {"latency_ns",
         {{"p50", w.latency_ns.Percentile(0.5)},
          {"p99", w.latency_ns.Percentile(0.99)},
          {"p999", w.latency_ns.Percentile(0.999)}}},
        {"orders", w.orders},
        {"empty_orders", w.empty},
        {"paid", w.paid},
        {"abandoned", w.abandoned},
        {"cancelled", w.cancelled},
        {"expired_first", w.late},
        {"errors", w.errors},
        {"calls", w.calls},
        {"verified", r.problems.empty()},
        {"problems", r.problems}};
  }
  if (results.size() == 2 && results[0].ran && results[1].ran &&
      results[1].orders_per_s > 0) {
    j["ratio_orders_per_s"] = results[0].orders_per_s / results[1].orders_per_s;
  }
  return j;
}

constexpr char kUsage[] =
    "usage: boxoffice-onsale [options]\n"
    "  --seats N          seated tickets (default 100000)\n"
    "  --seated-sets N    sets the seats are spread over (default 50)\n"
    "  --ga N             general-admission tickets, one set (default 50000)\n"
    "  --buyers N         the crowd (default 100000)\n"
    "  --threads N        buyer threads (default 2)\n"
    "  --seconds S        wall-clock cap per engine (default 60)\n"
    "  --seed N           workload seed (default 1)\n"
    "  --reserved-orders N  order memory set aside at open, for both\n"
    "                     engines (default: one per buyer; 0: none)\n"
    "  --engine E         lockfree, reference or both (default both)\n"
    "  --json             machine-readable results on standard output\n"
    "  --quiet            no progress bar\n";

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

int Main(int argc, char** argv) {
  Shape shape;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto bad = [&](std::string_view what) {
      std::fprintf(stderr, "boxoffice-onsale: %.*s\n%s",
                   static_cast<int>(what.size()), what.data(), kUsage);
      return 2;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (arg == "--json") {
      shape.json = true;
      continue;
    }
    if (arg == "--quiet") {
      shape.quiet = true;
      continue;
    }
    if (i + 1 >= argc)
      return bad(
          absl::StrCat("unknown option or missing value: ", std::string(arg)));
    const std::string_view value = argv[++i];
    bool ok = true;
    if (arg == "--seats") {
      ok = ParseNumber(value, &shape.seats) && shape.seats >= 0;
    } else if (arg == "--seated-sets") {
      ok = ParseNumber(value, &shape.seated_sets) && shape.seated_sets >= 1 &&
           shape.seated_sets <= 100'000;
    } else if (arg == "--ga") {
      ok = ParseNumber(value, &shape.ga) && shape.ga >= 0 &&
           shape.ga <= (int64_t{1} << 24);
    } else if (arg == "--buyers") {
      ok = ParseNumber(value, &shape.buyers) && shape.buyers >= 1;
    } else if (arg == "--threads") {
      ok = ParseNumber(value, &shape.threads) && shape.threads >= 1 &&
           shape.threads <= kMaxThreads;
    } else if (arg == "--seconds") {
      ok = ParseNumber(value, &shape.seconds) && shape.seconds > 0;
    } else if (arg == "--seed") {
      ok = ParseNumber(value, &shape.seed);
    } else if (arg == "--reserved-orders") {
      ok = ParseNumber(value, &shape.reserved_orders) &&
           shape.reserved_orders >= 0 &&
           shape.reserved_orders <= limits::kMaxReservedOrders;
    } else if (arg == "--engine") {
      shape.run_lockfree = value == "lockfree" || value == "both";
      shape.run_reference = value == "reference" || value == "both";
      ok = shape.run_lockfree || shape.run_reference;
    } else {
      return bad(absl::StrCat("unknown option ", std::string(arg)));
    }
    if (!ok)
      return bad(absl::StrCat("bad value for ", std::string(arg), ": ",
                              std::string(value)));
  }
  if (shape.seats > 0 && shape.seats < shape.seated_sets)
    shape.seated_sets = shape.seats;
  if (shape.seats == 0) shape.seated_sets = 0;
  if (shape.seats + shape.ga == 0) {
    std::fprintf(stderr, "boxoffice-onsale: the venue has no tickets\n%s",
                 kUsage);
    return 2;
  }
#if !defined(NDEBUG) || defined(BOXOFFICE_VERIFY)
  std::fprintf(stderr,
               "boxoffice-onsale: WARNING: built without NDEBUG or with "
               "BOXOFFICE_VERIFY; "
               "figures are not representative (use the release preset)\n");
#endif
  const Venue venue = BuildVenue(shape);
  const bool progress =
      !shape.quiet && !shape.json && isatty(STDERR_FILENO) == 1;
  std::vector<EngineResult> results;
  if (shape.run_lockfree)
    results.push_back(RunEngine("lock-free", false, shape, venue, progress));
  if (shape.run_reference)
    results.push_back(RunEngine("reference", true, shape, venue, progress));
  if (shape.json) {
    std::printf("%s\n", ToJson(shape, venue, results).dump(2).c_str());
  } else {
    PrintTable(shape, venue, results);
  }
  bool failed = false;
  for (const auto& r : results) {
    for (const std::string& p : r.problems) {
      std::fprintf(stderr, "boxoffice-onsale: %s: VERIFICATION FAILED: %s\n",
                   r.name.c_str(), p.c_str());
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace boxoffice::onsale

int main(int argc, char** argv) { return boxoffice::onsale::Main(argc, argv); }
