// Orders as the caller sees them: requests in, plain value views out. A view
// is a copy that the caller owns and may keep; it never points into the
// engine.
#ifndef BOXOFFICE_ORDER_H_
#define BOXOFFICE_ORDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "boxoffice/catalog.h"
#include "boxoffice/money.h"
#include "boxoffice/object_id.h"

namespace boxoffice {

enum class OrderStatus { kExecuted, kInProgress, kDone, kCancelled, kExpired };
// v2 spelling: "executed", "in_progress", "done", "cancelled", "expired".
std::string_view OrderStatusName(OrderStatus s);
// Accepts the v2 names and v1's "canceled".
std::optional<OrderStatus> ParseOrderStatus(std::string_view name);
inline bool IsFinal(OrderStatus s) {
  return s == OrderStatus::kDone || s == OrderStatus::kCancelled ||
         s == OrderStatus::kExpired;
}

// `random: {set: n}`: n tickets of a set (on change: the desired total).
struct SetCount {
  ObjectId set;
  int64_t count = 0;
};

struct Payment {
  std::optional<std::string> system;
  std::optional<std::string> success_url;
  std::optional<std::string> failure_url;
};

struct CreateOrderRequest {
  std::optional<ObjectId> event;  // optional when tickets is non-empty
  std::vector<ObjectId> tickets;  // exact tickets, claimed first
  std::vector<SetCount> random;   // desired totals per named set
  bool all_or_nothing = false;
  std::vector<std::string> promocodes;  // codes, case-insensitive
  std::string customer_json = "{}";     // a JSON object's text, kept as given
};

// PATCH: each present field applies, in the contract's order: tickets,
// random, promocodes, payment, status.
struct ChangeOrderRequest {
  std::optional<std::vector<ObjectId>> tickets;
  std::optional<std::vector<SetCount>> random;
  std::optional<std::vector<std::string>> promocodes;
  std::optional<Payment> payment;  // only the fields present are replaced
  std::optional<OrderStatus> status;
};

enum class TicketStatus { kVacant, kReserved, kSold };
std::string_view TicketStatusName(TicketStatus s);  // "vacant", ...

struct TicketView {
  ObjectId id;
  ObjectId set;
  int64_t number = 0;
  std::string serial;
  std::optional<std::string> barcode;  // 17 digits once the order is done
  TicketStatus status = TicketStatus::kReserved;
  Money price, discount, nominal, extra, full;
  std::optional<Seat> seat;
};

struct SetValues {
  ObjectId set;
  Money price, nominal, discount;
  std::optional<ObjectId> promocode;  // the code that discounted this set
};

struct OrderValues {
  Money price, discount, nominal, extra, full;
  std::vector<SetValues> sets;  // in the order sets first appear in tickets
};

struct OrderView {
  ObjectId id;
  int64_t number = 0;
  absl::Time created_at;
  absl::Time updated_at;
  absl::Time expired_after;  // the reservation deadline (v1 reserved_till)
  std::optional<absl::Time> done_at;
  std::optional<std::string> code;  // 8 chars [a-z0-9] once done
  ObjectId event;
  ObjectId org;
  ObjectId vendor;
  OrderStatus status = OrderStatus::kExecuted;
  bool all_or_nothing = false;
  std::string customer_json = "{}";
  Payment payment;
  std::vector<ObjectId> promocodes;  // ids of the codes applied
  std::vector<TicketView> tickets;   // in the order they were claimed
  OrderValues values;
};

struct OrderFilter {
  std::optional<ObjectId> event;
  std::optional<OrderStatus> status;
  int64_t page = 1;       // from 1
  int64_t per_page = 20;  // 1..100; other values are refused
};

struct OrderPage {
  std::vector<OrderView> orders;  // newest first
  int64_t page = 1;
  int64_t per_page = 20;
  int64_t total = 0;  // orders matching the filter
};

// Catalog reads, as copies.
struct PartnerInfo {
  ObjectId id;
  std::string name;
};

struct SetInfo {
  ObjectId id;
  ObjectId event;
  std::string name;
  Money price;
  bool with_seats = false;
  std::string serial;
  ObjectId rule;
  Percent extra_percent;
  int64_t vacant = 0, reserved = 0, sold = 0;  // counts at the time of reading
};

struct EventInfo {
  ObjectId id;
  ObjectId org;
  std::string title_text, title_desc;
  absl::Time start, finish;
  std::string timezone;
  EventStatus status = EventStatus::kPublic;
  std::vector<SetInfo> sets;  // catalog order, with counts
};

struct PromocodeInfo {
  ObjectId id;
  std::string code;
  Discount discount;
};

struct SeatView {
  ObjectId ticket;
  ObjectId set;
  Seat seat;
  TicketStatus status = TicketStatus::kVacant;
};

// Engine-wide ticket counts (sum over sets), for checks after a load run.
struct InventoryTotals {
  int64_t tickets = 0, vacant = 0, reserved = 0, sold = 0;
};

}  // namespace boxoffice

#endif  // BOXOFFICE_ORDER_H_
