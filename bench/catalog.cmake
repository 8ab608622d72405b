# Catalog benchmarks: load time and memory of a 10M-ticket catalog, a
# stadium parsed from JSON, and id lookups against a flat_hash_map reference.
boxoffice_benchmark(catalog_bench catalog_bench.cc)
target_link_libraries(catalog_bench PRIVATE boxoffice_catalog boxoffice_core
  absl::flat_hash_map absl::strings absl::time)
