// The engine: the catalog, the inventory and the orders, behind one API that
// follows shared/spec/orders-api.md. An embedding server opens one Engine and
// calls it from any number of threads.
//
// Thread-safety: every method is safe to call concurrently from any number
// of threads. No call blocks on another except where noted: changes of the
// same order are refused (kAborted) rather than queued, and LoadCatalog
// serializes with other loads only.
//
// Ownership: the engine owns its state; every result is a copy the caller
// owns. The Clock in EngineOptions is borrowed and must outlive the engine.
#ifndef BOXOFFICE_ENGINE_H_
#define BOXOFFICE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boxoffice/catalog.h"
#include "boxoffice/object_id.h"
#include "boxoffice/options.h"
#include "boxoffice/order.h"

namespace boxoffice {

class Engine {
 public:
  // The lock-free engine.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(
      const EngineOptions& options);
  // The reference engine: the same semantics behind one global mutex, over
  // deliberately simple structures. The oracle of differential tests and the
  // baseline of benchmarks; not for production.
  static absl::StatusOr<std::unique_ptr<Engine>> OpenReference(
      const EngineOptions& options);

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  virtual ~Engine() = default;

  // Operator: adds the document's partners and events, all or none. Every
  // problem is listed (errors.h), "<JSON pointer>: <problem>".
  virtual absl::StatusOr<CatalogSummary> LoadCatalog(
      const CatalogDocument& doc) = 0;

  // The partner whose API key this is; nullopt when none.
  virtual std::optional<ObjectId> FindPartnerByKey(
      std::string_view key) const = 0;

  // Orders. `partner` is the calling partner (already authenticated).
  virtual absl::StatusOr<OrderView> CreateOrder(
      const ObjectId& partner, const CreateOrderRequest& request) = 0;
  virtual absl::StatusOr<OrderView> ChangeOrder(
      const ObjectId& partner, const ObjectId& order,
      const ChangeOrderRequest& request) = 0;
  virtual absl::StatusOr<OrderView> GetOrder(const ObjectId& partner,
                                             const ObjectId& order) = 0;
  virtual absl::StatusOr<OrderPage> ListOrders(const ObjectId& partner,
                                               const OrderFilter& filter) = 0;

  // Events the partner may sell (org or vendor, public), with set counts.
  virtual std::vector<EventInfo> ListEvents(const ObjectId& partner) = 0;
  // The tickets of an event's seated sets, in catalog order.
  virtual absl::StatusOr<std::vector<SeatView>> ListSeats(
      const ObjectId& partner, const ObjectId& event) = 0;

  // Catalog reads for rendering references (no visibility check: callers
  // describe only what a view they were given names).
  virtual std::optional<PartnerInfo> DescribePartner(
      const ObjectId& id) const = 0;
  virtual std::optional<EventInfo> DescribeEvent(
      const ObjectId& id) const = 0;  // sets without counts
  virtual std::optional<SetInfo> DescribeSet(
      const ObjectId& id) const = 0;  // without counts
  virtual std::optional<PromocodeInfo> DescribePromocode(
      const ObjectId& id) const = 0;

  // Expires every reservation whose deadline is at or before the clock's
  // Now(); returns how many orders it expired. Safe to call from any thread;
  // concurrent calls share the work.
  virtual int64_t ExpireDue() = 0;

  // Ticket counts summed over every set.
  virtual InventoryTotals Totals() const = 0;

  // O(tickets + orders) audit, for tests, the harness and the replay tool:
  // every sold ticket belongs to exactly one done order, every reserved one
  // to exactly one open order, vacant ones to none; set counts add up;
  // promocode uses equal the discounted tickets of open and done orders.
  // Meaningful only at a quiescent point (no call in flight).
  virtual absl::Status CheckInvariants() const = 0;
};

}  // namespace boxoffice

#endif  // BOXOFFICE_ENGINE_H_
