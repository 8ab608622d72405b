#!/usr/bin/env bash
# The 2-thread/1-thread ratio of one benchmark, measured in ROUNDS: each
# round runs 1 thread pinned to CPU 0, 1 thread pinned to CPU 1, then 2
# threads on CPUs 0 and 1, back to back, and divides the 2-thread rate by
# the mean of the two 1-thread rates; prints each round and the median.
# Why: on this VM kind one vCPU is at times 20-40% slower than the other
# (its host core is shared), for seconds to minutes, so a 1-thread run
# that lands on the fast vCPU makes perfect scaling read as ~1.7x, and one
# on the slow vCPU as ~2.4x. Two threads use both vCPUs; so does this
# baseline. Rounds cancel the slower drift of the whole host.
#
#   tools/bench_scaling.sh BINARY 'BENCHMARK_NAME_UP_TO/threads:' [ROUNDS]
# e.g.
#   tools/bench_scaling.sh build/release/bench/json_bench \
#     'BM_V2CreateDone/0/real_time/threads:' 7
set -euo pipefail
bin=$1
name=$2
rounds=${3:-7}
rate() {  # items/s of one run of $name$1 on CPUs $2
  taskset -c "$2" "$bin" --benchmark_filter="^${name}$1\$" 2>/dev/null |
    grep -o 'items_per_second=[0-9.]*[kM]*' | head -1 | cut -d= -f2 |
    awk '{v=$1; m=1; if (v ~ /k$/) m=1e3; if (v ~ /M$/) m=1e6; sub(/[kM]$/,"",v); printf "%.0f\n", v*m}'
}
ratios=()
for ((r = 1; r <= rounds; r++)); do
  cpu0=$(rate 1 0)
  cpu1=$(rate 1 1)
  two=$(rate 2 0,1)
  ratio=$(awk -v a="$cpu0" -v b="$cpu1" -v c="$two" 'BEGIN{printf "%.2f", c/((a+b)/2)}')
  ratios+=("$ratio")
  echo "round $r: 1 thread $cpu0/s (cpu 0) $cpu1/s (cpu 1), 2 threads $two/s, ratio $ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
echo "median ratio of $rounds rounds: $median"
