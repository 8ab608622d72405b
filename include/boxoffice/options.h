// Options of an Engine. Out-of-range values are refused by Engine::Open with
// InvalidArgument, never clamped.
#ifndef BOXOFFICE_OPTIONS_H_
#define BOXOFFICE_OPTIONS_H_

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "boxoffice/clock.h"

namespace boxoffice {

struct EngineOptions {
  // How long a new (`executed`) order holds its tickets. 1s..30 days.
  absl::Duration reservation_ttl = absl::Minutes(15);
  // How long an `in_progress` order holds its tickets, from the PATCH that
  // started payment. 1s..30 days.
  absl::Duration payment_ttl = absl::Minutes(30);
  // Tickets one order may hold (the contract's `Too many tickets`). 1..10,000.
  int32_t max_tickets_per_order = 100;
  // Orders the engine can hold in all (every order is kept for reads).
  // Memory for orders grows in chunks as they are created. 1..2^30-2.
  int64_t max_orders = 64'000'000;
  // Orders whose memory Open sets aside at once (0..max_orders, at most
  // 16,777,216), rounded up to whole chunks of 4,096: about 384 bytes an
  // order. The first reserved_orders orders then never wait for the kernel
  // to hand out fresh pages (on the 2-vCPU VM the benchmarks ran on, up to
  // ~0.6 us an order, more than half of an order's lifecycle), which is what
  // a server preparing an on-sale wants. The reference engine reserves room in
  // its order index only.
  int64_t reserved_orders = 0;
  // Catalog capacity: tickets across every load. 1..2^31.
  int64_t max_tickets = 100'000'000;
  // Not owned; must outlive the engine. nullptr: Clock::Real().
  Clock* clock = nullptr;
  // When true, a background thread expires due reservations every
  // expiry_interval on its own; otherwise the host calls ExpireDue() (the
  // replay tool and tests do, on virtual time). Expiry is also checked on
  // every access to an order, so a late `done` fails either way.
  bool background_expiry = false;
  absl::Duration expiry_interval = absl::Milliseconds(10);
  // Seed of the random choice of tickets for `random` claims; nullopt picks
  // one from the OS. Barcodes, codes and order ids never use it: they always
  // come from a cryptographically secure source.
  std::optional<uint64_t> claim_seed;
  // Random claims take the lowest-index vacant tickets instead of random
  // ones. Deterministic whatever the implementation, so the differential
  // tests compare the lock-free and the reference engines ticket for ticket;
  // slower under contention (every claimer starts at the same place).
  bool lowest_vacant_first = false;
};

}  // namespace boxoffice

#endif  // BOXOFFICE_OPTIONS_H_
