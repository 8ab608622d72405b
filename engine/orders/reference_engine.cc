// Engine::OpenReference: the semantics of order_logic.h behind ONE global
// mutex, over deliberately simple structures: ReferenceInventory, a
// std::vector of orders, a hash map from id to index, a std::multimap of
// deadlines and plain promocode counters. It is the oracle of the
// differential tests (which therefore check the lock-free engine's
// concurrent structures, not the shared semantics) and the baseline of the
// benchmarks.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"
#include "engine/catalog/catalog_store.h"
#include "engine/common/assert.h"
#include "engine/common/periodic_thread.h"
#include "engine/core/reference_inventory.h"
#include "engine/orders/order_logic.h"
#include "engine/orders/secure_ids.h"

namespace boxoffice::internal {
namespace {

bool IsOpenStatus(OrderStatus s) {
  return s == OrderStatus::kExecuted || s == OrderStatus::kInProgress;
}

// Plain counters; the engine's mutex guards them.
class PlainPromoUses final : public PromoUses {
 public:
  void Add(PromocodeIndex p, std::optional<int64_t> limit) {
    if (used_.size() <= p) {
      used_.resize(p + 1, 0);
      limit_.resize(p + 1, -1);
    }
    limit_[p] = limit.has_value() ? *limit : -1;
  }
  bool TryTake(PromocodeIndex p) override {
    BOXOFFICE_CHECK(p < used_.size());
    if (limit_[p] >= 0 && used_[p] >= limit_[p]) return false;
    ++used_[p];
    return true;
  }
  void Give(PromocodeIndex p, int64_t n) override {
    BOXOFFICE_CHECK(p < used_.size() && used_[p] >= n);
    used_[p] -= n;
  }
  int64_t Used(PromocodeIndex p) const override {
    return p < used_.size() ? used_[p] : 0;
  }

 private:
  std::vector<int64_t> used_;
  std::vector<int64_t> limit_;
};

// Thread-safety: every method takes mu_ for its whole duration.
class ReferenceEngine final : public Engine, private LoadListener {
 public:
  ReferenceEngine(const EngineOptions& options, ClaimPolicy policy)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : Clock::Real()),
        catalog_(CatalogStoreLimits{options.max_tickets}),
        inventory_(policy) {
    options_.clock = clock_;
    ctx_.catalog = &catalog_;
    ctx_.inventory = &inventory_;
    ctx_.promos = &promos_;
    ctx_.tokens = &tokens_;
    ctx_.options = &options_;
  }

  // The sweep uses every member: it stops before any is destroyed.
  ~ReferenceEngine() override { expiry_thread_.Stop(); }

  // Starts the optional background sweep (EngineOptions::background_expiry).
  void Start() {
    {
      // Room in the index only: each order is still its own allocation
      // (see EngineOptions::reserved_orders).
      std::lock_guard<std::mutex> l(mu_);
      orders_.reserve(static_cast<size_t>(options_.reserved_orders));
    }
    if (!options_.background_expiry) return;
    expiry_thread_.Start(options_.expiry_interval, [this] { ExpireDue(); });
  }

  absl::StatusOr<CatalogSummary> LoadCatalog(
      const CatalogDocument& doc) override {
    std::lock_guard<std::mutex> l(mu_);
    return catalog_.Load(doc, this);
  }

  std::optional<ObjectId> FindPartnerByKey(
      std::string_view key) const override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<PartnerIndex> p = catalog_.FindPartnerByKey(key);
    if (!p.has_value()) return std::nullopt;
    return catalog_.partner(*p).id;
  }

  absl::StatusOr<OrderView> CreateOrder(
      const ObjectId& partner, const CreateOrderRequest& request) override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<PartnerIndex> p = catalog_.FindPartner(partner);
    absl::StatusOr<CreatePlan> plan = PlanCreate(ctx_, p, request);
    if (!plan.ok()) return plan.status();
    if (orders_.size() >= static_cast<size_t>(options_.max_orders)) {
      return MakeError(
          absl::StatusCode::kResourceExhausted,
          absl::StrCat("Too many orders: at most ", options_.max_orders));
    }
    const uint32_t index = static_cast<uint32_t>(orders_.size());
    const absl::Time now = clock_->Now();
    auto order = std::make_unique<Order>();
    OrderData& d = order->data;
    d.id = MakeOrderId(index, SecureRandom64());
    d.number = index + 1;
    d.vendor = *p;
    d.event = plan->event;
    d.created_at = now;
    d.updated_at = now;
    d.expired_after = now + options_.reservation_ttl;
    d.all_or_nothing = request.all_or_nothing;
    d.customer_json = request.customer_json;
    ExecuteCreate(ctx_, index + 1, *plan, &d);
    deadlines_.emplace(d.expired_after, index);
    by_id_[d.id] = index;
    orders_.push_back(std::move(order));
    return BuildView(ctx_, d, OrderStatus::kExecuted);
  }

  absl::StatusOr<OrderView> ChangeOrder(
      const ObjectId& partner, const ObjectId& order,
      const ChangeOrderRequest& request) override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<uint32_t> index = Find(partner, order);
    if (!index.has_value()) return OrderNotFound(order);
    Order& o = *orders_[*index];
    const absl::Time now = clock_->Now();
    ExpireIfDue(*index, now);
    const absl::Time deadline = o.data.expired_after;
    absl::StatusOr<ChangeOutcome> outcome =
        ExecuteChange(ctx_, *index + 1, o.status, request, now, &o.data);
    if (!outcome.ok()) return outcome.status();
    if (IsFinal(outcome->status) || outcome->deadline_moved) {
      EraseDeadline(deadline, *index);
    }
    if (outcome->deadline_moved && !IsFinal(outcome->status)) {
      deadlines_.emplace(o.data.expired_after, *index);
    }
    o.status = outcome->status;
    return BuildView(ctx_, o.data, o.status);
  }

  absl::StatusOr<OrderView> GetOrder(const ObjectId& partner,
                                     const ObjectId& order) override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<uint32_t> index = Find(partner, order);
    if (!index.has_value()) return OrderNotFound(order);
    ExpireIfDue(*index, clock_->Now());
    return BuildView(ctx_, orders_[*index]->data, orders_[*index]->status);
  }

  absl::StatusOr<OrderPage> ListOrders(const ObjectId& partner,
                                       const OrderFilter& filter) override {
    if (absl::Status s = ValidateFilter(filter); !s.ok()) return s;
    std::lock_guard<std::mutex> l(mu_);
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
    std::vector<uint32_t> matching;
    for (size_t i = orders_.size(); i-- > 0;) {
      const uint32_t index = static_cast<uint32_t>(i);
      const Order& o = *orders_[i];
      if (o.data.vendor != *p) continue;
      if (event.has_value() && o.data.event != *event) continue;
      ExpireIfDue(index, now);
      if (filter.status.has_value() && o.status != *filter.status) continue;
      matching.push_back(index);
    }
    page.total = static_cast<int64_t>(matching.size());
    const int64_t begin = (filter.page - 1) * filter.per_page;
    for (int64_t i = begin; i < page.total && i < begin + filter.per_page;
         ++i) {
      const Order& o = *orders_[matching[static_cast<size_t>(i)]];
      page.orders.push_back(BuildView(ctx_, o.data, o.status));
    }
    return page;
  }

  std::vector<EventInfo> ListEvents(const ObjectId& partner) override {
    std::lock_guard<std::mutex> l(mu_);
    return ListSellableEvents(ctx_, catalog_.FindPartner(partner));
  }

  absl::StatusOr<std::vector<SeatView>> ListSeats(
      const ObjectId& partner, const ObjectId& event) override {
    std::lock_guard<std::mutex> l(mu_);
    return ListEventSeats(ctx_, catalog_.FindPartner(partner), event);
  }

  std::optional<PartnerInfo> DescribePartner(
      const ObjectId& id) const override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<PartnerIndex> p = catalog_.FindPartner(id);
    if (!p.has_value()) return std::nullopt;
    return PartnerInfo{catalog_.partner(*p).id, catalog_.partner(*p).name};
  }
  std::optional<EventInfo> DescribeEvent(const ObjectId& id) const override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<EventIndex> e = catalog_.FindEvent(id);
    if (!e.has_value()) return std::nullopt;
    return BuildEventInfo(ctx_, *e, /*with_counts=*/false);
  }
  std::optional<SetInfo> DescribeSet(const ObjectId& id) const override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<SetIndex> s = catalog_.FindSet(id);
    if (!s.has_value()) return std::nullopt;
    return BuildSetInfo(ctx_, *s, /*with_counts=*/false);
  }
  std::optional<PromocodeInfo> DescribePromocode(
      const ObjectId& id) const override {
    std::lock_guard<std::mutex> l(mu_);
    const std::optional<PromocodeIndex> p = catalog_.FindPromocode(id);
    if (!p.has_value()) return std::nullopt;
    const PromocodeRecord& r = catalog_.promocode(*p);
    return PromocodeInfo{r.id, r.code, r.discount};
  }

  int64_t ExpireDue() override {
    std::lock_guard<std::mutex> l(mu_);
    const absl::Time now = clock_->Now();
    int64_t expired = 0;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      const uint32_t index = deadlines_.begin()->second;
      if (ExpireIfDue(index, now)) ++expired;
      // ExpireIfDue erased it; a stale entry (none expected) goes too.
      if (!deadlines_.empty() && deadlines_.begin()->first <= now &&
          deadlines_.begin()->second == index) {
        deadlines_.erase(deadlines_.begin());
      }
    }
    return expired;
  }

  InventoryTotals Totals() const override {
    std::lock_guard<std::mutex> l(mu_);
    return SumTotals(ctx_);
  }

  absl::Status CheckInvariants() const override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<AuditOrder> orders;
    orders.reserve(orders_.size());
    for (size_t i = 0; i < orders_.size(); ++i) {
      const Order& o = *orders_[i];
      orders.push_back(AuditOrder{o.data.number, o.status,
                                  static_cast<HolderId>(i + 1),
                                  !o.data.code.empty(), o.data.tickets});
    }
    return AuditInvariants(ctx_, orders);
  }

 private:
  struct Order {
    OrderData data;
    OrderStatus status = OrderStatus::kExecuted;
  };

  absl::Status OnSetAdded(SetIndex index, const SetRecord& set) override {
    return inventory_.AddSet(index, set.first, set.size);
  }
  absl::Status OnPromocodeAdded(PromocodeIndex index,
                                const PromocodeRecord& promocode) override {
    promos_.Add(index, promocode.limit);
    return absl::OkStatus();
  }

  static absl::Status OrderNotFound(const ObjectId& order) {
    return MakeError(absl::StatusCode::kNotFound,
                     absl::StrCat("Order ", order.ToString(), " not found"));
  }

  std::optional<uint32_t> Find(const ObjectId& partner,
                               const ObjectId& order) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = by_id_.find(order);
    if (it == by_id_.end()) return std::nullopt;
    const std::optional<PartnerIndex> p = catalog_.FindPartner(partner);
    if (!p.has_value() || orders_[it->second]->data.vendor != *p)
      return std::nullopt;
    return it->second;
  }

  void EraseDeadline(absl::Time deadline, uint32_t index)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto [begin, end] = deadlines_.equal_range(deadline);
    for (auto it = begin; it != end; ++it) {
      if (it->second == index) {
        deadlines_.erase(it);
        return;
      }
    }
  }

  bool ExpireIfDue(uint32_t index, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Order& o = *orders_[index];
    if (!IsOpenStatus(o.status) || now < o.data.expired_after) return false;
    EraseDeadline(o.data.expired_after, index);
    o.status = OrderStatus::kExpired;
    ReleaseAll(ctx_, index + 1, &o.data);
    o.data.updated_at = o.data.expired_after;
    return true;
  }

  EngineOptions options_;
  Clock* const clock_;
  // std::mutex, not absl::Mutex: Debian's Abseil is not built with TSan
  // annotations (TSan cannot see absl::Mutex's happens-before) and has
  // deadlock detection on; a pthread mutex is the plain, checkable oracle.
  mutable std::mutex mu_;
  CatalogStore catalog_ ABSL_GUARDED_BY(mu_);
  ReferenceInventory inventory_ ABSL_GUARDED_BY(mu_);
  PlainPromoUses promos_ ABSL_GUARDED_BY(mu_);
  const TokenGenerator tokens_;
  EngineContext ctx_;
  std::vector<std::unique_ptr<Order>> orders_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<ObjectId, uint32_t> by_id_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, uint32_t> deadlines_ ABSL_GUARDED_BY(mu_);

  // EngineOptions::background_expiry's sweep, if asked for.
  PeriodicThread expiry_thread_;
};

}  // namespace
}  // namespace boxoffice::internal

namespace boxoffice {

absl::StatusOr<std::unique_ptr<Engine>> Engine::OpenReference(
    const EngineOptions& options) {
  if (absl::Status s = internal::ValidateOptions(options); !s.ok()) return s;
  const internal::ClaimPolicy policy = internal::ClaimPolicyFor(options);
  auto engine = std::make_unique<internal::ReferenceEngine>(options, policy);
  engine->Start();
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace boxoffice
