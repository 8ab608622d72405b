// The semantics of orders (shared/spec/orders-api.md), written once and used
// by both engines: request validation, PATCH planning and application,
// pricing and promocode math, expiry/cancel release, and view building.
//
// The engines differ only in how they store orders, serialize access to one
// order, count promocode uses and keep deadlines (lock-free structures with a
// per-order mutex in Engine::Open; one global mutex over plain containers in
// Engine::OpenReference). So the per-row unit tests check these semantics,
// and the differential test checks the concurrent structures against the
// simple ones.
//
// Thread-safety: every function here works on one order's data, which the
// caller must hold exclusively (const functions: at least shared) for the
// call; the catalog, inventory and promocode counters they touch are
// themselves thread-safe.
#ifndef BOXOFFICE_ENGINE_ORDERS_ORDER_LOGIC_H_
#define BOXOFFICE_ENGINE_ORDERS_ORDER_LOGIC_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boxoffice/engine.h"
#include "boxoffice/options.h"
#include "boxoffice/order.h"
#include "engine/catalog/catalog_store.h"
#include "engine/core/claim_policy.h"
#include "engine/core/inventory.h"
#include "engine/orders/secure_ids.h"

namespace boxoffice::internal {

inline constexpr PromocodeIndex kNoPromocode = UINT32_MAX;
// Outside [0, kBarcodeDomain), so never a barcode.
inline constexpr uint64_t kNoBarcode = UINT64_MAX;
static_assert(kNoBarcode >= kBarcodeDomain);

// One ticket an order holds. Invariant: the inventory shows `ref` reserved
// (open order) or sold (done order) by this order's holder id.
struct HeldTicket {
  TicketRef ref;
  PromocodeIndex promocode = kNoPromocode;  // the code that took a use
  Money discount;                           // 0 unless promocode is set
  // The barcode's number once done (kNoBarcode before); spelled as 17
  // digits only in views, so that a sale allocates nothing per ticket.
  uint64_t barcode = kNoBarcode;
};

// An order's tickets. Two inline: an order is never freed, so a heap
// block per order meant fresh heap pages, and a fresh page costs 6-12 us
// on this VM kind (every ~50th create paid one); a slot's memory is built
// ahead (EngineOptions::reserved_orders). Larger orders spill to the heap.
using HeldTickets = absl::InlinedVector<HeldTicket, 2>;

// Everything an order keeps besides its status word. Owned by the engine's
// order storage and guarded by whatever serializes access to that order.
// Field order packs the struct (bool next to the 12-byte id): every order
// writes a fresh slot, and a slot that fits in five cache lines instead of
// six is a sixth less memory for the kernel to hand out.
struct OrderData {
  ObjectId id;
  bool all_or_nothing = false;
  int64_t number = 0;
  PartnerIndex vendor = 0;
  EventIndex event = 0;
  absl::Time created_at;
  absl::Time updated_at;
  absl::Time expired_after;
  std::optional<absl::Time> done_at;
  std::string code;  // empty until done, then kCodeChars characters
  std::string customer_json = "{}";
  // Rare: kept out of line so that an order without payment stays small.
  std::unique_ptr<Payment> payment;
  std::vector<PromocodeIndex> promocodes;  // in the order given, distinct
  HeldTickets tickets;                     // in the order claimed
};

// Counts the uses of promocodes. Thread-safe in every implementation.
class PromoUses {
 public:
  virtual ~PromoUses() = default;
  // Takes one use of `p` if it has one left; false otherwise. Two racers
  // for the last use never both succeed.
  virtual bool TryTake(PromocodeIndex p) = 0;
  // Gives back n uses taken earlier.
  virtual void Give(PromocodeIndex p, int64_t n) = 0;
  virtual int64_t Used(PromocodeIndex p) const = 0;
};

// The services one engine lends to the shared semantics. Borrowed.
struct EngineContext {
  const CatalogStore* catalog = nullptr;
  Inventory* inventory = nullptr;
  PromoUses* promos = nullptr;
  const TokenGenerator* tokens = nullptr;
  const EngineOptions* options = nullptr;
};

// Engine::Open's option check: every out-of-range field, listed together.
absl::Status ValidateOptions(const EngineOptions& options);

// How both engines' inventories pick tickets: the options' seed, or one from
// the OS; lowest-first when the options ask for determinism.
ClaimPolicy ClaimPolicyFor(const EngineOptions& options);

// A create request resolved against the catalog.
// Inline for the common small order: a plan is built per request, and heap
// allocations showed in the lifecycle profile.
using TicketRefs = absl::InlinedVector<TicketRef, 8>;
using SetTotals = absl::InlinedVector<std::pair<SetIndex, int64_t>, 4>;

struct CreatePlan {
  EventIndex event = 0;
  TicketRefs specific;  // distinct, request order
  // Desired totals per named set (request order, one per set).
  SetTotals random_totals;
  std::vector<PromocodeIndex> promocodes;
};

// Validates a create request for partner `partner` (nullopt: unknown
// partner, who may sell nothing). Refusals carry the contract's messages.
absl::StatusOr<CreatePlan> PlanCreate(const EngineContext& ctx,
                                      std::optional<PartnerIndex> partner,
                                      const CreateOrderRequest& request);

// Claims the plan's tickets for `holder` into data->tickets and prices
// them. data's event, vendor and all_or_nothing must be set.
void ExecuteCreate(const EngineContext& ctx, HolderId holder,
                   const CreatePlan& plan, OrderData* data);

struct ChangeOutcome {
  OrderStatus status;           // the order's status afterwards
  bool applied = false;         // anything changed (updated_at moved)
  bool deadline_moved = false;  // expired_after changed (in_progress)
};

// Applies a PATCH to an order of status `status` at time `now` (the order
// must not be past its deadline: the caller expires it first). Refused
// requests change nothing. An all_or_nothing order whose claims cannot all
// succeed is left exactly as it was (applied == false, OK).
absl::StatusOr<ChangeOutcome> ExecuteChange(const EngineContext& ctx,
                                            HolderId holder, OrderStatus status,
                                            const ChangeOrderRequest& request,
                                            absl::Time now, OrderData* data);

// Releases every ticket and promocode use of an open order that is being
// cancelled or expired; its list becomes empty.
void ReleaseAll(const EngineContext& ctx, HolderId holder, OrderData* data);

// The caller's copy of an order. BuildViewInto fills a default-constructed
// view in place, for callers that build it inside their result (a view is
// ~450 bytes of strings and vectors; moving it twice per call showed).
OrderView BuildView(const EngineContext& ctx, const OrderData& data,
                    OrderStatus status);
void BuildViewInto(const EngineContext& ctx, const OrderData& data,
                   OrderStatus status, OrderView* view);

// Catalog reads shared by both engines.
SetInfo BuildSetInfo(const EngineContext& ctx, SetIndex s, bool with_counts);
EventInfo BuildEventInfo(const EngineContext& ctx, EventIndex e,
                         bool with_counts);
std::vector<EventInfo> ListSellableEvents(const EngineContext& ctx,
                                          std::optional<PartnerIndex> partner);
absl::StatusOr<std::vector<SeatView>> ListEventSeats(
    const EngineContext& ctx, std::optional<PartnerIndex> partner,
    const ObjectId& event);
InventoryTotals SumTotals(const EngineContext& ctx);

// Refuses bad paging (per_page 1..100, page >= 1).
absl::Status ValidateFilter(const OrderFilter& filter);

// The order id: 4 bytes of the order's index (big endian) and 8 secret
// random bytes, so that lookup is O(1) from the id and a forged id fails.
ObjectId MakeOrderId(uint32_t index, uint64_t secret);
uint32_t OrderIdIndex(const ObjectId& id);
uint64_t OrderIdSecret(const ObjectId& id);

// The O(tickets + orders) audit shared by both engines, over snapshots of
// the orders (taken under each order's lock, one at a time).
struct AuditOrder {
  int64_t number = 0;
  OrderStatus status = OrderStatus::kExecuted;
  HolderId holder = kNoHolder;
  bool has_code = false;
  HeldTickets tickets;
};
absl::Status AuditInvariants(const EngineContext& ctx,
                             const std::vector<AuditOrder>& orders);

// Test hook: called between a request's validation and its claims, to
// widen the check-then-claim gap in regression tests. nullptr: none.
void SetClaimGapHookForTesting(void (*hook)());

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_ORDERS_ORDER_LOGIC_H_
