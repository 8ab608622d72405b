// Building blocks of the catalog store that readers use without locks:
// SegmentedArray (records that never move) and AtomicIndexTable (an
// insert-only open-addressing hash index of 32-bit record indices).
//
// Both follow one publication protocol, driven by a single writer (the
// store's Load, under its mutex):
//   1. the writer fills records at indices >= the published count;
//   2. it inserts their indices into the hash tables (release stores);
//   3. it publishes the new count (release store, in the store).
// A reader that acquires a slot or a count therefore sees every record
// write that preceded it. Records and slots are never modified after step
// 2 for a published index, so readers need no further synchronization.
#ifndef BOXOFFICE_ENGINE_CATALOG_STABLE_STORAGE_H_
#define BOXOFFICE_ENGINE_CATALOG_STABLE_STORAGE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "boxoffice/object_id.h"
#include "engine/common/assert.h"
#include "engine/common/cache_line.h"

namespace boxoffice::internal {

// 64-bit finalizer (MurmurHash3 fmix64): every input bit affects every
// output bit, so sequential ObjectIds (MongoDB ids differ only in their
// low counter bytes) spread over the whole table.
inline uint64_t Mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Deterministic across processes and builds (generated ticket ids depend
// on it, and they must be reproducible for a given document).
inline uint64_t HashObjectId(const ObjectId& id) {
  uint64_t lo = 0;
  uint32_t hi = 0;
  std::memcpy(&lo, id.bytes().data(), 8);
  std::memcpy(&hi, id.bytes().data() + 8, 4);
  return Mix64(lo ^ Mix64(hi + 0x9e3779b97f4a7c15ULL));
}

// Equality of two ids without a memcmp call: two loads and compares (ids
// are compared on every probe that passes the tag filter).
inline bool SameId(const ObjectId& a, const ObjectId& b) {
  uint64_t a0, b0;
  uint32_t a1, b1;
  std::memcpy(&a0, a.bytes().data(), 8);
  std::memcpy(&b0, b.bytes().data(), 8);
  std::memcpy(&a1, a.bytes().data() + 8, 4);
  std::memcpy(&b1, b.bytes().data() + 8, 4);
  return a0 == b0 && a1 == b1;
}

// FNV-1a then the finalizer: strings here are partner keys and promocode
// codes, short and few; quality matters more than speed.
inline uint64_t HashBytes(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ Mix64(seed);
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return Mix64(h);
}

// An array of up to kMaxSize records in chunks of 2^kChunkBits that are
// allocated on first write and never move or shrink: a reference to a
// record stays valid for the array's lifetime.
//
// Thread-safety: one writer (Mutable) at a time, concurrent with any number
// of readers (Get) of indices the writer published through some other
// release/acquire edge (a count or an index slot). A reader must never Get
// an index the writer may be writing.
template <typename T, int kChunkBits, uint64_t kMaxSize>
class SegmentedArray {
 public:
  static constexpr uint64_t kChunkSize = uint64_t{1} << kChunkBits;
  static constexpr uint64_t kChunks = (kMaxSize + kChunkSize - 1) / kChunkSize;

  // Directory and chunks on whole cache lines of their own (cache_line.h):
  // every request thread reads them.
  SegmentedArray() : chunks_(NewCacheLineArray<std::atomic<T*>>(kChunks)) {
    for (uint64_t i = 0; i < kChunks; ++i) {
      chunks_[i].store(nullptr, std::memory_order_relaxed);
    }
  }
  ~SegmentedArray() {
    for (uint64_t i = 0; i < kChunks; ++i) {
      T* chunk = chunks_[i].load(std::memory_order_relaxed);
      if (chunk != nullptr) CacheLineArrayDelete<T>{kChunkSize}(chunk);
    }
  }
  SegmentedArray(const SegmentedArray&) = delete;
  SegmentedArray& operator=(const SegmentedArray&) = delete;

  // Writer only. The slot may hold a stale record from a load that failed
  // after writing it; the caller overwrites every field.
  T& Mutable(uint64_t i) {
    BOXOFFICE_DCHECK(i < kMaxSize);
    std::atomic<T*>& chunk = chunks_[i >> kChunkBits];
    // Relaxed: only the writer stores chunk pointers, so it reads its own.
    T* p = chunk.load(std::memory_order_relaxed);
    if (p == nullptr) {
      p = NewCacheLineArray<T>(kChunkSize).release();
      allocated_bytes_ += kChunkSize * sizeof(T);
      // Release: a reader that later acquires the pointer sees the chunk's
      // constructed records. (Readers reach a chunk only after acquiring a
      // count or slot published later still, so this is belt and braces.)
      chunk.store(p, std::memory_order_release);
    }
    return p[i & (kChunkSize - 1)];
  }

  const T& Get(uint64_t i) const {
    BOXOFFICE_DCHECK(i < kMaxSize);
    // Acquire pairs with the release in Mutable.
    const T* p = chunks_[i >> kChunkBits].load(std::memory_order_acquire);
    BOXOFFICE_CHECK(p != nullptr);  // an unpublished index: caller's bug
    return p[i & (kChunkSize - 1)];
  }

  // Writer only.
  size_t allocated_bytes() const { return allocated_bytes_; }

 private:
  CacheLineArray<std::atomic<T*>> chunks_;
  size_t allocated_bytes_ = 0;
};

// Slots of an open-addressing table with linear probing. A slot holds a
// record index + 1, or 0 when empty, and a one-byte tag (8 bits of the
// key's hash) in a parallel array. Keys are not stored: a probe whose tag
// matches compares the key through the record, so a ticket costs 5 bytes
// per slot here (4.0 + 1.0, at 1/0.75 slots per entry: 6.7 bytes) while its
// ObjectId lives once, in its record. The tag spares 255 of 256 record
// reads on a probe path; records are the cold, large array.
//
// Thread-safety: Insert by one writer, Find by any thread at the same time.
// Slots go from 0 to a final value exactly once (insert-only), so a reader
// sees either empty or the final value, never a torn or changed one.
// Cache-line aligned (and its arrays on lines of their own): every lookup
// reads it (see cache_line.h).
class alignas(kCacheLine) AtomicIndexTable {
 public:
  // Tables are sized for a load factor of 0.75 after a load...
  static constexpr uint64_t kLoadNum = 3;
  static constexpr uint64_t kLoadDen = 4;
  // ...and grown before passing 0.85, where unsuccessful probes (the common
  // case while generating ids) get long.
  static constexpr uint64_t kMaxLoadNum = 85;
  static constexpr uint64_t kMaxLoadDen = 100;

  static uint64_t CapacityFor(uint64_t entries) {
    const uint64_t c = entries * kLoadDen / kLoadNum + 1;
    return c < 16 ? 16 : c;
  }

  explicit AtomicIndexTable(uint64_t capacity)
      : capacity_(capacity),
        slots_(NewCacheLineArray<std::atomic<uint32_t>>(capacity)),
        tags_(NewCacheLineArray<std::atomic<uint8_t>>(capacity)) {
    BOXOFFICE_CHECK(capacity >= 16);
    BOXOFFICE_CHECK(capacity <= (uint64_t{1} << 32));
    for (uint64_t i = 0; i < capacity; ++i) {
      slots_[i].store(0, std::memory_order_relaxed);
      tags_[i].store(0, std::memory_order_relaxed);
    }
  }

  uint64_t capacity() const { return capacity_; }
  uint64_t size() const { return size_; }  // writer only
  size_t bytes() const {
    return capacity_ *
           (sizeof(std::atomic<uint32_t>) + sizeof(std::atomic<uint8_t>));
  }

  // Whether `more` entries may be inserted without passing the maximum load.
  bool Fits(uint64_t more) const {
    return (size_ + more) * kMaxLoadDen <= capacity_ * kMaxLoadNum;
  }

  // A hint: brings the key's home slot and tag toward the cache.
  void Prefetch(uint64_t hash) const {
    const uint64_t pos = Home(hash);
    __builtin_prefetch(&slots_[pos], 1);
    __builtin_prefetch(&tags_[pos], 1);
  }

  // Writer only. Precondition: Fits(1); the key is not present.
  void Insert(uint64_t hash, uint32_t index) {
    const bool inserted =
        InsertIfAbsent(hash, index, [](uint32_t) { return false; });
    BOXOFFICE_DCHECK(inserted);
  }

  // Writer only. Precondition: Fits(1). Walks the key's probe path once:
  // if matches(i) holds for an entry on it, returns false and changes
  // nothing; else inserts `index` at the path's end and returns true.
  template <typename Matches>
  bool InsertIfAbsent(uint64_t hash, uint32_t index, const Matches& matches) {
    BOXOFFICE_DCHECK(Fits(1));
    BOXOFFICE_CHECK(index < UINT32_MAX);
    const uint8_t tag = Tag(hash);
    uint64_t pos = Home(hash);
    // Bounded: the table is never full (Fits), so an empty slot exists
    // within capacity_ steps.
    for (uint64_t step = 0; step < capacity_; ++step) {
      // Relaxed: the writer reads slots it alone writes.
      const uint32_t v = slots_[pos].load(std::memory_order_relaxed);
      if (v == 0) {
        // The tag first (relaxed), then the slot with release: a reader
        // that acquires the slot sees both the tag and the record it names,
        // all written before this store.
        tags_[pos].store(tag, std::memory_order_relaxed);
        slots_[pos].store(index + 1, std::memory_order_release);
        ++size_;
        return true;
      }
      if (tags_[pos].load(std::memory_order_relaxed) == tag && matches(v - 1)) {
        return false;
      }
      pos = pos + 1 == capacity_ ? 0 : pos + 1;
    }
    BOXOFFICE_CHECK(false && "index table full");
    return false;
  }

  // Any thread. Calls matches(index) for each candidate on the key's probe
  // path whose tag matches, until it returns true (returns that index) or
  // an empty slot ends the path (returns UINT32_MAX).
  template <typename Matches>
  uint32_t Find(uint64_t hash, const Matches& matches) const {
    const uint8_t tag = Tag(hash);
    uint64_t pos = Home(hash);
    for (uint64_t step = 0; step < capacity_; ++step) {
      // Acquire pairs with the insert's release: the tag and the named
      // record are complete.
      const uint32_t v = slots_[pos].load(std::memory_order_acquire);
      if (v == 0) return UINT32_MAX;
      // Relaxed: ordered after the acquire above, which made it visible.
      if (tags_[pos].load(std::memory_order_relaxed) == tag && matches(v - 1)) {
        return v - 1;
      }
      pos = pos + 1 == capacity_ ? 0 : pos + 1;
    }
    return UINT32_MAX;
  }

 private:
  // Lemire's fast range reduction: maps the hash's high bits onto
  // [0, capacity) without a power-of-two capacity, so that the table can be
  // sized at exactly 1/0.75 slots per entry.
  uint64_t Home(uint64_t hash) const {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(hash) * capacity_) >> 64);
  }
  // The low bits, nearly independent of the high bits that pick the home.
  static uint8_t Tag(uint64_t hash) { return static_cast<uint8_t>(hash); }

  const uint64_t capacity_;
  CacheLineArray<std::atomic<uint32_t>> slots_;
  CacheLineArray<std::atomic<uint8_t>> tags_;
  uint64_t size_ = 0;  // writer only
};

// An AtomicIndexTable that can grow: the writer builds a bigger table,
// fills it from the records, and publishes it with one release store.
// Replaced tables are retired, not freed, until the index dies, because a
// reader may still be probing one (no reclamation scheme is worth it for
// catalog loads, which are rare; growth at least doubles, so the retired
// tables sum to less than the live one).
//
// Thread-safety: as AtomicIndexTable.
class GrowableIndex {
 public:
  GrowableIndex() { Publish(std::make_unique<AtomicIndexTable>(16)); }

  // Writer only. Makes room for `more` inserts. If the live table cannot
  // take them, builds one sized for size() + more (at least double), calls
  // rehash(table) to re-insert every existing entry, and publishes it.
  template <typename Rehash>
  void Reserve(uint64_t more, const Rehash& rehash) {
    AtomicIndexTable* cur = live();
    if (cur->Fits(more)) return;
    const uint64_t want = AtomicIndexTable::CapacityFor(cur->size() + more);
    const uint64_t doubled = cur->capacity() * 2;
    auto next =
        std::make_unique<AtomicIndexTable>(want > doubled ? want : doubled);
    rehash(next.get());
    BOXOFFICE_CHECK(next->size() == cur->size());
    BOXOFFICE_CHECK(next->Fits(more));
    Publish(std::move(next));
  }

  AtomicIndexTable* live() const {
    // Acquire pairs with Publish's release: the table's slots, filled
    // before publication, are visible.
    return current_.load(std::memory_order_acquire);
  }

  // Writer only: bytes of the live and retired tables.
  size_t bytes() const {
    size_t b = 0;
    for (const auto& t : tables_) b += t->bytes();
    return b;
  }
  // Writer only: bytes of the live table.
  size_t live_bytes() const { return live()->bytes(); }

 private:
  void Publish(std::unique_ptr<AtomicIndexTable> t) {
    AtomicIndexTable* raw = t.get();
    tables_.push_back(std::move(t));
    current_.store(raw, std::memory_order_release);
  }

  std::atomic<AtomicIndexTable*> current_{nullptr};
  std::vector<std::unique_ptr<AtomicIndexTable>> tables_;  // writer only
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_CATALOG_STABLE_STORAGE_H_
