#include "engine/core/lockfree_inventory.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>
#include <vector>

#include "boxoffice/limits.h"
#include "engine/common/assert.h"
#include "engine/core/pool_common.h"

namespace boxoffice::internal {

using core::Backoff;
using core::kHolderMask;
using core::kNoTicket;
using core::kSoldBit;
using core::kTentativeBit;

namespace {

// The admission word packs three counters of a set so that one CAS both
// checks and reserves, and one load is a consistent snapshot:
//   bits  0..24  A: available units (vacant tickets nobody has reserved);
//   bits 25..49  H: held units (reserved, including reservations whose bits
//                   are still being taken and tentative holds); sold tickets
//                   are size - A - H;
//   bits 50..63  T: tentative registrations: claims that hold units they may
//                   still give back (at most one per claimer per set).
// 25 bits hold any count up to limits::kMaxTicketsPerSet (2^24) inclusive.
constexpr int kHShift = 25;
constexpr int kTShift = 50;
constexpr uint64_t kFieldMask = (uint64_t{1} << kHShift) - 1;
constexpr uint64_t kAUnit = 1;
constexpr uint64_t kHUnit = uint64_t{1} << kHShift;
constexpr uint64_t kTUnit = uint64_t{1} << kTShift;
constexpr uint64_t kTMax = (uint64_t{1} << (64 - kTShift)) - 1;
static_assert(boxoffice::limits::kMaxTicketsPerSet <= kFieldMask);

uint32_t FieldA(uint64_t w) { return static_cast<uint32_t>(w & kFieldMask); }
uint32_t FieldH(uint64_t w) {
  return static_cast<uint32_t>((w >> kHShift) & kFieldMask);
}
uint32_t FieldT(uint64_t w) { return static_cast<uint32_t>(w >> kTShift); }

// The lowest `k` set bits of `w` (all of them if fewer), and their number.
// Fast path: when the lowest run of consecutive set bits holds all k (the
// usual case: claims take bits from the bottom, releases put them back
// together), the mask is O(1). Otherwise one bit at a time. Bit tricks
// rather than std::popcount: without -mpopcnt that is a libgcc call, which
// profiled at ~9% of a batch claim.
uint64_t LowestBits(uint64_t w, uint32_t k, uint32_t& taken) {
  if (w == 0 || k == 0) {
    taken = 0;
    return 0;
  }
  const uint64_t low = w & (~w + 1);
  if (k < 64) {
    // run: the lowest run of ones (adding `low` carries through it).
    const uint64_t run = w & ~(w + low);
    // Bits b .. b+k-1 where b is the lowest set bit; exists iff bit b+k-1
    // does (b + k <= 64; for b + k == 64 the shift wraps to 0 and the
    // subtraction still yields bits b .. 63).
    const uint64_t first_k = (low << k) - low;
    if ((low << (k - 1)) != 0 && (first_k & ~run) == 0) {
      taken = k;
      return first_k;
    }
  }
  uint64_t mask = 0;
  taken = 0;
  while (w != 0 && taken < k) {
    const uint64_t bit = w & (~w + 1);
    mask |= bit;
    w ^= bit;
    ++taken;
  }
  return mask;
}

}  // namespace

// One set's pool. The read-only description and the hot admission word sit
// on different cache lines so that readers of `first`/`size` do not miss
// every time a claimer writes the admission word.
struct alignas(64) LockFreeInventory::SetPool {
  SetPool(SetIndex set_index, TicketIndex first_ticket, uint32_t ticket_count)
      : set(set_index),
        first(first_ticket),
        size(ticket_count),
        words((ticket_count + 63) / 64),
        summary_words((words + 63) / 64),
        vacant(NewCacheLineArray<std::atomic<uint64_t>>(words)),
        summary(NewCacheLineArray<std::atomic<uint64_t>>(summary_words)),
        state(NewCacheLineArray<std::atomic<uint32_t>>(ticket_count)) {
    for (uint32_t w = 0; w < words; ++w) {
      const uint32_t bits = std::min<uint32_t>(64, size - w * 64);
      vacant[w].store(bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1,
                      std::memory_order_relaxed);
    }
    // Every word starts non-empty, so every summary bit of an existing word
    // starts set; bits beyond `words` stay clear forever.
    for (uint32_t s = 0; s < summary_words; ++s) {
      const uint32_t bits = std::min<uint32_t>(64, words - s * 64);
      summary[s].store(bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1,
                       std::memory_order_relaxed);
    }
    admission.store(size * kAUnit, std::memory_order_relaxed);
  }

  bool Contains(TicketIndex t) const { return t >= first && t - first < size; }

  // The summary protocol. Invariant (S): at every quiescent point, every
  // non-zero vacant word has its summary bit set. A set bit over an empty
  // word is only a stale hint (it costs a look, never correctness). (S) is
  // kept by two rules, a Dekker-style pair:
  //   R (MarkNonEmpty): whoever turns a word from zero to non-zero (R1, the
  //     fetch_or on the word) then makes sure the summary bit is set (R2);
  //   C (LockFreeInventory::NoteEmpty): whoever clears a summary bit (C1) then
  //   re-reads the
  //     word (C2) and sets the bit back if the word is non-zero.
  // Take the last clear C1 of a bit. If its re-read C2 saw the word
  // non-zero, C sets the bit after it. Otherwise C2 read a value older than
  // any later R1; with R1, C1, C2 and R2 all seq_cst, C2 reading the older
  // value puts C2 before R1 in the single total order S, so C1 < C2 < R1 <
  // R2 in S and R2's set lands after the last clear. Either way a non-zero
  // word ends with its bit set. Weaker orders break this: with C2 acquire
  // only, C2 could read the old zero even though R2 preceded C1 (the
  // store->load reordering Dekker needs excluded). On x86 every RMW is a
  // locked instruction and a seq_cst load is a plain load, so this costs
  // nothing there.
  //
  // Called after the fetch_or on `word` returned `before` == 0.
  void MarkNonEmpty(uint32_t word) {
    const uint64_t bit = uint64_t{1} << (word % 64);
    std::atomic<uint64_t>& s = summary[word / 64];
    // Skipping the RMW when the bit reads set is safe: seq_cst makes this
    // load precede, in S, every clear that comes later in the bit's
    // modification order, and each such clear's re-read then follows our R1
    // and sees the word non-zero (or emptied again by a claimer).
    if ((s.load(std::memory_order_seq_cst) & bit) != 0) return;
    s.fetch_or(bit, std::memory_order_seq_cst);
  }

  const SetIndex set;
  const TicketIndex first;
  const uint32_t size;
  const uint32_t words;
  const uint32_t summary_words;
  // Bit i of word w is set iff ticket first + 64w + i is vacant and not
  // taken by any claimer. Invariant (I): the number of set bits is at least
  // A plus the units reserved but not yet matched with a bit, so a claimer
  // holding reserved units always finds bits for them.
  const CacheLineArray<std::atomic<uint64_t>> vacant;
  // Bit j of summary word s hints that vacant word 64s + j may be non-empty:
  // one bit per 64 tickets, so a claim in a nearly sold-out set finds a
  // non-empty word in O(words / 64) loads instead of O(words). See (S)
  // above; correctness never depends on it beyond finding bits eventually.
  const CacheLineArray<std::atomic<uint64_t>> summary;
  // Per ticket: 0, or holder | kSoldBit, or holder | kTentativeBit, or
  // holder (reserved). Written only by whoever cleared the ticket's bit (a
  // claimer) or by the holder (release, sell).
  const CacheLineArray<std::atomic<uint32_t>> state;
  alignas(64) std::atomic<uint64_t> admission{0};
};

LockFreeInventory::LockFreeInventory(ClaimPolicy policy)
    : policy_(policy),
      owner_id_(core::NewOwnerId()),
      directory_(NewCacheLineArray<std::atomic<Chunk*>>(
          boxoffice::limits::kMaxSets / kChunkSize)) {}

LockFreeInventory::~LockFreeInventory() {
  const uint32_t n = set_count_.load(std::memory_order_acquire);
  for (uint32_t hi = 0; hi * kChunkSize < n; ++hi) {
    Chunk* chunk = directory_[hi].load(std::memory_order_acquire);
    for (uint32_t lo = 0; lo < kChunkSize && hi * kChunkSize + lo < n; ++lo) {
      delete (*chunk)[lo].load(std::memory_order_acquire);
    }
    delete chunk;
  }
}

absl::Status LockFreeInventory::AddSet(SetIndex set, TicketIndex first,
                                       uint32_t size) {
  // AddSet calls are serialized by the caller, so this relaxed read sees the
  // value the previous AddSet stored.
  const uint32_t count = set_count_.load(std::memory_order_relaxed);
  if (absl::Status s = core::ValidateAddSet(count, set, first, size); !s.ok()) {
    return s;
  }
  const uint32_t hi = set >> kChunkBits;
  Chunk* chunk = directory_[hi].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new Chunk();
    for (auto& slot : *chunk) slot.store(nullptr, std::memory_order_relaxed);
    // Release: the chunk's initialized slots happen-before any reader that
    // acquires the pointer (readers get here only via set_count_ anyway).
    directory_[hi].store(chunk, std::memory_order_release);
  }
  auto* pool = new SetPool(set, first, size);
  (*chunk)[set & (kChunkSize - 1)].store(pool, std::memory_order_release);
  // Release: publishes the fully built pool (and its chunk) to every reader
  // that acquires set_count_ and sees set < count; no reader looks at a set
  // at or beyond the count it read.
  set_count_.store(count + 1, std::memory_order_release);
  BOXOFFICE_DCHECK(pool->admission.load(std::memory_order_relaxed) == size);
  return absl::OkStatus();
}

LockFreeInventory::SetPool* LockFreeInventory::pool(SetIndex set) const {
  // Acquire pairs with AddSet's release store: seeing count > set makes the
  // pool's construction visible, so the pointer loads below may be relaxed.
  if (set >= set_count_.load(std::memory_order_acquire)) return nullptr;
  Chunk* chunk = directory_[set >> kChunkBits].load(std::memory_order_relaxed);
  SetPool* p = (*chunk)[set & (kChunkSize - 1)].load(std::memory_order_relaxed);
  BOXOFFICE_DCHECK(p != nullptr);
  BOXOFFICE_DCHECK(p->set == set);
  return p;
}

uint32_t LockFreeInventory::Reserve(SetPool& p, uint32_t need, bool exact,
                                    bool tentative) {
  BOXOFFICE_DCHECK(need > 0);
  Backoff backoff(kWaitBudget);
  bool gave_up = false;
  // Relaxed: only a first guess for the CAS, which re-reads on failure.
  uint64_t w = p.admission.load(std::memory_order_relaxed);
  for (;;) {
    const uint32_t a = FieldA(w);
    const uint32_t t = FieldT(w);
    const bool short_of_units = a < need;
    const bool registry_full = tentative && t == kTMax;
    // Units short while some claimer holds units it may give back: the
    // shortage may be transient, so wait for it to resolve rather than
    // report a false sold-out. With t == 0 in this same snapshot, nobody can
    // give units back and the shortage is real at this instant.
    if (!gave_up && ((short_of_units && t > 0) || registry_full)) {
      if (backoff.Step()) {
        w = p.admission.load(std::memory_order_relaxed);
        continue;
      }
      gave_up = true;
      giveups_.fetch_add(1, std::memory_order_relaxed);
    }
    if (registry_full) return 0;
    const uint32_t take = short_of_units ? (exact ? 0 : a) : need;
    if (take == 0) return 0;
    const uint64_t desired =
        w - take * kAUnit + take * kHUnit + (tentative ? kTUnit : 0);
    // Acquire on success pairs with the release of every update that put
    // units into A (releases, give-backs): each set its bits before, so the
    // bits backing our units are visible to the scan that follows
    // (invariant I). Release is not needed by anyone reading our
    // reservation, but acq_rel costs nothing more on a locked CAS.
    if (p.admission.compare_exchange_weak(w, desired, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
      BOXOFFICE_DCHECK(FieldA(desired) + FieldH(desired) <= p.size);
      return take;
    }
  }
}

// Inlined into TakeBits' three call sites so that k and out stay in
// registers (out of line it cost ~3 ns per claim in the 1-ticket benchmark).
[[gnu::always_inline]] inline void LockFreeInventory::TakeFromWord(
    SetPool& p, uint32_t word, uint32_t& k, uint32_t state, TicketRef*& out) {
  BOXOFFICE_DCHECK(word < p.words);
  BOXOFFICE_DCHECK(k > 0);
  // Relaxed: a stale zero only makes us move on (and NoteEmpty re-reads
  // before trusting it); the CAS below decides.
  uint64_t w = p.vacant[word].load(std::memory_order_relaxed);
  while (w != 0 && k > 0) {
    uint32_t taken = 0;
    const uint64_t mask = LowestBits(w, k, taken);
    // Acquire pairs with the fetch_or of the releaser who set these bits:
    // its store of 0 into the ticket's state word happens before ours
    // below, so ours is the later value. seq_cst is not needed here: the
    // summary argument involves only the clear/re-read and the 0 -> non-zero
    // fetch_or (see SetPool).
    if (p.vacant[word].compare_exchange_weak(w, w & ~mask,
                                             std::memory_order_acq_rel,
                                             std::memory_order_relaxed)) {
      uint64_t m = mask;
      while (m != 0) {
        const uint32_t bit = static_cast<uint32_t>(std::countr_zero(m));
        m &= m - 1;
        const uint32_t i = word * 64 + bit;
        BOXOFFICE_DCHECK(i < p.size);
        // A ticket whose bit we just cleared has no owner: anything else
        // is corruption (a ticket about to be held twice).
        BOXOFFICE_CHECK(p.state[i].load(std::memory_order_relaxed) == 0);
        // Release: a holder that later releases or sells (possibly from
        // another thread, synchronized by the order layer) sees it.
        p.state[i].store(state, std::memory_order_release);
        *out++ = TicketRef{p.set, p.first + i};
      }
      k -= taken;
      w &= ~mask;
    }
  }
  // We emptied the word or found it empty: drop its hint, so that claimers
  // in a nearly sold-out set stop visiting it (NoteEmpty re-checks).
  if (w == 0) NoteEmpty(p, word);
}

namespace {

// Per thread, the word of a set where the thread last took bits, in a small
// direct-mapped cache keyed by (inventory, set). A thread's next random claim
// in that set starts there: consecutive orders of one thread then take
// neighbouring tickets, whose bitmap word, state words and catalog records
// are already in its cache (with a random word per claim, each order paid
// three or four misses to memory in a large set), while different threads,
// whose cursors started at independent random words, still stay apart.
// A hint only: any start word is correct.
struct ClaimCursor {
  uint64_t owner = 0;  // LockFreeInventory::owner_id_; 0: empty
  uint32_t set = 0;
  uint32_t word = 0;
};
constexpr uint32_t kClaimCursors = 64;
constinit thread_local ClaimCursor claim_cursors[kClaimCursors];

}  // namespace

void LockFreeInventory::TakeBits(SetPool& p, uint32_t k, uint32_t state,
                                 TicketRef* out) {
  if (k == 0) return;
  BOXOFFICE_DCHECK(p.words > 0);
  BOXOFFICE_DCHECK(p.summary_words > 0);
  ClaimCursor& cursor = claim_cursors[p.set % kClaimCursors];
  const TicketRef* const first_out = out;
  // Records the word of the last ticket taken as this thread's cursor.
  const auto remember = [&] {
    if (out == first_out) return;
    cursor = ClaimCursor{owner_id_, p.set, (out[-1].ticket - p.first) / 64};
  };
  const bool cursor_valid = !policy_.lowest_first &&
                            cursor.owner == owner_id_ && cursor.set == p.set &&
                            cursor.word < p.words;
  if (cursor_valid) {
    // Fast path: the thread's own word, as long as it has bits.
    TakeFromWord(p, cursor.word, k, state, out);
    if (k == 0) {
      remember();
      return;
    }
  }
  // Multiply-shift maps 32 random bits onto [0, words) without a 64-bit
  // division (tens of cycles; it showed in the single-claim profile). The
  // random start word spreads concurrent claimers over the set, so that two
  // of them rarely fight over one word (or one summary word's bits); a
  // thread whose word ran out jumps to a random one rather than walking
  // on into the words of the thread ahead of it.
  const uint32_t start =
      policy_.lowest_first
          ? 0
          : static_cast<uint32_t>(
                ((core::NextRandom(policy_.seed, owner_id_) >> 32) * p.words) >>
                32);
  BOXOFFICE_DCHECK(start < p.words);
  // While the set is far from sold out the start word itself almost always
  // has bits, and trying it first costs what the claim cost before the
  // summary existed (one load, one CAS). In a nearly sold-out set it is one
  // wasted load of a word the summary pass would skip.
  TakeFromWord(p, start, k, state, out);
  if (k == 0) {
    remember();
    return;
  }
  const uint32_t start_s = start / 64;
  const uint64_t from_start = ~uint64_t{0} << (start % 64);
  // Invariant I guarantees k set bits exist at every moment. A round is one
  // summary pass (every summary bit once, from `start` round to just before
  // it) and, when that comes up short, one linear pass over every word as
  // before the summary existed. The summary pass misses bits only while
  // some thread is inside the summary protocol's windows (between a word's
  // 0 -> non-zero fetch_or and its summary set, or between a clear and its
  // re-read), so the linear pass keeps the old argument: a full pass that
  // finds fewer than k bits means other claimers took bits meanwhile (and
  // releasers put others back behind the scan), i.e. system-wide progress
  // (lock-freedom). The bound only catches a broken invariant.
  const uint64_t max_rounds = 1'000'000;
  uint64_t rounds = 0;
  while (k > 0) {
    BOXOFFICE_CHECK(++rounds <= max_rounds);
    // Summary pass: summary words start_s, ..., start_s again (its bits
    // below `start`), so every word is considered exactly once.
    for (uint32_t step = 0; step <= p.summary_words && k > 0; ++step) {
      uint32_t s = start_s + step;
      if (s >= p.summary_words) s -= p.summary_words;
      // Relaxed: the summary is a hint; a stale bit costs one look, a
      // missed one is caught by the linear pass.
      uint64_t m = p.summary[s].load(std::memory_order_relaxed);
      if (step == 0) m &= from_start;
      if (step == p.summary_words) m &= ~from_start;
      while (m != 0 && k > 0) {
        const uint32_t word =
            s * 64 + static_cast<uint32_t>(std::countr_zero(m));
        m &= m - 1;
        BOXOFFICE_DCHECK(word < p.words);
        TakeFromWord(p, word, k, state, out);
      }
    }
    if (k == 0) break;
    // Linear pass (rare: only when the summary pass raced the protocol).
    // Statistics only; relaxed.
    linear_passes_.fetch_add(1, std::memory_order_relaxed);
    uint32_t word = start;
    for (uint32_t visit = 0; visit < p.words && k > 0; ++visit) {
      TakeFromWord(p, word, k, state, out);
      word = word + 1 == p.words ? 0 : word + 1;
    }
  }
  remember();
}

void LockFreeInventory::NoteEmpty(SetPool& p, uint32_t word) {
  BOXOFFICE_DCHECK(word < p.words);
  const uint64_t bit = uint64_t{1} << (word % 64);
  std::atomic<uint64_t>& s = p.summary[word / 64];
  // Not clearing is always safe for (S) (only clears can break it), so a
  // bit already clear needs no locked RMW. Relaxed: a hint.
  if ((s.load(std::memory_order_relaxed) & bit) == 0) return;
  Hook(HookPoint::kBeforeSummaryClear, p.set);
  s.fetch_and(~bit, std::memory_order_seq_cst);  // C1
  Hook(HookPoint::kAfterSummaryClear, p.set);
  if (p.vacant[word].load(std::memory_order_seq_cst) != 0) {  // C2
    s.fetch_or(bit, std::memory_order_seq_cst);
  }
}

bool LockFreeInventory::TakeSpecific(SetPool& p, TicketIndex ticket) {
  const uint32_t i = ticket - p.first;
  const uint64_t bit = uint64_t{1} << (i % 64);
  Backoff backoff(kWaitBudget);
  for (;;) {
    // Acquire: as in TakeBits (pairs with a releaser's fetch_or).
    const uint64_t before =
        p.vacant[i / 64].fetch_and(~bit, std::memory_order_acq_rel);
    if ((before & bit) != 0) {
      BOXOFFICE_CHECK(p.state[i].load(std::memory_order_relaxed) == 0);
      // We emptied the word: drop its summary hint (a stale one would only
      // cost random claimers a look, but seat-by-seat sales empty words).
      if (before == bit) NoteEmpty(p, i / 64);
      return true;
    }
    // The bit was clear. Acquire pairs with the claimer's release store.
    const uint32_t s = p.state[i].load(std::memory_order_acquire);
    // Reserved or sold for good: a real failure.
    if (s != 0 && (s & kTentativeBit) == 0) return false;
    // 0: a claimer between clearing the bit and writing the state, or a
    // releaser between the two; tentative: a batch that may give it back.
    // Either resolves soon; waiting avoids a false "taken".
    if (!backoff.Step()) {
      giveups_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
}

void LockFreeInventory::UntakeTicket(SetPool& p, TicketIndex ticket) {
  const uint32_t i = ticket - p.first;
  BOXOFFICE_DCHECK((p.vacant[i / 64].load(std::memory_order_relaxed) &
                    (uint64_t{1} << (i % 64))) == 0);
  BOXOFFICE_DCHECK(p.state[i].load(std::memory_order_relaxed) != 0);
  p.state[i].store(0, std::memory_order_relaxed);
  // Release (part of seq_cst): orders the state store above before the bit;
  // the next claimer acquires the bit and so writes the state after us.
  // seq_cst: this is R1 of the summary protocol (see SetPool).
  const uint64_t before = p.vacant[i / 64].fetch_or(uint64_t{1} << (i % 64),
                                                    std::memory_order_seq_cst);
  if (before == 0) p.MarkNonEmpty(i / 64);
}

uint32_t LockFreeInventory::ClaimRandom(SetIndex set, uint32_t n,
                                        HolderId holder, bool all_or_nothing,
                                        std::span<TicketRef> out) {
  BOXOFFICE_DCHECK(holder != kNoHolder);
  BOXOFFICE_DCHECK(holder <= kMaxHolder);
  BOXOFFICE_CHECK(out.size() >= n);
  SetPool* p = pool(set);
  BOXOFFICE_DCHECK(p != nullptr);
  if (p == nullptr || n == 0) return 0;
  // A plain random claim never gives units back, so it needs no tentative
  // registration: once reserved, its units are its own.
  const uint32_t got = Reserve(*p, n, all_or_nothing, /*tentative=*/false);
  if (got == 0) return 0;
  Hook(HookPoint::kAfterReserve, set);
  TakeBits(*p, got, holder, out.data());
  BOXOFFICE_DCHECK(!all_or_nothing || got == n);
  return got;
}

bool LockFreeInventory::ClaimTicket(TicketRef ticket, HolderId holder) {
  BOXOFFICE_DCHECK(holder != kNoHolder);
  BOXOFFICE_DCHECK(holder <= kMaxHolder);
  SetPool* p = pool(ticket.set);
  BOXOFFICE_DCHECK(p != nullptr && p->Contains(ticket.ticket));
  if (p == nullptr || !p->Contains(ticket.ticket)) return false;
  const uint32_t i = ticket.ticket - p->first;
  // Fast fail without touching the contended admission word: a committed
  // holder or a sale is final at this instant, so failing is linearizable.
  const uint32_t s = p->state[i].load(std::memory_order_acquire);
  if (s != 0 && (s & kTentativeBit) == 0) return false;
  // The unit is reserved tentatively: it goes back if the bit turns out to
  // be someone else's, and meanwhile T > 0 tells competitors to wait rather
  // than fail.
  if (Reserve(*p, 1, /*exact=*/true, /*tentative=*/true) == 0) return false;
  Hook(HookPoint::kAfterReserve, ticket.set);
  if (TakeSpecific(*p, ticket.ticket)) {
    p->state[i].store(holder, std::memory_order_release);
    // Commit: the unit stays in H; only the registration ends. Release so
    // that a competitor who sees T drop also sees our state word.
    p->admission.fetch_sub(kTUnit, std::memory_order_release);
    return true;
  }
  // Release: a competitor that acquires the restored A may rely on it.
  p->admission.fetch_add(kAUnit - kHUnit - kTUnit, std::memory_order_release);
  return false;
}

// One ClaimBatch call. The batch visits its sets in ascending set order and,
// within a set, its specific tickets in ascending ticket order, then the
// set's random units. Every wait (for units while T > 0, for a ticket held
// tentatively) is on a resource later in that (set, ticket) order than any
// the waiter holds, so waits cannot form a cycle and a batch can fail only
// on a real shortage (or a spent wait budget, counted).
//
// Scratch space: out[0, m) holds the specific tickets sorted by (set,
// ticket), each entry's `set` field carrying the request index; the random
// entries' tickets go to out[m + offset_j, ...). A failed item's slot holds
// kNoTicket. The result is compacted into the contract's order at the end.
class LockFreeInventory::BatchRun {
 public:
  BatchRun(LockFreeInventory& inv, const BatchClaim& claim, HolderId holder,
           std::span<TicketRef> out)
      : inv_(inv),
        claim_(claim),
        holder_(holder),
        out_(out),
        m_(static_cast<uint32_t>(claim.specific.size())),
        aon_(claim.all_or_nothing) {}

  BatchResult Run(uint64_t total) {
    for (uint32_t k = 0; k < m_; ++k) {
      out_[k] = TicketRef{k, claim_.specific[k].ticket};
    }
    std::sort(out_.begin(), out_.begin() + m_,
              [this](const TicketRef& a, const TicketRef& b) {
                const SetIndex sa = claim_.specific[a.set].set;
                const SetIndex sb = claim_.specific[b.set].set;
                return sa != sb ? sa < sb : a.ticket < b.ticket;
              });
    for (uint32_t k = 1; k < m_; ++k) {
      BOXOFFICE_DCHECK(SpecSet(k - 1) != SpecSet(k) ||
                       out_[k - 1].ticket != out_[k].ticket);
    }
    Group g;
    bool has_prev = false;
    uint32_t spec_pos = 0;
    while (NextGroup(has_prev, g.set, spec_pos, g)) {
      if (!ProcessGroup(g)) {
        BOXOFFICE_DCHECK(aon_);
        RollbackBefore(g.set);
        return BatchResult{0, false};
      }
      has_prev = true;
      spec_pos = g.spec_end;
    }
    if (aon_) Commit();
    const uint32_t claimed = Compact(total);
    BOXOFFICE_DCHECK(!aon_ || claimed == total);
    return BatchResult{claimed, claimed == total};
  }

 private:
  struct Group {
    SetIndex set = 0;
    uint32_t spec_begin = 0;
    uint32_t spec_end = 0;
    int64_t random = -1;  // index into claim.random, or -1
    bool last = false;
  };

  SetIndex SpecSet(uint32_t k) const {
    return claim_.specific[out_[k].set].set;
  }

  uint64_t RandomOffset(int64_t j) const {
    uint64_t off = m_;
    for (int64_t i = 0; i < j; ++i) off += claim_.random[i].count;
    return off;
  }

  // The first group after set `prev` (the first of all when !has_prev).
  // O(random entries) per group: a batch names few sets.
  bool NextGroup(bool has_prev, SetIndex prev, uint32_t spec_pos,
                 Group& g) const {
    bool found = false;
    SetIndex s = 0;
    if (spec_pos < m_) {
      s = SpecSet(spec_pos);
      found = true;
    }
    for (const RandomClaim& r : claim_.random) {
      if (r.count == 0 || (has_prev && r.set <= prev)) continue;
      if (!found || r.set < s) {
        s = r.set;
        found = true;
      }
    }
    if (!found) return false;
    g.set = s;
    g.spec_begin = spec_pos;
    g.spec_end = spec_pos;
    while (g.spec_end < m_ && SpecSet(g.spec_end) == s) ++g.spec_end;
    g.random = -1;
    bool later = g.spec_end < m_;
    for (size_t j = 0; j < claim_.random.size(); ++j) {
      const RandomClaim& r = claim_.random[j];
      if (r.count == 0) continue;
      if (r.set == s) {
        BOXOFFICE_DCHECK(g.random == -1);  // one random entry per set
        g.random = static_cast<int64_t>(j);
      } else if (r.set > s) {
        later = true;
      }
    }
    g.last = !later;
    return true;
  }

  uint32_t RandomCount(const Group& g) const {
    return g.random < 0 ? 0 : claim_.random[g.random].count;
  }

  // Whether the group's units are registered in T: when some may be given
  // back (a specific ticket can turn out taken; a later set can fail an
  // all-or-nothing batch).
  bool Tentative(const Group& g) const {
    return g.spec_end > g.spec_begin || (aon_ && !g.last);
  }

  // Claims the group's tickets. False only for an all-or-nothing batch that
  // cannot have them all, after undoing this group's own partial work.
  bool ProcessGroup(const Group& g) {
    SetPool* p = inv_.pool(g.set);
    const uint32_t n = RandomCount(g);
    TicketRef* slots =
        out_.data() + (g.random < 0 ? 0 : RandomOffset(g.random));
    if (p == nullptr) {
      BOXOFFICE_DCHECK(false);  // precondition: sets of the catalog
      MarkFailed(g, slots, n, g.spec_begin);
      return !aon_;
    }
    const uint64_t need = uint64_t{g.spec_end - g.spec_begin} + n;
    for (uint32_t k = g.spec_begin; k < g.spec_end; ++k) {
      if (!p->Contains(out_[k].ticket)) {
        BOXOFFICE_DCHECK(false);  // precondition: tickets of their set
        if (aon_) {
          MarkFailed(g, slots, n, g.spec_begin);
          return false;
        }
        out_[k].ticket = kNoTicket;
      }
    }
    if (aon_ && need > p->size) {
      MarkFailed(g, slots, n, g.spec_begin);
      return false;
    }
    const bool tentative = Tentative(g);
    const uint32_t want =
        static_cast<uint32_t>(std::min<uint64_t>(need, p->size));
    const uint32_t units =
        want == 0 ? 0 : inv_.Reserve(*p, want, aon_, tentative);
    if (units == 0) {
      MarkFailed(g, slots, n, g.spec_begin);
      return !aon_;
    }
    inv_.Hook(HookPoint::kAfterReserve, g.set);
    const uint32_t state = holder_ | (aon_ && tentative ? kTentativeBit : 0);
    uint32_t left = units;
    for (uint32_t k = g.spec_begin; k < g.spec_end; ++k) {
      const TicketIndex t = out_[k].ticket;
      if (t == kNoTicket) continue;
      if (left > 0 && inv_.TakeSpecific(*p, t)) {
        p->state[t - p->first].store(state, std::memory_order_release);
        --left;
        continue;
      }
      out_[k].ticket = kNoTicket;
      if (aon_) {
        for (uint32_t j = g.spec_begin; j < k; ++j) {
          inv_.UntakeTicket(*p, out_[j].ticket);
        }
        MarkFailed(g, slots, n, k);
        // Release: pairs with Reserve's acquire (bits set before units).
        p->admission.fetch_add(
            units * kAUnit - units * kHUnit - (tentative ? kTUnit : 0),
            std::memory_order_release);
        return false;
      }
    }
    const uint32_t take = std::min(n, left);
    inv_.TakeBits(*p, take, state, slots);
    for (uint32_t i = take; i < n; ++i) slots[i].ticket = kNoTicket;
    left -= take;
    if (aon_) {
      BOXOFFICE_DCHECK(left == 0);
      if (tentative) inv_.Hook(HookPoint::kAfterTentativeSet, g.set);
    } else if (tentative) {
      // Best effort commits set by set: give back the surplus units (of
      // specific tickets that were taken) and end the registration in one
      // step, so that A never looks short after T reads 0.
      p->admission.fetch_add(left * kAUnit - left * kHUnit - kTUnit,
                             std::memory_order_release);
    } else {
      BOXOFFICE_DCHECK(left == 0);
    }
    return true;
  }

  void MarkFailed(const Group& g, TicketRef* slots, uint32_t n,
                  uint32_t spec_from) {
    for (uint32_t k = spec_from; k < g.spec_end; ++k) {
      out_[k].ticket = kNoTicket;
    }
    for (uint32_t i = 0; i < n; ++i) slots[i].ticket = kNoTicket;
  }

  // Undoes every group before `fail_set` (all fully claimed, tentatively).
  void RollbackBefore(SetIndex fail_set) {
    Group g;
    bool has_prev = false;
    uint32_t spec_pos = 0;
    while (NextGroup(has_prev, g.set, spec_pos, g) && g.set < fail_set) {
      SetPool* p = inv_.pool(g.set);
      const uint32_t n = RandomCount(g);
      const TicketRef* slots =
          out_.data() + (g.random < 0 ? 0 : RandomOffset(g.random));
      BOXOFFICE_DCHECK(Tentative(g));
      for (uint32_t k = g.spec_begin; k < g.spec_end; ++k) {
        inv_.UntakeTicket(*p, out_[k].ticket);
      }
      for (uint32_t i = 0; i < n; ++i) inv_.UntakeTicket(*p, slots[i].ticket);
      const uint64_t units = uint64_t{g.spec_end - g.spec_begin} + n;
      // One RMW returns the units and ends the registration: a competitor
      // that reads T == 0 also reads the restored A. Release pairs with
      // Reserve's acquire (the bits above are set first, invariant I).
      p->admission.fetch_add(units * kAUnit - units * kHUnit - kTUnit,
                             std::memory_order_release);
      has_prev = true;
      spec_pos = g.spec_end;
    }
  }

  // Makes an all-or-nothing batch's tentative holds final.
  void Commit() {
    Group g;
    bool has_prev = false;
    uint32_t spec_pos = 0;
    while (NextGroup(has_prev, g.set, spec_pos, g)) {
      has_prev = true;
      spec_pos = g.spec_end;
      if (!Tentative(g)) continue;
      SetPool* p = inv_.pool(g.set);
      const uint32_t n = RandomCount(g);
      const TicketRef* slots =
          out_.data() + (g.random < 0 ? 0 : RandomOffset(g.random));
      for (uint32_t k = g.spec_begin; k < g.spec_end; ++k) {
        p->state[out_[k].ticket - p->first].store(holder_,
                                                  std::memory_order_release);
      }
      for (uint32_t i = 0; i < n; ++i) {
        p->state[slots[i].ticket - p->first].store(holder_,
                                                   std::memory_order_release);
      }
      // Release: whoever sees the registration end sees the final states.
      p->admission.fetch_sub(kTUnit, std::memory_order_release);
    }
  }

  // Rewrites out into the contract's order: claimed specific tickets in
  // request order, then the random ones entry by entry. Every write goes to
  // a slot at or before the one being read, so one forward pass suffices.
  uint32_t Compact(uint64_t total) {
    std::sort(
        out_.begin(), out_.begin() + m_,
        [](const TicketRef& a, const TicketRef& b) { return a.set < b.set; });
    uint32_t k = 0;
    for (uint32_t i = 0; i < m_; ++i) {
      BOXOFFICE_DCHECK(out_[i].set == i);
      if (out_[i].ticket != kNoTicket) out_[k++] = claim_.specific[i];
    }
    for (uint64_t i = m_; i < total; ++i) {
      if (out_[i].ticket != kNoTicket) out_[k++] = out_[i];
    }
    return k;
  }

  LockFreeInventory& inv_;
  const BatchClaim& claim_;
  const HolderId holder_;
  const std::span<TicketRef> out_;
  const uint32_t m_;
  const bool aon_;
};

BatchResult LockFreeInventory::ClaimBatch(const BatchClaim& claim,
                                          HolderId holder,
                                          std::span<TicketRef> out) {
  BOXOFFICE_DCHECK(holder != kNoHolder);
  BOXOFFICE_DCHECK(holder <= kMaxHolder);
  uint64_t total = claim.specific.size();
  uint32_t random_entries = 0;
  int64_t only_random = -1;
  for (size_t j = 0; j < claim.random.size(); ++j) {
    total += claim.random[j].count;
    if (claim.random[j].count > 0) {
      ++random_entries;
      only_random = static_cast<int64_t>(j);
    }
  }
  // Out of bounds writes would follow; always checked.
  BOXOFFICE_CHECK(out.size() >= total);
  if (total == 0) return BatchResult{0, true};
  // Single-item batches take the plain paths (same semantics, fewer steps).
  if (claim.specific.empty() && random_entries == 1) {
    const RandomClaim& r = claim.random[only_random];
    const uint32_t got =
        ClaimRandom(r.set, r.count, holder, claim.all_or_nothing, out);
    return BatchResult{got, got == r.count};
  }
  if (claim.specific.size() == 1 && random_entries == 0) {
    if (!ClaimTicket(claim.specific[0], holder)) return BatchResult{0, false};
    out[0] = claim.specific[0];
    return BatchResult{1, true};
  }
  BatchRun run(*this, claim, holder, out);
  return run.Run(total);
}

uint32_t LockFreeInventory::Release(std::span<const TicketRef> tickets,
                                    HolderId holder) {
  BOXOFFICE_DCHECK(holder != kNoHolder);
  BOXOFFICE_DCHECK(holder <= kMaxHolder);
  uint32_t released = 0;
  SetPool* pending = nullptr;
  uint64_t pending_units = 0;
  // Vacant bits to set, gathered per bitmap word: tickets claimed together
  // often share a word, and one fetch_or then returns them all.
  uint32_t mask_word = 0;
  uint64_t mask = 0;
  auto flush_bits = [&] {
    if (mask != 0) {
      // Release (part of seq_cst): our state stores of 0 happen-before the
      // next claimer's state stores (it acquires these bits). seq_cst: R1
      // of the summary protocol (see SetPool); the summary bit is set
      // before the units go back to A below, so a claimer that reserves
      // them normally finds their word through the summary.
      const uint64_t before =
          pending->vacant[mask_word].fetch_or(mask, std::memory_order_seq_cst);
      BOXOFFICE_CHECK((before & mask) == 0);
      if (before == 0) pending->MarkNonEmpty(mask_word);
    }
    mask = 0;
  };
  // Units go back to A only after their bits are set (invariant I), grouped
  // per run of same-set tickets to save admission-word traffic.
  auto flush = [&] {
    flush_bits();
    if (pending != nullptr && pending_units > 0) {
      // Release: pairs with Reserve's acquire, making the bits set above
      // visible to whoever reserves these units.
      pending->admission.fetch_add(
          pending_units * kAUnit - pending_units * kHUnit,
          std::memory_order_release);
    }
    pending_units = 0;
  };
  for (const TicketRef& t : tickets) {
    SetPool* p = pool(t.set);
    if (p == nullptr || !p->Contains(t.ticket)) continue;
    const uint32_t i = t.ticket - p->first;
    uint32_t expected = holder;
    // Only the holder's own reserved ticket (not sold, not tentative) goes.
    // Acquire pairs with the claimer's release store of the state.
    if (!p->state[i].compare_exchange_strong(expected, 0,
                                             std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
      continue;
    }
    if (p != pending) {
      flush();
      pending = p;
    }
    if (mask != 0 && mask_word != i / 64) flush_bits();
    mask_word = i / 64;
    mask |= uint64_t{1} << (i % 64);
    ++pending_units;
    ++released;
  }
  flush();
  return released;
}

uint32_t LockFreeInventory::Sell(std::span<const TicketRef> tickets,
                                 HolderId holder) {
  BOXOFFICE_DCHECK(holder != kNoHolder);
  BOXOFFICE_DCHECK(holder <= kMaxHolder);
  uint32_t sold = 0;
  // Sales are taken off H once per run of same-set tickets (an order's
  // tickets of one set are adjacent): one RMW of the contended admission
  // word per set rather than per ticket.
  SetPool* pending = nullptr;
  uint64_t pending_units = 0;
  auto flush = [&] {
    if (pending_units == 0) return;
    // Sold is size - A - H, so a sale only lowers H. Relaxed: the word's
    // own modification order keeps every snapshot consistent, and nothing
    // else is published through it.
    const uint64_t before = pending->admission.fetch_sub(
        pending_units * kHUnit, std::memory_order_relaxed);
    BOXOFFICE_CHECK(FieldH(before) >= pending_units);
    pending_units = 0;
  };
  for (const TicketRef& t : tickets) {
    SetPool* p = pool(t.set);
    if (p == nullptr || !p->Contains(t.ticket)) continue;
    const uint32_t i = t.ticket - p->first;
    uint32_t expected = holder;
    // Acquire pairs with the claimer's release store; the sold word is
    // final, nobody reads data through it.
    if (!p->state[i].compare_exchange_strong(expected, holder | kSoldBit,
                                             std::memory_order_acq_rel,
                                             std::memory_order_relaxed)) {
      continue;
    }
    if (p != pending) {
      flush();
      pending = p;
    }
    ++pending_units;
    ++sold;
  }
  flush();
  return sold;
}

SetCounts LockFreeInventory::Counts(SetIndex set) const {
  const SetPool* p = pool(set);
  BOXOFFICE_DCHECK(p != nullptr);
  if (p == nullptr) return {};
  // Relaxed: one load of one word is a consistent snapshot by itself.
  const uint64_t w = p->admission.load(std::memory_order_relaxed);
  SetCounts c;
  c.size = p->size;
  c.vacant = FieldA(w);
  c.reserved = FieldH(w);
  BOXOFFICE_CHECK(c.vacant + c.reserved <= c.size);
  c.sold = c.size - c.vacant - c.reserved;
  return c;
}

TicketStatusWord LockFreeInventory::Status(TicketRef ticket) const {
  const SetPool* p = pool(ticket.set);
  BOXOFFICE_DCHECK(p != nullptr && p->Contains(ticket.ticket));
  if (p == nullptr || !p->Contains(ticket.ticket)) return {};
  // Acquire pairs with the claimer's or seller's release.
  return core::DecodeStatus(
      p->state[ticket.ticket - p->first].load(std::memory_order_acquire));
}

uint32_t LockFreeInventory::set_count() const {
  return set_count_.load(std::memory_order_acquire);
}

size_t LockFreeInventory::memory_bytes() const {
  const uint32_t n = set_count();
  size_t bytes =
      sizeof(*this) +
      sizeof(std::atomic<Chunk*>) * (boxoffice::limits::kMaxSets / kChunkSize) +
      sizeof(Chunk) * ((n + kChunkSize - 1) / kChunkSize);
  for (SetIndex s = 0; s < n; ++s) {
    const SetPool* p = pool(s);
    bytes += sizeof(SetPool) + sizeof(uint64_t) * p->words +
             sizeof(uint64_t) * p->summary_words +
             sizeof(uint32_t) * size_t{p->size};
  }
  return bytes;
}

uint64_t LockFreeInventory::contention_giveups() const {
  return giveups_.load(std::memory_order_relaxed);
}

uint64_t LockFreeInventory::linear_passes() const {
  return linear_passes_.load(std::memory_order_relaxed);
}

absl::Status LockFreeInventory::Verify() const {
  std::vector<std::string> problems;
  const uint32_t n = set_count();
  for (SetIndex s = 0; s < n && problems.size() < 20; ++s) {
    const SetPool& p = *pool(s);
    uint32_t vacant = 0, reserved = 0, sold = 0;
    for (uint32_t i = 0; i < p.size; ++i) {
      const uint32_t st = p.state[i].load(std::memory_order_acquire);
      const bool bit =
          (p.vacant[i / 64].load(std::memory_order_acquire) >> (i % 64)) & 1;
      if ((st & kTentativeBit) != 0) {
        problems.push_back("set " + std::to_string(s) + " ticket " +
                           std::to_string(p.first + i) +
                           " tentative at a quiescent point");
      }
      if (bit != (st == 0)) {
        problems.push_back("set " + std::to_string(s) + " ticket " +
                           std::to_string(p.first + i) +
                           " bitmap disagrees with state");
      }
      if (st == 0) {
        ++vacant;
      } else if ((st & kSoldBit) != 0) {
        ++sold;
      } else {
        ++reserved;
      }
      if (st != 0 && (st & kHolderMask) == kNoHolder) {
        problems.push_back("set " + std::to_string(s) + " ticket " +
                           std::to_string(p.first + i) + " has no holder");
      }
    }
    // Invariant (S): every non-zero word has its summary bit set; no bit
    // beyond the last word is ever set.
    for (uint32_t w = 0; w < p.words && problems.size() < 20; ++w) {
      const bool hinted =
          (p.summary[w / 64].load(std::memory_order_acquire) >> (w % 64)) & 1;
      if (p.vacant[w].load(std::memory_order_acquire) != 0 && !hinted) {
        problems.push_back("set " + std::to_string(s) + " vacant word " +
                           std::to_string(w) +
                           " is non-empty but its summary bit is clear");
      }
    }
    if (p.words % 64 != 0 &&
        (p.summary[p.summary_words - 1].load(std::memory_order_acquire) >>
         (p.words % 64)) != 0) {
      problems.push_back("set " + std::to_string(s) +
                         " has summary bits beyond its words");
    }
    if (p.words > 0 && p.size % 64 != 0 &&
        (p.vacant[p.words - 1].load(std::memory_order_acquire) >>
         (p.size % 64)) != 0) {
      problems.push_back("set " + std::to_string(s) +
                         " has vacant bits beyond its size");
    }
    const uint64_t w = p.admission.load(std::memory_order_acquire);
    if (FieldA(w) != vacant || FieldH(w) != reserved || FieldT(w) != 0 ||
        vacant + reserved + sold != p.size) {
      problems.push_back("set " + std::to_string(s) +
                         " counts A=" + std::to_string(FieldA(w)) +
                         " H=" + std::to_string(FieldH(w)) +
                         " T=" + std::to_string(FieldT(w)) +
                         " but tickets vacant=" + std::to_string(vacant) +
                         " reserved=" + std::to_string(reserved) +
                         " sold=" + std::to_string(sold));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  std::string joined;
  for (const std::string& m : problems) {
    if (!joined.empty()) joined += "; ";
    joined += m;
  }
  return absl::InternalError(joined);
}

}  // namespace boxoffice::internal
