// A fixed directory of lazily allocated chunks: an array that grows without
// ever moving an element, so that a pointer to an element stays valid for
// the array's lifetime and readers never lock.
//
// Chunks of 256 KiB or more are mapped with MAP_POPULATE: the kernel
// faults all their pages in one call, where touching them one by one costs
// a page fault each (on this VM kind ~2 us apiece: 12% of the order
// lifecycle's CPU went to building slot chunks). Transparent huge pages
// were measured and dropped: zeroing fresh 2 MiB pages took up to 40% of
// the lifecycle's CPU (the host backs guest memory 4 KiB at a time).
//
// Thread-safety: Get and Ensure may be called from any number of threads.
// Ensure publishes a new chunk with one CAS on its directory entry; the
// loser of a race deletes its own allocation and uses the winner's. The
// elements' own synchronization is the caller's.
#ifndef BOXOFFICE_ENGINE_ORDERS_CHUNKED_SLOTS_H_
#define BOXOFFICE_ENGINE_ORDERS_CHUNKED_SLOTS_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "engine/common/assert.h"
#include "engine/common/cache_line.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

// LeakSanitizer scans the heap, stacks and globals for pointers, not
// anonymous mappings: heap blocks owned by elements of a mapped chunk (an
// order's ticket vector) would look leaked at every leak check while the
// engine lives. Registering each mapped chunk as a root region fixes that.
#if defined(__SANITIZE_ADDRESS__)
#define BOXOFFICE_LSAN_ROOTS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOXOFFICE_LSAN_ROOTS 1
#endif
#endif
#if defined(BOXOFFICE_LSAN_ROOTS)
#include <sanitizer/lsan_interface.h>
#endif

namespace boxoffice::internal {

// Whole cache lines (alignas): its fields are read by every access of
// every thread (see cache_line.h).
template <typename T, int kChunkBits>
class alignas(kCacheLine) ChunkedSlots {
 public:
  static constexpr uint64_t kChunkSize = uint64_t{1} << kChunkBits;

  // Room for `capacity` elements; the directory costs 8 bytes per chunk.
  explicit ChunkedSlots(uint64_t capacity)
      : chunk_count_((capacity + kChunkSize - 1) / kChunkSize),
        directory_(NewCacheLineArray<std::atomic<T*>>(chunk_count_)) {
    BOXOFFICE_CHECK(capacity > 0);
    for (uint64_t i = 0; i < chunk_count_; ++i) {
      directory_[i].store(nullptr, std::memory_order_relaxed);
    }
  }
  ~ChunkedSlots() {
    for (uint64_t i = 0; i < chunk_count_; ++i) {
      FreeChunk(directory_[i].load(std::memory_order_relaxed));
    }
  }
  ChunkedSlots(const ChunkedSlots&) = delete;
  ChunkedSlots& operator=(const ChunkedSlots&) = delete;

  uint64_t capacity() const { return chunk_count_ * kChunkSize; }

  // The element, or nullptr when its chunk was never allocated or i is
  // beyond the capacity.
  T* Get(uint64_t i) const {
    const uint64_t c = i >> kChunkBits;
    if (c >= chunk_count_) return nullptr;
    // Acquire pairs with Ensure's release CAS: the chunk's constructed
    // elements are visible before its pointer is.
    T* chunk = directory_[c].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : &chunk[i & (kChunkSize - 1)];
  }

  // The element, allocating its chunk if needed. i < capacity().
  T* Ensure(uint64_t i) {
    const uint64_t c = i >> kChunkBits;
    BOXOFFICE_CHECK(c < chunk_count_);
    T* chunk = directory_[c].load(std::memory_order_acquire);
    if (chunk == nullptr) {
      T* fresh = NewChunk();
      // acq_rel: release publishes the fresh chunk's elements; acquire (on
      // failure too) makes the winner's chunk visible to the loser.
      if (directory_[c].compare_exchange_strong(chunk, fresh,
                                                std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
        chunk = fresh;
      } else {
        FreeChunk(fresh);
      }
    }
    BOXOFFICE_DCHECK(chunk != nullptr);
    return &chunk[i & (kChunkSize - 1)];
  }

  // Makes i's chunk now if it does not exist yet (i beyond the capacity:
  // nothing), so that a caller can pay for the next chunk ahead of need,
  // and two threads rarely both build the same chunk.
  void Prepare(uint64_t i) {
    if ((i >> kChunkBits) < chunk_count_) Ensure(i);
  }

 private:
  static constexpr size_t kChunkBytes = sizeof(T) * kChunkSize;
  static constexpr size_t kAlign = std::max(alignof(T), kCacheLine);
  static_assert(kChunkBytes % kCacheLine == 0);

  static constexpr bool kMapped = kChunkBytes >= (size_t{256} << 10);

  // Every element value-initialized (atomics start at 0).
  static T* NewChunk() {
    void* raw = nullptr;
#if defined(__linux__)
    if constexpr (kMapped) {
      static_assert(alignof(T) <= 4096);
      raw = mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
      if (raw == MAP_FAILED) throw std::bad_alloc();
#if defined(BOXOFFICE_LSAN_ROOTS)
      __lsan_register_root_region(raw, kChunkBytes);
#endif
    }
#endif
    if (raw == nullptr) {
      raw = ::operator new(kChunkBytes, std::align_val_t(kAlign));
    }
    T* chunk = static_cast<T*>(raw);
    for (uint64_t i = 0; i < kChunkSize; ++i) new (&chunk[i]) T();
    return chunk;
  }
  static void FreeChunk(T* chunk) {
    if (chunk == nullptr) return;
    for (uint64_t i = 0; i < kChunkSize; ++i) chunk[i].~T();
#if defined(__linux__)
    if constexpr (kMapped) {
#if defined(BOXOFFICE_LSAN_ROOTS)
      __lsan_unregister_root_region(chunk, kChunkBytes);
#endif
      BOXOFFICE_CHECK(munmap(chunk, kChunkBytes) == 0);
      return;
    }
#endif
    ::operator delete(chunk, std::align_val_t(kAlign));
  }

  const uint64_t chunk_count_;
  // On whole cache lines of its own, like the chunks (cache_line.h): every
  // access of every thread reads it.
  const CacheLineArray<std::atomic<T*>> directory_;
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_ORDERS_CHUNKED_SLOTS_H_
