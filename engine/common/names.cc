// Spellings of the enums, in one place so that the engine, the adapter and
// the tools agree.
#include "boxoffice/catalog.h"
#include "boxoffice/order.h"

namespace boxoffice {

std::string_view EventStatusName(EventStatus s) {
  switch (s) {
    case EventStatus::kPublic:
      return "public";
    case EventStatus::kDraft:
      return "draft";
    case EventStatus::kCancelled:
      return "cancelled";
  }
  return "public";
}

std::string_view OrderStatusName(OrderStatus s) {
  switch (s) {
    case OrderStatus::kExecuted:
      return "executed";
    case OrderStatus::kInProgress:
      return "in_progress";
    case OrderStatus::kDone:
      return "done";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kExpired:
      return "expired";
  }
  return "executed";
}

std::optional<OrderStatus> ParseOrderStatus(std::string_view name) {
  if (name == "executed") return OrderStatus::kExecuted;
  if (name == "in_progress") return OrderStatus::kInProgress;
  if (name == "done") return OrderStatus::kDone;
  if (name == "cancelled" || name == "canceled") return OrderStatus::kCancelled;
  if (name == "expired") return OrderStatus::kExpired;
  return std::nullopt;
}

std::string_view TicketStatusName(TicketStatus s) {
  switch (s) {
    case TicketStatus::kVacant:
      return "vacant";
    case TicketStatus::kReserved:
      return "reserved";
    case TicketStatus::kSold:
      return "sold";
  }
  return "vacant";
}

}  // namespace boxoffice
