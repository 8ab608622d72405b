# boxoffice-onsale (bench/onsale/): the on-sale harness, a plain program (not
# a Google Benchmark suite: it runs one workload to sold out on both engines
# and verifies the result). Included from bench/ when benchmarks are built,
# and from tools/replay.cmake otherwise (the sanitizer presets), so that a
# short run of it is a CTest test in every preset and its verification runs
# in CI under ASan and TSan too.
if(TARGET boxoffice-onsale)
  return()
endif()
add_executable(boxoffice-onsale ${PROJECT_SOURCE_DIR}/bench/onsale/onsale.cc)
target_include_directories(boxoffice-onsale PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(boxoffice-onsale PRIVATE boxoffice::boxoffice nlohmann_json::nlohmann_json
                      absl::flat_hash_map absl::str_format absl::strings absl::time
                      Threads::Threads boxoffice_warnings)
if(BOXOFFICE_BUILD_TESTS)
  # A small stadium sold out with the end-of-run checks, one test per engine
  # so that a failure names the engine.
  foreach(_bo_engine lockfree reference)
    add_test(NAME onsale_small_stadium_${_bo_engine}
             COMMAND boxoffice-onsale --engine ${_bo_engine} --seats 3000 --seated-sets 6
                     --ga 2000 --buyers 20000 --threads 2 --seconds 120 --quiet)
    set_tests_properties(onsale_small_stadium_${_bo_engine} PROPERTIES TIMEOUT 300
                         LABELS "onsale")
  endforeach()
endif()
