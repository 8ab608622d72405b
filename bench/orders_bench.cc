// Order engine benchmarks, each run on the lock-free engine (Engine::Open)
// and the reference engine (Engine::OpenReference) in the same binary, so
// that the ratio is measured on the same machine at the same time.
//
// Workloads:
//  - BM_Lifecycle: create an order of 2 random tickets of one set, then
//    PATCH it `done`; one order per iteration, 1 and 2 threads on ONE event
//    (the hot-event case); reserved:1 opens the engines with
//    EngineOptions::reserved_orders covering the run (order memory set
//    aside at Open, as a server preparing an on-sale would), reserved:0
//    without (every order's slot is fresh memory from the kernel).
//    items_per_second = orders/s. Sampled per-order latency percentiles (1 in
//    16 orders) are reported as counters, in us.
//  - BM_LifecycleApart: the same, 2 threads sharing less (a set each, or
//    an engine each): the controls that say how much of BM_Lifecycle's
//    2-thread shortfall is sharing and how much is the host.
//  - BM_ExpireMillionPending: 1,000,000 executed orders of one ticket each,
//    the clock moved past their deadline, and ONE ExpireDue() call timed:
//    every ticket is back on sale when it returns.
//  - BM_TimerScheduleCancel: the engine's deadline bookkeeping per order,
//    a TimerWheel Schedule + Cancel pair (the timers layer measures the
//    wheel itself in bench/timers_bench.cc).
//
// Run (Release build; tools/bench_all.sh runs it with 3 repetitions):
//   build/release/bench/orders_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "boxoffice/engine.h"
#include "engine/timers/timer_wheel.h"

namespace boxoffice {
namespace {

ObjectId Oid(uint8_t kind, uint32_t n) {
  std::array<uint8_t, ObjectId::kBytes> b{};
  b[0] = 0x5d;
  b[1] = kind;
  b[8] = static_cast<uint8_t>(n >> 24);
  b[9] = static_cast<uint8_t>(n >> 16);
  b[10] = static_cast<uint8_t>(n >> 8);
  b[11] = static_cast<uint8_t>(n);
  return ObjectId(b);
}

const ObjectId kPartner = Oid(1, 1);
const ObjectId kEvent = Oid(2, 1);
const ObjectId kSet = Oid(3, 1);

CatalogDocument OneSet(int64_t tickets) {
  CatalogDocument doc;
  doc.partners.push_back(PartnerSpec{kPartner, "Bench", "bench-key"});
  EventSpec e;
  e.id = kEvent;
  e.org = kPartner;
  e.title_text = "Bench";
  e.timezone = "UTC";
  SetSpec s;
  s.id = kSet;
  s.name = "Floor";
  s.price = Money{100000};
  s.count = tickets;
  e.sets.push_back(s);
  doc.events.push_back(e);
  return doc;
}

std::unique_ptr<Engine> OpenWith(bool reference, Clock* clock, int64_t tickets,
                                 int64_t reserved = 0) {
  EngineOptions o;
  o.clock = clock;
  o.max_orders = 4'000'000;
  o.reserved_orders = reserved;
  auto e = reference ? Engine::OpenReference(o) : Engine::Open(o);
  if (!e.ok()) std::abort();
  if (!(*e)->LoadCatalog(OneSet(tickets)).ok()) std::abort();
  return *std::move(e);
}

CreateOrderRequest TwoRandom() {
  CreateOrderRequest r;
  r.event = kEvent;
  r.random = {SetCount{kSet, 2}};
  return r;
}

// Shared between the threads of one run; set up and torn down by thread 0
// outside the timed loop (the loop's start and end are barriers).
std::unique_ptr<Engine> g_engine;
SimulatedClock g_clock(absl::FromUnixSeconds(1700000000));
constexpr int64_t kLifecycleOrders = 500'000;  // per thread per run

void BM_Lifecycle(benchmark::State& state) {
  const bool reference = state.range(0) != 0;
  const bool reserved = state.range(1) != 0;
  if (state.thread_index() == 0) {
    g_engine = OpenWith(reference, &g_clock,
                        2 * kLifecycleOrders * state.threads() + 16,
                        reserved ? kLifecycleOrders * state.threads() : 0);
  }
  const CreateOrderRequest create = TwoRandom();
  ChangeOrderRequest done;
  done.status = OrderStatus::kDone;
  std::vector<double> samples;
  samples.reserve(kLifecycleOrders / 16 + 1);
  int64_t n = 0;
  for (auto _ : state) {
    const bool sample = (n++ & 15) == 0;
    const auto t0 = sample ? std::chrono::steady_clock::now()
                           : std::chrono::steady_clock::time_point{};
    auto v = g_engine->CreateOrder(kPartner, create);
    auto d = g_engine->ChangeOrder(kPartner, v->id, done);
    if (!d.ok() || d->tickets.size() != 2) {
      state.SkipWithError("lifecycle failed");
      break;
    }
    if (sample) {
      samples.push_back(std::chrono::duration<double, std::micro>(
                            std::chrono::steady_clock::now() - t0)
                            .count());
    }
  }
  state.SetItemsProcessed(state.iterations());
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_us"] = samples[samples.size() / 2];
    state.counters["p99_us"] = samples[samples.size() * 99 / 100];
  }
  if (state.thread_index() == 0) {
    state.counters["sold"] = static_cast<double>(g_engine->Totals().sold);
    g_engine.reset();
  }
}
BENCHMARK(BM_Lifecycle)
    ->ArgNames({"reference", "reserved"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Threads(1)
    ->Threads(2)
    ->Iterations(kLifecycleOrders)
    ->UseRealTime();

// The same lifecycle with less shared, as controls for BM_Lifecycle's
// 2-thread ratio: sharing:1 gives each thread its own set of the one event
// (one engine, so the order-number counter, timer wheel and partner lists
// are shared, but no set's admission word), sharing:2 each thread its own
// engine (nothing of the engine shared: the host's ceiling for this very
// workload, its memory traffic included). Lock-free engine, reserved.
// Opened and closed by the Setup and Teardown hooks, which run before the
// run's threads start and after they end.
std::unique_ptr<Engine> g_engines[2];
void OpenApartEngines(const benchmark::State& state) {
  const int sharing = static_cast<int>(state.range(0));
  const int64_t per_engine = sharing == 2 ? 1 : state.threads();
  for (int i = 0; i < (sharing == 2 ? state.threads() : 1); ++i) {
    EngineOptions o;
    o.clock = &g_clock;
    o.max_orders = 4'000'000;
    o.reserved_orders = kLifecycleOrders * per_engine;
    auto e = Engine::Open(o);
    if (!e.ok()) std::abort();
    CatalogDocument doc = OneSet(2 * kLifecycleOrders * per_engine + 16);
    if (sharing == 1) {
      SetSpec second = doc.events[0].sets[0];
      second.id = Oid(3, 2);
      doc.events[0].sets.push_back(second);
    }
    if (!(*e)->LoadCatalog(doc).ok()) std::abort();
    g_engines[i] = *std::move(e);
  }
}
void CloseApartEngines(const benchmark::State&) {
  for (auto& e : g_engines) e.reset();
}
void BM_LifecycleApart(benchmark::State& state) {
  const int sharing = static_cast<int>(state.range(0));
  Engine* engine = g_engines[sharing == 2 ? state.thread_index() : 0].get();
  CreateOrderRequest create = TwoRandom();
  if (sharing == 1 && state.thread_index() == 1) {
    create.random = {SetCount{Oid(3, 2), 2}};
  }
  ChangeOrderRequest done;
  done.status = OrderStatus::kDone;
  for (auto _ : state) {
    auto v = engine->CreateOrder(kPartner, create);
    auto d = engine->ChangeOrder(kPartner, v->id, done);
    if (!d.ok() || d->tickets.size() != 2) {
      state.SkipWithError("lifecycle failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LifecycleApart)
    ->Setup(OpenApartEngines)
    ->Teardown(CloseApartEngines)
    ->ArgName("sharing")
    ->Arg(1)
    ->Arg(2)
    ->Threads(1)
    ->Threads(2)
    ->Iterations(kLifecycleOrders)
    ->UseRealTime();

void BM_ExpireMillionPending(benchmark::State& state) {
  const bool reference = state.range(0) != 0;
  constexpr int64_t kOrders = 1'000'000;
  for (auto _ : state) {
    state.PauseTiming();
    SimulatedClock clock(absl::FromUnixSeconds(1700000000));
    std::unique_ptr<Engine> engine = OpenWith(reference, &clock, kOrders);
    CreateOrderRequest one;
    one.event = kEvent;
    one.random = {SetCount{kSet, 1}};
    for (int64_t i = 0; i < kOrders; ++i) {
      if (!engine->CreateOrder(kPartner, one).ok()) std::abort();
    }
    clock.Advance(absl::Minutes(16));
    state.ResumeTiming();
    const int64_t expired = engine->ExpireDue();
    state.PauseTiming();
    if (expired != kOrders || engine->Totals().vacant != kOrders) {
      state.SkipWithError("not every order expired");
    }
    engine.reset();
    state.ResumeTiming();
  }
  state.counters["orders"] = static_cast<double>(kOrders);
}
BENCHMARK(BM_ExpireMillionPending)
    ->ArgName("reference")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_TimerScheduleCancel(benchmark::State& state) {
  internal::TimerWheelOptions o;
  o.start = absl::FromUnixSeconds(1700000000);
  o.max_timers = 1 << 20;
  auto wheel = internal::TimerWheel::Create(o);
  if (!wheel.ok()) std::abort();
  std::vector<uint64_t> due;
  uint64_t i = 0;
  const absl::Time deadline = o.start + absl::Minutes(15);
  for (auto _ : state) {
    const internal::TimerHandle h =
        (*wheel)->Schedule(i, deadline + absl::Microseconds(i & 1023));
    benchmark::DoNotOptimize((*wheel)->Cancel(h));
    // Let the owner reclaim cancelled nodes now and then, as ExpireDue does.
    if ((++i & 4095) == 0) {
      due.clear();
      (*wheel)->PopDue(o.start, 1, &due);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimerScheduleCancel);

}  // namespace
}  // namespace boxoffice

int main(int argc, char** argv) {
#if !defined(NDEBUG) || defined(BOXOFFICE_VERIFY)
  std::fprintf(
      stderr,
      "WARNING: orders_bench built without NDEBUG or with BOXOFFICE_VERIFY: "
      "assertions are on; figures are not representative.\n");
#endif
  // Debian's Abseil is built with Mutex deadlock detection on, which puts a
  // process-wide graph lock behind every absl::Mutex operation;
  // ReferenceInventory's mutex would pay it on every call. Measure both
  // engines without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
