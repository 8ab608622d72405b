// libFuzzer target over the JSON adapter: every input is one request to a
// small engine, through the envelope entry point or the raw one (the first
// byte chooses). Beyond "no crash, no leak, no UB" (ASan/UBSan), each run
// checks that the answer is strict JSON with a known status and, at
// intervals, the engine's full invariant audit.
//
// Raw inputs are "<mode byte>METHOD\nPATH\nAUTHORIZATION\nBODY...".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "boxoffice/catalog.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/json_adapter.h"
#include "engine/common/strict_json.h"

namespace {

using boxoffice::ObjectId;

constexpr char kKey[] = "047bdb8bcee44d3693371920aaf9135c";
constexpr char kOtherKey[] = "9bd8359943b545500278875r49c5b96d";
// Inputs per engine: orders accumulate, so a fresh engine now and then
// keeps memory bounded whatever the run's length.
constexpr int kInputsPerEngine = 5000;
constexpr int kAuditEvery = 97;

ObjectId Id(const char* hex) {
  auto id = ObjectId::Parse(hex);
  if (!id) std::abort();
  return *id;
}

boxoffice::CatalogDocument SmallCatalog() {
  boxoffice::CatalogDocument doc;
  doc.partners.push_back({Id("56810047f06c5a6ac62f4e1d"), "Org", kKey});
  doc.partners.push_back({Id("5ba10ea90c43fc000b0fc786"), "Vendor", kOtherKey});
  boxoffice::EventSpec e;
  e.id = Id("56a6253df06c5a059a93802e");
  e.org = Id("56810047f06c5a6ac62f4e1d");
  e.vendors.push_back(Id("5ba10ea90c43fc000b0fc786"));
  e.title_text = "Concert";
  e.start = absl::FromUnixSeconds(1455984000);
  e.finish = e.start + absl::Hours(3);
  e.timezone = "Europe/Moscow";
  e.extra_percent.hundredths = 1000;
  boxoffice::PromocodeSpec promo;
  promo.id = Id("5d7140000000000000000001");
  promo.code = "SPRING";
  promo.discount.percentage.hundredths = 1000;
  promo.limit = 3;
  e.promocodes.push_back(promo);
  boxoffice::SetSpec floor;
  floor.id = Id("56a6254bf06c5a059b93800c");
  floor.name = "Dance floor";
  floor.price.minor = 10000;
  floor.tickets.push_back(
      {Id("56a6253df06c5a059a9380a0"), std::nullopt, std::nullopt});
  floor.tickets.push_back(
      {Id("56a6253df06c5a059a9380ae"), std::nullopt, std::nullopt});
  floor.count = 6;
  e.sets.push_back(floor);
  boxoffice::SetSpec seats;
  seats.id = Id("5d71353b2110d30a34e97e31");
  seats.name = "A2";
  seats.price.minor = 99000;
  seats.with_seats = true;
  seats.tickets.push_back({Id("5d7134962110d30a34e95cfe"), 135830,
                           boxoffice::Seat{"s", "2", "14"}});
  seats.tickets.push_back({Id("5d7134962110d30a34e95cff"), 135831,
                           boxoffice::Seat{"s", "2", "15"}});
  e.sets.push_back(seats);
  doc.events.push_back(e);
  return doc;
}

struct World {
  boxoffice::SimulatedClock clock{absl::FromUnixSeconds(1453814952)};
  std::unique_ptr<boxoffice::Engine> engine;
  std::unique_ptr<boxoffice::JsonAdapter> adapter;
  int inputs = 0;

  void Reset() {
    adapter.reset();
    boxoffice::EngineOptions options;
    options.clock = &clock;
    options.max_tickets_per_order = 5;
    // Small capacities: the engine sizes its timer wheel from max_orders,
    // and freeing a 16M-node wheel under ASan's quarantine took longer
    // than libFuzzer's timeout at every Reset().
    options.max_orders = 4 * kInputsPerEngine;
    options.max_tickets = 1000;
    options.lowest_vacant_first = true;
    options.claim_seed = 1;
    auto opened = boxoffice::Engine::Open(options);
    if (!opened.ok()) std::abort();
    engine = std::move(*opened);
    if (!engine->LoadCatalog(SmallCatalog()).ok()) std::abort();
    boxoffice::JsonAdapterOptions adapter_options;
    adapter_options.max_body_bytes = 4096;
    adapter_options.max_catalog_bytes = 8192;
    adapter_options.admin_key = "admin-secret";
    adapter =
        std::make_unique<boxoffice::JsonAdapter>(engine.get(), adapter_options);
    inputs = 0;
  }
};

void CheckJson(std::string_view text) {
  nlohmann::json parsed;
  boxoffice::internal::StrictJsonLimits limits;
  limits.max_bytes = size_t{64} << 20;
  limits.max_depth = 128;
  const absl::Status s =
      boxoffice::internal::ParseStrictJson(text, limits, &parsed);
  if (!s.ok()) {
    std::fprintf(stderr, "adapter wrote invalid JSON (%s): %.*s\n",
                 std::string(s.message()).c_str(),
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
}

void CheckStatus(int status) {
  switch (status) {
    case 200:
    case 201:
    case 400:
    case 401:
    case 404:
    case 405:
    case 409:
      return;
    default:
      std::fprintf(stderr, "unexpected status %d\n", status);
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = [] {
    auto* w = new World;
    w->Reset();
    return w;
  }();
  if (world->inputs++ >= kInputsPerEngine) world->Reset();
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  const uint8_t mode = data[0];
  if (mode & 0x80) {
    // Time moves on now and then, so that expiry races the requests.
    world->clock.Advance(absl::Minutes(mode & 0x1f));
    world->engine->ExpireDue();
  }
  if ((mode & 1) == 0) {
    const std::string answer = world->adapter->HandleEnvelope(input);
    CheckJson(answer);
  } else {
    std::string_view parts[3];
    std::string_view rest = input;
    for (auto& part : parts) {
      const size_t nl = rest.find('\n');
      part = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view()
                                          : rest.substr(nl + 1);
    }
    boxoffice::RawRequest request{parts[0], parts[1], parts[2], rest};
    boxoffice::RawResponse response;
    world->adapter->Handle(request, &response);
    CheckStatus(response.status);
    CheckJson(response.body);
  }
  if (world->inputs % kAuditEvery == 0) {
    const absl::Status audit = world->engine->CheckInvariants();
    if (!audit.ok()) {
      std::fprintf(stderr, "engine invariants broken: %s\n",
                   std::string(audit.message()).c_str());
      std::abort();
    }
  }
  return 0;
}
