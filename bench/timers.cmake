# Benchmarks of the timers layer (the wheel and the secure tokens).
boxoffice_benchmark(timers_bench timers_bench.cc)
target_link_libraries(timers_bench PRIVATE boxoffice_timers
  absl::synchronization absl::time Boost::headers)
