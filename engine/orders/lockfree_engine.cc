// Engine::Open: the order semantics of order_logic.h over structures that
// many threads use at once without a global lock.
//
// - Orders live in chunked slots (ChunkedSlots); an order's slot index
//   comes from its thread stripe's block of indices (IndexBlocks) and is
//   written into its id, so lookup is O(1) from the id alone; the id's 8
//   secret bytes make a forged id fail. Its number (sequential, as the
//   contract wants) comes from a separate counter: one shared line per
//   create instead of two, and a thread's orders in contiguous slots.
// - Each order has an atomic state word: status, a `busy` bit owned by the
//   PATCH under way, and a `published` bit. A PATCH that finds `busy` set
//   is refused at once (409). Every status change is one CAS on the word,
//   made while holding the order's own mutex, which also guards the
//   order's data (tickets, codes, payment) for readers.
// - Per-partner order lists are push-only lock-free stacks threaded
//   through the slots, one stack per thread stripe (ThreadStripe()), so
//   that two threads selling for one partner never write the same head;
//   ListOrders walks all of them and sorts by number.
// - Deadlines sit in the TimerWheel; ExpireDue drains it. Every access to
//   an order first expires it if the clock is at or past its deadline.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"
#include "boxoffice/limits.h"
#include "engine/catalog/catalog_store.h"
#include "engine/common/assert.h"
#include "engine/common/index_blocks.h"
#include "engine/common/periodic_thread.h"
#include "engine/common/thread_stripe.h"
#include "engine/core/lockfree_inventory.h"
#include "engine/orders/chunked_slots.h"
#include "engine/orders/order_logic.h"
#include "engine/orders/secure_ids.h"
#include "engine/timers/timer_wheel.h"

namespace boxoffice::internal {
namespace {

// The order state word.
constexpr uint32_t kStatusMask = 0x7;
constexpr uint32_t kBusy = 1u << 3;
constexpr uint32_t kPublished = 1u << 4;

OrderStatus StatusOf(uint32_t word) {
  return static_cast<OrderStatus>(word & kStatusMask);
}
bool IsOpenStatus(OrderStatus s) {
  return s == OrderStatus::kExecuted || s == OrderStatus::kInProgress;
}

// One order. Thread-safety: `state` and `next` are atomics; `secret`,
// `vendor` and `event` are written once before the release store that sets
// kPublished and only read after an acquire load that saw it; everything
// else is guarded by `mu`. Cache-line aligned: orders created back to back
// by different threads sit next to each other, and a shared boundary line
// would make each thread's writes miss in the other's cache.
struct alignas(64) OrderSlot {
  std::atomic<uint32_t> state{0};
  // The next older order of the same vendor, as index + 1 (0: none).
  std::atomic<uint32_t> next{0};
  uint64_t secret = 0;
  PartnerIndex vendor = 0;
  EventIndex event = 0;
  // The order's number (1, 2, ...), as in data.number; here for readers
  // that sort without taking `mu`.
  uint32_t number = 0;
  // std::shared_mutex rather than absl::Mutex: Debian's prebuilt Abseil
  // has deadlock detection on, which funnels every absl::Mutex acquisition
  // through one global graph lock: a hidden global lock on the order path.
  mutable std::shared_mutex mu;
  OrderData data ABSL_GUARDED_BY(mu);
  TimerHandle timer ABSL_GUARDED_BY(mu);
  // Counts the timers scheduled for this order; the high half of a timer's
  // payload, so that a sweep popping an old timer recognizes it as such.
  uint32_t timer_seq ABSL_GUARDED_BY(mu) = 0;
};
// Holder ids are slot index + 1; the slots end below max_orders + kSlack.
static_assert(uint64_t{limits::kMaxOrders} + IndexBlocks::kSlack <= kMaxHolder);
// Six cache lines, two of them the inline tickets: every order writes a
// fresh slot (see OrderData and HeldTickets).
static_assert(sizeof(OrderSlot) == 6 * 64);

// One stripe's heads of every partner's order list.
using PartnerHeads = ChunkedSlots<std::atomic<uint32_t>, 12>;

// Promocode use counters. Thread-safety: TryTake/Give/Used from any thread;
// Add only from the (serialized) catalog load, before the catalog lets any
// reader find the promocode.
class LockFreePromoUses final : public PromoUses {
 public:
  LockFreePromoUses() : slots_(limits::kMaxPromocodes) {}

  void Add(PromocodeIndex p, std::optional<int64_t> limit) {
    Slot* s = slots_.Ensure(p);
    s->limit = limit.has_value() ? *limit : -1;
    s->used.store(0, std::memory_order_relaxed);
  }

  bool TryTake(PromocodeIndex p) override {
    Slot* s = slots_.Get(p);
    BOXOFFICE_CHECK(s != nullptr);
    // Relaxed: the count orders nothing else; atomicity of the one RMW on
    // `used` is what makes two racers for the last use not both win.
    if (s->limit < 0) {
      s->used.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    int64_t used = s->used.load(std::memory_order_relaxed);
    while (used < s->limit) {
      if (s->used.compare_exchange_weak(used, used + 1,
                                        std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  void Give(PromocodeIndex p, int64_t n) override {
    Slot* s = slots_.Get(p);
    BOXOFFICE_CHECK(s != nullptr);
    const int64_t before = s->used.fetch_sub(n, std::memory_order_relaxed);
    BOXOFFICE_CHECK(before >= n);  // more uses given back than taken
  }

  int64_t Used(PromocodeIndex p) const override {
    const Slot* s = slots_.Get(p);
    return s == nullptr ? 0 : s->used.load(std::memory_order_relaxed);
  }

 private:
  struct Slot {
    std::atomic<int64_t> used{0};
    int64_t limit = -1;  // -1: unlimited
  };
  ChunkedSlots<Slot, 12> slots_;
};

// The lock-free engine. Thread-safety: every public method may be called
// from any number of threads; no global lock is taken on the order paths
// (see the file comment for the structures and docs/architecture/orders.md
// for the argument). Owns the catalog, inventory, counters, orders and the
// wheel; borrows the clock.
class LockFreeEngine final : public Engine, private LoadListener {
 public:
  LockFreeEngine(const EngineOptions& options, ClaimPolicy policy)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : Clock::Real()),
        catalog_(CatalogStoreLimits{options.max_tickets}),
        inventory_(policy),
        // Every index below max_orders + kSlack may be handed out (see
        // IndexBlocks), each to at most one order.
        orders_(static_cast<uint64_t>(options.max_orders) +
                IndexBlocks::kSlack),
        order_indices_(static_cast<uint32_t>(orders_.capacity())),
        partner_heads_(MakePartnerHeads()) {
    options_.clock = clock_;
    ctx_.catalog = &catalog_;
    ctx_.inventory = &inventory_;
    ctx_.promos = &promos_;
    ctx_.tokens = &tokens_;
    ctx_.options = &options_;
  }

  // The sweep uses every member: it stops before any is destroyed.
  ~LockFreeEngine() override { expiry_thread_.Stop(); }

  absl::Status Start() {
    TimerWheelOptions wo;
    wo.start = clock_->Now();
    wo.tick = absl::Milliseconds(1);
    // At most one pending timer per open order, plus cancelled ones the
    // wheel has not reclaimed yet; capped at 16M (the node array is calloc'ed,
    // so untouched nodes cost address space only), beyond which orders go
    // to the overflow list.
    wo.max_timers = static_cast<size_t>(std::min<int64_t>(
        int64_t{2} * options_.max_orders + 1024, int64_t{1} << 24));
    // One node per reserved order, ready like its slot (each order takes a
    // fresh node until a sweep reclaims cancelled ones).
    wo.prepared_timers = static_cast<size_t>(options_.reserved_orders);
    absl::StatusOr<std::unique_ptr<TimerWheel>> wheel = TimerWheel::Create(wo);
    if (!wheel.ok()) return wheel.status();
    wheel_ = *std::move(wheel);
    // Built now, so that the first reserved_orders orders never wait for
    // fresh pages (see EngineOptions::reserved_orders).
    try {
      for (int64_t i = 0; i < options_.reserved_orders;
           i += decltype(orders_)::kChunkSize) {
        orders_.Prepare(static_cast<uint64_t>(i));
      }
    } catch (const std::bad_alloc&) {
      return MakeError(absl::StatusCode::kResourceExhausted,
                       absl::StrCat("Cannot set aside memory for ",
                                    options_.reserved_orders, " orders"));
    }
    if (options_.background_expiry) {
      expiry_thread_.Start(options_.expiry_interval, [this] { ExpireDue(); });
    }
    return absl::OkStatus();
  }

  absl::StatusOr<CatalogSummary> LoadCatalog(
      const CatalogDocument& doc) override {
    return catalog_.Load(doc, this);
  }

  std::optional<ObjectId> FindPartnerByKey(
      std::string_view key) const override {
    const std::optional<PartnerIndex> p = catalog_.FindPartnerByKey(key);
    if (!p.has_value()) return std::nullopt;
    return catalog_.partner(*p).id;
  }

  absl::StatusOr<OrderView> CreateOrder(
      const ObjectId& partner, const CreateOrderRequest& request) override {
    const std::optional<PartnerIndex> p = catalog_.FindPartner(partner);
    absl::StatusOr<CreatePlan> plan = PlanCreate(ctx_, p, request);
    if (!plan.ok()) return plan.status();
    BOXOFFICE_DCHECK(p.has_value());
    // Relaxed: the number only needs to be unique and in call order (the
    // counter's modification order); the slot's contents are published by
    // the release store of its state word below. Taken before the index,
    // so that a refused create wastes no index.
    const uint64_t number =
        next_number_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (number > static_cast<uint64_t>(options_.max_orders)) {
      return MakeError(
          absl::StatusCode::kResourceExhausted,
          absl::StrCat("Too many orders: at most ", options_.max_orders));
    }
    // At most max_orders creates get here, so the index is below
    // max_orders + kSlack, the slots' capacity.
    const uint64_t index = order_indices_.Take();
    BOXOFFICE_CHECK(index < orders_.capacity());
    OrderSlot* slot = orders_.Ensure(index);
    // Halfway through a chunk, build the next one: exactly one create sees
    // this index, so the next chunk is rarely built twice by racers.
    if ((index & (decltype(orders_)::kChunkSize - 1)) ==
        decltype(orders_)::kChunkSize / 2) {
      orders_.Prepare(index + decltype(orders_)::kChunkSize);
    }
    const HolderId holder = static_cast<HolderId>(index + 1);
    const absl::Time now = clock_->Now();
    absl::StatusOr<OrderView> result(absl::in_place);
    {
      std::unique_lock<std::shared_mutex> l(slot->mu);
      BOXOFFICE_CHECK(slot->state.load(std::memory_order_relaxed) == 0);
      slot->secret = SecureRandom64();
      slot->vendor = *p;
      slot->event = plan->event;
      slot->number = static_cast<uint32_t>(number);
      OrderData& d = slot->data;
      d.id = MakeOrderId(static_cast<uint32_t>(index), slot->secret);
      d.number = static_cast<int64_t>(number);
      d.vendor = *p;
      d.event = plan->event;
      d.created_at = now;
      d.updated_at = now;
      d.expired_after = now + options_.reservation_ttl;
      d.all_or_nothing = request.all_or_nothing;
      d.customer_json = request.customer_json;
      ExecuteCreate(ctx_, holder, *plan, &d);
      Schedule(slot, static_cast<uint32_t>(index));
      // Release: the immutable fields and the data are visible to whoever
      // acquires the word and sees kPublished.
      slot->state.store(
          kPublished | static_cast<uint32_t>(OrderStatus::kExecuted),
          std::memory_order_release);
      BuildViewInto(ctx_, d, OrderStatus::kExecuted, &*result);
    }
    PushToPartnerList(*p, slot, static_cast<uint32_t>(index));
    return result;
  }

  absl::StatusOr<OrderView> ChangeOrder(
      const ObjectId& partner, const ObjectId& order,
      const ChangeOrderRequest& request) override {
    OrderSlot* slot = FindVisible(partner, order);
    if (slot == nullptr) return OrderNotFound(order);
    // Take the busy bit; a PATCH already under way means 409 at once.
    // Acquire pairs with the release that cleared it at the end of the
    // previous PATCH.
    uint32_t word = slot->state.load(std::memory_order_relaxed);
    do {
      if ((word & kBusy) != 0) {
        return MakeError(
            absl::StatusCode::kAborted,
            absl::StrCat("Order ", order.ToString(), " is being changed"));
      }
    } while (!slot->state.compare_exchange_weak(word, word | kBusy,
                                                std::memory_order_acquire,
                                                std::memory_order_relaxed));
    const uint32_t index = OrderIdIndex(order);
    absl::StatusOr<OrderView> result;
    {
      std::unique_lock<std::shared_mutex> l(slot->mu);
      const absl::Time now = clock_->Now();
      ExpireIfDue(slot, index, now);
      word = slot->state.load(std::memory_order_relaxed);
      BOXOFFICE_CHECK((word & kBusy) != 0);
      const OrderStatus before = StatusOf(word);
      absl::StatusOr<ChangeOutcome> outcome =
          ExecuteChange(ctx_, index + 1, before, request, now, &slot->data);
      if (outcome.ok()) {
        if (outcome->status != before) {
          // The decision. Only a holder of `mu` changes the status, and we
          // own `busy`, so the word cannot have moved: the CAS states that.
          const uint32_t next =
              (word & ~kStatusMask) | static_cast<uint32_t>(outcome->status);
          BOXOFFICE_CHECK(slot->state.compare_exchange_strong(
              word, next, std::memory_order_acq_rel,
              std::memory_order_relaxed));
        }
        if (IsFinal(outcome->status)) {
          CancelTimer(slot);
        } else if (outcome->deadline_moved) {
          CancelTimer(slot);
          Schedule(slot, index);
        }
        BuildViewInto(ctx_, slot->data, outcome->status, &result.emplace());
      } else {
        result = outcome.status();
      }
      // Release: the next PATCH (acquiring busy) sees this one's writes.
      slot->state.fetch_and(~kBusy, std::memory_order_release);
    }
    return result;
  }

  absl::StatusOr<OrderView> GetOrder(const ObjectId& partner,
                                     const ObjectId& order) override {
    OrderSlot* slot = FindVisible(partner, order);
    if (slot == nullptr) return OrderNotFound(order);
    return ViewAt(slot, OrderIdIndex(order), clock_->Now());
  }

  absl::StatusOr<OrderPage> ListOrders(const ObjectId& partner,
                                       const OrderFilter& filter) override {
    if (absl::Status s = ValidateFilter(filter); !s.ok()) return s;
    OrderPage page;
    page.page = filter.page;
    page.per_page = filter.per_page;
    const std::optional<PartnerIndex> p = catalog_.FindPartner(partner);
    if (!p.has_value()) return page;
    std::optional<EventIndex> event;
    if (filter.event.has_value()) {
      event = catalog_.FindEvent(*filter.event);
      if (!event.has_value()) return page;
    }
    const absl::Time now = clock_->Now();
    // (number, index) of each order listed.
    std::vector<std::pair<uint32_t, uint32_t>> matching;
    const uint64_t bound = order_indices_.bound();
    for (const auto& heads : partner_heads_) {
      const std::atomic<uint32_t>* head = heads->Get(*p);
      // Acquire pairs with the push's release CAS: each order reached is
      // published, and its `next` was written before it was pushed.
      uint32_t link =
          head == nullptr ? 0 : head->load(std::memory_order_acquire);
      for (uint64_t steps = 0; link != 0 && steps <= bound; ++steps) {
        const uint32_t index = link - 1;
        OrderSlot* slot = orders_.Get(index);
        BOXOFFICE_CHECK(slot != nullptr);
        link = slot->next.load(std::memory_order_relaxed);
        if (event.has_value() && slot->event != *event) continue;
        // Every order the list walks is brought up to the clock (as the
        // reference does), so that what a list shows and what is on sale
        // agree.
        const OrderStatus status = CurrentStatus(slot, index, now);
        if (filter.status.has_value() && status != *filter.status) continue;
        matching.emplace_back(slot->number, index);
      }
    }
    // The stripes interleave, and pushes of racing creators may land out of
    // number order; sort so that the list is newest first by number.
    std::sort(matching.begin(), matching.end(),
              std::greater<std::pair<uint32_t, uint32_t>>());
    page.total = static_cast<int64_t>(matching.size());
    const int64_t begin = (filter.page - 1) * filter.per_page;
    for (int64_t i = begin; i < page.total && i < begin + filter.per_page;
         ++i) {
      const uint32_t index = matching[static_cast<size_t>(i)].second;
      page.orders.push_back(ViewAt(orders_.Get(index), index, now));
    }
    return page;
  }

  std::vector<EventInfo> ListEvents(const ObjectId& partner) override {
    return ListSellableEvents(ctx_, catalog_.FindPartner(partner));
  }

  absl::StatusOr<std::vector<SeatView>> ListSeats(
      const ObjectId& partner, const ObjectId& event) override {
    return ListEventSeats(ctx_, catalog_.FindPartner(partner), event);
  }

  std::optional<PartnerInfo> DescribePartner(
      const ObjectId& id) const override {
    const std::optional<PartnerIndex> p = catalog_.FindPartner(id);
    if (!p.has_value()) return std::nullopt;
    return PartnerInfo{catalog_.partner(*p).id, catalog_.partner(*p).name};
  }
  std::optional<EventInfo> DescribeEvent(const ObjectId& id) const override {
    const std::optional<EventIndex> e = catalog_.FindEvent(id);
    if (!e.has_value()) return std::nullopt;
    return BuildEventInfo(ctx_, *e, /*with_counts=*/false);
  }
  std::optional<SetInfo> DescribeSet(const ObjectId& id) const override {
    const std::optional<SetIndex> s = catalog_.FindSet(id);
    if (!s.has_value()) return std::nullopt;
    return BuildSetInfo(ctx_, *s, /*with_counts=*/false);
  }
  std::optional<PromocodeInfo> DescribePromocode(
      const ObjectId& id) const override {
    const std::optional<PromocodeIndex> p = catalog_.FindPromocode(id);
    if (!p.has_value()) return std::nullopt;
    const PromocodeRecord& r = catalog_.promocode(*p);
    return PromocodeInfo{r.id, r.code, r.discount};
  }

  int64_t ExpireDue() override {
    const absl::Time now = clock_->Now();
    constexpr size_t kBatch = 4096;
    std::vector<uint64_t> due;
    due.reserve(kBatch);
    int64_t expired = 0;
    // Bounded: every round pops kBatch timers out of a finite set, and
    // timers scheduled meanwhile are due only after `now`... or at it; so
    // the rounds are capped by the orders that exist.
    const uint64_t max_rounds = order_indices_.bound() / kBatch + 2;
    for (uint64_t round = 0; round < max_rounds; ++round) {
      due.clear();
      const size_t n = wheel_->PopDue(now, kBatch, &due);
      for (const uint64_t payload : due) {
        const uint32_t index = static_cast<uint32_t>(payload);
        const uint32_t seq = static_cast<uint32_t>(payload >> 32);
        OrderSlot* slot = orders_.Get(index);
        BOXOFFICE_CHECK(slot != nullptr);
        std::unique_lock<std::shared_mutex> l(slot->mu);
        // The popped handle is spent; forget it unless a PATCH has already
        // replaced it with a newer timer (in_progress racing this pop).
        if (slot->timer_seq == seq) slot->timer = TimerHandle{};
        if (ExpireIfDue(slot, index, now)) ++expired;
      }
      if (n < kBatch) break;
    }
    std::vector<uint32_t> overflow;
    {
      std::lock_guard<std::mutex> l(overflow_mu_);
      overflow.swap(overflow_);
    }
    std::vector<uint32_t> keep;
    for (const uint32_t index : overflow) {
      OrderSlot* slot = orders_.Get(index);
      BOXOFFICE_CHECK(slot != nullptr);
      std::unique_lock<std::shared_mutex> l(slot->mu);
      if (ExpireIfDue(slot, index, now)) {
        ++expired;
      } else if (IsOpenStatus(
                     StatusOf(slot->state.load(std::memory_order_acquire))) &&
                 !slot->timer.valid()) {
        keep.push_back(index);
      }
    }
    if (!keep.empty()) {
      std::lock_guard<std::mutex> l(overflow_mu_);
      overflow_.insert(overflow_.end(), keep.begin(), keep.end());
    }
    return expired;
  }

  InventoryTotals Totals() const override { return SumTotals(ctx_); }

  absl::Status CheckInvariants() const override {
    std::vector<AuditOrder> orders;
    const uint64_t n =
        std::min<uint64_t>(order_indices_.bound(), orders_.capacity());
    std::vector<std::string> problems;
    // Each order is copied under its own lock (shared), one at a time, so
    // that a background sweep still running cannot tear what is read.
    for (uint64_t i = 0; i < n; ++i) {
      const OrderSlot* slot = orders_.Get(i);
      if (slot == nullptr) continue;
      std::shared_lock<std::shared_mutex> l(slot->mu);
      const uint32_t word = slot->state.load(std::memory_order_acquire);
      if ((word & kPublished) == 0) continue;
      if ((word & kBusy) != 0) {
        problems.push_back(absl::StrCat("order ", slot->data.number,
                                        " is busy at a quiescent point"));
      }
      if (slot->data.number != static_cast<int64_t>(slot->number)) {
        problems.push_back(absl::StrCat("order at slot ", i, " has number ",
                                        slot->data.number, " and ",
                                        slot->number));
      }
      orders.push_back(AuditOrder{
          slot->data.number, StatusOf(word), static_cast<HolderId>(i + 1),
          !slot->data.code.empty(), slot->data.tickets});
    }
    // At a quiescent point every create that took a number published its
    // order: the numbers are exactly 1..count, each once.
    std::vector<int64_t> numbers;
    numbers.reserve(orders.size());
    for (const AuditOrder& o : orders) numbers.push_back(o.number);
    std::sort(numbers.begin(), numbers.end());
    const int64_t created = static_cast<int64_t>(
        std::min<uint64_t>(next_number_.load(std::memory_order_acquire),
                           static_cast<uint64_t>(options_.max_orders)));
    if (static_cast<int64_t>(numbers.size()) != created) {
      problems.push_back(absl::StrCat(created, " orders were numbered but ",
                                      numbers.size(), " are published"));
    }
    for (size_t k = 0; k < numbers.size(); ++k) {
      if (numbers[k] != static_cast<int64_t>(k) + 1) {
        problems.push_back(absl::StrCat("order numbers are not 1..",
                                        numbers.size(), ": the ", k + 1,
                                        "th is ", numbers[k]));
        break;
      }
    }
    absl::Status audit = AuditInvariants(ctx_, orders);
    if (!audit.ok()) {
      for (std::string& m : ErrorMessages(audit))
        problems.push_back(std::move(m));
    }
    if (problems.empty()) return absl::OkStatus();
    return MakeError(absl::StatusCode::kInternal, std::move(problems));
  }

 private:
  // LoadListener: runs inside catalog_.Load, serialized, before any reader
  // can find the new set or promocode.
  absl::Status OnSetAdded(SetIndex index, const SetRecord& set) override {
    return inventory_.AddSet(index, set.first, set.size);
  }
  absl::Status OnPromocodeAdded(PromocodeIndex index,
                                const PromocodeRecord& promocode) override {
    promos_.Add(index, promocode.limit);
    return absl::OkStatus();
  }

  static std::array<std::unique_ptr<PartnerHeads>, kThreadStripes>
  MakePartnerHeads() {
    std::array<std::unique_ptr<PartnerHeads>, kThreadStripes> heads;
    for (auto& h : heads) {
      h = std::make_unique<PartnerHeads>(limits::kMaxPartners);
    }
    return heads;
  }

  static absl::Status OrderNotFound(const ObjectId& order) {
    return MakeError(absl::StatusCode::kNotFound,
                     absl::StrCat("Order ", order.ToString(), " not found"));
  }

  // The published slot the id names, if `partner` created it; nullptr
  // for unknown, forged and other partners' ids alike.
  OrderSlot* FindVisible(const ObjectId& partner, const ObjectId& order) const {
    const uint32_t index = OrderIdIndex(order);
    if (index >= orders_.capacity()) return nullptr;
    OrderSlot* slot = orders_.Get(index);
    if (slot == nullptr) return nullptr;
    // Acquire pairs with the create's release store of kPublished.
    if ((slot->state.load(std::memory_order_acquire) & kPublished) == 0) {
      return nullptr;
    }
    if (slot->secret != OrderIdSecret(order)) return nullptr;
    const std::optional<PartnerIndex> p = catalog_.FindPartner(partner);
    if (!p.has_value() || *p != slot->vendor) return nullptr;
    return slot;
  }

  // Expires the order if it is open and `now` is at or past its deadline.
  // The decision is one CAS from an open status to kExpired; the busy bit
  // of a PATCH waiting for `mu` is kept for its owner, who will then find
  // the order expired.
  bool ExpireIfDue(OrderSlot* slot, uint32_t index, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(slot->mu) {
    uint32_t word = slot->state.load(std::memory_order_acquire);
    if (!IsOpenStatus(StatusOf(word))) return false;
    if (now < slot->data.expired_after) return false;
    uint32_t next;
    do {
      // Only holders of `mu` change the status, so it is still open; only
      // the busy bit may flip under us.
      BOXOFFICE_CHECK(IsOpenStatus(StatusOf(word)));
      next =
          (word & ~kStatusMask) | static_cast<uint32_t>(OrderStatus::kExpired);
    } while (!slot->state.compare_exchange_weak(
        word, next, std::memory_order_acq_rel, std::memory_order_acquire));
    ReleaseAll(ctx_, index + 1, &slot->data);
    // An order expires at its deadline, whenever the sweep gets to it.
    slot->data.updated_at = slot->data.expired_after;
    CancelTimer(slot);
    return true;
  }

  bool Due(const OrderSlot* slot, absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(slot->mu) {
    return IsOpenStatus(
               StatusOf(slot->state.load(std::memory_order_acquire))) &&
           now >= slot->data.expired_after;
  }

  OrderView ViewAt(OrderSlot* slot, uint32_t index, absl::Time now) {
    {
      std::shared_lock<std::shared_mutex> l(slot->mu);
      if (!Due(slot, now)) {
        return BuildView(ctx_, slot->data,
                         StatusOf(slot->state.load(std::memory_order_acquire)));
      }
    }
    std::unique_lock<std::shared_mutex> l(slot->mu);
    ExpireIfDue(slot, index, now);
    return BuildView(ctx_, slot->data,
                     StatusOf(slot->state.load(std::memory_order_acquire)));
  }

  OrderStatus CurrentStatus(OrderSlot* slot, uint32_t index, absl::Time now) {
    {
      std::shared_lock<std::shared_mutex> l(slot->mu);
      if (!Due(slot, now))
        return StatusOf(slot->state.load(std::memory_order_acquire));
    }
    std::unique_lock<std::shared_mutex> l(slot->mu);
    ExpireIfDue(slot, index, now);
    return StatusOf(slot->state.load(std::memory_order_acquire));
  }

  void Schedule(OrderSlot* slot, uint32_t index)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(slot->mu) {
    ++slot->timer_seq;
    slot->timer = wheel_->Schedule((uint64_t{slot->timer_seq} << 32) | index,
                                   slot->data.expired_after);
    if (!slot->timer.valid()) {
      // The wheel is full (more open orders than it was sized for): keep
      // the order on a side list that ExpireDue scans. Every access still
      // expires it at its deadline either way.
      std::lock_guard<std::mutex> l(overflow_mu_);
      overflow_.push_back(index);
    }
  }

  void CancelTimer(OrderSlot* slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(slot->mu) {
    if (slot->timer.valid()) wheel_->Cancel(slot->timer);
    slot->timer = TimerHandle{};
  }

  void PushToPartnerList(PartnerIndex p, OrderSlot* slot, uint32_t index) {
    std::atomic<uint32_t>* head = partner_heads_[ThreadStripe()]->Ensure(p);
    uint32_t old = head->load(std::memory_order_relaxed);
    do {
      slot->next.store(old, std::memory_order_relaxed);
      // Release: a reader that acquires the head sees `next` and the
      // published order; the chain of release CASes covers older links.
    } while (!head->compare_exchange_weak(
        old, index + 1, std::memory_order_acq_rel, std::memory_order_relaxed));
  }

  EngineOptions options_;
  Clock* const clock_;
  CatalogStore catalog_;
  LockFreeInventory inventory_;
  LockFreePromoUses promos_;
  TokenGenerator tokens_;
  EngineContext ctx_;
  // Orders created so far (some may still be being built), and refused
  // creates past max_orders. Alone on its line: every create writes it, and
  // the fields around it are read by every call (false sharing would make
  // each of those a miss).
  alignas(64) std::atomic<uint64_t> next_number_{0};
  alignas(64) ChunkedSlots<OrderSlot, 12> orders_;
  IndexBlocks order_indices_;
  // Per stripe, the head of each partner's order list, as index + 1
  // (0: empty). Stripe-major, so that two stripes' heads of one partner sit
  // on different cache lines.
  std::array<std::unique_ptr<PartnerHeads>, kThreadStripes> partner_heads_;
  std::unique_ptr<TimerWheel> wheel_;
  // Orders whose timer did not fit in the wheel (rare by sizing).
  std::mutex overflow_mu_;
  std::vector<uint32_t> overflow_ ABSL_GUARDED_BY(overflow_mu_);

  // EngineOptions::background_expiry's sweep, if asked for.
  PeriodicThread expiry_thread_;
};

}  // namespace
}  // namespace boxoffice::internal

namespace boxoffice {

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(
    const EngineOptions& options) {
  if (absl::Status s = internal::ValidateOptions(options); !s.ok()) return s;
  const internal::ClaimPolicy policy = internal::ClaimPolicyFor(options);
  auto engine = std::make_unique<internal::LockFreeEngine>(options, policy);
  if (absl::Status s = engine->Start(); !s.ok()) return s;
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace boxoffice
