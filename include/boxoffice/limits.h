// Hard capacities of the engine, in one place (Tiger Style: a limit on
// everything). Runtime options may lower the soft ones; these bound them.
#ifndef BOXOFFICE_LIMITS_H_
#define BOXOFFICE_LIMITS_H_

#include <cstdint>

namespace boxoffice::limits {

// Ticket indices are 32-bit; one bit short of that keeps room for sentinels.
inline constexpr uint32_t kMaxTickets = 1u << 31;
// A holder (an order) is named in 30 bits of a ticket's state word; the top
// two bits are the sold and tentative flags. The engine may place up to
// ~1,000 orders beyond max_orders in its slot array (per-thread blocks of
// slots), hence the margin below 2^30.
inline constexpr uint32_t kMaxOrders = (1u << 30) - (1u << 11);
// The ceiling of EngineOptions::reserved_orders (memory set aside at Open,
// ~384 bytes an order: ~6 GiB at the ceiling).
inline constexpr int64_t kMaxReservedOrders = int64_t{1} << 24;
inline constexpr uint32_t kMaxSets = 1u << 24;
inline constexpr uint32_t kMaxEvents = 1u << 22;
inline constexpr uint32_t kMaxPartners = 1u << 20;
inline constexpr uint32_t kMaxPromocodes = 1u << 22;
// One set's tickets; the set's vacant counter has 32 bits.
inline constexpr uint32_t kMaxTicketsPerSet = 1u << 24;
// The ceiling of EngineOptions::max_tickets_per_order.
inline constexpr uint32_t kMaxTicketsPerOrderCeiling = 10'000;
// Strings the catalog keeps (names, titles, keys, codes, seat fields).
inline constexpr uint32_t kMaxStringBytes = 4096;
// A customer object kept on an order, as JSON text.
inline constexpr uint32_t kMaxCustomerBytes = 16 * 1024;
inline constexpr uint32_t kMaxPromocodesPerOrder = 16;

static_assert(kMaxTicketsPerSet <= kMaxTickets);
static_assert(kMaxOrders < (1u << 30));
static_assert(kMaxTicketsPerOrderCeiling < kMaxTicketsPerSet);

}  // namespace boxoffice::limits

#endif  // BOXOFFICE_LIMITS_H_
