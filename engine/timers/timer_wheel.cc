// Hierarchical timing wheel (Varghese & Lauck, scheme 7) with lock-free
// producers. See docs/architecture/timers.md for the design; the comments
// here state the invariants and the memory-ordering argument at each atomic.
#include "engine/timers/timer_wheel.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/common/assert.h"
#include "engine/common/thread_stripe.h"

#if defined(__linux__)
#include <sys/mman.h>
#if !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL
#endif
#endif

namespace boxoffice::internal {
namespace {

constexpr uint32_t kNil = UINT32_MAX;
constexpr int kSlotBits = 8;
constexpr int kSlots = 1 << kSlotBits;
constexpr int kLevels = 4;
constexpr int kWheelBits = kSlotBits * kLevels;  // ticks the wheel spans: 2^32
constexpr int kBitmapWords = kSlots / 64;
constexpr uint16_t kOverflowList = kLevels * kSlots;
constexpr int kLists = kLevels * kSlots + 1;
// Times are clamped to +-2^61 us (73,000 years) so that tick arithmetic and
// the next-epoch computation below can never overflow int64.
constexpr int64_t kMaxMicros = int64_t{1} << 61;
// Slot indices are uint32 with kNil reserved; a smaller cap keeps the
// node array's size computation far from overflow.
constexpr size_t kMaxTimersLimit = size_t{1} << 30;
static_assert(kWheelBits == 32, "the overflow test uses t ^ cur >> 32");
static_assert(kSlots % 64 == 0, "bitmaps are whole words");
static_assert(kLists <= UINT16_MAX, "list ids are uint16");

// The low half of a node's state word.
enum : uint32_t { kFree = 0, kPending = 1, kCancelled = 2 };
constexpr uint64_t kStateMask = 0xffffffffu;

constexpr uint64_t PackState(uint32_t generation, uint32_t state) {
  return (uint64_t{generation} << 32) | state;
}
constexpr uint32_t GenerationOf(uint64_t word) {
  return static_cast<uint32_t>(word >> 32);
}
constexpr uint32_t StateOf(uint64_t word) {
  return static_cast<uint32_t>(word & kStateMask);
}

// The other shared words are pairs of uint32 too: {high, low}.
constexpr uint64_t PackPair(uint32_t high, uint32_t low) {
  return (uint64_t{high} << 32) | low;
}
constexpr uint32_t HighOf(uint64_t word) {
  return static_cast<uint32_t>(word >> 32);
}
constexpr uint32_t LowOf(uint64_t word) { return static_cast<uint32_t>(word); }

// Where the owner (the PopDue caller) has put a node. Owner-only.
enum class Where : uint8_t {
  kUnowned = 0,  // free, or scheduled but not yet drained from the inbox
  kList,         // in wheel slot list or overflow list `list`, at `pos`
  kHeap,         // in the current-tick heap, at `pos`
  kReady,        // in the ready list (known due), at `pos`
  kDetached,     // seen cancelled; waits for its cancel notice
  kCancelSeen,   // cancel notice drained before the schedule notice
};

// Trivial on purpose: the array is calloc'ed so that untouched nodes cost
// no memory (zero is a valid free node: generation 0, kFree), and fields
// shared between threads are accessed only through std::atomic_ref.
struct Node {
  // Shared. {generation, kFree|kPending|kCancelled}; atomic_ref only.
  uint64_t state;
  // Written by the scheduler while it owns the node, read by the owner
  // after the inbox hand-off; never touched while the node is free.
  uint64_t payload;
  int64_t deadline_us;  // ceil of the deadline, us since options.start
  // Next in the free list or in the schedule inbox (a node is in at most
  // one of them). atomic_ref only: a popper that lost a race may still read
  // the link of a node that left the free list.
  uint32_t link;
  // Next in the cancel inbox; written by the one successful canceller before
  // its release push, read by the owner after its acquire exchange.
  uint32_t cancel_next;
  // Owner-only from here on: the node's index in its list or in the heap,
  // so that a cancel removes it in O(1) (O(log n) from the heap).
  uint32_t pos;
  uint16_t list;
  Where where;
  // The stripe whose thread scheduled the node: the owner returns it to
  // that stripe's free list, so a thread keeps reusing its own nodes (and
  // their cache lines). Written by the scheduler before its release push,
  // read by the owner after the acquire drain. Fits the padding byte.
  uint8_t home;
};
static_assert(std::is_trivially_default_constructible_v<Node>);
static_assert(sizeof(Node) == 40, "home must fit the padding");
static_assert(kThreadStripes <= UINT8_MAX, "Node::home is a uint8");
static_assert(alignof(Node) >= std::atomic_ref<uint64_t>::required_alignment);
static_assert(alignof(Node) >= std::atomic_ref<uint32_t>::required_alignment);

// What the owner's lists and heap hold: the deadline is copied so that
// ordering and placement read contiguous memory, not the node.
struct Entry {
  int64_t deadline_us;
  uint32_t slot;
};

// A list or heap array emptied by a cascade keeps its storage up to this
// many entries; larger arrays are freed, so memory follows the live load.
constexpr size_t kKeepCapacity = 4096;
// How far ahead a cascade prefetches the nodes it is about to write.
constexpr size_t kPrefetchDistance = 32;
// Fresh nodes whose pages are mapped in one call, one region ahead of the
// fresh-node counter: a demand fault on a never-touched calloc page costs
// ~12 us on this VM kind (every 64th order paid one in the lifecycle
// profile); a page mapped by madvise(MADV_POPULATE_WRITE) ~0.7 us, plus
// ~6 us at its first user access (docs/architecture/timers.md).
constexpr uint64_t kPopulateNodes = 4096;
constexpr uintptr_t kPageBytes = 4096;

// Fresh slots a stripe takes from the global counter at once: the counter's
// line is then written once per 64 first-time Schedules, not per Schedule.
constexpr uint32_t kMaxFreshBlock = 64;

std::atomic_ref<uint64_t> StateRef(Node& n) {
  return std::atomic_ref<uint64_t>(n.state);
}
std::atomic_ref<uint32_t> LinkRef(Node& n) {
  return std::atomic_ref<uint32_t>(n.link);
}

int64_t ClampMicros(int64_t us) {
  return std::clamp(us, -kMaxMicros, kMaxMicros);
}

// ceil(d / 1 us), clamped; the same as ToInt64Microseconds(absl::Ceil(d,
// absl::Microseconds(1))), which costs Schedule ~7 ns (IDivDuration and
// Trunc out of line). ToInt64Microseconds truncates toward zero, which is
// the ceiling for d <= 0; for d > 0 a remainder shows as d exceeding the
// truncated value. The kMaxMicros guard keeps +infinity from overflowing.
int64_t CeilMicros(absl::Duration d) {
  int64_t us = absl::ToInt64Microseconds(d);
  if (us < kMaxMicros && absl::Microseconds(us) < d) ++us;
  return ClampMicros(us);
}

// One thread stripe's share of the producer side. Thread-safety: every
// word is atomic and may be touched by any thread; in the common case only
// the stripe's own thread writes it (Schedule, Cancel), the owner touches
// it once per drain and flush, and other stripes' threads only when their
// own stripe has no free node. The four words share one cache line, which
// no other stripe writes: a thread that schedules and cancels keeps that
// one line in its cache. Each word's ordering is argued where it is used.
struct alignas(64) Stripe {
  // Treiber stack of free nodes: {tag:32, index:32}. The tag changes on
  // every successful CAS, so a popper that read index i and its link, then
  // stalled while i was popped and pushed back (to this or, after a trip,
  // any stripe), fails its CAS (ABA); 2^32 operations on this head during
  // one stall would be needed to fool it.
  std::atomic<uint64_t> free_head{PackPair(0, kNil)};
  // Fresh indices [next, end) taken from the global counter as a block:
  // {end:32, next:32}; empty when next == end. Blocks are disjoint ranges
  // of a counter that only grows, so a word never comes back once left,
  // and a CAS that succeeds took an index nobody else took.
  std::atomic<uint64_t> block{0};
  // Schedule inbox: push-only Treiber stack {pushes:32, index:32}, drained
  // whole by the owner, so it has no ABA problem (nothing pops one node).
  // `pushes` counts successful Schedules of this stripe (mod 2^32); the
  // drain keeps it, so pending() needs no counter of its own.
  std::atomic<uint64_t> sched_head{PackPair(0, kNil)};
  // Cancel inbox: same shape, through Node::cancel_next; `pushes` counts
  // successful Cancels of this stripe.
  std::atomic<uint64_t> cancel_head{PackPair(0, kNil)};
};
static_assert(sizeof(Stripe) == 64, "one cache line per stripe");

// Thread-safety: as TimerWheel. Schedule and Cancel write only their
// thread's stripe (and the node they own or cancel); everything below
// "Owner-only state" is touched only while holding busy_.
class TimerWheelImpl final : public TimerWheel {
 public:
  TimerWheelImpl(const TimerWheelOptions& options, Node* nodes)
      : start_(options.start),
        tick_us_(absl::ToInt64Microseconds(options.tick)),
        capacity_(static_cast<uint32_t>(options.max_timers)),
        // Small wheels get small blocks, so that their few fresh nodes are
        // not all parked in the first stripes that ask.
        fresh_block_(std::clamp<uint32_t>(capacity_ / (4 * kThreadStripes), 1,
                                          kMaxFreshBlock)),
        nodes_(nodes) {
    std::fill(std::begin(free_chain_first_), std::end(free_chain_first_), kNil);
    std::fill(std::begin(free_chain_last_), std::end(free_chain_last_), kNil);
    heap_.reserve(std::min<size_t>(capacity_, kKeepCapacity));
    PopulateNodes(0);
  }
  ~TimerWheelImpl() override { std::free(nodes_); }
  TimerWheelImpl(const TimerWheelImpl&) = delete;
  TimerWheelImpl& operator=(const TimerWheelImpl&) = delete;

  TimerHandle Schedule(uint64_t payload, absl::Time deadline) override;
  bool Cancel(TimerHandle handle) override;
  size_t PopDue(absl::Time now, size_t max,
                std::vector<uint64_t>* due) override;
  size_t pending() const override;

 private:
  // ---- Shared, lock-free paths.
  // A free node for a Schedule on `stripe`: its free list, its block, a new
  // block from the global counter, then every other stripe's free list and
  // block (at most kThreadStripes - 1 of them). kNil if all are empty.
  uint32_t TakeNode(uint32_t stripe);
  uint32_t PopFree(Stripe& stripe);
  uint32_t TakeFromBlock(Stripe& stripe);
  uint32_t TakeFreshBlock(Stripe& stripe);
  // Maps the pages of nodes [first, first + kPopulateNodes) (clipped to the
  // capacity) if the kernel can; a hint: nothing depends on it. Callable
  // from any thread, concurrently with writers of those nodes (it changes
  // no byte: a mapped page is left alone, a missing one is mapped zeroed).
  void PopulateNodes(uint64_t first) const;
  // Pushes the chain first..last (linked through Node::link) on `stripe`'s
  // free list.
  void PushFree(Stripe& stripe, uint32_t first, uint32_t last);
  void PushScheduled(Stripe& stripe, uint32_t slot);

  // ---- Owner-only (serialized by busy_).
  void DrainInboxes();
  void OnScheduled(uint32_t slot);
  void OnCancelled(uint32_t slot);
  // Puts a drained, pending node where its tick says, relative to cur_.
  void Place(uint32_t slot, int64_t deadline_us);
  void ListPush(uint16_t list, Entry entry);
  void ListUnlink(uint32_t slot);
  // Moves every entry of `list` to the ready list if it is due at now_us,
  // else places it anew (never back into `list`).
  void Cascade(uint16_t list, int64_t now_us);
  void ReadyPush(Entry entry);
  void ReadyRemove(uint32_t slot);
  void HeapPush(Entry entry);
  void HeapRemove(uint32_t slot);
  void HeapSet(size_t pos, Entry entry);
  bool HeapLess(size_t a, size_t b) const {
    return heap_[a].deadline_us < heap_[b].deadline_us;
  }
  void SiftUp(size_t pos);
  void SiftDown(size_t pos);
  int64_t TickOf(int64_t deadline_us) const { return deadline_us / tick_us_; }
  // The first tick after cur_ at which some node must move (a level-0 slot
  // that is due, or a higher-level slot that cascades), or INT64_MAX.
  int64_t NextEventTick() const;
  void AdvanceTo(int64_t tick, int64_t now_us);
  int FindNextSet(int level, int from) const;
  // Fires a due node just taken out of the heap or the ready list; true if
  // its payload went out (false if a cancel won).
  bool FireOrDrop(uint32_t slot, uint64_t* payload);
  // Returns a node to its home stripe's free list (via the local chains
  // flushed at the end of PopDue). `state_word` is the node's state as the
  // owner last saw it.
  void Recycle(uint32_t slot, uint64_t state_word);
  void FlushFreeChains();

  const absl::Time start_;
  const int64_t tick_us_;
  const uint32_t capacity_;
  const uint32_t fresh_block_;  // in [1, kMaxFreshBlock]
  Node* const nodes_;           // owned; calloc'ed, capacity_ entries

  // The producer side, one cache line per thread stripe (see Stripe).
  Stripe stripes_[kThreadStripes];
  // Slots never used so far, handed out kThreadStripes-wide in blocks of
  // fresh_block_ (so this line is written once per block, not per
  // Schedule). Handing them out lazily means an idle wheel with a large
  // max_timers touches no memory. May run past capacity_ (each taker adds
  // at most kMaxFreshBlock), which only means "none left".
  alignas(64) std::atomic<uint64_t> fresh_next_{0};
  // The owner try-flag, taken by PopDue and by a Schedule that finds the
  // wheel full (to reclaim): acquire on entry and release on exit make each
  // owner's writes to the owner-only state below visible to the next owner.
  alignas(64) std::atomic<bool> busy_{false};
  // Timers fired so far (mod 2^32), for pending(). Written only by the
  // owner, once per PopDue (a load and a store, ordered between owners by
  // busy_); read relaxed by pending(), a statistic.
  std::atomic<uint32_t> fired_{0};

  // ---- Owner-only state.
  // Invariant: a placed node is in ready_ (due at some earlier PopDue's
  // now, any tick), or in heap_ (tick <= cur_), or in the list given by
  // Place() relative to cur_ (tick > cur_): level L is the lowest with
  // (t >> 8(L+1)) == (cur_ >> 8(L+1)), so its slot index exceeds cur_'s
  // index at that level; beyond level 3, the overflow list. ready_ and heap_
  // are empty whenever cur_ moves.
  int64_t cur_ = 0;
  // Slot lists are arrays of {deadline, slot}, not intrusive linked lists:
  // a cascade then reads deadlines from contiguous memory and can prefetch
  // the nodes it will write, instead of chasing one cache miss per node.
  std::vector<Entry> lists_[kLists];
  uint64_t bitmap_[kLevels][kBitmapWords] = {};
  // A lower bound of the ticks in the overflow list (stale after a cancel,
  // which only makes a re-examination come early).
  int64_t overflow_min_tick_ = std::numeric_limits<int64_t>::max();
  // Binary min-heap on deadline_us of the nodes with tick <= cur_; each
  // node's index in it is kept in Node::pos.
  std::vector<Entry> heap_;
  // Nodes a cascade found already due (deadline <= the now of that PopDue):
  // they skip the remaining cascades, so a PopDue that catches up on a long
  // stretch touches each node once, not once per level. Unordered.
  std::vector<Entry> ready_;
  // Per home stripe, the chain of nodes recycled by this owner and not yet
  // pushed to that stripe's free list (kNil when empty).
  uint32_t free_chain_first_[kThreadStripes];
  uint32_t free_chain_last_[kThreadStripes];
};

uint32_t TimerWheelImpl::PopFree(Stripe& stripe) {
  // Acquire: pairs with the release CAS of PushFree so that the pusher's
  // writes to the node (its bumped generation, its link) are seen.
  uint64_t head = stripe.free_head.load(std::memory_order_acquire);
  // Lock-free, not wait-free: each failed CAS means another thread's pop or
  // push on this stripe succeeded.
  while (LowOf(head) != kNil) {
    const uint32_t slot = LowOf(head);
    BOXOFFICE_DCHECK(slot < capacity_);
    // May be stale if `slot` was popped meanwhile; the tag then fails the CAS.
    const uint32_t next = LinkRef(nodes_[slot]).load(std::memory_order_relaxed);
    const uint64_t desired = PackPair(HighOf(head) + 1, next);
    // Success acquire: same pairing as the load (pops are RMWs, so they
    // continue the release sequence of the push they read from).
    if (stripe.free_head.compare_exchange_weak(head, desired,
                                               std::memory_order_acquire,
                                               std::memory_order_acquire)) {
      return slot;
    }
  }
  return kNil;
}

uint32_t TimerWheelImpl::TakeFromBlock(Stripe& stripe) {
  // Relaxed: fresh nodes are zero from calloc (before the wheel was
  // published) and owned by whoever takes the index; the word only has to
  // hand each index out once, which its modification order does.
  uint64_t block = stripe.block.load(std::memory_order_relaxed);
  // Lock-free: a failed CAS means another thread took an index.
  while (LowOf(block) < HighOf(block)) {
    // next + 1 <= end: no carry into the high half.
    if (stripe.block.compare_exchange_weak(block, block + 1,
                                           std::memory_order_relaxed,
                                           std::memory_order_relaxed)) {
      BOXOFFICE_DCHECK(LowOf(block) < capacity_);
      return LowOf(block);
    }
  }
  return kNil;
}

void TimerWheelImpl::PopulateNodes(uint64_t first) const {
#if defined(__linux__)
  if (first >= capacity_) return;
  const uint64_t last = std::min<uint64_t>(first + kPopulateNodes, capacity_);
  // Whole pages: the partial ones at the ends belong to the node array's
  // allocation (or the heap around a small one); mapping them changes no
  // byte.
  const uintptr_t begin =
      reinterpret_cast<uintptr_t>(&nodes_[first]) & ~(kPageBytes - 1);
  const uintptr_t end =
      (reinterpret_cast<uintptr_t>(&nodes_[last]) + kPageBytes - 1) &
      ~(kPageBytes - 1);
  (void)madvise(reinterpret_cast<void*>(begin), end - begin,
                MADV_POPULATE_WRITE);
#else
  (void)first;
#endif
}

uint32_t TimerWheelImpl::TakeFreshBlock(Stripe& stripe) {
  // Relaxed: see TakeFromBlock; the counter only has to hand each index out
  // once. The load keeps a full wheel from pushing the counter on forever.
  if (fresh_next_.load(std::memory_order_relaxed) >= capacity_) return kNil;
  const uint64_t base =
      fresh_next_.fetch_add(fresh_block_, std::memory_order_relaxed);
  if (base >= capacity_) return kNil;
  const uint32_t first = static_cast<uint32_t>(base);
  const uint32_t end =
      static_cast<uint32_t>(std::min<uint64_t>(base + fresh_block_, capacity_));
  BOXOFFICE_DCHECK(first < end);
  // Each region boundary r * kPopulateNodes is handed out in exactly one
  // block (the one starting at it or straddling it): that block maps the
  // region after the one it ends in, so pages are mapped before use.
  if (first % kPopulateNodes == 0 ||
      first / kPopulateNodes != (end - 1) / kPopulateNodes) {
    PopulateNodes(((end - 1) / kPopulateNodes + 1) * kPopulateNodes);
  }
  // Write before anyone reads: Schedule's first access to a node is a load
  // of its state, and a load of a never-touched calloc page maps the shared
  // zero page, so the store after it takes a second, copy-on-write fault
  // whose TLB flush interrupts every other CPU running the process (it
  // showed in the 2-thread order profile). Storing the zero the node
  // already holds makes the first fault a write. The nodes are ours alone
  // until the block is installed below.
  for (uint32_t i = first; i < end; ++i) {
    StateRef(nodes_[i]).store(0, std::memory_order_relaxed);
  }
  if (end - first > 1) {
    // The rest becomes this stripe's block if it is still empty. A thread
    // sharing the stripe may have installed its own block meanwhile: then
    // the rest goes to the free list, so no index is ever lost (capacity
    // must stay exact).
    uint64_t block = stripe.block.load(std::memory_order_relaxed);
    if (LowOf(block) != HighOf(block) ||
        !stripe.block.compare_exchange_strong(block, PackPair(end, first + 1),
                                              std::memory_order_relaxed,
                                              std::memory_order_relaxed)) {
      for (uint32_t i = first + 1; i + 1 < end; ++i) {
        LinkRef(nodes_[i]).store(i + 1, std::memory_order_relaxed);
      }
      PushFree(stripe, first + 1, end - 1);
    }
  }
  return first;
}

void TimerWheelImpl::PushFree(Stripe& stripe, uint32_t first, uint32_t last) {
  BOXOFFICE_DCHECK(first < capacity_);
  BOXOFFICE_DCHECK(last < capacity_);
  Node& tail = nodes_[last];
  uint64_t head = stripe.free_head.load(std::memory_order_relaxed);
  do {
    LinkRef(tail).store(LowOf(head), std::memory_order_relaxed);
    // Release: publishes the chain's nodes (bumped generations, links) to
    // the acquire pops in PopFree.
  } while (!stripe.free_head.compare_exchange_weak(
      head, PackPair(HighOf(head) + 1, first), std::memory_order_release,
      std::memory_order_relaxed));
}

uint32_t TimerWheelImpl::TakeNode(uint32_t stripe) {
  BOXOFFICE_DCHECK(stripe < kThreadStripes);
  Stripe& own = stripes_[stripe];
  // Recycled nodes first: their lines are likely cached, and fresh ones
  // stay untouched for as long as possible.
  uint32_t slot = PopFree(own);
  if (slot != kNil) return slot;
  slot = TakeFromBlock(own);
  if (slot != kNil) return slot;
  slot = TakeFreshBlock(own);
  if (slot != kNil) return slot;
  // Every node has been handed out at least once, and this stripe holds
  // none: the free ones sit in other stripes (their threads recycled more
  // than they now use, or died). Bounded: one visit per stripe.
  for (uint32_t i = 1; i < kThreadStripes; ++i) {
    Stripe& other = stripes_[(stripe + i) % kThreadStripes];
    slot = PopFree(other);
    if (slot != kNil) return slot;
    slot = TakeFromBlock(other);
    if (slot != kNil) return slot;
  }
  return kNil;
}

void TimerWheelImpl::PushScheduled(Stripe& stripe, uint32_t slot) {
  Node& n = nodes_[slot];
  uint64_t head = stripe.sched_head.load(std::memory_order_relaxed);
  do {
    LinkRef(n).store(LowOf(head), std::memory_order_relaxed);
    // Release: publishes payload, deadline, home, state and link to the
    // owner's acquire drain in DrainInboxes. The push count rides along.
  } while (!stripe.sched_head.compare_exchange_weak(
      head, PackPair(HighOf(head) + 1, slot), std::memory_order_release,
      std::memory_order_relaxed));
}

TimerHandle TimerWheelImpl::Schedule(uint64_t payload, absl::Time deadline) {
  const uint32_t stripe = ThreadStripe();
  uint32_t slot = TakeNode(stripe);
  if (slot == kNil) {
    // Cancelled timers hold their nodes until an owner drains the cancel
    // inboxes. Rather than fail while some are waiting (a host that never
    // advances the clock would leak capacity), become the owner for one
    // drain, if no PopDue is running (which is reclaiming anyway).
    // Acquire/release: the same hand-off of owner state as in PopDue.
    if (!busy_.exchange(true, std::memory_order_acquire)) {
      DrainInboxes();
      FlushFreeChains();
      busy_.store(false, std::memory_order_release);
      slot = TakeNode(stripe);
    }
    if (slot == kNil) return TimerHandle{};
  }
  BOXOFFICE_DCHECK(slot < capacity_);
  Node& n = nodes_[slot];
  // The node is ours until the inbox push: only stale free-list poppers
  // (reading `link`) and stale cancellers (CAS on `state`, which fails
  // because the word is kFree) can touch it.
  const uint64_t word = StateRef(n).load(std::memory_order_relaxed);
  BOXOFFICE_CHECK(StateOf(word) == kFree);
  const uint32_t generation = GenerationOf(word);
  n.payload = payload;
  // Ceil, so that deadline_us <= now_us (with now floored) implies
  // deadline <= now: a timer never fires early, even by a nanosecond.
  n.deadline_us = CeilMicros(deadline - start_);
  n.home = static_cast<uint8_t>(stripe);
  // Relaxed: the owner reads it after the release push below; a canceller
  // got the handle from us, so it happens after this store.
  StateRef(n).store(PackState(generation, kPending), std::memory_order_relaxed);
  PushScheduled(stripes_[stripe], slot);
  return TimerHandle{slot, generation};
}

bool TimerWheelImpl::Cancel(TimerHandle handle) {
  if (!handle.valid() || handle.slot >= capacity_) return false;
  Node& n = nodes_[handle.slot];
  uint64_t expected = PackState(handle.generation, kPending);
  // The one CAS that decides between cancel and fire (the owner's CAS in
  // FireOrDrop): modification order of the word picks exactly one winner;
  // a handle whose generation moved on (fired, recycled) never matches.
  // Relaxed: the outcome carries no data; the node's hand-off to the owner
  // is ordered by the release push below.
  if (!StateRef(n).compare_exchange_strong(
          expected, PackState(handle.generation, kCancelled),
          std::memory_order_relaxed, std::memory_order_relaxed)) {
    return false;
  }
  // The notice goes to the canceller's stripe, not the scheduler's: only
  // this thread's line is written. The node stays allocated until the owner
  // drains this notice, so it is in some cancel inbox at most once per
  // generation.
  Stripe& own = stripes_[ThreadStripe()];
  uint64_t head = own.cancel_head.load(std::memory_order_relaxed);
  do {
    n.cancel_next = LowOf(head);
    // Release: publishes cancel_next and the kCancelled word to the owner.
  } while (!own.cancel_head.compare_exchange_weak(
      head, PackPair(HighOf(head) + 1, handle.slot), std::memory_order_release,
      std::memory_order_relaxed));
  return true;
}

size_t TimerWheelImpl::pending() const {
  // Successful Schedules minus successful Cancels minus fires, mod 2^32:
  // exact when the callers are quiescent, since the true value is at most
  // capacity_ <= 2^30 < 2^31. Relaxed, like any statistic: mid-flight the
  // stripes are read at different instants, hence the clamp.
  uint32_t sum = 0u - fired_.load(std::memory_order_relaxed);
  for (const Stripe& stripe : stripes_) {
    sum += HighOf(stripe.sched_head.load(std::memory_order_relaxed));
    sum -= HighOf(stripe.cancel_head.load(std::memory_order_relaxed));
  }
  const int32_t n = static_cast<int32_t>(sum);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

// Takes a whole inbox chain, keeping the push count. fetch_or with the low
// half all ones sets the index to kNil in one RMW. Acquire: pairs with the
// producers' release pushes. The relaxed peek skips idle stripes without
// writing their lines; it still sees every push that happened before this
// drain (read-read coherence after the previous owner's drain, which
// busy_ orders before us).
uint32_t TakeInbox(std::atomic<uint64_t>& head) {
  if (LowOf(head.load(std::memory_order_relaxed)) == kNil) return kNil;
  return LowOf(head.fetch_or(kNil, std::memory_order_acquire));
}

void TimerWheelImpl::DrainInboxes() {
  // Every stripe's cancel notices first, then every stripe's schedule
  // notices: a Cancel happens after the Schedule that returned its handle,
  // so a cancel notice taken here has its schedule notice taken below (its
  // push happened before our acquire of the cancel chain), and the pair is
  // resolved in this call rather than the next.
  uint32_t cancelled[kThreadStripes];
  uint32_t scheduled[kThreadStripes];
  for (uint32_t s = 0; s < kThreadStripes; ++s) {
    cancelled[s] = TakeInbox(stripes_[s].cancel_head);
  }
  for (uint32_t s = 0; s < kThreadStripes; ++s) {
    scheduled[s] = TakeInbox(stripes_[s].sched_head);
  }
  // Each node is in at most one schedule chain and one cancel chain, so
  // each kind totals at most capacity_ over all stripes.
  uint32_t walked = 0;
  for (uint32_t s = 0; s < kThreadStripes; ++s) {
    uint32_t slot = scheduled[s];
    while (slot != kNil) {
      BOXOFFICE_CHECK(++walked <= capacity_);
      // Read the link first: placing or recycling the node reuses it.
      const uint32_t next =
          LinkRef(nodes_[slot]).load(std::memory_order_relaxed);
      OnScheduled(slot);
      slot = next;
    }
  }
  walked = 0;
  for (uint32_t s = 0; s < kThreadStripes; ++s) {
    uint32_t slot = cancelled[s];
    while (slot != kNil) {
      BOXOFFICE_CHECK(++walked <= capacity_);
      const uint32_t next = nodes_[slot].cancel_next;
      OnCancelled(slot);
      slot = next;
    }
  }
}

void TimerWheelImpl::OnScheduled(uint32_t slot) {
  Node& n = nodes_[slot];
  BOXOFFICE_CHECK(n.where == Where::kUnowned || n.where == Where::kCancelSeen);
  // Relaxed: visibility comes from the inbox acquire; a cancel racing this
  // load is resolved when its notice arrives.
  const uint64_t word = StateRef(n).load(std::memory_order_relaxed);
  switch (StateOf(word)) {
    case kPending:
      // A drained cancel notice implies the kCancelled word is visible.
      BOXOFFICE_CHECK(n.where == Where::kUnowned);
      Place(slot, n.deadline_us);
      break;
    case kCancelled:
      if (n.where == Where::kCancelSeen) {
        Recycle(slot, word);
      } else {
        n.where = Where::kDetached;
      }
      break;
    default:
      BOXOFFICE_CHECK(false && "scheduled node is free");
  }
}

void TimerWheelImpl::OnCancelled(uint32_t slot) {
  Node& n = nodes_[slot];
  const uint64_t word = StateRef(n).load(std::memory_order_relaxed);
  // Only the owner moves a node out of kCancelled, and it has not yet.
  BOXOFFICE_CHECK(StateOf(word) == kCancelled);
  switch (n.where) {
    case Where::kList:
      ListUnlink(slot);
      Recycle(slot, word);
      break;
    case Where::kHeap:
      HeapRemove(slot);
      Recycle(slot, word);
      break;
    case Where::kReady:
      ReadyRemove(slot);
      Recycle(slot, word);
      break;
    case Where::kDetached:
      Recycle(slot, word);
      break;
    case Where::kUnowned:
      // Its schedule notice is still in the inbox: that drain recycles it.
      n.where = Where::kCancelSeen;
      break;
    default:
      BOXOFFICE_CHECK(false && "cancel notice for a node in a bad place");
  }
}

void TimerWheelImpl::Place(uint32_t slot, int64_t deadline_us) {
  BOXOFFICE_DCHECK(nodes_[slot].deadline_us == deadline_us);
  const Entry entry{deadline_us, slot};
  if (deadline_us < 0 || TickOf(deadline_us) <= cur_) {
    HeapPush(entry);
    return;
  }
  const int64_t t = TickOf(deadline_us);
  const uint64_t diff = static_cast<uint64_t>(t ^ cur_);
  BOXOFFICE_DCHECK(diff != 0);
  if ((diff >> kWheelBits) != 0) {
    ListPush(kOverflowList, entry);
    overflow_min_tick_ = std::min(overflow_min_tick_, t);
    return;
  }
  // The highest differing bit picks the level: above it t and cur_ agree,
  // so t lies in the current span of that level, in a later slot.
  const int level = (std::bit_width(diff) - 1) / kSlotBits;
  const int index = static_cast<int>((t >> (level * kSlotBits)) & (kSlots - 1));
  BOXOFFICE_DCHECK(index > ((cur_ >> (level * kSlotBits)) & (kSlots - 1)));
  ListPush(static_cast<uint16_t>(level * kSlots + index), entry);
}

void TimerWheelImpl::ListPush(uint16_t list, Entry entry) {
  Node& n = nodes_[entry.slot];
  std::vector<Entry>& entries = lists_[list];
  BOXOFFICE_DCHECK(entries.size() < capacity_);
  n.where = Where::kList;
  n.list = list;
  n.pos = static_cast<uint32_t>(entries.size());
  entries.push_back(entry);
  if (list != kOverflowList) {
    bitmap_[list / kSlots][(list % kSlots) / 64] |= uint64_t{1} << (list % 64);
  }
}

void TimerWheelImpl::ListUnlink(uint32_t slot) {
  Node& n = nodes_[slot];
  BOXOFFICE_DCHECK(n.where == Where::kList);
  const uint16_t list = n.list;
  std::vector<Entry>& entries = lists_[list];
  BOXOFFICE_CHECK(n.pos < entries.size() && entries[n.pos].slot == slot);
  // Order within a slot means nothing, so the last entry fills the hole.
  const Entry last = entries.back();
  entries.pop_back();
  if (n.pos < entries.size()) {
    entries[n.pos] = last;
    nodes_[last.slot].pos = n.pos;
  }
  n.where = Where::kUnowned;
  if (entries.empty() && list != kOverflowList) {
    bitmap_[list / kSlots][(list % kSlots) / 64] &=
        ~(uint64_t{1} << (list % 64));
  }
}

void TimerWheelImpl::Cascade(uint16_t list, int64_t now_us) {
  BOXOFFICE_DCHECK(list != kOverflowList);
  // Moved out whole: Place never puts an entry back into the list it came
  // from (it goes to a lower level or the heap), so lists_[list] stays
  // empty while we walk.
  std::vector<Entry> taken = std::move(lists_[list]);
  lists_[list].clear();
  bitmap_[list / kSlots][(list % kSlots) / 64] &= ~(uint64_t{1} << (list % 64));
  const size_t n = taken.size();
  BOXOFFICE_CHECK(n <= capacity_);
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchDistance < n) {
      __builtin_prefetch(&nodes_[taken[i + kPrefetchDistance].slot], 1);
    }
    nodes_[taken[i].slot].where = Where::kUnowned;
    if (taken[i].deadline_us <= now_us) {
      ReadyPush(taken[i]);
    } else {
      Place(taken[i].slot, taken[i].deadline_us);
    }
  }
  BOXOFFICE_DCHECK(lists_[list].empty());
  if (taken.capacity() <= kKeepCapacity) {
    taken.clear();
    lists_[list] = std::move(taken);
  }
}

void TimerWheelImpl::ReadyPush(Entry entry) {
  BOXOFFICE_DCHECK(ready_.size() < capacity_);
  Node& n = nodes_[entry.slot];
  n.where = Where::kReady;
  n.pos = static_cast<uint32_t>(ready_.size());
  ready_.push_back(entry);
}

void TimerWheelImpl::ReadyRemove(uint32_t slot) {
  Node& n = nodes_[slot];
  BOXOFFICE_DCHECK(n.where == Where::kReady);
  BOXOFFICE_CHECK(n.pos < ready_.size() && ready_[n.pos].slot == slot);
  const Entry last = ready_.back();
  ready_.pop_back();
  if (n.pos < ready_.size()) {
    ready_[n.pos] = last;
    nodes_[last.slot].pos = n.pos;
  }
  n.where = Where::kUnowned;
  if (ready_.empty() && ready_.capacity() > kKeepCapacity) {
    std::vector<Entry>().swap(ready_);  // memory follows the live load
  }
}

void TimerWheelImpl::HeapSet(size_t pos, Entry entry) {
  heap_[pos] = entry;
  nodes_[entry.slot].pos = static_cast<uint32_t>(pos);
}

void TimerWheelImpl::SiftUp(size_t pos) {
  // Each step halves pos: at most log2(capacity_) iterations.
  while (pos > 0) {
    const size_t parent = (pos - 1) / 2;
    if (!HeapLess(pos, parent)) break;
    const Entry up = heap_[pos];
    HeapSet(pos, heap_[parent]);
    HeapSet(parent, up);
    pos = parent;
  }
}

void TimerWheelImpl::SiftDown(size_t pos) {
  // Each step doubles pos: at most log2(capacity_) iterations.
  const size_t size = heap_.size();
  while (true) {
    size_t least = pos;
    const size_t left = 2 * pos + 1;
    if (left < size && HeapLess(left, least)) least = left;
    if (left + 1 < size && HeapLess(left + 1, least)) least = left + 1;
    if (least == pos) break;
    const Entry down = heap_[pos];
    HeapSet(pos, heap_[least]);
    HeapSet(least, down);
    pos = least;
  }
}

void TimerWheelImpl::HeapPush(Entry entry) {
  BOXOFFICE_DCHECK(heap_.size() < capacity_);
  nodes_[entry.slot].where = Where::kHeap;
  heap_.push_back(entry);
  HeapSet(heap_.size() - 1, entry);
  SiftUp(heap_.size() - 1);
}

void TimerWheelImpl::HeapRemove(uint32_t slot) {
  Node& n = nodes_[slot];
  BOXOFFICE_DCHECK(n.where == Where::kHeap);
  const size_t pos = n.pos;
  BOXOFFICE_CHECK(pos < heap_.size() && heap_[pos].slot == slot);
  const Entry last = heap_.back();
  heap_.pop_back();
  if (pos < heap_.size()) {
    HeapSet(pos, last);
    SiftDown(pos);
    SiftUp(nodes_[last.slot].pos);
  }
  n.where = Where::kUnowned;
  if (heap_.empty() && heap_.capacity() > kKeepCapacity) {
    std::vector<Entry>().swap(heap_);  // memory follows the live load
  }
}

int TimerWheelImpl::FindNextSet(int level, int from) const {
  for (int word = from / 64; word < kBitmapWords; ++word) {
    uint64_t bits = bitmap_[level][word];
    if (word == from / 64) bits &= ~uint64_t{0} << (from % 64);
    if (bits != 0) return word * 64 + std::countr_zero(bits);
  }
  return kSlots;
}

int64_t TimerWheelImpl::NextEventTick() const {
  // By the placement invariant, level L holds only slots after cur_'s index
  // at L, and everything at level L is later than everything below it; so
  // the first level with a set bit after cur_'s index has the next event.
  for (int level = 0; level < kLevels; ++level) {
    const int shift = level * kSlotBits;
    const int index = static_cast<int>((cur_ >> shift) & (kSlots - 1));
    if (index + 1 >= kSlots) continue;
    const int next = FindNextSet(level, index + 1);
    if (next < kSlots) {
      const int64_t span_start = (cur_ >> (shift + kSlotBits))
                                 << (shift + kSlotBits);
      return span_start | (int64_t{next} << shift);
    }
  }
  if (lists_[kOverflowList].empty()) {
    return std::numeric_limits<int64_t>::max();
  }
  // The wheel is empty: the top level wraps at the next 2^32-tick epoch, or
  // jump straight to the epoch of the earliest overflow node.
  const int64_t next_epoch = ((cur_ >> kWheelBits) + 1) << kWheelBits;
  const int64_t min_epoch = (overflow_min_tick_ >> kWheelBits) << kWheelBits;
  return std::max(next_epoch, min_epoch);
}

void TimerWheelImpl::AdvanceTo(int64_t tick, int64_t now_us) {
  BOXOFFICE_DCHECK(tick > cur_);
  BOXOFFICE_DCHECK(heap_.empty());
  BOXOFFICE_DCHECK(ready_.empty());
  const bool new_epoch = (tick >> kWheelBits) != (cur_ >> kWheelBits);
  cur_ = tick;
  if (new_epoch) {
    // Levels 0-3 are empty (NextEventTick found nothing in them). Re-place
    // the overflow nodes of this epoch; the rest stay, with a fresh bound.
    overflow_min_tick_ = std::numeric_limits<int64_t>::max();
    std::vector<Entry> overflow = std::move(lists_[kOverflowList]);
    lists_[kOverflowList].clear();
    BOXOFFICE_CHECK(overflow.size() <= capacity_);
    for (const Entry& entry : overflow) {
      // Re-placing relative to the new cur_ puts this epoch's nodes into
      // the levels and the others back into the overflow list.
      nodes_[entry.slot].where = Where::kUnowned;
      if (entry.deadline_us <= now_us) {
        ReadyPush(entry);
      } else {
        Place(entry.slot, entry.deadline_us);
      }
    }
    return;
  }
  // Cascade the highest level whose slot starts exactly at `tick`: below it
  // the levels are empty (their slots after cur_ held nothing), so one
  // slot moves, into lower levels or the heap.
  for (int level = kLevels - 1; level >= 0; --level) {
    const int shift = level * kSlotBits;
    if (level > 0 && (tick & ((int64_t{1} << shift) - 1)) != 0) continue;
    const int index = static_cast<int>((tick >> shift) & (kSlots - 1));
    const uint16_t list = static_cast<uint16_t>(level * kSlots + index);
    if (lists_[list].empty()) continue;
    Cascade(list, now_us);
    return;
  }
  BOXOFFICE_CHECK(false && "AdvanceTo a tick with no event");
}

bool TimerWheelImpl::FireOrDrop(uint32_t slot, uint64_t* payload) {
  Node& n = nodes_[slot];
  BOXOFFICE_DCHECK(n.where == Where::kUnowned);
  uint64_t word = StateRef(n).load(std::memory_order_relaxed);
  if (StateOf(word) == kPending) {
    const uint32_t generation = GenerationOf(word);
    // Decides fire against a racing Cancel (see Cancel). Going straight to
    // {generation + 1, kFree} also retires every handle to this timer.
    // Relaxed: the payload is owner-read data; the node reaches other
    // threads only through PushFree's release CAS.
    if (StateRef(n).compare_exchange_strong(
            word, PackState(generation + 1, kFree), std::memory_order_relaxed,
            std::memory_order_relaxed)) {
      *payload = n.payload;
      Recycle(slot, PackState(generation + 1, kFree));
      return true;
    }
  }
  // Cancelled after it was placed, its notice not yet drained: that drain
  // recycles it.
  BOXOFFICE_CHECK(StateOf(word) == kCancelled);
  n.where = Where::kDetached;
  return false;
}

void TimerWheelImpl::Recycle(uint32_t slot, uint64_t state_word) {
  Node& n = nodes_[slot];
  if (StateOf(state_word) == kCancelled) {
    // No thread writes a cancelled word but the owner; stale handles (this
    // generation) fail their CAS against the new generation.
    StateRef(n).store(PackState(GenerationOf(state_word) + 1, kFree),
                      std::memory_order_relaxed);
  } else {
    BOXOFFICE_DCHECK(StateOf(state_word) == kFree);
  }
  n.where = Where::kUnowned;
  const uint32_t home = n.home;
  BOXOFFICE_CHECK(home < kThreadStripes);
  LinkRef(n).store(free_chain_first_[home], std::memory_order_relaxed);
  if (free_chain_first_[home] == kNil) free_chain_last_[home] = slot;
  free_chain_first_[home] = slot;
}

void TimerWheelImpl::FlushFreeChains() {
  // One CAS per stripe that got nodes back in this call.
  for (uint32_t s = 0; s < kThreadStripes; ++s) {
    if (free_chain_first_[s] == kNil) continue;
    PushFree(stripes_[s], free_chain_first_[s], free_chain_last_[s]);
    free_chain_first_[s] = kNil;
    free_chain_last_[s] = kNil;
  }
}

size_t TimerWheelImpl::PopDue(absl::Time now, size_t max,
                              std::vector<uint64_t>* due) {
  BOXOFFICE_DCHECK(due != nullptr);
  // Acquire: see the previous owner's writes (released below).
  if (busy_.exchange(true, std::memory_order_acquire)) return 0;
  // Floor, the mirror of Schedule's ceil.
  const int64_t now_us = ClampMicros(absl::ToInt64Microseconds(
      absl::Floor(now - start_, absl::Microseconds(1))));
  const int64_t now_tick = now_us < 0 ? -1 : TickOf(now_us);
  DrainInboxes();
  size_t out = 0;
  // Each iteration either fires/drops a heap node or moves cur_ forward to
  // an event; both are bounded (nodes by capacity_, events by the ticks up
  // to now_tick, skipping empty stretches through the bitmaps).
  bool full = false;
  auto fire = [&](uint32_t slot) {
    uint64_t payload = 0;
    if (FireOrDrop(slot, &payload)) {
      due->push_back(payload);
      ++out;
    }
  };
  while (!full) {
    while (!ready_.empty()) {
      if (out == max) {
        full = true;
        break;
      }
      if (ready_.size() > kPrefetchDistance) {
        // Ready entries are contiguous, their nodes are not: fetch ahead.
        __builtin_prefetch(
            &nodes_[ready_[ready_.size() - 1 - kPrefetchDistance].slot], 1);
      }
      const Entry entry = ready_.back();
      ReadyRemove(entry.slot);
      if (entry.deadline_us <= now_us) {
        fire(entry.slot);
      } else {
        // Due at an earlier call's now, but this caller's now is earlier
        // still (time went back): not due for it, so back into the wheel.
        Place(entry.slot, entry.deadline_us);
      }
    }
    while (!full && !heap_.empty() && heap_.front().deadline_us <= now_us) {
      if (out == max) {
        full = true;
        break;
      }
      const uint32_t slot = heap_.front().slot;
      HeapRemove(slot);
      fire(slot);
    }
    if (full || cur_ >= now_tick) break;
    // Every heap node has tick <= cur_ < now_tick, so it was due and gone.
    BOXOFFICE_CHECK(heap_.empty());
    BOXOFFICE_CHECK(ready_.empty());
    const int64_t next = NextEventTick();
    if (next > now_tick) {
      // Nothing is placed in (cur_, now_tick], so moving cur_ there keeps
      // every node's placement valid (same spans, later slots).
      cur_ = now_tick;
      break;
    }
    AdvanceTo(next, now_us);
  }
  FlushFreeChains();
  BOXOFFICE_DCHECK(out <= max);
  // out counts exactly the fires of this call (FireOrDrop returned true).
  fired_.store(
      fired_.load(std::memory_order_relaxed) + static_cast<uint32_t>(out),
      std::memory_order_relaxed);
  busy_.store(false, std::memory_order_release);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TimerWheel>> TimerWheel::Create(
    const TimerWheelOptions& options) {
  if (options.start == absl::InfiniteFuture() ||
      options.start == absl::InfinitePast()) {
    return absl::InvalidArgumentError("TimerWheelOptions.start must be finite");
  }
  if (options.tick < absl::Microseconds(1) ||
      options.tick == absl::InfiniteDuration() ||
      absl::Trunc(options.tick, absl::Microseconds(1)) != options.tick) {
    return absl::InvalidArgumentError(
        "TimerWheelOptions.tick must be a positive whole number of "
        "microseconds");
  }
  if (options.max_timers == 0 || options.max_timers > kMaxTimersLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TimerWheelOptions.max_timers must be in [1, ", kMaxTimersLimit, "]"));
  }
  // calloc: zero is a valid free node, and the pages of nodes never used
  // stay untouched.
  void* nodes = std::calloc(options.max_timers, sizeof(Node));
  if (nodes == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", options.max_timers, " timers"));
  }
  // Written from user space, not only mapped: on this VM kind a page the
  // kernel mapped still costs ~6 us at its first user access (the
  // hypervisor fills its shadow page table), a demand fault ~12 us. One
  // zero store per 4 KiB is enough; nodes are zero already.
  const size_t prepared = std::min(options.prepared_timers, options.max_timers);
  volatile unsigned char* bytes = static_cast<unsigned char*>(nodes);
  for (size_t b = 0; b < prepared * sizeof(Node); b += kPageBytes) {
    bytes[b] = 0;
  }
  return std::unique_ptr<TimerWheel>(
      new TimerWheelImpl(options, static_cast<Node*>(nodes)));
}

}  // namespace boxoffice::internal
