// How well this machine runs two threads at once, with nothing shared:
// each thread walks its own 1 MiB table (cache and ALU work, no atomics, no
// shared line). On a host whose two vCPUs are two physical cores, 2 threads
// do ~2x the work of 1; on one core's two hyperthreads, much less. Every
// 2-thread figure of the other suites ("2 threads ≥ Nx the 1-thread rate")
// is bounded by this ratio, so tools/bench_all.sh runs it first.
//
// Run (Release build):
//   build/release/bench/host_bench --benchmark_repetitions=3
//   --benchmark_report_aggregates_only=true
#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"

namespace {

constexpr size_t kWords = size_t{1} << 17;  // 1 MiB per thread

void BM_IndependentWork(benchmark::State& state) {
  std::vector<uint64_t> table(kWords);
  for (size_t i = 0; i < kWords; ++i) {
    table[i] = i * 0x9e3779b97f4a7c15ull + state.thread_index();
  }
  uint64_t h = static_cast<uint64_t>(state.thread_index());
  for (auto _ : state) {
    for (size_t i = 0; i < kWords; ++i) {
      h ^= table[(i * 7919 + h) & (kWords - 1)];
      h *= 0xff51afd7ed558ccdull;
    }
    benchmark::DoNotOptimize(h);
  }
  // One item = one pass over the thread's table; items/s over all threads.
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndependentWork)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
