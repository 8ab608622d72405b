// Benchmarks of the timers layer, each against a reference in the same run.
//
//   BM_WheelScheduleCancel        one Schedule + one Cancel of the same timer
//                                 (the reservation that is paid before its
//                                 deadline); every 1024 pairs a PopDue
//                                 reclaims the slots, its cost included.
//                                 Threads 1 and 2 share one wheel.
//   BM_ReferenceScheduleCancel    the same on a std::multimap under one
//                                 std::mutex (the obviously correct model).
//   BM_BoostLockfreeHandOff       what Boost.Lockfree containers alone would
//                                 cost per pair (stack pop + push of a slot,
//                                 queue push + pop of a notice): the floor
//                                 of a Boost-based design, for comparison.
//   BM_WheelScheduleCancelLatency per-pair latency percentiles (p50, p99,
//                                 p99.9), each pair timed with
//                                 steady_clock, whose ~20 ns are included.
//   BM_WheelPopDue1M              PopDue of 1,000,000 due timers (deadlines
//                                 spread over 15 minutes of 1 ms ticks) in
//                                 batches of 65536; manual time covers only
//                                 the PopDue calls.
//   BM_ReferencePopDue1M          the same from the multimap.
//   BM_Barcode / BM_Code          one token from a sequence number, as a
//                                 std::string (the scalar API).
//   BM_BarcodeValueReference      one barcode number computed as before the
//                                 precomputed SipHash state: a fresh
//                                 SipHash24Short per round (the reference
//                                 for BM_BarcodeValue).
//   BM_BarcodeValue               one barcode number, scalar.
//   BM_MintScalar/N               an order's numbers the scalar way: N
//                                 BarcodeValue + 1 CodeValue in a row
//                                 (N = 2: the 2-ticket order; 6; 16).
//   BM_MintBatch/N                the same N + 1 numbers from one
//                                 MintOrder call (lanes in lockstep).
//   BM_MintBatchKernel/N/K        MintOrder's batch through PermuteMany on
//                                 kernel K (1 portable, 2 AVX2, 3 AVX-512).
//   BM_MintStringsScalar/N        what order_logic did at `done`: N
//                                 Barcode() + 1 Code() strings.
//   BM_MintStringsBatch/N         MintOrder, then FormatBarcode/FormatCode
//                                 into the same strings.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "boost/lockfree/queue.hpp"
#include "boost/lockfree/stack.hpp"
#include "engine/common/assert.h"
#include "engine/orders/secure_ids.h"
#include "engine/timers/timer_wheel.h"

namespace boxoffice::internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// This thread's CPU time: on a shared, loaded VM wall time also counts the
// time other processes held the core, so the PopDue benchmarks report both.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         1e-9 * static_cast<double>(ts.tv_nsec);
}

std::unique_ptr<TimerWheel> NewWheel(size_t max_timers) {
  TimerWheelOptions options;
  options.start = kStart;
  options.tick = absl::Milliseconds(1);
  options.max_timers = max_timers;
  auto wheel = TimerWheel::Create(options);
  BOXOFFICE_CHECK(wheel.ok());
  return *std::move(wheel);
}

// The reference: deadlines in a multimap, handles are its iterators.
class ReferenceTimers {
 public:
  using Map = std::multimap<absl::Time, uint64_t>;
  Map::iterator Schedule(uint64_t payload, absl::Time deadline) {
    std::lock_guard<std::mutex> lock(mu_);
    return timers_.emplace(deadline, payload);
  }
  void Cancel(Map::iterator it) {
    std::lock_guard<std::mutex> lock(mu_);
    timers_.erase(it);
  }
  size_t PopDue(absl::Time now, size_t max, std::vector<uint64_t>* due) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    auto it = timers_.begin();
    while (it != timers_.end() && it->first <= now && n < max) {
      due->push_back(it->second);
      it = timers_.erase(it);
      ++n;
    }
    return n;
  }

 private:
  std::mutex mu_;
  Map timers_;
};

TimerWheel* shared_wheel = nullptr;
ReferenceTimers* shared_reference = nullptr;

void BM_WheelScheduleCancel(benchmark::State& state) {
  if (state.thread_index() == 0) shared_wheel = NewWheel(1 << 20).release();
  // The loop's start is a barrier: thread 0's setup is visible to all.
  const absl::Time deadline = kStart + absl::Minutes(15);
  std::vector<uint64_t> due;
  uint64_t i = 0;
  for (auto _ : state) {
    const TimerHandle h = shared_wheel->Schedule(i, deadline);
    benchmark::DoNotOptimize(shared_wheel->Cancel(h));
    if ((++i & 1023) == 0) shared_wheel->PopDue(kStart, 0, &due);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // The loop's end is a barrier too.
    delete shared_wheel;
    shared_wheel = nullptr;
  }
}
BENCHMARK(BM_WheelScheduleCancel)->Threads(1)->Threads(2)->UseRealTime();

void BM_ReferenceScheduleCancel(benchmark::State& state) {
  if (state.thread_index() == 0) shared_reference = new ReferenceTimers();
  const absl::Time deadline = kStart + absl::Minutes(15);
  uint64_t i = 0;
  for (auto _ : state) {
    shared_reference->Cancel(shared_reference->Schedule(i++, deadline));
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete shared_reference;
    shared_reference = nullptr;
  }
}
BENCHMARK(BM_ReferenceScheduleCancel)->Threads(1)->Threads(2)->UseRealTime();

boost::lockfree::stack<uint32_t>* boost_stack = nullptr;
boost::lockfree::queue<uint32_t>* boost_queue = nullptr;

void BM_BoostLockfreeHandOff(benchmark::State& state) {
  if (state.thread_index() == 0) {
    boost_stack = new boost::lockfree::stack<uint32_t>(1 << 16);
    boost_queue = new boost::lockfree::queue<uint32_t>(1 << 16);
    for (uint32_t i = 0; i < 1024; ++i) boost_stack->bounded_push(i);
  }
  for (auto _ : state) {
    uint32_t slot = 0;
    if (boost_stack->pop(slot)) {
      boost_queue->bounded_push(slot);
      uint32_t back = 0;
      if (boost_queue->pop(back)) boost_stack->bounded_push(back);
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete boost_stack;
    delete boost_queue;
  }
}
BENCHMARK(BM_BoostLockfreeHandOff)->Threads(1)->Threads(2)->UseRealTime();

void BM_WheelScheduleCancelLatency(benchmark::State& state) {
  auto wheel = NewWheel(1 << 20);
  const absl::Time deadline = kStart + absl::Minutes(15);
  std::vector<uint64_t> due;
  std::vector<int64_t> ns;
  ns.reserve(1 << 20);
  uint64_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const TimerHandle h = wheel->Schedule(i, deadline);
    benchmark::DoNotOptimize(wheel->Cancel(h));
    const auto t1 = std::chrono::steady_clock::now();
    if (ns.size() < ns.capacity()) {
      ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
                       .count());
    }
    if ((++i & 1023) == 0) wheel->PopDue(kStart, 0, &due);
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) {
    return ns.empty() ? 0.0
                      : static_cast<double>(
                            ns[static_cast<size_t>(p * (ns.size() - 1))]);
  };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p999_ns"] = pct(0.999);
}
BENCHMARK(BM_WheelScheduleCancelLatency);

constexpr int kPopTimers = 1'000'000;

std::vector<absl::Time> PopDeadlines() {
  std::mt19937_64 rng(1);
  std::vector<absl::Time> deadlines(kPopTimers);
  for (auto& d : deadlines) {
    d = kStart + absl::Microseconds(rng() % (15 * 60 * 1'000'000));
  }
  return deadlines;
}

void BM_WheelPopDue1M(benchmark::State& state) {
  const std::vector<absl::Time> deadlines = PopDeadlines();
  auto wheel = NewWheel(kPopTimers);
  std::vector<uint64_t> due;
  due.reserve(kPopTimers);
  double cpu_seconds = 0;
  for (auto _ : state) {
    for (int i = 0; i < kPopTimers; ++i) wheel->Schedule(i, deadlines[i]);
    due.clear();
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    while (wheel->PopDue(kStart + absl::Minutes(15), 65536, &due) == 65536) {
    }
    const auto t1 = std::chrono::steady_clock::now();
    cpu_seconds += ThreadCpuSeconds() - c0;
    BOXOFFICE_CHECK(due.size() == kPopTimers);
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    // The wheel's clock has moved on: the next iteration needs a new one
    // for the same deadlines to be in the future again.
    wheel = NewWheel(kPopTimers);
  }
  state.SetItemsProcessed(state.iterations() * kPopTimers);
  state.counters["pop_cpu_ms"] =
      1e3 * cpu_seconds / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WheelPopDue1M)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_ReferencePopDue1M(benchmark::State& state) {
  const std::vector<absl::Time> deadlines = PopDeadlines();
  std::vector<uint64_t> due;
  due.reserve(kPopTimers);
  double cpu_seconds = 0;
  for (auto _ : state) {
    ReferenceTimers reference;
    for (int i = 0; i < kPopTimers; ++i) reference.Schedule(i, deadlines[i]);
    due.clear();
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    while (reference.PopDue(kStart + absl::Minutes(15), 65536, &due) == 65536) {
    }
    const auto t1 = std::chrono::steady_clock::now();
    cpu_seconds += ThreadCpuSeconds() - c0;
    BOXOFFICE_CHECK(due.size() == kPopTimers);
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  state.SetItemsProcessed(state.iterations() * kPopTimers);
  state.counters["pop_cpu_ms"] =
      1e3 * cpu_seconds / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ReferencePopDue1M)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_Barcode(benchmark::State& state) {
  const TokenGenerator tokens;
  uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(tokens.Barcode(i++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Barcode);

void BM_Code(benchmark::State& state) {
  const TokenGenerator tokens;
  uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(tokens.Code(i++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Code);

// The round function as first written (SipHash24Short from the key each
// round, 128-bit Lemire product), for the 17-digit domain: the reference
// that the precomputed-state rounds are measured against.
uint64_t ReferenceBarcodeValue(const SipKey& key, uint64_t x) {
  constexpr uint64_t kSide = 316'227'767;  // ceil(sqrt(10^17))
  uint64_t y = x;
  do {
    uint64_t left = y / kSide, right = y % kSide;
    for (int round = 0; round < FeistelPermutation::kRounds; ++round) {
      const uint64_t message =
          right | (static_cast<uint64_t>(round) << 32) | (uint64_t{1} << 40);
      const uint64_t hash = SipHash24Short(key, message, 6);
      uint64_t mixed =
          left + static_cast<uint64_t>(
                     (static_cast<unsigned __int128>(hash) * kSide) >> 64);
      if (mixed >= kSide) mixed -= kSide;
      left = right;
      right = mixed;
    }
    y = left * kSide + right;
  } while (y >= kBarcodeDomain);
  return y;
}

void BM_BarcodeValueReference(benchmark::State& state) {
  const SipKey key{SecureRandom64(), SecureRandom64()};
  // Same key as a TokenGenerator would use: the values must agree.
  const TokenGenerator tokens(key.k0, key.k1);
  BOXOFFICE_CHECK(ReferenceBarcodeValue(key, 12345) ==
                  tokens.BarcodeValue(12345));
  uint64_t i = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(ReferenceBarcodeValue(key, i++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BarcodeValueReference);

void BM_BarcodeValue(benchmark::State& state) {
  const TokenGenerator tokens;
  uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(tokens.BarcodeValue(i++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BarcodeValue);

// The mint benchmarks: one iteration is one order of N tickets; tickets and
// orders take fresh consecutive sequences, as in the engine.
constexpr int kMaxMintTickets = 16;

void BM_MintScalar(benchmark::State& state) {
  const TokenGenerator tokens;
  const int n = static_cast<int>(state.range(0));
  uint64_t ticket = 0, order = 0;
  uint64_t barcodes[kMaxMintTickets];
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) barcodes[i] = tokens.BarcodeValue(ticket++);
    benchmark::DoNotOptimize(barcodes);
    benchmark::DoNotOptimize(tokens.CodeValue(order++));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintScalar)->Arg(2)->Arg(6)->Arg(16);

void BM_MintBatch(benchmark::State& state) {
  const TokenGenerator tokens;
  const int n = static_cast<int>(state.range(0));
  uint64_t ticket = 0, order = 0;
  uint64_t sequences[kMaxMintTickets];
  uint64_t barcodes[kMaxMintTickets];
  uint64_t code;
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) sequences[i] = ticket++;
    tokens.MintOrder(std::span<const uint64_t>(sequences, n), order++,
                     std::span<uint64_t>(barcodes, n), &code);
    benchmark::DoNotOptimize(barcodes);
    benchmark::DoNotOptimize(code);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintBatch)->Arg(2)->Arg(6)->Arg(16);

void BM_MintBatchKernel(benchmark::State& state) {
  using Kernel = FeistelPermutation::Kernel;
  const int n = static_cast<int>(state.range(0));
  const Kernel kernel = static_cast<Kernel>(state.range(1));
  if (!FeistelPermutation::KernelSupported(kernel)) {
    state.SkipWithError("kernel not supported by this CPU");
    return;
  }
  const TokenGenerator tokens;
  uint64_t ticket = 0, order = 0;
  FeistelPermutation::Lane lanes[FeistelPermutation::kBatchLanes];
  uint64_t out[FeistelPermutation::kBatchLanes];
  BOXOFFICE_CHECK(n + 1 <= FeistelPermutation::kBatchLanes);
  for (auto _ : state) {
    lanes[0] = {&tokens.code_permutation(), order++};
    for (int i = 1; i <= n; ++i) {
      lanes[i] = {&tokens.barcode_permutation(), ticket++};
    }
    FeistelPermutation::PermuteMany(
        std::span<const FeistelPermutation::Lane>(lanes, n + 1),
        std::span<uint64_t>(out, n + 1), kernel);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintBatchKernel)->ArgsProduct({{2, 6}, {1, 2, 3}});

void BM_MintStringsScalar(benchmark::State& state) {
  const TokenGenerator tokens;
  const int n = static_cast<int>(state.range(0));
  uint64_t ticket = 0, order = 0;
  std::vector<std::string> barcodes(n);
  std::string code;
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) barcodes[i] = tokens.Barcode(ticket++);
    code = tokens.Code(order++);
    benchmark::DoNotOptimize(barcodes.data());
    benchmark::DoNotOptimize(code.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintStringsScalar)->Arg(2)->Arg(6);

void BM_MintStringsBatch(benchmark::State& state) {
  const TokenGenerator tokens;
  const int n = static_cast<int>(state.range(0));
  uint64_t ticket = 0, order = 0;
  uint64_t sequences[kMaxMintTickets];
  uint64_t values[kMaxMintTickets];
  uint64_t code_value;
  std::vector<std::string> barcodes(n);
  std::string code;
  for (auto _ : state) {
    for (int i = 0; i < n; ++i) sequences[i] = ticket++;
    tokens.MintOrder(std::span<const uint64_t>(sequences, n), order++,
                     std::span<uint64_t>(values, n), &code_value);
    // Fresh strings each time, as the engine's HeldTicket gets.
    for (int i = 0; i < n; ++i) {
      barcodes[i] = std::string(kBarcodeDigits, '0');
      TokenGenerator::FormatBarcode(values[i], barcodes[i].data());
    }
    code = std::string(kCodeChars, '0');
    TokenGenerator::FormatCode(code_value, code.data());
    benchmark::DoNotOptimize(barcodes.data());
    benchmark::DoNotOptimize(code.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MintStringsBatch)->Arg(2)->Arg(6);

void BM_SecureRandom64(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(SecureRandom64());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecureRandom64);

}  // namespace
}  // namespace boxoffice::internal

int main(int argc, char** argv) {
#if defined(NDEBUG) && !BOXOFFICE_DCHECK_IS_ON && defined(__OPTIMIZE__)
  benchmark::AddCustomContext("boxoffice_build", "optimized, DCHECKs off");
#else
  std::fprintf(stderr,
               "WARNING: timers_bench built without optimization or with "
               "DCHECKs on; figures are not representative.\n");
  benchmark::AddCustomContext("boxoffice_build", "NOT optimized or DCHECKs on");
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
