// Long-lived arrays that share no cache line with any other allocation.
//
// Why: the engine's catalog records, index tables and directories are
// allocated once (by whichever thread opens the engine or loads the
// catalog) and then read by every request thread. From plain new[] they sit
// in that thread's malloc arena, next to the small blocks it allocates and
// frees per request; a line holding both the end of a shared array and the
// head of such a block moves to that thread's core on each of its writes,
// and every other thread's next read of the array misses. Measured
// 2026-12-07 (json_bench BM_V2CreateDone, 2 threads): 2-thread scaling was
// 1.35-1.45x when a request thread had built the world and 1.6-1.7x when an
// otherwise idle thread had; whole-line allocations make it not matter.
//
// Thread-safety: the functions are as thread-safe as operator new; the
// arrays' own synchronization is their user's.
#ifndef BOXOFFICE_ENGINE_COMMON_CACHE_LINE_H_
#define BOXOFFICE_ENGINE_COMMON_CACHE_LINE_H_

#include <cstddef>
#include <memory>
#include <new>

namespace boxoffice::internal {

inline constexpr size_t kCacheLine = 64;

// Bytes rounded up to whole cache lines (at least one).
constexpr size_t WholeLines(size_t bytes) {
  return bytes == 0 ? kCacheLine
                    : (bytes + kCacheLine - 1) / kCacheLine * kCacheLine;
}

template <typename T>
struct CacheLineArrayDelete {
  size_t size = 0;
  void operator()(T* p) const {
    for (size_t i = 0; i < size; ++i) p[i].~T();
    ::operator delete(p, std::align_val_t(kCacheLine));
  }
};

// Owns `size` value-initialized T on whole cache lines of their own.
template <typename T>
using CacheLineArray = std::unique_ptr<T[], CacheLineArrayDelete<T>>;

template <typename T>
CacheLineArray<T> NewCacheLineArray(size_t size) {
  static_assert(alignof(T) <= kCacheLine);
  T* p = static_cast<T*>(::operator new(WholeLines(size * sizeof(T)),
                                        std::align_val_t(kCacheLine)));
  size_t built = 0;
  try {
    for (; built < size; ++built) new (&p[built]) T();
  } catch (...) {
    CacheLineArrayDelete<T>{built}(p);  // destroys the built ones, frees
    throw;
  }
  return CacheLineArray<T>(p, CacheLineArrayDelete<T>{size});
}

// A standard allocator whose every allocation is whole cache lines of its
// own: for containers built by one thread and read by all (the refs cache's
// map and texts).
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(size_t n) {
    static_assert(alignof(T) <= kCacheLine);
    return static_cast<T*>(::operator new(WholeLines(n * sizeof(T)),
                                          std::align_val_t(kCacheLine)));
  }
  void deallocate(T* p, size_t) noexcept {
    ::operator delete(p, std::align_val_t(kCacheLine));
  }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_COMMON_CACHE_LINE_H_
