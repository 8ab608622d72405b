# Benchmarks of the orders layer (the engine against the reference engine).
boxoffice_benchmark(orders_bench orders_bench.cc)
target_link_libraries(orders_bench PRIVATE boxoffice_orders absl::time)
