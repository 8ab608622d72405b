// Sizes of stress and randomized tests: full in optimized builds, scaled
// down under sanitizers and in unoptimized debug builds, so that the whole
// suite stays within CI's budget. BOXOFFICE_TEST_SCALE (a percentage in the
// environment) overrides, e.g. 1000 for a long soak.
#ifndef BOXOFFICE_TESTS_SUPPORT_SCALE_H_
#define BOXOFFICE_TESTS_SUPPORT_SCALE_H_

#include <cstdint>
#include <cstdlib>

namespace boxoffice::testing {

inline int64_t ScalePercent() {
  if (const char* env = std::getenv("BOXOFFICE_TEST_SCALE")) {
    const long v = std::strtol(env, nullptr, 10);
    if (v > 0) return v;
  }
#if defined(BOXOFFICE_SANITIZED)
  return 2;
#elif !defined(NDEBUG)
  return 10;
#else
  return 100;
#endif
}

// `full` iterations in release, a fraction elsewhere; never below `floor`.
inline int64_t Scaled(int64_t full, int64_t floor = 1) {
  const int64_t n = full * ScalePercent() / 100;
  return n < floor ? floor : n;
}

// `full` in every build without sanitizers (the unoptimized debug build
// too), the sanitizers' fraction under them: for randomized tests whose
// full size must run in every CI pass (CI builds dev, asan and tsan, not
// release). BOXOFFICE_TEST_SCALE still overrides.
inline int64_t ScaledUnderSanitizersOnly(int64_t full, int64_t floor = 1) {
#if defined(BOXOFFICE_SANITIZED)
  return Scaled(full, floor);
#else
  if (std::getenv("BOXOFFICE_TEST_SCALE") != nullptr) {
    return Scaled(full, floor);
  }
  return full < floor ? floor : full;
#endif
}

}  // namespace boxoffice::testing

#endif  // BOXOFFICE_TESTS_SUPPORT_SCALE_H_
