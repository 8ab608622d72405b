#!/usr/bin/env bash
# Every benchmark suite once on the release preset, then the peers from
# ../shared/peers (when present), into build/release/bench-results/. Run it
# on a quiet machine: the 2-thread figures mean nothing with the cores shared.
# docs/BENCHMARKS.md was written from one such pass.
set -u
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target host_bench core_bench \
  orders_bench json_bench timers_bench catalog_bench boxoffice-onsale >/dev/null
out=build/release/bench-results
mkdir -p "$out"
{ lscpu | grep 'Model name'; date -u; uptime; } > "$out/machine.txt"
B=build/release/bench
A=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
# First: how far this host lets 2 threads scale at all (see host_bench.cc).
"$B/host_bench" "${A[@]}" > "$out/host.txt" 2>&1
"$B/core_bench" "${A[@]}" > "$out/core.txt" 2>&1
"$B/orders_bench" "${A[@]}" > "$out/orders.txt" 2>&1
"$B/json_bench" "${A[@]}" > "$out/json.txt" 2>&1
"$B/timers_bench" "${A[@]}" > "$out/timers.txt" 2>&1
# The on-sale runs last ~0.1 s each, so one run says little: five seeds
# with order memory reserved at open (the harness's default), three without.
for s in 1 2 3 4 5; do
  "$B/boxoffice-onsale" --seed "$s" --json > "$out/onsale-$s.json" 2> "$out/onsale-$s.err"
done
for s in 1 2 3; do
  "$B/boxoffice-onsale" --seed "$s" --reserved-orders 0 --json \
    > "$out/onsale-fresh-$s.json" 2> "$out/onsale-fresh-$s.err"
done
"$B/boxoffice-onsale" --seed 6 > "$out/onsale-table.txt" 2>&1
# 2-thread ratios, each as the median of 5 rounds against both vCPUs'
# 1-thread rates (see tools/bench_scaling.sh), with the controls that share
# less: the host itself, a world or engine per thread, a set per thread.
S=tools/bench_scaling.sh
{
  echo "== host: independent work"
  bash $S "$B/host_bench" 'BM_IndependentWork/real_time/threads:' 5
  echo "== adapter: v2 create + done, one world (issue 4's target: 1.7x)"
  bash $S "$B/json_bench" 'BM_V2CreateDone/0/real_time/threads:' 5
  echo "== adapter: v2 create + done, a stand per thread"
  bash $S "$B/json_bench" 'BM_V2CreateDone/3/real_time/threads:' 5
  echo "== adapter: v2 create + done, a world per thread (nothing shared)"
  bash $S "$B/json_bench" 'BM_V2CreateDone/2/real_time/threads:' 5
  L='iterations:500000/real_time/threads:'
  echo "== engine: lifecycle, one set, reserved"
  bash $S "$B/orders_bench" "BM_Lifecycle/reference:0/reserved:1/$L" 5
  echo "== engine: lifecycle, a set per thread"
  bash $S "$B/orders_bench" "BM_LifecycleApart/sharing:1/$L" 5
  echo "== engine: lifecycle, an engine per thread (nothing shared)"
  bash $S "$B/orders_bench" "BM_LifecycleApart/sharing:2/$L" 5
} > "$out/scaling.txt" 2>&1
if [[ "${WITH_CATALOG:-0}" == 1 ]]; then  # 10M tickets: ~1 min, ~1 GiB
  "$B/catalog_bench" "${A[@]}" > "$out/catalog.txt" 2>&1
fi
peers=../shared/peers
if [[ -d "$peers" && "${WITH_PEERS:-1}" == 1 ]]; then
  bash "$peers/cpp-mutex/run.sh" > "$out/peer-cpp.txt" 2>&1
  bash "$peers/redis/run.sh" > "$out/peer-redis.txt" 2>&1
  bash "$peers/postgres/run.sh" single > "$out/peer-pg-single.txt" 2>&1
  bash "$peers/postgres/run.sh" all3 > "$out/peer-pg-all3.txt" 2>&1
fi
grep -h 'median\|RESULT\|^==' "$out"/*.txt
echo "results in $out"
