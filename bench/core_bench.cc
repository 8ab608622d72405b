// Benchmarks of the inventory core (issue 2, section 6). Every workload runs
// on three implementations in the same binary and run:
//   LockFree   the engine's pool (atomic bitmap + admission word),
//   Reference  the one-mutex oracle (the baseline every target refers to),
//   Queue      the alternative design: boost::lockfree::queue of vacant
//              tickets per set (bench/core_queue_pool.h).
// Throughput is items_per_second (tickets, or claim+release pairs); with
// ->Threads(2) Google Benchmark sums the threads' rates. Run from a Release
// build; see docs/benchmarks/core.md for the command and the figures.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/core_queue_pool.h"
#include "benchmark/benchmark.h"
#include "engine/core/lockfree_inventory.h"
#include "engine/core/reference_inventory.h"

namespace boxoffice::internal {
namespace {

struct LockFree {
  static std::unique_ptr<Inventory> Make() {
    return std::make_unique<LockFreeInventory>();
  }
};
struct Reference {
  static std::unique_ptr<Inventory> Make() {
    return std::make_unique<ReferenceInventory>();
  }
};
struct Queue {
  static std::unique_ptr<Inventory> Make() {
    return std::make_unique<bench::QueueInventory>();
  }
};

// Shared by the threads of one benchmark run: thread 0 builds it before the
// timed loop (Google Benchmark starts the threads' loops together, after
// that), and tears it down after.
std::unique_ptr<Inventory> shared_inventory;

template <typename Impl>
void Setup(const benchmark::State& state,
           std::initializer_list<uint32_t> sizes) {
  if (state.thread_index() != 0) return;
  shared_inventory = Impl::Make();
  TicketIndex first = 0;
  SetIndex s = 0;
  for (uint32_t size : sizes) {
    if (!shared_inventory->AddSet(s++, first, size).ok()) std::abort();
    first += size;
  }
}

void Teardown(const benchmark::State& state) {
  if (state.thread_index() == 0) shared_inventory.reset();
}

// Latency of one claim+release, sampled every 16th iteration; p50 and p99
// are reported as counters (ns).
class LatencySampler {
 public:
  void Start(uint64_t i) {
    if (i % 16 == 0) begin_ = std::chrono::steady_clock::now();
  }
  void Stop(uint64_t i) {
    if (i % 16 == 0) {
      samples_.push_back(std::chrono::duration<double, std::nano>(
                             std::chrono::steady_clock::now() - begin_)
                             .count());
    }
  }
  void Report(benchmark::State& state) {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    state.counters["p50_ns"] = benchmark::Counter(
        samples_[samples_.size() / 2], benchmark::Counter::kAvgThreads);
    state.counters["p99_ns"] = benchmark::Counter(
        samples_[samples_.size() * 99 / 100], benchmark::Counter::kAvgThreads);
  }

 private:
  std::chrono::steady_clock::time_point begin_;
  std::vector<double> samples_;
};

// Claim one random ticket and release it. With 1 thread: the uncontended
// path (target: LockFree not slower than Reference). With 2 threads on one
// set of 10,000: the hot-set path (target: >= 2x Reference's throughput).
template <typename Impl>
void BM_ClaimReleaseRandom(benchmark::State& state) {
  Setup<Impl>(state, {10'000});
  const HolderId holder = state.thread_index() + 1;
  LatencySampler latency;
  uint64_t i = 0;
  for (auto _ : state) {
    latency.Start(i);
    TicketRef t;
    const uint32_t got =
        shared_inventory->ClaimRandom(0, 1, holder, false, {&t, 1});
    shared_inventory->Release({&t, got}, holder);
    latency.Stop(i++);
  }
  state.SetItemsProcessed(state.iterations());
  latency.Report(state);
  Teardown(state);
}

// Claims of 4 random tickets, released 4096 at a time outside the timing.
// Target: one call of 4 >= 3x faster per ticket than 4 calls of 1. items =
// tickets.
template <typename Impl, bool kOneCall>
void BM_Claim4(benchmark::State& state) {
  Setup<Impl>(state, {1u << 16});
  std::vector<TicketRef> held(4096);
  size_t n = 0;
  for (auto _ : state) {
    if (kOneCall) {
      n += shared_inventory->ClaimRandom(0, 4, 1, false,
                                         std::span(held).subspan(n, 4));
    } else {
      for (int k = 0; k < 4; ++k) {
        n += shared_inventory->ClaimRandom(0, 1, 1, false,
                                           std::span(held).subspan(n, 1));
      }
    }
    if (n == held.size()) {
      // Not timed: the target compares claims. One pause per 1,024
      // iterations costs well under 1 ns per iteration.
      state.PauseTiming();
      shared_inventory->Release(held, 1);
      n = 0;
      state.ResumeTiming();
    }
  }
  shared_inventory->Release(std::span(held).subspan(0, n), 1);
  state.SetItemsProcessed(state.iterations() * 4);
  Teardown(state);
}

// Claim a specific seat and release it; each thread cycles over its own
// 1,000 seats of one shared set of 10,000 (no real conflicts, shared
// counters). Target with 2 threads: >= 2x Reference.
template <typename Impl>
void BM_ClaimReleaseSpecific(benchmark::State& state) {
  Setup<Impl>(state, {10'000});
  const HolderId holder = state.thread_index() + 1;
  const TicketIndex base = state.thread_index() * 1000;
  uint32_t k = 0;
  for (auto _ : state) {
    const TicketRef t{0, base + k};
    k = k + 1 == 1000 ? 0 : k + 1;
    if (!shared_inventory->ClaimTicket(t, holder)) std::abort();
    shared_inventory->Release({&t, 1}, holder);
  }
  state.SetItemsProcessed(state.iterations());
  Teardown(state);
}

// An all-or-nothing batch of 2 random tickets in each of 3 sets of 10,000,
// then its release. Target with 2 threads: >= 2x Reference. items =
// batches.
template <typename Impl>
void BM_BatchThreeSets(benchmark::State& state) {
  Setup<Impl>(state, {10'000, 10'000, 10'000});
  const HolderId holder = state.thread_index() + 1;
  const RandomClaim random[] = {{0, 2}, {1, 2}, {2, 2}};
  TicketRef out[6];
  for (auto _ : state) {
    const BatchResult r =
        shared_inventory->ClaimBatch(BatchClaim{random, {}, true}, holder, out);
    if (!r.complete) std::abort();
    shared_inventory->Release({out, r.claimed}, holder);
  }
  state.SetItemsProcessed(state.iterations());
  Teardown(state);
}

// ---------------------------------------------------------------------------
// Nearly sold-out sets: the end of every on-sale, where a random claim used
// to scan ~1,000 empty bitmap words per ticket.

constexpr uint32_t kSparseSetSize = 1'000'000;

// Per thread: the tickets it holds (holder thread + 1). Built by
// SetupSparse, the benchmark's Setup hook, which runs before the run's
// threads start: a thread's reference into it taken before the timed loop
// cannot dangle.
std::vector<std::vector<TicketRef>> sparse_piles;

// One 1M-ticket set with all but state.range(0) tickets held (1,000: 99.9%
// sold; 16: the last moments of an on-sale), split between the threads'
// piles; the vacant ones are wherever random claims left them.
template <typename Impl>
void SetupSparse(const benchmark::State& state) {
  Setup<Impl>(state, {kSparseSetSize});
  const uint32_t threads = static_cast<uint32_t>(state.threads());
  const uint32_t held = kSparseSetSize - static_cast<uint32_t>(state.range(0));
  sparse_piles.assign(threads, {});
  for (uint32_t t = 0; t < threads; ++t) {
    const uint32_t n = held / threads + (t < held % threads ? 1 : 0);
    sparse_piles[t].resize(n);
    if (shared_inventory->ClaimRandom(0, n, t + 1, true, sparse_piles[t]) !=
        n) {
      std::abort();
    }
  }
}

// Claim 2 random tickets, then release 2 tickets picked at random from the
// thread's pile (which now includes the 2): the vacant tickets wander over
// the whole set and words empty and refill constantly, as when orders
// expire late in an on-sale. Supply never runs out (>= 16 vacant, a thread
// holds at most 2 extra). items = claim+release pairs (of 2 tickets).
template <typename Impl>
void BM_SparseClaim2Release2(benchmark::State& state) {
  const uint32_t t = static_cast<uint32_t>(state.thread_index());
  const HolderId holder = t + 1;
  std::vector<TicketRef>& pile = sparse_piles[t];
  uint64_t rng = 0x9e3779b97f4a7c15ull * (t + 1);
  LatencySampler latency;
  uint64_t i = 0;
  for (auto _ : state) {
    latency.Start(i);
    TicketRef out[2];
    const uint32_t got = shared_inventory->ClaimRandom(0, 2, holder, true, out);
    if (got != 2) std::abort();
    pile.push_back(out[0]);
    pile.push_back(out[1]);
    for (TicketRef& r : out) {
      rng ^= rng >> 12;
      rng ^= rng << 25;
      rng ^= rng >> 27;
      const size_t j = static_cast<size_t>(
          ((rng * 0x2545f4914f6cdd1dull) >> 32) * pile.size() >> 32);
      r = pile[j];
      pile[j] = pile.back();
      pile.pop_back();
    }
    shared_inventory->Release(out, holder);
    latency.Stop(i++);
  }
  state.SetItemsProcessed(state.iterations());
  latency.Report(state);
  Teardown(state);
}

// An on-sale from open to sold out: claims of 2 random tickets in a
// 1M-ticket set until none is left (then, untimed, everything is released
// and the sale starts over). Most claims run in a set that is already
// mostly sold, so this is the whole fill curve. items = tickets.
template <typename Impl>
void BM_FillToSoldOut(benchmark::State& state) {
  Setup<Impl>(state, {kSparseSetSize});
  std::vector<TicketRef> held(kSparseSetSize);
  size_t n = 0;
  for (auto _ : state) {
    n += shared_inventory->ClaimRandom(0, 2, 1, false,
                                       std::span(held).subspan(n, 2));
    if (n == held.size()) {
      state.PauseTiming();
      shared_inventory->Release(held, 1);
      n = 0;
      state.ResumeTiming();
    }
  }
  shared_inventory->Release(std::span(held).subspan(0, n), 1);
  state.SetItemsProcessed(state.iterations() * 2);
  Teardown(state);
}

BENCHMARK_TEMPLATE(BM_SparseClaim2Release2, LockFree)
    ->Setup(SetupSparse<LockFree>)
    ->ArgName("vacant")
    ->Arg(1000)
    ->Arg(16)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_SparseClaim2Release2, Reference)
    ->Setup(SetupSparse<Reference>)
    ->ArgName("vacant")
    ->Arg(1000)
    ->Arg(16)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_FillToSoldOut, LockFree)->UseRealTime();
BENCHMARK_TEMPLATE(BM_FillToSoldOut, Reference)->UseRealTime();

#define BO_CORE_BENCH(fn)                                                   \
  BENCHMARK_TEMPLATE(fn, LockFree)->Threads(1)->Threads(2)->UseRealTime();  \
  BENCHMARK_TEMPLATE(fn, Reference)->Threads(1)->Threads(2)->UseRealTime(); \
  BENCHMARK_TEMPLATE(fn, Queue)->Threads(1)->Threads(2)->UseRealTime()

BO_CORE_BENCH(BM_ClaimReleaseRandom);
BO_CORE_BENCH(BM_ClaimReleaseSpecific);
BO_CORE_BENCH(BM_BatchThreeSets);
BENCHMARK_TEMPLATE(BM_Claim4, LockFree, true);
BENCHMARK_TEMPLATE(BM_Claim4, LockFree, false);
BENCHMARK_TEMPLATE(BM_Claim4, Reference, true);
BENCHMARK_TEMPLATE(BM_Claim4, Reference, false);
BENCHMARK_TEMPLATE(BM_Claim4, Queue, true);
BENCHMARK_TEMPLATE(BM_Claim4, Queue, false);

}  // namespace
}  // namespace boxoffice::internal

int main(int argc, char** argv) {
#if !defined(NDEBUG) || defined(BOXOFFICE_VERIFY)
  benchmark::AddCustomContext(
      "WARNING",
      "built without NDEBUG or with BOXOFFICE_VERIFY: assertions "
      "are on, figures are not representative");
#endif
#if defined(__OPTIMIZE__)
  benchmark::AddCustomContext("optimized", "yes");
#else
  benchmark::AddCustomContext("WARNING_O0", "built without optimisation");
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
