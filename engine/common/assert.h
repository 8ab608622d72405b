// Assertions (Tiger Style): BOXOFFICE_CHECK is always on, for
// corruption-class invariants (a ticket held twice, a count that no longer
// adds up); BOXOFFICE_DCHECK is on in debug and verify builds (dev, asan,
// tsan presets) and compiles away in release.
#ifndef BOXOFFICE_ENGINE_COMMON_ASSERT_H_
#define BOXOFFICE_ENGINE_COMMON_ASSERT_H_

#include <cstdio>
#include <cstdlib>

#define BOXOFFICE_CHECK(cond)                                               \
  do {                                                                      \
    if (__builtin_expect(!(cond), 0)) {                                     \
      std::fprintf(stderr, "%s:%d: BOXOFFICE_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                        \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

#if !defined(NDEBUG) || defined(BOXOFFICE_VERIFY)
#define BOXOFFICE_DCHECK_IS_ON 1
#define BOXOFFICE_DCHECK(cond) BOXOFFICE_CHECK(cond)
#else
#define BOXOFFICE_DCHECK_IS_ON 0
#define BOXOFFICE_DCHECK(cond) \
  do {                         \
    (void)sizeof(!(cond));     \
  } while (0)
#endif

#endif  // BOXOFFICE_ENGINE_COMMON_ASSERT_H_
