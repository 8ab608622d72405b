// Benchmarks of the JSON adapter through its raw entry point (no envelope),
// each against the same request on the reference engine and against the
// engine called directly (what the adapter costs on top), in the same run.
//
// Workloads:
//   BM_V2Create        POST /v2/resources/orders {"event", "random": {set: 2}}:
//                      parse, decode, claim 2 random tickets, render the v2
//                      order with refs. One thread.
//   BM_V2CreateDone    the same create, then PATCH {"status": "done"}; 1 and
//                      2 threads (items/s is requests/s, two per iteration).
//                      /0 lock-free, /1 reference; controls for the 2-thread
//                      ratio of /0: /2 a world (engine + adapter) per thread,
//                      nothing shared; /3 one world, a stand per thread.
//                      Ratios: tools/bench_scaling.sh (docs/BENCHMARKS.md).
//   BM_V1Create        POST /v1/resources/orders, the v1 shape. One thread.
//   BM_EngineCreate    Engine::CreateOrder alone, for the adapter's share.
//
// Stock never runs out: the stand has kStandTickets tickets; creates that
// are not done are expired in bulk (timing paused) every kExpireEvery
// iterations, and a run that sells more than half the stand gets a fresh
// world between repetitions. Latency percentiles: see docs/benchmarks/json.md
// (measured with BM_V2CreateLatency, which records every request's time).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/json_adapter.h"

namespace {

using boxoffice::ObjectId;

#if !defined(NDEBUG) || defined(BOXOFFICE_VERIFY)
constexpr bool kOptimized = false;
#else
constexpr bool kOptimized = true;
#endif

constexpr char kPartner[] = "5ba10ea90c43fc000b0fc786";
constexpr char kKey[] = "9bd8359943b545500278875r49c5b96d";
constexpr char kEvent[] = "5d7134962110d30a34e95b96";
constexpr char kStand[] = "5d7135112110d30a34e97e2d";
// A second stand of the same event, only for the one-set-per-thread runs.
constexpr char kStand2[] = "5d7135112110d30a34e97e2e";
constexpr int64_t kStandTickets = 4'000'000;
constexpr int64_t kExpireEvery = 100'000;

ObjectId Id(const char* hex) { return *ObjectId::Parse(hex); }

struct World {
  boxoffice::SimulatedClock clock{absl::FromUnixSeconds(1569427441)};
  std::unique_ptr<boxoffice::Engine> engine;
  std::unique_ptr<boxoffice::JsonAdapter> adapter;
  ObjectId partner = Id(kPartner);

  explicit World(bool reference) {
    boxoffice::EngineOptions options;
    options.clock = &clock;
    options.claim_seed = 42;
    auto opened = reference ? boxoffice::Engine::OpenReference(options)
                            : boxoffice::Engine::Open(options);
    if (!opened.ok()) std::abort();
    engine = std::move(*opened);
    boxoffice::CatalogDocument doc;
    doc.partners.push_back({partner, "Тест VK Pay", kKey});
    boxoffice::EventSpec e;
    e.id = Id(kEvent);
    e.org = partner;
    e.title_text = "Slipknot";
    e.title_desc = "ref";
    e.start = absl::FromUnixSeconds(1591974000);
    e.finish = e.start + absl::Hours(3);
    e.timezone = "Europe/Moscow";
    e.extra_percent.hundredths = 1000;
    boxoffice::SetSpec stand;
    stand.id = Id(kStand);
    stand.name = "Фан зона";
    stand.price.minor = 560000;
    stand.count = kStandTickets;
    e.sets.push_back(stand);
    stand.id = Id(kStand2);
    stand.name = "Танцпол";
    e.sets.push_back(stand);
    doc.events.push_back(e);
    if (!engine->LoadCatalog(doc).ok()) std::abort();
    adapter = std::make_unique<boxoffice::JsonAdapter>(engine.get());
  }

  // Sends every open reservation back on sale (timing should be paused).
  void ExpireAll() {
    clock.Advance(absl::Hours(1));
    engine->ExpireDue();
  }
  // Either stand may be below half once this many of all tickets are out.
  bool LowOnStock() const {
    const boxoffice::InventoryTotals t = engine->Totals();
    return t.tickets - t.vacant > kStandTickets / 2;
  }
};

// One world per engine kind, shared by a benchmark's threads; replaced
// between runs when its stock runs low. `apart` >= 0 names a lock-free
// world of its own for one thread (the control runs that share nothing).
World* GetWorld(bool reference, bool fresh_if_low, int apart = -1) {
  static std::mutex mu;
  static std::unique_ptr<World> worlds[4];
  std::lock_guard<std::mutex> lock(mu);
  auto& w = worlds[apart >= 0 ? 2 + apart : (reference ? 1 : 0)];
  if (!w || (fresh_if_low && w->LowOnStock())) {
    w.reset();
    w = std::make_unique<World>(reference);
  }
  return w.get();
}

std::string CreateBody(const char* stand = kStand) {
  return std::string(R"({"event": ")") + kEvent + R"(", "random": {")" + stand +
         R"(": 2}})";
}

void Check(bool ok, benchmark::State& state, const char* what) {
  if (!ok) state.SkipWithError(what);
}

void WarnIfUnoptimized(benchmark::State& state) {
  if (!kOptimized)
    state.SetLabel("WARNING: built without -DNDEBUG or with BOXOFFICE_VERIFY");
}

void RunCreate(benchmark::State& state, const char* path, int expected_status) {
  WarnIfUnoptimized(state);
  World* w = GetWorld(state.range(0) == 1, /*fresh_if_low=*/true);
  const std::string auth = std::string("key ") + kKey;
  const std::string body = CreateBody();
  boxoffice::RawRequest request{"POST", path, auth, body};
  boxoffice::RawResponse response;
  int64_t n = 0;
  for (auto _ : state) {
    w->adapter->Handle(request, &response);
    if (response.status != expected_status) {
      state.SkipWithError(response.body.c_str());
      break;
    }
    if (++n % kExpireEvery == 0) {
      state.PauseTiming();
      w->ExpireAll();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 1 ? "reference engine" : "lock-free engine");
  w->ExpireAll();
}

void BM_V2Create(benchmark::State& state) {
  RunCreate(state, "/v2/resources/orders", 200);
}
BENCHMARK(BM_V2Create)->Arg(0)->Arg(1);

void BM_V1Create(benchmark::State& state) {
  RunCreate(state, "/v1/resources/orders", 201);
}
BENCHMARK(BM_V1Create)->Arg(0)->Arg(1);

void BM_EngineCreate(benchmark::State& state) {
  WarnIfUnoptimized(state);
  World* w = GetWorld(state.range(0) == 1, true);
  boxoffice::CreateOrderRequest request;
  request.event = Id(kEvent);
  request.random.push_back({Id(kStand), 2});
  int64_t n = 0;
  for (auto _ : state) {
    auto order = w->engine->CreateOrder(w->partner, request);
    benchmark::DoNotOptimize(order);
    if (++n % kExpireEvery == 0) {
      state.PauseTiming();
      w->ExpireAll();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  w->ExpireAll();
}
BENCHMARK(BM_EngineCreate)->Arg(0)->Arg(1);

// Create then done: tickets are sold for good, so the world is renewed
// between runs when half the stand is gone, by this Setup hook, which runs
// before the run's threads start (a thread that read the world while
// another renewed it would keep a freed one).
void RenewCreateDoneWorlds(const benchmark::State& state) {
  if (state.range(0) == 2) {
    for (int t = 0; t < state.threads(); ++t) GetWorld(false, true, t);
  } else {
    GetWorld(state.range(0) == 1, true);
  }
}

// Every thread shares the world, except with Arg 2.
void BM_V2CreateDone(benchmark::State& state) {
  WarnIfUnoptimized(state);
  // Arg 2: each thread its own engine and adapter (a world apart), so
  // nothing is shared: what the host allows this very workload, memory
  // traffic included, against which Arg 0's 2-thread ratio is read.
  // Arg 3: one world, but the second thread sells the second stand: all
  // shared except the set.
  World* w = state.range(0) == 2 ? GetWorld(false, false, state.thread_index())
                                 : GetWorld(state.range(0) == 1, false);
  const std::string auth = std::string("key ") + kKey;
  const std::string body = CreateBody(
      state.range(0) == 3 && state.thread_index() == 1 ? kStand2 : kStand);
  boxoffice::RawRequest create{"POST", "/v2/resources/orders", auth, body};
  boxoffice::RawResponse response;
  std::string path = "/v2/resources/orders/";
  const size_t prefix = path.size();
  constexpr char kDone[] = R"({"status": "done"})";
  for (auto _ : state) {
    w->adapter->Handle(create, &response);
    // The id is the first value of the answer: {"data":{"id":"<24 hex>"...
    const size_t at = response.body.find("\"id\":\"");
    if (response.status != 200 || at == std::string::npos) {
      state.SkipWithError("create failed");
      break;
    }
    path.resize(prefix);
    path.append(response.body, at + 6, 24);
    w->adapter->Handle(boxoffice::RawRequest{"PATCH", path, auth, kDone},
                       &response);
    if (response.status != 200) {
      state.SkipWithError("done failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 2);
  state.SetLabel(state.range(0) == 1   ? "reference engine"
                 : state.range(0) == 2 ? "lock-free, a world per thread"
                 : state.range(0) == 3 ? "lock-free, a stand per thread"
                                       : "lock-free engine");
}
BENCHMARK(BM_V2CreateDone)
    ->Setup(RenewCreateDoneWorlds)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Per-request latency of the v2 create, as percentiles (counters p50, p99,
// p999 in nanoseconds).
void BM_V2CreateLatency(benchmark::State& state) {
  WarnIfUnoptimized(state);
  World* w = GetWorld(false, true);
  const std::string auth = std::string("key ") + kKey;
  const std::string body = CreateBody();
  boxoffice::RawRequest request{"POST", "/v2/resources/orders", auth, body};
  boxoffice::RawResponse response;
  std::vector<int64_t> ns;
  ns.reserve(1 << 20);
  int64_t n = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    w->adapter->Handle(request, &response);
    const auto t1 = std::chrono::steady_clock::now();
    if (ns.size() < ns.capacity()) {
      ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
                       .count());
    }
    if (++n % kExpireEvery == 0) {
      state.PauseTiming();
      w->ExpireAll();
      state.ResumeTiming();
    }
  }
  Check(!ns.empty(), state, "no samples");
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  const auto pct = [&ns](double p) {
    return static_cast<double>(
        ns[std::min(ns.size() - 1, static_cast<size_t>(p * ns.size()))]);
  };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p999_ns"] = pct(0.999);
  state.SetItemsProcessed(state.iterations());
  w->ExpireAll();
}
BENCHMARK(BM_V2CreateLatency);

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with mutex deadlock detection on, which costs
  // a graph update per lock and per mutex destroyed; production builds of
  // Abseil (NDEBUG) have it off. --deadlock_detection keeps it on.
  bool detection = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--deadlock_detection") detection = true;
  }
  if (!detection)
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
