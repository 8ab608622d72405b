// Catalog benchmarks. Workloads:
//
//  1. platform load (printed, not a Google Benchmark: one load is seconds):
//     a 10,000,000-ticket catalog, 10,000 events x 10 sets x 100 tickets
//     by `count` (the engine generates every ticket id), loaded into a
//     fresh CatalogStore with a LockFreeInventory attached through the
//     LoadListener, as the engine will. Reports the load time and the
//     resident memory added per ticket (VmRSS from /proc/self/status
//     before and after), and the per-ticket bytes of the inventory state
//     plus the ticket id index (budget: 16). Median of --load_reps loads.
//  2. stadium load: a 100,000-seat event as JSON text (every ticket listed
//     with a seat), parsed and loaded. Median of --load_reps.
//  3. lookups (Google Benchmark): FindTicket of random loaded ids on the
//     10M-ticket store, against the reference: an absl::flat_hash_map from
//     ObjectId to ticket index holding the same ids (what a plain
//     implementation would do; it stores each id a second time).
//
// Flags: --tickets_millions=N (default 10), --load_reps=N (default 5), then
// Google Benchmark's own flags.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "boxoffice/catalog.h"
#include "engine/catalog/catalog_store.h"
#include "engine/core/lockfree_inventory.h"

namespace boxoffice::internal {
namespace {

int64_t RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

ObjectId MakeId(uint8_t kind, uint64_t n) {
  std::array<uint8_t, ObjectId::kBytes> b{};
  b[0] = 0x5d;
  b[1] = kind;
  for (int i = 0; i < 8; ++i) b[11 - i] = static_cast<uint8_t>(n >> (8 * i));
  return ObjectId(b);
}

CatalogDocument PlatformDocument(int events, int sets, int tickets_per_set) {
  CatalogDocument doc;
  PartnerSpec partner;
  partner.id = MakeId(1, 1);
  partner.name = "platform";
  partner.key = "platform-key";
  doc.partners.push_back(partner);
  uint64_t next = 0;
  for (int e = 0; e < events; ++e) {
    EventSpec event;
    event.id = MakeId(2, next++);
    event.org = partner.id;
    event.title_text = "event";
    event.timezone = "Europe/Moscow";
    event.start = absl::FromUnixSeconds(1'600'000'000);
    event.finish = event.start + absl::Hours(3);
    for (int s = 0; s < sets; ++s) {
      SetSpec set;
      set.id = MakeId(3, next++);
      set.name = "set";
      set.price = Money{100000};
      set.count = tickets_per_set;
      event.sets.push_back(std::move(set));
    }
    doc.events.push_back(std::move(event));
  }
  return doc;
}

std::string StadiumJson(int seats) {
  std::string s =
      R"({"partners": [{"id": "5ba10ea90c43fc000b0fc786", "name": "p", "key": "k"}],)"
      R"( "events": [{"id": "5d7134962110d30a34e95b96", "org": "5ba10ea90c43fc000b0fc786",)"
      R"( "status": "public", "title": {"text": "Stadium"},)"
      R"( "lifetime": {"start": "2020-06-12T15:00:00Z", "finish": "2020-06-12T18:00:00Z"},)"
      R"( "timezone": "Europe/Moscow", "sets": [)";
  const int per_set = 10'000;
  for (int set = 0; set * per_set < seats; ++set) {
    if (set > 0) s += ",";
    absl::StrAppend(
        &s, R"({"id": ")", MakeId(3, set).ToString(), R"(", "name": "sector )",
        set, R"(", "price": "1500.00", "with_seats": true, "tickets": [)");
    for (int t = 0; t < per_set && set * per_set + t < seats; ++t) {
      if (t > 0) s += ",";
      absl::StrAppend(&s, R"({"id": ")",
                      MakeId(4, uint64_t(set) * per_set + t).ToString(),
                      R"(", "seat": {"sector": "S)", set, R"(", "row": ")",
                      t / 50 + 1, R"(", "number": ")", t % 50 + 1, R"("}})");
    }
    s += "]}";
  }
  s += "]}]}";
  return s;
}

// Attaches the engine's inventory to the catalog, as the engine does.
class InventoryListener : public LoadListener {
 public:
  explicit InventoryListener(Inventory* inv) : inv_(inv) {}
  absl::Status OnSetAdded(SetIndex index, const SetRecord& set) override {
    return inv_->AddSet(index, set.first, set.size);
  }
  absl::Status OnPromocodeAdded(PromocodeIndex,
                                const PromocodeRecord&) override {
    return absl::OkStatus();
  }

 private:
  Inventory* inv_;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// CPU time of the process: the machine is shared, and wall time counts the
// moments other processes held our core.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double Seconds(std::chrono::steady_clock::time_point a,
               std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Kept alive for the lookup benchmarks.
std::unique_ptr<CatalogStore> g_store;
std::unique_ptr<LockFreeInventory> g_inventory;
std::vector<ObjectId> g_probe_ids;

void RunPlatformLoad(int64_t tickets, int reps) {
  const int events = static_cast<int>(tickets / 1000);
  const CatalogDocument doc = PlatformDocument(events, 10, 100);
  std::vector<double> secs, cpu_secs;
  double rss_per_ticket = 0;
  double index_bpt = 0, inventory_bpt = 0;
  for (int rep = 0; rep < reps; ++rep) {
    g_store.reset();
    g_inventory.reset();
    const int64_t before = RssKb();
    auto store = std::make_unique<CatalogStore>();
    auto inventory = std::make_unique<LockFreeInventory>();
    InventoryListener listener(inventory.get());
    const double c0 = CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = store->Load(doc, &listener);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = CpuSeconds();
    if (!r.ok()) {
      std::fprintf(stderr, "load failed: %s\n",
                   std::string(r.status().message()).c_str());
      std::exit(1);
    }
    const int64_t after = RssKb();
    const double n = static_cast<double>(store->ticket_count());
    secs.push_back(Seconds(t0, t1));
    cpu_secs.push_back(c1 - c0);
    // The first load only: later ones reuse the heap the previous store
    // freed, and their resident growth would understate the cost.
    if (rep == 0) rss_per_ticket = (after - before) * 1024.0 / n;
    index_bpt = static_cast<double>(store->ticket_index_bytes()) / n;
    inventory_bpt = static_cast<double>(inventory->memory_bytes()) / n;
    g_store = std::move(store);
    g_inventory = std::move(inventory);
  }
  std::printf(
      "platform load: %u tickets, %d events x 10 sets x %d (by count)\n"
      "  load time median %.3f s wall (%.1f ns/ticket), %.3f s CPU, over %d "
      "loads\n"
      "  resident memory added by the first load %.1f bytes/ticket (store + "
      "inventory)\n"
      "  ticket id index %.2f B/ticket + inventory state %.2f B/ticket = "
      "%.2f B/ticket (budget 16)\n"
      "  TicketRecord %zu B/ticket\n",
      g_store->ticket_count(), events, 100, Median(secs),
      Median(secs) * 1e9 / g_store->ticket_count(), Median(cpu_secs), reps,
      rss_per_ticket, index_bpt, inventory_bpt, index_bpt + inventory_bpt,
      sizeof(TicketRecord));
  std::mt19937_64 rng(1);
  for (int i = 0; i < (1 << 20); ++i) {
    g_probe_ids.push_back(
        g_store
            ->ticket(static_cast<TicketIndex>(rng() % g_store->ticket_count()))
            .id);
  }
}

void RunStadiumLoad(int reps) {
  const std::string text = StadiumJson(100'000);
  std::vector<double> parse_secs, load_secs;
  for (int rep = 0; rep < reps; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    auto doc = ParseCatalogJson(text);
    const auto t1 = std::chrono::steady_clock::now();
    if (!doc.ok()) {
      std::fprintf(stderr, "parse failed: %s\n",
                   std::string(doc.status().message()).c_str());
      std::exit(1);
    }
    CatalogStore store;
    LockFreeInventory inventory;
    InventoryListener listener(&inventory);
    auto r = store.Load(*doc, &listener);
    const auto t2 = std::chrono::steady_clock::now();
    if (!r.ok()) std::exit(1);
    parse_secs.push_back(Seconds(t0, t1));
    load_secs.push_back(Seconds(t1, t2));
  }
  std::printf(
      "stadium: 100000 seats, %.1f MiB of JSON: parse median %.3f s, "
      "load median %.3f s\n",
      text.size() / 1048576.0, Median(parse_secs), Median(load_secs));
}

void BM_FindTicket_Store(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    auto t = g_store->FindTicket(g_probe_ids[i++ & ((1 << 20) - 1)]);
    benchmark::DoNotOptimize(t);
  }
}

void BM_FindTicket_Reference(benchmark::State& state) {
  static const auto* map = [] {
    auto* m = new absl::flat_hash_map<ObjectId, uint32_t>();
    const int64_t before = RssKb();
    m->reserve(g_store->ticket_count());
    for (uint32_t t = 0; t < g_store->ticket_count(); ++t) {
      m->emplace(g_store->ticket(t).id, t);
    }
    std::printf("reference flat_hash_map<ObjectId, uint32_t>: %.1f B/ticket\n",
                (RssKb() - before) * 1024.0 / g_store->ticket_count());
    return m;
  }();
  size_t i = 0;
  for (auto _ : state) {
    auto it = map->find(g_probe_ids[i++ & ((1 << 20) - 1)]);
    benchmark::DoNotOptimize(it);
  }
}

BENCHMARK(BM_FindTicket_Store);
BENCHMARK(BM_FindTicket_Reference);

}  // namespace
}  // namespace boxoffice::internal

int main(int argc, char** argv) {
#if !defined(NDEBUG) || defined(BOXOFFICE_VERIFY)
  std::printf("WARNING: built without optimisation or with assertions on\n");
#endif
  int64_t millions = 10;
  int reps = 5;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tickets_millions=", 19) == 0) {
      millions = std::atoll(argv[i] + 19);
    } else if (std::strncmp(argv[i], "--load_reps=", 12) == 0) {
      reps = std::atoi(argv[i] + 12);
    } else {
      rest.push_back(argv[i]);
    }
  }
  // The platform load runs first, in a fresh process: later loads reuse
  // freed heap, which would hide their resident growth.
  if (reps < 1) reps = 1;
  // --tickets_millions=0 runs the stadium alone (lookups need the platform).
  if (millions > 0) {
    boxoffice::internal::RunPlatformLoad(millions * 1'000'000, reps);
  }
  boxoffice::internal::RunStadiumLoad(reps);
  if (millions <= 0) return 0;
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
