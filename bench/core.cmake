# Benchmarks of engine/core: the lock-free pool vs the reference and vs a
# boost::lockfree::queue pool design (see docs/benchmarks/core.md).
boxoffice_benchmark(core_bench core_bench.cc)
target_include_directories(core_bench PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(core_bench PRIVATE boxoffice_core Boost::headers)
