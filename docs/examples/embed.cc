// Embedding boxoffice: open an engine, load a catalog, sell a ticket.
//
// This is the complete example of docs/API.md. It is compiled by the build
// and run as a test (orders_embed_example), so it cannot rot. It exits 0
// when everything went as described, 1 otherwise.
#include <cstdio>
#include <memory>
#include <string>

#include "boxoffice/catalog.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"
#include "boxoffice/money.h"

namespace {

// A catalog as JSON, the way an operator would load it (catalog.md).
constexpr char kCatalog[] = R"({
  "partners": [{"id": "5ba10ea90c43fc000b0fc786", "name": "Box office",
                "key": "secret-api-key"}],
  "events": [{
    "id": "5d7134962110d30a34e95b96", "org": "5ba10ea90c43fc000b0fc786",
    "status": "public", "title": {"text": "Slipknot", "desc": ""},
    "lifetime": {"start": "2020-06-12T15:00:00Z", "finish": "2020-06-12T18:00:00Z"},
    "timezone": "Europe/Moscow", "extra_percent": "10",
    "promocodes": [{"id": "5d7140000000000000000001", "code": "SPRING",
                    "discount": {"percentage": "10%"}, "limit": 100}],
    "sets": [{"id": "5d7135112110d30a34e97e2d", "name": "Fan zone",
              "price": "5600.00", "with_seats": false, "count": 1000}]
  }]
})";

void PrintErrors(const absl::Status& status) {
  // A refusal may carry several messages (the contract lists them all).
  for (const std::string& m : boxoffice::ErrorMessages(status)) {
    std::fprintf(stderr, "  error: %s\n", m.c_str());
  }
}

}  // namespace

int main() {
  // Virtual time so that the example is deterministic; a server would leave
  // `clock` null (the real clock) and set background_expiry = true.
  boxoffice::SimulatedClock clock(absl::FromUnixSeconds(1569428041));
  boxoffice::EngineOptions options;
  options.clock = &clock;  // borrowed: must outlive the engine
  options.reservation_ttl = absl::Minutes(15);

  absl::StatusOr<std::unique_ptr<boxoffice::Engine>> opened =
      boxoffice::Engine::Open(options);
  if (!opened.ok()) {
    PrintErrors(opened.status());
    return 1;
  }
  boxoffice::Engine& engine = **opened;

  absl::StatusOr<boxoffice::CatalogDocument> doc =
      boxoffice::ParseCatalogJson(kCatalog);
  if (!doc.ok()) {
    PrintErrors(doc.status());
    return 1;
  }
  absl::StatusOr<boxoffice::CatalogSummary> loaded = engine.LoadCatalog(*doc);
  if (!loaded.ok()) {
    PrintErrors(loaded.status());
    return 1;
  }
  std::printf("loaded %lld tickets\n", static_cast<long long>(loaded->tickets));

  // A request arrives with `Authorization: key secret-api-key`.
  std::optional<boxoffice::ObjectId> partner =
      engine.FindPartnerByKey("secret-api-key");
  if (!partner.has_value()) return 1;

  // Reserve two tickets of the fan zone, with a promocode.
  boxoffice::CreateOrderRequest create;
  create.event = boxoffice::ObjectId::Parse("5d7134962110d30a34e95b96");
  create.random = {
      {*boxoffice::ObjectId::Parse("5d7135112110d30a34e97e2d"), 2}};
  create.promocodes = {"spring"};
  absl::StatusOr<boxoffice::OrderView> order =
      engine.CreateOrder(*partner, create);
  if (!order.ok()) {
    PrintErrors(order.status());
    return 1;
  }
  // The view is a copy the caller owns; money is in minor units.
  std::printf("order %s #%lld: %zu tickets, to pay %s\n",
              order->id.ToString().c_str(),
              static_cast<long long>(order->number), order->tickets.size(),
              boxoffice::FormatMoney(order->values.full).c_str());

  // Payment starts, then succeeds: the tickets are sold.
  boxoffice::ChangeOrderRequest pay;
  pay.status = boxoffice::OrderStatus::kInProgress;
  if (!engine.ChangeOrder(*partner, order->id, pay).ok()) return 1;
  clock.Advance(absl::Minutes(3));
  boxoffice::ChangeOrderRequest done;
  done.status = boxoffice::OrderStatus::kDone;
  absl::StatusOr<boxoffice::OrderView> sold =
      engine.ChangeOrder(*partner, order->id, done);
  if (!sold.ok()) {
    PrintErrors(sold.status());
    return 1;
  }
  std::printf("done, code %s, first barcode %s\n", sold->code->c_str(),
              sold->tickets[0].barcode->c_str());

  // A refusal: a done order cannot be cancelled.
  boxoffice::ChangeOrderRequest cancel;
  cancel.status = boxoffice::OrderStatus::kCancelled;
  absl::StatusOr<boxoffice::OrderView> refused =
      engine.ChangeOrder(*partner, order->id, cancel);
  if (refused.ok()) return 1;
  PrintErrors(refused.status());

  // Another reservation runs out: the host moves time and sweeps (a server
  // with background_expiry does not need to).
  if (!engine.CreateOrder(*partner, create).ok()) return 1;
  clock.Advance(absl::Minutes(15));
  const int64_t expired = engine.ExpireDue();
  const boxoffice::InventoryTotals totals = engine.Totals();
  std::printf("expired %lld; sold %lld, reserved %lld, vacant %lld\n",
              static_cast<long long>(expired),
              static_cast<long long>(totals.sold),
              static_cast<long long>(totals.reserved),
              static_cast<long long>(totals.vacant));
  const bool ok = expired == 1 && totals.sold == 2 && totals.reserved == 0 &&
                  engine.CheckInvariants().ok();
  return ok ? 0 : 1;
}
