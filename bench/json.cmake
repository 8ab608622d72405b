# Benchmarks of the JSON adapter (engine/json), through the raw entry point.
boxoffice_benchmark(json_bench json_bench.cc)
target_link_libraries(json_bench PRIVATE boxoffice::boxoffice)
