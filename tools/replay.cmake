# boxoffice-replay (tools/replay/): the runner is a library of its own,
# built against the public headers only, so that its tests drive it with a
# fake backend; the program adds the real engine behind the JSON adapter.
add_library(boxoffice_replay_runner STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/bindings.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/line_source.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/pattern.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/runner.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/worker_pool.cc)
target_include_directories(boxoffice_replay_runner PUBLIC
  ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/include)
target_compile_features(boxoffice_replay_runner PUBLIC cxx_std_20)
target_link_libraries(boxoffice_replay_runner
  PUBLIC boxoffice_common nlohmann_json::nlohmann_json absl::status absl::statusor
         absl::strings absl::str_format absl::time absl::flat_hash_map
         absl::synchronization Threads::Threads
  PRIVATE boxoffice_warnings)

add_executable(boxoffice-replay
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/main.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/replay/engine_backend.cc)
target_link_libraries(boxoffice-replay PRIVATE boxoffice_replay_runner boxoffice::boxoffice
                      boxoffice_warnings)

# The on-sale harness lives in bench/; without benchmarks (sanitizer
# presets) it is still built here so that its CTest run checks the engine.
if(NOT BOXOFFICE_BUILD_BENCHMARKS)
  include(${PROJECT_SOURCE_DIR}/bench/onsale.cmake)
endif()
