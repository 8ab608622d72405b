// A canonical text of engine results, for comparing two engines: every
// field, except the values each engine makes up from its own secure
// randomness (order ids, codes and barcodes: only their presence and shape
// are written).
#ifndef BOXOFFICE_TESTS_ORDERS_VIEW_TEXT_H_
#define BOXOFFICE_TESTS_ORDERS_VIEW_TEXT_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"

namespace boxoffice::testing {

inline std::string T(absl::Time t) {
  return std::to_string(absl::ToUnixMicros(t));
}
inline std::string Opt(const std::optional<std::string>& s) {
  return s.has_value() ? "\"" + *s + "\"" : "null";
}

inline std::string ViewText(const OrderView& v) {
  std::string out;
  absl::StrAppend(
      &out, "number=", v.number, " created=", T(v.created_at),
      " updated=", T(v.updated_at), " expires=", T(v.expired_after),
      " done_at=", v.done_at ? T(*v.done_at) : std::string("null"),
      " code=", v.code ? absl::StrCat("len", v.code->size()) : "null",
      " event=", v.event.ToString(), " org=", v.org.ToString(),
      " vendor=", v.vendor.ToString(),
      " status=", std::string(OrderStatusName(v.status)),
      " aon=", v.all_or_nothing, " customer=", v.customer_json,
      " payment=", Opt(v.payment.system), ",", Opt(v.payment.success_url), ",",
      Opt(v.payment.failure_url), " promocodes=[");
  for (const ObjectId& p : v.promocodes)
    absl::StrAppend(&out, p.ToString(), ",");
  absl::StrAppend(&out, "]\n");
  for (const TicketView& t : v.tickets) {
    absl::StrAppend(
        &out, "  ticket ", t.id.ToString(), " set=", t.set.ToString(),
        " number=", t.number, " serial=", t.serial, " barcode=",
        t.barcode ? absl::StrCat("len", t.barcode->size()) : "null",
        " status=", std::string(TicketStatusName(t.status)),
        " price=", FormatMoney(t.price), " discount=", FormatMoney(t.discount),
        " nominal=", FormatMoney(t.nominal), " extra=", FormatMoney(t.extra),
        " full=", FormatMoney(t.full),
        t.seat ? absl::StrCat(" seat=", t.seat->sector, "/", t.seat->row, "/",
                              t.seat->number)
               : std::string(),
        "\n");
  }
  absl::StrAppend(&out, "  values price=", FormatMoney(v.values.price),
                  " discount=", FormatMoney(v.values.discount),
                  " nominal=", FormatMoney(v.values.nominal),
                  " extra=", FormatMoney(v.values.extra),
                  " full=", FormatMoney(v.values.full), "\n");
  for (const SetValues& s : v.values.sets) {
    absl::StrAppend(
        &out, "  set ", s.set.ToString(), " price=", FormatMoney(s.price),
        " nominal=", FormatMoney(s.nominal),
        " discount=", FormatMoney(s.discount), " promocode=",
        s.promocode ? s.promocode->ToString() : std::string("null"), "\n");
  }
  return out;
}

inline std::string StatusText(const absl::Status& s) {
  if (s.ok()) return "OK";
  return absl::StrCat(absl::StatusCodeToString(s.code()), ": ",
                      absl::StrJoin(ErrorMessages(s), " | "));
}

template <typename T>
std::string ResultText(const absl::StatusOr<T>& r);

template <>
inline std::string ResultText(const absl::StatusOr<OrderView>& r) {
  return r.ok() ? ViewText(*r) : StatusText(r.status());
}

template <>
inline std::string ResultText(const absl::StatusOr<OrderPage>& r) {
  if (!r.ok()) return StatusText(r.status());
  std::string out = absl::StrCat("page ", r->page, "/", r->per_page, " total ",
                                 r->total, "\n");
  for (const OrderView& v : r->orders) out += ViewText(v);
  return out;
}

inline std::string EventsText(const std::vector<EventInfo>& events) {
  std::string out;
  for (const EventInfo& e : events) {
    absl::StrAppend(&out, e.id.ToString(), "\n");
    for (const SetInfo& s : e.sets) {
      absl::StrAppend(&out, "  ", s.id.ToString(), " ", s.vacant, "/",
                      s.reserved, "/", s.sold, "\n");
    }
  }
  return out;
}

template <>
inline std::string ResultText(const absl::StatusOr<std::vector<SeatView>>& r) {
  if (!r.ok()) return StatusText(r.status());
  std::string out;
  for (const SeatView& s : *r) {
    absl::StrAppend(&out, s.ticket.ToString(), "=",
                    std::string(TicketStatusName(s.status)), " ");
  }
  return out;
}

}  // namespace boxoffice::testing

#endif  // BOXOFFICE_TESTS_ORDERS_VIEW_TEXT_H_
